"""The web channel (plugins/helpdesk_web): a requester fills in the new-ticket form."""
from __future__ import annotations

import hashlib
import os
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from webtest import Upload

from pyramid_helpdesk.attachments.models import Attachment
from pyramid_helpdesk.attachments.store import AttachmentStore
from pyramid_helpdesk.settings import SettingsError, parse_settings
from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back
from pyramid_helpdesk.tickets.models import EventKind, Ticket, TicketEvent


def new_ticket_form(helpdesk):
    """The new-ticket form as the signed-in browser sees it."""
    page = helpdesk.app.get("/tickets/new", status=200)
    return next(form for form in page.forms.values() if form.action == "/tickets/new")


def fill(form, **fields):
    """Type ``fields`` into ``form``."""
    for name, value in fields.items():
        form[name] = value
    return form


def count(helpdesk, model) -> int:
    """How many rows ``model`` has, as this test sees the database."""
    return helpdesk.dbsession.scalar(select(func.count()).select_from(model))


def test_an_anonymous_visitor_is_asked_to_log_in_first(helpdesk):
    response = helpdesk.app.get("/tickets/new", status=303)

    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": ["/tickets/new"]}


def test_an_anonymous_post_is_refused_and_creates_nothing(helpdesk):
    token = helpdesk.csrf_token("/login")

    helpdesk.app.post("/tickets/new", {"subject": "Spam", "description": "Spam.",
                                       "csrf_token": token}, status=403)

    assert count(helpdesk, Ticket) == 0


def test_a_requester_submits_a_ticket_and_lands_on_its_page(helpdesk, staff):
    helpdesk.login("user@example.org")
    form = fill(new_ticket_form(helpdesk), subject="VPN drops every hour",
                description="Since Monday, on the office Wi-Fi.", category="network",
                cc="colleague@example.org; Boss@Example.net")

    response = form.submit(status=303)

    ticket = helpdesk.dbsession.scalars(select(Ticket)).one()
    assert urlsplit(response.headers["Location"]).path == f"/tickets/{ticket.number}"
    assert ticket.channel == "web"
    assert ticket.requester_id == staff.user.id
    assert ticket.subject == "VPN drops every hour"
    assert ticket.description == "Since Monday, on the office Wi-Fi."
    assert ticket.category == "network"
    assert [cc.email for cc in ticket.cc] == ["boss@example.net", "colleague@example.org"]
    events = helpdesk.dbsession.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all()
    assert [event.kind for event in events] == [EventKind.created]
    assert events[0].detail == {"channel": "web", "acknowledge": True}
    page = response.follow(status=200)
    assert "VPN drops every hour" in page.text
    assert "colleague@example.org" in page.text


def test_a_ticket_from_the_web_is_the_requesters_own(helpdesk, staff):
    """Whatever the form says, the requester is the person signed in."""
    token = helpdesk.login("user@example.org")

    helpdesk.app.post("/tickets/new", {
        "subject": "Laptop slow", "description": "Very.", "csrf_token": token,
        "requester": str(staff.coordinator.id), "requester_id": str(staff.coordinator.id),
    }, status=303)

    ticket = helpdesk.dbsession.scalars(select(Ticket)).one()
    assert ticket.requester_id == staff.user.id


@pytest.mark.parametrize("field, fields", [
    ("subject", {"subject": "   ", "description": "The printer on floor 2 jams.",
                 "cc": "colleague@example.org"}),
    ("description", {"subject": "Printer jams", "description": "",
                     "cc": "colleague@example.org"}),
    ("category", {"subject": "Printer jams", "description": "The printer on floor 2 jams.",
                  "category": "plumbing"}),
    ("cc", {"subject": "Printer jams", "description": "The printer on floor 2 jams.",
            "cc": "colleague-at-example.org"}),
], ids=["empty-subject", "empty-description", "unknown-category", "malformed-cc"])
def test_a_bad_form_comes_back_with_the_text_kept_and_creates_nothing(
        helpdesk, staff, field, fields):
    token = helpdesk.login("user@example.org")

    page = helpdesk.app.post("/tickets/new", {**fields, "csrf_token": token}, status=400)

    html = page.html
    assert html.select_one("[role=alert]").get_text(strip=True) == \
        "Please correct the marked fields."
    assert html.select_one(f"#{field}")["aria-invalid"] == "true"
    others = {"subject", "description", "category", "cc"} - {field}
    assert all(not html.select_one(f"#{other}").has_attr("aria-invalid") for other in others)
    if "description" in fields and field != "description":
        assert html.select_one("#description").get_text() == fields["description"]
    if field != "subject":
        assert html.select_one("#subject")["value"] == fields["subject"]
    if "cc" in fields:
        assert html.select_one("#cc")["value"] == fields["cc"]
    assert count(helpdesk, Ticket) == 0
    assert count(helpdesk, TicketEvent) == 0


def test_the_corrected_form_goes_through(helpdesk, staff):
    helpdesk.login("user@example.org")
    form = fill(new_ticket_form(helpdesk), subject="", description="Toner is empty.")
    bounced = form.submit(status=400)

    form = next(f for f in bounced.forms.values() if f.action == "/tickets/new")
    assert form["description"].value == "Toner is empty."
    form["subject"] = "Toner"
    form.submit(status=303)

    ticket = helpdesk.dbsession.scalars(select(Ticket)).one()
    assert (ticket.subject, ticket.description) == ("Toner", "Toner is empty.")


def test_an_attachment_is_stored_once_by_its_content_hash(helpdesk, staff):
    # Under 10 KB: a bigger body is spooled by WebOb to a temporary file that only the
    # garbage collector closes, a ResourceWarning (an error in this suite).
    content = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16
    digest = hashlib.sha256(content).hexdigest()
    token = helpdesk.login("user@example.org")

    response = helpdesk.app.post("/tickets/new", {
        "subject": "Error dialog", "description": "See the screenshot.", "csrf_token": token,
        "attachment": Upload("screenshot.png", content, "image/png"),
    }, status=303)

    ticket = helpdesk.dbsession.scalars(select(Ticket)).one()
    attachment = helpdesk.dbsession.scalars(
        select(Attachment).where(Attachment.ticket_id == ticket.id)).one()
    assert (attachment.filename, attachment.content_type) == ("screenshot.png", "image/png")
    assert (attachment.sha256, attachment.size) == (digest, len(content))
    store = AttachmentStore(helpdesk.settings.attachments_dir,
                            helpdesk.settings.attachments_max_size)
    path = store.path(digest)
    assert os.path.isfile(path)
    assert os.path.getsize(path) == len(content)
    with store.open(digest) as stored:
        assert stored.read() == content
    assert f"screenshot.png ({len(content)} bytes)" in response.follow().text


@pytest.fixture
def small_limit(helpdesk_engine, helpdesk_database_url, tmp_path):
    """A helpdesk that accepts attachments of at most 1 KB."""
    settings = make_test_settings(helpdesk_database_url, str(tmp_path), **{
        "helpdesk.plugins": "web", "helpdesk.attachments.max_size": "1KB"})
    with rolled_back(build_app(settings, helpdesk_engine), helpdesk_engine) as harness:
        harness.person("user@example.org")
        yield harness


def test_an_attachment_over_the_limit_is_refused_with_a_clear_message(small_limit):
    token = small_limit.login("user@example.org")

    page = small_limit.app.post("/tickets/new", {
        "subject": "Log file", "description": "The log is attached.", "csrf_token": token,
        "attachment": Upload("huge.log", b"x" * 2048, "text/plain"),
    }, status=400)

    assert page.html.select_one("#attachment-error").get_text() == \
        "“huge.log” is larger than 1 KB: please attach a smaller file."
    assert "please choose them again" in page.text
    assert page.html.find("input", {"name": "subject"})["value"] == "Log file"
    assert page.html.find("textarea", {"name": "description"}).text == "The log is attached."
    assert page.html.find("input", {"name": "attachment"})["aria-invalid"] == "true"
    assert count(small_limit, Ticket) == 0
    assert count(small_limit, Attachment) == 0
    root = small_limit.settings.attachments_dir
    stored = [name for _, _, names in os.walk(root) for name in names] \
        if os.path.isdir(root) else []
    assert stored == []


def test_an_attachment_within_the_limit_is_accepted(small_limit):
    token = small_limit.login("user@example.org")

    small_limit.app.post("/tickets/new", {
        "subject": "Log excerpt", "description": "The last lines.", "csrf_token": token,
        "attachment": Upload("tail.log", b"x" * 1024, "text/plain"),
    }, status=303)

    assert count(small_limit, Attachment) == 1


def post_ticket(helpdesk, *files, status, **fields):
    """Post the new-ticket form with ``files`` (webtest Uploads) in its one file input."""
    token = helpdesk.csrf_token("/tickets/new")
    params = [("subject", "Screenshots"), ("description", "Three of them."),
              ("csrf_token", token), *fields.items()]
    params += [("attachment", upload) for upload in files]
    return helpdesk.app.post("/tickets/new", params, status=status)


def test_several_attachments_go_through_one_file_input(helpdesk, staff):
    helpdesk.login("user@example.org")
    page = new_ticket_form(helpdesk)
    assert page.fields["attachment"][0].attrs.get("multiple") is not None

    post_ticket(helpdesk, Upload("first.png", b"\x89PNG one", "image/png"),
                Upload("notes.TXT", b"two", "text/plain"),
                Upload("logs.zip", b"PK three", "application/zip"), status=303)

    ticket = helpdesk.dbsession.scalars(select(Ticket)).one()
    assert [a.filename for a in helpdesk.tickets.attachments(ticket)] == \
        ["first.png", "notes.TXT", "logs.zip"]


@pytest.mark.parametrize("filename, content_type", [
    ("setup.exe", "application/x-msdownload"),
    ("invoice.pdf.exe", "application/octet-stream"),
    ("report.pdf", "application/x-msdownload"),
    ("run.sh", "application/x-sh"),
    ("Makefile", "text/plain"),
    ("page.png", "text/html"),
], ids=["executable", "double-extension", "declared-executable", "script", "no-extension",
        "mismatched-type"])
def test_a_file_of_a_refused_type_is_refused_and_nothing_is_created(
        helpdesk, staff, filename, content_type):
    helpdesk.login("user@example.org")

    page = post_ticket(helpdesk, Upload("ok.txt", b"fine", "text/plain"),
                       Upload(filename, b"MZ payload", content_type), status=400)

    assert page.html.select_one("#attachment")["aria-invalid"] == "true"
    assert page.html.select_one("#attachment-error").get_text() == \
        f"“{filename}” cannot be attached: files of this type are not accepted."
    assert page.html.select_one("#subject")["value"] == "Screenshots"
    assert page.html.select_one("#description").get_text() == "Three of them."
    assert "please choose them again" in page.text
    assert count(helpdesk, Ticket) == 0
    assert count(helpdesk, Attachment) == 0


@pytest.mark.parametrize("filename, content_type", [
    ("photo.JPG", "image/jpeg"),
    ("server.log", ""),
    ("export.7z", "application/octet-stream"),
    ("budget.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("notes.txt", "text/plain; charset=utf-8"),
])
def test_common_office_image_text_and_archive_files_are_accepted(
        helpdesk, staff, filename, content_type):
    helpdesk.login("user@example.org")

    post_ticket(helpdesk, Upload(filename, b"content", content_type), status=303)

    assert count(helpdesk, Attachment) == 1


@pytest.fixture
def strict_desk(helpdesk_engine, helpdesk_database_url, tmp_path):
    """A helpdesk that takes at most two plain-text files per ticket."""
    settings = make_test_settings(helpdesk_database_url, str(tmp_path), **{
        "helpdesk.plugins": "web", "helpdesk.attachments.max_count": "2",
        "helpdesk.attachments.allowed_types": ".txt, text/plain"})
    with rolled_back(build_app(settings, helpdesk_engine), helpdesk_engine) as harness:
        harness.person("user@example.org")
        yield harness


def test_more_files_than_the_limit_are_refused(strict_desk):
    strict_desk.login("user@example.org")
    files = [Upload(f"{n}.txt", b"x", "text/plain") for n in "abc"]

    page = post_ticket(strict_desk, *files, status=400)

    assert page.html.select_one("#attachment-error").get_text() == \
        "At most 2 attachments per ticket."
    assert "Up to 2 files per ticket" in page.html.select_one("#attachment-hint").get_text()
    assert count(strict_desk, Ticket) == 0
    post_ticket(strict_desk, *files[:2], status=303)
    assert count(strict_desk, Attachment) == 2


def test_the_allowed_types_come_from_the_settings(strict_desk):
    strict_desk.login("user@example.org")
    form = new_ticket_form(strict_desk)
    assert form.fields["attachment"][0].attrs["accept"] == ".txt"

    page = post_ticket(strict_desk, Upload("shot.png", b"\x89PNG", "image/png"), status=400)

    assert "“shot.png” cannot be attached" in page.text


@pytest.mark.parametrize("value", ["exe", "application", ".tar.gz", ""])
def test_a_malformed_allowed_types_setting_stops_start_up(value):
    with pytest.raises(SettingsError, match="helpdesk.attachments.allowed_types"):
        parse_settings({"helpdesk.session.secret": "s" * 32,
                        "helpdesk.attachments.allowed_types": value})
