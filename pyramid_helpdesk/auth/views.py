"""The login and logout pages."""
import re

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import forget, remember
from pyramid.view import view_config

from ..i18n import _

LOGIN_TEMPLATE = "pyramid_helpdesk:templates/auth/login.pt"

# A path on this site: one leading slash, then no slash, backslash or white
# space that browsers might read as the start of another host ("//", "/\", "/\t/").
LOCAL_PATH = re.compile(r"^/(?![/\\])[^\s\\]*$")


def safe_next(request, target: str | None) -> str:
    """``target`` if it is a path on this site, else the home page."""
    if target and LOCAL_PATH.match(target):
        return target
    return request.route_path("home")


@view_config(route_name="auth.login", request_method="GET", renderer=LOGIN_TEMPLATE,
             permission="public")
def login_form(request):
    """Show the login form."""
    return {"login": "", "error": None, "next": request.params.get("next", "")}


@view_config(route_name="auth.login", request_method="POST", renderer=LOGIN_TEMPLATE,
             permission="public")
def login(request):
    """Check the credentials with the authentication backends, in order."""
    login_name = request.POST.get("login", "").strip()
    password = request.POST.get("password", "")
    target = request.POST.get("next", "")
    person = None
    if login_name and password:
        person = request.registry.helpdesk_plugins.hook.helpdesk_authenticate(
            login=login_name, password=password, helpdesk=request.tickets.hook_context()
        )
    if person is None:
        request.response.status = 400
        return {"login": login_name, "next": target,
                "error": _("Wrong e-mail address or password.")}
    request.session.invalidate()
    headers = remember(request, person.id)
    request.session.new_csrf_token()
    return HTTPSeeOther(safe_next(request, target), headers=headers)


@view_config(route_name="auth.logout", request_method="POST", permission="public")
def logout(request):
    """Forget the session and go home."""
    headers = forget(request)
    request.session.invalidate()
    return HTTPSeeOther(request.route_path("home"), headers=headers)
