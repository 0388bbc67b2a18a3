"""My tickets: those a person requested and those they are CC'd on, a page at a time.

One SQL statement per page, whatever the person's number of tickets. Each side
("requested", "CC'd") is an index range scan that stops after a page: the
requester's tickets on ``ix_tickets_requester_status_id`` or
``ix_tickets_requester_id_id``, the CC entries on ``ix_ticket_cc_email_ticket_id``,
each limited to a page plus one row; the union of the two is cut to a page and
joined to the holder group. Pages are keyed by ticket id (``before`` an id for
older tickets, ``after`` an id for newer ones), never by offset.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import or_, select, union
from sqlalchemy.orm import Session

from pyramid_helpdesk.groups.models import ServiceGroup
from pyramid_helpdesk.people.models import Person
from pyramid_helpdesk.tickets.models import ACTIVE_STATUSES, Ticket, TicketCC, TicketStatus

PAGE_SIZE = 25
MAX_SEARCH = 100

S = TicketStatus
STATUS_FILTERS: dict[str, tuple[TicketStatus, ...]] = {
    "all": (S.new, S.open, S.pending, S.resolved, S.closed),
    "open": ACTIVE_STATUSES,
    "resolved": (S.resolved,),
    "closed": (S.closed,),
}
ROLES = ("both", "requested", "cc")


MAX_ID = 2**31 - 1  # ticket ids are 32-bit integers


def _id(value: Any) -> int | None:
    """A ticket id from the query string, or ``None`` for anything else."""
    if not (isinstance(value, str) and value.isdecimal()):
        return None
    return int(value) if int(value) <= MAX_ID else None


@dataclass(frozen=True)
class Filters:
    """What the list shows: status group, role, search text, and the page's key."""

    status: str = "all"
    role: str = "both"
    search: str = ""
    before: int | None = None
    after: int | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> "Filters":
        """Read the query string; unknown values fall back to the defaults."""
        status = params.get("status", "")
        role = params.get("role", "")
        before, after = _id(params.get("before")), _id(params.get("after"))
        return cls(
            status=status if status in STATUS_FILTERS else "all",
            role=role if role in ROLES else "both",
            search=" ".join(params.get("q", "").replace("\x00", "").split())[:MAX_SEARCH],
            before=before,
            after=after if before is None else None,
        )

    def query(self, **changes: Any) -> dict[str, str]:
        """The query string of these filters with ``changes`` (defaults left out)."""
        changed = replace(self, **changes)
        values = {"status": changed.status, "role": changed.role, "q": changed.search,
                  "before": changed.before, "after": changed.after}
        defaults = {"status": "all", "role": "both", "q": "", "before": None, "after": None}
        return {key: str(value) for key, value in values.items() if value != defaults[key]}


@dataclass(frozen=True)
class Row:
    """One line of the list."""

    id: int
    number: str
    subject: str
    status: TicketStatus
    group: str | None
    updated_at: datetime
    requested: bool  # False: the person is CC'd on it


@dataclass(frozen=True)
class Page:
    """A page of rows, newest first, and the keys of the pages around it."""

    rows: list[Row]
    older: int | None  # pass as ``before`` to see older tickets
    newer: int | None  # pass as ``after`` to see newer tickets


def my_tickets(dbsession: Session, person: Person, filters: Filters,
               page_size: int = PAGE_SIZE) -> Page:
    """One page of the person's tickets (never drafts) that match ``filters``."""
    forward = filters.after is None  # newest first; else walking up from ``after``
    # "all" is written "not a draft": the planner can then walk (requester_id, id) backwards.
    wanted = Ticket.status != S.draft if filters.status == "all" \
        else Ticket.status.in_(STATUS_FILTERS[filters.status])

    def bounded(query, key):
        if filters.before is not None:
            query = query.where(key < filters.before)
        if filters.after is not None:
            query = query.where(key > filters.after)
        if filters.search:
            query = query.where(or_(Ticket.subject.icontains(filters.search, autoescape=True),
                                    Ticket.number.icontains(filters.search, autoescape=True)))
        return query.order_by(key.desc() if forward else key.asc()).limit(page_size + 1)

    sides = []
    if filters.role in ("both", "requested"):
        sides.append(bounded(
            select(Ticket.id.label("id"))
            .where(Ticket.requester_id == person.id, wanted),
            Ticket.id))
    if filters.role in ("both", "cc"):
        sides.append(bounded(
            select(TicketCC.ticket_id.label("id"))
            .join(Ticket, Ticket.id == TicketCC.ticket_id)
            .where(TicketCC.email == person.email.lower(), wanted),
            TicketCC.ticket_id))
    ids = union(*(select(side.subquery().c.id) for side in sides)).subquery() \
        if len(sides) > 1 else sides[0].subquery()
    chosen = select(ids.c.id).order_by(ids.c.id.desc() if forward else ids.c.id.asc()) \
        .limit(page_size + 1).subquery()
    result = dbsession.execute(
        select(Ticket.id, Ticket.number, Ticket.subject, Ticket.status,
               ServiceGroup.name, Ticket.updated_at, Ticket.requester_id)
        .join(chosen, chosen.c.id == Ticket.id)
        .outerjoin(ServiceGroup, ServiceGroup.id == Ticket.holder_group_id)
        .order_by(Ticket.id.desc() if forward else Ticket.id.asc())
    ).all()
    more = len(result) > page_size
    result = result[:page_size]
    if not forward:
        result.reverse()
    rows = [Row(r[0], r[1], r[2], r[3], r[4], r[5], r[6] == person.id) for r in result]
    first, last = (rows[0].id, rows[-1].id) if rows else (None, None)
    if forward:
        return Page(rows, older=last if more else None,
                    newer=first if filters.before is not None else None)
    return Page(rows, older=last, newer=first if more else None)
