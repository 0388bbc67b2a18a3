"""One journalled inbound item: raw content on disk, its fate in the database."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db.meta import Base
from ..db.types import UTCDateTime, utcnow


class IntakeStatus(str, enum.Enum):
    """What became of an inbound item."""

    received = "received"  # journalled; processing has not finished
    processed = "processed"  # became a ticket or a follow-up
    quarantined = "quarantined"  # could not become a ticket: waits for staff
    discarded = "discarded"  # staff decided it needs no ticket (spam, loop...)


class IntakeItem(Base):
    """A raw inbound message and what the helpdesk did with it."""

    __tablename__ = "intake_items"
    __table_args__ = (
        Index("uq_intake_items_channel_key", "channel", "dedupe_key", unique=True),
        Index("ix_intake_items_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    # The sender's identifier (e-mail Message-ID) or "sha256:<digest>" without one.
    dedupe_key: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[IntakeStatus] = mapped_column(
        Enum(IntakeStatus, native_enum=False, length=16, validate_strings=True),
        default=IntakeStatus.received,
    )
    reason: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(String(500), default="")
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
