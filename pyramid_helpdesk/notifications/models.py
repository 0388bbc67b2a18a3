"""The outbox: notifications written with the change, delivered after commit."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db.meta import Base
from ..db.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from ..tickets.models import Ticket


class DeliveryStatus(str, enum.Enum):
    """Where a notification is on its way out."""

    pending = "pending"
    sent = "sent"
    failed = "failed"  # gave up after the configured number of attempts


class Notification(Base):
    """One message for one recipient through one notifier backend."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_due", "status", "next_attempt_at", "id"),
        # How many automatic replies went to one address lately (loop and flood limits).
        Index("ix_notifications_recipient_kind_created", "recipient", "kind", "created_at"),
        # A backend's delivery log (webhooks), newest first.
        Index("ix_notifications_notifier_id", "notifier", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notifier: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, native_enum=False, length=16, validate_strings=True),
        default=DeliveryStatus.pending,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # What orders a flush: a new ticket's INSERT before its notifications'.
    ticket: Mapped[Ticket | None] = relationship()


class NotificationAttempt(Base):
    """One try at delivering one notification: when, whether it worked, what came back."""

    __tablename__ = "notification_attempts"
    __table_args__ = (
        Index("ix_notification_attempts_notification_id_id", "notification_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    #: What the backend reported (``HTTP 200``, ``250 OK``) or the error, shortened.
    outcome: Mapped[str] = mapped_column(String(500), default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
