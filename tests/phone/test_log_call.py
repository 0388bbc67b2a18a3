"""First line logs a call to the service phone as a ticket: the caller found or
added, the call resolved on the phone, dispatched, or left to first line."""
from __future__ import annotations

from sqlalchemy import select

from helpdesk_phone.models import PhoneCall
from pyramid_helpdesk.tickets.models import Ticket


def calls_of(helpdesk, ticket_id):
    return helpdesk.dbsession.scalars(
        select(PhoneCall).where(PhoneCall.ticket_id == ticket_id)).all()


def test_a_call_left_to_first_line_becomes_a_phone_ticket_with_its_call(helpdesk, staff,
                                                                         log_call):
    helpdesk.login("firstline@example.org")
    response = log_call(duration="4:30", cc="boss@example.org")
    number = response.location.rsplit("/", 1)[1]
    ticket = helpdesk.dbsession.scalars(select(Ticket).where(Ticket.number == number)).one()
    assert (ticket.channel, ticket.status.value, ticket.requester.email) == (
        "phone", "new", "user@example.org")
    assert [cc.email for cc in ticket.cc] == ["boss@example.org"]
    [call] = calls_of(helpdesk, ticket.id)
    assert (call.duration_seconds, call.after_hours, call.staff_id, call.caller_id) == (
        270, False, staff.firstline.id, staff.user.id)
    page = response.follow()
    assert f"Call logged as ticket {number} for" in page.text
