"""Two staff members act on one ticket at once: the second is told the ticket
changed since they opened it, sees what changed, and keeps what they typed."""
import re

import pytest
import webtest
from sqlalchemy import select

from pyramid_helpdesk.testing import TEST_PASSWORD
from pyramid_helpdesk.tickets.models import Message, MessageKind

STALE = "This ticket changed since you opened it"


def browser(helpdesk, email: str) -> webtest.TestApp:
    """A second browser of the same app, logged in as ``email``."""
    app = webtest.TestApp(helpdesk.wsgi_app,
                          extra_environ={"HTTP_HOST": "helpdesk.example.org"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', app.get("/login").text).group(1)
    app.post("/login", {"login": email, "password": TEST_PASSWORD, "csrf_token": token},
             status=303)
    return app


def changes(page) -> list[str]:
    """The "what changed" list of a stale page, as texts without the times."""
    block = re.search(r'<ul class="changed">(.*?)</ul>', page.text, re.S).group(1)
    return [" ".join(re.sub(r"<time[^>]*>.*?</time>|<[^>]+>", " ", item).split())
            for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


@pytest.fixture
def desks(helpdesk, staff, make_ticket):
    """A ticket held by the network group, and two staff browsers on its page:
    first line (``first``) and a coordinator (``second``)."""
    ticket = make_ticket("Switch down", minutes=30)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.dbsession.flush()
    first, second = browser(helpdesk, "firstline@example.org"), \
        browser(helpdesk, "coordinator@example.org")
    path = f"/staff/tickets/{ticket.number}"
    return ticket, path, first.get(path), second.get(path)


def test_a_second_reply_is_held_back_with_its_text_and_sent_after_reading(
        helpdesk, staff, desks):
    ticket, _path, first_page, second_page = desks
    first_reply = first_page.forms["reply-form"]
    first_reply["body"] = "Restart the switch, please."
    first_reply.submit(status=303)

    second_reply = second_page.forms["reply-form"]
    second_reply["body"] = "Do not restart anything yet!"
    page = second_reply.submit(status=409)
    assert STALE in page.text
    assert changes(page) == ["replied by Firstline"]
    kept = page.forms["reply-form"]
    assert kept["body"].value == "Do not restart anything yet!"
    helpdesk.refresh(ticket)
    assert kept["expected_version"].value == str(ticket.version)

    kept.submit(status=303)  # read, and sent on purpose
    bodies = helpdesk.dbsession.scalars(select(Message.body).where(
        Message.ticket_id == ticket.id, Message.kind == MessageKind.public)
        .order_by(Message.id)).all()
    assert bodies[1:] == ["Restart the switch, please.", "Do not restart anything yet!"]


def test_a_note_on_a_ticket_taken_meanwhile_lists_the_take(helpdesk, staff, desks):
    ticket, _path, first_page, second_page = desks
    first_page.forms["take-form"].submit(status=303)
    note = second_page.forms["note-form"]
    note["body"] = "Same fault as last week."
    page = note.submit(status=409)
    assert changes(page) == ["taken by Firstline → Network / Firstline"]
    assert page.forms["note-form"]["body"].value == "Same fault as last week."
    assert helpdesk.dbsession.scalars(select(Message).where(
        Message.ticket_id == ticket.id, Message.kind == MessageKind.internal)).all() == []


def test_a_stale_status_or_priority_change_keeps_the_choice(helpdesk, staff, desks):
    ticket, _path, first_page, second_page = desks
    change = first_page.forms["change-form"]
    change["priority"] = "urgent"
    change.submit(status=303)

    status = second_page.forms["status-form"]
    status["operation"] = "pending"
    page = status.submit(status=409)
    assert changes(page) == ["changed by Firstline"]
    assert page.forms["status-form"]["operation"].value == "pending"

    change = second_page.forms["change-form"]
    change["priority"], change["category"] = "low", "hardware"
    page = change.submit(status=409)
    assert STALE in page.text
    kept = page.forms["change-form"]
    assert (kept["priority"].value, kept["category"].value) == ("low", "hardware")
    helpdesk.refresh(ticket)
    assert (ticket.status.value, ticket.priority.value, ticket.category) == (
        "open", "urgent", None)


def test_a_stale_dispatch_lists_what_happened_and_keeps_the_choices(helpdesk, staff, desks):
    ticket, path, first_page, _second_page = desks
    second = browser(helpdesk, "coordinator@example.org")
    dispatch = second.get(path + "/dispatch").forms["dispatch-person"]
    first_page.forms["take-form"].submit(status=303)
    first_reply = first_page.forms["reply-form"]
    first_reply["body"] = "On it."
    first_reply.submit(status=409)  # first line's own page is stale after taking, too

    dispatch["person"] = str(staff.other_agent.id)
    dispatch["note"] = "You know this switch."
    page = dispatch.submit(status=409)
    assert STALE in page.text
    assert changes(page) == ["taken by Firstline → Network / Firstline"]
    kept = page.forms["dispatch-person"]
    assert (kept["person"].value, kept["note"].value) == (
        str(staff.other_agent.id), "You know this switch.")
    helpdesk.refresh(ticket)
    assert ticket.holder_person_id == staff.firstline.id
