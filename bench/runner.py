"""One benchmark run: K repeats of every row, in a temporary directory removed at the end."""
from __future__ import annotations

import statistics
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .database import check_disposable, public_url, sqlite_url
from .loadgen import LoadResult, run_load
from .machine import machine_info
from .process import HOST
from .report import TARGET_RATIO
from .scenarios import FloorPoster, WebRequester
from .service import run_service
from .sites import PASSWORD, REQUESTER, Site, floor_site, helpdesk_site
from .stats import Row


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
        self.order = (["service_sqlite"]
                      + (["service_postgresql"] if options.database_url else [])
                      + [f"http_c{c}" for c in options.concurrency]
                      + [f"floor_c{c}" for c in options.concurrency])
        labels = {"service_sqlite": "service create (sqlite)",
                  "service_postgresql": "service create (postgresql)"}
        for c in options.concurrency:
            labels[f"http_c{c}"] = f"HTTP create c={c}"
            labels[f"floor_c{c}"] = f"floor c={c}"
        for key in self.order:
            self.rows[key] = Row(key, labels[key])

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

    def repeat(self, number: int, workdir: Path) -> None:
        options = self.options
        _log(f"repeat {number}/{options.repeat}")
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
                pairs = [(f"http_c{c}", helpdesk, web), (f"floor_c{c}", bare, floor)]
                if number % 2 == 0:  # alternate who goes first, against drift
                    pairs.reverse()
                for key, site, scenario in pairs:
                    figures[key] = self.http(key, site, scenario, c, number)
        top = max(options.concurrency)
        if figures.get(f"floor_c{top}"):
            self.ratios.append(figures[f"http_c{top}"] / figures[f"floor_c{top}"])

    # -- the outcome ---------------------------------------------------------------

    def ratio(self) -> dict:
        top = max(self.options.concurrency)
        return {
            "label": f"web submission c={top} / floor c={top}",
            "value": round(statistics.median(self.ratios), 3) if self.ratios else None,
            "target": TARGET_RATIO,
            "repeats": [round(r, 3) for r in self.ratios],
        }

    def report(self, started: datetime, machine: dict) -> dict:
        o = self.options
        return {
            "timestamp": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "machine": machine,
            "config": {"repeat": o.repeat, "service_count": o.service_count,
                       "service_warmup": o.service_warmup, "duration": o.duration,
                       "requests": o.requests, "warmup": o.warmup,
                       "concurrency": list(o.concurrency), "threads": o.threads},
            "databases": self.databases,
            "rows": [self.rows[k].as_dict() for k in self.order],
            "ratio": self.ratio(),
            "loads": self.loads,
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
    return bench.report(started, machine), [bench.rows[k] for k in bench.order]
