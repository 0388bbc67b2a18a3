"""Route a ticket to the group named like its requester's department.

Activate with ``helpdesk.plugins = example_routing`` and
``helpdesk.routing = department``. A requester whose profile says
"Network" gets their tickets sent to the group "Network"; without a
department, or without such a group, the next strategy decides.
"""
from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.groups.services import find_group
from pyramid_helpdesk.routing import RoutingDecision


class DepartmentStrategy:
    """The requester's department names the group."""

    name = "department"

    def route(self, ticket, proposal, helpdesk):
        """A decision for the department's group, or ``None`` to pass."""
        department = ticket.requester.department.strip()
        if not department:
            return None
        group = find_group(helpdesk.dbsession, department)
        if group is None:
            return None
        return RoutingDecision(group=group, reason=f"requester's department: {group.name}")


@hookimpl
def helpdesk_register_routing_strategies(settings):
    """Offer the ``department`` strategy (``helpdesk.routing`` activates it)."""
    return [DepartmentStrategy()]
