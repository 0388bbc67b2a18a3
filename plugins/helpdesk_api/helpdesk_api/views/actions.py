"""Moving a ticket: ``PATCH /tickets/{number}``, ``/transitions``, ``/dispatch``."""
from __future__ import annotations

from datetime import timedelta

from pyramid.httpexceptions import HTTPForbidden
from pyramid.view import view_config

from pyramid_helpdesk.errors import InvalidOperation
from pyramid_helpdesk.groups.models import ServiceGroup
from pyramid_helpdesk.people.models import Person

from .tickets import ticket_answer

#: The lifecycle method of each transition, and who may ask for it: staff who manage
#: the ticket (``ticket.manage``), or also its requester (``ticket.resolve``).
TRANSITIONS = {
    "resolve": ("resolve", ("ticket.manage", "ticket.resolve")),
    "reopen": ("reopen", ("ticket.manage", "ticket.resolve")),
    "pending": ("set_pending", ("ticket.manage",)),
    "close": ("close", ("ticket.manage",)),
    "take": ("take", ("ticket.manage",)),
}


def _allowed(request, context, permissions) -> bool:
    return any(request.has_permission(p, context) for p in permissions)


@view_config(route_name="api.ticket", request_method="PATCH", openapi=True, renderer="json",
             permission="ticket.manage")
def change_ticket(context, request):
    """Change the priority and/or the category (``null`` clears it)."""
    body = request.openapi_validated.body
    fields = {}
    if "priority" in body:
        fields["priority"] = body["priority"]
    if "category" in body:
        fields["category"] = body["category"] or ""
    if not fields:
        raise InvalidOperation("nothing to change: send priority or category")
    request.tickets.change(context.ticket, actor=request.identity,
                           expected_version=body.get("version"), **fields)
    return ticket_answer(request, context.ticket)


@view_config(route_name="api.ticket.transitions", request_method="POST", openapi=True,
             renderer="json", permission="ticket.view")
def transition(context, request):
    """Resolve, set pending, reopen, close or take, as the web UI allows it."""
    body = request.openapi_validated.body
    method, permissions = TRANSITIONS[body["operation"]]
    if not _allowed(request, context, permissions):
        raise HTTPForbidden(f"You may not {body['operation']} this ticket.")
    getattr(request.tickets, method)(context.ticket, actor=request.identity,
                                     expected_version=body.get("version"))
    return ticket_answer(request, context.ticket)


def _target(request, body) -> dict:
    """The lifecycle arguments of a dispatch body; unknown targets are 422."""
    dbsession = request.dbsession
    chosen = [key for key in ("group", "person", "address") if key in body]
    if not chosen:
        raise InvalidOperation("name a group, a person or an address")
    if "address" in body:
        if len(chosen) > 1:
            raise InvalidOperation("forward to an address, or to a group/person, not both")
        return {"address": body["address"], "valid_for": timedelta(days=body.get("valid_days", 14))}
    group = person = None
    if "group" in body:
        group = dbsession.get(ServiceGroup, body["group"])
        if group is None:
            raise InvalidOperation(f"no group {body['group']}")
    if "person" in body:
        person = dbsession.get(Person, body["person"])
        if person is None or not person.is_active or not person.is_staff:
            raise InvalidOperation(f"no active staff member {body['person']}")
        if group is not None and person not in group.members:
            raise InvalidOperation(f"{person.display_name} is not a member of {group.name}")
    return {"group": group, "person": person}


@view_config(route_name="api.ticket.dispatch", request_method="POST", openapi=True,
             renderer="json", permission="ticket.manage")
def dispatch(context, request):
    """First line and coordinators dispatch; a holder forwards; an outside address is
    authorised for this ticket alone and mailed its link."""
    body = request.openapi_validated.body
    arguments = _target(request, body)
    supervises = request.has_permission("staff.supervise", context)
    tickets = request.tickets
    operation = tickets.dispatch if supervises and "address" not in arguments \
        else tickets.forward
    operation(context.ticket, actor=request.identity, note=body.get("note", ""),
              expected_version=body.get("version"), **arguments)
    return ticket_answer(request, context.ticket)
