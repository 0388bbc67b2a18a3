"""The duty roster: one first-line person per week, and per-day overrides.

A week is keyed by its Monday; a day override (a student covering a rest day,
a swap for one afternoon) is keyed by its date. Both dates are unique, so
"who is on duty on date D" is one index lookup in each table.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db.meta import Base
from ..db.types import UTCDateTime, utcnow
from ..people.models import Person


class DutyWeek(Base):
    """The person on duty from Monday ``week_start`` to the Sunday after it."""

    __tablename__ = "duty_weeks"
    id: Mapped[int] = mapped_column(primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<DutyWeek {self.week_start} person={self.person_id}>"


class DutyOverride(Base):
    """The person on duty on one ``day`` instead of the week's person."""

    __tablename__ = "duty_overrides"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<DutyOverride {self.day} person={self.person_id}>"
