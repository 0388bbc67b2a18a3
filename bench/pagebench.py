"""Page latency through WebTest as the database grows: the harness of the page rows.

A :class:`PageBench` says what differs between the page benchmarks
(``bench/staff.py``, ``bench/search.py``, ``bench/ticket_view.py``): how a fresh
database is filled for a size, which pages are fetched, by whom and how an
answer is checked, the labels, and the verdicts against TARGETS.md. This module
does the rest alike for all of them: a fresh, migrated database per size and
database (SQLite files; on PostgreSQL ``<name>_<prefix>_<size>`` beside the
database given, created and dropped here), the app configured in this process
with the settings of the HTTP rows, a WebTest client per staff member logged in
once through the login form, untimed GETs first, the sizes taking turns every
:data:`BATCH` timed GETs, the figures of each page at each size, and the command
line with its table.
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
from typing import Any, Callable, Iterator, Mapping

from .database import check_disposable, public_url, server_version, sqlite_url
from .report import format_table
from .service import service_settings
from .staffdata import PASSWORD
from .stats import Figures, Row

MILLION = 1_000_000  # measured on PostgreSQL only
BATCH = 5  # requests in a row on one size before the next size takes its turn
MAX_ERROR_SAMPLES = 5
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def size_label(size: int) -> str:
    """``10k``, ``1M``, or the count itself."""
    if size % MILLION == 0:
        return f"{size // MILLION}M"
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


@dataclass(frozen=True)
class Page:
    """One page to measure: who fetches which path, and how its answer is checked."""

    key: str
    label: str  # the start of its rows' labels, e.g. "staff inbox, first line"
    login: str  # the staff member who fetches it (password: staffdata.PASSWORD)
    path: str  # may name what the loader returned, e.g. "/staff/tickets/{number}"
    check: Callable[[str], str | None]  # the 200's HTML -> None, or what is wrong with it


@dataclass
class PageRow:
    """The latency of one page at one size on one database."""

    key: str  # the page's
    label: str
    size: int
    database: str
    figures: Figures
    cpu: Figures  # this process's CPU time per page (the machine's load left out)
    table_key: str  # its row's key in the table and the JSON
    notes: list[str] = field(default_factory=list)

    def as_row(self) -> Row:
        """The row of the harness's table (one repeat)."""
        return Row(self.table_key, self.label, [self.figures], self.notes)


@dataclass(frozen=True)
class PageBench:
    """What one page benchmark measures; :func:`measure` and :func:`main` do the rest."""

    name: str  # heads the table and the progress lines: "staff lists"
    prefix: str  # of row keys, directories and PostgreSQL database names: "staff"
    #: ``load(registry, size)`` fills the fresh, migrated database of the registry's app
    #: for ``size``; what it returns fills the placeholders of the pages' paths.
    load: Callable[[Any, int], Mapping[str, object]]
    pages: tuple[Page, ...]
    sizes: tuple[int, ...]  # the default sizes
    verdicts: Callable[[list[PageRow]], list[str]]  # the rows read against TARGETS.md
    size_label: Callable[[int], str] = size_label  # "10k" in "staff inbox, ..., 10k (sqlite)"


@dataclass
class Site:
    """One loaded database and the app on it, with a client per staff member."""

    size: int
    database: str
    version: str
    clients: dict  # login -> logged-in WebTest client
    paths: dict[str, str]  # page key -> path


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def logged_in(app, login: str):
    """A WebTest client of ``app`` logged in as ``login`` through the form."""
    import webtest

    client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "127.0.0.1"})
    token = CSRF.search(client.get("/login").text).group(1)
    answer = client.post("/login", {"login": login, "password": PASSWORD, "csrf_token": token})
    if answer.status_int != 303:
        raise RuntimeError(f"{login} could not log in: {answer.status}")
    return client


def _fetch(client, path: str, check: Callable[[str], str | None]) -> str | None:
    """GET ``path``; ``None`` when it is a 200 that passes ``check``, else what was wrong."""
    answer = client.get(path, expect_errors=True)
    if answer.status_int != 200:
        return f"GET {path} -> {answer.status}"
    problem = check(answer.text)
    return None if problem is None else f"GET {path} -> {problem}"


@contextlib.contextmanager
def loaded_site(bench: PageBench, url: str, directory: Path, size: int) -> Iterator[Site]:
    """A fresh database at ``url`` loaded for ``size``, its app and logged-in clients."""
    from pyramid_helpdesk.config import configure
    from pyramid_helpdesk.migrations import reset_database

    config = configure(service_settings(url, directory), here=str(directory))
    app = config.make_wsgi_app()
    engine = config.registry["dbengine"]
    try:
        reset_database(engine)
        started = time.perf_counter()
        names = bench.load(config.registry, size)
        _log(f"  {bench.name}: {bench.size_label(size)} loaded into {engine.dialect.name} in "
             f"{time.perf_counter() - started:.1f} s")
        logins = dict.fromkeys(page.login for page in bench.pages)
        clients = {login: logged_in(app, login) for login in logins}
        paths = {page.key: page.path.format_map(names) for page in bench.pages}
        yield Site(size, engine.dialect.name, server_version(engine), clients, paths)
    finally:
        engine.dispose()


@dataclass
class _Samples:
    """What the timed GETs of one page on one site gave."""

    latencies: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def measure_sites(bench: PageBench, sites: list[Site], requests: int,
                  warmup: int) -> list[PageRow]:
    """Every page on every site, the sites taking turns every :data:`BATCH` requests
    (so that a drift in the machine's load touches every size alike)."""
    rows = []
    for page in bench.pages:
        samples = {site.size: _Samples() for site in sites}
        for site in sites:
            for _ in range(warmup):
                _fetch(site.clients[page.login], site.paths[page.key], page.check)
        for turn in range(0, requests, BATCH):
            for site in sites if turn % (2 * BATCH) == 0 else sites[::-1]:
                client, path = site.clients[page.login], site.paths[page.key]
                found = samples[site.size]
                for _ in range(min(BATCH, requests - turn)):
                    before, before_cpu = time.perf_counter(), time.thread_time()
                    problem = _fetch(client, path, page.check)
                    if problem is None:
                        found.latencies.append(time.perf_counter() - before)
                        found.cpu.append(time.thread_time() - before_cpu)
                    else:
                        found.problems.append(problem)
        for site in sites:
            found = samples[site.size]
            figures = Figures.from_latencies(found.latencies, len(found.problems),
                                             sum(found.latencies))
            row = PageRow(page.key,
                          f"{page.label}, {bench.size_label(site.size)} ({site.database})",
                          site.size, site.database, figures,
                          Figures.from_latencies(found.cpu, 0, sum(found.cpu)),
                          f"{bench.prefix}_{page.key}_{site.size}_{site.database}",
                          found.problems[:MAX_ERROR_SAMPLES])
            rows.append(row)
            _log(f"  {row.label}: p50 {figures.p50_ms:.2f} ms, p95 {figures.p95_ms:.2f} ms, "
                 f"{figures.errors} error(s); CPU p50 {row.cpu.p50_ms:.2f} ms, "
                 f"p95 {row.cpu.p95_ms:.2f} ms")
    return rows


def measure(bench: PageBench, urls: list[str | None], workdir: Path, sizes: tuple[int, ...],
            requests: int, warmup: int) -> tuple[list[PageRow], dict[str, str]]:
    """Every size on every database (``None``: SQLite files in ``workdir``; on
    PostgreSQL a database per size beside the one given, dropped afterwards);
    1,000,000 and more on PostgreSQL only. The rows, and a line per database."""
    from pyramid_helpdesk.testing import throwaway_database

    rows: list[PageRow] = []
    databases: dict[str, str] = {}
    for url in urls:
        if url:
            check_disposable(url)
        base = url or sqlite_url(workdir)
        with contextlib.ExitStack() as stack:
            sites = []
            for size in sizes:
                if size >= MILLION and url is None:
                    continue
                directory = workdir / f"{bench.prefix}-{size}"
                directory.mkdir(parents=True, exist_ok=True)
                target = stack.enter_context(throwaway_database(base, f"{bench.prefix}_{size}",
                                                                str(directory)))
                sites.append(stack.enter_context(loaded_site(bench, target, directory, size)))
            if not sites:
                continue
            rows.extend(measure_sites(bench, sites, requests, warmup))
            databases[f"{bench.prefix} ({sites[0].database})"] = (
                public_url(url) + f" (+ _{bench.prefix}_<size> databases)" if url
                else "temporary files"
            ) + f" ({sites[0].version})"
    return rows, databases


def main(bench: PageBench, argv: list[str] | None, *, module: str, doc: str, requests: int,
         warmup: int, choose_sizes: bool = True, url_option: str = "--database-url",
         url_environment: str | None = "HELPDESK_BENCH_DATABASE_URL") -> int:
    """``python -m bench.<module>``: measure, print the table, the verdicts and the notes.

    ``choose_sizes`` offers ``--sizes`` and ``--million``; ``url_option`` names the
    PostgreSQL option, whose default comes from ``$url_environment`` when given.
    """
    parser = argparse.ArgumentParser(prog=f"python -m bench.{module}",
                                     description=doc.split("\n\n")[0])
    if choose_sizes:
        parser.add_argument("--sizes", default=",".join(str(s) for s in bench.sizes),
                            help="ticket counts, comma-separated (default %(default)s)")
        parser.add_argument("--million", action="store_true",
                            help=f"also 1,000,000 tickets, on {url_option} only (slow to load)")
    parser.add_argument(url_option, dest="url", metavar="URL",
                        default=(os.environ.get(url_environment) or None) if url_environment
                        else None,
                        help=f"PostgreSQL too, in databases <name>_{bench.prefix}_<size> created "
                             "beside URL's and dropped afterwards (its name must contain "
                             "'bench')" + (f"; default ${url_environment}" if url_environment
                                           else ""))
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--requests", type=int, default=requests,
                        help="timed GETs per row (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=warmup,
                        help="untimed GETs first (default %(default)s)")
    args = parser.parse_args(argv)
    sizes = bench.sizes
    if choose_sizes:
        sizes = tuple(sorted({int(s) for s in args.sizes.split(",") if s.strip()}
                             | ({MILLION} if args.million else set())))
    urls = ([] if args.skip_sqlite else [None]) + ([args.url] if args.url else [])
    with tempfile.TemporaryDirectory(prefix=f"helpdesk-bench-{bench.prefix}-") as workdir:
        rows, databases = measure(bench, urls, Path(workdir), sizes, args.requests,
                                  args.warmup)
    print(f"\n{bench.name}: {args.requests} timed GETs per row after {args.warmup} untimed; "
          + ", ".join(f"{k}: {v}" for k, v in databases.items())
          + f"; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print(format_table([row.as_row() for row in rows], unit="pages/s"))
    print()
    for line in bench.verdicts(rows):
        print(line)
    for row in rows:
        for note in row.notes:
            print(f"note: {row.label}: {note}")
    return 0
