"""People without an institute mailbox register, confirm their address through a
mailed link, and only then log in. Registering never tells whether an address
already has an account: only the mailbox learns it."""
from __future__ import annotations

import email
import email.policy
import time
from pathlib import Path

import pytest

from pyramid_helpdesk.notifications.delivery import deliver_due
from pyramid_helpdesk.people.models import Person
from pyramid_helpdesk.people.passwords import verify_password
from pyramid_helpdesk.people.services import find_by_email, find_or_create_requester

from .accounts_support import (
    PASSWORD,
    field,
    link_in,
    login,
    logout,
    mails_to,
    own_helpdesk,
    post,
    register,
)


@pytest.fixture
def desk(helpdesk):
    """The suite's helpdesk (self-registration open by default), its rate limits reset."""
    helpdesk.registry.helpdesk_rate_limits.reset()
    return helpdesk


def signed_in_as(desk) -> str | None:
    """The name the page header shows for the browser's session, if any."""
    who = desk.app.get("/login").maybe_follow().html.select_one("header .who")
    return who.text.strip() if who else None


def person(desk, address: str) -> Person:
    found = find_by_email(desk.dbsession, address)
    desk.refresh(found)
    return found


def test_a_visitor_registers_confirms_the_address_and_then_logs_in(desk):
    page = register(desk, "ada@example.net", name="Ada Example")

    assert page.html.h1.text == "Check your mailbox"
    assert "ada@example.net" in page.html.select_one("#notice").text
    [mail] = mails_to(desk, "ada@example.net")
    assert mail.kind == "account_verify"
    assert mail.subject == "Confirm your e-mail address for Helpdesk"
    assert mail.body.startswith("Hello Ada Example,")
    assert person(desk, "ada@example.net").email_verified_at is None

    confirm_page = desk.app.get(link_in(mail))
    assert "ada@example.net" in confirm_page.html.select_one("#confirm-form").text
    confirmed = post(desk, link_in(mail), {"password": PASSWORD}, status=303)

    assert confirmed.headers["Location"].endswith("/")
    assert signed_in_as(desk) == "Ada Example"
    assert person(desk, "ada@example.net").email_verified_at is not None
    logout(desk)
    assert login(desk, "ada@example.net").status_int == 303


def test_the_worker_delivers_the_verification_mail_in_the_chosen_language(desk):
    register(desk, "li@example.net", name="Li Example", locale="zh_CN")
    [mail] = mails_to(desk, "li@example.net")

    deliver_due(desk.dbsession, desk.plugins.notifiers, batch_size=10, max_attempts=3,
                backoff=desk.settings.worker_backoff)

    written = Path(desk.settings.mail_dir) / f"{mail.id:08d}-account_verify.eml"
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message["To"] == "li@example.net"
    assert message["Subject"] == "确认您在 Helpdesk 的电子邮件地址"
    assert "http://helpdesk.example.org/register/confirm/" in message.get_content()
    assert person(desk, "li@example.net").locale == "zh_CN"


def test_an_unverified_account_is_refused_until_confirmed_and_may_ask_for_a_new_link(desk):
    register(desk, "ada@example.net")

    refused = login(desk, "ada@example.net", status=403)

    notice = refused.html.select_one("#unverified")
    assert "confirm your e-mail address first" in notice.text
    assert signed_in_as(desk) is None
    sent_again = post(desk, "/register/resend", {})
    assert "ada@example.net" in sent_again.html.select_one("#notice").text
    first, second = mails_to(desk, "ada@example.net", "account_verify")
    post(desk, link_in(second), {"password": PASSWORD}, status=303)
    assert person(desk, "ada@example.net").email_verified_at is not None


def test_a_new_link_is_sent_only_to_the_account_whose_password_was_just_given(desk):
    register(desk, "ada@example.net")

    response = post(desk, "/register/resend", {}, status=303)

    assert response.headers["Location"].endswith("/login")
    assert len(mails_to(desk, "ada@example.net")) == 1


def test_the_wrong_password_does_not_confirm_the_address(desk):
    register(desk, "ada@example.net")
    [mail] = mails_to(desk, "ada@example.net")

    page = post(desk, link_in(mail), {"password": "not the password"}, status=400)

    assert field(page, "password")["aria-invalid"] == "true"
    assert "not the password you chose" in page.html.select_one("#password-error").text
    assert person(desk, "ada@example.net").email_verified_at is None


def test_someone_else_registering_an_address_cannot_take_it_over(desk):
    """The owner of the mailbox follows the link of a registration they did not
    make: without the password chosen then, the account stays unconfirmed; a
    password reset through the mailbox gives it to its owner."""
    register(desk, "owner@example.net", password="the intruder's password")
    [mail] = mails_to(desk, "owner@example.net")
    post(desk, link_in(mail), {"password": PASSWORD}, status=400)

    register(desk, "owner@example.net", password=PASSWORD)

    [exists] = mails_to(desk, "owner@example.net", "account_exists")
    post(desk, link_in(exists), {"password": "owner's new password",
                                 "password_confirm": "owner's new password"}, status=303)
    owner = person(desk, "owner@example.net")
    assert owner.email_verified_at is not None
    assert not verify_password(owner.password_hash, "the intruder's password", "CHEAPEST")


def test_registering_a_known_address_looks_the_same_and_tells_only_its_owner(desk):
    desk.person("known@example.net", name="Known Person")
    desk.dbsession.flush()

    for_known = register(desk, "known@example.net", name="Someone Else",
                         password="another password")
    for_unknown = register(desk, "unknown@example.net", name="Someone Else",
                           password="another password")

    assert for_known.status_int == for_unknown.status_int == 200
    assert for_known.text.replace("known@", "X@") == for_unknown.text.replace("unknown@", "X@")
    [mail] = mails_to(desk, "known@example.net")
    assert mail.kind == "account_exists"
    assert "You already have an account." in mail.body
    assert "/password/reset/" in link_in(mail)
    known = person(desk, "known@example.net")
    assert known.name == "Known Person"
    assert verify_password(known.password_hash, "secret", "CHEAPEST")


def test_an_address_known_from_email_intake_is_claimed_through_verification(desk):
    find_or_create_requester(desk.dbsession, "writer@example.net")
    desk.dbsession.flush()

    page = register(desk, "writer@example.net", name="Wen Writer", locale="zh_CN")

    assert page.html.h1.text == "Check your mailbox"
    [mail] = mails_to(desk, "writer@example.net")
    assert mail.kind == "account_claim"
    assert mail.subject == "确认您在 Helpdesk 的电子邮件地址"
    claim_page = desk.app.get(link_in(mail))
    assert field(claim_page, "name")["value"] == "Wen Writer"
    post(desk, link_in(mail), {"name": "Wen Writer", "password": PASSWORD,
                               "password_confirm": PASSWORD}, status=303)
    writer = person(desk, "writer@example.net")
    assert writer.name == "Wen Writer" and writer.locale == "zh_CN"
    logout(desk)
    assert login(desk, "writer@example.net").status_int == 303


def test_until_it_is_claimed_an_intake_address_has_no_password(desk):
    find_or_create_requester(desk.dbsession, "writer@example.net")
    desk.dbsession.flush()

    register(desk, "writer@example.net", password=PASSWORD)

    assert login(desk, "writer@example.net", status=400).html.select_one("#login-error")
    assert person(desk, "writer@example.net").password_hash is None


def test_a_link_that_was_tampered_with_is_refused_with_a_clear_page(desk):
    register(desk, "ada@example.net")
    path = link_in(mails_to(desk, "ada@example.net")[0])

    damaged = desk.app.get(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"),
                           status=400)

    assert damaged.html.h1.text == "This link does not work"
    assert damaged.html.select_one("#notice a")["href"] == "/register"
    reset_route = desk.app.get(path.replace("/register/confirm/", "/password/reset/"),
                               status=400)
    assert reset_route.html.h1.text == "This link does not work"


def test_an_expired_link_is_refused_with_a_clear_page(helpdesk_engine, helpdesk_database_url,
                                                      tmp_path):
    with own_helpdesk(helpdesk_engine, helpdesk_database_url, str(tmp_path), **{
            "helpdesk.registration.link_max_age": "1s"}) as desk:
        register(desk, "ada@example.net")
        path = link_in(mails_to(desk, "ada@example.net")[0])
        time.sleep(2)

        expired = desk.app.get(path, status=410)

        assert expired.html.h1.text == "This link has expired"
        post(desk, path, {"password": PASSWORD}, status=410)
        assert person(desk, "ada@example.net").email_verified_at is None


def test_a_confirmed_address_says_so_when_the_link_is_followed_again(desk):
    register(desk, "ada@example.net")
    path = link_in(mails_to(desk, "ada@example.net")[0])
    post(desk, path, {"password": PASSWORD}, status=303)
    desk.app.reset()  # another browser

    again = desk.app.get(path)

    assert again.html.h1.text == "Address confirmed already"
    assert again.html.select_one("#notice a")["href"] == "/login"


def test_a_wrong_form_comes_back_with_the_text_kept_and_the_fields_marked(desk):
    page = register(desk, "not an address", name="", password="short", confirm="other",
                    status=400)

    assert field(page, "email")["value"] == "not an address"
    for name in ("email", "name", "password"):
        assert field(page, name)["aria-invalid"] == "true", name
        assert page.html.select_one(f"#{name}-error").text.strip()
    assert "At least 10 characters" in page.html.select_one("#password-error").text
    assert mails_to(desk, "not an address") == []


@pytest.mark.parametrize("password, confirm, wrong_field, message", [
    ("ada@example.net", "ada@example.net", "password", "must not be your e-mail address"),
    (PASSWORD, PASSWORD + "!", "password_confirm", "The two passwords differ."),
])
def test_a_password_must_follow_the_policy(desk, password, confirm, wrong_field, message):
    page = register(desk, "ada@example.net", name="Ada Example", password=password,
                    confirm=confirm, status=400)

    assert field(page, "name")["value"] == "Ada Example"
    assert field(page, wrong_field)["aria-invalid"] == "true"
    assert message in page.html.select_one(f"#{wrong_field}-error").text
    assert find_by_email(desk.dbsession, "ada@example.net") is None


def test_registration_can_be_restricted_to_some_domains(helpdesk_engine, helpdesk_database_url,
                                                        tmp_path):
    with own_helpdesk(helpdesk_engine, helpdesk_database_url, str(tmp_path), **{
            "helpdesk.registration.domains": "example.net partner.example.com"}) as desk:
        refused = register(desk, "ada@example.org", status=400)
        assert "example.net, partner.example.com" in refused.html.select_one("#email-error").text

        register(desk, "ada@lab.partner.example.com")
        assert len(mails_to(desk, "ada@lab.partner.example.com")) == 1


def test_registration_can_be_turned_off(helpdesk_engine, helpdesk_database_url, tmp_path):
    with own_helpdesk(helpdesk_engine, helpdesk_database_url, str(tmp_path), **{
            "helpdesk.registration": "false"}) as desk:
        closed = desk.app.get("/register", status=404)
        assert closed.html.h1.text == "Registration is closed"
        register(desk, "ada@example.net", status=404)
        assert mails_to(desk, "ada@example.net") == []
        login_page = desk.app.get("/login")
        assert login_page.html.find("a", href="/register") is None


def test_anonymous_visitors_see_where_to_register_and_to_recover_a_password(desk):
    header = desk.app.get("/login").html.select_one("header nav")
    assert header.find("a", string="Register")["href"] == "/register"
    login_page = desk.app.get("/login").html.select_one("#login-form")
    assert login_page.find("a", href="/register")
    assert login_page.find("a", href="/password/forgot")

    desk.person("user@example.org")
    desk.login("user@example.org")
    assert desk.app.get("/login").maybe_follow().html.select_one("header nav").find(
        "a", string="Register") is None


def test_the_registration_page_is_in_the_visitors_language(desk):
    page = desk.app.get("/register", headers={"Accept-Language": "zh-CN"})

    assert page.html.h1.text == "注册"
    assert page.html.select_one("#locale option[selected]")["value"] == "zh_CN"


@pytest.mark.parametrize("path, fields", [
    ("/register", {"email": "ada@example.net", "name": "Ada", "password": PASSWORD,
                   "password_confirm": PASSWORD, "locale": "en"}),
    ("/register/resend", {}),
    ("/register/confirm/any-token", {"password": PASSWORD}),
    ("/password/forgot", {"email": "user@example.org"}),
    ("/password/reset/any-token", {"password": PASSWORD, "password_confirm": PASSWORD}),
])
def test_every_form_needs_its_csrf_token(desk, path, fields):
    desk.person("user@example.org")
    desk.csrf_token("/login")  # the browser has a session with a real token

    refused = desk.app.post(path, fields, status=400)

    assert refused.html.h1.text == "Form expired"
    assert mails_to(desk, "ada@example.net") == mails_to(desk, "user@example.org") == []
