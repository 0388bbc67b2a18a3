"""Round-robin turns: per service group, who was given the last ticket.

One row per group. A strategy that takes a turn locks the row first (an
UPDATE, so PostgreSQL holds its row lock and SQLite its write lock until the
transaction ends), so two processes creating tickets at once never give the
same turn twice.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ..db.meta import Base
from ..db.types import UTCDateTime


class RoutingTurn(Base):
    """The last person given a ticket of ``group_id`` in turn, and how many turns so far."""

    __tablename__ = "routing_turns"
    group_id: Mapped[int] = mapped_column(
        ForeignKey("service_groups.id", ondelete="CASCADE"), primary_key=True)
    last_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True)
    turns: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<RoutingTurn group={self.group_id} last={self.last_person_id} #{self.turns}>"
