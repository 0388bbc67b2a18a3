"""A requester edits a submitted ticket until staff first reply (/tickets/{number}/edit)."""
from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from webtest import Upload

from pyramid_helpdesk.attachments.store import Upload as StoredUpload
from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back
from pyramid_helpdesk.tickets.models import EventKind


def edit_form(page, ticket):
    """The edit form of ``ticket`` on ``page``."""
    action = f"/tickets/{ticket.number}/edit"
    return next(form for form in page.forms.values() if form.action == action)


@pytest.fixture
def ticket(helpdesk, staff):
    """A web ticket of user@example.org with one attachment, the user logged in."""
    created = helpdesk.ticket(
        staff.user, subject="Printer jam", description="Tray 1 jams.", channel="web",
        category="hardware", attachments=[StoredUpload("jam.jpg", "image/jpeg",
                                                       io.BytesIO(b"\xff\xd8 jpeg"))])
    helpdesk.login("user@example.org")
    return created


def test_the_edit_form_shows_the_ticket_as_it_is(helpdesk, ticket):
    page = helpdesk.app.get(f"/tickets/{ticket.number}/edit", status=200)

    form = edit_form(page, ticket)
    assert form["subject"].value == "Printer jam"
    assert form["description"].value == "Tray 1 jams."
    assert form["category"].value == "hardware"
    assert form["version"].value == str(ticket.version)
    assert page.html.select_one("h1").get_text(" ", strip=True) == \
        f"Edit ticket {ticket.number}"
    assert [label.get_text() for label in page.html.select("fieldset.files label")] == \
        ["Remove jam.jpg"]


def test_an_edit_changes_the_ticket_and_records_one_event(helpdesk, staff, ticket):
    (photo,) = helpdesk.tickets.attachments(ticket)
    form = edit_form(helpdesk.app.get(f"/tickets/{ticket.number}/edit"), ticket)
    form["subject"] = "Printer jam on floor 2"
    form["description"] = "Tray 2 jams, not tray 1."
    form["cc"] = "colleague@example.org"
    form["remove_attachment"] = str(photo.id)
    form["attachment"] = [Upload("tray2.png", b"\x89PNG tray", "image/png")]

    response = form.submit(status=303)

    assert urlsplit(response.headers["Location"]).path == f"/tickets/{ticket.number}"
    helpdesk.refresh(ticket)
    assert (ticket.subject, ticket.description) == \
        ("Printer jam on floor 2", "Tray 2 jams, not tray 1.")
    assert [cc.email for cc in ticket.cc] == ["colleague@example.org"]
    assert [a.filename for a in helpdesk.tickets.attachments(ticket)] == ["tray2.png"]
    events = helpdesk.tickets.events(ticket)
    assert [e.kind for e in events] == [EventKind.created, EventKind.edited]
    assert events[-1].actor_id == staff.user.id
    assert events[-1].detail == {
        "subject": ["Printer jam", "Printer jam on floor 2"],
        "description": ["Tray 1 jams.", "Tray 2 jams, not tray 1."],
        "cc": [[], ["colleague@example.org"]],
        "attachments_added": ["tray2.png"],
        "attachments_removed": ["jam.jpg"],
    }
    assert "Tray 2 jams, not tray 1." in response.follow(status=200).text


def test_saving_an_unchanged_form_records_nothing(helpdesk, ticket):
    edit_form(helpdesk.app.get(f"/tickets/{ticket.number}/edit"), ticket).submit(status=303)

    assert [e.kind for e in helpdesk.tickets.events(ticket)] == [EventKind.created]


def test_a_bad_edit_comes_back_with_the_text_kept_and_changes_nothing(helpdesk, ticket):
    form = edit_form(helpdesk.app.get(f"/tickets/{ticket.number}/edit"), ticket)
    form["subject"] = ""
    form["description"] = "My new, long explanation."

    page = form.submit(status=400)

    assert page.html.select_one("#subject")["aria-invalid"] == "true"
    assert page.html.select_one("#description").get_text() == "My new, long explanation."
    helpdesk.refresh(ticket)
    assert ticket.description == "Tray 1 jams."


def test_a_ticket_changed_meanwhile_is_not_overwritten_silently(helpdesk, staff, ticket):
    form = edit_form(helpdesk.app.get(f"/tickets/{ticket.number}/edit"), ticket)
    helpdesk.tickets.edit(ticket, actor=staff.user, category="network")
    helpdesk.dbsession.flush()
    form["description"] = "Text typed while the ticket changed."

    page = form.submit(status=409)

    assert "This ticket changed since you opened it." in page.text
    assert page.html.select_one("#description").get_text() == \
        "Text typed while the ticket changed."
    helpdesk.refresh(ticket)
    assert ticket.description == "Tray 1 jams."
    edit_form(page, ticket).submit(status=303)
    helpdesk.refresh(ticket)
    assert ticket.description == "Text typed while the ticket changed."


def test_editing_ends_with_the_first_staff_reply(helpdesk, staff, ticket):
    helpdesk.tickets.reply(ticket, author=staff.firstline, body="We are on it.")
    helpdesk.dbsession.flush()
    token = helpdesk.csrf_token("/")

    shown = helpdesk.app.get(f"/tickets/{ticket.number}/edit", status=303)
    posted = helpdesk.app.post(f"/tickets/{ticket.number}/edit", {
        "subject": "Changed after the reply", "description": "x", "csrf_token": token,
        "version": str(ticket.version)}, status=303)

    for response in (shown, posted):
        assert urlsplit(response.headers["Location"]).path == f"/tickets/{ticket.number}"
    assert "staff have answered it" in helpdesk.app.get(f"/tickets/{ticket.number}").text
    helpdesk.refresh(ticket)
    assert ticket.subject == "Printer jam"
    assert EventKind.edited not in [e.kind for e in helpdesk.tickets.events(ticket)]


def test_only_the_requester_edits(helpdesk, staff, ticket):
    helpdesk.tickets.edit(ticket, actor=staff.user, cc=["other-user@example.org"])
    helpdesk.dbsession.flush()
    helpdesk.logout()
    helpdesk.login("other-user@example.org")  # CC'd: sees the ticket, may not edit it
    response = helpdesk.app.get(f"/tickets/{ticket.number}/edit", status=303)
    assert urlsplit(response.headers["Location"]).path == f"/tickets/{ticket.number}"
    assert "Only the person who submitted this ticket can edit it." in response.follow().text
    helpdesk.logout()
    helpdesk.login("agent@example.org")  # staff who do not hold it: no such ticket
    helpdesk.app.get(f"/tickets/{ticket.number}/edit", status=404)
    helpdesk.logout()
    response = helpdesk.app.get(f"/tickets/{ticket.number}/edit", status=303)
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_an_edit_needs_the_csrf_token(helpdesk, ticket):
    helpdesk.app.post(f"/tickets/{ticket.number}/edit", {"subject": "Changed"}, status=400)
    helpdesk.refresh(ticket)
    assert ticket.subject == "Printer jam"


@pytest.fixture
def two_files_desk(helpdesk_engine, helpdesk_database_url, tmp_path):
    """A helpdesk that allows two attachments per ticket, and a ticket with one file of
    user@example.org, who is logged in."""
    settings = make_test_settings(helpdesk_database_url, str(tmp_path), **{
        "helpdesk.plugins": "web", "helpdesk.attachments.max_count": "2"})
    with rolled_back(build_app(settings, helpdesk_engine), helpdesk_engine) as harness:
        user = harness.person("user@example.org")
        harness.scanner = harness.ticket(
            user, subject="Scanner", description="Stripes.", channel="web",
            attachments=[StoredUpload("a.txt", "text/plain", io.BytesIO(b"a"))])
        harness.login("user@example.org")
        yield harness


def test_the_attachment_limit_counts_the_files_kept(two_files_desk):
    ticket = two_files_desk.scanner
    (kept,) = two_files_desk.tickets.attachments(ticket)
    two_new = [Upload("b.txt", b"b", "text/plain"), Upload("c.txt", b"c", "text/plain")]
    form = edit_form(two_files_desk.app.get(f"/tickets/{ticket.number}/edit"), ticket)
    form["attachment"] = two_new

    bounced = form.submit(status=400)

    assert bounced.html.select_one("#attachment-error").get_text() == \
        "At most 2 attachments per ticket."
    form = edit_form(bounced, ticket)
    form["remove_attachment"] = str(kept.id)
    form["attachment"] = two_new
    form.submit(status=303)
    assert [a.filename for a in two_files_desk.tickets.attachments(ticket)] == \
        ["b.txt", "c.txt"]
