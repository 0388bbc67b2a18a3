"""The console's call lists: logged calls (``phone.calls``) and the calls the
telephone system announced that nobody logged yet (``phone.incoming_calls``)."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.duty.services import on_duty, public_name

from ..forms import format_duration
from ..models import PhoneCall
from ..services import logged_calls, pending_incoming, take_incoming

MAX_ID_DIGITS = 9


@view_config(route_name="phone.calls", renderer="helpdesk_phone:templates/calls.pt",
             permission="staff", request_method="GET")
def call_list(request):
    """Logged calls, the newest logged first, a page at a time (``?before=<id>``)."""
    raw = request.GET.get("before", "")
    before = int(raw) if raw.isdecimal() and len(raw) <= MAX_ID_DIGITS else None
    page = logged_calls(request.dbsession, before)
    return {"page": page, "duration": format_duration}


@view_config(route_name="phone.incoming_calls", renderer="helpdesk_phone:templates/incoming.pt",
             permission="staff", request_method="GET")
def incoming_list(request):
    """Announced calls not logged yet, and who is on duty now."""
    now = utcnow()
    duty = on_duty(request.dbsession, now, request.helpdesk_settings.timezone)
    return {"calls": pending_incoming(request.dbsession, now),
            "on_duty": public_name(duty.person) if duty else None,
            "i_am_on_duty": duty is not None and duty.person.id == request.identity.id}


@view_config(route_name="phone.take", permission="staff", request_method="POST")
def take_call(request):
    """Answer an announced call: it is marked taken, and its log form opens."""
    call = request.dbsession.get(PhoneCall, int(request.matchdict["id"]))
    if call is None or call.received_at is None:
        raise HTTPNotFound()
    if call.is_logged:
        return HTTPSeeOther(request.route_path("staff.ticket", number=call.ticket.number))
    take_incoming(call, request.identity, utcnow())
    return HTTPSeeOther(request.route_path("phone.new", _query={"incoming": call.id}))
