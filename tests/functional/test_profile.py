"""The first-login profile: asked for before anything else, then editable."""
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from pyramid_helpdesk.testing import TEST_PASSWORD, build_app, make_test_settings, rolled_back
from pyramid_helpdesk.tickets.models import Ticket

PROFILE = {"name": "Lin Example", "department": "Physics lab 3", "phone": "+86 10 5555 0100",
           "locale": "en"}


@pytest.fixture
def newcomer(helpdesk):
    """A person who has just got an account and never filled in their profile."""
    person = helpdesk.person("newcomer@example.org", name="", profile_completed=False)
    log_in(helpdesk, "newcomer@example.org")
    return person


def log_in(desk, email: str) -> None:
    """Log in through the form (``helpdesk.login`` reads a token from the home page,
    which the gate does not show yet)."""
    desk.app.post("/login", {"login": email, "password": TEST_PASSWORD,
                             "csrf_token": desk.csrf_token("/login")}, status=303)


def where(response) -> tuple[str, dict]:
    """The path and query a redirect leads to."""
    location = urlsplit(response.headers["Location"])
    return location.path, parse_qs(location.query)


def submit(helpdesk, fields: dict, status: int, path: str = "/profile"):
    """Fill the profile form shown at ``path`` with ``fields`` and save it."""
    form = helpdesk.app.get(path).forms["profile-form"]
    for name, value in fields.items():
        form[name] = value
    return form.submit(status=status)


def test_after_the_first_login_every_page_leads_to_the_profile_first(helpdesk, newcomer):
    assert where(helpdesk.app.get("/", status=303)) == ("/profile", {"next": ["/"]})
    assert where(helpdesk.app.get("/tickets/new", status=303)) == (
        "/profile", {"next": ["/tickets/new"]})

    page = helpdesk.app.get("/profile?next=/")
    assert page.html.h1.get_text(strip=True) == "Complete your profile"
    assert page.html.select_one("#email")["value"] == "newcomer@example.org"


def test_saving_the_profile_opens_the_new_ticket_form(helpdesk, newcomer):
    saved = submit(helpdesk, PROFILE, 303, path="/profile?next=/")

    assert where(saved)[0] == "/tickets/new"
    form_page = saved.follow()
    assert form_page.html.select_one("p.flash").get_text(strip=True) == "Your profile was saved."
    helpdesk.refresh(newcomer)
    assert (newcomer.name, newcomer.department, newcomer.phone, newcomer.locale,
            newcomer.profile_completed) == ("Lin Example", "Physics lab 3", "+86 10 5555 0100",
                                            "en", True)
    helpdesk.app.get("/", status=200)


def test_a_ticket_link_followed_before_the_profile_is_done_opens_after_saving(
        helpdesk, staff, newcomer):
    ticket = helpdesk.ticket(newcomer, subject="Printer on floor 2")
    gated = helpdesk.app.get(f"/tickets/{ticket.number}", status=303)

    saved = submit(helpdesk, PROFILE, 303, path=gated.headers["Location"])

    assert where(saved)[0] == f"/tickets/{ticket.number}"
    assert "Printer on floor 2" in saved.follow().text


def test_the_chosen_language_is_the_page_language_from_then_on(helpdesk, newcomer):
    saved = submit(helpdesk, {**PROFILE, "locale": "zh_CN"}, 303)

    form_page = saved.follow()
    assert form_page.html.find("html")["lang"] == "zh-CN"
    assert form_page.html.select_one("p.flash").get_text(strip=True) == "个人资料已保存。"
    page = helpdesk.app.get("/", headers={"Accept-Language": "en"})
    assert page.html.find("html")["lang"] == "zh-CN"


@pytest.mark.parametrize("field, value, message", [
    ("name", "   ", "Please give your name."),
    ("department", "", "Please give your department or lab."),
    ("phone", "", "Please give a phone number we can call you on."),
    ("phone", "call me maybe", "Please write the number with digits, e.g. +86 10 1234 5678."),
    ("phone", "+1", "Please write the number with digits, e.g. +86 10 1234 5678."),
    ("name", "x" * 201, "At most 200 characters."),
])
def test_a_wrong_field_is_marked_and_everything_typed_is_kept(
        helpdesk, newcomer, field, value, message):
    page = submit(helpdesk, {**PROFILE, field: value}, 400)

    marked = page.html.select('[aria-invalid="true"]')
    assert [element["id"] for element in marked] == [field]
    assert page.html.select_one(f"#{field}-error").get_text(strip=True) == message
    for name in ("name", "department", "phone"):
        typed = value if name == field else PROFILE[name]
        if name == field and name == "name":
            typed = " ".join(typed.split())
        assert page.html.select_one(f"#{name}")["value"] == typed
    helpdesk.refresh(newcomer)
    assert newcomer.profile_completed is False


def test_a_language_must_be_chosen(helpdesk, newcomer):
    token = helpdesk.csrf_token("/profile")
    page = helpdesk.app.post("/profile", {**PROFILE, "locale": "fr", "csrf_token": token},
                             status=400)

    assert page.html.select_one("#locale")["aria-invalid"] == "true"
    assert page.html.select_one("#locale-error").get_text(strip=True) == \
        "Please choose a language."
    assert page.html.select_one("#name")["value"] == "Lin Example"


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/static/helpdesk.css", "/profile"])
def test_health_checks_files_and_the_profile_itself_stay_open(helpdesk, newcomer, path):
    helpdesk.app.get(path, status=200)


def test_the_language_switch_and_logging_out_stay_open(helpdesk, newcomer):
    token = helpdesk.csrf_token("/profile")
    switched = helpdesk.app.post("/language", {"locale": "zh_CN", "came_from": "/profile",
                                               "csrf_token": token}, status=303)
    assert switched.follow().html.h1.get_text(strip=True) == "完善个人资料"

    helpdesk.app.post("/logout", {"csrf_token": token}, status=303)
    helpdesk.app.get("/", status=200)


def test_a_form_posted_elsewhere_before_the_profile_is_done_goes_to_the_profile(
        helpdesk, newcomer):
    token = helpdesk.csrf_token("/profile")
    response = helpdesk.app.post("/tickets/new", {"subject": "VPN", "description": "Down.",
                                                  "csrf_token": token}, status=303)

    assert where(response) == ("/profile", {})
    assert helpdesk.dbsession.scalar(select(func.count()).select_from(Ticket)) == 0


def test_later_the_same_page_edits_the_profile(helpdesk, staff):
    helpdesk.login("user@example.org")
    page = helpdesk.app.get("/profile")
    assert page.html.h1.get_text(strip=True) == "Your profile"
    assert page.html.select_one("#name")["value"] == staff.user.name

    saved = submit(helpdesk, {**PROFILE, "department": "Chemistry"}, 303,
                   path="/profile?next=/tickets/new")

    assert where(saved)[0] == "/tickets/new"
    helpdesk.refresh(staff.user)
    assert staff.user.department == "Chemistry"
    again = submit(helpdesk, PROFILE, 303)
    assert where(again)[0] == "/"
    assert again.follow().html.select_one("p.flash").get_text(strip=True) == \
        "Your profile was saved."


def test_the_header_links_to_the_profile(helpdesk, staff):
    helpdesk.login("user@example.org")
    link = helpdesk.app.get("/").html.select_one("header.site a.who")
    assert link["href"] == "/profile"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_next_never_leads_off_the_site(helpdesk, newcomer, target):
    saved = submit(helpdesk, PROFILE, 303, path=f"/profile?next={target}")
    assert where(saved)[0] == "/tickets/new"
    assert urlsplit(saved.headers["Location"]).netloc == "helpdesk.example.org"


def test_an_anonymous_visitor_is_sent_to_log_in(helpdesk):
    response = helpdesk.app.get("/profile", status=303)
    assert where(response) == ("/login", {"next": ["/profile"]})


def test_without_a_new_ticket_form_saving_goes_home(
        helpdesk_database_url, helpdesk_engine, tmp_path):
    settings = make_test_settings(helpdesk_database_url, str(tmp_path),
                                  **{"helpdesk.plugins": ""})
    with rolled_back(build_app(settings, helpdesk_engine), helpdesk_engine) as desk:
        desk.person("newcomer@example.org", profile_completed=False)
        log_in(desk, "newcomer@example.org")

        saved = submit(desk, PROFILE, 303, path="/profile?next=/")

        assert where(saved) == ("/", {})
