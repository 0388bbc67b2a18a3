"""A ticket's flow (its chain of holders) and the nudge button."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..auth.views import safe_next
from ..db.types import utcnow
from ..i18n import _
from ..tickets.models import EventKind
from .durations import duration
from .flow import holder_chain, name_holders

#: How a holding began (or, for the last one, ended), as the flow shows it.
MOVES = {
    EventKind.created: _("created"),
    EventKind.dispatched: _("dispatched"),
    EventKind.taken: _("taken"),
    EventKind.forwarded: _("forwarded"),
    EventKind.resolved: _("resolved"),
    EventKind.closed: _("closed"),
}
FLOW_TEMPLATE = "pyramid_helpdesk:templates/staff/flow.pt"
MAX_NUDGE_MESSAGE = 1000


def _flow_page(request, context, message: str = "", error=None) -> dict:
    """What the flow page shows (with the nudge form's text and error, if any)."""
    ticket = context.ticket
    now = utcnow()
    chain = holder_chain(request.tickets.events(ticket), now)
    name_holders(request.dbsession, chain)
    return {
        "ticket": ticket,
        "chain": chain,
        "now": now,
        "due": ticket.due_at if ticket.status.is_active else None,
        "duration": duration,
        "moves": MOVES,
        "can_nudge": bool(request.has_permission("staff.supervise", context))
        and ticket.status.is_active
        and (ticket.holder_group_id is not None or ticket.holder_person_id is not None),
        "message": message,
        "error": error,
    }


@view_config(route_name="staff.flow", renderer=FLOW_TEMPLATE, permission="ticket.manage",
             request_method="GET")
def flow(context, request):
    """Who has held the ticket, for how long, and how often they were nudged."""
    return _flow_page(request, context)


@view_config(route_name="staff.nudge", renderer=FLOW_TEMPLATE, permission="staff.supervise",
             request_method="POST")
def nudge(context, request):
    """Urge the current holder (recorded, counted, and mailed to them)."""
    message = request.POST.get("message", "").strip()
    if len(message) > MAX_NUDGE_MESSAGE:
        request.response.status = 400
        return _flow_page(request, context, message, _(
            "Keep the message under ${limit} characters.", mapping={"limit": MAX_NUDGE_MESSAGE}))
    ticket = context.ticket
    request.tickets.nudge(ticket, actor=request.identity, message=message)
    request.session.flash(request.localizer.translate(_(
        "${number}: its holder was nudged; nudges so far: ${count}.",
        mapping={"number": ticket.number, "count": ticket.nudge_count})))
    fallback = request.route_path("staff.flow", number=ticket.number)
    return HTTPSeeOther(safe_next(request, request.POST.get("came_from") or fallback))
