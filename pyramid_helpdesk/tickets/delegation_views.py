"""The outside delegate's link, and withdrawing it (coordinators)."""
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..db.types import utcnow
from ..i18n import _
from .delegation import authorization_for_token, remember_delegation, revoke
from .models import ExternalAuthorization, Ticket

ERROR_TEMPLATE = "pyramid_helpdesk:templates/errors/error.pt"


@view_config(route_name="delegation.open", request_method="GET", permission="public",
             renderer=ERROR_TEMPLATE)
def open_delegation(request):
    """A valid link opens its ticket in this browser; a forged one is 404, an expired or
    revoked one says so (410)."""
    authorization = authorization_for_token(request.dbsession, request.helpdesk_settings,
                                            request.matchdict["token"])
    if authorization is None:
        raise HTTPNotFound()
    if not authorization.is_valid(utcnow()):
        request.response.status = 410
        return {"title": _("Link no longer valid"),
                "detail": _("This link has expired or was withdrawn. Ask the helpdesk "
                            "for a new one if you still need access to the ticket.")}
    remember_delegation(request, authorization)
    ticket = request.dbsession.get(Ticket, authorization.ticket_id)
    return HTTPSeeOther(request.route_path("tickets.detail", number=ticket.number))


@view_config(route_name="delegation.revoke", request_method="POST", permission="coordinate")
def revoke_delegation(request):
    """Withdraw an outside address's access to its ticket; back to the ticket."""
    authorization = request.dbsession.get(ExternalAuthorization,
                                          int(request.matchdict["authorization_id"]))
    if authorization is None:
        raise HTTPNotFound()
    if revoke(request.tickets, authorization, actor=request.identity):
        request.session.flash(request.localizer.translate(_(
            "Access for ${address} is revoked.", mapping={"address": authorization.email})))
    ticket = request.dbsession.get(Ticket, authorization.ticket_id)
    return HTTPSeeOther(request.route_path("tickets.detail", number=ticket.number))
