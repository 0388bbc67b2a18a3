"""The reports' figures: each one aggregate statement on an index, never a loop over tickets.

These are the definitions. The quality page reads them so; the report page reads the
same figures from the summary (:mod:`.summary`), which the tests compare with these.
Every function takes the session and the half-open UTC range ``[start, end)`` (or
``now``), and returns a few rows of plain values. Definitions (docs/reports.md):

- *volume*: tickets created in the range (``created_at``; drafts are not), by
  channel, holding group or category;
- *within target*: tickets resolved in the range (``resolved_at``) that had a
  resolution target (``due_at``), and of those, the ones resolved by it
  (``resolved_at <= due_at``), per holder at resolution (the ticket's holder);
- *first response*: business seconds to the first staff response of the tickets
  created in the range that had one; *resolution*: business seconds to resolution
  of the tickets resolved in the range (pauses excluded, as the SLA clock counts);
  median and 90th percentile are ``percentile_disc`` (a value that occurred);
- *backlog*: unresolved tickets now, by age;
- *ratings*: ratings given in the range.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, literal, or_, select, text, tuple_, union_all
from sqlalchemy.orm import Session

from ..groups.models import ServiceGroup
from ..people.models import Person
from ..tickets.models import ACTIVE_STATUSES, Rating, Ticket, TicketStatus

#: Columns a volume may be split by.
DIMENSIONS = {
    "channel": Ticket.channel,
    "category": Ticket.category,
    "group": Ticket.holder_group_id,
}
#: Backlog age buckets: (key, lower bound of age, upper bound or None).
AGE_BUCKETS = (
    ("under_1d", timedelta(0), timedelta(days=1)),
    ("1_3d", timedelta(days=1), timedelta(days=3)),
    ("3_7d", timedelta(days=3), timedelta(days=7)),
    ("7_30d", timedelta(days=7), timedelta(days=30)),
    ("over_30d", timedelta(days=30), None),
)
PERCENTS = (50, 90)
#: PostgreSQL sort memory for a report's transaction: a year's percentiles sort about a
#: million integers, which spill to disk at the default 4 MB (and take twice as long).
REPORT_WORK_MEM = "64MB"


@dataclass(frozen=True)
class Count:
    """How many tickets have one value of a dimension (``key`` may be ``None``)."""

    key: object
    name: str | None  # the group's or person's name, when the key is an id
    count: int


@dataclass(frozen=True)
class TargetShare:
    """Resolved tickets with a target, and those resolved within it, for one holder."""

    key: int | None
    name: str | None
    resolved: int
    within: int

    @property
    def share(self) -> float | None:
        """``within / resolved`` (``None`` when nothing was resolved)."""
        return self.within / self.resolved if self.resolved else None


@dataclass(frozen=True)
class Percentiles:
    """How many durations were measured, and their median and 90th percentile."""

    count: int
    median: int | None
    p90: int | None


@dataclass(frozen=True)
class RatingSummary:
    """The ratings given: how many of each score (1 to 5)."""

    distribution: dict[int, int]

    @property
    def count(self) -> int:
        """How many ratings."""
        return sum(self.distribution.values())

    @property
    def average(self) -> float | None:
        """The mean score (``None`` without ratings)."""
        total = self.count
        return sum(s * n for s, n in self.distribution.items()) / total if total else None


def prepare_session(dbsession: Session) -> None:
    """Give the rest of this transaction the sort memory of :data:`REPORT_WORK_MEM`
    (PostgreSQL; ``SET LOCAL`` ends with the transaction)."""
    if dbsession.get_bind().dialect.name == "postgresql":
        dbsession.execute(text(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'"))


def _created_in(start: datetime, end: datetime):
    return and_(Ticket.created_at >= start, Ticket.created_at < end)


def _resolved_in(start: datetime, end: datetime):
    return and_(Ticket.resolved_at >= start, Ticket.resolved_at < end)


def sorted_counts(rows, names: dict | None = None) -> list[Count]:
    """``(key, count)`` pairs as :class:`Count` rows, most first, no value (``None``)
    last, then by key; ``names`` gives a name to each key it knows."""
    names = names or {}
    return sorted((Count(key, names.get(key), n) for key, n in rows),
                  key=lambda c: (-c.count, c.key is None, c.key if c.key is not None else 0))


def sorted_shares(rows) -> list[TargetShare]:
    """:class:`TargetShare` rows, most resolved first, no holder last, then by key."""
    return sorted(rows, key=lambda s: (-s.resolved, s.key is None,
                                       s.key if s.key is not None else 0))


def volumes(dbsession: Session, start: datetime, end: datetime) -> dict[str, list[Count]]:
    """Tickets created in ``[start, end)`` (drafts are not tickets yet) per channel, per
    category and per holding group (keys of :data:`DIMENSIONS`), most first, with the
    groups' names. An empty category counts as none.

    One pass over the range: ``GROUPING SETS`` on PostgreSQL, ``UNION ALL`` of the
    three groupings on SQLite (which has no grouping sets).
    """
    in_range = and_(_created_in(start, end), Ticket.status != TicketStatus.draft)
    dimensions = dict(DIMENSIONS, category=func.coalesce(Ticket.category, ""))
    found = {name: [] for name in DIMENSIONS}
    if dbsession.get_bind().dialect.name == "postgresql":
        columns = list(dimensions.values())
        query = (select(func.grouping(*columns), *columns, func.count())
                 .where(in_range)
                 .group_by(func.grouping_sets(*(tuple_(c) for c in columns))))
        for grouping, *keys, n in dbsession.execute(query):
            # GROUPING() sets a bit for each column left out of the row's set.
            index = [i for i in range(len(columns))
                     if not grouping & (1 << (len(columns) - 1 - i))][0]
            found[list(DIMENSIONS)[index]].append((keys[index], n))
    else:
        parts = [select(literal(name).label("dimension"), column.label("key"),
                        func.count().label("n")).where(in_range).group_by(column)
                 for name, column in dimensions.items()]
        for name, key, n in dbsession.execute(union_all(*parts)):
            found[name].append((key, n))
    found["category"] = [(key or None, n) for key, n in found["category"]]
    names = _group_names(dbsession, [key for key, _ in found["group"] if key is not None])
    return {dimension: sorted_counts(rows, names if dimension == "group" else None)
            for dimension, rows in found.items()}


def group_names(dbsession: Session, group_ids) -> dict[int, str]:
    """The names of the groups ``group_ids`` (one query)."""
    return _group_names(dbsession, list(group_ids))


def _group_names(dbsession: Session, group_ids: list[int]) -> dict[int, str]:
    if not group_ids:
        return {}
    query = select(ServiceGroup.id, ServiceGroup.name).where(ServiceGroup.id.in_(group_ids))
    return {group_id: name for group_id, name in dbsession.execute(query)}


def within_target(dbsession: Session, start: datetime, end: datetime,
                  by: str) -> list[TargetShare]:
    """Tickets resolved in ``[start, end)`` with a target, and those resolved by it,
    per holding ``group`` or ``person`` (the holder at resolution), most resolved first."""
    if by == "group":
        key, name, holder = Ticket.holder_group_id, ServiceGroup.name, ServiceGroup
    else:
        key, name, holder = Ticket.holder_person_id, func.coalesce(
            func.nullif(Person.name, ""), Person.email), Person
    resolved = func.count().label("resolved")
    within = func.coalesce(func.sum(case((Ticket.resolved_at <= Ticket.due_at, 1), else_=0)),
                           0).label("within")
    query = (select(key, name.label("name"), resolved, within)
             .select_from(Ticket).outerjoin(holder, holder.id == key)
             .where(_resolved_in(start, end), Ticket.due_at.is_not(None))
             .group_by(key, name))
    return sorted_shares(TargetShare(*row) for row in dbsession.execute(query))


def total_share(shares: list[TargetShare]) -> TargetShare:
    """The sum of per-holder shares (every resolved ticket has one holder row)."""
    return TargetShare(None, None, sum(s.resolved for s in shares),
                       sum(s.within for s in shares))


def percentiles(dbsession: Session, start: datetime, end: datetime,
                measure: str) -> Percentiles:
    """Median and 90th percentile of ``first_response`` (tickets created in the range)
    or ``resolution`` (tickets resolved in the range) business seconds.

    Both are ``percentile_disc``: the smallest value with at least that share of
    the values at or below it. PostgreSQL has the aggregate; SQLite gets the same
    answer from the row number ``ceil(p * n)`` of the values in order.
    """
    if measure == "first_response":
        value, where = Ticket.first_response_business_seconds, _created_in(start, end)
    else:
        value, where = Ticket.resolution_business_seconds, _resolved_in(start, end)
    where = and_(where, value.is_not(None))
    if dbsession.get_bind().dialect.name == "postgresql":
        query = select(func.count(), *(
            func.percentile_disc(p / 100).within_group(value) for p in PERCENTS)).where(where)
        count, *values = dbsession.execute(query).one()
    else:
        ranked = select(value.label("value"),
                        func.row_number().over(order_by=value).label("position"),
                        func.count().over().label("n")).where(where).subquery()
        query = select(func.max(ranked.c.n), *(
            func.max(case((ranked.c.position == (ranked.c.n * p + 99) // 100,
                           ranked.c.value)))
            for p in PERCENTS))
        count, *values = dbsession.execute(query).one()
    median, p90 = (None if v is None else int(v) for v in values)
    return Percentiles(count or 0, median, p90)


def backlog_by_age(dbsession: Session, now: datetime) -> list[Count]:
    """Unresolved tickets (new, open, pending) now, per age bucket (:data:`AGE_BUCKETS`)."""
    columns = []
    for key, low, high in AGE_BUCKETS:
        condition = Ticket.created_at <= now - low
        if high is not None:
            condition = and_(condition, Ticket.created_at > now - high)
        columns.append(func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(key))
    row = dbsession.execute(select(*columns).where(Ticket.status.in_(ACTIVE_STATUSES))).one()
    return [Count(key, None, n) for (key, _, _), n in zip(AGE_BUCKETS, row, strict=True)]


def ratings(dbsession: Session, start: datetime, end: datetime) -> RatingSummary:
    """The ratings given in ``[start, end)``, counted per score."""
    query = (select(Rating.score, func.count()).where(Rating.created_at >= start,
                                                      Rating.created_at < end)
             .group_by(Rating.score))
    found = {score: n for score, n in dbsession.execute(query)}
    return RatingSummary({score: found.get(score, 0) for score in range(1, 6)})


@dataclass(frozen=True)
class RiskRow:
    """An unresolved ticket whose target is past or falls due soon."""

    number: str
    subject: str
    target: str  # "response" or "resolution"
    due_at: datetime
    group: str | None
    person: str | None


def at_risk(dbsession: Session, now: datetime, horizon: timedelta,
            limit: int) -> tuple[list[RiskRow], int]:
    """Unresolved, running (not paused) tickets whose resolution target, or unmet first
    response target, falls due before ``now + horizon``: the ``limit`` most urgent,
    and how many there are."""
    deadline = now + horizon
    running = and_(Ticket.status.in_(ACTIVE_STATUSES), Ticket.sla_paused_since.is_(None))
    resolution = Ticket.due_at <= deadline
    response = and_(Ticket.first_response_at.is_(None), Ticket.first_response_due_at <= deadline)
    total = dbsession.execute(
        select(func.count()).where(running, or_(resolution, response))).scalar_one()
    rows: dict[str, RiskRow] = {}
    for target, due, condition in (("response", Ticket.first_response_due_at, response),
                                   ("resolution", Ticket.due_at, resolution)):
        query = (select(Ticket.number, Ticket.subject, due, ServiceGroup.name,
                        func.coalesce(func.nullif(Person.name, ""), Person.email))
                 .outerjoin(ServiceGroup, ServiceGroup.id == Ticket.holder_group_id)
                 .outerjoin(Person, Person.id == Ticket.holder_person_id)
                 .where(running, condition).order_by(due, Ticket.id).limit(limit))
        for number, subject, due_at, group, person in dbsession.execute(query):
            found = rows.get(number)
            if found is None or due_at < found.due_at:
                rows[number] = RiskRow(number, subject, target, due_at, group, person)
    return sorted(rows.values(), key=lambda row: row.due_at)[:limit], total
