"""Creating service groups and managing their members."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidOperation
from ..people.models import Person
from .models import GroupMembership, ServiceGroup


def first_line_group(dbsession: Session) -> ServiceGroup | None:
    """The group flagged as first line, if one is."""
    return dbsession.scalars(
        select(ServiceGroup).where(ServiceGroup.first_line_flag.is_(True))
    ).first()


def first_line_group_id(dbsession: Session) -> int | None:
    """The id of the first-line group, if there is one (one indexed lookup)."""
    return dbsession.scalar(
        select(ServiceGroup.id).where(ServiceGroup.first_line_flag.is_(True))
    )


def find_group(dbsession: Session, name: str) -> ServiceGroup | None:
    """The group called ``name``, if any."""
    return dbsession.scalars(select(ServiceGroup).where(ServiceGroup.name == name)).first()


def create_group(
    dbsession: Session, name: str, *, description: str = "", first_line: bool = False,
    email: str | None = None,
) -> ServiceGroup:
    """Add a service group; a second first-line group is refused."""
    name = name.strip()
    if not name:
        raise InvalidOperation("a group needs a name")
    if find_group(dbsession, name) is not None:
        raise InvalidOperation(f"a group called {name!r} exists already")
    if first_line and first_line_group(dbsession) is not None:
        raise InvalidOperation("there is a first-line group already")
    group = ServiceGroup(name=name, description=description, email=email)
    group.is_first_line = first_line
    dbsession.add(group)
    dbsession.flush()
    return group


def add_member(dbsession: Session, group: ServiceGroup, person: Person) -> None:
    """Make ``person`` a member of ``group`` (idempotent); members must be staff."""
    if not person.is_staff:
        raise InvalidOperation(f"{person.email} is not staff and cannot join a group")
    if dbsession.get(GroupMembership, (group.id, person.id)) is None:
        dbsession.add(GroupMembership(group_id=group.id, person_id=person.id))
        dbsession.flush()
        dbsession.expire(group, ["members"])


def group_ids_of(dbsession: Session, person_id: int) -> list[int]:
    """The ids of the groups ``person_id`` belongs to."""
    return list(
        dbsession.scalars(
            select(GroupMembership.group_id).where(GroupMembership.person_id == person_id)
        )
    )
