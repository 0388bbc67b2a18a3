"""Who may use the staff console, and who sees which tickets in it.

Agents and above use the console (permission ``staff``). First-line members and
coordinators (admins included) supervise: they see every ticket, the
undispatched queue, and may nudge a holder (permission ``staff.supervise``).
Other agents see the tickets held by one of their groups or by themselves,
which are also the tickets the ticket ACL lets them manage.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from pyramid.authorization import DENY_ALL, Allow

from ..people.models import Role
from ..tickets.resources import TicketResource

SUPERVISORS = ("firstline", f"role:{Role.coordinator.value}")


class StaffRoot:
    """The context of the console's list pages."""

    __acl__ = [
        *((Allow, principal, ("staff", "staff.supervise")) for principal in SUPERVISORS),
        (Allow, f"role:{Role.agent.value}", "staff"),
        (Allow, f"role:{Role.coordinator.value}", "coordinate"),  # the console's Groups link
        DENY_ALL,
    ]

    def __init__(self, request):
        self.request = request


class StaffTicketResource(TicketResource):
    """A ticket seen from the console: the ticket's own ACL, plus supervision
    (computed once per request: a page asks more than one permission)."""

    @cached_property
    def __acl__(self):
        supervise = [(Allow, principal, "staff.supervise") for principal in SUPERVISORS]
        return supervise + super().__acl__


@dataclass(frozen=True)
class Scope:
    """Whose tickets a staff member works on: their own, their groups', or all."""

    person_id: int
    group_ids: tuple[int, ...]
    sees_everything: bool

    @classmethod
    def of(cls, request) -> "Scope":
        """The scope of the signed-in person, read from their principals."""
        principals = request.principals
        groups = sorted(int(p.split(":", 1)[1]) for p in principals if p.startswith("group:"))
        return cls(request.identity.id, tuple(groups),
                   any(principal in principals for principal in SUPERVISORS))
