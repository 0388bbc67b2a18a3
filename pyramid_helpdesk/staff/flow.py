"""A ticket's flow as a chain of holders, computed from its events.

Every event that gives the ticket a holder (``created``, ``dispatched``,
``taken``, ``forwarded`` to a group or person) starts a *holding*, which lasts
until the next one. A holding's ``held_for`` counts only the time the ticket
was unresolved: resolving stops the clock, a reopening starts it again (the last
holding of a resolved or closed ticket ends there). Nudges
are counted against the holding during which they were sent; a forward to an
outside address does not change the holder and is listed with the holding.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..groups.models import ServiceGroup
from ..people.models import Person
from ..tickets.models import ACTIVE_STATUSES, EventKind, TicketEvent

MOVES = (EventKind.created, EventKind.dispatched, EventKind.taken, EventKind.forwarded)


@dataclass
class Holding:
    """One holder's time with the ticket."""

    group_id: int | None
    person_id: int | None
    since: datetime
    given_by: EventKind
    actor: str | None
    until: datetime | None = None  # None: holds it still
    ended_by: EventKind | None = None  # resolved or closed: the work on it stopped
    held_for: timedelta = timedelta()
    nudges: int = 0
    outside_addresses: list[str] = field(default_factory=list)
    group: str | None = None
    person: str | None = None


def holder_chain(events: Sequence[TicketEvent], now: datetime) -> list[Holding]:
    """The holdings of a ticket, oldest first, from its events (oldest first)."""
    chain: list[Holding] = []
    running_since: datetime | None = None
    stopped: TicketEvent | None = None  # the event that resolved or closed it
    for event in events:
        moment = event.created_at
        current = chain[-1] if chain else None
        if event.kind in MOVES and event.to_address is None:
            if current is not None:
                current.until = moment
                if running_since is not None:
                    current.held_for += moment - running_since
                    running_since = moment
            chain.append(Holding(event.to_group_id, event.to_person_id, moment, event.kind,
                                 event.actor.display_name if event.actor else None))
            current = chain[-1]
        elif current is None:
            continue  # a draft's events, before it was created
        elif event.kind is EventKind.nudged:
            current.nudges += 1
        elif event.to_address is not None:
            current.outside_addresses.append(event.to_address)
        if event.to_status is not None:
            active = event.to_status in ACTIVE_STATUSES
            stopped = None if active else stopped or event
            if active and running_since is None:
                running_since = moment
            elif not active and running_since is not None:
                current.held_for += moment - running_since
                running_since = None
    if chain and running_since is not None:
        chain[-1].held_for += now - running_since
    elif chain and stopped is not None:
        chain[-1].until, chain[-1].ended_by = stopped.created_at, stopped.kind
    return chain


def name_holders(dbsession: Session, chain: Iterable[Holding]) -> None:
    """Fill in the group and person names of ``chain`` (two statements at most)."""
    chain = list(chain)
    group_ids = {h.group_id for h in chain if h.group_id is not None}
    person_ids = {h.person_id for h in chain if h.person_id is not None}
    groups = dict(dbsession.execute(
        select(ServiceGroup.id, ServiceGroup.name).where(ServiceGroup.id.in_(group_ids))
    ).all()) if group_ids else {}
    people = {person.id: person.display_name for person in dbsession.scalars(
        select(Person).where(Person.id.in_(person_ids)))} if person_ids else {}
    for holding in chain:
        holding.group = groups.get(holding.group_id)
        holding.person = people.get(holding.person_id)
