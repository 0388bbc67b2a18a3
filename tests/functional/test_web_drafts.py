"""Drafts in the web channel: save from the new-ticket form, list, edit, submit, delete."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from webtest import Upload

from pyramid_helpdesk.attachments.models import Attachment
from pyramid_helpdesk.tickets.models import EventKind, Message, Ticket, TicketEvent, TicketStatus


def form_on(page, action: str):
    """The form of ``page`` that posts to ``action``."""
    return next(form for form in page.forms.values() if form.action == action)


def rows(helpdesk, model, **where) -> int:
    """How many rows of ``model`` match ``where``."""
    query = select(func.count()).select_from(model).filter_by(**where)
    return helpdesk.dbsession.scalar(query)


def save_new_draft(helpdesk, **fields):
    """Save the new-ticket form as a draft; return the draft and the page it lands on."""
    form = form_on(helpdesk.app.get("/tickets/new"), "/tickets/new")
    for name, value in fields.items():
        form[name] = value
    response = form.submit("action", value="draft", status=303)
    draft = helpdesk.dbsession.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    return draft, response


@pytest.fixture
def draft(helpdesk, staff):
    """A draft of user@example.org with one attachment, the user logged in."""
    helpdesk.login("user@example.org")
    form = form_on(helpdesk.app.get("/tickets/new"), "/tickets/new")
    form["subject"] = "Projector in room 101"
    form["category"] = "hardware"
    form["attachment"] = [Upload("photo.jpg", b"\xff\xd8 jpeg", "image/jpeg")]
    form.submit("action", value="draft", status=303)
    return helpdesk.dbsession.scalars(select(Ticket)).one()


def test_saving_as_draft_keeps_it_unnumbered_unrouted_and_opens_it(helpdesk, staff):
    helpdesk.login("user@example.org")

    draft, response = save_new_draft(helpdesk, subject="Half written", description="")

    assert urlsplit(response.headers["Location"]).path == f"/drafts/{draft.id}"
    assert (draft.status, draft.number, draft.holder_group_id) == (TicketStatus.draft, None, None)
    assert [e.kind for e in helpdesk.tickets.events(draft)] == [EventKind.drafted]
    page = response.follow(status=200)
    assert page.html.select_one("p.flash").get_text() == "Draft saved. Submit it when it is ready."
    assert page.html.select_one("#subject")["value"] == "Half written"


def test_a_draft_still_needs_a_subject(helpdesk, staff):
    helpdesk.login("user@example.org")
    form = form_on(helpdesk.app.get("/tickets/new"), "/tickets/new")
    form["description"] = "Notes for later"

    page = form.submit("action", value="draft", status=400)

    assert page.html.select_one("#subject")["aria-invalid"] == "true"
    assert page.html.select_one("#description").get_text() == "Notes for later"
    assert rows(helpdesk, Ticket) == 0


def test_the_drafts_page_lists_the_person_s_drafts_only(helpdesk, staff, draft):
    helpdesk.ticket(staff.other_user, subject="Someone else's draft", channel="web", draft=True)
    helpdesk.ticket(staff.user, subject="A submitted ticket", channel="web")

    page = helpdesk.app.get("/drafts", status=200)

    links = [(a.get_text(), a["href"]) for a in page.html.select("table.drafts a")]
    assert links == [("Projector in room 101", f"/drafts/{draft.id}")]
    assert "Hardware" in page.html.select_one("table.drafts").get_text()


def test_nobody_but_the_requester_sees_a_draft(helpdesk, staff, draft):
    helpdesk.logout()
    response = helpdesk.app.get(f"/drafts/{draft.id}", status=303)
    assert urlsplit(response.headers["Location"]).path == "/login"
    for someone in ("other-user@example.org", "coordinator@example.org",
                    "firstline@example.org"):
        helpdesk.login(someone)
        helpdesk.app.get(f"/drafts/{draft.id}", status=404)
        token = helpdesk.csrf_token("/")
        helpdesk.app.post(f"/drafts/{draft.id}/delete", {"csrf_token": token}, status=404)
        assert "Projector" not in helpdesk.app.get("/drafts").text
        helpdesk.logout()
    assert rows(helpdesk, Ticket, id=draft.id) == 1


def test_a_ticket_that_is_no_draft_is_not_found_among_drafts(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, subject="Submitted", channel="web")
    helpdesk.login("user@example.org")
    helpdesk.app.get(f"/drafts/{ticket.id}", status=404)
    helpdesk.app.get("/drafts/999999", status=404)


def test_editing_a_draft_saves_every_field_and_keeps_it_a_draft(helpdesk, staff, draft):
    (photo,) = helpdesk.tickets.attachments(draft)
    form = form_on(helpdesk.app.get(f"/drafts/{draft.id}"), f"/drafts/{draft.id}")
    assert form["category"].value == "hardware"
    form["subject"] = "Projector in room 102"
    form["description"] = "No picture from HDMI."
    form["category"] = "computing"
    form["cc"] = "colleague@example.org"
    form["remove_attachment"] = str(photo.id)
    form["attachment"] = [Upload("cable.txt", b"HDMI 2.0", "text/plain")]

    response = form.submit("action", value="save", status=303)

    assert urlsplit(response.headers["Location"]).path == f"/drafts/{draft.id}"
    helpdesk.refresh(draft)
    assert (draft.status, draft.number) == (TicketStatus.draft, None)
    assert (draft.subject, draft.description, draft.category) == \
        ("Projector in room 102", "No picture from HDMI.", "computing")
    assert [cc.email for cc in draft.cc] == ["colleague@example.org"]
    assert [a.filename for a in helpdesk.tickets.attachments(draft)] == ["cable.txt"]
    edited = helpdesk.tickets.events(draft)[-1]
    assert edited.kind is EventKind.edited
    assert edited.detail["attachments_removed"] == ["photo.jpg"]
    page = response.follow()
    assert page.html.select_one("#subject")["value"] == "Projector in room 102"
    assert [label.get_text() for label in page.html.select("fieldset.files label")] == \
        ["Remove cable.txt"]


def test_submitting_a_draft_numbers_it_and_lands_on_its_page(helpdesk, staff, draft):
    form = form_on(helpdesk.app.get(f"/drafts/{draft.id}"), f"/drafts/{draft.id}")
    form["description"] = "The projector shows no picture."

    response = form.submit("action", value="submit", status=303)

    helpdesk.refresh(draft)
    assert draft.status is TicketStatus.new
    assert draft.number == f"HD-{draft.id:06d}"
    assert draft.holder_group_id == staff.first_line_group.id
    assert urlsplit(response.headers["Location"]).path == f"/tickets/{draft.number}"
    assert [e.kind for e in helpdesk.tickets.events(draft)] == \
        [EventKind.drafted, EventKind.edited, EventKind.created]
    page = response.follow(status=200)
    assert "The projector shows no picture." in page.text
    assert "Projector" not in helpdesk.app.get("/drafts").text


def test_a_draft_is_submitted_only_with_a_description(helpdesk, staff, draft):
    form = form_on(helpdesk.app.get(f"/drafts/{draft.id}"), f"/drafts/{draft.id}")
    form["subject"] = "Projector, room 103"

    page = form.submit("action", value="submit", status=400)

    assert page.html.select_one("#description")["aria-invalid"] == "true"
    assert page.html.select_one("#subject")["value"] == "Projector, room 103"
    helpdesk.refresh(draft)
    assert (draft.status, draft.subject) == (TicketStatus.draft, "Projector in room 101")


def test_a_draft_opened_twice_is_not_overwritten_silently(helpdesk, staff, draft):
    page = helpdesk.app.get(f"/drafts/{draft.id}")
    first, second = form_on(page, f"/drafts/{draft.id}"), form_on(page, f"/drafts/{draft.id}")
    first["subject"] = "Saved in the first tab"
    first.submit("action", value="save", status=303)
    second["subject"] = "Typed in the second tab"
    second["description"] = "Long text I do not want to lose."

    bounced = second.submit("action", value="save", status=409)

    assert "changed since you opened it" in bounced.html.select_one("#form-error").get_text()
    assert bounced.html.select_one("#subject")["value"] == "Typed in the second tab"
    assert bounced.html.select_one("#description").get_text() == \
        "Long text I do not want to lose."
    helpdesk.refresh(draft)
    assert draft.subject == "Saved in the first tab"
    form_on(bounced, f"/drafts/{draft.id}").submit("action", value="save", status=303)
    helpdesk.refresh(draft)
    assert draft.subject == "Typed in the second tab"


def test_deleting_a_draft_removes_it_and_all_that_belongs_to_it(helpdesk, staff, draft):
    page = helpdesk.app.get(f"/drafts/{draft.id}")

    response = form_on(page, f"/drafts/{draft.id}/delete").submit(status=303)

    assert urlsplit(response.headers["Location"]).path == "/drafts"
    draft_id = draft.id
    helpdesk.dbsession.expunge_all()
    assert rows(helpdesk, Ticket, id=draft_id) == 0
    assert rows(helpdesk, Message, ticket_id=draft_id) == 0
    assert rows(helpdesk, TicketEvent, ticket_id=draft_id) == 0
    assert rows(helpdesk, Attachment, ticket_id=draft_id) == 0
    listing = response.follow()
    assert listing.html.select_one("p.flash").get_text() == "Draft deleted."
    assert "You have no drafts." in listing.text


def test_draft_changes_need_the_csrf_token(helpdesk, staff, draft):
    helpdesk.app.post(f"/drafts/{draft.id}", {"subject": "x", "action": "save"}, status=400)
    helpdesk.app.post(f"/drafts/{draft.id}/delete", {}, status=400)
    assert rows(helpdesk, Ticket, id=draft.id, subject="Projector in room 101") == 1


def test_a_draft_number_out_of_range_is_not_found(helpdesk, staff, draft):
    helpdesk.app.get("/drafts/99999999999999999999", status=404)


def test_nul_characters_are_dropped_from_the_form(helpdesk, staff, draft):
    token = helpdesk.csrf_token(f"/drafts/{draft.id}")

    helpdesk.app.post(f"/drafts/{draft.id}", {
        "subject": "Pro\x00jector", "description": "a\x00b", "csrf_token": token,
        "remove_attachment": "²", "version": "¹", "action": "save"}, status=303)

    helpdesk.refresh(draft)
    assert (draft.subject, draft.description) == ("Projector", "ab")
