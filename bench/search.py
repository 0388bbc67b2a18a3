"""Staff search latency: Chinese and English terms as the ticket table grows.

For each size (10,000 and 100,000 tickets by default; 1,000,000 with
``--million``), a migrated database is filled by ``bench/staffdata.py``
(``bulk_load_with_messages``: mixed Chinese and English subjects, descriptions,
replies and internal notes, 2.4 messages a ticket), and the search page is
fetched through WebTest (the whole Pyramid stack) for each term of
:data:`QUERIES`: three or more characters and two characters, common and rare,
alone and with the list filters, by a first-line member (every ticket) and by a
second-line agent (the tickets of their group). Every answer must be a 200 with
at least one result; anything else is an error, not a sample. The measuring is
``bench/pagebench.py``'s; this module says what is measured.

Loading a million tickets takes minutes, so ``--keep`` keeps each loaded
database for the next run and reuses it (migrated to the newest revision first,
so a new index is built on the loaded rows): SQLite files
``var/bench/search-<size>.sqlite``, PostgreSQL databases
``<name>_search_<size>`` beside the one given (``helpdesk_bench_search_1m``);
``--drop-kept`` removes them.

Run with ``python -m bench.search`` (``--help``); ``--postgresql URL`` adds
PostgreSQL, in databases named after the one given (whose name must contain
``bench``), dropped afterwards unless kept.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

from sqlalchemy import create_engine, make_url, text

from . import pagebench
from .database import check_disposable, public_url, server_version, sqlite_url
from .pagebench import MILLION, Page, PageBench, PageRow, Site, logged_in, size_label
from .report import format_table
from .staffdata import AGENT_LOGIN, FIRST_LINE_LOGIN, SEED, bulk_load_with_messages
from .stats import Row

SIZES = (10_000, 100_000)
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
    ("zh2_agent", "zh 网络, agent", AGENT_LOGIN, {"q": "网络"}),
    ("en3_resolved", "en password + resolved", FIRST_LINE_LOGIN,
     {"q": "password", "status": "resolved"}),
    ("zh3_category", "zh 打印机 + hardware + e-mail", FIRST_LINE_LOGIN,
     {"q": "打印机", "category": "hardware", "channel": "email"}),
)
#: What a kept database was loaded with; another stamp means loading it again.
DATASET = 1
KEPT_DIRECTORY = Path(__file__).resolve().parent.parent / "var" / "bench"


def has_results(html: str) -> str | None:
    """``None`` when the search page shows a result, else ``"no results"``."""
    return None if 'class="search-hit-head"' in html else "no results"


def load_tickets(registry, size: int) -> dict:
    """``size`` tickets with their messages (the paths name nothing)."""
    bulk_load_with_messages(registry["dbengine"], registry.helpdesk_settings, size)
    return {}


def verdicts(rows: list[PageRow]) -> list[str]:
    """The TARGETS.md line (p95 at 1,000,000 tickets), per query and database."""
    lines = []
    for row in rows:
        goal = TARGET_P95_MS.get(row.size)
        if goal is None:
            continue
        p95 = row.figures.p95_ms
        lines.append(f"{row.label}: p95 {p95:.1f} ms (target <= {goal:g} ms: "
                     + ("meets target)" if p95 <= goal else "ABOVE target)"))
    return lines


BENCH = PageBench(
    name="staff search", prefix="search", load=load_tickets,
    pages=tuple(Page(key, f"search {label}", login, "/staff/search?" + urlencode(params),
                     has_results)
                for key, label, login, params in QUERIES),
    sizes=SIZES, verdicts=verdicts)


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _stamp(size: int) -> str:
    return json.dumps({"dataset": DATASET, "seed": SEED, "size": size}, sort_keys=True)


# -- the databases: throwaway, or kept between runs -------------------------------------

def kept_name(base_url: str, size: int) -> str:
    """``helpdesk_bench_search_1m`` beside ``helpdesk_bench``; ``search-1000000.sqlite``."""
    if base_url is None:
        return f"search-{size}.sqlite"
    return f"{make_url(base_url).database}_{BENCH.prefix}_{size_label(size).lower()}"


@contextlib.contextmanager
def _admin(base_url: str):
    engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _kept_stamp(base_url: str | None, size: int) -> str | None:
    """The stamp of the kept database of ``size``, or ``None`` when there is none."""
    if base_url is None:
        stamp = KEPT_DIRECTORY / (kept_name(None, size) + ".json")
        database = KEPT_DIRECTORY / kept_name(None, size)
        return stamp.read_text() if stamp.exists() and database.exists() else None
    with _admin(base_url) as connection:
        return connection.execute(
            text("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                 "WHERE datname = :name"), {"name": kept_name(base_url, size)}).scalar()


def drop_kept(base_url: str | None, size: int) -> bool:
    """Remove the kept database of ``size``; whether there was one."""
    if base_url is None:
        found = False
        for suffix in ("", "-wal", "-shm", ".json"):
            path = KEPT_DIRECTORY / (kept_name(None, size) + suffix)
            if path.exists():
                path.unlink()
                found = True
        return found
    name = kept_name(base_url, size)
    with _admin(base_url) as connection:
        found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                   {"name": name}).scalar() is not None
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return found


@contextlib.contextmanager
def kept_database(base_url: str | None, size: int, directory: Path) -> Iterator[str]:
    """The URL of the kept, loaded database of ``size``: loaded under another name
    first and renamed when complete, so an interrupted load is never reused."""
    if _kept_stamp(base_url, size) != _stamp(size):
        drop_kept(base_url, size)
        if base_url is None:
            KEPT_DIRECTORY.mkdir(parents=True, exist_ok=True)
            loading = KEPT_DIRECTORY / (kept_name(None, size) + ".loading")
            loading.unlink(missing_ok=True)
            _load(f"sqlite:///{loading.resolve()}", directory, size)
            loading.replace(KEPT_DIRECTORY / kept_name(None, size))
            (KEPT_DIRECTORY / (kept_name(None, size) + ".json")).write_text(_stamp(size))
        else:
            name = kept_name(base_url, size)
            with _admin(base_url) as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}_loading" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{name}_loading"'))
            _load(make_url(base_url).set(database=f"{name}_loading")
                  .render_as_string(hide_password=False), directory, size)
            with _admin(base_url) as connection:
                connection.execute(text(f'ALTER DATABASE "{name}_loading" RENAME TO "{name}"'))
                connection.execute(text(f"COMMENT ON DATABASE \"{name}\" IS "
                                        f"'{_stamp(size)}'"))
    else:
        _log(f"  {BENCH.name}: reusing the kept {size_label(size)} database")
    if base_url is None:
        yield f"sqlite:///{(KEPT_DIRECTORY / kept_name(None, size)).resolve()}"
    else:
        yield make_url(base_url).set(database=kept_name(base_url, size)).render_as_string(
            hide_password=False)


def _configure(url: str, directory: Path):
    from pyramid_helpdesk.config import configure

    from .service import service_settings

    return configure(service_settings(url, directory), here=str(directory))


def _load(url: str, directory: Path, size: int) -> None:
    """Migrate the empty database at ``url`` and load ``size`` tickets into it."""
    from pyramid_helpdesk.migrations import reset_database

    config = _configure(url, directory)
    engine = config.registry["dbengine"]
    try:
        reset_database(engine)
        started = time.perf_counter()
        BENCH.load(config.registry, size)
        _log(f"  {BENCH.name}: {size_label(size)} loaded into {engine.dialect.name} in "
             f"{time.perf_counter() - started:.1f} s")
    finally:
        engine.dispose()


@contextlib.contextmanager
def site(url: str, directory: Path, size: int, *, loaded: bool,
         bench: PageBench = BENCH) -> Iterator[Site]:
    """The app on the database at ``url`` (loaded for ``size`` unless ``loaded``,
    else migrated to the newest revision) and its logged-in clients."""
    from pyramid_helpdesk.migrations import alembic_config

    if not loaded:
        _load(url, directory, size)
    else:
        from alembic import command

        config = _configure(url, directory)
        with config.registry["dbengine"].begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        config.registry["dbengine"].dispose()
    config = _configure(url, directory)
    engine = config.registry["dbengine"]
    try:
        app = config.make_wsgi_app()
        logins = dict.fromkeys(page.login for page in bench.pages)
        clients = {login: logged_in(app, login) for login in logins}
        paths = {page.key: page.path for page in bench.pages}
        yield Site(size, engine.dialect.name, server_version(engine), clients, paths)
    finally:
        engine.dispose()


def measure(urls: list[str | None], workdir: Path, sizes: tuple[int, ...], requests: int,
            warmup: int, repeat: int = 1, keep: bool = False, bench: PageBench = BENCH,
            ) -> tuple[list[Row], list[PageRow], dict[str, str]]:
    """Every size on every database (``None``: SQLite), ``repeat`` rounds of
    ``requests`` timed GETs per page and size. The table's rows (medians of the
    rounds), the rows of every round, and a line per database."""
    from pyramid_helpdesk.testing import throwaway_database

    rows: list[Row] = []
    rounds: list[PageRow] = []
    databases: dict[str, str] = {}
    for url in urls:
        if url:
            check_disposable(url)
        with contextlib.ExitStack() as stack:
            sites = []
            for size in sizes:
                directory = workdir / f"{BENCH.prefix}-{size}"
                directory.mkdir(parents=True, exist_ok=True)
                if keep:
                    target = stack.enter_context(kept_database(url, size, directory))
                else:
                    target = stack.enter_context(throwaway_database(
                        url or sqlite_url(workdir), f"{BENCH.prefix}_{size}", str(directory)))
                sites.append(stack.enter_context(site(target, directory, size, loaded=keep,
                                                      bench=bench)))
            by_key: dict[str, Row] = {}
            for number in range(repeat):
                if repeat > 1:
                    _log(f"  round {number + 1} of {repeat}")
                for row in pagebench.measure_sites(bench, sites, requests, warmup):
                    rounds.append(row)
                    table_row = by_key.setdefault(row.table_key, Row(row.table_key, row.label))
                    table_row.repeats.append(row.figures)
                    table_row.notes.extend(row.notes)
            rows.extend(by_key.values())
            kept = " (kept: " + ", ".join(kept_name(url, s) for s in sizes) + ")" if keep else ""
            databases[f"{BENCH.prefix} ({sites[0].database})"] = (
                public_url(url) + f" (+ _{BENCH.prefix}_<size> databases)" if url
                else "SQLite files") + kept + f" ({sites[0].version})"
    return rows, rounds, databases


def median_verdicts(rows: list[Row]) -> list[str]:
    """The TARGETS.md line read against the medians of the rounds."""
    lines = []
    for row in rows:
        size = int(row.key.rsplit("_", 2)[-2])
        goal = TARGET_P95_MS.get(size)
        if goal is not None:
            lines.append(f"{row.label}: p95 {row.p95_ms:.1f} ms (target <= {goal:g} ms: "
                         + ("meets target)" if row.p95_ms <= goal else "ABOVE target)"))
    return lines


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.search``."""
    parser = argparse.ArgumentParser(prog="python -m bench.search",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES),
                        help="ticket counts, comma-separated (default %(default)s)")
    parser.add_argument("--million", action="store_true",
                        help="also 1,000,000 tickets (minutes to load: see --keep)")
    parser.add_argument("--postgresql", dest="url", metavar="URL",
                        help="PostgreSQL too, in databases <name>_search_<size> beside URL's "
                             "(its name must contain 'bench')")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--requests", type=int, default=100,
                        help="timed GETs per row and round (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=10,
                        help="untimed GETs first (default %(default)s)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds; the table shows their medians (default %(default)s)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the loaded databases and reuse them in later runs "
                             "(var/bench/search-<size>.sqlite, <name>_search_<size>)")
    parser.add_argument("--drop-kept", action="store_true",
                        help="drop the kept databases of the sizes and exit")
    parser.add_argument("--only", metavar="KEYS",
                        help="these queries only, comma-separated: "
                             + ", ".join(key for key, *_ in QUERIES))
    args = parser.parse_args(argv)
    sizes = tuple(sorted({int(s) for s in args.sizes.split(",") if s.strip()}
                         | ({MILLION} if args.million else set())))
    urls = ([] if args.skip_sqlite else [None]) + ([args.url] if args.url else [])
    if args.drop_kept:
        for url in urls:
            for size in sizes:
                if drop_kept(url, size):
                    _log(f"dropped {kept_name(url, size)}")
        return 0
    bench = BENCH
    if args.only:
        keys = set(args.only.split(","))
        bench = replace(BENCH, pages=tuple(page for page in BENCH.pages if page.key in keys))
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-search-") as workdir:
        rows, _, databases = measure(urls, Path(workdir), sizes, args.requests, args.warmup,
                                     args.repeat, args.keep, bench)
    print(f"\n{BENCH.name}: {args.requests} timed GETs per row and round after "
          f"{args.warmup} untimed, {args.repeat} round(s), medians; "
          + ", ".join(f"{k}: {v}" for k, v in databases.items())
          + f"; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print(format_table(rows, unit="pages/s"))
    print()
    for line in median_verdicts(rows):
        print(line)
    for row in rows:
        for note in row.notes[:pagebench.MAX_ERROR_SAMPLES]:
            print(f"note: {row.label}: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
