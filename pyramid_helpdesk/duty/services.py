"""Who is on duty when, and the coordinator's changes to the roster.

A week runs from Monday 00:00 to the next Monday 00:00 in ``helpdesk.timezone``;
a day override replaces the week's person from that day's 00:00 to the next.
Only active staff members of the first-line group can be put on duty.
These functions flush but never commit; they raise :class:`DutyRefused`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, literal, select, union_all
from sqlalchemy.orm import Session

from ..errors import InvalidOperation
from ..groups.models import GroupMembership, ServiceGroup
from ..i18n import _
from ..people.models import Person, Role
from .models import DutyOverride, DutyWeek

WEEK = timedelta(days=7)
DAY = timedelta(days=1)
#: The longest rotation generated at once (two years).
MAX_WEEKS = 104
#: The most first-line members offered on the roster's forms.
MAX_MEMBERS = 100
MAX_NOTE = 200
#: An office extension: the digits after "ext."/"x"/"转", or a short number alone.
_EXTENSION_SUFFIX = re.compile(r"(?:ext\.?|x|转)\s*(\d{1,8})\s*$", re.IGNORECASE)
_SHORT_NUMBER = re.compile(r"^\s*(\d{2,6})\s*$")


class DutyRefused(InvalidOperation):
    """A roster change was refused; ``field`` names the form field at fault."""

    def __init__(self, message, field: str = ""):
        self.message = message
        self.field = field
        super().__init__(message.interpolate() if hasattr(message, "interpolate") else message)


@dataclass(frozen=True)
class OnDuty:
    """The person answering the duty phone at a moment, and for how long."""

    person: Person
    since: datetime  # aware, in the helpdesk's time zone
    until: datetime
    note: str  # the day override's note ("" for the week's person)
    is_override: bool

    @property
    def extension(self) -> str | None:
        """The office extension the duty phone forwards to (see :func:`office_extension`)."""
        return office_extension(self.person.phone)


def office_extension(phone: str) -> str | None:
    """The internal extension in a profile's phone field: ``8123`` alone, or the
    digits after ``ext.``, ``x`` or ``转``; ``None`` for a full number (which may be
    a personal phone, never published)."""
    match = _EXTENSION_SUFFIX.search(phone or "") or _SHORT_NUMBER.match(phone or "")
    return match.group(1) if match else None


def public_name(person: Person) -> str:
    """The name shown outside the helpdesk: never the address, even without a name."""
    return person.name or f"#{person.id}"


def monday_of(day: date) -> date:
    """The Monday of the week ``day`` is in."""
    return day - timedelta(days=day.weekday())


def local_midnight(day: date, timezone: ZoneInfo) -> datetime:
    """00:00 of ``day`` in ``timezone`` (aware)."""
    return datetime.combine(day, time(0), tzinfo=timezone)


def rotation(start_monday: date, weeks: int, people: list) -> list[tuple[date, object]]:
    """``(monday, person)`` for ``weeks`` weeks from ``start_monday``, taking
    ``people`` in order and starting again from the first when they run out."""
    return [(start_monday + i * WEEK, people[i % len(people)]) for i in range(weeks)]


def on_duty(dbsession: Session, when: datetime, timezone: ZoneInfo) -> OnDuty | None:
    """Who is on duty at ``when`` (aware): that local day's override, else the
    week's person; ``None`` when nobody is. One statement (the staff home runs it)."""
    today = when.astimezone(timezone).date()
    monday = monday_of(today)
    days = union_all(
        select(literal(False).label("is_override"), DutyWeek.week_start.label("day"),
               DutyWeek.person_id, literal("").label("note"))
        .where(DutyWeek.week_start == monday),
        select(literal(True), DutyOverride.day, DutyOverride.person_id, DutyOverride.note)
        .where(DutyOverride.day >= monday, DutyOverride.day < monday + WEEK),
    ).subquery()
    rows = dbsession.execute(
        select(Person, days.c.is_override, days.c.day, days.c.note)
        .join(days, days.c.person_id == Person.id).limit(8)).all()
    overrides = {row.day: row for row in rows if row.is_override}
    week = next((row for row in rows if not row.is_override), None)
    if today in overrides:
        row = overrides[today]
        return OnDuty(row.Person, local_midnight(today, timezone),
                      local_midnight(today + DAY, timezone), row.note, True)
    if week is None:
        return None
    since = max([monday] + [day + DAY for day in overrides if day < today])
    until = min([monday + WEEK] + [day for day in overrides if day > today])
    return OnDuty(week.Person, local_midnight(since, timezone),
                  local_midnight(until, timezone), "", False)


def _staff_roles() -> list[Role]:
    return [role for role in Role if role.includes(Role.agent)]


def first_line_members(dbsession: Session) -> list[Person]:
    """The people who can be put on duty: active staff of the first-line group, by name."""
    return list(dbsession.scalars(
        _first_line_people().order_by(Person.name, Person.id).limit(MAX_MEMBERS)))


def _first_line_people():
    """Active staff who are members of the first-line group (a SELECT of Person)."""
    return (select(Person)
            .join(GroupMembership, GroupMembership.person_id == Person.id)
            .join(ServiceGroup, ServiceGroup.id == GroupMembership.group_id)
            .where(ServiceGroup.first_line_flag.is_(True), Person.is_active.is_(True),
                   Person.role.in_(_staff_roles())))


def check_on_duty_allowed(dbsession: Session, people: list[Person],
                          field: str = "person") -> None:
    """Refuse anyone who is not an active staff member of the first-line group
    (one query for all of ``people``)."""
    ids = {person.id for person in people}
    allowed = set(dbsession.scalars(
        _first_line_people().where(Person.id.in_(ids)).with_only_columns(Person.id)))
    for person in people:
        if person.id not in allowed:
            raise DutyRefused(_("${name} is not an active member of the first-line group.",
                                mapping={"name": person.display_name}), field)


def _check_monday(day: date, field: str) -> None:
    if day.weekday() != 0:
        raise DutyRefused(_("${date} is not a Monday.", mapping={"date": day.isoformat()}),
                          field)


def generate(dbsession: Session, start_monday: date, weeks: int,
             people: list[Person]) -> list[DutyWeek]:
    """Put ``people`` on duty in turn, one week each, for ``weeks`` weeks from
    ``start_monday``, replacing whoever was on duty in those weeks."""
    _check_monday(start_monday, "start")
    if not 1 <= weeks <= MAX_WEEKS:
        raise DutyRefused(_("Give a number of weeks from 1 to ${max}.",
                            mapping={"max": MAX_WEEKS}), "weeks")
    if not people:
        raise DutyRefused(_("Choose at least one person."), "people")
    check_on_duty_allowed(dbsession, people, "people")
    end = start_monday + weeks * WEEK
    dbsession.execute(delete(DutyWeek).where(DutyWeek.week_start >= start_monday,
                                             DutyWeek.week_start < end))
    rows = [DutyWeek(week_start=monday, person=person)
            for monday, person in rotation(start_monday, weeks, people)]
    dbsession.add_all(rows)
    dbsession.flush()
    return rows


def swap(dbsession: Session, week_a: date, week_b: date) -> None:
    """Exchange the people of two weeks (a week without anyone takes the other's person)."""
    _check_monday(week_a, "week_a")
    _check_monday(week_b, "week_b")
    if week_a == week_b:
        raise DutyRefused(_("Choose two different weeks."), "week_b")
    rows = {row.week_start: row for row in dbsession.scalars(
        select(DutyWeek).where(DutyWeek.week_start.in_([week_a, week_b])))}
    if not rows:
        raise DutyRefused(_("Nobody is on duty in either week."), "week_a")
    if len(rows) == 2:
        rows[week_a].person, rows[week_b].person = rows[week_b].person, rows[week_a].person
    else:
        (row,) = rows.values()
        row.week_start = week_b if row.week_start == week_a else week_a
    dbsession.flush()


def set_override(dbsession: Session, day: date, person: Person, note: str = "") -> DutyOverride:
    """Put ``person`` on duty on ``day`` instead of the week's person (replacing any
    earlier override of that day)."""
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise DutyRefused(_("Keep the note under ${limit} characters.",
                            mapping={"limit": MAX_NOTE}), "note")
    check_on_duty_allowed(dbsession, [person])
    row = dbsession.scalar(select(DutyOverride).where(DutyOverride.day == day))
    if row is None:
        row = DutyOverride(day=day)
        dbsession.add(row)
    row.person, row.note = person, note
    dbsession.flush()
    return row


def remove_override(dbsession: Session, day: date) -> None:
    """Give ``day`` back to the week's person."""
    removed = dbsession.execute(delete(DutyOverride).where(DutyOverride.day == day))
    if not removed.rowcount:
        raise DutyRefused(_("There is no change on ${date}.",
                            mapping={"date": day.isoformat()}), "day")


@dataclass(frozen=True)
class CalendarWeek:
    """One row of the roster: a week, its person and its day overrides."""

    monday: date
    person: Person | None
    overrides: list[DutyOverride]

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)


def calendar(dbsession: Session, first_monday: date, weeks: int) -> list[CalendarWeek]:
    """``weeks`` weeks from ``first_monday`` with their people and overrides (two
    bounded range reads)."""
    end = first_monday + weeks * WEEK
    people = {row.week_start: row.person for row in dbsession.scalars(
        select(DutyWeek).where(DutyWeek.week_start >= first_monday, DutyWeek.week_start < end)
        .order_by(DutyWeek.week_start).limit(weeks))}
    overrides = list(dbsession.scalars(
        select(DutyOverride).where(DutyOverride.day >= first_monday, DutyOverride.day < end)
        .order_by(DutyOverride.day).limit(weeks * 7)))
    return [CalendarWeek(monday, people.get(monday),
                         [row for row in overrides if monday_of(row.day) == monday])
            for monday in (first_monday + i * WEEK for i in range(weeks))]
