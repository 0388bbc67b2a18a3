"""Who is asking and what they may do: sessions, CSRF, the security policy, ACLs.

Principals of a signed-in person: ``person:<id>``, ``email:<address>``, one
``role:<name>`` per role their role includes, ``group:<id>`` per service group
and ``firstline`` for members of the first-line group.

Requests under ``/api/`` may instead present a personal API token
(``Authorization: Bearer hd_...``, see :mod:`.tokens`): the token's person is then
the identity and ``request.api_token`` the token. A header that names no valid
token is answered 401, never read as "no header" (no fallback to the session).
A read-scope token is denied every permission on POST, PUT, PATCH and DELETE.
Token requests need no CSRF token (no browser sends the header by itself); API
calls made with the session cookie still do. Elsewhere the header is ignored.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pyramid.authentication import SessionAuthenticationHelper
from pyramid.authorization import DENY_ALL, ACLHelper, Allow, Authenticated, Everyone
from pyramid.events import NewResponse
from pyramid.httpexceptions import HTTPUnauthorized
from pyramid.security import Denied
from pyramid.session import SignedCookieSessionFactory
from sqlalchemy import bindparam, select

from .db import UNSAFE_METHODS
from .groups.models import GroupMembership, ServiceGroup
from .people.models import Person, Role
from .tokens.models import ApiToken, TokenScope


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


@lru_cache(maxsize=1)
def _memberships_statement():
    """A person's groups, each with its first-line flag (built once, the person bound;
    a Core statement over the tables: plain rows, no ORM steps, on every request)."""
    memberships, groups = GroupMembership.__table__, ServiceGroup.__table__
    return (select(memberships.c.group_id, groups.c.is_first_line)
            .join(groups, groups.c.id == memberships.c.group_id)
            .where(memberships.c.person_id == bindparam("person_id")))


def principals_for(request) -> list[str]:
    """Every principal of the request's person (computed once per request; a staff
    member's groups and whether one is the first line in one statement)."""
    from .tickets.delegation import delegation_principals

    person = request.identity
    principals = [Everyone, *delegation_principals(request)]  # outside delegates' links
    if person is None:
        return principals
    principals += [Authenticated, f"person:{person.id}", f"email:{person.email.lower()}"]
    principals += [f"role:{role.value}" for role in Role if person.role.includes(role)]
    if person.is_staff:
        memberships = request.dbsession.execute(_memberships_statement(),
                                                {"person_id": person.id}).all()
        principals += [f"group:{group_id}" for group_id, _first_line in memberships]
        if any(first_line for _group_id, first_line in memberships):
            principals.append("firstline")
    return principals


#: Only requests whose path starts with this may authenticate with a bearer token.
API_PATH = "/api/"


def is_api_request(request) -> bool:
    """Whether the request is for the JSON API (``/api/...``)."""
    # The raw WSGI path: ``request.path_info`` raises for one that is not UTF-8
    # (``/tickets/%ff``), and this runs in pyramid_tm's tween, outside the error views.
    return request.environ.get("PATH_INFO", "").startswith(API_PATH)


def presents_token(request) -> bool:
    """Whether an API request carries an ``Authorization`` header (of any kind)."""
    return is_api_request(request) and "Authorization" in request.headers


def invalid_token() -> HTTPUnauthorized:
    """The answer to a bad, expired or revoked token (RFC 6750)."""
    return HTTPUnauthorized(headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


@dataclass
class ApiCredentials:
    """What an API request presented: a valid ``token``, or a header that was
    ``refused`` (answered 401 once, then anonymous: ``reported``)."""

    token: ApiToken | None = None
    refused: bool = False
    reported: bool = False


def api_credentials(request) -> ApiCredentials:
    """Check the ``Authorization`` header of an API request (once per request)."""
    from .tokens.services import TokenService

    if not presents_token(request):
        return ApiCredentials()
    scheme, _, secret = request.headers["Authorization"].strip().partition(" ")
    token = None
    if scheme.lower() == "bearer":
        token = TokenService.from_request(request).authenticate(secret.strip())
    return ApiCredentials(token=token, refused=token is None)


def api_token(request) -> ApiToken | None:
    """``request.api_token``: the valid token an API request presents, else ``None``."""
    return request.api_credentials.token


def csrf_required(request) -> bool:
    """CSRF is checked on every unsafe request except those made with an API token."""
    return request.api_token is None


class SecurityPolicy:
    """Identity from an API token or the signed session cookie, permissions from ACLs."""

    def __init__(self):
        self.helper = SessionAuthenticationHelper()
        self.acl = ACLHelper()

    def identity(self, request) -> Person | None:
        """The token's or the signed-in, active person, or ``None`` (looked up once
        per request). A refused token raises :class:`HTTPUnauthorized` the first time;
        asked again (by the error page), the request is anonymous."""
        credentials = request.api_credentials
        if credentials.refused and not credentials.reported:
            credentials.reported = True
            raise invalid_token()
        return request.helpdesk_identity

    def load_identity(self, request) -> Person | None:
        """The API token's person; else read the person named by the session."""
        credentials = request.api_credentials
        if credentials.token is not None:
            return credentials.token.person
        if credentials.refused:
            return None  # never the session's person instead
        userid = self.helper.authenticated_userid(request)
        if userid is None:
            return None
        person = request.dbsession.get(Person, userid)
        return person if person is not None and person.is_active else None

    def authenticated_userid(self, request):
        # Not through identity(): pyramid_tm asks this (to annotate the transaction)
        # before the exception views are there to answer a refused token's 401.
        person = request.helpdesk_identity
        return person.id if person is not None else None

    def permits(self, request, context, permission):
        token = request.api_token
        read_only = token is not None and token.scope is TokenScope.read
        if read_only and request.method in UNSAFE_METHODS:
            return Denied("a read-scope API token may not %s (%s)", permission, request.method)
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
    """Signed-cookie sessions, CSRF on every unsafe request (but those with an API
    token), the security policy, ``request.api_token``."""
    settings = config.registry.helpdesk_settings
    timeout = int(settings.session_timeout.total_seconds())
    config.set_session_factory(SignedCookieSessionFactory(
        settings.session_secret, cookie_name="helpdesk_session", secure=settings.session_secure,
        httponly=True, samesite="Lax", max_age=None, timeout=timeout, reissue_time=timeout // 10,
    ))
    config.set_default_csrf_options(require_csrf=True, callback=csrf_required)
    policy = SecurityPolicy()
    config.set_security_policy(policy)
    config.add_request_method(api_credentials, "api_credentials", reify=True)
    config.add_request_method(api_token, "api_token", reify=True)
    config.add_request_method(policy.load_identity, "helpdesk_identity", reify=True)
    config.set_root_factory(Root)
    config.add_request_method(principals_for, "principals", reify=True)
    config.add_subscriber(add_security_headers, NewResponse)
