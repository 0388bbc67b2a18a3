"""Signed, expiring tokens for the links that account mails carry.

A token is an ``itsdangerous`` URL-safe timed signature of a small JSON payload.
Its key is derived from ``helpdesk.session.secret`` (so session cookies and links
never share a key) and every purpose has its own salt, so a token made for one
link is refused by every other. A payload is signed, not encrypted: it holds ids
and a fingerprint of the password hash, never a secret.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from ..errors import DomainError

#: The purposes links are made for; each is the salt of its tokens.
VERIFY_EMAIL = "helpdesk.auth.verify-email"
RESET_PASSWORD = "helpdesk.auth.reset-password"


class LinkError(DomainError):
    """A mailed link cannot be used."""


class LinkInvalid(LinkError):
    """The token is damaged, made for another purpose, or signed with another key."""


class LinkExpired(LinkError):
    """The token was good, and is now older than its purpose allows."""


class LinkUsed(LinkError):
    """The token was good, and the account changed since: it was used, or is outdated."""


class SignedLinks:
    """Makes and reads the tokens of account links."""

    def __init__(self, session_secret: str):
        self.key = hmac.new(session_secret.encode(), b"pyramid_helpdesk.auth.links",
                            hashlib.sha256).hexdigest()

    def make(self, purpose: str, payload: dict[str, Any]) -> str:
        """A token for ``payload``, valid for ``purpose`` only."""
        return URLSafeTimedSerializer(self.key, salt=purpose).dumps(payload)

    def read(self, purpose: str, token: str, max_age: timedelta) -> dict[str, Any]:
        """The payload of a token made for ``purpose`` at most ``max_age`` ago.

        Raises :class:`LinkExpired` or :class:`LinkInvalid`.
        """
        serializer = URLSafeTimedSerializer(self.key, salt=purpose)
        try:
            payload = serializer.loads(token, max_age=int(max_age.total_seconds()))
        except SignatureExpired:
            raise LinkExpired("the link has expired") from None
        except BadData:
            raise LinkInvalid("the link is not valid") from None
        if not isinstance(payload, dict):
            raise LinkInvalid("the link is not valid")
        return payload

    def fingerprint(self, password_hash: str | None) -> str:
        """A keyed digest of a password hash: a token carrying it dies when the password
        changes (or is first set)."""
        return hmac.new(self.key.encode(), (password_hash or "").encode(),
                        hashlib.sha256).hexdigest()[:24]
