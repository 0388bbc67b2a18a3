"""Delivering the outbox after commit: ``helpdesk worker`` calls :func:`deliver_due`.

Rows are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL), so
several workers never deliver one row twice; each row is delivered by its own
notifier, isolated from the others, and a failure is retried with exponential
back-off until ``helpdesk.worker.max_attempts`` (at once failed for a
:class:`PermanentDeliveryError`). Every attempt is recorded as a
:class:`~.models.NotificationAttempt` with its outcome.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Mapping, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.types import utcnow
from .models import DeliveryStatus, Notification, NotificationAttempt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMessage:
    """What a notifier is asked to deliver (a plain copy of the outbox row)."""

    id: int
    kind: str
    recipient: str
    subject: str
    body: str
    ticket_id: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


class Notifier(Protocol):
    """A notification backend registered through ``helpdesk_register_notifiers``."""

    name: str

    def deliver(self, message: OutgoingMessage) -> str | None:
        """Send ``message``; raise any exception to have it retried later.

        May return a short text of what the receiving end answered (``HTTP 200``,
        ``250 OK``): it is kept as the attempt's outcome."""


class PermanentDeliveryError(Exception):
    """Raised by a notifier when trying again cannot help (the receiver refused the
    message for good): the row is marked failed at once, without further retries."""


@dataclass
class DeliveryReport:
    """What one :func:`deliver_due` pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed


def backoff_delay(attempts: int, base: timedelta) -> timedelta:
    """The wait before retry number ``attempts``: base, 2x, 4x... capped at one day."""
    return min(base * (2 ** max(attempts - 1, 0)), timedelta(days=1))


def deliver_due(
    dbsession: Session,
    notifiers: Mapping[str, Notifier],
    *,
    batch_size: int,
    max_attempts: int,
    backoff: timedelta,
    now: datetime | None = None,
) -> DeliveryReport:
    """Deliver up to ``batch_size`` due notifications inside the caller's transaction."""
    now = now or utcnow()
    rows = dbsession.scalars(
        select(Notification)
        .where(Notification.status == DeliveryStatus.pending, Notification.next_attempt_at <= now)
        .order_by(Notification.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    ).all()
    report = DeliveryReport()
    for row in rows:
        started = time.monotonic()
        succeeded, outcome = _deliver_one(row, notifiers.get(row.notifier), report,
                                          max_attempts, backoff, now)
        dbsession.add(NotificationAttempt(
            notification_id=row.id, attempted_at=now, succeeded=succeeded,
            outcome=outcome[:500], duration_ms=round((time.monotonic() - started) * 1000)))
    dbsession.flush()
    return report


def _deliver_one(row, notifier, report, max_attempts, backoff, now) -> tuple[bool, str]:
    """Deliver one row and record the result on it; never raises. Returns whether it
    was delivered and the outcome: what the notifier returned, or the error."""
    row.attempts += 1
    try:
        if notifier is None:
            raise LookupError(f"notifier {row.notifier!r} is not active")
        answer = notifier.deliver(
            OutgoingMessage(
                id=row.id, kind=row.kind, recipient=row.recipient, subject=row.subject,
                body=row.body, ticket_id=row.ticket_id, data=dict(row.data or {}),
            )
        )
    except Exception as exc:  # one failing backend must never stop the others
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if row.attempts >= max_attempts or isinstance(exc, PermanentDeliveryError):
            row.status = DeliveryStatus.failed
            report.failed += 1
            log.error("notification %s to %s via %s failed for good: %s",
                      row.id, row.recipient, row.notifier, row.last_error)
        else:
            row.next_attempt_at = now + backoff_delay(row.attempts, backoff)
            report.retried += 1
            log.warning("notification %s via %s failed (attempt %s), retrying at %s: %s",
                        row.id, row.notifier, row.attempts, row.next_attempt_at, row.last_error)
        return False, row.last_error
    row.status = DeliveryStatus.sent
    row.sent_at = now
    row.last_error = None
    report.sent += 1
    return True, str(answer) if answer is not None else ""
