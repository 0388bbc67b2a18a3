"""The login and logout pages, and a new verification link for an unverified account."""
import re

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import forget
from pyramid.view import view_config

from ..i18n import _
from ..people.models import Person
from .pages import NOTICE_TEMPLATE, notice, over_limit, render, signed_in

LOGIN_TEMPLATE = "pyramid_helpdesk:templates/auth/login.pt"

#: The session key naming the account whose password was right but whose address
#: is not verified yet: the only account "send the link again" may mail.
UNVERIFIED = "auth.unverified"

# A path on this site: one leading slash, then no slash, backslash or white
# space that browsers might read as the start of another host ("//", "/\", "/\t/").
LOCAL_PATH = re.compile(r"^/(?![/\\])[^\s\\]*$")


def safe_next(request, target: str | None) -> str:
    """``target`` if it is a path on this site, else the home page."""
    if target and LOCAL_PATH.match(target):
        return target
    return request.route_path("home")


def _page(login="", next="", error=None, unverified=False) -> dict:
    return {"login": login, "next": next, "error": error, "unverified": unverified}


@view_config(route_name="auth.login", request_method="GET", renderer=LOGIN_TEMPLATE,
             permission="public")
def login_form(request):
    """Show the login form."""
    return _page(next=request.params.get("next", ""))


@view_config(route_name="auth.login", request_method="POST", renderer=LOGIN_TEMPLATE,
             permission="public")
def login(request):
    """Check the credentials with the authentication backends, in order.

    Failed attempts count against ``helpdesk.ratelimit.login`` (per address and
    per client); over it, no password is checked at all.
    """
    login_name = request.POST.get("login", "").strip()
    password = request.POST.get("password", "")
    target = request.POST.get("next", "")
    refusal = request.rate_limits.check("login", login_name, request.remote_addr)
    if refusal is not None:
        return _page(login_name, target, over_limit(request, refusal))
    person = None
    if login_name and password:
        person = request.registry.helpdesk_plugins.hook.helpdesk_authenticate(
            login=login_name, password=password, helpdesk=request.tickets.hook_context()
        )
    if person is None:
        request.rate_limits.hit("login", login_name, request.remote_addr)
        request.response.status = 400
        return _page(login_name, target, _("Wrong e-mail address or password."))
    if person.email_verified_at is None:
        request.session[UNVERIFIED] = person.id
        request.response.status = 403
        return _page(login_name, target, unverified=True)
    return signed_in(request, person, safe_next(request, target))


@view_config(route_name="auth.resend", request_method="POST", renderer=NOTICE_TEMPLATE,
             permission="public")
def resend_verification(request):
    """Mail a new verification link to the account that just gave its right password."""
    person_id = request.session.get(UNVERIFIED)
    person = request.dbsession.get(Person, person_id) if person_id is not None else None
    if person is None:
        return HTTPSeeOther(request.route_path("auth.login"))
    refusal = request.rate_limits.hit("resend", person.email, request.remote_addr)
    if refusal is not None:
        return render(request, LOGIN_TEMPLATE, _page(
            person.email, error=over_limit(request, refusal), unverified=True))
    request.accounts.resend_verification(person.id)
    return notice(
        _("Check your mailbox"),
        _("We have sent a new confirmation link to ${email}. Open it to finish your "
          "registration.", mapping={"email": person.email}))


@view_config(route_name="auth.logout", request_method="POST", permission="public")
def logout(request):
    """Forget the session and go home."""
    headers = forget(request)
    request.session.invalidate()
    return HTTPSeeOther(request.route_path("home"), headers=headers)
