"""The staff-list rows: inbox and unprocessed-page latency as the ticket table grows.

For each size (10,000 and 20,000 tickets by default; 1,000,000 with
``--million``, on PostgreSQL only), a freshly migrated database is filled by
``bench/staffdata.py``; the app is configured in this process with the settings
of the HTTP rows, and each page is fetched through WebTest (the whole Pyramid
stack: session, security, the query, the template) by a first-line member and by
a second-line agent, logged in once through the login form. Every answer must
be a 200 with a full page of 25 rows; anything else is an error, not a sample.

Run on its own with ``python -m bench.staff`` (``--help``), or as part of
``make bench`` (set ``HELPDESK_BENCH_STAFF=0`` to leave it out there, or to
the sizes to use, e.g. ``10000,20000,1000000``).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .database import check_disposable, public_url, server_version, sqlite_url
from .service import service_settings
from .staffdata import AGENT_LOGIN, FIRST_LINE_LOGIN, PASSWORD, load
from .stats import Figures, Row

SIZES = (10_000, 20_000)
MILLION = 1_000_000
PAGE_ROWS = 25
#: (key, who, path): the pages of the TARGETS.md row, as each kind of staff sees them.
PAGES = (
    ("inbox", FIRST_LINE_LOGIN, "/staff/inbox"),
    ("inbox_agent", AGENT_LOGIN, "/staff/inbox"),
    ("unprocessed", FIRST_LINE_LOGIN, "/staff/unprocessed"),
    ("unprocessed_agent", AGENT_LOGIN, "/staff/unprocessed"),
)
LABELS = {"inbox": "inbox, first line", "inbox_agent": "inbox, agent",
          "unprocessed": "unprocessed, first line", "unprocessed_agent": "unprocessed, agent"}
TARGET_P95_MS = {20_000: 30.0, MILLION: 50.0}  # TARGETS.md
TARGET_GROWTH = 1.5  # p95 at 1M at most 1.5x p95 at 10k
MAX_ERROR_SAMPLES = 5
BATCH = 5  # requests in a row on one size before the next size takes its turn
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class PageRow:
    """The latency of one page at one size on one database."""

    key: str
    label: str
    size: int
    database: str
    figures: Figures
    notes: list[str] = field(default_factory=list)


def size_label(size: int) -> str:
    """``10k``, ``1M``, or the count itself."""
    if size % MILLION == 0:
        return f"{size // MILLION}M"
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _logged_in(app, login: str):
    """A WebTest client of ``app`` logged in as ``login`` through the form."""
    import webtest

    client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "127.0.0.1"})
    token = CSRF.search(client.get("/login").text).group(1)
    answer = client.post("/login", {"login": login, "password": PASSWORD, "csrf_token": token})
    if answer.status_int != 303:
        raise RuntimeError(f"{login} could not log in: {answer.status}")
    return client


def _fetch(client, path: str) -> str | None:
    """GET ``path``; ``None`` when it is a full page, else what was wrong."""
    answer = client.get(path, expect_errors=True)
    if answer.status_int != 200:
        return f"GET {path} -> {answer.status}"
    rows = answer.text.count("<tr") - 1  # the header row
    if rows != PAGE_ROWS:
        return f"GET {path} -> {rows} rows instead of {PAGE_ROWS}"
    return None


@dataclass
class Site:
    """One loaded database and the app on it, with a client per staff member."""

    size: int
    database: str
    version: str
    clients: dict


@contextlib.contextmanager
def loaded_site(url: str, directory: Path, size: int) -> Iterator[Site]:
    """A fresh database at ``url`` with ``size`` tickets, its app and logged-in clients."""
    from pyramid_helpdesk.config import configure
    from pyramid_helpdesk.migrations import reset_database

    check_disposable(url)
    directory.mkdir(parents=True, exist_ok=True)
    config = configure(service_settings(url, directory), here=str(directory))
    app = config.make_wsgi_app()
    engine = config.registry["dbengine"]
    try:
        reset_database(engine)
        started = time.perf_counter()
        load(engine, config.registry.helpdesk_settings, size)
        _log(f"  staff lists: {size} tickets loaded into {engine.dialect.name} in "
             f"{time.perf_counter() - started:.1f} s")
        clients = {login: _logged_in(app, login) for login in (FIRST_LINE_LOGIN, AGENT_LOGIN)}
        yield Site(size, engine.dialect.name, server_version(engine), clients)
    finally:
        engine.dispose()


def measure_sites(sites: list[Site], requests: int, warmup: int) -> list[PageRow]:
    """Every page on every site, the sites taking turns every :data:`BATCH` requests
    (so that a drift in the machine's load touches every size alike)."""
    rows = []
    for key, login, path in PAGES:
        latencies: dict[int, list[float]] = {site.size: [] for site in sites}
        problems: dict[int, list[str]] = {site.size: [] for site in sites}
        for site in sites:
            for _ in range(warmup):
                _fetch(site.clients[login], path)
        for turn in range(0, requests, BATCH):
            for site in sites if turn % (2 * BATCH) == 0 else sites[::-1]:
                for _ in range(min(BATCH, requests - turn)):
                    before = time.perf_counter()
                    problem = _fetch(site.clients[login], path)
                    if problem is None:
                        latencies[site.size].append(time.perf_counter() - before)
                    else:
                        problems[site.size].append(problem)
        for site in sites:
            found, wrong = latencies[site.size], problems[site.size]
            figures = Figures.from_latencies(found, len(wrong), sum(found))
            label = f"staff {LABELS[key]}, {size_label(site.size)} ({site.database})"
            rows.append(PageRow(key, label, site.size, site.database, figures,
                                wrong[:MAX_ERROR_SAMPLES]))
            _log(f"  {label}: p50 {figures.p50_ms:.1f} ms, p95 {figures.p95_ms:.1f} ms, "
                 f"{figures.errors} error(s)")
    return rows


def measure(urls: list[str | None], workdir: Path, sizes: tuple[int, ...], requests: int,
            warmup: int) -> tuple[list[PageRow], dict[str, str]]:
    """Every size on every database (``None``: SQLite files in ``workdir``; on
    PostgreSQL a database per size beside the one given, dropped afterwards);
    1,000,000 tickets on PostgreSQL only."""
    from pyramid_helpdesk.testing import throwaway_database

    rows: list[PageRow] = []
    databases: dict[str, str] = {}
    for url in urls:
        base = url or sqlite_url(workdir)
        with contextlib.ExitStack() as stack:
            sites = []
            for size in sizes:
                if size >= MILLION and url is None:
                    continue
                directory = workdir / f"staff-{size}"
                directory.mkdir(parents=True, exist_ok=True)
                target = stack.enter_context(throwaway_database(base, f"staff_{size}",
                                                                str(directory)))
                sites.append(stack.enter_context(loaded_site(target, directory, size)))
            rows.extend(measure_sites(sites, requests, warmup))
            name = sites[0].database
            databases[f"staff ({name})"] = (
                public_url(url) + " (+ _staff_<size> databases)" if url else "temporary files"
            ) + f" ({sites[0].version})"
    return rows, databases


def verdicts(rows: list[PageRow]) -> list[str]:
    """Each TARGETS.md line that the rows can be read against."""
    lines = []
    by_key = {(r.key, r.size, r.database): r for r in rows}
    for row in rows:
        goal = TARGET_P95_MS.get(row.size)
        if goal is None or (row.size == MILLION and row.database != "postgresql"):
            continue
        meets = "meets" if row.figures.p95_ms <= goal else "ABOVE"
        lines.append(f"{row.label}: p95 {row.figures.p95_ms:.1f} ms (target <= {goal:g} ms: "
                     f"{meets} target)")
    for row in rows:
        base = by_key.get((row.key, SIZES[0], row.database))
        if row.size == SIZES[0] or base is None or not base.figures.p95_ms:
            continue
        growth = row.figures.p95_ms / base.figures.p95_ms
        verdict = ""
        if row.size == MILLION:
            verdict = f" (target <= {TARGET_GROWTH:g}: " + (
                "meets target)" if growth <= TARGET_GROWTH else "ABOVE target)")
        lines.append(f"{row.label}: p95 / p95 at {size_label(SIZES[0])} = {growth:.2f}{verdict}")
    return lines


def as_rows(rows: list[PageRow]) -> list[Row]:
    """The page rows as rows of the harness's table (one repeat each)."""
    return [Row(f"staff_{r.key}_{r.size}_{r.database}", r.label, [r.figures], r.notes)
            for r in rows]


def sizes_from_environment() -> tuple[int, ...]:
    """``HELPDESK_BENCH_STAFF``: ``0`` leaves the rows out, else comma-separated sizes."""
    raw = os.environ.get("HELPDESK_BENCH_STAFF", "")
    if raw.strip() == "0":
        return ()
    sizes = tuple(int(part) for part in raw.split(",") if part.strip().isdigit())
    return sizes or SIZES


def add_rows(run, number: int, workdir: Path) -> None:
    """``make bench``'s hook: the staff rows of repeat ``number``, added to ``run``."""
    sizes = sizes_from_environment()
    if not sizes:
        return
    urls = [None] + ([run.options.database_url] if run.options.database_url else [])
    found, databases = measure(urls, workdir, sizes, requests=100, warmup=20)
    run.databases.update(databases)
    for row in as_rows(found):
        existing = run.rows.setdefault(row.key, Row(row.key, row.label))
        existing.repeats.extend(row.repeats)
        existing.notes.extend(f"repeat {number}: {note}" for note in row.notes)
        if row.key not in run.order:
            run.order.append(row.key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.staff", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES),
                        help="ticket counts, comma-separated (default %(default)s)")
    parser.add_argument("--million", action="store_true",
                        help="also 1,000,000 tickets, on --database-url only (slow to load)")
    parser.add_argument("--database-url",
                        default=os.environ.get("HELPDESK_BENCH_DATABASE_URL") or None,
                        help="PostgreSQL too (its schema is DROPPED; the name must contain "
                             "'bench'); default $HELPDESK_BENCH_DATABASE_URL")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--requests", type=int, default=200,
                        help="timed GETs per page and size (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=20,
                        help="untimed GETs first (default %(default)s)")
    args = parser.parse_args(argv)
    sizes = tuple(sorted({int(s) for s in args.sizes.split(",") if s.strip()}
                         | ({MILLION} if args.million else set())))
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-staff-") as workdir:
        urls = ([] if args.skip_sqlite else [None]) + (
            [args.database_url] if args.database_url else [])
        rows, databases = measure(urls, Path(workdir), sizes, args.requests, args.warmup)
    from .report import format_table

    print(f"\nstaff lists: {args.requests} timed GETs per row after {args.warmup} untimed; "
          + ", ".join(f"{k}: {v}" for k, v in databases.items()) + "\n")
    print(format_table(as_rows(rows), unit="pages/s"))
    print()
    for line in verdicts(rows):
        print(line)
    for row in rows:
        for note in row.notes:
            print(f"note: {row.label}: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
