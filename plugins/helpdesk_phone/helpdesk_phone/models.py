"""One row per telephone call: logged by staff, announced by the telephone system, or both.

A call announced by the telephone system (``POST /phone/incoming``) starts as a
row with ``received_at`` and the number as dialled; taking it from the console
sets ``taken_by``/``taken_at``; logging it sets the ticket and the call's
details. A call logged without an announcement has no ``received_at``.

The table belongs to this plugin; its migration is the core's 0011 (the
helpdesk keeps one migration history), written out in full there.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pyramid_helpdesk.db.meta import Base
from pyramid_helpdesk.db.types import UTCDateTime, utcnow
from pyramid_helpdesk.people.models import Person
from pyramid_helpdesk.tickets.models import Ticket

MAX_NUMBER = 50


class PhoneCall(Base):
    """A telephone call to the service desk."""

    __tablename__ = "phone_calls"
    __table_args__ = (
        # The console's pending announcements (not logged yet, newest first); the
        # ticket's calls.
        Index("ix_phone_calls_pending", "ticket_id", "received_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    caller_number: Mapped[str] = mapped_column(String(MAX_NUMBER), default="")  # as dialled
    called_number: Mapped[str] = mapped_column(String(MAX_NUMBER), default="")
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    after_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket | None] = relationship()
    caller: Mapped[Person | None] = relationship(foreign_keys=[caller_id])
    staff: Mapped[Person | None] = relationship(foreign_keys=[staff_id])
    taken_by: Mapped[Person | None] = relationship(foreign_keys=[taken_by_id])

    @property
    def is_logged(self) -> bool:
        """A ticket was made of this call."""
        return self.ticket_id is not None

    def __repr__(self) -> str:
        return f"<PhoneCall {self.id} ticket={self.ticket_id}>"
