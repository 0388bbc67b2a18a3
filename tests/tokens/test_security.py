"""The security policy on API requests: ``Authorization: Bearer`` names the person on
``/api/`` paths only; a bad token is 401 whatever the session says; a read token
changes nothing; token requests need no CSRF token, session requests do."""
from __future__ import annotations

from datetime import timedelta

import pytest

from pyramid_helpdesk.db.types import utcnow

from .conftest import bearer, new_token

INVALID = 'Bearer error="invalid_token"'


def test_a_valid_token_makes_its_person_the_identity(helpdesk):
    user = helpdesk.person("user@example.org")
    token, secret = new_token(helpdesk, user, scope="read")

    answer = helpdesk.app.get("/api/probe", headers=bearer(secret)).json

    assert answer == {"email": "user@example.org", "method": "GET", "token": token.prefix}
    helpdesk.refresh(token)
    assert token.last_used_at is not None


def test_the_session_is_used_without_an_authorization_header(helpdesk):
    helpdesk.person("user@example.org")
    helpdesk.login("user@example.org")
    assert helpdesk.app.get("/api/probe").json == {
        "email": "user@example.org", "method": "GET", "token": None}


@pytest.mark.parametrize("kind", ["revoked", "expired", "garbage", "prefix only", "empty",
                                  "basic", "person deactivated"])
def test_a_bad_token_is_refused_with_401_even_with_a_session(helpdesk, kind):
    user = helpdesk.person("user@example.org")
    token, secret = new_token(helpdesk, user)
    helpdesk.login("user@example.org")  # the session alone would be enough
    headers = bearer(secret)
    if kind == "revoked":
        token.revoked_at = utcnow()
    elif kind == "expired":
        token.expires_at = utcnow() - timedelta(seconds=1)
    elif kind == "garbage":
        headers = bearer("hd_not-a-real-token")
    elif kind == "prefix only":
        headers = bearer(token.prefix)
    elif kind == "empty":
        headers = {"Authorization": "Bearer "}
    elif kind == "basic":
        headers = {"Authorization": "Basic dXNlckBleGFtcGxlLm9yZzpzZWNyZXQ="}
    else:
        user.is_active = False
    helpdesk.dbsession.flush()

    response = helpdesk.app.get("/api/probe", headers=headers, status=401)

    assert response.headers["WWW-Authenticate"] == INVALID
    assert "user@example.org" not in response.text


def test_a_read_token_may_not_post(helpdesk):
    user = helpdesk.person("user@example.org")
    _, secret = new_token(helpdesk, user, scope="read")

    helpdesk.app.post("/api/probe", headers=bearer(secret), status=403)
    helpdesk.app.delete("/api/probe", headers=bearer(secret), status=403)
    assert helpdesk.app.get("/api/probe", headers=bearer(secret)).json["email"] == \
        "user@example.org"


def test_a_write_token_posts_without_a_csrf_token(helpdesk):
    user = helpdesk.person("user@example.org")
    token, secret = new_token(helpdesk, user, scope="write")

    answer = helpdesk.app.post_json("/api/probe", {"subject": "x"}, headers=bearer(secret)).json

    assert answer == {"email": "user@example.org", "method": "POST", "token": token.prefix}


def test_a_session_post_to_the_api_still_needs_the_csrf_token(helpdesk):
    helpdesk.person("user@example.org")
    csrf = helpdesk.login("user@example.org")

    refused = helpdesk.app.post_json("/api/probe", {}, status=400)
    assert "Form expired" in refused.text
    helpdesk.app.post_json("/api/probe", {}, headers={"X-CSRF-Token": "forged"}, status=400)

    answer = helpdesk.app.post_json("/api/probe", {}, headers={"X-CSRF-Token": csrf}).json
    assert answer == {"email": "user@example.org", "method": "POST", "token": None}


def test_a_bearer_token_is_ignored_outside_the_api(helpdesk):
    user = helpdesk.person("user@example.org")
    helpdesk.person("other-user@example.org")
    token, secret = new_token(helpdesk, user, scope="write")

    login = helpdesk.app.get("/probe", headers=bearer(secret), status=303)
    assert "/login" in login.headers["Location"]
    helpdesk.app.post("/probe", headers=bearer(secret), status=403)  # no CSRF waiver either
    helpdesk.app.post("/profile/tokens", {"name": "x", "scope": "write", "expires": "30"},
                      headers=bearer(secret), status=403)

    helpdesk.login("other-user@example.org")
    for headers in (bearer(secret), bearer("garbage")):
        assert helpdesk.app.get("/probe", headers=headers).json == {
            "email": "other-user@example.org", "method": "GET", "token": None}
    helpdesk.refresh(token)
    assert token.last_used_at is None


def test_an_api_request_without_any_credentials_is_anonymous(helpdesk):
    response = helpdesk.app.get("/api/probe", status=303)  # the core's login redirect
    assert "/login" in response.headers["Location"]
    helpdesk.app.post("/api/probe", status=403)
