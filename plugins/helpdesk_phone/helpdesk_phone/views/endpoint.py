"""``POST /phone/incoming``: the telephone system announces a call to the service phone.

A machine calls this, not a browser: it authenticates with the shared secret
``helpdesk.phone.secret`` as ``Authorization: Bearer <secret>`` and sends no
cookie, so there is no session for a forged cross-site request to ride on. This
is why the view opts out of the CSRF check (the one view of the app that does;
``tests/functional/test_view_permissions.py`` lists it). The body (JSON or a
form) is ``{"caller": "+86 10 5555 0100", "called": "..."}``, at most
:data:`MAX_BODY` bytes; the endpoint counts requests against
``helpdesk.phone.ratelimit``. The answer names the matched caller and the
person on duty, nothing else about anyone.
"""
from __future__ import annotations

import hmac
import json
import logging
import math
import time

from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from pyramid.httpexceptions import (
    HTTPBadRequest,
    HTTPCreated,
    HTTPLengthRequired,
    HTTPNotFound,
    HTTPRequestEntityTooLarge,
    HTTPTooManyRequests,
    HTTPUnauthorized,
)
from pyramid.view import view_config

from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.duty.services import on_duty, public_name
from pyramid_helpdesk.people.profile import PHONE

from ..models import MAX_NUMBER
from ..services import record_incoming

log = logging.getLogger(__name__)
MAX_BODY = 2048


class EndpointLimit:
    """The endpoint's rate limit, counted in the core's rate-limit storage."""

    def __init__(self, settings, rates):
        options = {} if settings.ratelimit_storage.startswith("memory") else {
            "key_prefix": settings.ratelimit_key_prefix}
        self.limiter = MovingWindowRateLimiter(
            storage_from_string(settings.ratelimit_storage, **options))
        self.rates = rates

    def retry_after(self) -> int | None:
        """Count one request; the seconds to wait when it is over a limit (an
        unreachable storage lets the request through, logged)."""
        try:
            over = [item for item in self.rates if not self.limiter.hit(item, "phone.incoming")]
            if not over:
                return None
            resets = [self.limiter.get_window_stats(item, "phone.incoming").reset_time
                      for item in over]
        except Exception:  # noqa: BLE001 - an outage of Redis must not stop the phone log
            log.exception("phone: the rate-limit storage failed; request allowed")
            return None
        return max(1, math.ceil(max(resets) - time.time()))


def _limit(request) -> EndpointLimit:
    """The app's :class:`EndpointLimit`, made on first use."""
    registry = request.registry
    if getattr(registry, "phone_limit", None) is None:
        registry.phone_limit = EndpointLimit(request.helpdesk_settings,
                                             registry.phone_settings.ratelimit)
    return registry.phone_limit


def _error(exc_class, message: str, **kw):
    """A JSON error answer."""
    response = exc_class(**kw)
    response.content_type = "application/json"
    response.json_body = {"error": message}
    return response


def _authorised(request, secret: str) -> bool:
    """The request carries ``Authorization: Bearer <secret>``."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), secret.encode())


def _fields(request) -> dict | None:
    """The body's fields (JSON object or form), or ``None`` when unreadable."""
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return None
        return body if isinstance(body, dict) else None
    return dict(request.POST.items())


def _number(value) -> str | None:
    """A telephone number as dialled, or ``None`` when it is not one."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if len(value) > MAX_NUMBER or not PHONE.match(value):
        return None
    return value


@view_config(route_name="phone.incoming", request_method="POST", permission="public",
             require_csrf=False, renderer="json")
def incoming_call(request):
    """Store the announced call; answer where its log form is and who is on duty."""
    secret = request.registry.phone_settings.secret
    if not secret:
        raise HTTPNotFound()  # the endpoint is off
    wait = _limit(request).retry_after()
    if wait is not None:
        return _error(HTTPTooManyRequests, "too many requests",
                      headers={"Retry-After": str(wait)})
    if not _authorised(request, secret):
        return _error(HTTPUnauthorized, "unauthorized",
                      headers={"WWW-Authenticate": 'Bearer realm="helpdesk"'})
    if request.content_length is None:
        return _error(HTTPLengthRequired, "a Content-Length is required")
    if request.content_length > MAX_BODY:
        return _error(HTTPRequestEntityTooLarge, f"at most {MAX_BODY} bytes")
    fields = _fields(request)
    if fields is None:
        return _error(HTTPBadRequest, "a JSON object or a form is expected")
    caller = _number(fields.get("caller"))
    called = _number(fields.get("called", "")) if fields.get("called") else ""
    if not caller or called is None:
        return _error(HTTPBadRequest, f"caller (and called) must be telephone numbers "
                                      f"of at most {MAX_NUMBER} characters")
    now = utcnow()
    call = record_incoming(request.dbsession, caller_number=caller, called_number=called,
                           now=now)
    duty = on_duty(request.dbsession, now, request.helpdesk_settings.timezone)
    response = HTTPCreated(json_body={
        "id": call.id,
        "form_url": request.route_url("phone.new", _query={"incoming": call.id}),
        "person": public_name(call.caller) if call.caller else None,
        "on_duty": public_name(duty.person) if duty else None,
    })
    response.content_type = "application/json"
    return response
