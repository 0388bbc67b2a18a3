"""Creating service groups and managing their members."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..errors import InvalidOperation
from ..i18n import _
from ..people.models import Person, Role
from ..tickets.models import ACTIVE_STATUSES, Ticket
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


# -- the coordinators' pages -------------------------------------------------------

#: Rows per page of the group list and of a group's member list.
PAGE_SIZE = 50


class GroupRefused(InvalidOperation):
    """A change to a group or its members was refused; ``field`` names the form field
    to mark and ``message`` is a translation string to show."""

    def __init__(self, field: str, message):
        self.field = field
        self.message = message
        super().__init__(str(message))


@dataclass(frozen=True)
class GroupRow:
    """A group on the list: its member count and its open tickets."""

    group: ServiceGroup
    member_count: int
    open_tickets: int


@dataclass(frozen=True)
class MemberRow:
    """A member on a group's page: the open tickets they hold in that group."""

    person: Person
    open_tickets: int


@dataclass(frozen=True)
class Page:
    """One page of a keyed list; ``next`` is the key to continue after, if any."""

    rows: list
    next: str | int | None


def group_page(dbsession: Session, after: str = "") -> Page:
    """Groups by name after ``after``, each with its member and open-ticket counts,
    in one statement (the counts are grouped over the page's groups only)."""
    limit = PAGE_SIZE
    page = (select(ServiceGroup.id).where(ServiceGroup.name > after)
            .order_by(ServiceGroup.name).limit(limit + 1).cte("page"))
    members = (select(GroupMembership.group_id, func.count().label("n"))
               .where(GroupMembership.group_id.in_(select(page.c.id)))
               .group_by(GroupMembership.group_id).subquery())
    held = (select(Ticket.holder_group_id, func.count().label("n"))
            .where(Ticket.holder_group_id.in_(select(page.c.id)),
                   Ticket.status.in_(ACTIVE_STATUSES))
            .group_by(Ticket.holder_group_id).subquery())
    rows = [GroupRow(group, members_n or 0, held_n or 0) for group, members_n, held_n in
            dbsession.execute(
                select(ServiceGroup, members.c.n, held.c.n)
                .join(page, page.c.id == ServiceGroup.id)
                .outerjoin(members, members.c.group_id == ServiceGroup.id)
                .outerjoin(held, held.c.holder_group_id == ServiceGroup.id)
                .order_by(ServiceGroup.name))]
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].group.name if more else None)


def member_page(dbsession: Session, group: ServiceGroup, after: int = 0) -> Page:
    """Members of ``group`` by id after ``after``, each with the open tickets they hold
    in this group, in one statement."""
    limit = PAGE_SIZE
    held = (select(Ticket.holder_person_id, func.count().label("n"))
            .where(Ticket.holder_group_id == group.id, Ticket.status.in_(ACTIVE_STATUSES),
                   Ticket.holder_person_id.is_not(None))
            .group_by(Ticket.holder_person_id).subquery())
    rows = [MemberRow(person, count or 0) for person, count in dbsession.execute(
        select(Person, held.c.n)
        .join(GroupMembership, GroupMembership.person_id == Person.id)
        .outerjoin(held, held.c.holder_person_id == Person.id)
        .where(GroupMembership.group_id == group.id, Person.id > after)
        .order_by(Person.id).limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].person.id if more else None)


def save_group(dbsession: Session, group: ServiceGroup | None, *, name: str,
               description: str, email: str | None, first_line: bool,
               ) -> tuple[ServiceGroup, ServiceGroup | None]:
    """Create (``group`` None) or change a group; return it and the group the
    first-line flag was taken from, if it moved.

    Refused with :class:`GroupRefused`: a name another group has, and taking the flag
    from the first-line group while tickets exist (new tickets go to it: move the
    flag by flagging another group instead).
    """
    taken = dbsession.scalar(select(ServiceGroup.id).where(
        ServiceGroup.name == name, ServiceGroup.id != (group.id if group else -1)))
    if taken is not None:
        raise GroupRefused("name", _("Another group is called ${name}.",
                                     mapping={"name": name}))
    if group is not None and group.is_first_line and not first_line and dbsession.scalar(
            select(Ticket.id).limit(1)) is not None:
        raise GroupRefused("first_line", _(
            "The first-line group receives every new ticket, so it cannot be left "
            "without one while tickets exist. To move the flag, make another group "
            "first line."))
    previous = first_line_group(dbsession) if first_line else None
    if previous is not None and previous is not group:
        previous.is_first_line = False
        dbsession.flush()  # one first-line group at a time (unique constraint)
    else:
        previous = None
    if group is None:
        group = ServiceGroup()
        dbsession.add(group)
    group.name, group.description, group.email = name, description, email
    group.is_first_line = first_line
    dbsession.flush()
    return group, previous


def member_of(dbsession: Session, group: ServiceGroup, person_id: int) -> Person | None:
    """The member of ``group`` with this id, or ``None`` if they are not one."""
    return dbsession.scalar(select(Person).join(
        GroupMembership, GroupMembership.person_id == Person.id).where(
        GroupMembership.group_id == group.id, Person.id == person_id))


def remove_member(dbsession: Session, group: ServiceGroup, person: Person) -> bool:
    """Take ``person`` out of ``group``; the tickets they hold stay with them.
    False when they were not a member."""
    membership = dbsession.get(GroupMembership, (group.id, person.id))
    if membership is None:
        return False
    dbsession.delete(membership)
    dbsession.flush()
    dbsession.expire(group, ["members"])
    return True


def change_role(dbsession: Session, actor: Person, person: Person, role: Role) -> int:
    """Give ``person`` a new role; return the number of groups they left (a requester
    belongs to none). Nobody changes their own role, and the last admin stays one."""
    if person.id == actor.id:
        raise GroupRefused("role", _("You cannot change your own role."))
    if person.role is Role.admin and role is not Role.admin:
        # Lock the admins' rows: two admins demoting each other at once cannot both win.
        admins = dbsession.scalars(select(Person.id).where(
            Person.role == Role.admin, Person.is_active.is_(True)).with_for_update()).all()
        if admins == [person.id]:
            raise GroupRefused("role", _("${email} is the last admin and stays one.",
                                         mapping={"email": person.email}))
    person.role = role
    left = 0
    if role is Role.requester:
        left = dbsession.execute(
            delete(GroupMembership).where(GroupMembership.person_id == person.id)).rowcount
    dbsession.flush()
    return left
