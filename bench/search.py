"""Staff search latency: Chinese and English terms as the ticket table grows.

For each size (10,000 and 100,000 tickets by default; 1,000,000 with
``--million``, on PostgreSQL only), a freshly migrated database is filled by
``bench/staffdata.py`` (``load_with_messages``: mixed Chinese and English
subjects, descriptions, replies and internal notes, 2.7 messages a ticket), and
the search page is fetched through WebTest (the whole Pyramid stack) for each
term of :data:`QUERIES`: three or more characters and two characters, common and
rare, by a first-line member (every ticket) and by a second-line agent (the
tickets of their group). Every answer must be a 200 with at least one result;
anything else is an error, not a sample.

Run with ``python -m bench.search`` (``--help``); ``--postgresql URL`` adds
PostgreSQL, in throwaway databases named after the one given (whose name must
contain ``bench``), dropped afterwards.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

from .database import check_disposable, public_url, server_version, sqlite_url
from .service import service_settings
from .staff import _logged_in as logged_in
from .staff import size_label
from .staffdata import AGENT_LOGIN, FIRST_LINE_LOGIN, load_with_messages
from .stats import Figures, Row

SIZES = (10_000, 100_000)
MILLION = 1_000_000
TARGET_P95_MS = {MILLION: 100.0}  # TARGETS.md: full-text search at 1,000,000 tickets
#: (key, label, who, query string)
QUERIES = (
    ("zh3_common", "zh 打印机 (3, common)", FIRST_LINE_LOGIN, {"q": "打印机"}),
    ("zh3_rare", "zh E012 (4, rare)", FIRST_LINE_LOGIN, {"q": "E012"}),
    ("zh2_common", "zh 网络 (2, common)", FIRST_LINE_LOGIN, {"q": "网络"}),
    ("zh2_other", "zh 投影 (2)", FIRST_LINE_LOGIN, {"q": "投影"}),
    ("en3_common", "en password (8, common)", FIRST_LINE_LOGIN, {"q": "password"}),
    ("en2", "en IP (2)", FIRST_LINE_LOGIN, {"q": "IP"}),
    ("zh3_filtered", "zh 打印机 + urgent + unresolved", FIRST_LINE_LOGIN,
     {"q": "打印机", "priority": "urgent", "status": "active"}),
    ("zh3_agent", "zh 打印机, agent", AGENT_LOGIN, {"q": "打印机"}),
    ("en3_agent", "en toner, agent", AGENT_LOGIN, {"q": "toner"}),
)
BATCH = 5
MAX_ERROR_SAMPLES = 5


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _fetch(client, path: str) -> str | None:
    """GET ``path``; ``None`` when it shows results, else what was wrong."""
    answer = client.get(path, expect_errors=True)
    if answer.status_int != 200:
        return f"GET {path} -> {answer.status}"
    if 'class="search-hit-head"' not in answer.text:
        return f"GET {path} -> no results"
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
    """A fresh database at ``url`` with ``size`` tickets and their messages."""
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
        load_with_messages(engine, config.registry.helpdesk_settings, size)
        _log(f"  search: {size} tickets with messages loaded into {engine.dialect.name} in "
             f"{time.perf_counter() - started:.1f} s")
        clients = {login: logged_in(app, login) for login in (FIRST_LINE_LOGIN, AGENT_LOGIN)}
        yield Site(size, engine.dialect.name, server_version(engine), clients)
    finally:
        engine.dispose()


def measure_sites(sites: list[Site], requests: int, warmup: int) -> list[Row]:
    """Every query on every site, the sites taking turns every :data:`BATCH` requests."""
    rows = []
    for key, label, login, params in QUERIES:
        path = "/staff/search?" + urlencode(params)
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
            title = f"search {label}, {size_label(site.size)} ({site.database})"
            rows.append(Row(f"search_{key}_{site.size}_{site.database}", title, [figures],
                            wrong[:MAX_ERROR_SAMPLES]))
            _log(f"  {title}: p50 {figures.p50_ms:.1f} ms, p95 {figures.p95_ms:.1f} ms, "
                 f"{figures.errors} error(s)")
    return rows


def measure(urls: list[str | None], workdir: Path, sizes: tuple[int, ...], requests: int,
            warmup: int) -> tuple[list[Row], dict[str, str]]:
    """Every size on every database (``None``: SQLite files in ``workdir``); 1,000,000
    tickets on PostgreSQL only."""
    from pyramid_helpdesk.testing import throwaway_database

    rows: list[Row] = []
    databases: dict[str, str] = {}
    for url in urls:
        base = url or sqlite_url(workdir)
        with contextlib.ExitStack() as stack:
            sites = []
            for size in sizes:
                if size >= MILLION and url is None:
                    continue
                directory = workdir / f"search-{size}"
                directory.mkdir(parents=True, exist_ok=True)
                target = stack.enter_context(throwaway_database(base, f"search_{size}",
                                                                str(directory)))
                sites.append(stack.enter_context(loaded_site(target, directory, size)))
            rows.extend(measure_sites(sites, requests, warmup))
            name = sites[0].database
            databases[f"search ({name})"] = (
                public_url(url) + " (+ _search_<size> databases)" if url else "temporary files"
            ) + f" ({sites[0].version})"
    return rows, databases


def verdicts(rows: list[Row]) -> list[str]:
    """The TARGETS.md line (p95 at 1,000,000 tickets on PostgreSQL), per query."""
    lines = []
    for row in rows:
        size, database = row.key.rsplit("_", 2)[1:]
        goal = TARGET_P95_MS.get(int(size))
        if goal is None or database != "postgresql":
            continue
        p95 = row.repeats[0].p95_ms
        lines.append(f"{row.label}: p95 {p95:.1f} ms (target <= {goal:g} ms: "
                     + ("meets target)" if p95 <= goal else "ABOVE target)"))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES),
                        help="ticket counts, comma-separated (default %(default)s)")
    parser.add_argument("--million", action="store_true",
                        help="also 1,000,000 tickets, on --postgresql only (slow to load)")
    parser.add_argument("--postgresql", metavar="URL",
                        help="PostgreSQL too: throwaway databases beside URL's (its name "
                             "must contain 'bench')")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--requests", type=int, default=100,
                        help="timed GETs per query and size (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=10,
                        help="untimed GETs first (default %(default)s)")
    args = parser.parse_args(argv)
    sizes = tuple(sorted({int(s) for s in args.sizes.split(",") if s.strip()}
                         | ({MILLION} if args.million else set())))
    urls = ([] if args.skip_sqlite else [None]) + ([args.postgresql] if args.postgresql else [])
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-search-") as workdir:
        rows, databases = measure(urls, Path(workdir), sizes, args.requests, args.warmup)
    from .report import format_table

    print(f"\nstaff search: {args.requests} timed GETs per row after {args.warmup} untimed; "
          + ", ".join(f"{k}: {v}" for k, v in databases.items()) + "\n")
    print(format_table(rows, unit="pages/s"))
    print()
    for line in verdicts(rows):
        print(line)
    for row in rows:
        for note in row.notes:
            print(f"note: {row.label}: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
