"""Telephone numbers as the telephone system dials them, matched to people's profiles.

Profiles hold numbers as people typed them (``+86 10 5555 0100``,
``010-5555-0100``); the telephone system sends its own format. Both are reduced
to their digits without leading zeros, and match when one ends with the other
and the shorter has at least :data:`MIN_MATCH` digits (a country or trunk
prefix may be present on one side only), or when they are equal.

The ``people`` table has no index on the digits of a number: one bounded
statement scans it (a call a minute is the expected load, see the README).
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pyramid_helpdesk.people.models import Person

#: The fewest digits two differently written numbers must share to be the same line.
MIN_MATCH = 7
MAX_CANDIDATES = 10
#: The characters people write between digits (the profile's phone format).
SEPARATORS = " -().+/"


def significant_digits(number: str) -> str:
    """The digits of ``number`` without leading zeros."""
    return "".join(ch for ch in number if ch.isdigit()).lstrip("0")


def same_line(one: str, other: str) -> bool:
    """Whether two numbers' significant digits name the same line."""
    shorter, longer = sorted((significant_digits(one), significant_digits(other)), key=len)
    if not shorter:
        return False
    return shorter == longer or (len(shorter) >= MIN_MATCH and longer.endswith(shorter))


def find_caller(dbsession: Session, number: str) -> Person | None:
    """The one active person whose profile number is ``number``'s line; ``None``
    when nobody's is, or when several people share it."""
    wanted = significant_digits(number)
    if not wanted:
        return None
    stored = Person.phone
    for separator in SEPARATORS:
        stored = func.replace(stored, separator, "")
    tail = wanted[-MIN_MATCH:]
    query = (select(Person).where(Person.is_active.is_(True), Person.phone != "",
                                  stored.like(f"%{tail}"))
             .order_by(Person.id).limit(MAX_CANDIDATES))
    matches = [person for person in dbsession.scalars(query) if same_line(person.phone, number)]
    return matches[0] if len(matches) == 1 else None
