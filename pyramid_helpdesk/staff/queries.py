"""The staff console's reads: the lists' pages and the home page's counts.

Each runs one SQL statement, whatever the number of tickets, served by the
indexes of migration 0006 (see ``keyset.py``). Due times are the stored
``tickets.due_at`` (``pyramid_helpdesk/sla/clock.py``); "due soon" and
"overdue" count tickets whose clock runs (new, open) by the ``(status, due_at)``
index of migration 0012.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Select, bindparam, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from ..db.types import UTCDateTime
from ..groups.models import ServiceGroup
from ..people.models import Person
from ..settings import HelpdeskSettings
from ..tickets.models import ACTIVE_STATUSES, Priority, Ticket, TicketStatus
from .filters import ListFilters, age_bounds
from .keyset import Cursor, Plan, Slice, plan, plan_parameters, plan_statement, scan_order
from .resources import Scope
from .targets import NEAR, RUNNING

PAGE_SIZE = 25


@dataclass(frozen=True)
class ListRow:
    """One ticket of a staff list, with what the lists show of it."""

    id: int
    number: str
    subject: str
    status: TicketStatus
    priority: Priority
    category: str | None
    channel: str
    created_at: datetime
    updated_at: datetime
    held_since: datetime
    nudge_count: int
    group_name: str | None
    holder_name: str | None
    requester_name: str
    version: int  # what a bulk action passes as ``expected_version``
    due_at: datetime | None
    sla_breached_at: datetime | None
    sla_policy: str | None  # set without a due time: the calendar had no data
    cursor: str


@dataclass(frozen=True)
class Page:
    """Rows of one page and the cursors of the pages around it."""

    rows: list[ListRow]
    next: str | None  # pass as ``after`` for the next page
    previous: str | None  # pass as ``before`` for the previous page


def _name(person):
    """A person's name, or their address when they have none."""
    return func.coalesce(func.nullif(person.name, ""), person.email)


@lru_cache(maxsize=256)
def _page_statement(shape: Plan, dialect: str) -> Select:
    """The rows of a plan with every column a list shows (built once per shape)."""
    chosen = plan_statement(shape, dialect).subquery("page")
    holder, requester = aliased(Person), aliased(Person)
    return (
        select(chosen.c.rank, chosen.c.moment, Ticket.id, Ticket.number, Ticket.subject,
               Ticket.status, Ticket.priority, Ticket.category, Ticket.channel,
               Ticket.created_at, Ticket.updated_at, Ticket.held_since, Ticket.nudge_count,
               ServiceGroup.name, _name(holder), _name(requester), Ticket.version,
               Ticket.due_at, Ticket.sla_breached_at, Ticket.sla_policy)
        .join(Ticket, Ticket.id == chosen.c.id)
        .join(requester, requester.id == Ticket.requester_id)
        .outerjoin(holder, holder.id == Ticket.holder_person_id)
        .outerjoin(ServiceGroup, ServiceGroup.id == Ticket.holder_group_id)
        .order_by(*scan_order(chosen, shape.descending, shape.rank_descending))
    )


def ticket_page(dbsession: Session, settings: HelpdeskSettings, part: Slice,
                filters: ListFilters, size: int = PAGE_SIZE) -> Page:
    """One page of the tickets in ``part``, in the order ``filters`` asks for: one statement."""
    backwards = filters.before is not None
    cursor = Cursor.decode(filters.before if backwards else filters.after)
    planned = plan(part, filters.sort, cursor, backwards, size + 1)
    if planned is None:
        return Page([], None, None)
    shape, params = planned
    connection = dbsession.connection()
    dialect = connection.dialect.name
    result = connection.execute(_page_statement(shape, dialect),
                                plan_parameters(shape, params, dialect)).all()
    more = len(result) > size
    result = result[:size]
    if backwards:
        result.reverse()
    rows = [ListRow(*values, cursor=Cursor(rank, moment, values[0]).encode())
            for rank, moment, *values in result]
    first, last = (rows[0].cursor, rows[-1].cursor) if rows else (None, None)
    if backwards:
        return Page(rows, next=last, previous=first if more else None)
    return Page(rows, next=last if more else None, previous=first if cursor else None)


def _own_holders(scope: Scope) -> tuple[tuple[str, int], ...]:
    """The staff member and each of their groups, as holders."""
    return (("holder_person_id", scope.person_id),
            *(("holder_group_id", group_id) for group_id in scope.group_ids))


def _narrowed(filters: ListFilters, now: datetime, statuses, holders, **fields) -> Slice:
    """A slice with the category, channel and age filters of ``filters``."""
    after, before = age_bounds(filters.age, now)
    return Slice(statuses, filters.priorities, holders, category=filters.category or None,
                 channel=filters.channel or None, created_after=after, created_by=before,
                 **fields)


def inbox_slice(scope: Scope, filters: ListFilters, now: datetime) -> Slice:
    """The inbox: tickets held by the staff member or by one of their groups
    (by one side only when ``filters.held`` says so)."""
    holders = _own_holders(scope)
    if filters.held == "me":
        holders = holders[:1]
    elif filters.held == "groups":
        holders = holders[1:]
    return _narrowed(filters, now, filters.statuses, holders)


def undispatched_slice(filters: ListFilters, now: datetime) -> Slice:
    """New tickets that nobody has taken: first line's queue."""
    return _narrowed(filters, now, (TicketStatus.new,), None, unassigned=True)


def unprocessed_slice(scope: Scope, filters: ListFilters, now: datetime) -> Slice:
    """Unresolved tickets the staff member may see: all of them for supervisors,
    else those of their groups and their own; one group when filtered. The due
    filters keep tickets whose clock runs (a ticket waiting for its requester is
    not late) due by ``now`` (plus :data:`NEAR` for "soon")."""
    if filters.group is not None:
        holders = (("holder_group_id", filters.group),)
    else:
        holders = None if scope.sees_everything else _own_holders(scope)
    if not filters.due:
        return _narrowed(filters, now, filters.statuses, holders)
    statuses = tuple(status for status in filters.statuses if status in RUNNING)
    return _narrowed(filters, now, statuses, holders,
                     due_by=now + NEAR if filters.due == "soon" else now)


@dataclass(frozen=True)
class Counts:
    """The staff home page's numbers (unresolved tickets only)."""

    mine: int
    my_groups: int
    undispatched: int
    unprocessed: int
    due_soon: int  # due within NEAR, or overdue
    overdue: int


@lru_cache(maxsize=4)
def _counts_statement(sees_everything: bool, has_groups: bool) -> Select:
    """Six indexed COUNTs in one statement (values bound: ``person``, ``groups``,
    ``soon`` and ``late``, the due times that count as due soon and overdue)."""
    active = Ticket.status.in_(ACTIVE_STATUSES)
    running = Ticket.status.in_(RUNNING)  # ranges of the (status, due_at) index
    person = Ticket.holder_person_id == bindparam("person")
    groups = Ticket.holder_group_id.in_(bindparam("groups", expanding=True))
    visible = [] if sees_everything else [or_(person, groups) if has_groups else person]

    def count(*conditions):
        return select(func.count()).select_from(Ticket).where(*conditions).scalar_subquery()

    return select(
        count(person, active),
        count(groups, active) if has_groups else literal(0),
        count(Ticket.holder_person_id.is_(None), Ticket.status == TicketStatus.new),
        count(active, *visible),
        count(running, Ticket.due_at <= bindparam("soon", type_=UTCDateTime()), *visible),
        count(running, Ticket.due_at <= bindparam("late", type_=UTCDateTime()), *visible),
    )


def home_counts(dbsession: Session, scope: Scope, now: datetime) -> Counts:
    """Every count of the home page, in one statement."""
    params = {"person": scope.person_id, "soon": now + NEAR, "late": now}
    if scope.group_ids:
        params["groups"] = list(scope.group_ids)
    statement = _counts_statement(scope.sees_everything, bool(scope.group_ids))
    return Counts(*dbsession.connection().execute(statement, params).one())
