"""``GET /tickets/{number}/events``: the ticket's flow, for staff."""
from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import select

from pyramid_helpdesk.groups.models import ServiceGroup
from pyramid_helpdesk.people.models import Person

from ..serialize import event_json


@view_config(route_name="api.ticket.events", request_method="GET", openapi=True,
             renderer="json", permission="ticket.note")
def list_events(context, request):
    """Every event, oldest first, with the groups and people it moved the ticket to."""
    events = request.tickets.events(context.ticket)
    group_ids = {e.to_group_id for e in events if e.to_group_id}
    person_ids = {e.to_person_id for e in events if e.to_person_id}
    groups = {g.id: g for g in request.dbsession.scalars(
        select(ServiceGroup).where(ServiceGroup.id.in_(group_ids)))} if group_ids else {}
    people = {p.id: p for p in request.dbsession.scalars(
        select(Person).where(Person.id.in_(person_ids)))} if person_ids else {}
    return {"items": [event_json(e, groups, people) for e in events]}
