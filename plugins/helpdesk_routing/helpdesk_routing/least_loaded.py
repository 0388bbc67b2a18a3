"""``least_loaded``: the available member of the group holding the fewest open tickets.

The group is the one an earlier strategy chose, else ``helpdesk.least_loaded.group``.
Open means new, open or pending; a tie goes to the lower person id. One
statement counts every member's tickets (index ``ix_tickets_person_queue_*``).
"""
from __future__ import annotations

from sqlalchemy import and_, func, select

from pyramid_helpdesk.groups.models import GroupMembership
from pyramid_helpdesk.people.absences import available_staff
from pyramid_helpdesk.people.models import Person
from pyramid_helpdesk.routing import RoutingDecision
from pyramid_helpdesk.tickets.models import ACTIVE_STATUSES, Ticket

from .groups import group_to_share, today


def least_loaded_member(dbsession, group_id: int, day) -> tuple[Person, int] | None:
    """The available member of ``group_id`` holding the fewest open tickets, and how many."""
    load = func.count(Ticket.id).label("load")
    row = dbsession.execute(
        select(Person, load)
        .join(GroupMembership, GroupMembership.person_id == Person.id)
        .outerjoin(Ticket, and_(Ticket.holder_person_id == Person.id,
                                Ticket.status.in_(ACTIVE_STATUSES)))
        .where(GroupMembership.group_id == group_id, available_staff(day))
        .group_by(Person.id).order_by(load, Person.id).limit(1)).first()
    return (row.Person, row.load) if row is not None else None


class LeastLoadedStrategy:
    """Give the ticket to whoever in the group has the least on their plate."""

    name = "least_loaded"

    def __init__(self, group_name: str = ""):
        self.group_name = group_name

    def route(self, ticket, proposal, helpdesk):
        """The least loaded available member, or ``None`` without group or members."""
        group = group_to_share(proposal, helpdesk, self.group_name)
        if group is None:
            return None
        found = least_loaded_member(helpdesk.dbsession, group.id, today(helpdesk))
        if found is None:
            return None
        person, load = found
        return RoutingDecision(
            group=group, person=person,
            reason=f"least loaded in {group.name}: {person.display_name} holds {load} "
                   f"open ticket(s)")
