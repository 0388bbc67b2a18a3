"""The context of the rules pages: coordinators (admins included) edit the rules."""
from __future__ import annotations

from pyramid.authorization import Allow

from pyramid_helpdesk.people.models import Role
from pyramid_helpdesk.staff.resources import StaffRoot


class RulesRoot(StaffRoot):
    """``coordinate`` for coordinators; the staff console's own permissions (``staff``
    for agents) stay, for its navigation. Requesters and visitors get nothing."""

    __acl__ = [
        (Allow, f"role:{Role.coordinator.value}", "coordinate"),
        *StaffRoot.__acl__,
    ]
