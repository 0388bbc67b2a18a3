"""Finding and creating people."""
from __future__ import annotations

import re
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.types import utcnow
from ..errors import InvalidOperation
from .models import Person, Role
from .passwords import hash_password

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(address: str) -> str:
    """An address stripped and lower-cased, or :class:`InvalidOperation` if malformed."""
    value = address.strip().lower()
    if not _EMAIL.match(value) or len(value) > 254:
        raise InvalidOperation(f"not an e-mail address: {address!r}")
    return value


def first_invalid_address(addresses: Iterable[str]) -> str | None:
    """The first of ``addresses`` that is not an e-mail address, or ``None``."""
    for address in addresses:
        try:
            normalize_email(address)
        except InvalidOperation:
            return address
    return None


def find_by_email(dbsession: Session, address: str) -> Person | None:
    """The person with this address (case-insensitive), if any."""
    value = address.strip().lower()
    return dbsession.scalars(select(Person).where(Person.email == value)).first()


def create_person(
    dbsession: Session,
    email: str,
    *,
    name: str = "",
    role: Role = Role.requester,
    password: str | None = None,
    password_profile: str = "RFC_9106_LOW_MEMORY",
    verified: bool = True,
    **profile: str,
) -> Person:
    """Add a person; an address already in use raises :class:`InvalidOperation`.

    ``verified=False`` is for self-registration: the account works once the
    person follows the link mailed to the address.
    """
    address = normalize_email(email)
    if find_by_email(dbsession, address) is not None:
        raise InvalidOperation(f"{address} already has an account")
    person = Person(email=address, name=name.strip(), role=role,
                    email_verified_at=utcnow() if verified else None, **profile)
    if password is not None:
        person.password_hash = hash_password(password, password_profile)
    dbsession.add(person)
    dbsession.flush()
    return person


def find_or_create_requester(dbsession: Session, email: str, name: str = "") -> Person:
    """The person with this address, created as a requester when unknown."""
    return find_by_email(dbsession, email) or create_person(dbsession, email, name=name)


def find_people_by_email(dbsession: Session, addresses: Iterable[str]) -> dict[str, Person]:
    """The people with these addresses (case-insensitive), keyed by lower-cased address:
    one query for a batch instead of :func:`find_by_email` per address."""
    wanted = {address.strip().lower() for address in addresses}
    if not wanted:
        return {}
    found = dbsession.scalars(select(Person).where(Person.email.in_(wanted)))
    return {person.email: person for person in found}


def add_requester(dbsession: Session, email: str, name: str = "") -> Person:
    """A new requester, as :func:`find_or_create_requester` makes one, for an address
    the caller has just looked up and found unused: added to the session, not
    flushed (its INSERT goes with the next flush, before the rows that refer to it).
    Every column with a server default is given, so that several such people go in
    with one INSERT (else each is an INSERT ... RETURNING of its own on SQLite)."""
    person = Person(email=normalize_email(email), name=name.strip(), role=Role.requester,
                    email_verified_at=utcnow(), auth_source="local")
    dbsession.add(person)
    return person
