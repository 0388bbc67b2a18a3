"""``/tickets`` and ``/tickets/{number}``: create, read, list, change."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden
from pyramid.view import view_config

from pyramid_helpdesk.people.services import create_person, find_by_email, normalize_email
from pyramid_helpdesk.tickets.models import Priority, Ticket

from ..serialize import ticket_json


def ticket_answer(request, ticket: Ticket) -> dict:
    """The ticket as JSON, with the number of the ticket it was merged into."""
    merged_into = None
    if ticket.merged_into_id is not None:
        merged_into = request.dbsession.get(Ticket, ticket.merged_into_id).number
    return ticket_json(request, ticket, merged_into)


@view_config(route_name="api.ticket", request_method="GET", openapi=True, renderer="json",
             permission="ticket.view")
def get_ticket(context, request):
    """One ticket the caller may see."""
    return ticket_answer(request, context.ticket)


def _requester(request, body: dict):
    """The caller, or (staff only) the ``requester`` the body names, created if unknown."""
    wanted = body.get("requester")
    me = request.identity
    if wanted is None or normalize_email(wanted["email"]) == me.email:
        return me
    if not me.is_staff:
        raise HTTPForbidden("Only staff create tickets for someone else.")
    email = normalize_email(wanted["email"])
    return find_by_email(request.dbsession, email) or create_person(
        request.dbsession, email, name=wanted.get("name", ""),
        phone=wanted.get("phone", ""), department=wanted.get("department", ""))


@view_config(route_name="api.tickets", request_method="POST", openapi=True, renderer="json",
             permission="portal")
def create_ticket(request):
    """A new ticket through the lifecycle service (routing, events, notifications)."""
    body = request.openapi_validated.body
    requester = _requester(request, body)
    ticket = request.tickets.create(
        requester=requester, subject=body["subject"], channel="api",
        description=body.get("description", ""), actor=request.identity,
        category=body.get("category"), priority=Priority(body.get("priority", "normal")),
        cc=body.get("cc", ()),
    )
    request.response.status = 201
    request.response.location = request.route_url("api.ticket", number=ticket.number)
    return ticket_answer(request, ticket)
