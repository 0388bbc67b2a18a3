"""Absences: staff members marked away (leave, holidays) from one day to another.

Routing never chooses an absent person: :func:`available_members` is the one
question every strategy asks. Staff mark themselves away, coordinators anyone,
on ``/staff/absences`` (``absence_views.py``; routes added by :func:`includeme`).
"Who is away on day D" reads the index on ``last_day`` (an absence still
running on D has ``last_day >= D``); "is this person away" reads the one on
``(person_id, last_day)``.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, and_, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..db.meta import Base
from ..db.types import UTCDateTime, utcnow
from ..errors import InvalidOperation
from ..groups.models import GroupMembership
from ..i18n import _
from .models import Person, Role

#: The longest note kept with an absence.
MAX_NOTE = 200
#: The longest absence entered at once.
MAX_DAYS = 366
#: The most absences listed on the page (current and upcoming, soonest first).
MAX_LISTED = 100
#: The most staff offered in the coordinator's "who" list.
MAX_STAFF = 300


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


def _staff_roles() -> list[Role]:
    """Agents and every role above."""
    return [role for role in Role if role.includes(Role.agent)]


def away_on(day: date):
    """A condition on ``Person.id``: that person is away on ``day`` (an EXISTS)."""
    return (select(Absence.id)
            .where(Absence.person_id == Person.id, Absence.last_day >= day,
                   Absence.first_day <= day)
            .exists())


def available_staff(day: date):
    """A condition: active staff, not away on ``day`` (for ``select(Person).where(...)``)."""
    return and_(Person.is_active.is_(True),
                Person.role.in_(_staff_roles()),
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


class AbsenceRefused(InvalidOperation):
    """An absence was refused; ``field`` names the form field at fault."""

    def __init__(self, message, field: str = ""):
        self.message = message
        self.field = field
        super().__init__(message.interpolate() if hasattr(message, "interpolate") else message)


def add_absence(dbsession: Session, person: Person, first_day: date, last_day: date,
                note: str, by: Person, today: date) -> Absence:
    """Mark active staff member ``person`` away from ``first_day`` to ``last_day``
    (entered by ``by``); refuses days in the wrong order, past, or too many."""
    if not (person.is_active and person.is_staff):
        raise AbsenceRefused(_("Only active staff members can be marked away."), "person")
    if last_day < first_day:
        raise AbsenceRefused(_("The last day comes before the first day."), "last_day")
    if last_day < today:
        raise AbsenceRefused(_("That absence is already over."), "last_day")
    if last_day - first_day >= timedelta(days=MAX_DAYS):
        raise AbsenceRefused(_("An absence lasts at most ${days} days.",
                               mapping={"days": MAX_DAYS}), "last_day")
    note = " ".join(note.split())
    if len(note) > MAX_NOTE:
        raise AbsenceRefused(_("The note is longer than ${max} characters.",
                               mapping={"max": MAX_NOTE}), "note")
    absence = Absence(person_id=person.id, person=person, first_day=first_day,
                      last_day=last_day, note=note, created_by_id=by.id)
    dbsession.add(absence)
    dbsession.flush()
    return absence


def current_and_upcoming(dbsession: Session, today: date) -> list[Absence]:
    """Absences not over by ``today``, soonest first (at most :data:`MAX_LISTED`)."""
    return list(dbsession.scalars(
        select(Absence).where(Absence.last_day >= today)
        .order_by(Absence.first_day, Absence.id).limit(MAX_LISTED)))


def active_staff(dbsession: Session) -> list[Person]:
    """Whom a coordinator can mark away: active staff by name (at most :data:`MAX_STAFF`)."""
    return list(dbsession.scalars(
        select(Person).where(Person.is_active.is_(True), Person.role.in_(_staff_roles()))
        .order_by(Person.name, Person.id).limit(MAX_STAFF)))


def remove_absence(dbsession: Session, absence_id: int) -> None:
    """Delete an absence (the person is available again on those days)."""
    dbsession.execute(delete(Absence).where(Absence.id == absence_id))


def includeme(config):
    """Add ``/staff/absences`` (list, add, delete) and its console link; scan its views."""
    from .absence_views import AbsenceRoot

    config.add_route("absences.list", "/staff/absences", factory=AbsenceRoot)
    config.add_route("absences.add", "/staff/absences/add", factory=AbsenceRoot)
    config.add_route("absences.delete", r"/staff/absences/{id:\d+}/delete",
                     factory=AbsenceRoot)
    config.add_console_link("absences.list", _("Absences"), "staff", section="absences")
    config.scan(".absence_views")
