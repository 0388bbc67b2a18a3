"""The rate limit of the JSON API: ``helpdesk.ratelimit.api`` per caller.

Each request under ``/api/`` counts against the limits of ``helpdesk.ratelimit.api``
(default ``600/minute``) for its caller: the API token it presents, else the person
signed in with the session cookie, else the client's address. The counters live in
the storage of the other rate limits (``helpdesk.ratelimit.storage``, under
``helpdesk.ratelimit.key_prefix``) with the moving window, as in
:mod:`pyramid_helpdesk.auth.ratelimits`. Over a limit the answer is 429 with
``Retry-After``; if the storage fails, the request is allowed and the failure logged.

The check is a tween just under the exception view tween: it runs before routing, so
a refused request costs one token lookup and no view, and the 429 (or the 401 of a
bad token, raised while finding the caller) is rendered by the exception views.
"""
from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from pyramid.httpexceptions import HTTPTooManyRequests
from pyramid.tweens import EXCVIEW

from ..auth.ratelimits import Refusal
from ..security import is_api_request

log = logging.getLogger(__name__)


class ApiRateLimit:
    """Counts API requests per caller against ``items``."""

    def __init__(self, storage, items: tuple[RateLimitItem, ...]):
        self.storage = storage
        self.limiter = MovingWindowRateLimiter(storage)
        self.items = items

    @classmethod
    def from_settings(cls, settings) -> "ApiRateLimit":
        """The limits of ``helpdesk.ratelimit.api`` in the configured storage."""
        options = {} if settings.ratelimit_storage.startswith("memory") else {
            "key_prefix": settings.ratelimit_key_prefix}
        return cls(storage_from_string(settings.ratelimit_storage, **options),
                   settings.ratelimit_api)

    def hit(self, caller: str) -> Refusal | None:
        """Count one request of ``caller``; a :class:`Refusal` when it is over a limit
        (``None`` too when the storage fails: logged, allowed)."""
        try:
            over = [item for item in self.items if not self.limiter.hit(item, "api", caller)]
            if not over:
                return None
            reset = max(self.limiter.get_window_stats(item, "api", caller).reset_time
                        for item in over)
        except Exception:  # the storage's own errors (redis.ConnectionError...)
            log.exception("rate-limit storage failed; API request of %s allowed", caller)
            return None
        return Refusal(retry_after=max(1, math.ceil(reset - time.time())))

    def reset(self) -> None:
        """Forget every counter of the storage (tests)."""
        self.storage.reset()


def caller_of(request) -> str:
    """Whom an API request counts against: its token, its person, or its address.

    Reading the identity raises 401 for a bad token, before anything is counted."""
    person = request.identity
    token = request.api_token
    if token is not None:
        return f"token:{token.id}"
    if person is not None:
        return f"person:{person.id}"
    return f"client:{request.remote_addr or 'unknown'}"


def api_rate_limit_tween_factory(handler, registry):
    """Refuse API requests over ``helpdesk.ratelimit.api`` with 429 and ``Retry-After``."""
    limit: ApiRateLimit = registry.helpdesk_api_rate_limit

    def api_rate_limit_tween(request):
        if not is_api_request(request):
            return handler(request)
        refusal = limit.hit(caller_of(request))
        if refusal is not None:
            raise HTTPTooManyRequests(
                headers={"Retry-After": str(refusal.retry_after)},
                detail="Too many requests; try again in %d seconds." % refusal.retry_after)
        return handler(request)

    return api_rate_limit_tween


def includeme(config):
    """``registry.helpdesk_api_rate_limit`` and the tween (under the exception views,
    inside the transaction, so that its errors render and it can read the database)."""
    config.registry.helpdesk_api_rate_limit = ApiRateLimit.from_settings(
        config.registry.helpdesk_settings)
    config.add_tween(f"{__name__}.api_rate_limit_tween_factory", under=EXCVIEW)
