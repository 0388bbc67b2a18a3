"""``GET /tickets``: the tickets the caller may see, newest first, keyset-paginated.

The page is one indexed query ordered by id (``id < cursor``), so every page
costs the same however deep a client pages.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden
from pyramid.view import view_config
from sqlalchemy import exists, or_, select

from pyramid_helpdesk.people.models import Person
from pyramid_helpdesk.staff.resources import Scope
from pyramid_helpdesk.tickets.models import Ticket, TicketCC, TicketStatus

from ..serialize import ticket_summary
from .messages import MAX_ID


def _visible(request):
    """Who sees what: requesters their tickets and those they are copied on; staff
    the tickets of their scope (all of them for first line and coordinators)."""
    person = request.identity
    own = or_(Ticket.requester_id == person.id,
              exists().where(TicketCC.ticket_id == Ticket.id, TicketCC.email == person.email))
    if not person.is_staff:
        return own
    scope = Scope.of(request)
    if scope.sees_everything:
        return None
    held = [Ticket.holder_person_id == person.id]
    if scope.group_ids:
        held.append(Ticket.holder_group_id.in_(scope.group_ids))
    return or_(own, *held)


def _cursor(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ID:
        raise HTTPBadRequest("cursor: pass the next_cursor of the previous page")
    return int(raw)


@view_config(route_name="api.tickets", request_method="GET", openapi=True, renderer="json",
             permission="portal")
def list_tickets(request):
    """One page (``limit``, default 25) and the cursor of the next, ``null`` at the end."""
    query = request.openapi_validated.parameters.query
    limit = query.get("limit", 25)
    statement = select(Ticket).where(Ticket.status != TicketStatus.draft)
    visible = _visible(request)
    if visible is not None:
        statement = statement.where(visible)
    for name in ("status", "priority", "category", "channel"):
        if name in query:
            statement = statement.where(getattr(Ticket, name) == query[name])
    if "group" in query:
        statement = statement.where(Ticket.holder_group_id == query["group"])
    if query.get("holder") == "me":
        statement = statement.where(Ticket.holder_person_id == request.identity.id)
    if "requester" in query:
        if not request.identity.is_staff:
            raise HTTPForbidden("Only staff filter by requester.")
        statement = statement.join(Person, Person.id == Ticket.requester_id).where(
            Person.email == query["requester"].strip().lower())
    after = _cursor(query.get("cursor"))
    if after is not None:
        statement = statement.where(Ticket.id < after)
    rows = request.dbsession.scalars(statement.order_by(Ticket.id.desc()).limit(limit + 1)).all()
    page = rows[:limit]
    return {"items": [ticket_summary(request, ticket) for ticket in page],
            "next_cursor": str(page[-1].id) if len(rows) > limit else None}
