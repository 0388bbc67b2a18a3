"""Who may do what: CSRF on every form, logging in and out, who sees which
ticket, and what the pages do with hostile text."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import webtest
from sqlalchemy import func, select

from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.people.models import Person
from pyramid_helpdesk.people.passwords import verify_password
from pyramid_helpdesk.testing import TEST_PASSWORD
from pyramid_helpdesk.tickets.models import ExternalAuthorization, Ticket

HOST = "helpdesk.example.org"
WRONG_TOKENS = pytest.mark.parametrize("token", [None, "forged-token"],
                                       ids=["no-token", "wrong-token"])


def signed_in_as(app: webtest.TestApp) -> str | None:
    """Whom the browser's session belongs to, as the page header shows it."""
    page = app.get("/")
    who = page.html.select_one("header.site .who")
    return who.get_text(strip=True) if who else None


def with_token(fields: dict, token: str | None) -> dict:
    """The form fields, plus ``csrf_token`` unless it is ``None``."""
    return fields if token is None else {**fields, "csrf_token": token}


def session_cookie_headers(response) -> list[str]:
    """The Set-Cookie headers of the session cookie."""
    return [value for name, value in response.headerlist
            if name.lower() == "set-cookie" and value.startswith("helpdesk_session=")]


def ticket_count(helpdesk) -> int:
    """How many tickets there are, as this test sees the database."""
    return helpdesk.dbsession.scalar(select(func.count()).select_from(Ticket))


# -- CSRF ------------------------------------------------------------------------------


@WRONG_TOKENS
def test_a_forged_login_form_is_refused_and_signs_nobody_in(helpdesk, staff, token):
    helpdesk.csrf_token("/login")  # the browser has a session with a real token
    response = helpdesk.app.post("/login", with_token(
        {"login": "user@example.org", "password": TEST_PASSWORD}, token), status=400)

    assert "Form expired" in response.text
    assert signed_in_as(helpdesk.app) is None
    helpdesk.refresh(staff.user)
    assert staff.user.last_login_at is None


def test_the_login_form_with_its_own_token_signs_the_person_in(helpdesk, staff):
    token = helpdesk.csrf_token("/login")
    response = helpdesk.app.post("/login", {"login": "user@example.org",
                                            "password": TEST_PASSWORD, "csrf_token": token})

    assert response.status_int == 303
    assert signed_in_as(helpdesk.app) == staff.user.display_name


@WRONG_TOKENS
def test_a_forged_logout_is_refused_and_the_person_stays_signed_in(helpdesk, staff, token):
    helpdesk.login("user@example.org")

    response = helpdesk.app.post("/logout", with_token({}, token), status=400)

    assert "Form expired" in response.text
    assert signed_in_as(helpdesk.app) == staff.user.display_name


@WRONG_TOKENS
def test_a_forged_new_ticket_form_is_refused_and_creates_no_ticket(helpdesk, staff, token):
    helpdesk.login("user@example.org")
    before = ticket_count(helpdesk)

    response = helpdesk.app.post("/tickets/new", with_token(
        {"subject": "Please reset my password", "description": "Urgent."}, token), status=400)

    assert "Form expired" in response.text
    assert ticket_count(helpdesk) == before


def test_a_token_from_another_browser_does_not_work_in_mine(helpdesk, staff):
    helpdesk.login("user@example.org")
    attacker = webtest.TestApp(helpdesk.wsgi_app, extra_environ={"HTTP_HOST": HOST})
    attackers_token = attacker.get("/login").html.select_one("input[name=csrf_token]")["value"]

    response = helpdesk.app.post("/tickets/new", {
        "subject": "Send me the VPN keys", "description": "Thanks.",
        "csrf_token": attackers_token,
    }, status=400)

    assert "Form expired" in response.text
    assert ticket_count(helpdesk) == 0


def test_the_token_seen_before_login_no_longer_works_after_it(helpdesk, staff):
    """Logging in starts a new session with a new token (no session fixation)."""
    token_before = helpdesk.csrf_token("/login")
    token_after = helpdesk.login("user@example.org")
    assert token_after != token_before

    helpdesk.app.post("/logout", {"csrf_token": token_before}, status=400)
    assert signed_in_as(helpdesk.app) == staff.user.display_name

    helpdesk.app.post("/logout", {"csrf_token": token_after}, status=303)
    assert signed_in_as(helpdesk.app) is None


def test_over_https_a_form_posted_from_another_site_is_refused_even_with_the_token(
        helpdesk, staff):
    https = {"wsgi.url_scheme": "https", "HTTP_HOST": HOST}
    token = helpdesk.login("user@example.org")

    refused = helpdesk.app.post("/logout", {"csrf_token": token}, status=400,
                                extra_environ={**https, "HTTP_ORIGIN": "https://evil.example"})
    assert "Form expired" in refused.text
    assert signed_in_as(helpdesk.app) == staff.user.display_name

    helpdesk.app.post("/logout", {"csrf_token": token}, status=303,
                      extra_environ={**https, "HTTP_ORIGIN": f"https://{HOST}"})
    assert signed_in_as(helpdesk.app) is None


# -- logging in and out ----------------------------------------------------------------


@pytest.mark.parametrize("login", ["nobody@example.org", "user@example.org"],
                         ids=["unknown-address", "known-address"])
def test_a_wrong_password_gets_the_same_answer_for_known_and_unknown_addresses(
        helpdesk, staff, login):
    response = helpdesk.app.post("/login", {
        "login": login, "password": "not-the-password",
        "csrf_token": helpdesk.csrf_token("/login"),
    }, status=400)

    assert response.html.select_one("p.error").get_text(strip=True) == \
        "Wrong e-mail address or password."
    field = response.html.select_one("input#login")
    assert field["value"] == login
    assert field["aria-invalid"] == "true"
    assert "not-the-password" not in response.text
    assert signed_in_as(helpdesk.app) is None


def test_the_right_password_sets_an_httponly_samesite_session_cookie(helpdesk, staff):
    response = helpdesk.app.post("/login", {
        "login": "User@Example.org", "password": TEST_PASSWORD,
        "csrf_token": helpdesk.csrf_token("/login"),
    }, status=303)

    assert urlsplit(response.headers["Location"]).path == "/"
    cookies = session_cookie_headers(response)
    assert cookies, response.headerlist
    attributes = [part.strip().lower() for part in cookies[-1].split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    helpdesk.refresh(staff.user)
    assert staff.user.last_login_at is not None


def test_after_logout_the_browser_is_anonymous_again(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    helpdesk.login("user@example.org")
    helpdesk.app.get(f"/tickets/{ticket.number}", status=200)

    response = helpdesk.app.post("/logout", {"csrf_token": helpdesk.csrf_token("/")},
                                 status=303)

    assert urlsplit(response.headers["Location"]).path == "/"
    assert signed_in_as(helpdesk.app) is None
    page = helpdesk.app.get(f"/tickets/{ticket.number}", status=303)
    assert urlsplit(page.headers["Location"]).path == "/login"


def test_an_inactive_person_cannot_log_in(helpdesk):
    helpdesk.person("left@example.org", is_active=False)

    response = helpdesk.app.post("/login", {
        "login": "left@example.org", "password": TEST_PASSWORD,
        "csrf_token": helpdesk.csrf_token("/login"),
    }, status=400)

    assert "Wrong e-mail address or password." in response.text
    assert signed_in_as(helpdesk.app) is None


def test_a_person_deactivated_while_signed_in_loses_access_at_once(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    helpdesk.login("user@example.org")
    staff.user.is_active = False
    helpdesk.dbsession.flush()

    assert signed_in_as(helpdesk.app) is None
    helpdesk.app.get(f"/tickets/{ticket.number}", status=303)


def test_following_a_ticket_link_anonymously_leads_through_login_back_to_the_ticket(
        helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, subject="Screen flickers")

    redirect = helpdesk.app.get(f"/tickets/{ticket.number}", status=303)
    location = urlsplit(redirect.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": [f"/tickets/{ticket.number}"]}

    form = redirect.follow().forms["login-form"]
    form["login"] = "user@example.org"
    form["password"] = TEST_PASSWORD
    landed = form.submit(status=303)
    assert urlsplit(landed.headers["Location"]).path == f"/tickets/{ticket.number}"
    assert "Screen flickers" in landed.follow().text


@pytest.mark.parametrize("target, expected", [
    ("/tickets/new", "/tickets/new"),
    ("https://evil.example/", "/"),
    ("//evil.example", "/"),
    ("//evil.example/tickets/new", "/"),
    ("\\\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("", "/"),
])
def test_login_redirects_only_to_pages_of_this_site(helpdesk, staff, target, expected):
    response = helpdesk.app.post("/login", {
        "login": "user@example.org", "password": TEST_PASSWORD, "next": target,
        "csrf_token": helpdesk.csrf_token("/login"),
    }, status=303)

    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc) == ("http", HOST)
    assert location.path == expected


@pytest.mark.parametrize("target", ["/\\evil.example", "/\t/evil.example", " //evil.example"],
                         ids=["backslash", "tab", "leading-space"])
def test_browser_quirks_in_next_do_not_lead_off_the_site(helpdesk, staff, target):
    """Browsers read ``/\\host`` and ``/<tab>/host`` as ``//host``: such a target
    is not taken as a local path, and the login lands on the home page."""
    response = helpdesk.app.post("/login", {
        "login": "user@example.org", "password": TEST_PASSWORD, "next": target,
        "csrf_token": helpdesk.csrf_token("/login"),
    }, status=303)

    location = response.headers["Location"]
    assert location == f"http://{HOST}/", location


def test_passwords_are_stored_as_argon2id_hashes_never_in_clear(helpdesk):
    person = helpdesk.person("hashed@example.org", password="correct horse battery")

    stored = helpdesk.dbsession.scalar(
        select(Person.password_hash).where(Person.id == person.id))
    assert stored.startswith("$argon2id$")
    assert "correct horse battery" not in stored
    assert verify_password(stored, "correct horse battery", "CHEAPEST")
    assert not verify_password(stored, "wrong horse", "CHEAPEST")
    other = helpdesk.person("hashed-too@example.org", password="correct horse battery")
    assert other.password_hash != stored  # salted


# -- who sees a ticket ----------------------------------------------------------------

NOTE = "Toner supplier is late again"


@pytest.fixture
def ticket(helpdesk, staff):
    """The requester's ticket, CC'd to a colleague, dispatched to Network, with a note."""
    ticket = helpdesk.ticket(staff.user, subject="Wi-Fi drops in room 12",
                             description="Every ten minutes.", cc=["Colleague@example.org"])
    helpdesk.person("colleague@example.org")  # registers after being CC'd
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.tickets.note(ticket, author=staff.firstline, body=NOTE)
    return ticket


def view_as(helpdesk, email: str, ticket, status: int):
    """Log in as ``email`` and open the ticket page, expecting ``status``."""
    helpdesk.login(email)
    return helpdesk.app.get(f"/tickets/{ticket.number}", status=status)


def test_an_anonymous_visitor_is_sent_to_log_in(helpdesk, ticket):
    response = helpdesk.app.get(f"/tickets/{ticket.number}", status=303)

    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": [f"/tickets/{ticket.number}"]}
    assert "Wi-Fi drops" not in response.text


@pytest.mark.parametrize("email, status, sees_notes", [
    ("user@example.org", 200, False),
    ("colleague@example.org", 200, False),
    ("other-user@example.org", 404, False),
    ("firstline@example.org", 200, True),
    ("coordinator@example.org", 200, True),
    ("agent@example.org", 200, True),
    ("other-agent@example.org", 404, False),
], ids=["requester", "cc", "another-requester", "first-line", "coordinator",
        "holding-group-agent", "agent-of-another-group"])
def test_who_may_read_the_ticket(helpdesk, ticket, email, status, sees_notes):
    page = view_as(helpdesk, email, ticket, status)

    assert ("Wi-Fi drops in room 12" in page.text) is (status == 200)
    assert ("Every ten minutes." in page.text) is (status == 200)
    assert (NOTE in page.text) is sees_notes
    assert ("internal note" in page.text) is sees_notes
    assert (page.html.select_one("section.flow") is not None) is sees_notes


def test_a_ticket_one_may_not_see_looks_exactly_like_one_that_does_not_exist(
        helpdesk, ticket):
    hidden = view_as(helpdesk, "other-user@example.org", ticket, 404)
    missing = helpdesk.app.get("/tickets/HD-999999", status=404)

    assert hidden.html.select_one("main").get_text() == missing.html.select_one("main").get_text()


def test_the_holder_person_sees_the_ticket_and_the_group_it_left_does_not(
        helpdesk, staff, ticket):
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, person=staff.other_agent)

    page = view_as(helpdesk, "other-agent@example.org", ticket, 200)
    assert NOTE in page.text
    helpdesk.logout()
    view_as(helpdesk, "agent@example.org", ticket, 404)


def test_an_admin_sees_every_ticket(helpdesk, ticket):
    helpdesk.person("admin@example.org", "admin")

    page = view_as(helpdesk, "admin@example.org", ticket, 200)
    assert NOTE in page.text


# -- outside addresses ------------------------------------------------------------------


@pytest.fixture
def forwarded(helpdesk, staff, ticket):
    """The ticket forwarded to an outside supplier, who has an account."""
    helpdesk.person("outside@example.net")
    helpdesk.tickets.forward(ticket, actor=staff.firstline, address="Outside@Example.net")
    return helpdesk.dbsession.scalars(select(ExternalAuthorization).where(
        ExternalAuthorization.ticket_id == ticket.id)).one()


def test_an_outside_address_the_ticket_was_forwarded_to_can_read_it(
        helpdesk, ticket, forwarded):
    page = view_as(helpdesk, "outside@example.net", ticket, 200)

    assert "Wi-Fi drops in room 12" in page.text
    assert NOTE not in page.text


def test_an_outside_authorisation_opens_only_its_own_ticket(
        helpdesk, staff, ticket, forwarded):
    other = helpdesk.ticket(staff.user, subject="Keyboard missing keys")

    view_as(helpdesk, "outside@example.net", other, 404)


def test_a_revoked_outside_authorisation_no_longer_opens_the_ticket(
        helpdesk, ticket, forwarded):
    forwarded.revoked_at = utcnow()
    helpdesk.dbsession.flush()

    view_as(helpdesk, "outside@example.net", ticket, 404)


def test_an_expired_outside_authorisation_no_longer_opens_the_ticket(
        helpdesk, ticket, forwarded):
    forwarded.expires_at = utcnow() - timedelta(minutes=1)
    helpdesk.dbsession.flush()

    view_as(helpdesk, "outside@example.net", ticket, 404)


# -- hostile text ---------------------------------------------------------------------

SCRIPT = '<script>alert("owned")</script>'


def test_markup_in_a_subject_and_description_is_shown_as_text(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, subject=f"Help {SCRIPT}",
                             description=f'<img src=x onerror="alert(1)"> {SCRIPT}')

    page = view_as(helpdesk, "firstline@example.org", ticket, 200)

    assert SCRIPT not in page.text
    assert "<img src=x" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "&lt;img src=x" in page.text
    assert page.html.select("script") == []
    assert page.html.select_one("h1").get_text() == f"{ticket.number} Help {SCRIPT}"
    helpdesk.logout()
    helpdesk.login("user@example.org")
    home = helpdesk.app.get("/")
    assert SCRIPT not in home.text
    assert home.html.select("script") == []


def test_markup_typed_into_the_login_form_is_shown_as_text(helpdesk):
    hostile = f'"><{SCRIPT[1:]}'
    response = helpdesk.app.post("/login", {
        "login": hostile, "password": "x", "next": hostile,
        "csrf_token": helpdesk.csrf_token("/login"),
    }, status=400)

    assert SCRIPT not in response.text
    assert response.html.select("script") == []
    assert response.html.select_one("input#login")["value"] == hostile
    assert response.html.select_one("input[name=next]")["value"] == hostile


@pytest.mark.parametrize("path", ["/tickets/%ff", "/staff/tickets/%ff", "/%ff"])
def test_an_address_that_is_not_utf8_is_a_400_page(helpdesk, path):
    # (Signed out: WebTest itself cannot send cookies with such an address.)
    page = helpdesk.app.get(path, status=400)
    assert "Bad address" in page.text
