"""Keyset pages of tickets whose cost does not grow with the table.

A staff list is a slice of the tickets (some holders, some statuses, some
priorities, a few more conditions) in an order (a time column, optionally after
the priority, then the id, which breaks ties). Holder, status and priority take
a few values each, so the slice is the union of small *partitions* with one
value of each: ``holder_group_id = 3 AND status = 'open' AND priority = 'high'``.
Each partition is one range scan of an index that starts with those columns and
ends with ``(time column, id)`` (``ix_tickets_*queue_*``, migration 0006),
stopped after a page plus one row; the union of those few rows (without repeats:
a ticket held by a person and by their group is in two partitions) is sorted and
cut to a page. The database reads at most ``partitions x (page + 1)`` index entries,
at 10,000 tickets as at 1,000,000.

The position in a list is the sort key of a row (:class:`Cursor`): the next page
holds the rows after the last one shown, the previous page those before the
first one, so rows with equal times are neither skipped nor repeated.

On SQLite the partitions are the branches of a UNION. PostgreSQL would spend
more time planning a few dozen branches than running them, so there the
partitions of each kind are the rows of ``unnest(arrays)`` joined LATERAL to one
index scan. Building either statement costs more Python time than running it,
so it is built once per *shape* (:class:`Plan`: which partitions, which
conditions) with bound parameters, and kept (:func:`plan_statement`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    true,
    union,
)

from ..db.types import UTCDateTime
from ..tickets.models import Priority, Ticket, TicketStatus

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: Priorities from the least to the most urgent: the rank is the index.
PRIORITY_RANKS = {priority: rank for rank, priority in enumerate(Priority)}
HOLDER_COLUMNS = ("holder_group_id", "holder_person_id")


@dataclass(frozen=True)
class Order:
    """A list's order: by priority (most urgent first) if asked, then a time column, then id."""

    column: str  # a time column of Ticket: updated_at, created_at or held_since
    descending: bool
    by_priority: bool = False


@dataclass(frozen=True)
class Cursor:
    """The sort key of one row: where a page starts or ends."""

    rank: int
    moment: datetime
    id: int

    def encode(self) -> str:
        """``rank_microseconds_id``: plain digits, safe in a query string."""
        micros = (self.moment - EPOCH) // timedelta(microseconds=1)
        return f"{self.rank}_{micros}_{self.id}"

    @classmethod
    def decode(cls, raw: str | None) -> "Cursor | None":
        """The cursor written by :meth:`encode`; ``None`` for anything else."""
        parts = (raw or "").split("_")
        if len(parts) != 3 or not all(part.lstrip("-").isdigit() for part in parts):
            return None
        rank, micros, ticket_id = (int(part) for part in parts)
        try:
            moment = EPOCH + timedelta(microseconds=micros)
        except OverflowError:
            return None
        return cls(rank, moment, ticket_id)


@dataclass(frozen=True)
class Slice:
    """Which tickets a list shows.

    ``holders``: ``(column, id)`` pairs, the column ``holder_group_id`` or
    ``holder_person_id``; a ticket matching any of them (``None``: every
    ticket, held or not). The other fields narrow every partition.
    """

    statuses: tuple[TicketStatus, ...]
    priorities: tuple[Priority, ...] = tuple(Priority)
    holders: tuple[tuple[str, int], ...] | None = None
    category: str | None = None
    channel: str | None = None
    created_after: datetime | None = None  # exclusive
    created_by: datetime | None = None  # inclusive
    due_by: datetime | None = None  # inclusive: the stored due time (none: never due)
    unassigned: bool = False  # no person holds it


@dataclass(frozen=True)
class Plan:
    """The shape of a page's statement; its values are bound parameters."""

    holders: tuple[str, ...] | None  # the column of each holder parameter
    branches: tuple[tuple[int, int, int, bool], ...]  # (holder, status, priority, after cursor)
    ranks: tuple[int, ...]  # the rank of each priority parameter (0 when not by priority)
    column: str
    descending: bool  # the time order while scanning (reversed for a previous page)
    rank_descending: bool
    narrowing: tuple[str, ...]  # the Slice fields that narrow each partition
    limit: int


def plan(part: Slice, order: Order, cursor: Cursor | None, backwards: bool,
         limit: int) -> tuple[Plan, dict] | None:
    """The plan and the parameters of a page; ``None`` when no row can match."""
    holders = part.holders
    if holders == () or not part.statuses or not part.priorities:
        return None
    params: dict = {f"status_{i}": status.value for i, status in enumerate(part.statuses)}
    params.update({f"priority_{i}": p.value for i, p in enumerate(part.priorities)})
    ranks = tuple(PRIORITY_RANKS[p] if order.by_priority else 0 for p in part.priorities)
    rank_descending = not backwards
    branches = []
    for holder in range(len(holders) if holders is not None else 1):
        for status in range(len(part.statuses)):
            for priority, rank in enumerate(ranks):
                after = cursor is not None and rank == cursor.rank
                if cursor is not None and not after and (rank > cursor.rank) == rank_descending:
                    continue  # this whole partition comes before the cursor
                branches.append((holder, status, priority, after))
    if not branches:
        return None
    if holders is not None:
        params.update({f"holder_{i}": value for i, (_, value) in enumerate(holders)})
    if cursor is not None:
        params.update(cursor_moment=cursor.moment, cursor_id=cursor.id)
    narrowing = tuple(name for name in ("category", "channel", "created_after", "created_by",
                                        "due_by") if getattr(part, name) is not None)
    params.update({name: getattr(part, name) for name in narrowing})
    if part.unassigned:
        narrowing += ("unassigned",)
    shape = Plan(
        holders=tuple(column for column, _ in holders) if holders is not None else None,
        branches=tuple(branches), ranks=ranks, column=order.column,
        descending=order.descending != backwards, rank_descending=rank_descending,
        narrowing=narrowing, limit=limit,
    )
    return shape, params


def _after_cursor(column, descending: bool) -> ColumnElement[bool]:
    """Rows strictly after the cursor in this direction: an index range
    (``col <= m``) and a check (``col < m OR id < i``) every database plans well."""
    moment = bindparam("cursor_moment", type_=UTCDateTime())
    ticket_id = bindparam("cursor_id", type_=Integer())
    if descending:
        return and_(column <= moment, or_(column < moment, Ticket.id < ticket_id))
    return and_(column >= moment, or_(column > moment, Ticket.id > ticket_id))


def _narrowing(names: tuple[str, ...]) -> list[ColumnElement[bool]]:
    conditions = []
    if "category" in names:
        conditions.append(Ticket.category == bindparam("category"))
    if "channel" in names:
        conditions.append(Ticket.channel == bindparam("channel"))
    if "created_after" in names:
        conditions.append(Ticket.created_at > bindparam("created_after", type_=UTCDateTime()))
    if "created_by" in names:
        conditions.append(Ticket.created_at <= bindparam("created_by", type_=UTCDateTime()))
    if "due_by" in names:
        conditions.append(Ticket.due_at <= bindparam("due_by", type_=UTCDateTime()))
    if "unassigned" in names:
        conditions.append(Ticket.holder_person_id.is_(None))
    return conditions


def _holder_condition(shape: Plan, index: int) -> list[ColumnElement[bool]]:
    """The condition of holder ``index`` (none when the slice takes every holder)."""
    if shape.holders is None:
        return []
    return [getattr(Ticket, shape.holders[index]) == bindparam(f"holder_{index}")]


def _union(selects: list[Select]):
    """The rows of ``selects`` without repeats: a ticket held by a person and by
    one of their groups is in both partitions (as the same row)."""
    return (union(*selects) if len(selects) > 1 else selects[0]).subquery("keyset")


def _time_order(column, descending: bool) -> tuple:
    return (column.desc(), Ticket.id.desc()) if descending else (column.asc(), Ticket.id.asc())


def _ordered(rows, shape: Plan) -> Select:
    """The first ``limit`` rows of the union ``rows``, in scanning order."""
    return (select(rows.c.id, rows.c.rank, rows.c.moment)
            .order_by(*scan_order(rows, shape.descending, shape.rank_descending))
            .limit(shape.limit))


def _union_statement(shape: Plan) -> Select:
    """One SELECT per partition, each stopped after ``limit`` rows, in a UNION."""
    column = getattr(Ticket, shape.column)
    narrowing = _narrowing(shape.narrowing)
    branches = []
    for holder, status, priority, after in shape.branches:
        conditions = [*_holder_condition(shape, holder),
                      Ticket.status == bindparam(f"status_{status}"),
                      Ticket.priority == bindparam(f"priority_{priority}"), *narrowing]
        if after:
            conditions.append(_after_cursor(column, shape.descending))
        branch = (select(Ticket.id.label("id"),
                         literal_column(str(shape.ranks[priority]), Integer).label("rank"),
                         column.label("moment"))
                  .where(*conditions).order_by(*_time_order(column, shape.descending))
                  .limit(shape.limit))
        branches.append(select(branch.subquery()))
    return _ordered(_union(branches), shape)


def _blocks(shape: Plan) -> tuple[tuple[str | None, bool], ...]:
    """The kinds of partition of a plan: (holder column or ``None``, after the cursor)."""
    kinds = {(shape.holders[holder] if shape.holders is not None else None, after)
             for holder, _status, _priority, after in shape.branches}
    return tuple(sorted(kinds, key=str))


def _block_name(kind: str | None, after: bool) -> str:
    return f"{kind or 'any_holder'}_{'after' if after else 'all'}"


def _lateral_statement(shape: Plan) -> Select:
    """PostgreSQL: the partitions of each kind as rows of ``unnest(arrays)``, each
    joined LATERAL to its index range scan. The database plans one scan per kind
    (at most four) instead of one per partition, which costs more than the scans."""
    column = getattr(Ticket, shape.column)
    narrowing = _narrowing(shape.narrowing)
    selects = []
    for kind, after in _blocks(shape):
        name = _block_name(kind, after)
        names = (["holder"] if kind else []) + ["status", "priority", "rank"]
        arrays = [bindparam(f"{name}_{field}", type_=ARRAY(Integer if field in ("holder", "rank")
                                                             else String))
                  for field in names]
        parts = func.unnest(*arrays).table_valued(*names).render_derived(name=f"{name}_parts")
        conditions = [Ticket.status == parts.c.status, Ticket.priority == parts.c.priority,
                      *narrowing]
        if kind:
            conditions.append(getattr(Ticket, kind) == parts.c.holder)
        if after:
            conditions.append(_after_cursor(column, shape.descending))
        scan = (select(Ticket.id.label("id"), column.label("moment")).where(*conditions)
                .order_by(*_time_order(column, shape.descending)).limit(shape.limit)
                .lateral(f"{name}_rows"))
        selects.append(select(scan.c.id, parts.c.rank.label("rank"), scan.c.moment)
                       .select_from(parts).join(scan, true()))
    return _ordered(_union(selects), shape)


@lru_cache(maxsize=256)
def plan_statement(shape: Plan, dialect: str) -> Select:
    """``id, rank, moment`` of the first ``limit`` rows of the plan, in scanning order
    (built once per shape and database kind)."""
    if dialect == "postgresql":
        return _lateral_statement(shape)
    return _union_statement(shape)


def plan_parameters(shape: Plan, params: dict, dialect: str) -> dict:
    """The values of :func:`plan_statement`: on PostgreSQL, each kind of partition's
    holders, statuses, priorities and ranks as arrays."""
    if dialect != "postgresql":
        return params
    arrays: dict[str, list] = {}
    for holder, status, priority, after in shape.branches:
        kind = shape.holders[holder] if shape.holders is not None else None
        name = _block_name(kind, after)
        if kind:
            arrays.setdefault(f"{name}_holder", []).append(params[f"holder_{holder}"])
        arrays.setdefault(f"{name}_status", []).append(params[f"status_{status}"])
        arrays.setdefault(f"{name}_priority", []).append(params[f"priority_{priority}"])
        arrays.setdefault(f"{name}_rank", []).append(shape.ranks[priority])
    return {**params, **arrays}


def scan_order(rows, descending: bool, rank_descending: bool) -> tuple:
    """ORDER BY of the union: rank, then time, then id, in scanning direction."""
    return (rows.c.rank.desc() if rank_descending else rows.c.rank.asc(),
            rows.c.moment.desc() if descending else rows.c.moment.asc(),
            rows.c.id.desc() if descending else rows.c.id.asc())
