"""Error pages: 404, 403 (or a login redirect), and domain errors as 409/400."""
from html import escape

from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken, URLDecodeError
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.response import Response
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from .errors import DomainError, StaleTicket, TransitionNotAllowed
from .i18n import _
from .tickets.resources import TicketResource

ERROR_TEMPLATE = "pyramid_helpdesk:templates/errors/error.pt"


@notfound_view_config(renderer=ERROR_TEMPLATE)
def not_found(request):
    """Nothing here."""
    request.response.status = 404
    return {"title": _("Not found"), "detail": _("There is nothing at this address.")}


@forbidden_view_config(renderer=ERROR_TEMPLATE)
def forbidden(exc, request):
    """Anonymous: go log in. A ticket page one may not open, or an action on a ticket one
    may not even see, whatever the method: 404, as if the ticket did not exist."""
    if request.identity is None and request.method == "GET":
        return HTTPSeeOther(request.route_path("auth.login", _query={"next": request.path_qs}))
    context = getattr(request, "context", None)
    if isinstance(context, TicketResource) and request.identity is not None and (
            request.method == "GET" or not request.has_permission("ticket.view", context)):
        return not_found(request)
    request.response.status = 403
    return {"title": _("Forbidden"), "detail": _("You may not do this.")}


@exception_view_config(BadCSRFToken, renderer=ERROR_TEMPLATE)
@exception_view_config(BadCSRFOrigin, renderer=ERROR_TEMPLATE)
def bad_csrf(exc, request):
    """A state change without a valid CSRF token: refused, nothing changed."""
    request.response.status = 400
    return {"title": _("Form expired"),
            "detail": _("The form expired or came from another site; "
                        "reload the page and try again.")}


@exception_view_config(URLDecodeError)
def bad_address(exc, request):
    """An address whose escapes are not UTF-8 (``/tickets/%ff``): a plain 400 page, not
    a crash (the layout itself reads the address, so it cannot be used here)."""
    translate = request.localizer.translate
    title = escape(translate(_("Bad address")))
    detail = escape(translate(_("This address is not valid: check the link or type it "
                                "again.")))
    return Response(status=400, content_type="text/html", charset="utf-8",
                    text=f"<!DOCTYPE html><title>{title}</title><h1>{title}</h1><p>{detail}</p>")


@exception_view_config(DomainError, renderer=ERROR_TEMPLATE)
def domain_error(exc, request):
    """A refused operation: 409 for a conflict with the current state, else 400."""
    request.response.status = 409 if isinstance(exc, (StaleTicket, TransitionNotAllowed)) else 400
    return {"title": _("Not done"), "detail": str(exc)}


def includeme(config):
    """Register the error views."""
    config.scan(__name__)
