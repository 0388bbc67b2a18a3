"""Report latency: the report page and its CSV over a year, as the ticket table grows.

For each size (100,000 tickets by default; 1,000,000 with ``--million``, on
PostgreSQL only), a freshly migrated database gets ``bench/staffdata.py``'s groups
and people, then tickets spread evenly over the last :data:`SPAN_DAYS` days (so a
year holds 91% of them) with the columns the SLA clock fills: due times,
first-response and resolution business seconds (a fifth resolved late), 1% still
unresolved, and a rating for one resolved ticket in five. The report page and the
CSV over the last 365 local days are fetched through WebTest by a first-line
member. Every answer must be a 200 with the figures; anything else is an error.
The measuring is ``bench/pagebench.py``'s.

The reports' summary (``pyramid_helpdesk/reports/summary.py``) is kept by triggers:
on SQLite they fire for every inserted row and the changes are then added up as
the worker would (``summary.compact``); on PostgreSQL ``COPY`` runs with the
triggers off and the summary is counted afterwards (``summary.rebuild``). Both
times are printed.

Run with ``python -m bench.reports`` (``--help``); ``--postgresql URL`` adds
PostgreSQL, in throwaway databases named after the one given (whose name must
contain ``bench``), dropped afterwards.
"""
from __future__ import annotations

import random
import sys
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from pyramid_helpdesk.reports import summary

from . import pagebench
from .pagebench import MILLION, Page, PageBench, PageRow
from .staffdata import CATEGORIES, CHANNELS, FIRST_LINE_LOGIN, PRIORITIES, SEED, create_people

SIZES = (100_000,)
SPAN_DAYS = 400
TARGET_MS = 1000.0  # TARGETS.md: reports over a year <= 1 s at 1,000,000 tickets
COLUMNS = ("id", "number", "subject", "description", "status", "priority", "category",
           "channel", "requester_id", "holder_group_id", "holder_person_id", "held_since",
           "nudge_count", "created_at", "updated_at", "first_response_at", "resolved_at",
           "closed_at", "version", "due_at", "first_response_due_at",
           "first_response_business_seconds", "resolution_business_seconds")


def ticket_rows(count: int, desk, now: datetime):
    """``count`` tickets (tuples in :data:`COLUMNS` order), oldest first; a fixed seed."""
    rng = random.Random(SEED)
    step = timedelta(days=SPAN_DAYS) / count
    channels, weights = zip(*CHANNELS, strict=True)
    priorities, priority_weights = zip(*PRIORITIES, strict=True)
    for index in range(count):
        ticket_id = index + 1
        created = now - (count - index) * step
        group = rng.choice(desk.group_ids)
        person = rng.choice(desk.members[group]) if rng.random() < 0.7 else None
        response = rng.randint(60, 4 * 3600)
        resolution = response + rng.randint(600, 3 * 86400)
        due = created + timedelta(hours=8 if rng.random() < 0.8 else 1) * 3
        status = "open" if rng.random() < 0.01 else ("resolved" if rng.random() < 0.1
                                                     else "closed")
        resolved = created + timedelta(seconds=resolution) if status != "open" else None
        yield (ticket_id, f"B{ticket_id:07d}", f"Bench ticket {ticket_id}", "", status,
               rng.choices(priorities, priority_weights)[0], rng.choice(CATEGORIES),
               rng.choices(channels, weights)[0], rng.choice(desk.requester_ids), group,
               person, created, 0, created, resolved or created,
               created + timedelta(seconds=response), resolved,
               resolved if status == "closed" else None, 1,
               due, created + timedelta(hours=1), response,
               resolution if resolved else None)


def load_tickets(registry, size: int) -> dict:
    """People, ``size`` tickets and their ratings (the paths name nothing)."""
    engine, now = registry["dbengine"], datetime.now(timezone.utc)
    desk = create_people(engine, registry.helpdesk_settings)
    rows = ticket_rows(size, desk, now)
    rate = text("INSERT INTO ratings (ticket_id, score, comment, created_at) "
                "SELECT id, 1 + id % 5, '', resolved_at FROM tickets "
                "WHERE resolved_at IS NOT NULL AND id % 5 = 0")
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            # COPY without the summary's triggers; the summary is counted afterwards.
            for table in ("tickets", "ratings"):
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER "
                                        f"report_{table[:-1]}_insert"))
            cursor = connection.connection.driver_connection.cursor()
            with cursor.copy(f"COPY tickets ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            connection.execute(text(
                "SELECT setval('tickets_id_seq', (SELECT max(id) FROM tickets))"))
            connection.execute(rate)
            for table in ("tickets", "ratings"):
                connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER "
                                        f"report_{table[:-1]}_insert"))
        _timed("summary rebuilt", engine, summary.rebuild)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE tickets"))
            connection.execute(text("VACUUM ANALYZE ratings"))
            connection.execute(text("VACUUM ANALYZE report_days"))
            connection.execute(text("VACUUM ANALYZE report_months"))
    else:
        from pyramid_helpdesk.tickets.models import Ticket

        with engine.begin() as connection:
            batch: list[dict] = []
            for row in rows:
                batch.append(dict(zip(COLUMNS, row, strict=True)))
                if len(batch) == 5000:
                    connection.execute(insert(Ticket.__table__), batch)
                    batch = []
            if batch:
                connection.execute(insert(Ticket.__table__), batch)
            connection.execute(rate)
        _timed("summary compacted", engine, summary.compact)  # as the worker would
    return {}


def _timed(what: str, engine, work) -> None:
    """Run ``work(session)`` in a transaction and say how long it took."""
    started = time.perf_counter()
    with Session(engine) as dbsession, dbsession.begin():
        work(dbsession)
    print(f"  reports: {what} in {time.perf_counter() - started:.1f} s", file=sys.stderr,
          flush=True)


def year_query() -> str:
    """The last 365 local days (the report form's dates, Asia/Shanghai)."""
    today = datetime.now(timezone(timedelta(hours=8))).date()
    return f"from={(today - timedelta(days=364)).isoformat()}&to={today.isoformat()}"


def has_figures(html: str) -> str | None:
    """``None`` when the page shows the time figures and a chart, else what is missing."""
    return None if 'id="times"' in html and "<svg" in html else "no figures"


def is_csv(body: str) -> str | None:
    """``None`` when the answer is the CSV with its figures."""
    return None if body.startswith("\ufeffReport,") and "Backlog by age" in body else "not CSV"


def verdicts(rows: list[PageRow]) -> list[str]:
    """The TARGETS.md line: a year's report within 1 s at 1,000,000 tickets (PostgreSQL)."""
    lines = []
    for row in rows:
        if row.size != MILLION or row.database != "postgresql":
            continue
        p95 = row.figures.p95_ms
        lines.append(f"{row.label}: p50 {row.figures.p50_ms:.0f} ms, p95 {p95:.0f} ms "
                     f"(target <= {TARGET_MS:g} ms: "
                     + ("meets target)" if p95 <= TARGET_MS else "ABOVE target)"))
    return lines


BENCH = PageBench(
    name="reports", prefix="reports", load=load_tickets,
    pages=(Page("page", "report page, a year", FIRST_LINE_LOGIN,
                "/staff/reports?" + year_query(), has_figures),
           Page("csv", "report CSV, a year", FIRST_LINE_LOGIN,
                "/staff/reports.csv?" + year_query(), is_csv)),
    sizes=SIZES, verdicts=verdicts)


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.reports``."""
    return pagebench.main(BENCH, argv, module="reports", doc=__doc__, requests=20, warmup=3,
                          url_option="--postgresql", url_environment=None)


if __name__ == "__main__":
    sys.exit(main())
