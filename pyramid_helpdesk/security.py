"""Who is asking and what they may do: sessions, CSRF, the security policy, ACLs.

Principals of a signed-in person: ``person:<id>``, ``email:<address>``, one
``role:<name>`` per role their role includes, ``group:<id>`` per service group
and ``firstline`` for members of the first-line group.
"""
from __future__ import annotations

from pyramid.authentication import SessionAuthenticationHelper
from pyramid.authorization import DENY_ALL, ACLHelper, Allow, Authenticated, Everyone
from pyramid.events import NewResponse
from pyramid.session import SignedCookieSessionFactory

from .groups.models import ServiceGroup
from .groups.services import group_ids_of
from .people.models import Person, Role


class Root:
    """The default context: site-wide permissions by role."""

    __acl__ = [
        (Allow, Everyone, "public"),
        (Allow, Authenticated, "portal"),
        (Allow, f"role:{Role.agent.value}", "staff"),
        (Allow, f"role:{Role.coordinator.value}", "coordinate"),
        (Allow, f"role:{Role.admin.value}", "admin"),
        DENY_ALL,
    ]

    def __init__(self, request):
        self.request = request


def principals_for(request) -> list[str]:
    """Every principal of the request's person (computed once per request)."""
    from .tickets.delegation import delegation_principals

    person = request.identity
    principals = [Everyone, *delegation_principals(request)]  # outside delegates' links
    if person is None:
        return principals
    principals += [Authenticated, f"person:{person.id}", f"email:{person.email.lower()}"]
    principals += [f"role:{role.value}" for role in Role if person.role.includes(role)]
    if person.is_staff:
        group_ids = group_ids_of(request.dbsession, person.id)
        principals += [f"group:{gid}" for gid in group_ids]
        if group_ids:
            first_line = request.dbsession.query(ServiceGroup.id).filter(
                ServiceGroup.first_line_flag.is_(True), ServiceGroup.id.in_(group_ids)
            ).first()
            if first_line is not None:
                principals.append("firstline")
    return principals


class SecurityPolicy:
    """Identity from the signed session cookie, permissions from ACLs."""

    def __init__(self):
        self.helper = SessionAuthenticationHelper()
        self.acl = ACLHelper()

    def identity(self, request) -> Person | None:
        """The signed-in, active person, or ``None`` (looked up once per request)."""
        return request.helpdesk_identity

    def load_identity(self, request) -> Person | None:
        """Read the person named by the session from the database."""
        userid = self.helper.authenticated_userid(request)
        if userid is None:
            return None
        person = request.dbsession.get(Person, userid)
        return person if person is not None and person.is_active else None

    def authenticated_userid(self, request):
        person = request.identity
        return person.id if person is not None else None

    def permits(self, request, context, permission):
        return self.acl.permits(context, request.principals, permission)

    def remember(self, request, userid, **kw):
        return self.helper.remember(request, userid, **kw)

    def forget(self, request, **kw):
        return self.helper.forget(request, **kw)


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
}


def add_security_headers(event) -> None:
    """Every response: no sniffing, no framing, no third-party content."""
    for name, value in SECURITY_HEADERS.items():
        event.response.headers.setdefault(name, value)


def includeme(config):
    """Signed-cookie sessions, CSRF on every unsafe request, the security policy."""
    settings = config.registry.helpdesk_settings
    timeout = int(settings.session_timeout.total_seconds())
    config.set_session_factory(SignedCookieSessionFactory(
        settings.session_secret, cookie_name="helpdesk_session", secure=settings.session_secure,
        httponly=True, samesite="Lax", max_age=None, timeout=timeout, reissue_time=timeout // 10,
    ))
    config.set_default_csrf_options(require_csrf=True)
    policy = SecurityPolicy()
    config.set_security_policy(policy)
    config.add_request_method(policy.load_identity, "helpdesk_identity", reify=True)
    config.set_root_factory(Root)
    config.add_request_method(principals_for, "principals", reify=True)
    config.add_subscriber(add_security_headers, NewResponse)
