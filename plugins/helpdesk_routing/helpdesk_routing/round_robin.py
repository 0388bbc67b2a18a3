"""``round_robin``: the next available member of the group, in member-id order.

The group is the one an earlier strategy chose, else ``helpdesk.round_robin.group``.
The group's turn row (``routing_turns``) is updated before it is read: the
UPDATE holds PostgreSQL's row lock (SQLite's write lock) until the ticket's
transaction ends, so two processes creating tickets at once wait for each
other and never give the same turn twice.
"""
from __future__ import annotations

from sqlalchemy import insert, update
from sqlalchemy.dialects import postgresql, sqlite

from pyramid_helpdesk.people.absences import available_members
from pyramid_helpdesk.routing import RoutingDecision
from pyramid_helpdesk.routing.turns import RoutingTurn

from .groups import group_to_share, today

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
#: Plain SQL updates: no turn is loaded in the session, nothing to synchronise.
PLAIN = {"synchronize_session": False}


def take_turn(dbsession, group_id: int, member_ids: list[int], now) -> tuple[int, int]:
    """Give the group's next turn: ``(person id, turn number)``. The member after the
    last one chosen, in id order, or the first when the last was the highest."""
    make_insert = _INSERT.get(dbsession.get_bind().dialect.name, insert)
    dbsession.execute(make_insert(RoutingTurn).values(group_id=group_id, turns=0)
                      .on_conflict_do_nothing(index_elements=["group_id"]))
    last_id, turn = dbsession.execute(
        update(RoutingTurn).where(RoutingTurn.group_id == group_id)
        .values(turns=RoutingTurn.turns + 1, updated_at=now)
        .returning(RoutingTurn.last_person_id, RoutingTurn.turns),
        execution_options=PLAIN).one()
    chosen = next((i for i in member_ids if last_id is not None and i > last_id), member_ids[0])
    dbsession.execute(update(RoutingTurn).where(RoutingTurn.group_id == group_id)
                      .values(last_person_id=chosen), execution_options=PLAIN)
    return chosen, turn


class RoundRobinStrategy:
    """Give each available member of the group a ticket in turn."""

    name = "round_robin"

    def __init__(self, group_name: str = ""):
        self.group_name = group_name

    def route(self, ticket, proposal, helpdesk):
        """The group's next available member, or ``None`` without group or members."""
        group = group_to_share(proposal, helpdesk, self.group_name)
        if group is None:
            return None
        members = {m.id: m for m in available_members(helpdesk.dbsession, group.id,
                                                      today(helpdesk))}
        if not members:
            return None
        chosen, turn = take_turn(helpdesk.dbsession, group.id, list(members), helpdesk.now)
        person = members[chosen]
        return RoutingDecision(
            group=group, person=person,
            reason=f"round robin in {group.name}: next is {person.display_name} (turn {turn})")
