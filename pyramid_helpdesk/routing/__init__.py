"""Routing: which group or person a new ticket goes to.

Strategies are registered by plugins through
``helpdesk_register_routing_strategies`` and consulted in the order
``helpdesk.routing`` lists them. Each sees the decision so far and returns a
refined one, or ``None`` to pass. Routing stops at the first decision that
names a person; with no decision the ticket stays in the first-line queue.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable, Protocol

if TYPE_CHECKING:
    from ..groups.models import ServiceGroup
    from ..people.models import Person
    from ..plugin.context import HookContext
    from ..tickets.models import Priority, Ticket


@dataclass(frozen=True)
class RoutingDecision:
    """Where a ticket should go, and why (recorded in the ticket's flow)."""

    group: "ServiceGroup | None" = None
    person: "Person | None" = None
    priority: "Priority | None" = None
    reason: str = ""

    def merged_into(self, earlier: "RoutingDecision | None") -> "RoutingDecision":
        """This decision on top of an earlier one: later choices win, reasons add up."""
        if earlier is None:
            return self
        reason = "; ".join(r for r in (earlier.reason, self.reason) if r)
        return replace(
            self,
            group=self.group or earlier.group,
            person=self.person or earlier.person,
            priority=self.priority or earlier.priority,
            reason=reason,
        )


class RoutingStrategy(Protocol):
    """What a routing plugin registers."""

    name: str

    def route(
        self, ticket: "Ticket", proposal: RoutingDecision | None, helpdesk: "HookContext"
    ) -> RoutingDecision | None:
        """Return a decision for ``ticket``, or ``None`` to pass to the next strategy."""


def decide(
    ticket: "Ticket", strategies: Iterable[RoutingStrategy], helpdesk: "HookContext"
) -> RoutingDecision | None:
    """Consult ``strategies`` in order and return the combined decision, if any."""
    decision = None
    for strategy in strategies:
        answer = strategy.route(ticket=ticket, proposal=decision, helpdesk=helpdesk)
        if answer is None:
            continue
        if not answer.reason:
            answer = replace(answer, reason=f"strategy {strategy.name!r} decided")
        decision = answer.merged_into(decision)
        if decision.person is not None:
            break
    return decision
