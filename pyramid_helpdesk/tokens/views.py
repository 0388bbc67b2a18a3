"""``/profile/tokens``: a person's own API tokens; ``/staff/tokens``: everyone's (admins).

A new token's secret is shown once, in the answer to the form that created it
(``Cache-Control: no-store``), and never again: it is not kept in the session (a
signed cookie, readable by whoever holds it) nor anywhere else. A person sees and
revokes only their own tokens; anyone else's is 404 on their page.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..db.types import utcnow
from ..i18n import _
from ..people.services import find_by_email
from .forms import EXPIRY_CHOICES, TokenForm
from .models import TokenStatus
from .services import TokenRefused, TokenService

LIST_TEMPLATE = "pyramid_helpdesk:templates/tokens/list.pt"
ALL_TEMPLATE = "pyramid_helpdesk:templates/tokens/all.pt"

STATUS_LABELS = {TokenStatus.active: _("active"), TokenStatus.expired: _("expired"),
                 TokenStatus.revoked: _("revoked")}
SCOPE_LABELS = {"read": _("read only"), "write": _("read and write")}
EXPIRY_LABELS = {"30": _("in 30 days"), "90": _("in 90 days"), "365": _("in a year"),
                 "never": _("never")}


def _labels() -> dict:
    """What every token page needs to show a token's row."""
    return {"now": utcnow(), "status_labels": STATUS_LABELS, "scope_labels": SCOPE_LABELS}


def _page(request, form: TokenForm, created=None, secret: str | None = None) -> dict:
    service = TokenService.from_request(request)
    return {
        **_labels(),
        "tokens": service.list_for(request.identity),
        "form": form,
        "expiry_choices": [(value, EXPIRY_LABELS[value]) for value in EXPIRY_CHOICES],
        "created": created,
        "secret": secret,
        "max_active": service.max_active,
        "is_admin": bool(request.has_permission("admin")),
    }


@view_config(route_name="tokens.list", request_method="GET", renderer=LIST_TEMPLATE,
             permission="portal")
def token_list(request):
    """The person's tokens, newest first, and the form for a new one."""
    return _page(request, TokenForm())


@view_config(route_name="tokens.list", request_method="POST", renderer=LIST_TEMPLATE,
             permission="portal")
def create_token(request):
    """Create a token and show its secret, this once; a wrong field comes back marked,
    with what was typed kept."""
    form = TokenForm.from_post(request.POST)
    if not form.errors:
        try:
            token, secret = TokenService.from_request(request).create(
                request.identity, form.name, form.scope, form.expires_in)
        except TokenRefused as error:
            request.tm.doom()
            form.errors[error.field or "form"] = error.message
    if form.errors:
        request.response.status = 400
        return _page(request, form)
    request.response.cache_control = "no-store"
    return _page(request, TokenForm(), created=token, secret=secret)


def _own_token(request):
    """The token named in the URL if it is the signed-in person's, else 404."""
    token = TokenService.from_request(request).get(int(request.matchdict["id"]))
    if token is None or token.person_id != request.identity.id:
        raise HTTPNotFound()
    return token


def _revoke(request, token, back: str) -> HTTPSeeOther:
    TokenService.from_request(request).revoke(token, by=request.identity)
    request.session.flash(request.localizer.translate(
        _("Token “${name}” (${prefix}…) revoked: it no longer works.",
          mapping={"name": token.name, "prefix": token.prefix})))
    return HTTPSeeOther(back)


@view_config(route_name="tokens.revoke", request_method="POST", permission="portal")
def revoke_token(request):
    """Revoke one of one's own tokens; it stops working at once."""
    return _revoke(request, _own_token(request), request.route_path("tokens.list"))


@view_config(route_name="tokens.all", request_method="GET", renderer=ALL_TEMPLATE,
             permission="admin")
def all_tokens(request):
    """Everyone's tokens, newest first, or one person's (``?person=<address>``)."""
    service = TokenService.from_request(request)
    address = request.GET.get("person", "").strip()
    person = find_by_email(request.dbsession, address) if address else None
    if address and person is None:
        tokens = []
    else:
        tokens = service.list_for(person) if person is not None else service.list_all()
    return {**_labels(), "tokens": tokens, "address": address}


@view_config(route_name="tokens.admin_revoke", request_method="POST", permission="admin")
def admin_revoke_token(request):
    """An administrator revokes anyone's token."""
    token = TokenService.from_request(request).get(int(request.matchdict["id"]))
    if token is None:
        raise HTTPNotFound()
    address = request.POST.get("person", "").strip()
    query = {"person": address} if address else {}
    return _revoke(request, token, request.route_path("tokens.all", _query=query))
