"""The worker's check of service-level targets: a warning before each due time, a
breach at it, each recorded and fired once.

Only tickets whose clock runs (``new``, ``open``) are checked: a ticket waiting
for the requester is not warned. Each pass takes bounded batches in due order
through the ``(status, due_at)`` and ``(status, first_response_due_at)`` indexes.
On PostgreSQL the rows are locked ``FOR UPDATE SKIP LOCKED``, so two workers
never fire for the same ticket; SQLite serialises writers. The marks are written
without raising the ticket's version: a warning is not a change a staff member
editing the ticket needs to be told about.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..notifications.services import Outbox
from ..plugin.context import HookContext
from ..tickets.models import EventKind, Ticket, TicketEvent, TicketStatus
from .calendar import CalendarError

log = logging.getLogger(__name__)

RUNNING = (TicketStatus.new, TicketStatus.open)
RESOLUTION, FIRST_RESPONSE = "resolution", "first_response"
#: Tickets taken per statement.
BATCH = 100


@dataclass
class CheckReport:
    """How many warnings and breaches one check fired."""

    warnings: int = 0
    breaches: int = 0


def warning_horizon(calendar, now: datetime, warning: timedelta) -> datetime:
    """Tickets due at or before this instant are warned now: ``warning`` of business
    time from ``now`` (wall-clock time when the calendar does not know: never earlier)."""
    try:
        return calendar.add(now, warning)
    except CalendarError as error:
        log.error("SLA warnings use wall-clock time: %s", error)
        return now + warning


def _candidates(dbsession: Session, target: str, kind: EventKind, until: datetime,
                after: datetime | None, batch: int) -> list[Ticket]:
    """Running tickets of ``target`` due by ``until`` (after ``after``) not yet marked
    with ``kind``, locked (PostgreSQL, skipping those another worker holds)."""
    due = Ticket.due_at if target == RESOLUTION else Ticket.first_response_due_at
    conditions = [Ticket.status.in_(RUNNING), due <= until]
    if after is not None:
        conditions.append(due > after)
    if target == FIRST_RESPONSE:
        conditions.append(Ticket.first_response_at.is_(None))
    if target == RESOLUTION:
        mark = Ticket.sla_warned_at if kind is EventKind.sla_warning else Ticket.sla_breached_at
        conditions.append(mark.is_(None))
    elif kind is EventKind.sla_breached:
        conditions.append(Ticket.first_response_breached_at.is_(None))
    else:  # no column for it: the event itself is the mark
        conditions.append(~exists().where(
            TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == EventKind.sla_warning,
            TicketEvent.detail["target"].as_string() == FIRST_RESPONSE))
    ids = dbsession.scalars(select(Ticket.id).where(*conditions).order_by(due, Ticket.id)
                            .limit(batch).with_for_update(skip_locked=True)).all()
    if not ids:
        return []
    return list(dbsession.scalars(select(Ticket).where(Ticket.id.in_(ids)).order_by(due)))


def _mark(dbsession: Session, ticket: Ticket, column: str, now: datetime) -> None:
    """Set one mark, keeping the ticket's version (and the object in step)."""
    dbsession.execute(update(Ticket).where(Ticket.id == ticket.id).values({column: now})
                      .execution_options(synchronize_session=False))
    set_committed_value(ticket, column, now)


MARKS = {
    (RESOLUTION, EventKind.sla_warning): "sla_warned_at",
    (RESOLUTION, EventKind.sla_breached): "sla_breached_at",
    (FIRST_RESPONSE, EventKind.sla_breached): "first_response_breached_at",
}


def _fire(dbsession, plugins, context: HookContext, ticket: Ticket, target: str,
          kind: EventKind) -> None:
    """Record the event, set the mark, call the hook."""
    due_at = ticket.due_at if target == RESOLUTION else ticket.first_response_due_at
    event = TicketEvent(ticket_id=ticket.id, kind=kind, created_at=context.now,
                        detail={"target": target, "due_at": due_at.isoformat()})
    dbsession.add(event)
    column = MARKS.get((target, kind))
    if column is not None:
        _mark(dbsession, ticket, column, context.now)
    dbsession.flush()
    hook = (plugins.hook.helpdesk_sla_warning if kind is EventKind.sla_warning
            else plugins.hook.helpdesk_sla_breached)
    hook(ticket=ticket, target=target, due_at=due_at, event=event, helpdesk=context)


def check_targets(dbsession: Session, calendar, settings, plugins, now: datetime,
                  batch: int = BATCH) -> CheckReport:
    """Fire the warnings and breaches due at ``now``, up to ``batch`` of each kind and
    target per call (call again while it reports work). Flushes, never commits."""
    context = HookContext(dbsession, settings, Outbox(dbsession, plugins.notifiers), now)
    horizon = warning_horizon(calendar, now, settings.sla_warning_before)
    report = CheckReport()
    for target in (RESOLUTION, FIRST_RESPONSE):
        for ticket in _candidates(dbsession, target, EventKind.sla_breached, now, None, batch):
            _fire(dbsession, plugins, context, ticket, target, EventKind.sla_breached)
            report.breaches += 1
        for ticket in _candidates(dbsession, target, EventKind.sla_warning, horizon, now, batch):
            _fire(dbsession, plugins, context, ticket, target, EventKind.sla_warning)
            report.warnings += 1
    return report
