"""A ticket's flow (who held it, for how long) and the nudge that urges its holder."""
import re

import pytest
from sqlalchemy import select

from pyramid_helpdesk.notifications.models import Notification
from pyramid_helpdesk.tickets.models import EventKind, TicketEvent

from .conftest import minutes_ago, service_at


def holdings(page) -> list[list[str]]:
    """The rows of the flow table as lists of cell texts."""
    body = re.search(r"<tbody>(.*?)</tbody>", page.text, re.S).group(1)
    return [[" ".join(re.sub("<[^>]+>", " ", cell).split())
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


@pytest.fixture
def travelled(helpdesk, staff, make_ticket):
    """Created 5 h ago; dispatched to Network after 30 min; taken by its agent after
    90 min; resolved at 2 h; reopened by the requester at 3 h; nudged at 4 h."""
    ticket = make_ticket("Switch down", minutes=300)
    at = lambda minutes: service_at(helpdesk, minutes_ago(300 - minutes))  # noqa: E731
    at(30).dispatch(ticket, actor=staff.firstline, group=staff.network)
    at(90).take(ticket, actor=staff.agent)
    at(120).resolve(ticket, actor=staff.agent)
    at(180).reopen(ticket, actor=staff.user)
    at(240).nudge(ticket, actor=staff.firstline)
    helpdesk.dbsession.flush()
    return ticket


def test_the_flow_shows_each_holder_and_how_long_they_held_it(helpdesk, staff, travelled):
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get(f"/staff/tickets/{travelled.number}/flow")
    rows = holdings(page)
    assert [row[0] for row in rows] == ["First line", "Network", "Network / Agent"]
    assert [row[1] for row in rows] == ["created", "dispatched · Firstline", "taken · Agent"]
    # Held for: resolved from 2 h to 3 h does not count.
    assert [row[4] for row in rows] == ["30 min", "1 h", "2 h 30 min"]
    assert [row[5] for row in rows] == ["0", "0", "1"]  # the nudge, against its holder
    assert rows[2][3] == "still holds it"
    assert '<dd class="nudge-count">1</dd>' in page.text
    assert f'<a href="/tickets/{travelled.number}">{travelled.number}</a>' in page.text


def test_a_forward_to_an_outside_address_is_listed_with_the_holding(helpdesk, staff,
                                                                    make_ticket):
    ticket = make_ticket("Licence server", minutes=60)
    helpdesk.tickets.forward(ticket, actor=staff.firstline, address="vendor@example.net")
    helpdesk.dbsession.flush()
    helpdesk.login("firstline@example.org")
    rows = holdings(helpdesk.app.get(f"/staff/tickets/{ticket.number}/flow"))
    assert len(rows) == 1 and "also authorised: vendor@example.net" in rows[0][0]


def test_a_nudge_is_counted_recorded_and_mailed_to_the_holder(helpdesk, staff, make_ticket):
    ticket = make_ticket("Switch down", minutes=60)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network,
                              person=staff.agent)
    helpdesk.dbsession.flush()
    token = helpdesk.login("firstline@example.org")

    answer = helpdesk.app.post(f"/staff/tickets/{ticket.number}/nudge",
                               {"csrf_token": token, "message": "The dean is waiting.",
                                "came_from": "/staff/unprocessed?sort=oldest"}, status=303)
    assert answer.location.endswith("/staff/unprocessed?sort=oldest")
    assert f"{ticket.number}: its holder was nudged; nudges so far: 1." in answer.follow().text

    helpdesk.refresh(ticket)
    assert ticket.nudge_count == 1
    event = helpdesk.dbsession.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.nudged)).one()
    assert event.actor_id == staff.firstline.id
    assert event.detail == {"message": "The dean is waiting."}
    mail = helpdesk.dbsession.scalars(select(Notification).where(
        Notification.ticket_id == ticket.id, Notification.kind == "ticket_nudged")).one()
    assert mail.recipient == "agent@example.org" and "The dean is waiting." in mail.body

    helpdesk.app.post(f"/staff/tickets/{ticket.number}/nudge", {"csrf_token": token},
                      status=303)
    helpdesk.refresh(ticket)
    assert ticket.nudge_count == 2
    page = helpdesk.app.get(f"/staff/tickets/{ticket.number}/flow")
    assert '<dd class="nudge-count">2</dd>' in page.text


def test_a_nudge_returns_only_to_a_page_of_this_site(helpdesk, staff, make_ticket):
    ticket = make_ticket("Switch down", minutes=60)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.dbsession.flush()
    token = helpdesk.login("firstline@example.org")
    answer = helpdesk.app.post(f"/staff/tickets/{ticket.number}/nudge",
                               {"csrf_token": token, "came_from": "https://evil.example.com/"},
                               status=303)
    assert answer.location == "http://helpdesk.example.org/"
    answer = helpdesk.app.post(f"/staff/tickets/{ticket.number}/nudge", {"csrf_token": token},
                               status=303)
    assert answer.location.endswith(f"/staff/tickets/{ticket.number}/flow")


def test_a_nudge_without_the_csrf_token_is_refused(helpdesk, staff, make_ticket):
    ticket = make_ticket("Switch down", minutes=60)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.dbsession.flush()
    helpdesk.login("firstline@example.org")
    helpdesk.app.post(f"/staff/tickets/{ticket.number}/nudge", {}, status=400)
    helpdesk.app.post(f"/staff/tickets/{ticket.number}/nudge", {"csrf_token": "forged"},
                      status=400)
    helpdesk.refresh(ticket)
    assert ticket.nudge_count == 0


def test_a_long_message_is_sent_back_with_the_text_kept(helpdesk, staff, make_ticket):
    ticket = make_ticket("Switch down", minutes=60)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.dbsession.flush()
    token = helpdesk.login("firstline@example.org")
    text = "Please. " * 200
    page = helpdesk.app.post(f"/staff/tickets/{ticket.number}/nudge",
                             {"csrf_token": token, "message": text}, status=400)
    assert 'aria-invalid="true"' in page.text and "Keep the message under 1000" in page.text
    assert text.strip() in page.text
    helpdesk.refresh(ticket)
    assert ticket.nudge_count == 0


def test_a_resolved_ticket_has_no_nudge_button_and_cannot_be_nudged(helpdesk, staff,
                                                                     make_ticket):
    ticket = make_ticket("Switch down", minutes=60)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.tickets.resolve(ticket, actor=staff.agent)
    helpdesk.dbsession.flush()
    token = helpdesk.login("firstline@example.org")
    page = helpdesk.app.get(f"/staff/tickets/{ticket.number}/flow")
    assert "Nudge the holder" not in page.text
    assert holdings(page)[-1][3].endswith(" · resolved")  # its holding ended there
    helpdesk.app.post(f"/staff/tickets/{ticket.number}/nudge", {"csrf_token": token},
                      status=409)
    helpdesk.refresh(ticket)
    assert ticket.nudge_count == 0
