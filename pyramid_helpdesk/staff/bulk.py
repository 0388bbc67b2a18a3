"""Bulk actions on the staff lists: one operation applied to the tickets chosen on a page.

Each chosen ticket is checked on its own: the actor must be allowed to manage it
(its ACL), it must not have changed since the list was shown (its version), and
its status must allow the operation. Each is done in its own savepoint, so a
refused ticket leaves no trace and does not stop the others. The chosen tickets
are loaded in one query.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..errors import StaleTicket, TransitionNotAllowed
from ..groups.models import ServiceGroup
from ..people.models import Person
from ..tickets.models import Ticket
from ..tickets.resources import ticket_acl
from ..tickets.services import TicketService

#: The most tickets one request may act on.
MAX_TICKETS = 100


class Action(str, enum.Enum):
    """What a bulk request does to each chosen ticket."""

    dispatch = "dispatch"
    take = "take"
    resolve = "resolve"


class Refusal(str, enum.Enum):
    """Why one chosen ticket was left as it was."""

    changed = "changed"  # its version is not the one the list showed
    status = "status"  # its status does not allow the operation
    not_yours = "not_yours"  # the actor may not manage it (or there is no such ticket)


@dataclass(frozen=True)
class BulkAction:
    """A bulk request, parsed: the operation, its target, and each ticket's shown version."""

    action: Action
    versions: dict[str, int]  # ticket number -> the version the list showed
    group: ServiceGroup | None = None
    person: Person | None = None


@dataclass
class Outcome:
    """What a bulk request did: the numbers done, and the refused ones with why."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, Refusal]] = field(default_factory=list)


class _ManagedTicket:
    """A ticket as a security context: its own ACL, without the outside
    authorisations (they never grant ``ticket.manage``)."""

    def __init__(self, ticket: Ticket):
        self.__acl__ = ticket_acl(ticket, [])


def may_manage(request, ticket: Ticket) -> bool:
    """Whether the signed-in person may manage ``ticket`` (its ACL, not the page's)."""
    return bool(request.has_permission("ticket.manage", _ManagedTicket(ticket)))


def load_tickets(dbsession: Session, numbers: Iterable[str]) -> dict[str, Ticket]:
    """The tickets with these numbers, by number, with the CCs their ACL reads: one query."""
    tickets = dbsession.scalars(
        select(Ticket).where(Ticket.number.in_(list(numbers))).options(joinedload(Ticket.cc))
    ).unique()
    return {ticket.number: ticket for ticket in tickets}


def apply(dbsession: Session, tickets: TicketService, actor: Person, bulk: BulkAction,
          may_manage: Callable[[Ticket], bool]) -> Outcome:
    """Do ``bulk`` to each ticket ``may_manage`` allows, each in its own savepoint."""
    outcome = Outcome()
    found = load_tickets(dbsession, bulk.versions)
    with tickets.batch_lookups():
        for number, version in bulk.versions.items():
            ticket = found.get(number)
            if ticket is None or not may_manage(ticket):
                outcome.refused.append((number, Refusal.not_yours))
                continue
            try:
                with dbsession.begin_nested():
                    _operate(tickets, ticket, actor, bulk, version)
            except StaleTicket:
                outcome.refused.append((number, Refusal.changed))
            except TransitionNotAllowed:
                outcome.refused.append((number, Refusal.status))
            else:
                outcome.done.append(number)
    return outcome


def _operate(tickets: TicketService, ticket: Ticket, actor: Person, bulk: BulkAction,
             version: int) -> None:
    if bulk.action is Action.dispatch:
        tickets.dispatch(ticket, actor=actor, group=bulk.group, person=bulk.person,
                         expected_version=version)
    elif bulk.action is Action.take:
        tickets.take(ticket, actor=actor, expected_version=version)
    else:
        tickets.resolve(ticket, actor=actor, expected_version=version)
