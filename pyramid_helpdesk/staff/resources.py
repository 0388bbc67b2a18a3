"""Who may use the staff console, and who sees which tickets in it.

Agents and above use the console (permission ``staff``). First-line members and
coordinators (admins included) supervise: they see every ticket, the
undispatched queue, and may nudge a holder (permission ``staff.supervise``).
Other agents see the tickets held by one of their groups or by themselves,
which are also the tickets the ticket ACL lets them manage.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache

from pyramid.authorization import DENY_ALL, Allow
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..people.models import Role
from ..tickets.delegation import authorizations_of
from ..tickets.models import ExternalAuthorization, Ticket
from ..tickets.resources import TicketResource

SUPERVISORS = ("firstline", f"role:{Role.coordinator.value}")


class StaffRoot:
    """The context of the console's list pages."""

    __acl__ = [
        *((Allow, principal, ("staff", "staff.supervise")) for principal in SUPERVISORS),
        (Allow, f"role:{Role.agent.value}", "staff"),
        (Allow, f"role:{Role.coordinator.value}", "coordinate"),  # the console's Groups link
        (Allow, f"role:{Role.admin.value}", "admin"),  # the console's API tokens link
        DENY_ALL,
    ]

    def __init__(self, request):
        self.request = request


@lru_cache(maxsize=1)
def _ticket_statement():
    """A ticket by number with its CCs joined (built once, the number bound)."""
    return (select(Ticket).options(joinedload(Ticket.cc))
            .where(Ticket.number == bindparam("number")))


class StaffTicketResource(TicketResource):
    """A ticket seen from the console: the ticket's own ACL, plus supervision
    (computed once per request: a page asks more than one permission). The
    ticket comes with its requester, holders and CCs in one statement, and its
    outside authorisations in one more."""

    def load_ticket(self, number: str) -> Ticket | None:
        return self.request.dbsession.scalars(
            _ticket_statement(), {"number": number}).unique().one_or_none()

    @cached_property
    def __acl__(self):
        supervise = [(Allow, principal, "staff.supervise") for principal in SUPERVISORS]
        return supervise + super().__acl__

    @cached_property
    def authorizations(self) -> list[ExternalAuthorization]:
        """Every outside authorisation of the ticket, newest first, read once: the
        ACL takes the valid ones, the ticket view lists them all."""
        return authorizations_of(self.request.dbsession, self.ticket.id)

    def _valid_authorizations(self, now: datetime) -> list[ExternalAuthorization]:
        return [row for row in self.authorizations if row.is_valid(now)]


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
