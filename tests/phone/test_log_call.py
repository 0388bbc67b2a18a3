"""First line logs a call to the service phone as a ticket: the caller found or
added, the call resolved on the phone, dispatched, or left to first line."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from helpdesk_phone.forms import CallForm
from helpdesk_phone.models import PhoneCall
from helpdesk_phone.services import log_call as log_service
from pyramid_helpdesk.staff.new_ticket import NewTicketForm
from pyramid_helpdesk.tickets.models import Ticket
from pyramid_helpdesk.tickets.services import TicketService

from .conftest import form_token, last_saturday, local_input


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


def number_of(response) -> str:
    return response.location.rsplit("/", 1)[1]


def ticket_of(helpdesk, response) -> Ticket:
    return helpdesk.dbsession.scalars(
        select(Ticket).where(Ticket.number == number_of(response))).one()


def test_the_form_finds_the_caller_with_the_consoles_people_lookup(helpdesk, staff):
    staff.user.phone = "+86 10 5555 0100"
    helpdesk.dbsession.flush()
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get("/staff/calls/new")
    assert 'data-url="/staff/people"' in page.text
    assert "/staff-static/people-lookup.js" in page.text and "<script>" not in page.text
    found = helpdesk.app.get("/staff/people", {"q": "5555 0100", "format": "json"}).json
    assert [person["email"] for person in found] == ["user@example.org"]


def test_an_unknown_caller_is_added_with_the_number_the_call_came_from(helpdesk, staff,
                                                                       log_call):
    helpdesk.login("firstline@example.org")
    response = log_call(email="new.caller@example.org", name="New Caller",
                        phone="010 5555 0199", department="Physics")
    ticket = ticket_of(helpdesk, response)
    caller = ticket.requester
    assert (caller.email, caller.name, caller.phone, caller.department, caller.role.value) == (
        "new.caller@example.org", "New Caller", "010 5555 0199", "Physics", "requester")
    [call] = calls_of(helpdesk, ticket.id)
    assert call.caller_number == "010 5555 0199"


def test_a_call_resolved_on_the_phone_sends_the_answer_as_a_reply(helpdesk, staff, log_call):
    helpdesk.login("firstline@example.org")
    response = log_call(outcome="resolved", resolution="Restart the print spooler.")
    ticket = ticket_of(helpdesk, response)
    assert ticket.status.value == "resolved"
    replies = [m for m in helpdesk.tickets.messages(ticket, include_internal=True)
               if m.author_id == staff.firstline.id]
    assert [(m.kind.value, m.body) for m in replies] == [("public", "Restart the print spooler.")]
    assert "resolved during the call" in response.follow().text


def test_resolving_needs_the_answer_given(helpdesk, staff, log_call):
    helpdesk.login("firstline@example.org")
    page = log_call(status=400, outcome="resolved", resolution="")
    assert re.search(r'id="resolution" name="resolution" rows="4"\s+aria-invalid="true"', page.text)
    assert helpdesk.dbsession.scalars(select(Ticket)).all() == []


def test_first_line_dispatches_the_call_to_a_group_or_a_person(helpdesk, staff, log_call):
    helpdesk.login("firstline@example.org")
    to_group = ticket_of(helpdesk, log_call(outcome="dispatch", group=str(staff.network.id)))
    to_person = ticket_of(helpdesk, log_call(outcome="dispatch", person=str(staff.agent.id)))
    assert (to_group.status.value, to_group.holder_group_id) == ("open", staff.network.id)
    assert (to_person.status.value, to_person.holder_person_id) == ("open", staff.agent.id)


def test_dispatching_needs_a_holder_and_a_supervisor(helpdesk, staff, log_call):
    helpdesk.login("firstline@example.org")
    page = log_call(status=400, outcome="dispatch")
    assert "Please choose a group or a person to dispatch to." in page.text
    helpdesk.logout()
    helpdesk.login("agent@example.org")
    page = log_call(status=400, outcome="dispatch", group=str(staff.network.id))
    assert 'name="outcome" value="dispatch"' not in page.text  # not offered
    assert "Only first line and coordinators dispatch tickets." in page.text
    assert helpdesk.dbsession.scalars(select(Ticket)).all() == []


def test_an_agent_logs_a_call_left_to_first_line(helpdesk, staff, log_call):
    helpdesk.login("agent@example.org")
    ticket = ticket_of(helpdesk, log_call())
    assert (ticket.status.value, ticket.holder_group_id) == ("new", staff.first_line_group.id)


@pytest.mark.parametrize("fields, field, message", [
    ({"duration": "four minutes"}, "duration", "Write the length as minutes (5)"),
    ({"duration": "25:00:00"}, "duration", "A call cannot last a day or more."),
    ({"call_at": "yesterday"}, "call_at", "Please give the date and time of the call."),
    ({"call_at": "2999-01-01T10:00"}, "call_at", "The call cannot be in the future."),
    ({"call_at": "2001-01-01T10:00"}, "call_at", "Calls older than 31 days"),
    ({"email": "not-an-address"}, "email", "is not an e-mail address."),
    ({"subject": ""}, "subject", "Please give the ticket a subject."),
    ({"cc": "boss@"}, "cc", "is not an e-mail address."),
    ({"category": "weather"}, "category", "Please choose a category from the list."),
    ({"outcome": "vanished"}, "outcome", "Please choose how the call ended."),
    ({"email": "new@example.org", "name": ""}, "name", "please give the person"),
    ({"email": "new@example.org", "name": "New", "phone": "call me"}, "phone",
     "Please write the number with digits"),
])
def test_a_bad_field_is_marked_the_values_kept_and_nothing_created(helpdesk, staff, log_call,
                                                                   fields, field, message):
    helpdesk.login("firstline@example.org")
    page = log_call(status=400, **{"description": "Typed <details> kept", **fields})
    assert message in page.text
    assert f'id="{field}-error"' in page.text
    assert "Typed &lt;details&gt; kept" in page.text
    assert helpdesk.dbsession.scalars(select(Ticket)).all() == []
    assert helpdesk.dbsession.scalars(select(PhoneCall)).all() == []


def test_a_double_submission_makes_one_ticket_and_leads_to_it(helpdesk, staff, log_call):
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get("/staff/calls/new")
    token = form_token(page)
    first = log_call(token=token)
    again = log_call(token=token)
    assert again.location == first.location
    assert "This form was already sent" in again.follow().text
    assert len(helpdesk.dbsession.scalars(select(Ticket)).all()) == 1


def test_a_token_not_issued_here_is_refused_with_the_values_kept(helpdesk, staff, log_call):
    helpdesk.login("firstline@example.org")
    page = log_call(status=400, token="forged", subject="Kept subject")
    assert "This form expired." in page.text and 'value="Kept subject"' in page.text


def test_a_call_outside_service_hours_is_marked_after_hours(helpdesk, staff, log_call):
    helpdesk.login("firstline@example.org")
    response = log_call(call_at=local_input(helpdesk, last_saturday(helpdesk)))
    [call] = calls_of(helpdesk, ticket_of(helpdesk, response).id)
    assert call.after_hours is True
    assert call.started_at == last_saturday(helpdesk)
    assert "it is marked after-hours" in response.follow().text
    listed = helpdesk.app.get("/staff/calls")
    assert 'class="badge after-hours"' in listed.text


def test_a_call_logged_after_hours_is_due_after_the_next_opening(helpdesk, staff):
    """Saturday 11:00: the target's two service hours count from Monday 08:00."""
    zone = helpdesk.settings.timezone
    saturday = datetime(2026, 12, 5, 11, 0, tzinfo=zone)
    tickets = TicketService(helpdesk.dbsession, helpdesk.settings, helpdesk.plugins,
                            clock=lambda: saturday.astimezone(timezone.utc))
    form = CallForm(NewTicketForm(email="user@example.org", subject="Locked out",
                                  channel="phone"), started_at=saturday, duration_seconds=60)
    call = log_service(tickets, form, caller=staff.user, staff=staff.firstline)
    assert call.after_hours is True
    assert call.ticket.channel == "phone"
    assert call.ticket.due_at == datetime(2026, 12, 7, 10, 0, tzinfo=zone)


@pytest.mark.parametrize("local, after_hours", [
    (datetime(2026, 10, 1, 10, 0), True),  # Thursday of the National Day holiday
    (datetime(2026, 10, 10, 10, 0), False),  # a make-up working Saturday (调休)
], ids=["holiday", "make-up-saturday"])
def test_holidays_and_make_up_days_decide_after_hours(helpdesk, staff, local, after_hours):
    moment = local.replace(tzinfo=helpdesk.settings.timezone)
    tickets = TicketService(helpdesk.dbsession, helpdesk.settings, helpdesk.plugins,
                            clock=lambda: moment.astimezone(timezone.utc))
    form = CallForm(NewTicketForm(email="user@example.org", subject="Printer offline",
                                  channel="phone"), started_at=moment)
    call = log_service(tickets, form, caller=staff.user, staff=staff.firstline)
    assert call.after_hours is after_hours


def test_a_call_in_service_hours_is_not_after_hours(helpdesk, staff):
    zone = helpdesk.settings.timezone
    monday = datetime(2026, 12, 7, 16, 30, tzinfo=zone)
    tickets = TicketService(helpdesk.dbsession, helpdesk.settings, helpdesk.plugins,
                            clock=lambda: monday.astimezone(timezone.utc))
    form = CallForm(NewTicketForm(email="user@example.org", subject="Slow network",
                                  channel="phone"), started_at=monday)
    call = log_service(tickets, form, caller=staff.user, staff=staff.firstline)
    assert call.after_hours is False
    assert call.ticket.due_at == datetime(
        2026, 12, 8, 9, 30, tzinfo=zone)
