"""The reports' summary: what each ticket and rating counts towards, per UTC day.

A *fact* is one thing a row counts towards on one UTC day: a ticket created on
3 November through the web counts towards ``("channel", 2026-11-03, "web")``; once
resolved on the 5th with 9,000 business seconds, towards ``("resolution", 2026-11-05,
"8960")``, the bucket of 8,960 up to 9,216 seconds. :data:`FACTS` defines them; the
triggers of migration 0014 append each change to ``report_changes``, and
:func:`compact` adds those up per day and per month (:mod:`.models`).

:func:`collect` answers a figure over any range ``[start, end)``: the months and
days wholly inside it from the summary, the hours before its first and after its
last UTC midnight directly from the tickets (so a range of local days in any time
zone is exact). Counts add up. Percentiles do not: :func:`percentile` finds in the
buckets' counts the bucket holding the wanted position, then reads that bucket's
values in the range from an index to pick the exact value (and checks that their
number is what the summary said; if not, it computes the figure directly).

:func:`rebuild` recomputes everything from the tickets; :func:`differences` compares
the summary with the tickets (``helpdesk reports rebuild`` / ``check``).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import (
    Date,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from ..tickets.models import Rating, Ticket, TicketStatus
from .models import ReportChange, ReportDay, ReportMonth

log = logging.getLogger(__name__)

#: Durations below this are counted exactly; above, in 2**SUB_BUCKET_BITS buckets per
#: power of two (a bucket's width is at most 1/32 of its lower bound).
EXACT_BELOW = 64
SUB_BUCKET_BITS = 5
#: PostgreSQL advisory lock held while adding up the changes (one compactor at a time).
COMPACT_LOCK = 0x68656c7037


def bucket_of(value: int) -> int:
    """The lower bound of the bucket of ``value`` (business seconds)."""
    if value < EXACT_BELOW:
        return value
    shift = value.bit_length() - 1 - SUB_BUCKET_BITS
    return (value >> shift) << shift


def bucket_end(low: int) -> int:
    """The first value after the bucket whose lower bound is ``low``."""
    if low < EXACT_BELOW:
        return low + 1
    return low + (1 << (low.bit_length() - 1 - SUB_BUCKET_BITS))


def bucket_sql(value):
    """:func:`bucket_of` in SQL (integer shifts, the same on SQLite and PostgreSQL)."""
    steps = [(value < EXACT_BELOW, value)]
    for bits in range(EXACT_BELOW.bit_length() - 1, 31):
        shift = literal_column(str(bits - SUB_BUCKET_BITS))
        steps.append((value < literal_column(str(1 << (bits + 1))),
                      value.op(">>")(shift).self_group().op("<<")(shift)))
    return case(*steps, else_=value)


def _item(value):
    """A fact's item as text; ``""`` for none."""
    return func.coalesce(cast(value, String(64)), "")


@dataclass(frozen=True)
class Fact:
    """What rows count towards one figure: on the UTC day of ``moment``, the
    ``item`` of the rows that meet ``condition``."""

    figure: str
    moment: object  # a column
    item: object  # an SQL expression
    condition: object
    value: object = None  # for the percentiles: the column measured

    @property
    def table(self):
        return self.moment.class_.__table__


_SUBMITTED = Ticket.status != TicketStatus.draft
FACTS = {fact.figure: fact for fact in (
    Fact("channel", Ticket.created_at, Ticket.channel, _SUBMITTED),
    Fact("category", Ticket.created_at, func.coalesce(Ticket.category, ""), _SUBMITTED),
    Fact("group", Ticket.created_at, _item(Ticket.holder_group_id), _SUBMITTED),
    Fact("target", Ticket.resolved_at, _item(Ticket.holder_group_id), Ticket.due_at.is_not(None)),
    Fact("within", Ticket.resolved_at, _item(Ticket.holder_group_id),
         Ticket.resolved_at <= Ticket.due_at),
    Fact("first_response", Ticket.created_at, _item(bucket_sql(
        Ticket.first_response_business_seconds)),
        Ticket.first_response_business_seconds.is_not(None),
        Ticket.first_response_business_seconds),
    Fact("resolution", Ticket.resolved_at, _item(bucket_sql(Ticket.resolution_business_seconds)),
         Ticket.resolution_business_seconds.is_not(None), Ticket.resolution_business_seconds),
    Fact("rating", Rating.created_at, _item(Rating.score), true()),
)}


def _postgresql(dbsession: Session) -> bool:
    return dbsession.get_bind().dialect.name == "postgresql"


def _utc_day(dbsession: Session, moment):
    if _postgresql(dbsession):
        return cast(func.timezone("UTC", moment), Date)
    return type_coerce(func.date(moment), Date)


def _month_of(dbsession: Session, day):
    if _postgresql(dbsession):
        return cast(func.date_trunc("month", day), Date)
    return type_coerce(func.date(day, "start of month"), Date)


def _facts_by_day(dbsession: Session, fact: Fact, where=true()):
    """``(figure, day, item, total)`` of the rows of ``fact`` that meet ``where``."""
    rows = (select(literal_column(f"'{fact.figure}'").label("figure"),
                   _utc_day(dbsession, fact.moment).label("day"), fact.item.label("item"))
            .select_from(fact.table)
            .where(fact.moment.is_not(None), fact.condition, where).subquery())
    return (select(rows.c.figure, rows.c.day, rows.c.item, func.count().label("total"))
            .group_by(rows.c.figure, rows.c.day, rows.c.item))


# -- reading ---------------------------------------------------------------------------

def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), timezone.utc)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Split:
    """How a range ``[start, end)`` is read: whole months and days from the summary,
    the rest (``edges``) from the tickets."""

    edges: tuple[tuple[datetime, datetime], ...]
    days: tuple[tuple[date, date], ...]  # [first, after) from report_days
    months: tuple[date, date] | None  # [first, after) from report_months
    changes: tuple[date, date] | None  # [first, after) from report_changes

    @classmethod
    def of(cls, start: datetime, end: datetime) -> "Split":
        start, end = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
        first = start.date() if start == _midnight(start.date()) \
            else start.date() + timedelta(days=1)
        after = end.date()
        if first >= after:
            return cls(((start, end),), (), None, None)
        edges = tuple((a, b) for a, b in ((start, _midnight(first)), (_midnight(after), end))
                      if a < b)
        first_month = first if first.day == 1 else _next_month(first)
        after_month = after.replace(day=1)
        if first_month >= after_month:
            return cls(edges, ((first, after),), None, (first, after))
        days = tuple((a, b) for a, b in ((first, first_month), (after_month, after)) if a < b)
        return cls(edges, days, (first_month, after_month), (first, after))


def collect(dbsession: Session, start: datetime, end: datetime,
            figures) -> dict[str, dict[str, int]]:
    """How many rows count towards each item of each of ``figures`` in ``[start, end)``:
    ``{figure: {item: count}}`` (items counted by nothing left out). One statement."""
    split = Split.of(start, end)
    parts = []
    for model, column, ranges in ((ReportMonth, ReportMonth.month, [split.months]),
                                  (ReportDay, ReportDay.day, split.days),
                                  (ReportChange, ReportChange.day, [split.changes])):
        ranges = [r for r in ranges if r is not None]
        if ranges:
            parts.append(select(model.figure.label("figure"), model.item.label("item"),
                                model.total.label("total")).where(
                model.figure.in_(figures),
                or_(*(and_(column >= a, column < b) for a, b in ranges))))
    for figure in figures if split.edges else ():
        fact = FACTS[figure]
        parts.append(
            select(literal_column(f"'{figure}'").label("figure"), fact.item.label("item"),
                   literal_column("1").label("total"))
            .select_from(fact.table)
            .where(fact.condition,
                   or_(*(and_(fact.moment >= a, fact.moment < b) for a, b in split.edges))))
    rows = union_all(*parts).subquery()
    figure, item, total = rows.c
    query = select(figure, item, func.sum(total)).group_by(figure, item)
    found: dict[str, dict[str, int]] = {name: {} for name in figures}
    for name, key, count in dbsession.execute(query):
        if count:
            found[name][key] = int(count)
    return found


def percentile(dbsession: Session, start: datetime, end: datetime, figure: str,
               buckets: dict[str, int], percent: int) -> int | None:
    """``percentile_disc(percent / 100)`` of the ``figure`` values in ``[start, end)``,
    from the bucket counts :func:`collect` gave (``None`` without values).

    Raises :class:`SummaryMismatch` when the tickets in the chosen bucket are not as
    many as the summary says (the caller then computes the figure directly)."""
    counts = sorted((int(low), n) for low, n in buckets.items())
    total = sum(n for _, n in counts)
    if not total:
        return None
    position = (total * percent + 99) // 100  # ceil(p * n), 1-based
    before, index = 0, 0
    while before + counts[index][1] < position:
        before += counts[index][1]
        index += 1
    low, n = counts[index]
    high = bucket_end(low)
    if high == low + 1:
        return low
    fact = FACTS[figure]
    value = fact.value
    query = (select(value, func.count().over())
             .where(fact.moment >= start, fact.moment < end, value >= low, value < high)
             .order_by(value).limit(1).offset(position - before - 1))
    row = dbsession.execute(query).first()
    if row is None or row[1] != n:
        log.warning("report summary: %s bucket %s holds %s values from %s to %s, the "
                    "tickets %s (a concurrent change, or run helpdesk reports check)",
                    figure, low, n, start, end, None if row is None else row[1])
        raise SummaryMismatch(figure)
    return int(row[0])


class SummaryMismatch(Exception):
    """The summary's count of a bucket differs from the tickets'."""


# -- upkeep ----------------------------------------------------------------------------

def compact(dbsession: Session) -> int:
    """Add the changes the triggers wrote to the days and months; how many there were.

    On PostgreSQL one statement (a consistent snapshot: changes written meanwhile stay
    for the next time), by one compactor at a time (an advisory lock; another
    compactor returns 0 at once). On SQLite the transaction holds the write lock."""
    if _postgresql(dbsession):
        if not dbsession.execute(select(func.pg_try_advisory_xact_lock(COMPACT_LOCK))).scalar():
            return 0
        return dbsession.execute(text("""
            WITH moved AS (DELETE FROM report_changes RETURNING figure, day, item, total),
            days AS (SELECT figure, day, item, sum(total) AS total FROM moved
                     GROUP BY figure, day, item),
            added_days AS (
                INSERT INTO report_days (figure, day, item, total)
                SELECT figure, day, item, total FROM days
                ON CONFLICT (figure, day, item)
                DO UPDATE SET total = report_days.total + excluded.total),
            added_months AS (
                INSERT INTO report_months (figure, month, item, total)
                SELECT figure, CAST(date_trunc('month', day) AS DATE), item, sum(total)
                FROM days GROUP BY figure, CAST(date_trunc('month', day) AS DATE), item
                ON CONFLICT (figure, month, item)
                DO UPDATE SET total = report_months.total + excluded.total)
            SELECT count(*) FROM moved""")).scalar_one()
    count = dbsession.execute(select(func.count()).select_from(ReportChange)).scalar_one()
    if count:
        for table, moment, period in (("report_days", "day", "day"),
                                      ("report_months", "month", "date(day, 'start of month')")):
            dbsession.execute(text(
                f"INSERT INTO {table} (figure, {moment}, item, total) "
                f"SELECT figure, {period}, item, sum(total) FROM report_changes WHERE true "
                f"GROUP BY figure, {period}, item ON CONFLICT (figure, {moment}, item) "
                "DO UPDATE SET total = total + excluded.total"))
        dbsession.execute(delete(ReportChange))
    return count


def rebuild(dbsession: Session) -> tuple[int, int]:
    """Count every ticket and rating again, into the days and months (the changes are
    dropped); how many day and month rows that made. On PostgreSQL, writers of
    tickets and ratings wait until the transaction ends."""
    if _postgresql(dbsession):
        dbsession.execute(text("LOCK TABLE report_changes IN EXCLUSIVE MODE"))
    for model in (ReportChange, ReportDay, ReportMonth):
        dbsession.execute(delete(model))
    for fact in FACTS.values():
        dbsession.execute(insert(ReportDay).from_select(
            ["figure", "day", "item", "total"], _facts_by_day(dbsession, fact)))
    month = _month_of(dbsession, ReportDay.day)
    dbsession.execute(insert(ReportMonth).from_select(
        ["figure", "month", "item", "total"],
        select(ReportDay.figure, month, ReportDay.item, func.sum(ReportDay.total))
        .group_by(ReportDay.figure, month, ReportDay.item)))
    return tuple(dbsession.execute(select(func.count()).select_from(model)).scalar_one()
                 for model in (ReportDay, ReportMonth))


@dataclass(frozen=True)
class Difference:
    """An item of a figure whose summary count differs from the tickets'."""

    figure: str
    period: str  # "day 2026-11-03" or "month 2026-11-01"
    item: str
    expected: int
    summary: int


def differences(dbsession: Session) -> list[Difference]:
    """Where the summary differs from counting the tickets and ratings again: each
    day (its row plus the changes not yet added up) and each month (likewise); empty
    when it is right."""
    expected: dict[tuple, int] = defaultdict(int)
    for fact in FACTS.values():
        for figure, day, item, total in dbsession.execute(_facts_by_day(dbsession, fact)):
            expected[(figure, day, item)] += total
    days: dict[tuple, int] = defaultdict(int)
    months: dict[tuple, int] = defaultdict(int)
    for model, moment in ((ReportDay, ReportDay.day), (ReportChange, ReportChange.day),
                          (ReportMonth, ReportMonth.month)):
        query = (select(model.figure, moment, model.item, func.sum(model.total))
                 .group_by(model.figure, moment, model.item))
        for figure, day, item, total in dbsession.execute(query):
            if model is not ReportMonth:
                days[(figure, day, item)] += total
            if model is not ReportDay:
                months[(figure, day.replace(day=1), item)] += total
    expected_months: dict[tuple, int] = defaultdict(int)
    for (figure, day, item), total in expected.items():
        expected_months[(figure, day.replace(day=1), item)] += total
    return [Difference(figure, f"{unit} {day.isoformat()}", item, want.get(key, 0),
                       have.get(key, 0))
            for unit, want, have in (("day", expected, days), ("month", expected_months, months))
            for key in sorted(set(want) | set(have), key=str)
            for figure, day, item in [key] if want.get(key, 0) != have.get(key, 0)]
