"""A forgotten password: a link by e-mail, a new password, logged in. The link works
once and expires; asking for one never tells whether the address has an account."""
from __future__ import annotations

import time

import pytest

from pyramid_helpdesk.people.passwords import verify_password
from pyramid_helpdesk.people.services import find_by_email, find_or_create_requester

from .accounts_support import (
    PASSWORD,
    field,
    link_in,
    login,
    mails_to,
    own_helpdesk,
    post,
    register,
)

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def desk(helpdesk):
    """The suite's helpdesk, its rate limits reset."""
    helpdesk.registry.helpdesk_rate_limits.reset()
    return helpdesk


@pytest.fixture
def user(desk):
    """A local account with the test password."""
    person = desk.person("user@example.org", name="Uma User")
    desk.dbsession.flush()
    return person


def forgot(desk, address: str, **kw):
    """Ask for a reset link on the forgotten-password page."""
    return post(desk, "/password/forgot", {"email": address}, **kw)


def choose(desk, path: str, password: str = NEW_PASSWORD, confirm: str | None = None, **kw):
    """Submit the new-password form of a reset link."""
    return post(desk, path, {"password": password,
                             "password_confirm": password if confirm is None else confirm},
                **kw)


def test_a_person_resets_a_forgotten_password_and_is_logged_in(desk, user):
    page = forgot(desk, "user@example.org")

    assert page.html.h1.text == "Check your mailbox"
    [mail] = mails_to(desk, "user@example.org")
    assert mail.kind == "password_reset"
    assert mail.subject == "Reset your password for Helpdesk"
    form = desk.app.get(link_in(mail))
    assert "user@example.org" in form.html.select_one("#reset-form").text

    done = choose(desk, link_in(mail), status=303)

    assert done.headers["Location"].endswith("/")
    assert desk.app.get("/login").maybe_follow().html.select_one("header .who")
    desk.app.reset()
    assert login(desk, "user@example.org", "secret", status=400)
    assert login(desk, "user@example.org", NEW_PASSWORD).status_int == 303


def test_a_reset_link_works_once(desk, user):
    forgot(desk, "user@example.org")
    path = link_in(mails_to(desk, "user@example.org")[0])
    choose(desk, path, status=303)
    desk.app.reset()

    again = desk.app.get(path, status=410)

    assert again.html.h1.text == "This link has been used"
    assert again.html.select_one("#notice a")["href"] == "/password/forgot"
    choose(desk, path, "another new passphrase", status=410)
    desk.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD, "CHEAPEST")


def test_a_new_password_makes_every_older_link_useless(desk, user):
    forgot(desk, "user@example.org")
    forgot(desk, "user@example.org")
    first, second = (link_in(m) for m in mails_to(desk, "user@example.org"))

    choose(desk, second, status=303)

    assert desk.app.get(first, status=410).html.h1.text == "This link has been used"


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(desk, user):
    known = forgot(desk, "user@example.org")
    unknown = forgot(desk, "nobody@example.org")

    assert known.status_int == unknown.status_int == 200
    assert known.text.replace("user@", "X@") == unknown.text.replace("nobody@", "X@")
    assert len(mails_to(desk, "user@example.org")) == 1
    assert mails_to(desk, "nobody@example.org") == []


def test_a_directory_account_gets_no_reset_link(desk):
    person = desk.person("dir@example.org")
    person.auth_source = "ldap"
    desk.dbsession.flush()

    page = forgot(desk, "dir@example.org")

    assert page.html.h1.text == "Check your mailbox"
    assert mails_to(desk, "dir@example.org") == []


def test_an_expired_reset_link_is_refused_with_a_clear_page(helpdesk_engine, helpdesk_database_url,
                                                            tmp_path):
    with own_helpdesk(helpdesk_engine, helpdesk_database_url, str(tmp_path), **{
            "helpdesk.password.reset_max_age": "1s"}) as desk:
        desk.person("user@example.org")
        forgot(desk, "user@example.org")
        path = link_in(mails_to(desk, "user@example.org")[0])
        time.sleep(2)

        expired = desk.app.get(path, status=410)

        assert expired.html.h1.text == "This link has expired"
        choose(desk, path, status=410)


def test_a_damaged_reset_link_is_refused_with_a_clear_page(desk, user):
    forgot(desk, "user@example.org")
    path = link_in(mails_to(desk, "user@example.org")[0])
    token = path.rsplit("/", 1)[1]
    payload, stamp, signature = token.split(".")

    for damaged in (path[:-4], f"/password/reset/{payload}x.{stamp}.{signature}",
                    path.replace("/password/reset/", "/register/confirm/")):
        page = desk.app.get(damaged, status=400)
        assert page.html.h1.text == "This link does not work", damaged


def test_a_wrong_new_password_comes_back_marked(desk, user):
    forgot(desk, "user@example.org")
    path = link_in(mails_to(desk, "user@example.org")[0])

    short = choose(desk, path, "short", status=400)
    assert field(short, "password")["aria-invalid"] == "true"
    assert "At least 10 characters" in short.html.select_one("#password-error").text
    differ = choose(desk, path, NEW_PASSWORD, NEW_PASSWORD + "?", status=400)
    assert field(differ, "password_confirm")["aria-invalid"] == "true"
    own_address = choose(desk, path, "User@Example.org", status=400)
    assert "must not be your e-mail address" in own_address.html.select_one(
        "#password-error").text
    desk.refresh(user)
    assert verify_password(user.password_hash, "secret", "CHEAPEST")


def test_a_malformed_address_is_marked_on_the_form(desk):
    page = forgot(desk, "user at example.org", status=400)

    assert field(page, "email")["value"] == "user at example.org"
    assert field(page, "email")["aria-invalid"] == "true"
    assert page.html.select_one("#email-error").text == "This is not an e-mail address."


def test_resetting_the_password_of_an_unconfirmed_account_confirms_it(desk):
    register(desk, "ada@example.net")
    forgot(desk, "ada@example.net")
    [mail] = mails_to(desk, "ada@example.net", "password_reset")

    choose(desk, link_in(mail), status=303)

    person = find_by_email(desk.dbsession, "ada@example.net")
    desk.refresh(person)
    assert person.email_verified_at is not None


def test_an_address_known_from_email_intake_can_set_its_first_password(desk):
    find_or_create_requester(desk.dbsession, "writer@example.net")
    desk.dbsession.flush()

    forgot(desk, "writer@example.net")
    choose(desk, link_in(mails_to(desk, "writer@example.net")[0]), PASSWORD, status=303)

    desk.app.reset()
    assert login(desk, "writer@example.net").status_int == 303


def test_the_reset_mail_is_written_in_the_persons_language(desk):
    desk.person("li@example.org", locale="zh_CN")
    desk.dbsession.flush()

    forgot(desk, "li@example.org")

    [mail] = mails_to(desk, "li@example.org")
    assert mail.subject == "重置您在 Helpdesk 的密码"
    assert "要设置新密码，请打开以下链接：" in mail.body
