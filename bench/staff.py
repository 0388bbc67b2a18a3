"""The staff-list rows: inbox and unprocessed-page latency as the ticket table grows.

For each size (10,000 and 20,000 tickets by default; 1,000,000 with
``--million``, on PostgreSQL only), a freshly migrated database is filled by
``bench/staffdata.py``; the app is configured in this process with the settings
of the HTTP rows, and each page is fetched through WebTest (the whole Pyramid
stack: session, security, the query, the template) by a first-line member and by
a second-line agent, logged in once through the login form. Every answer must
be a 200 with a full page of 25 rows; anything else is an error, not a sample.
The measuring is ``bench/pagebench.py``'s; this module says what is measured.

Run on its own with ``python -m bench.staff`` (``--help``), or as part of
``make bench`` (set ``HELPDESK_BENCH_STAFF=0`` to leave it out there, or to
the sizes to use, e.g. ``10000,20000,1000000``).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from . import pagebench
from .pagebench import MILLION, Page, PageBench, PageRow, size_label
from .staffdata import AGENT_LOGIN, FIRST_LINE_LOGIN, load
from .stats import Row

SIZES = (10_000, 20_000)
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


def full_page(html: str) -> str | None:
    """``None`` when the list shows :data:`PAGE_ROWS` rows, else how many it shows."""
    rows = html.count("<tr") - 1  # the header row
    return None if rows == PAGE_ROWS else f"{rows} rows instead of {PAGE_ROWS}"


def load_tickets(registry, size: int) -> dict:
    """``size`` tickets of ``bench/staffdata.py`` (the paths name nothing)."""
    load(registry["dbengine"], registry.helpdesk_settings, size)
    return {}


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


BENCH = PageBench(
    name="staff lists", prefix="staff", load=load_tickets,
    pages=tuple(Page(key, f"staff {LABELS[key]}", login, path, full_page)
                for key, login, path in PAGES),
    sizes=SIZES, verdicts=verdicts)


def measure(urls: list[str | None], workdir: Path, sizes: tuple[int, ...], requests: int,
            warmup: int) -> tuple[list[PageRow], dict[str, str]]:
    """Every page at every size on every database (``None``: SQLite files in ``workdir``)."""
    return pagebench.measure(BENCH, urls, workdir, sizes, requests, warmup)


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
    for row in (page_row.as_row() for page_row in found):
        existing = run.rows.setdefault(row.key, Row(row.key, row.label))
        existing.repeats.extend(row.repeats)
        existing.notes.extend(f"repeat {number}: {note}" for note in row.notes)
        if row.key not in run.order:
            run.order.append(row.key)


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.staff``."""
    return pagebench.main(BENCH, argv, module="staff", doc=__doc__, requests=200, warmup=20)


if __name__ == "__main__":
    sys.exit(main())
