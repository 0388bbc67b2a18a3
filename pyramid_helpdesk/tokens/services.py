"""Creating, checking, listing and revoking personal API tokens.

A secret is ``hd_`` followed by 32 random bytes in URL-safe base64 (43 characters).
Only its hex SHA-256 is stored (``secret_hash``, unique), with its first
:data:`PREFIX_LENGTH` characters (``prefix``) so that an owner can tell their
tokens apart; the secret itself is returned once, by :meth:`TokenService.create`,
and can never be shown again. Checking a presented secret is one indexed lookup of
its digest: a random 256-bit value needs no slow hash, and the lookup compares
digests, not secrets, so its timing says nothing about a secret's characters.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from ..db.types import utcnow
from ..errors import InvalidOperation
from ..i18n import _
from ..people.models import Person, Role
from .models import ApiToken, TokenScope, TokenStatus

log = logging.getLogger(__name__)

#: Every secret starts with this, so that scanners and people recognise one.
SECRET_PREFIX = "hd_"
#: Random bytes in a secret (256 bits).
SECRET_BYTES = 32
#: How many of the secret's first characters are kept and shown (``hd_`` and 7 more).
PREFIX_LENGTH = 10
#: A presented value longer than this is not one of ours (and is not hashed).
MAX_SECRET_LENGTH = 200
#: The longest token name.
MAX_NAME = 100
#: ``last_used_at`` is written at most this often per token.
TOUCH_INTERVAL = timedelta(minutes=1)
#: The most tokens a list shows (newest first).
MAX_LISTED = 200


class TokenRefused(InvalidOperation):
    """A token was not created or revoked; ``field`` names the form field at fault."""

    def __init__(self, message, field: str = ""):
        self.message = message
        self.field = field
        super().__init__(message.interpolate() if hasattr(message, "interpolate") else message)


def hash_secret(secret: str) -> str:
    """The stored form of a secret: its hex SHA-256."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> str:
    """A fresh secret: ``hd_`` and 32 random bytes, URL-safe."""
    return SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def clean_name(raw: str) -> str:
    """A token name as typed, with its white space collapsed."""
    return " ".join(raw.split())


def is_active(now: datetime):
    """A condition on ``ApiToken``: not revoked and not expired at ``now``."""
    return (ApiToken.revoked_at.is_(None)
            & or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now))


class TokenService:
    """Tokens on one database session; never commits."""

    def __init__(self, dbsession: Session, max_active: int):
        self.dbsession = dbsession
        self.max_active = max_active

    @classmethod
    def from_request(cls, request) -> "TokenService":
        """The service of ``request.dbsession`` and the app's settings."""
        return cls(request.dbsession, request.helpdesk_settings.tokens_max_active)

    def create(self, person: Person, name: str, scope: TokenScope | str,
               expires_in: timedelta | None = None, now: datetime | None = None
               ) -> tuple[ApiToken, str]:
        """A new token of ``person``; returns it with its secret, which is shown once
        and stored only as its digest. Refused for a nameless token, an inactive
        person, or one who already holds ``max_active`` active tokens."""
        now = now or utcnow()
        name = clean_name(name)
        if not name:
            raise TokenRefused(_("Please give the token a name."), "name")
        if len(name) > MAX_NAME:
            raise TokenRefused(_("At most ${limit} characters.", mapping={"limit": MAX_NAME}),
                               "name")
        try:
            scope = TokenScope(scope)
        except ValueError:
            raise TokenRefused(_("Choose read or write."), "scope") from None
        if expires_in is not None and expires_in <= timedelta(0):
            raise TokenRefused(_("A token must expire in the future, or never."), "expires")
        if not person.is_active:
            raise TokenRefused(_("A deactivated person cannot hold tokens."))
        if self.active_count(person, now) >= self.max_active:
            raise TokenRefused(_(
                "Already ${count} active tokens, the most allowed: revoke one first.",
                mapping={"count": self.max_active}))
        secret = new_secret()
        token = ApiToken(person_id=person.id, person=person, name=name,
                         prefix=secret[:PREFIX_LENGTH], secret_hash=hash_secret(secret),
                         scope=scope, created_at=now,
                         expires_at=now + expires_in if expires_in is not None else None)
        self.dbsession.add(token)
        self.dbsession.flush()
        log.info("API token %s (%s, %s) created for %s", token.id, token.prefix,
                 scope.value, person.email)
        return token, secret

    def authenticate(self, secret: str, now: datetime | None = None) -> ApiToken | None:
        """The active token whose secret this is, its person active; else ``None``.

        Records the use in ``last_used_at``, at most once per :data:`TOUCH_INTERVAL`.
        """
        if not secret or len(secret) > MAX_SECRET_LENGTH:
            return None
        now = now or utcnow()
        token = self.dbsession.scalar(
            select(ApiToken).join(ApiToken.person).options(contains_eager(ApiToken.person))
            .where(ApiToken.secret_hash == hash_secret(secret)))
        if (token is None or token.status_at(now) is not TokenStatus.active
                or not token.person.is_active):
            return None
        self._touch(token, now)
        return token

    def _touch(self, token: ApiToken, now: datetime) -> None:
        """Set ``last_used_at`` when it is older than the interval; the condition is
        repeated in the UPDATE, so concurrent requests write it once.

        The write is a savepoint of its own: on SQLite a read-only request that meets
        another writer cannot take the write lock, and then only the record of the
        use is skipped (logged), not the request.
        """
        if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
            return
        stale = now - TOUCH_INTERVAL
        try:
            with self.dbsession.begin_nested():
                self.dbsession.execute(
                    update(ApiToken)
                    .where(ApiToken.id == token.id,
                           or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= stale))
                    .values(last_used_at=now)
                    .execution_options(synchronize_session=False))
        except OperationalError as exc:
            log.warning("last use of API token %s not recorded: %s", token.id,
                        str(exc.orig).strip().splitlines()[0])
            return
        set_committed_value(token, "last_used_at", now)

    def revoke(self, token: ApiToken, by: Person | None, now: datetime | None = None) -> None:
        """Revoke ``token``; it stops working at once. ``by`` is its owner or an admin,
        or ``None`` for an operator (``helpdesk token revoke``). Revoking a revoked
        token changes nothing."""
        if by is not None and by.id != token.person_id and not by.role.includes(Role.admin):
            raise TokenRefused(_("Only the token's owner or an administrator can revoke it."))
        if token.revoked_at is not None:
            return
        token.revoked_at = now or utcnow()
        self.dbsession.flush()
        log.info("API token %s (%s) of %s revoked by %s", token.id, token.prefix,
                 token.person.email, by.email if by is not None else "the command line")

    def get(self, token_id: int) -> ApiToken | None:
        """The token with this id, or ``None``."""
        return self.dbsession.get(ApiToken, token_id)

    def list_for(self, person: Person) -> list[ApiToken]:
        """``person``'s tokens, newest first (at most :data:`MAX_LISTED`)."""
        return list(self.dbsession.scalars(
            select(ApiToken).where(ApiToken.person_id == person.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()).limit(MAX_LISTED)))

    def list_all(self) -> list[ApiToken]:
        """Everyone's tokens, newest first (at most :data:`MAX_LISTED`)."""
        return list(self.dbsession.scalars(
            select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
            .limit(MAX_LISTED)))

    def active_count(self, person: Person, now: datetime | None = None) -> int:
        """How many of ``person``'s tokens work at ``now``."""
        return self.dbsession.scalar(
            select(func.count()).select_from(ApiToken)
            .where(ApiToken.person_id == person.id, is_active(now or utcnow())))
