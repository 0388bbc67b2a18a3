"""Reading the roster's forms: dates, a number of weeks, people chosen by id."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import _
from ..people.models import Person
from .services import DutyRefused


def parse_date(raw: str, field: str) -> date:
    """A ``YYYY-MM-DD`` date from field ``field``."""
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise DutyRefused(_("Give a date as YYYY-MM-DD."), field) from None


def parse_weeks(raw: str) -> int:
    """A whole number of weeks (its range is checked by the service)."""
    try:
        return int(raw.strip())
    except ValueError:
        raise DutyRefused(_("Give a whole number of weeks."), "weeks") from None


def people_by_id(dbsession: Session, raw_ids: list[str], field: str) -> list[Person]:
    """The people whose ids were chosen, in the order chosen (blank choices skipped)."""
    try:
        ids = [int(raw) for raw in raw_ids if raw.strip()]
    except ValueError:
        raise DutyRefused(_("Choose people from the list."), field) from None
    found = {person.id: person for person in dbsession.scalars(
        select(Person).where(Person.id.in_(set(ids))))}
    if any(person_id not in found for person_id in ids):
        raise DutyRefused(_("Choose people from the list."), field)
    return [found[person_id] for person_id in ids]
