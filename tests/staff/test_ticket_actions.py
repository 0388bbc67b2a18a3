"""What staff do from the staff view of a ticket: reply, note, change the status,
take it, change priority and category, revoke outside access."""
import re

import pytest
import webtest
from sqlalchemy import select

from pyramid_helpdesk.attachments.models import Attachment
from pyramid_helpdesk.notifications.models import Notification
from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back
from pyramid_helpdesk.tickets.models import (
    EventKind,
    ExternalAuthorization,
    Message,
    MessageKind,
    TicketEvent,
)


@pytest.fixture
def held(helpdesk, staff, make_ticket):
    """An open ticket with a CC, held by the network group and its agent."""
    ticket = make_ticket("Switch down", minutes=30, cc=["colleague@example.net"])
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network,
                              person=staff.agent)
    helpdesk.dbsession.flush()
    return ticket


def staff_form(helpdesk, ticket, form_id: str):
    """The form ``form_id`` of the staff view, as the browser has it now."""
    return helpdesk.app.get(f"/staff/tickets/{ticket.number}").forms[form_id]


def notifications(helpdesk, ticket, kind: str) -> list[str]:
    return sorted(helpdesk.dbsession.scalars(select(Notification.recipient).where(
        Notification.ticket_id == ticket.id, Notification.kind == kind)))


def test_a_reply_with_a_file_goes_to_the_requester_and_the_ccs(helpdesk, staff, held):
    helpdesk.login("agent@example.org")
    form = staff_form(helpdesk, held, "reply-form")
    form["body"] = "Please restart the switch."
    form["attachment"] = [webtest.Upload("steps.txt", b"1. power off\n", "text/plain")]
    answer = form.submit(status=303)
    message = helpdesk.dbsession.scalars(select(Message).where(
        Message.ticket_id == held.id).order_by(Message.id.desc()).limit(1)).one()
    assert answer.location.endswith(f"/staff/tickets/{held.number}#message-{message.id}")
    assert message.kind is MessageKind.public and message.author_id == staff.agent.id
    assert "Reply sent." in answer.follow().text
    assert helpdesk.dbsession.scalars(select(Attachment.filename).where(
        Attachment.message_id == message.id)).all() == ["steps.txt"]
    assert notifications(helpdesk, held, "message_public") == [
        "colleague@example.net", "user@example.org"]


def test_an_internal_note_with_a_file_is_for_staff_only(helpdesk, staff, held):
    helpdesk.login("agent@example.org")
    form = staff_form(helpdesk, held, "note-form")
    form["body"] = "Firmware 2.1 has this bug."
    form["attachment"] = [webtest.Upload("bug.txt", b"see vendor advisory\n", "text/plain")]
    page = form.submit(status=303).follow()
    assert "Internal note added." in page.text
    note = re.search(r'<article id="message-(\d+)" class="message message-internal">(.*?)'
                     r"</article>", page.text, re.S)
    assert "Firmware 2.1 has this bug." in note.group(2) and "bug.txt" in note.group(2)
    assert notifications(helpdesk, held, "message_internal") == []
    helpdesk.login("user@example.org")
    assert "Firmware 2.1" not in helpdesk.app.get(f"/tickets/{held.number}").text


def test_an_empty_reply_is_sent_back_with_the_field_marked(helpdesk, staff, held):
    helpdesk.login("agent@example.org")
    form = staff_form(helpdesk, held, "reply-form")
    form["body"] = "   "
    page = form.submit(status=400)
    assert re.search(r'<textarea id="reply-body" name="body" rows="5"\s+aria-invalid="true"',
                     page.text)
    assert "Please write a message or attach a file." in page.text


def test_a_refused_file_keeps_the_text(helpdesk, staff, held):
    helpdesk.login("agent@example.org")
    form = staff_form(helpdesk, held, "note-form")
    form["body"] = "The log, as promised."
    form["attachment"] = [webtest.Upload("tool.exe", b"MZ", "application/x-msdownload")]
    page = form.submit(status=400)
    assert "The log, as promised." in page.text
    assert re.search(r'id="note-attachment"[^>]*aria-invalid="true"', page.text)
    assert "cannot be attached" in page.text
    assert helpdesk.dbsession.scalars(select(Message).where(
        Message.ticket_id == held.id, Message.kind == MessageKind.internal)).all() == []


def test_a_file_over_the_size_limit_keeps_the_note(helpdesk_database_url, helpdesk_engine,
                                                  tmp_path):
    settings = make_test_settings(helpdesk_database_url, str(tmp_path), **{
        "helpdesk.plugins": "web", "helpdesk.attachments.max_size": "1KB"})
    with rolled_back(build_app(settings, helpdesk_engine), helpdesk_engine) as desk:
        desk.person("agent@example.org", "agent")
        desk.group("First line", desk.person("firstline@example.org", "agent"),
                   first_line=True)
        ticket = desk.ticket(desk.person("user@example.org"), description="Screen flickers.")
        desk.login("firstline@example.org")
        form = desk.app.get(f"/staff/tickets/{ticket.number}").forms["note-form"]
        form["body"] = "The driver log."
        form["attachment"] = [webtest.Upload("driver.log", b"x" * 2048, "text/plain")]
        page = form.submit(status=400)
        assert re.search(r'id="note-attachment"[^>]*aria-invalid="true"', page.text)
        assert "“driver.log” is larger than 1 KB" in page.text
        assert page.forms["note-form"]["body"].value == "The driver log."
        assert desk.dbsession.scalars(select(Message).where(
            Message.ticket_id == ticket.id, Message.kind == MessageKind.internal)).all() == []


@pytest.mark.parametrize("operation, status, notice", [
    ("resolve", "resolved", "The ticket is resolved."),
    ("pending", "pending", "The ticket now waits for the requester."),
])
def test_staff_change_the_status(helpdesk, staff, held, operation, status, notice):
    helpdesk.login("agent@example.org")
    form = staff_form(helpdesk, held, "status-form")
    form["operation"] = operation
    page = form.submit(status=303).follow()
    assert notice in page.text
    helpdesk.refresh(held)
    assert held.status.value == status


def test_a_resolved_ticket_is_reopened_or_closed(helpdesk, staff, held):
    helpdesk.tickets.resolve(held, actor=staff.agent)
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    form = staff_form(helpdesk, held, "status-form")
    assert [value for value, *_rest in form["operation"].options] == ["reopen", "close"]
    form["operation"] = "close"
    assert "The ticket is closed." in form.submit(status=303).follow().text
    helpdesk.refresh(held)
    assert held.status.value == "closed"
    page = helpdesk.app.get(f"/staff/tickets/{held.number}")
    assert "status-form" not in page.text and "reply-form" not in page.text
    assert "note-form" in page.text  # notes are still possible


def test_a_status_change_the_ticket_does_not_allow_is_refused(helpdesk, staff, held):
    token = helpdesk.login("agent@example.org")
    page = helpdesk.app.post(f"/staff/tickets/{held.number}/status", {
        "csrf_token": token, "operation": "close", "expected_version": held.version}, status=409)
    assert "This cannot be done while the ticket is open." in page.text
    assert re.search(r'id="status-operation"[^>]*aria-invalid="true"', page.text)
    page = helpdesk.app.post(f"/staff/tickets/{held.number}/status", {
        "csrf_token": token, "operation": "explode"}, status=400)
    assert "Choose what to do with the ticket." in page.text
    helpdesk.refresh(held)
    assert held.status.value == "open"


def test_a_group_member_takes_the_ticket(helpdesk, staff, make_ticket):
    ticket = make_ticket("Switch down")
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    page = staff_form(helpdesk, ticket, "take-form").submit(status=303).follow()
    assert "You hold this ticket now." in page.text and "take-form" not in page.text
    helpdesk.refresh(ticket)
    assert (ticket.holder_group_id, ticket.holder_person_id) == (staff.network.id, staff.agent.id)


def test_priority_and_category_change_and_the_history_shows_it(helpdesk, staff, held):
    helpdesk.login("firstline@example.org")
    form = staff_form(helpdesk, held, "change-form")
    form["priority"] = "urgent"
    form["category"] = "network"
    page = form.submit(status=303).follow()
    assert "Priority and category saved." in page.text
    history = " ".join(re.sub("<[^>]+>", " ", page.text.split('id="history"')[1]).split())
    assert "Priority: normal → urgent Category: — → Network" in history
    event = helpdesk.dbsession.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == held.id, TicketEvent.kind == EventKind.changed)).one()
    assert event.detail == {"priority": ["normal", "urgent"], "category": [None, "network"]}
    page = staff_form(helpdesk, held, "change-form").submit(status=303).follow()
    assert "Nothing changed." in page.text


def test_an_unknown_priority_or_category_is_refused(helpdesk, staff, held):
    token = helpdesk.login("firstline@example.org")
    page = helpdesk.app.post(f"/staff/tickets/{held.number}/change", {
        "csrf_token": token, "priority": "whenever", "category": "plumbing"}, status=400)
    assert re.search(r'id="change-priority"[^>]*aria-invalid="true"', page.text)
    assert re.search(r'id="change-category"[^>]*aria-invalid="true"', page.text)
    assert "Choose a priority." in page.text and "Choose one of the categories." in page.text


def test_a_holder_revokes_outside_access(helpdesk, staff, held):
    helpdesk.tickets.forward(held, actor=staff.agent, address="vendor@example.net")
    helpdesk.dbsession.flush()
    authorization = helpdesk.dbsession.scalars(select(ExternalAuthorization).where(
        ExternalAuthorization.ticket_id == held.id)).one()
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get(f"/staff/tickets/{held.number}")
    revoke = next(form for form in page.forms.values() if form.action.endswith("/revoke"))
    answer = revoke.submit(status=303)
    assert answer.location.endswith(f"/staff/tickets/{held.number}#outside-access")
    page = answer.follow()
    assert "Access for vendor@example.net is revoked." in page.text
    helpdesk.refresh(authorization)
    assert authorization.revoked_at is not None
    assert "Outside access for vendor@example.net revoked." in page.text  # the note


def test_an_authorisation_of_another_ticket_is_not_found(helpdesk, staff, held, make_ticket):
    other = make_ticket("Another")
    helpdesk.tickets.forward(other, actor=staff.firstline, address="vendor@example.net")
    helpdesk.dbsession.flush()
    authorization = helpdesk.dbsession.scalars(select(ExternalAuthorization).where(
        ExternalAuthorization.ticket_id == other.id)).one()
    token = helpdesk.login("agent@example.org")
    helpdesk.app.post(f"/staff/tickets/{held.number}/access/{authorization.id}/revoke",
                      {"csrf_token": token}, status=404)
    helpdesk.app.post(f"/staff/tickets/{held.number}/access/nope/revoke",
                      {"csrf_token": token}, status=404)
    helpdesk.refresh(authorization)
    assert authorization.revoked_at is None


@pytest.mark.parametrize("path", ["reply", "note", "status", "take", "change", "dispatch"])
def test_actions_need_the_csrf_token_and_the_right_to_manage(helpdesk, staff, held, path):
    url = f"/staff/tickets/{held.number}/{path}"
    post = {"body": "Hello", "operation": "resolve", "priority": "high", "target": "person",
            "person": str(staff.firstline.id)}
    helpdesk.login("agent@example.org")
    helpdesk.app.post(url, post, status=400)  # no token
    # Someone who may not even see the ticket is told it does not exist; its
    # requester sees it, but may not manage it.
    for outsider, status in (("other-agent@example.org", 404), ("user@example.org", 403)):
        token = helpdesk.login(outsider)
        helpdesk.app.post(url, {**post, "csrf_token": token}, status=status)
    helpdesk.refresh(held)
    assert held.status.value == "open" and held.priority.value == "normal"
    assert held.holder_person_id == staff.agent.id
    assert len(helpdesk.dbsession.scalars(select(Message.id).where(
        Message.ticket_id == held.id)).all()) == 1  # the description alone
