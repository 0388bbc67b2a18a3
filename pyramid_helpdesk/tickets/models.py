"""Tickets, their conversation, their CC list, outside authorisations and events."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from ..attachments.models import Attachment
from ..db.meta import Base
from ..db.types import UTCDateTime, utcnow
from ..groups.models import ServiceGroup
from ..people.models import Person


def _enum(cls: type[enum.Enum], length: int = 20) -> Enum:
    """A portable (VARCHAR + validation) column type for a Python enum."""
    return Enum(cls, native_enum=False, length=length, validate_strings=True)


class TicketStatus(str, enum.Enum):
    """Where a ticket is in its lifecycle."""

    draft = "draft"  # saved by its requester, not yet submitted: no number, nobody sees it
    new = "new"  # submitted, not yet dispatched: in the first-line queue
    open = "open"  # held by a group and/or a person
    pending = "pending"  # waiting for the requester
    resolved = "resolved"  # solved; a requester reply reopens it
    closed = "closed"  # final

    @property
    def is_active(self) -> bool:
        """New, open and pending tickets still need work."""
        return self in (TicketStatus.new, TicketStatus.open, TicketStatus.pending)


ACTIVE_STATUSES = (TicketStatus.new, TicketStatus.open, TicketStatus.pending)


class Priority(str, enum.Enum):
    """How urgent a ticket is."""

    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class MessageKind(str, enum.Enum):
    """Who may read a message."""

    public = "public"  # the requester, CCs and staff
    internal = "internal"  # staff only
    system = "system"  # written by the helpdesk itself, public


class Ticket(Base):
    """A problem or request, with a number the requester can follow."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_id", "status", "id"),
        Index("ix_tickets_requester_id_id", "requester_id", "id"),
        Index("ix_tickets_requester_status_id", "requester_id", "status", "id"),
        # The staff lists (pyramid_helpdesk/staff/keyset.py): one range scan per
        # holder, status and priority, in the order of a time column.
        Index("ix_tickets_group_queue_updated",
              "holder_group_id", "status", "priority", "updated_at", "id"),
        Index("ix_tickets_person_queue_updated",
              "holder_person_id", "status", "priority", "updated_at", "id"),
        Index("ix_tickets_group_queue_created",
              "holder_group_id", "status", "priority", "created_at", "id"),
        Index("ix_tickets_person_queue_created",
              "holder_person_id", "status", "priority", "created_at", "id"),
        Index("ix_tickets_group_queue_held",
              "holder_group_id", "status", "priority", "held_since", "id"),
        Index("ix_tickets_person_queue_held",
              "holder_person_id", "status", "priority", "held_since", "id"),
        Index("ix_tickets_queue_created", "status", "priority", "created_at", "id"),
        Index("ix_tickets_queue_held", "status", "priority", "held_since", "id"),
        # The SLA check and the "due soon / overdue" lists: open tickets by due time.
        Index("ix_tickets_status_due_at", "status", "due_at"),
        Index("ix_tickets_status_first_response_due_at", "status", "first_response_due_at"),
        # Reports over a date range.
        Index("ix_tickets_created_at", "created_at"),
        Index("ix_tickets_resolved_at", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    subject: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TicketStatus] = mapped_column(_enum(TicketStatus), default=TicketStatus.new)
    priority: Mapped[Priority] = mapped_column(_enum(Priority), default=Priority.normal)
    category: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    holder_group_id: Mapped[int | None] = mapped_column(ForeignKey("service_groups.id"))
    holder_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    held_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    nudge_count: Mapped[int] = mapped_column(Integer, default=0)
    # Set when staff merged this ticket into another as a duplicate: it is closed,
    # and its number (in links, subject tags and Message-IDs) leads to that one.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    # Service-level targets (pyramid_helpdesk/sla): when the ticket is due, counted in
    # business time by the business calendar from its creation; while it waits for
    # the requester the clock pauses (sla_paused_since) and the due times move on by
    # the business time paused. Warnings and breaches are recorded once each.
    sla_policy: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Business seconds from creation to the first staff response and to resolution,
    # pauses excluded (what the reports aggregate; set when each happens).
    first_response_business_seconds: Mapped[int | None] = mapped_column(Integer)
    resolution_business_seconds: Mapped[int | None] = mapped_column(Integer)

    requester: Mapped[Person] = relationship(foreign_keys=[requester_id], lazy="joined")
    holder_group: Mapped[ServiceGroup | None] = relationship(lazy="joined")
    holder_person: Mapped[Person | None] = relationship(
        foreign_keys=[holder_person_id], lazy="joined"
    )
    cc: Mapped[list["TicketCC"]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", lazy="selectin",
        order_by="TicketCC.email",
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Ticket {self.number or self.id} {self.status.value}>"


class TicketCC(Base):
    """An address that receives a ticket's public messages."""

    __tablename__ = "ticket_cc"
    __table_args__ = (Index("ix_ticket_cc_email_ticket_id", "email", "ticket_id"),)

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)

    ticket: Mapped[Ticket] = relationship(back_populates="cc")


class Message(Base):
    """One entry of a ticket's conversation."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_ticket_id_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    author_address: Mapped[str | None] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)
    email_message_id: Mapped[str | None] = mapped_column(String(998), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Person | None] = relationship(lazy="joined")
    # Also what orders a flush: the ticket's INSERT before its messages' (see TicketEvent),
    # a new message's before its attachments' (which get its id then). Write-only: adding
    # a file never loads the others; the database clears message_id when one is deleted.
    ticket: Mapped[Ticket] = relationship(foreign_keys=[ticket_id])
    attachments: WriteOnlyMapped[Attachment] = relationship(passive_deletes=True)


class ExternalAuthorization(Base):
    """An outside address allowed to read and reply to one ticket."""

    __tablename__ = "external_authorizations"
    __table_args__ = (Index("ix_external_authorizations_ticket_email", "ticket_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def is_valid(self, now: datetime) -> bool:
        """Not revoked and not expired at ``now``."""
        return self.revoked_at is None and now < self.expires_at


class EventKind(str, enum.Enum):
    """What happened to a ticket; one event per lifecycle operation."""

    drafted = "drafted"
    created = "created"
    edited = "edited"
    dispatched = "dispatched"
    taken = "taken"
    forwarded = "forwarded"
    replied = "replied"
    noted = "noted"
    pending = "pending"
    resolved = "resolved"
    closed = "closed"
    reopened = "reopened"
    nudged = "nudged"
    changed = "changed"  # staff changed priority or category
    merged = "merged"  # a duplicate was merged into another ticket
    sla_warning = "sla_warning"  # a target falls due soon (recorded once per target)
    sla_breached = "sla_breached"  # a target's due time passed (recorded once per target)
    rated = "rated"  # the requester rated the service


class TicketEvent(Base):
    """An entry of a ticket's flow: who did what, when, from which holder to which."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),
        Index("ix_ticket_events_kind_created_at", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_status: Mapped[TicketStatus | None] = mapped_column(_enum(TicketStatus))
    to_status: Mapped[TicketStatus | None] = mapped_column(_enum(TicketStatus))
    from_group_id: Mapped[int | None] = mapped_column(ForeignKey("service_groups.id"))
    to_group_id: Mapped[int | None] = mapped_column(ForeignKey("service_groups.id"))
    from_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    to_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    to_address: Mapped[str | None] = mapped_column(String(254))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[Person | None] = relationship(foreign_keys=[actor_id], lazy="joined")
    message: Mapped[Message | None] = relationship()
    # Also what orders a flush: a unit of work writes a table after those its rows point
    # at through relationships, so that new tickets, their messages and events (and
    # their notifications) can go in with one flush, one multi-row INSERT per table.
    ticket: Mapped[Ticket] = relationship(foreign_keys=[ticket_id])


class Rating(Base):
    """The requester's rating of how their resolved ticket was handled (one per ticket)."""

    __tablename__ = "ratings"
    __table_args__ = (Index("ix_ratings_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    score: Mapped[int] = mapped_column(Integer)  # 1 (poor) to 5 (excellent)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
