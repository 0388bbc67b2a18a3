"""A routing strategy that refines a group decision: the group's first member takes it."""
from __future__ import annotations

from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.routing import RoutingDecision


class FirstMemberStrategy:
    name = "first_member"

    def route(self, ticket, proposal, helpdesk):
        if proposal is None or proposal.group is None:
            return None
        members = sorted((m for m in proposal.group.members if m.is_active),
                         key=lambda m: m.email)
        if not members:
            return None
        return RoutingDecision(person=members[0], reason=f"{members[0].email} is on duty")


@hookimpl
def helpdesk_register_routing_strategies(settings):
    return [FirstMemberStrategy()]
