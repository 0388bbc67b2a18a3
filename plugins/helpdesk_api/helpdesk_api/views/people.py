"""``/me``: who the request is authenticated as."""
from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import select

from pyramid_helpdesk.groups.models import GroupMembership, ServiceGroup

from ..serialize import group_ref, person_json


@view_config(route_name="api.me", request_method="GET", openapi=True, renderer="json",
             permission="portal")
def me(request):
    """The caller, how they authenticated, what the token may do, their groups."""
    person = request.identity
    token = getattr(request, "api_token", None)
    groups = request.dbsession.scalars(
        select(ServiceGroup).join(GroupMembership, GroupMembership.group_id == ServiceGroup.id)
        .where(GroupMembership.person_id == person.id).order_by(ServiceGroup.name)).all()
    return {**person_json(person),
            "authenticated_by": "token" if token is not None else "session",
            "scope": token.scope.value if token is not None else "write",
            "groups": [group_ref(group) for group in groups]}
