"""Absences: staff members marked away (leave, holidays) from one day to another.

Routing never chooses an absent person: :func:`available_members` is the one
question every strategy asks. "Who is away on day D" reads the index on
``last_day`` (an absence still running on D has ``last_day >= D``); "is this
person away" reads the one on ``(person_id, last_day)``.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, and_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..db.meta import Base
from ..db.types import UTCDateTime, utcnow
from ..groups.models import GroupMembership
from .models import Person, Role

#: The longest note kept with an absence.
MAX_NOTE = 200


class Absence(Base):
    """``person`` is away from ``first_day`` to ``last_day``, both included."""

    __tablename__ = "absences"
    __table_args__ = (
        CheckConstraint("first_day <= last_day", name="days_in_order"),
        Index("ix_absences_last_day", "last_day"),
        Index("ix_absences_person_id_last_day", "person_id", "last_day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(MAX_NOTE), default="")
    # Who entered it: the person themselves or a coordinator.
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined")

    def covers(self, day: date) -> bool:
        """True when the person is away on ``day``."""
        return self.first_day <= day <= self.last_day

    def __repr__(self) -> str:
        return f"<Absence person={self.person_id} {self.first_day}..{self.last_day}>"


def away_on(day: date):
    """A condition on ``Person.id``: that person is away on ``day`` (an EXISTS)."""
    return (select(Absence.id)
            .where(Absence.person_id == Person.id, Absence.last_day >= day,
                   Absence.first_day <= day)
            .exists())


def available_staff(day: date):
    """A condition: active staff, not away on ``day`` (for ``select(Person).where(...)``)."""
    return and_(Person.is_active.is_(True),
                Person.role.in_([role for role in Role if role.includes(Role.agent)]),
                ~away_on(day))


def available_members(dbsession: Session, group_id: int, day: date, limit: int = 500
                      ) -> list[Person]:
    """The active staff members of group ``group_id`` not away on ``day``, by id."""
    return list(dbsession.scalars(
        select(Person)
        .join(GroupMembership, GroupMembership.person_id == Person.id)
        .where(GroupMembership.group_id == group_id, available_staff(day))
        .order_by(Person.id).limit(limit)))


def is_away(dbsession: Session, person_id: int, day: date) -> bool:
    """True when ``person_id`` is away on ``day``."""
    return dbsession.scalar(
        select(Absence.id).where(Absence.person_id == person_id, Absence.last_day >= day,
                                 Absence.first_day <= day).limit(1)) is not None
