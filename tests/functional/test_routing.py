"""Routing decisions as the lifecycle applies them: holder, priority, reason."""
import contextlib
from dataclasses import dataclass

from pyramid_helpdesk.routing import RoutingDecision, decide
from pyramid_helpdesk.tickets.models import EventKind, Priority, TicketStatus


@dataclass
class Fixed:
    """A strategy that always gives the same answer."""

    name: str
    answer: RoutingDecision | None

    def route(self, ticket, proposal, helpdesk):
        return self.answer


@contextlib.contextmanager
def strategies(helpdesk, *active):
    saved = helpdesk.plugins.strategies
    helpdesk.plugins.strategies = list(active)
    try:
        yield
    finally:
        helpdesk.plugins.strategies = saved


def test_a_priority_only_decision_raises_the_priority_and_leaves_the_ticket_with_first_line(
    helpdesk, staff
):
    urgent = Fixed("urgent", RoutingDecision(priority=Priority.urgent, reason="VIP"))
    with strategies(helpdesk, urgent):
        ticket = helpdesk.ticket(staff.user)
    assert ticket.priority is Priority.urgent
    assert (ticket.status, ticket.holder_group_id) == (TicketStatus.new,
                                                      staff.first_line_group.id)
    assert [e.kind for e in helpdesk.tickets.events(ticket)] == [EventKind.created]


def test_a_person_decision_dispatches_to_that_person_with_the_reason(helpdesk, staff):
    to_agent = Fixed("agent", RoutingDecision(person=staff.agent, reason="rule 'wifi' matched"))
    with strategies(helpdesk, to_agent):
        ticket = helpdesk.ticket(staff.user)
    routed = helpdesk.tickets.events(ticket)[-1]
    assert (routed.kind, routed.actor_id, routed.to_person_id) == (
        EventKind.dispatched, None, staff.agent.id)
    assert routed.detail == {"reason": "rule 'wifi' matched"}
    assert ticket.status is TicketStatus.open


def test_strategies_refine_in_order_and_stop_at_the_first_person(helpdesk, staff):
    group = Fixed("group", RoutingDecision(group=staff.network, reason="network"))
    person = Fixed("person", RoutingDecision(person=staff.agent))
    never = Fixed("never", RoutingDecision(person=staff.other_agent, reason="too late"))
    decision = decide(None, [Fixed("pass", None), group, person, never],
                      helpdesk.tickets.hook_context())
    assert (decision.group, decision.person) == (staff.network, staff.agent)
    assert decision.reason == "network; strategy 'person' decided"
