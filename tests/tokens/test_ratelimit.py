"""API requests count against ``helpdesk.ratelimit.api`` per token (per person for
session calls); over the limit the answer is 429 with ``Retry-After``. Pages outside
``/api/`` are not counted, and a failing storage lets requests through."""
from __future__ import annotations

import logging

import pytest

from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back

from .conftest import SETTINGS, bearer, new_token

LIMIT = 3


@pytest.fixture(scope="module")
def limited_app(helpdesk_engine, helpdesk_database_url, tmp_path_factory):
    """The probe app with a limit of 3 API requests a minute, counted in memory."""
    settings = make_test_settings(
        helpdesk_database_url, str(tmp_path_factory.mktemp("api-limits")),
        **SETTINGS, **{"helpdesk.ratelimit.api": f"{LIMIT}/minute"})
    return build_app(settings, helpdesk_engine)


@pytest.fixture
def desk(limited_app, helpdesk_engine):
    """A rolled-back helpdesk on that app, every counter at zero."""
    limited_app.registry.helpdesk_api_rate_limit.reset()
    with rolled_back(limited_app, helpdesk_engine) as harness:
        yield harness


def test_a_token_over_the_limit_is_answered_429_with_retry_after(desk):
    user = desk.person("user@example.org")
    _, secret = new_token(desk, user)
    _, other_secret = new_token(desk, user, name="other script")

    for _ in range(LIMIT):
        desk.app.get("/api/probe", headers=bearer(secret), status=200)
    refused = desk.app.get("/api/probe", headers=bearer(secret), status=429)

    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    desk.app.post("/api/probe", headers=bearer(secret), status=429)
    # Each token has its own count, and pages outside the API none.
    desk.app.get("/api/probe", headers=bearer(other_secret), status=200)
    desk.login("user@example.org")
    for _ in range(LIMIT + 1):
        desk.app.get("/profile/tokens", status=200)


def test_session_calls_are_counted_per_person(desk):
    desk.person("user@example.org")
    desk.person("other-user@example.org")
    desk.login("user@example.org")
    for _ in range(LIMIT):
        desk.app.get("/api/probe", status=200)
    assert int(desk.app.get("/api/probe", status=429).headers["Retry-After"]) >= 1

    desk.logout()
    desk.login("other-user@example.org")
    assert desk.app.get("/api/probe").json["email"] == "other-user@example.org"


def test_a_bad_token_is_refused_before_it_is_counted(desk):
    user = desk.person("user@example.org")
    _, secret = new_token(desk, user)
    for _ in range(LIMIT + 2):
        desk.app.get("/api/probe", headers=bearer("hd_wrong"), status=401)
    desk.app.get("/api/probe", headers=bearer(secret), status=200)


def test_the_api_works_when_the_counter_storage_is_down(helpdesk_engine, helpdesk_database_url,
                                                        tmp_path, caplog):
    settings = make_test_settings(
        helpdesk_database_url, str(tmp_path), **SETTINGS,
        **{"helpdesk.ratelimit.api": "1/minute",
           "helpdesk.ratelimit.storage": "redis://127.0.0.1:1/0"})
    app = build_app(settings, helpdesk_engine)
    with rolled_back(app, helpdesk_engine) as desk:
        user = desk.person("user@example.org")
        _, secret = new_token(desk, user)
        with caplog.at_level(logging.ERROR, logger="pyramid_helpdesk.tokens.ratelimit"):
            for _ in range(2):
                desk.app.get("/api/probe", headers=bearer(secret), status=200)
    assert "rate-limit storage failed; API request of token:" in caplog.text
