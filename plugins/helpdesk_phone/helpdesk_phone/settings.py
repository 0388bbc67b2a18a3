"""The plugin's settings, ``helpdesk.phone.*``, parsed once at start-up.

``helpdesk.phone.secret``: the shared secret the telephone system sends as
``Authorization: Bearer <secret>`` to ``POST /phone/incoming`` (at least 32
characters; empty, the default, turns the endpoint off).
``helpdesk.phone.ratelimit``: how many incoming-call events the endpoint
accepts (``limits`` rates, counted in ``helpdesk.ratelimit.storage``).
"""
from __future__ import annotations

from dataclasses import dataclass

from pyramid_helpdesk.settings import RATES, parse_optional_secret, parse_rate_limit, read_setting


@dataclass(frozen=True)
class PhoneSettings:
    """The parsed ``helpdesk.phone.*`` settings."""

    secret: str
    ratelimit: tuple

    @classmethod
    def parse(cls, raw) -> "PhoneSettings":
        """Read the settings mapping; a wrong value raises ``SettingsError`` naming the key."""
        return cls(
            secret=read_setting(raw, "helpdesk.phone.secret", "", parse_optional_secret,
                                "empty or a secret of at least 32 characters"),
            ratelimit=read_setting(raw, "helpdesk.phone.ratelimit", "60/minute",
                                   parse_rate_limit, RATES),
        )
