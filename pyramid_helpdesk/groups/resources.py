"""The context of the group pages: the staff console's, plus coordination and admin."""
from __future__ import annotations

from pyramid.authorization import Allow

from ..people.models import Role
from ..staff.resources import StaffRoot


class GroupsRoot(StaffRoot):
    """Coordinators (admins included) manage groups and members; admins change roles.
    The console's own permissions stay, for its navigation."""

    __acl__ = [
        (Allow, f"role:{Role.coordinator.value}", "coordinate"),
        (Allow, f"role:{Role.admin.value}", "admin"),
        *StaffRoot.__acl__,
    ]
