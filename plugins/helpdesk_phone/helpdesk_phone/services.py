"""Logging a call as a ticket, and the telephone system's announcements of calls.

These functions flush but never commit. The ticket is always created and
finished through the lifecycle service (``request.tickets``), with the staff
member as the actor and the channel ``phone``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from pyramid_helpdesk.groups.models import ServiceGroup
from pyramid_helpdesk.people.models import Person
from pyramid_helpdesk.settings import HelpdeskSettings
from pyramid_helpdesk.sla.calendar import CalendarError
from pyramid_helpdesk.sla.clock import calendar_for
from pyramid_helpdesk.tickets.models import Priority, Ticket
from pyramid_helpdesk.tickets.services import TicketService

from .forms import OUTCOME_DISPATCH, OUTCOME_RESOLVED, CallForm
from .models import PhoneCall
from .numbers import find_caller

#: Announced calls older than this are no longer offered on the console.
PENDING_FOR = timedelta(hours=12)
MAX_PENDING = 50
PAGE_SIZE = 25


def is_after_hours(settings: HelpdeskSettings, instant: datetime) -> bool:
    """Whether ``instant`` falls outside service: the business calendar's periods
    (weekly hours, holidays, make-up working days), or the weekly hours alone on a
    date the calendar has no data for."""
    try:
        return not calendar_for(settings).current().is_open(instant)
    except CalendarError:
        return not settings.service_hours.is_open(instant, settings.timezone)


def log_call(tickets: TicketService, form: CallForm, *, caller: Person, staff: Person,
             call: PhoneCall | None = None) -> PhoneCall:
    """Create the call's ticket for ``caller``, finish it as the form says, and
    record the call (``call``: the announcement being logged, else a new row)."""
    dbsession, settings = tickets.dbsession, tickets.settings
    ticket = tickets.create(
        requester=caller, actor=staff, channel="phone", subject=form.ticket.subject,
        description=form.ticket.description, category=form.ticket.category or None,
        priority=Priority(form.ticket.priority), cc=form.ticket.cc_addresses)
    if form.outcome == OUTCOME_RESOLVED:
        # A staff reply, so that the caller also receives the answer by mail.
        tickets.reply(ticket, body=form.resolution, author=staff)
        tickets.resolve(ticket, actor=staff)
    elif form.outcome == OUTCOME_DISPATCH:
        group = dbsession.get(ServiceGroup, form.group_id) if form.group_id else None
        person = dbsession.get(Person, form.person_id) if form.person_id else None
        tickets.dispatch(ticket, actor=staff, group=group, person=person)
    if call is None:
        call = PhoneCall(caller_number=form.ticket.phone)
        dbsession.add(call)
    started = form.started_at or ticket.created_at
    call.ticket_id, call.caller_id, call.staff_id = ticket.id, caller.id, staff.id
    call.started_at, call.duration_seconds = started, form.duration_seconds
    call.after_hours = is_after_hours(settings, started)
    dbsession.flush()
    return call


def record_incoming(dbsession: Session, *, caller_number: str, called_number: str,
                    now: datetime) -> PhoneCall:
    """Store a call the telephone system announces, its caller looked up by number."""
    person = find_caller(dbsession, caller_number)
    call = PhoneCall(caller_number=caller_number, called_number=called_number,
                     caller=person, received_at=now)
    dbsession.add(call)
    dbsession.flush()
    return call


def take_incoming(call: PhoneCall, staff: Person, now: datetime) -> None:
    """``staff`` answers the announced call (the first taker is kept)."""
    if call.taken_by_id is None:
        call.taken_by_id, call.taken_at = staff.id, now


def pending_incoming(dbsession: Session, now: datetime) -> Sequence[PhoneCall]:
    """Announced calls of the last :data:`PENDING_FOR` not logged yet, newest first."""
    query = (select(PhoneCall)
             .where(PhoneCall.ticket_id.is_(None), PhoneCall.received_at >= now - PENDING_FOR)
             .options(joinedload(PhoneCall.caller), joinedload(PhoneCall.taken_by))
             .order_by(PhoneCall.received_at.desc(), PhoneCall.id.desc())
             .limit(MAX_PENDING))
    return dbsession.scalars(query).all()


@dataclass(frozen=True)
class CallPage:
    """One page of logged calls, newest logged first, and where the next starts."""

    calls: Sequence[PhoneCall]
    next_before: int | None


def logged_calls(dbsession: Session, before: int | None = None,
                 size: int = PAGE_SIZE) -> CallPage:
    """The logged calls with ids below ``before`` (keyset on the primary key)."""
    query = (select(PhoneCall).where(PhoneCall.ticket_id.is_not(None))
             .options(joinedload(PhoneCall.ticket).load_only(
                          Ticket.id, Ticket.number, Ticket.subject, Ticket.status),
                      joinedload(PhoneCall.caller), joinedload(PhoneCall.staff))
             .order_by(PhoneCall.id.desc()).limit(size + 1))
    if before is not None:
        query = query.where(PhoneCall.id < before)
    calls = dbsession.scalars(query).all()
    more = len(calls) > size
    return CallPage(calls[:size], calls[size - 1].id if more else None)
