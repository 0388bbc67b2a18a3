"""Logging in, registering and asking for account mails are limited per address and
per client. Over a limit the page answers 429 with a Retry-After header and a
clear message, and keeps what was typed. The counters live in memory or in
Redis, where every process of the helpdesk shares them."""
from __future__ import annotations

import logging
import os
import uuid

import pytest
import redis

from pyramid_helpdesk.settings import SettingsError, parse_settings
from pyramid_helpdesk.testing import TEST_SECRET, build_app, make_test_settings, rolled_back

from .accounts_support import (
    PASSWORD,
    SETTINGS,
    field,
    link_in,
    login,
    mails_to,
    own_helpdesk,
    post,
    register,
)

SMALL_LIMITS = {
    "helpdesk.ratelimit.login": "3/minute", "helpdesk.ratelimit.login.client": "5/minute",
    "helpdesk.ratelimit.register": "2/hour", "helpdesk.ratelimit.register.client": "3/hour",
    "helpdesk.ratelimit.reset": "2/hour", "helpdesk.ratelimit.reset.client": "3/hour",
    "helpdesk.ratelimit.resend": "1/hour", "helpdesk.ratelimit.resend.client": "3/hour",
}
REDIS_URL = "redis://127.0.0.1:6379/0"
CLIENT, OTHER_CLIENT = "127.0.0.2", "127.0.0.3"


@pytest.fixture(scope="module")
def limited_app(helpdesk_engine, helpdesk_database_url, tmp_path_factory):
    """An app with small limits, counted in its own memory."""
    settings = make_test_settings(helpdesk_database_url, str(tmp_path_factory.mktemp("limits")),
                                  **SETTINGS, **SMALL_LIMITS)
    return build_app(settings, helpdesk_engine)


@pytest.fixture
def desk(limited_app, helpdesk_engine):
    """A rolled-back helpdesk on that app, every counter at zero."""
    limited_app.registry.helpdesk_rate_limits.reset()
    with rolled_back(limited_app, helpdesk_engine) as harness:
        yield harness


def assert_refused(page, seconds_at_most: int):
    """A 429 page that says to wait, with a Retry-After header of at most that long."""
    assert page.status_int == 429
    assert 1 <= int(page.headers["Retry-After"]) <= seconds_at_most
    assert "Too many attempts. Please try again in" in page.text


def test_failed_logins_are_limited_per_address(desk):
    desk.person("user@example.org")
    for _ in range(3):
        login(desk, "user@example.org", "wrong password", status=400, client=CLIENT)

    refused = login(desk, "user@example.org", "secret", status=429, client=OTHER_CLIENT)

    assert_refused(refused, 60)
    assert field(refused, "login")["value"] == "user@example.org"
    assert field(refused, "login")["aria-invalid"] == "true"
    assert login(desk, "other@example.org", "wrong password", status=400, client=CLIENT)


def test_failed_logins_are_limited_per_client(desk):
    for number in range(5):
        login(desk, f"guess{number}@example.org", "wrong password", status=400, client=CLIENT)

    assert_refused(login(desk, "guess5@example.org", "wrong password", status=429,
                         client=CLIENT), 60)
    spoofed = post(desk, "/login", {"login": "guess6@example.org", "password": "x"},
                   client=CLIENT, headers={"X-Forwarded-For": OTHER_CLIENT}, status=429)
    assert_refused(spoofed, 60)
    login(desk, "guess6@example.org", "wrong password", status=400, client=OTHER_CLIENT)


def test_successful_logins_do_not_count(desk):
    desk.person("user@example.org")
    for _ in range(6):
        login(desk, "user@example.org", "secret", status=303, client=CLIENT)
        desk.app.reset()

    login(desk, "user@example.org", "wrong password", status=400, client=CLIENT)


def test_registrations_are_limited_per_address(desk):
    for client in (CLIENT, OTHER_CLIENT):
        register(desk, "ada@example.net", client=client)

    refused = register(desk, "ada@example.net", name="Ada Example", status=429,
                       client="127.0.0.4")

    assert_refused(refused, 3600)
    assert field(refused, "email")["value"] == "ada@example.net"
    assert field(refused, "name")["value"] == "Ada Example"
    assert "Too many attempts" in refused.html.select_one("#form-error").text
    assert len(mails_to(desk, "ada@example.net")) == 2


def test_registrations_are_limited_per_client(desk):
    for number in range(3):
        register(desk, f"person{number}@example.net", client=CLIENT)

    assert_refused(register(desk, "person3@example.net", status=429, client=CLIENT), 3600)
    register(desk, "person3@example.net", client=OTHER_CLIENT)
    assert len(mails_to(desk, "person3@example.net")) == 1


def test_reset_requests_are_limited_per_address_and_per_client(desk):
    desk.person("user@example.org")
    for client in (CLIENT, OTHER_CLIENT):
        post(desk, "/password/forgot", {"email": "user@example.org"}, client=client)

    refused = post(desk, "/password/forgot", {"email": "User@Example.org"}, status=429,
                   client="127.0.0.4")

    assert_refused(refused, 3600)
    assert field(refused, "email")["value"] == "User@Example.org"
    assert len(mails_to(desk, "user@example.org")) == 2
    for address in ("nobody@example.org", "someone@example.org"):  # CLIENT's 2nd and 3rd
        post(desk, "/password/forgot", {"email": address}, client=CLIENT)
    assert_refused(post(desk, "/password/forgot", {"email": "else@example.org"}, status=429,
                        client=CLIENT), 3600)


def test_new_verification_links_are_limited(desk):
    register(desk, "ada@example.net", client=CLIENT)
    login(desk, "ada@example.net", status=403, client=CLIENT)
    post(desk, "/register/resend", {}, client=CLIENT)

    refused = post(desk, "/register/resend", {}, status=429, client=CLIENT)

    assert_refused(refused, 3600)
    assert refused.html.select_one("#unverified")
    assert len(mails_to(desk, "ada@example.net")) == 2


def test_wrong_passwords_on_the_confirmation_page_count_as_failed_logins(desk):
    register(desk, "ada@example.net", client=CLIENT)
    path = link_in(mails_to(desk, "ada@example.net")[0])
    for _ in range(3):
        post(desk, path, {"password": "wrong password"}, status=400, client=CLIENT)

    refused = post(desk, path, {"password": PASSWORD}, status=429, client=OTHER_CLIENT)

    assert_refused(refused, 60)
    assert field(refused, "password")["aria-invalid"] == "true"


def test_the_message_is_in_the_visitors_language(desk):
    for _ in range(3):
        login(desk, "user@example.org", "wrong password", status=400)

    refused = post(desk, "/login", {"login": "user@example.org", "password": "x"},
                   headers={"Accept-Language": "zh-CN"}, status=429)

    assert "尝试次数过多，请在" in refused.html.select_one("#login-error").text


@pytest.mark.parametrize("key, value, expected", [
    ("helpdesk.ratelimit.login", "ten a minute", "rates such as 10/minute"),
    ("helpdesk.ratelimit.storage", "memcached://127.0.0.1:11211", "memory:// or a Redis URI"),
])
def test_a_wrong_limit_or_storage_stops_start_up(key, value, expected):
    with pytest.raises(SettingsError) as info:
        parse_settings({"helpdesk.session.secret": TEST_SECRET, key: value})
    assert str(info.value).startswith(f"setting {key}: expected {expected}")


# -- Redis: the counters every process of the helpdesk shares ------------------------


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in the local Redis; its keys are deleted after."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    prefix = f"helpdesk-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


def redis_desk(engine, database_url, directory, prefix):
    return own_helpdesk(engine, database_url, directory, **SMALL_LIMITS, **{
        "helpdesk.ratelimit.storage": REDIS_URL, "helpdesk.ratelimit.key_prefix": prefix})


def test_counters_in_redis_are_shared_by_every_process(helpdesk_engine, helpdesk_database_url,
                                                       tmp_path, redis_prefix):
    with redis_desk(helpdesk_engine, helpdesk_database_url, str(tmp_path / "one"),
                    redis_prefix) as one:
        for _ in range(3):
            login(one, "user@example.org", "wrong password", status=400, client=CLIENT)

    with redis_desk(helpdesk_engine, helpdesk_database_url, str(tmp_path / "two"),
                    redis_prefix) as two:
        refused = login(two, "user@example.org", "wrong password", status=429,
                        client=OTHER_CLIENT)
        assert_refused(refused, 60)

        client = redis.Redis.from_url(REDIS_URL)
        other_key = f"{redis_prefix}-not-ours"
        client.set(other_key, "kept")
        try:
            assert list(client.scan_iter(f"{redis_prefix}:*"))
            two.registry.helpdesk_rate_limits.reset()
            assert list(client.scan_iter(f"{redis_prefix}:*")) == []
            assert client.get(other_key) == b"kept"
        finally:
            client.delete(other_key)
            client.close()
        login(two, "user@example.org", "wrong password", status=400, client=OTHER_CLIENT)


def test_an_unreachable_storage_does_not_lock_people_out(helpdesk_engine, helpdesk_database_url,
                                                         tmp_path, caplog):
    with own_helpdesk(helpdesk_engine, helpdesk_database_url, str(tmp_path), **{
            "helpdesk.ratelimit.storage": "redis://127.0.0.1:1/0"}) as desk:
        desk.person("user@example.org")
        with caplog.at_level(logging.ERROR, logger="pyramid_helpdesk.auth.ratelimits"):
            login(desk, "user@example.org", "secret", status=303)

    assert "rate-limit storage failed; login allowed without a limit" in caplog.text
