"""The delivery log: the webhook rows of the outbox, their attempts, and retrying one.

A page is one statement for the rows (newest first, keyed on the id: the index
``notifications(notifier, id)``) and one for their attempts' count and last outcome
(the index ``notification_attempts(notification_id, id)``), whatever the size of
the outbox.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pyramid_helpdesk.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationAttempt,
)
from pyramid_helpdesk.tickets.models import Ticket

from .settings import ENDPOINT_NAME, EVENTS, NOTIFIER

PAGE_SIZE = 25
MAX_ID_DIGITS = 18


def _id(raw: str | None) -> int | None:
    """A row id from the query string, or ``None`` for anything else."""
    return int(raw) if raw and raw.isdecimal() and len(raw) <= MAX_ID_DIGITS else None


@dataclass(frozen=True)
class Filters:
    """What the log shows: one endpoint, status and event, or all (unknown values of
    the query string count as "all")."""

    endpoint: str | None = None
    status: DeliveryStatus | None = None
    event: str | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> "Filters":
        endpoint = params.get("endpoint") or None
        status = params.get("status") or None
        event = params.get("event") or None
        return cls(
            endpoint=endpoint if endpoint and ENDPOINT_NAME.fullmatch(endpoint) else None,
            status=DeliveryStatus(status) if status in DeliveryStatus.__members__ else None,
            event=event if event in EVENTS else None,
        )

    @property
    def is_filtered(self) -> bool:
        return any((self.endpoint, self.status, self.event))

    def query(self, **page: Any) -> dict[str, Any]:
        """The query string of this view (plus ``page``: ``before`` or ``after``)."""
        values = {"endpoint": self.endpoint, "event": self.event,
                  "status": self.status.value if self.status else None, **page}
        return {key: value for key, value in values.items() if value is not None}


@dataclass
class Delivery:
    """One row of the log."""

    notification: Notification
    ticket_number: str | None
    attempts: int = 0
    last_outcome: str = ""
    last_succeeded: bool | None = None


@dataclass
class Page:
    """A page of the log; ``older``/``newer`` key the next and previous pages."""

    deliveries: list[Delivery] = field(default_factory=list)
    older: int | None = None
    newer: int | None = None


def delivery_page(dbsession: Session, filters: Filters, before: str | None = None,
                  after: str | None = None, size: int = PAGE_SIZE) -> Page:
    """The webhook deliveries, newest first: those older than ``before``, else those
    just newer than ``after``, else the newest."""
    before_id, after_id = _id(before), _id(after)
    query = (select(Notification, Ticket.number)
             .outerjoin(Ticket, Ticket.id == Notification.ticket_id)
             .where(Notification.notifier == NOTIFIER))
    if filters.endpoint:
        query = query.where(Notification.recipient == filters.endpoint)
    if filters.status:
        query = query.where(Notification.status == filters.status)
    if filters.event:
        query = query.where(Notification.kind == filters.event)
    if after_id is not None and before_id is None:
        found = dbsession.execute(query.where(Notification.id > after_id)
                                  .order_by(Notification.id).limit(size + 1)).all()
        more_newer = len(found) > size
        found = list(reversed(found[:size]))
        page = Page(older=found[-1][0].id if found else None,
                    newer=found[0][0].id if found and more_newer else None)
    else:
        if before_id is not None:
            query = query.where(Notification.id < before_id)
        found = dbsession.execute(query.order_by(Notification.id.desc()).limit(size + 1)).all()
        more_older = len(found) > size
        found = found[:size]
        page = Page(older=found[-1][0].id if found and more_older else None,
                    newer=found[0][0].id if found and before_id is not None else None)
    page.deliveries = [Delivery(notification, number) for notification, number in found]
    _add_attempts(dbsession, page.deliveries)
    return page


def _add_attempts(dbsession: Session, deliveries: list[Delivery]) -> None:
    """Each delivery's number of attempts and its last attempt's outcome."""
    if not deliveries:
        return
    summary = (select(NotificationAttempt.notification_id,
                      func.count().label("attempts"),
                      func.max(NotificationAttempt.id).label("last_id"))
               .where(NotificationAttempt.notification_id.in_(
                   [d.notification.id for d in deliveries]))
               .group_by(NotificationAttempt.notification_id)
               .subquery())
    rows = dbsession.execute(
        select(summary.c.notification_id, summary.c.attempts,
               NotificationAttempt.outcome, NotificationAttempt.succeeded)
        .join(NotificationAttempt, NotificationAttempt.id == summary.c.last_id)).all()
    by_id = {row.notification_id: row for row in rows}
    for delivery in deliveries:
        row = by_id.get(delivery.notification.id)
        if row is not None:
            delivery.attempts = row.attempts
            delivery.last_outcome = row.outcome
            delivery.last_succeeded = row.succeeded


def find_delivery(dbsession: Session, raw_id: str) -> Notification | None:
    """The webhook delivery with this id, or ``None``."""
    delivery_id = _id(raw_id)
    row = dbsession.get(Notification, delivery_id) if delivery_id is not None else None
    return row if row is not None and row.notifier == NOTIFIER else None


def attempts_of(dbsession: Session, notification: Notification) -> list[NotificationAttempt]:
    """Every attempt at ``notification``, the first first."""
    return list(dbsession.scalars(
        select(NotificationAttempt)
        .where(NotificationAttempt.notification_id == notification.id)
        .order_by(NotificationAttempt.id)))


def retry(notification: Notification, now: datetime) -> bool:
    """Make a failed delivery pending again, due now, with a fresh round of attempts
    and back-off (its past attempts stay in the log). False if it had not failed."""
    if notification.status is not DeliveryStatus.failed:
        return False
    notification.status = DeliveryStatus.pending
    notification.attempts = 0
    notification.next_attempt_at = now
    return True
