"""The service-level clock: each ticket's policy and due times, kept by event hooks.

A core default plugin. A new ticket gets the first policy of
``helpdesk.sla.targets`` that matches it, and its due times are that policy's
targets of business time after its creation (the business calendar starts an
after-hours ticket's clock at the next opening). The clock runs while the ticket
is ``new`` or ``open``; it stops while the ticket waits for the requester
(``pending``: ``sla_paused_since``) and once it is resolved, and runs again when
it reopens, the due times moved on by the business time it was stopped.

The business time a ticket has run is computed from its events (the status
changes), so it never depends on a running total: it is stored when the first
staff reply comes (``first_response_business_seconds``) and at resolution
(``resolution_business_seconds``, cleared by a reopening). A change of priority,
category or holding group chooses the policy again and places the due times from
the time already run.

When the calendar cannot tell (:class:`~.calendar.CalendarUnknown`: a year whose
holidays are not published, or a desk that never opens), the due time is left
empty and an error is logged: the clock never guesses. Staff pages show "no
calendar data" for such a ticket; the check ignores it.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import hookimpl
from ..groups.models import ServiceGroup
from ..tickets.models import EventKind, Priority, Ticket, TicketEvent, TicketStatus
from .calendar import CalendarError, LiveCalendar
from .policies import Policy

log = logging.getLogger(__name__)

S = TicketStatus
#: The statuses in which the clock runs; in any other it is stopped.
RUNNING = (S.new, S.open)
_calendars: dict[int, tuple[object, LiveCalendar]] = {}


def calendar_for(settings) -> LiveCalendar:
    """The business calendar of ``settings`` (built once per settings object: hooks
    and the worker get the settings, not the Pyramid registry)."""
    found = _calendars.get(id(settings))
    if found is None or found[0] is not settings:
        if len(_calendars) > 16:  # test suites build many apps
            _calendars.clear()
        found = _calendars[id(settings)] = (settings, LiveCalendar.from_settings(settings))
    return found[1]


def choose_policy(ticket: Ticket, settings, dbsession: Session) -> Policy:
    """The first policy of ``helpdesk.sla.targets`` that matches the ticket now."""
    policies = settings.sla_targets
    group = None
    if policies.uses_groups and ticket.holder_group_id is not None:
        group = dbsession.get(ServiceGroup, ticket.holder_group_id).name
    return policies.choose(Priority(ticket.priority).value, ticket.category, group)


def running_time(ticket: Ticket, calendar, dbsession: Session, until: datetime) -> timedelta:
    """The business time the ticket's clock ran from its creation to ``until``:
    while ``new`` or ``open``, read from its status changes."""
    changes = dbsession.execute(
        select(TicketEvent.created_at, TicketEvent.to_status)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.to_status.is_not(None))
        .order_by(TicketEvent.id)).all()
    total = timedelta(0)
    since: datetime | None = ticket.created_at
    for at, status in changes:
        if at > until or at < ticket.created_at:  # later, or a draft's life before it
            continue
        if status in RUNNING and since is None:
            since = at
        elif status not in RUNNING and status is not S.draft and since is not None:
            total += calendar.between(since, at)
            since = None
    if since is not None:
        total += calendar.between(since, until)
    return total


def _due(calendar, at: datetime, remaining: timedelta) -> datetime:
    """``remaining`` business time after ``at``; when negative, that much before it."""
    if remaining >= timedelta(0):
        return calendar.add(at, remaining)
    return calendar.subtract(at, -remaining)


def _place(ticket: Ticket, policy: Policy, calendar, at: datetime, elapsed: timedelta) -> None:
    """Set the due times of a ticket whose clock has run ``elapsed`` by ``at``."""
    ticket.sla_policy = policy.name
    ticket.due_at = _due(calendar, at, policy.resolution - elapsed)
    if policy.first_response is None:
        ticket.first_response_due_at = None
    elif ticket.first_response_at is None:
        ticket.first_response_due_at = _due(calendar, at, policy.first_response - elapsed)


def _unknown(ticket: Ticket, error: CalendarError) -> None:
    """No due time: the calendar cannot say (logged; the staff pages say so)."""
    log.error("ticket %s has no due time: %s", ticket.number, error)
    ticket.due_at = ticket.first_response_due_at = None


def _replace(ticket: Ticket, helpdesk, policy: Policy | None = None) -> None:
    """Choose the policy again and place the due times from the time already run."""
    settings, dbsession = helpdesk.settings, helpdesk.dbsession
    policy = policy or choose_policy(ticket, settings, dbsession)
    current = settings.sla_targets.named(ticket.sla_policy)
    if current == policy and ticket.due_at is not None:
        return
    if not ticket.status.is_active:
        ticket.sla_policy = policy.name
        return
    calendar = calendar_for(settings)
    try:
        _place(ticket, policy, calendar, helpdesk.now,
               running_time(ticket, calendar, dbsession, helpdesk.now))
    except CalendarError as error:
        ticket.sla_policy = policy.name
        _unknown(ticket, error)


@hookimpl
def helpdesk_ticket_created(ticket, event, helpdesk):
    """Give a new ticket its policy and due times."""
    policy = choose_policy(ticket, helpdesk.settings, helpdesk.dbsession)
    ticket.sla_policy = policy.name
    try:
        _place(ticket, policy, calendar_for(helpdesk.settings), ticket.created_at, timedelta(0))
    except CalendarError as error:
        _unknown(ticket, error)


@hookimpl
def helpdesk_ticket_status_changed(ticket, event, helpdesk):
    """Stop the clock while the ticket waits or is resolved; run it again after."""
    before, after = event.from_status, event.to_status
    if after is S.pending and ticket.sla_paused_since is None:
        ticket.sla_paused_since = helpdesk.now
    elif before is S.pending and after is not S.pending:
        ticket.sla_paused_since = None
    calendar = calendar_for(helpdesk.settings)
    try:
        if after is S.resolved:
            elapsed = running_time(ticket, calendar, helpdesk.dbsession, helpdesk.now)
            ticket.resolution_business_seconds = int(elapsed.total_seconds())
        elif after in RUNNING and before not in RUNNING:
            if before is S.resolved:
                ticket.resolution_business_seconds = None
            policy = choose_policy(ticket, helpdesk.settings, helpdesk.dbsession)
            _place(ticket, policy, calendar, helpdesk.now,
                   running_time(ticket, calendar, helpdesk.dbsession, helpdesk.now))
    except CalendarError as error:
        _unknown(ticket, error)


@hookimpl
def helpdesk_message_added(ticket, message, event, helpdesk):
    """At the first staff reply, store the business time it took."""
    if (event.kind is not EventKind.replied or ticket.first_response_business_seconds is not None
            or ticket.first_response_at is None or ticket.first_response_at != message.created_at):
        return
    calendar = calendar_for(helpdesk.settings)
    try:
        elapsed = running_time(ticket, calendar, helpdesk.dbsession, message.created_at)
    except CalendarError as error:
        log.error("ticket %s: first response time unknown: %s", ticket.number, error)
        return
    ticket.first_response_business_seconds = int(elapsed.total_seconds())


@hookimpl
def helpdesk_ticket_changed(ticket, event, changes, helpdesk):
    """A new priority or category may bring another policy."""
    _replace(ticket, helpdesk)


@hookimpl
def helpdesk_ticket_edited(ticket, event, changes, helpdesk):
    """The requester changed the category: the policy may change."""
    if "category" in changes:
        _replace(ticket, helpdesk)


@hookimpl
def helpdesk_ticket_assigned(ticket, event, helpdesk):
    """Another holding group may bring another policy."""
    if event.from_group_id != event.to_group_id and helpdesk.settings.sla_targets.uses_groups:
        _replace(ticket, helpdesk)


@hookimpl
def helpdesk_ticket_forwarded(ticket, event, helpdesk):
    """As :func:`helpdesk_ticket_assigned`, for a forward to another group."""
    helpdesk_ticket_assigned(ticket=ticket, event=event, helpdesk=helpdesk)
