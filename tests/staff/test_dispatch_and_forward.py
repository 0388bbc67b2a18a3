"""Handing a ticket on (seed, figures 13-15): first line dispatches to a group, one
of its members or a staff member; a second-line holder forwards; an outside
address is authorised and mailed a link that opens the ticket."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from pyramid_helpdesk.notifications.models import Notification
from pyramid_helpdesk.tickets.models import EventKind, ExternalAuthorization, TicketEvent


@pytest.fixture
def queued(make_ticket):
    """A new ticket in the first-line queue."""
    return make_ticket("Cannot print", minutes=20)


def dispatch_page(helpdesk, ticket):
    return helpdesk.app.get(f"/staff/tickets/{ticket.number}/dispatch")


def last_event(helpdesk, ticket) -> TicketEvent:
    return helpdesk.dbsession.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id.desc()).limit(1)).one()


def mail_to(helpdesk, ticket, kind: str, recipient: str) -> Notification:
    return helpdesk.dbsession.scalars(select(Notification).where(
        Notification.ticket_id == ticket.id, Notification.kind == kind,
        Notification.recipient == recipient)).one()


def test_the_page_offers_groups_with_their_members_staff_and_an_address(
        helpdesk, staff, queued):
    helpdesk.login("firstline@example.org")
    page = dispatch_page(helpdesk, queued)
    assert f"Dispatch <a href=\"/staff/tickets/{queued.number}\">{queued.number}</a>" in page.text
    assert set(page.forms) >= {"dispatch-group", "dispatch-person", "dispatch-address"}
    groups = [text for _value, _selected, text in page.forms["dispatch-group"]["group"].options]
    assert groups == ["Choose a group", "Computing", "First line", "Network"]
    network = re.search(r'<optgroup label="Network">(.*?)</optgroup>', page.text, re.S).group(1)
    assert f'<option value="{staff.agent.id}">Agent</option>' in network
    people = [text for _v, _s, text in page.forms["dispatch-person"]["person"].options]
    assert "Agent <agent@example.org>" in people and "User <user@example.org>" not in people
    assert page.forms["dispatch-address"]["days"].value == "30"


def test_first_line_dispatches_to_a_group_and_one_of_its_members(helpdesk, staff, queued):
    helpdesk.login("firstline@example.org")
    form = dispatch_page(helpdesk, queued).forms["dispatch-group"]
    form["group"] = str(staff.network.id)
    form["member"] = str(staff.agent.id)
    form["note"] = "The third floor printer."
    answer = form.submit(status=303)
    assert answer.location.endswith(f"/staff/tickets/{queued.number}")
    assert "Dispatched to Network / Agent." in answer.follow().text
    helpdesk.refresh(queued)
    assert (queued.holder_group_id, queued.holder_person_id) == (staff.network.id, staff.agent.id)
    event = last_event(helpdesk, queued)
    assert event.kind is EventKind.dispatched and event.detail == {
        "note": "The third floor printer."}
    assert "is now with you" in mail_to(helpdesk, queued, "ticket_assigned",
                                        "agent@example.org").body


def test_a_member_of_another_group_is_refused_with_the_choice_kept(helpdesk, staff, queued):
    helpdesk.login("firstline@example.org")
    form = dispatch_page(helpdesk, queued).forms["dispatch-group"]
    form["group"] = str(staff.network.id)
    form["member"] = str(staff.other_agent.id)
    form["note"] = "Kept note"
    page = form.submit(status=400)
    assert "Choose a member of Network, or nobody." in page.text
    assert re.search(r'id="group-member"[^>]*aria-invalid="true"', page.text)
    assert page.forms["dispatch-group"]["group"].value == str(staff.network.id)
    assert page.forms["dispatch-group"]["note"].value == "Kept note"
    helpdesk.refresh(queued)
    assert queued.status.value == "new"


def test_first_line_dispatches_to_a_staff_member(helpdesk, staff, queued):
    helpdesk.login("firstline@example.org")
    form = dispatch_page(helpdesk, queued).forms["dispatch-person"]
    form["person"] = str(staff.other_agent.id)
    assert "Dispatched to Other-Agent." in form.submit(status=303).follow().text
    helpdesk.refresh(queued)
    assert (queued.holder_group_id, queued.holder_person_id) == (None, staff.other_agent.id)
    assert last_event(helpdesk, queued).kind is EventKind.dispatched


def test_a_holder_who_is_not_first_line_forwards_and_loses_sight_of_it(
        helpdesk, staff, queued):
    helpdesk.tickets.dispatch(queued, actor=staff.firstline, group=staff.network,
                              person=staff.agent)
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    page = dispatch_page(helpdesk, queued)
    assert f"Forward <a href=\"/staff/tickets/{queued.number}\">" in page.text
    form = page.forms["dispatch-group"]
    form["group"] = str(staff.computing.id)
    answer = form.submit(status=303)
    assert answer.location.endswith("/staff/inbox")  # no longer theirs to see
    assert "Forwarded to Computing." in answer.follow().text
    event = last_event(helpdesk, queued)
    assert event.kind is EventKind.forwarded and event.to_group_id == staff.computing.id
    helpdesk.app.get(f"/staff/tickets/{queued.number}", status=404)


def test_an_outside_address_is_authorised_and_mailed_its_link(helpdesk, staff, queued):
    helpdesk.login("firstline@example.org")
    form = dispatch_page(helpdesk, queued).forms["dispatch-address"]
    form["address"] = "Vendor@Example.net"
    form["days"] = "7"
    form["note"] = "Licence server logs attached to the ticket."
    page = form.submit(status=303).follow()
    assert "Forwarded to vendor@example.net; the link is valid for 7 days." in page.text
    authorization = helpdesk.dbsession.scalars(select(ExternalAuthorization).where(
        ExternalAuthorization.ticket_id == queued.id)).one()
    assert authorization.email == "vendor@example.net"
    assert authorization.expires_at - authorization.created_at == timedelta(days=7)
    assert authorization.granted_by_id == staff.firstline.id
    mail = mail_to(helpdesk, queued, "ticket_forwarded", "vendor@example.net")
    assert "Licence server logs attached to the ticket." in mail.body
    link = re.search(r"http://helpdesk\.example\.org(/delegate/\S+)", mail.body).group(1)
    # The holder stays; the address now reads and answers the ticket through its link.
    helpdesk.refresh(queued)
    assert queued.holder_group_id == staff.first_line_group.id
    helpdesk.logout()
    opened = helpdesk.app.get(link, status=303).follow()
    assert "Cannot print" in opened.text and "reply-form" in opened.text


@pytest.mark.parametrize("address, days, field, error", [
    ("not an address", "30", "address", "Please enter a valid e-mail address."),
    ("vendor@example.net", "0", "days", "Between 1 and 365 days."),
    ("vendor@example.net", "400", "days", "Between 1 and 365 days."),
])
def test_a_bad_address_or_validity_is_refused_with_the_input_kept(
        helpdesk, staff, queued, address, days, field, error):
    helpdesk.login("firstline@example.org")
    form = dispatch_page(helpdesk, queued).forms["dispatch-address"]
    form["address"], form["days"], form["note"] = address, days, "Kept"
    page = form.submit(status=400)
    assert error in page.text
    assert re.search(rf'id="address-{field}"[^>]*aria-invalid="true"', page.text)
    kept = page.forms["dispatch-address"]
    assert (kept["address"].value, kept["days"].value, kept["note"].value) == (
        address, days, "Kept")
    assert helpdesk.dbsession.scalars(select(ExternalAuthorization)).all() == []


def test_a_resolved_ticket_cannot_be_handed_on(helpdesk, staff, queued):
    helpdesk.tickets.resolve(queued, actor=staff.firstline)
    helpdesk.dbsession.flush()
    token = helpdesk.login("firstline@example.org")
    page = dispatch_page(helpdesk, queued)
    assert "it cannot be handed on" in page.text and "dispatch-group" not in page.text
    assert "dispatch-link" not in helpdesk.app.get(f"/staff/tickets/{queued.number}").text
    page = helpdesk.app.post(f"/staff/tickets/{queued.number}/dispatch", {
        "csrf_token": token, "target": "person", "person": str(staff.agent.id)}, status=409)
    assert "This cannot be done while the ticket is resolved." in page.text
    helpdesk.refresh(queued)
    assert queued.holder_person_id is None


def test_a_post_without_a_target_is_refused(helpdesk, staff, queued):
    token = helpdesk.login("firstline@example.org")
    page = helpdesk.app.post(f"/staff/tickets/{queued.number}/dispatch",
                             {"csrf_token": token}, status=400)
    assert "Choose where the ticket goes." in page.text


def test_an_agent_without_the_ticket_cannot_open_the_page(helpdesk, staff, queued):
    helpdesk.login("agent@example.org")
    helpdesk.app.get(f"/staff/tickets/{queued.number}/dispatch", status=404)
