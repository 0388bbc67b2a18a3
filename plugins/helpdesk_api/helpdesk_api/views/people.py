"""``/me``, ``/people``, ``/groups`` and ``/duty/now``."""
from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.duty.services import on_duty
from pyramid_helpdesk.groups.models import GroupMembership, ServiceGroup
from pyramid_helpdesk.people.models import Person
from pyramid_helpdesk.staff.people_lookup import find_people as find_people_by_text

from ..serialize import group_ref, moment, person_json, person_ref


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


@view_config(route_name="api.people", request_method="GET", openapi=True, renderer="json",
             permission="staff")
def find_people(request):
    """The people lookup of the staff console: e-mail, name or phone."""
    query = request.openapi_validated.parameters.query
    matches = find_people_by_text(request.dbsession, query["q"], query.get("limit", 10))
    people = {p.id: p for p in request.dbsession.scalars(
        select(Person).where(Person.id.in_([m.id for m in matches])))}
    return {"items": [person_json(people[m.id]) for m in matches if m.id in people]}


@view_config(route_name="api.groups", request_method="GET", openapi=True, renderer="json",
             permission="staff")
def list_groups(request):
    """Every service group with its active members, by name."""
    groups = request.dbsession.scalars(
        select(ServiceGroup).options(selectinload(ServiceGroup.members))
        .order_by(ServiceGroup.name)).all()
    return {"items": [{
        **group_ref(group), "email": group.email or None, "first_line": group.is_first_line,
        "members": [person_ref(m) for m in group.members if m.is_active]}
        for group in groups]}


@view_config(route_name="api.duty.now", request_method="GET", openapi=True, renderer="json",
             permission="staff")
def duty_now(request):
    """Who is on first-line duty now, their office extension and the period."""
    duty = on_duty(request.dbsession, utcnow(), request.helpdesk_settings.timezone)
    if duty is None:
        return {"person": None, "extension": None, "since": None, "until": None}
    return {"person": person_ref(duty.person), "extension": duty.extension,
            "since": moment(duty.since), "until": moment(duty.until)}
