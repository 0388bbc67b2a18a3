"""The token service: a secret is shown once and kept only as its digest; a token works
until it expires or is revoked, for an active person; a person holds a bounded number."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import text

from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.testing import counted_statements
from pyramid_helpdesk.tokens.models import TokenScope, TokenStatus
from pyramid_helpdesk.tokens.services import TokenRefused, TokenService

from .conftest import new_token


def test_a_new_token_is_shown_once_and_only_its_digest_is_stored(helpdesk, tokens):
    user = helpdesk.person("user@example.org")
    token, secret = tokens.create(user, "  nightly   report ", "read", timedelta(days=30))
    helpdesk.dbsession.flush()

    assert secret.startswith("hd_") and len(secret) >= 3 + 43  # 32 random bytes, base64
    assert token.prefix == secret[:10]
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.name == "nightly report"
    assert token.scope is TokenScope.read
    assert token.expires_at - token.created_at == timedelta(days=30)
    stored = helpdesk.dbsession.execute(text("SELECT * FROM api_tokens")).one()
    assert not any(secret in str(value) for value in stored)
    assert secret[10:] not in " ".join(str(value) for value in stored)


def test_every_token_gets_its_own_secret(helpdesk, tokens):
    user = helpdesk.person("user@example.org")
    secrets = {tokens.create(user, f"token {n}", "read")[1] for n in range(5)}
    assert len(secrets) == 5


def test_a_token_is_found_by_its_whole_secret_only(helpdesk, tokens):
    user = helpdesk.person("user@example.org")
    token, secret = new_token(helpdesk, user)

    assert tokens.authenticate(secret) is token
    assert tokens.authenticate(token.prefix) is None
    assert tokens.authenticate(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert tokens.authenticate(secret + "x") is None
    assert tokens.authenticate("") is None
    assert tokens.authenticate("hd_" + "x" * 500) is None


def test_a_token_stops_working_when_it_expires(helpdesk, tokens):
    user = helpdesk.person("user@example.org")
    token, secret = new_token(helpdesk, user, expires_in=timedelta(days=1))
    created = token.created_at

    assert tokens.authenticate(secret, now=created + timedelta(hours=23)) is token
    assert token.status_at(created + timedelta(days=1)) is TokenStatus.expired
    assert tokens.authenticate(secret, now=created + timedelta(days=1)) is None


def test_a_revoked_token_stops_working_and_keeps_its_first_revocation(helpdesk, tokens):
    user = helpdesk.person("user@example.org")
    token, secret = new_token(helpdesk, user)
    first = utcnow()

    tokens.revoke(token, by=user, now=first)
    tokens.revoke(token, by=user, now=first + timedelta(hours=1))

    assert token.revoked_at == first
    assert token.status_at(utcnow()) is TokenStatus.revoked
    assert tokens.authenticate(secret) is None


def test_a_deactivated_persons_tokens_stop_working(helpdesk, tokens):
    user = helpdesk.person("user@example.org")
    token, secret = new_token(helpdesk, user)
    user.is_active = False
    helpdesk.dbsession.flush()

    assert tokens.authenticate(secret) is None
    with pytest.raises(TokenRefused):
        tokens.create(user, "another", "read")


def test_last_use_is_written_at_most_once_a_minute(helpdesk, tokens):
    user = helpdesk.person("user@example.org")
    token, secret = new_token(helpdesk, user)
    start = token.created_at

    tokens.authenticate(secret, now=start)
    assert token.last_used_at == start
    with counted_statements(helpdesk.connection) as statements:
        tokens.authenticate(secret, now=start + timedelta(seconds=59))
    assert statements  # the lookup ran...
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")]  # ...alone
    assert token.last_used_at == start

    tokens.authenticate(secret, now=start + timedelta(seconds=61))
    helpdesk.dbsession.expire(token)
    assert token.last_used_at == start + timedelta(seconds=61)


def test_a_person_holds_at_most_the_configured_number_of_active_tokens(helpdesk):
    service = TokenService(helpdesk.dbsession, max_active=2)
    user = helpdesk.person("user@example.org")
    first, _ = service.create(user, "one", "read")
    service.create(user, "two", "read", timedelta(days=1))

    with pytest.raises(TokenRefused, match="2 active tokens"):
        service.create(user, "three", "read")

    service.revoke(first, by=user)
    service.create(user, "three", "read")  # a revoked token does not count
    later = utcnow() + timedelta(days=2)  # "two" has expired by then
    assert service.active_count(user, later) == 1
    service.create(user, "four", "read", now=later)


def test_lists_are_newest_first_and_a_persons_own(helpdesk, tokens):
    user = helpdesk.person("user@example.org")
    other = helpdesk.person("other-user@example.org")
    start = utcnow()
    older, _ = tokens.create(user, "older", "read", now=start - timedelta(days=2))
    newer, _ = tokens.create(user, "newer", "write", now=start - timedelta(days=1))
    theirs, _ = tokens.create(other, "theirs", "read", now=start)

    assert tokens.list_for(user) == [newer, older]
    assert tokens.list_all() == [theirs, newer, older]


def test_only_the_owner_or_an_admin_may_revoke(helpdesk, tokens):
    user = helpdesk.person("user@example.org")
    coordinator = helpdesk.person("coordinator@example.org", "coordinator")
    admin = helpdesk.person("admin@example.org", "admin")
    token, _ = new_token(helpdesk, user)

    with pytest.raises(TokenRefused):
        tokens.revoke(token, by=coordinator)
    assert token.revoked_at is None
    tokens.revoke(token, by=admin)
    assert token.revoked_at is not None


@pytest.mark.parametrize("name, scope, expires_in, field", [
    ("   ", "read", None, "name"),
    ("x" * 101, "read", None, "name"),
    ("script", "admin", None, "scope"),
    ("script", "read", timedelta(0), "expires"),
])
def test_a_token_needs_a_name_a_scope_and_a_future_expiry(helpdesk, tokens, name, scope,
                                                          expires_in, field):
    user = helpdesk.person("user@example.org")
    with pytest.raises(TokenRefused) as refused:
        tokens.create(user, name, scope, expires_in)
    assert refused.value.field == field
    assert tokens.list_for(user) == []
