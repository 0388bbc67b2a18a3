"""One benchmark run: K repeats of every row, in a temporary directory removed at the end."""
from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .database import check_disposable, public_url, sqlite_url
from .imap import USERS, dovecot_missing, run_imap, running_dovecot
from .loadgen import LoadResult, run_load
from .machine import machine_info
from .mail import (
    run_ingest,
    run_lmtp,
    run_mailgate,
    run_mailgate_now,
    run_parse,
    run_stdlib_parse,
    warmup_corpus,
)
from .mailcorpus import SEED as MAIL_SEED
from .mailcorpus import describe, generate
from .process import HOST
from .report import TARGET_MAIL_RATE, TARGET_MAILGATE_MS, TARGET_RATIO
from .scenarios import ApiRequester, FloorPoster, WebRequester
from .service import run_service
from .sites import PASSWORD, REQUESTER, Site, floor_site, helpdesk_site
from .stats import Row

# The rows that store the corpus, reconciled with the database.
INGEST_ROWS = ("mail_ingest", "mail_lmtp", "mail_imap")


@dataclass
class Options:
    """What to measure and for how long (``python -m bench --help``)."""

    repeat: int = 1
    service_count: int = 500
    service_warmup: int = 20
    duration: float | None = 5.0       # seconds per HTTP row, or...
    requests: int | None = None        # ... a request count per HTTP row
    warmup: int = 5                    # untimed POSTs per client before each HTTP row
    concurrency: tuple[int, ...] = (1, 8)
    threads: int = 8                   # waitress threads of both servers
    database_url: str | None = None    # PostgreSQL for a second service row
    mail_count: int = 2000             # messages of the e-mail corpus
    mail_warmup: int = 200             # untimed messages before each e-mail row (enough
    #                                    rows for bench.mail.settle's statistics)
    mail_batch: int = 50               # messages per transaction in the ingest rows
    lmtp_clients: int = 20             # concurrent LMTP connections (Postfix's default)
    skip_lmtp: bool = False            # leave the `helpdesk lmtp` rows out
    skip_imap: bool = False            # leave the `helpdesk fetchmail` (IMAP) rows out
    mailgate_runs: int = 10            # timed `helpdesk mailgate` processes
    skip_mail: bool = False            # leave the e-mail rows out
    mail_only: bool = False            # the e-mail rows alone


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Run:
    """Collects the rows of a run, in table order."""

    def __init__(self, options: Options):
        self.options = options
        self.rows: dict[str, Row] = {}
        self.databases: dict[str, str] = {}
        self.ratios: list[float] = []
        self.loads: list[dict] = []
        self.order = [] if options.mail_only else (["service_sqlite"]
                      + (["service_postgresql"] if options.database_url else [])
                      + [f"http_c{c}" for c in options.concurrency]
                      + [f"api_c{c}" for c in options.concurrency]
                      + [f"floor_c{c}" for c in options.concurrency])
        labels = {"service_sqlite": "service create (sqlite)",
                  "service_postgresql": "service create (postgresql)"}
        for c in options.concurrency:
            labels[f"http_c{c}"] = f"HTTP create c={c}"
            labels[f"api_c{c}"] = f"API create c={c}"
            labels[f"floor_c{c}"] = f"floor c={c}"
        databases = ["sqlite"] + (["postgresql"] if options.database_url else [])
        self.imap_missing = None if options.skip_imap or options.skip_mail else dovecot_missing()
        self.mail_order = [] if options.skip_mail else (
            ["mail_parse", "mail_stdlib"] + [f"mail_ingest_{d}" for d in databases]
            + ([] if options.skip_lmtp else [f"mail_lmtp_{d}" for d in databases])
            + ([] if options.skip_imap or self.imap_missing
               else [f"mail_imap_{d}" for d in databases])
            + ["mail_mailgate", "mail_mailgate_now"])
        per = f"{options.mail_batch}/txn"
        labels.update({"mail_parse": "mail parse only",
                       "mail_stdlib": "stdlib compat32 parse (reference)",
                       "mail_ingest_sqlite": f"mail ingest (sqlite, {per})",
                       "mail_ingest_postgresql": f"mail ingest (postgresql, {per})",
                       "mail_lmtp_sqlite": "mail ingest via helpdesk lmtp (sqlite, "
                                           f"c={options.lmtp_clients})",
                       "mail_lmtp_postgresql": "mail ingest via helpdesk lmtp (postgresql, "
                                               f"c={options.lmtp_clients})",
                       "mail_imap_sqlite": f"mail ingest via helpdesk fetchmail (sqlite, {per})",
                       "mail_imap_postgresql": "mail ingest via helpdesk fetchmail "
                                               f"(postgresql, {per})",
                       "mail_mailgate": "helpdesk mailgate cold start",
                       "mail_mailgate_now": "helpdesk mailgate --now cold start"})
        for key in self.order + self.mail_order:
            self.rows[key] = Row(key, labels[key])
        self.corpus: list = []
        self.mail_warmup: list = []
        self.mail_ratios: dict[str, list[float]] = {k: [] for k in self.mail_order
                                                    if k.startswith(INGEST_ROWS)}
        self.mail_counts: list[dict] = []
        self.mailgate_runs: list[dict] = []

    # -- the phases --------------------------------------------------------------

    def service(self, key: str, url: str, directory: Path) -> None:
        result = run_service(url, directory, count=self.options.service_count,
                             warmup=self.options.service_warmup)
        row = self.rows[key]
        row.repeats.append(result.figures)
        row.notes.extend(result.error_samples)
        where = "temporary file" if url.startswith("sqlite") else public_url(url)
        self.databases[key] = f"{where} ({result.database_version})"
        _log(f"  {row.label}: {result.figures.per_second:.1f}/s, "
             f"{result.figures.errors} error(s)")

    def http(self, key: str, site: Site, scenario, concurrency: int, repeat: int) -> float:
        options = self.options
        before, log_offset = site.count_rows(), site.log_size()
        result: LoadResult = run_load(scenario, HOST, site.port, concurrency=concurrency,
                                      duration=options.duration, requests=options.requests,
                                      warmup=options.warmup)
        written = site.count_rows() - before
        answered = result.ok + result.warmup_requests - result.warmup_errors
        figures = result.figures()
        row = self.rows[key]
        if written != answered:  # a 303 without its row (or a row without its 303)
            figures.errors += abs(written - answered)
            row.notes.append(f"repeat {repeat}: {written} rows written for {answered} "
                             "successful POSTs")
        row.repeats.append(figures)
        row.notes.extend(f"repeat {repeat}: {s}" for s in result.error_samples)
        load = {"row": key, "repeat": repeat, "rows_written": written, **result.summary()}
        if figures.errors:
            load["server_log"] = site.log_since(log_offset)
            row.notes.append(f"repeat {repeat}: the server's log of this row is in the JSON "
                             "(loads[].server_log)")
        self.loads.append(load)
        _log(f"  {row.label}: {figures.per_second:.1f}/s, {result.requests} requests, "
             f"{figures.errors} error(s)")
        return figures.per_second

    def mail(self, number: int, workdir: Path) -> None:
        """The e-mail rows, on the same corpus in every repeat."""
        options = self.options
        if not self.corpus:
            self.corpus = generate(options.mail_count)
            self.mail_warmup = warmup_corpus(options.mail_warmup)
            info = describe(self.corpus)
            _log(f"  mail corpus: {info['messages']} messages, {info['bytes'] / 1e6:.1f} MB")
        parse = run_parse(self.corpus, self.mail_warmup)
        row = self.rows["mail_parse"]
        row.repeats.append(parse.figures)
        row.notes.extend(f"repeat {number}: {s}" for s in parse.error_samples)
        _log(f"  {row.label}: {parse.figures.per_second:.1f}/s, "
             f"{parse.figures.errors} error(s)")
        reference = run_stdlib_parse(self.corpus, self.mail_warmup)
        self.rows["mail_stdlib"].repeats.append(reference)
        _log(f"  {self.rows['mail_stdlib'].label}: {reference.per_second:.1f}/s")
        kinds = [("ingest", "mail", lambda url, directory: run_ingest(
            url, directory, self.corpus, self.mail_warmup, batch=options.mail_batch))]
        if not options.skip_lmtp:
            kinds.append(("lmtp", "lmtp", lambda url, directory: run_lmtp(
                url, directory, self.corpus, self.mail_warmup, clients=options.lmtp_clients)))
        with contextlib.ExitStack() as stack:
            if any(key.startswith("mail_imap") for key in self.mail_order):
                kinds.append(("imap", "imap", self._imap(
                    stack.enter_context(running_dovecot()))))
            targets = []  # (row, database URL, directory, measurement): a SQLite file each
            for kind, prefix, ingest in kinds:
                targets.append((f"mail_{kind}_sqlite", sqlite_url(workdir / f"{prefix}-sqlite"),
                                workdir / f"{prefix}-sqlite", ingest))
                if options.database_url:
                    targets.append((f"mail_{kind}_postgresql", options.database_url,
                                    workdir / f"{prefix}-postgresql", ingest))
            for key, url, directory, ingest in targets:
                self._ingest(number, key, url, directory, ingest, parse.figures.per_second)
        if self.imap_missing and number == 1:
            _log(f"  the helpdesk fetchmail rows are left out: {self.imap_missing}")
        self._mailgate(number, workdir)

    def _imap(self, dovecot):
        """The IMAP rows' measurement, from a mailbox of its own on ``dovecot``."""
        def measure(url: str, directory: Path):
            user = USERS[0] if url.startswith("sqlite") else USERS[1]
            return run_imap(url, directory, self.corpus, self.mail_warmup, dovecot, user,
                            batch=self.options.mail_batch)

        return measure

    def _ingest(self, number: int, key: str, url: str, directory: Path, ingest,
                parse_rate: float) -> None:
        """One ingest row's measurement, recorded with its ratio to the parse-only rate."""
        result = ingest(url, directory)
        row = self.rows[key]
        row.repeats.append(result.figures)
        row.notes.extend(f"repeat {number}: {s}" for s in result.error_samples)
        where = "temporary file" if url.startswith("sqlite") else public_url(url)
        self.databases[key] = f"{where} ({result.database_version})"
        self.mail_counts.append({"row": key, "repeat": number, **result.as_dict()})
        if parse_rate:
            self.mail_ratios[key].append(result.figures.per_second / parse_rate)
        _log(f"  {row.label}: {result.figures.per_second:.1f}/s, {result.summary()}, "
             f"{result.figures.errors} error(s)")

    def _mailgate(self, number: int, workdir: Path) -> None:
        """The two mailgate rows: one process a message."""
        for key, run_gate in (("mail_mailgate", run_mailgate),
                              ("mail_mailgate_now", run_mailgate_now)):
            gate = run_gate(workdir / key, self.corpus, runs=self.options.mailgate_runs)
            row = self.rows[key]
            row.repeats.append(gate.figures)
            row.notes.extend(f"repeat {number}: {s}" for s in gate.error_samples)
            queue = (None if gate.queue_seconds is None
                     else round(gate.queue_seconds * 1000, 1))
            self.mailgate_runs.append({"row": key, "repeat": number, "outputs": gate.outputs,
                                       "python_startup_ms": round(gate.python_startup_ms, 1),
                                       "mailqueue_once_ms": queue})
            _log(f"  {row.label}: p50 {gate.figures.p50_ms:.0f} ms, "
                 f"{gate.figures.errors} error(s)"
                 + (f", then helpdesk mailqueue --once {queue:.0f} ms" if queue else ""))

    def repeat(self, number: int, workdir: Path) -> None:
        options = self.options
        _log(f"repeat {number}/{options.repeat}")
        if options.mail_only:
            self.mail(number, workdir)
            return
        self.service("service_sqlite", sqlite_url(workdir / "service-sqlite"),
                     workdir / "service-sqlite")
        if options.database_url:
            self.service("service_postgresql", options.database_url,
                         workdir / "service-postgresql")
        web = WebRequester(REQUESTER, PASSWORD)
        floor = FloorPoster()
        with helpdesk_site(workdir / "helpdesk", options.threads) as helpdesk, \
                floor_site(workdir / "floor", options.threads) as bare:
            self.databases.setdefault("http", "SQLite files (WAL), one per server")
            figures: dict[str, float] = {}
            for c in options.concurrency:
                api = ApiRequester(helpdesk.api_token)
                pairs = [(f"http_c{c}", helpdesk, web), (f"api_c{c}", helpdesk, api),
                         (f"floor_c{c}", bare, floor)]
                if number % 2 == 0:  # alternate who goes first, against drift
                    pairs.reverse()
                for key, site, scenario in pairs:
                    figures[key] = self.http(key, site, scenario, c, number)
        top = max(options.concurrency)
        if figures.get(f"floor_c{top}"):
            self.ratios.append(figures[f"http_c{top}"] / figures[f"floor_c{top}"])
        from .staff import add_rows  # the staff-list rows (bench/staff.py)
        add_rows(self, number, workdir)
        if not options.skip_mail:
            self.mail(number, workdir)

    # -- the outcome ---------------------------------------------------------------

    def ratio(self) -> dict:
        top = max(self.options.concurrency)
        return {
            "label": f"web submission c={top} / floor c={top}",
            "value": round(statistics.median(self.ratios), 3) if self.ratios else None,
            "target": TARGET_RATIO,
            "repeats": [round(r, 3) for r in self.ratios],
        }

    def mail_report(self) -> dict | None:
        """The e-mail section of the report: corpus, ratios, targets, counts."""
        if self.options.skip_mail:
            return None
        parse = self.rows["mail_parse"]
        gate = self.rows["mail_mailgate"]
        ratios, targets = [], []
        for key, values in self.mail_ratios.items():
            ratios.append({"label": f"{self.rows[key].label} / {parse.label}",
                           "value": round(statistics.median(values), 3) if values else None,
                           "repeats": [round(v, 3) for v in values]})
            targets.append({"label": self.rows[key].label, "unit": "messages/s",
                            "value": round(self.rows[key].per_second, 1),
                            "target": TARGET_MAIL_RATE, "higher_is_better": True})
        # The target is the MTA's pipe command; --now is shown beside it in the table.
        targets.append({"label": f"{gate.label} p50", "unit": "ms",
                        "value": round(gate.p50_ms, 1), "target": TARGET_MAILGATE_MS,
                        "higher_is_better": False})
        startups = [r["python_startup_ms"] for r in self.mailgate_runs]
        queue = [r["mailqueue_once_ms"] for r in self.mailgate_runs
                 if r["mailqueue_once_ms"] is not None]
        return {
            "corpus": {"seed": MAIL_SEED, **describe(self.corpus)},
            "warmup_messages": len(self.mail_warmup),
            "parse_only_per_second": round(parse.per_second, 1),
            "stdlib_compat32_per_second": round(self.rows["mail_stdlib"].per_second, 1),
            "ratios": ratios,
            "targets": targets,
            "ingest": self.mail_counts,
            "mailgate": self.mailgate_runs,
            "python_startup_ms": round(statistics.median(startups), 1) if startups else None,
            "mailqueue_once_ms": round(statistics.median(queue), 1) if queue else None,
            "batch": self.options.mail_batch,
            "lmtp_clients": None if self.options.skip_lmtp else self.options.lmtp_clients,
        }

    def report(self, started: datetime, machine: dict) -> dict:
        o = self.options
        return {
            "timestamp": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "machine": machine,
            "config": {"repeat": o.repeat, "service_count": o.service_count,
                       "service_warmup": o.service_warmup, "duration": o.duration,
                       "requests": o.requests, "warmup": o.warmup,
                       "concurrency": list(o.concurrency), "threads": o.threads,
                       "mail_count": o.mail_count, "mail_warmup": o.mail_warmup,
                       "mailgate_runs": o.mailgate_runs, "skip_mail": o.skip_mail,
                       "mail_batch": o.mail_batch, "mail_only": o.mail_only,
                       "lmtp_clients": o.lmtp_clients, "skip_lmtp": o.skip_lmtp,
                       "skip_imap": o.skip_imap},
            "databases": self.databases,
            "rows": [self.rows[k].as_dict() for k in self.order + self.mail_order],
            "ratio": self.ratio(),
            "loads": self.loads,
            "mail": self.mail_report(),
        }


def run(options: Options) -> tuple[dict, list[Row]]:
    """Run every repeat, each in a fresh temporary directory; return the report and the rows."""
    if options.database_url:
        check_disposable(options.database_url)  # before anything runs
    started = datetime.now(timezone.utc)
    machine = machine_info()
    bench = Run(options)
    for number in range(1, options.repeat + 1):
        with tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as workdir:
            bench.repeat(number, Path(workdir))
    return bench.report(started, machine), [bench.rows[k]
                                            for k in bench.order + bench.mail_order]
