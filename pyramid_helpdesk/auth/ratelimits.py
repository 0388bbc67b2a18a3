"""Rate limits on signing in, registering, and asking for account mails.

Each action (``login``, ``register``, ``reset``, ``resend``) has two sets of
limits, one counted per e-mail address and one per client IP address, read from
``helpdesk.ratelimit.<action>`` and ``helpdesk.ratelimit.<action>.client``. The
counters live in the ``limits`` storage named by ``helpdesk.ratelimit.storage``
(memory of the process, or Redis shared by every process) under the key prefix
``helpdesk.ratelimit.key_prefix``, and use the moving window.

If the storage does not answer, the action is allowed and the failure logged:
an outage of Redis must not lock every user out.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

ACTIONS = ("login", "register", "reset", "resend")


@dataclass(frozen=True)
class Refusal:
    """Over a limit: the client may try again after ``retry_after`` seconds."""

    retry_after: int


class RateLimits:
    """Counts attempts per action, per address and per client."""

    def __init__(self, storage, limits: dict[tuple[str, str], tuple[RateLimitItem, ...]]):
        self.storage = storage
        self.limiter = MovingWindowRateLimiter(storage)
        self.limits = limits

    @classmethod
    def from_settings(cls, settings) -> "RateLimits":
        """The limits and storage of the ``helpdesk.ratelimit.*`` settings."""
        options = {} if settings.ratelimit_storage.startswith("memory") else {
            "key_prefix": settings.ratelimit_key_prefix}
        storage = storage_from_string(settings.ratelimit_storage, **options)
        limits = {}
        for action in ACTIONS:
            limits[action, "address"] = getattr(settings, f"ratelimit_{action}")
            limits[action, "client"] = getattr(settings, f"ratelimit_{action}_client")
        return cls(storage, limits)

    def _counters(self, action: str, address: str, client: str | None):
        """Each (limit, identifiers) pair that counts this attempt."""
        who = {"address": address.strip().lower(), "client": client or "unknown"}
        for per in ("address", "client"):
            for item in self.limits[action, per]:
                yield item, (action, per, who[per])

    def check(self, action: str, address: str, client: str | None) -> Refusal | None:
        """Whether one more attempt would be over a limit, without counting it."""
        return self._guarded(action, lambda: [
            (item, ids) for item, ids in self._counters(action, address, client)
            if not self.limiter.test(item, *ids)])

    def hit(self, action: str, address: str, client: str | None) -> Refusal | None:
        """Count one attempt; a :class:`Refusal` when it is over a limit (then it
        does not count against the limits it is over)."""
        return self._guarded(action, lambda: [
            (item, ids) for item, ids in self._counters(action, address, client)
            if not self.limiter.hit(item, *ids)])

    def _guarded(self, action, over_limits) -> Refusal | None:
        """Run ``over_limits``; a refusal naming the latest reset of the limits it
        returns, or ``None`` when the storage fails."""
        try:
            over = over_limits()
            if not over:
                return None
            reset = max(self.limiter.get_window_stats(item, *ids).reset_time
                        for item, ids in over)
        except Exception:  # the storage's own errors (redis.ConnectionError...)
            log.exception("rate-limit storage failed; %s allowed without a limit", action)
            return None
        return Refusal(retry_after=max(1, math.ceil(reset - time.time())))

    def reset(self) -> None:
        """Forget every counter under this helpdesk's key prefix."""
        self.storage.reset()
