"""Bulk actions on the staff lists: choose tickets on a page, dispatch, take or resolve them."""
import re

import pytest

from pyramid_helpdesk.testing import counted_statements
from pyramid_helpdesk.tickets.models import TicketStatus

from .conftest import listed

VERSION = re.compile(r'name="v-([^"]+)" value="(\d+)"')


def shown_versions(page) -> dict[str, str]:
    """The version each row of a list page carries for a bulk action."""
    return dict(VERSION.findall(page.text))


def bulk(helpdesk, page, numbers, action, status=303, **fields):
    """Tick ``numbers`` on ``page`` and press ``action``, as the browser would post it."""
    versions = shown_versions(page)
    data = [("csrf_token", helpdesk.csrf_token(page.request.path_qs)),
            ("came_from", page.request.path_qs), ("action", action)]
    data += [("ticket", number) for number in numbers]
    data += [(f"v-{number}", version) for number, version in versions.items()]
    data += list(fields.items())
    return helpdesk.app.post("/staff/bulk", data, status=status)


def flash(page) -> str:
    return " ".join(re.findall(r'<p class="flash" role="status">([^<]*)</p>', page.text))


@pytest.fixture
def waiting(make_ticket):
    """Three new tickets in first line's queue."""
    return [make_ticket(f"Printer jam {index}", minutes=30 - index) for index in range(3)]


def test_a_list_row_links_to_the_staff_ticket_view_and_carries_its_version(
        helpdesk, staff, waiting):
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get("/staff/undispatched")
    first = waiting[0]
    assert f'href="/staff/tickets/{first.number}"' in page.text
    assert shown_versions(page)[first.number] == str(first.version)
    assert 'id="select-all" hidden' in page.text  # shown by the script only
    assert re.search(r'<script src="[^"]*/bulk\.js" defer>', page.text)
    assert 'value="dispatch"' in page.text  # first line dispatches


def test_first_line_dispatches_tickets_to_a_group_and_a_person(helpdesk, staff, waiting):
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get("/staff/undispatched?sort=oldest")
    numbers = [waiting[0].number, waiting[2].number]
    answer = bulk(helpdesk, page, numbers, "dispatch", group=str(staff.network.id),
                  person="agent@example.org")
    assert answer.location.endswith("/staff/undispatched?sort=oldest")
    back = answer.follow()
    assert flash(back) == "Tickets dispatched: 2."
    assert listed(back) == [waiting[1].number]
    helpdesk.refresh(*waiting)
    for ticket in (waiting[0], waiting[2]):
        assert (ticket.status, ticket.holder_group_id, ticket.holder_person_id) == \
            (TicketStatus.open, staff.network.id, staff.agent.id)
    assert waiting[1].status is TicketStatus.new


def test_each_refused_ticket_is_named_with_why_and_the_others_are_done(
        helpdesk, staff, make_ticket):
    tickets = {name: make_ticket(name, minutes=60 - index) for index, name in
               enumerate(["fine", "changed", "resolved", "elsewhere"])}
    for ticket in tickets.values():
        helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get("/staff/unprocessed")
    assert set(listed(page)) == {t.number for t in tickets.values()}
    # Meanwhile: one is resolved, one is moved to Computing, one gets a note.
    helpdesk.tickets.note(tickets["changed"], author=staff.firstline, body="Called back")
    resolved = tickets["resolved"]
    helpdesk.tickets.resolve(resolved, actor=staff.firstline)
    helpdesk.tickets.forward(tickets["elsewhere"], actor=staff.firstline, group=staff.computing)
    helpdesk.dbsession.flush()
    versions = shown_versions(page)
    answer = bulk(helpdesk, page, [t.number for t in tickets.values()], "take")
    numbers = {name: t.number for name, t in tickets.items()}
    assert flash(answer.follow()) == (
        f"Tickets taken: 1. Not done: {numbers['changed']} (changed since you opened the list); "
        f"{numbers['resolved']} (changed since you opened the list); "
        f"{numbers['elsewhere']} (not yours to manage).")
    helpdesk.refresh(*tickets.values())
    assert tickets["fine"].holder_person_id == staff.agent.id
    assert [t.holder_person_id for name, t in tickets.items() if name != "fine"] == [None] * 3
    assert int(versions[numbers["fine"]]) < tickets["fine"].version


def test_a_ticket_whose_status_forbids_the_action_is_refused_as_such(
        helpdesk, staff, make_ticket):
    ticket = make_ticket("Old request", minutes=90)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.tickets.resolve(ticket, actor=staff.agent)
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get("/staff/inbox?status=resolved")
    answer = bulk(helpdesk, page, [ticket.number], "resolve")
    assert flash(answer.follow()) == \
        f"Tickets resolved: 0. Not done: {ticket.number} (not allowed in its status)."


def test_an_agent_may_not_dispatch(helpdesk, staff, make_ticket):
    ticket = make_ticket("Switch down")
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get("/staff/inbox")
    assert 'value="dispatch"' not in page.text
    bulk(helpdesk, page, [ticket.number], "dispatch", status=403,
         group=str(staff.computing.id))
    helpdesk.refresh(ticket)
    assert ticket.holder_group_id == staff.network.id


@pytest.mark.parametrize("group, person, message", [
    ("", "", "Choose a group to dispatch to."),
    ("999999", "", "Choose a group to dispatch to."),
    ("network", "user@example.org", "No active staff member has the address user@example.org."),
])
def test_a_dispatch_without_a_valid_target_does_nothing(
        helpdesk, staff, waiting, group, person, message):
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get("/staff/undispatched")
    group = str(staff.network.id) if group == "network" else group
    refused = bulk(helpdesk, page, [waiting[0].number], "dispatch", status=400,
                   group=group, person=person)
    assert message in refused.text
    assert 'href="/staff/undispatched"' in refused.text  # back to the list
    helpdesk.refresh(waiting[0])
    assert waiting[0].status is TicketStatus.new


def test_more_than_a_hundred_tickets_are_refused_and_none_is_done(helpdesk, staff, waiting):
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get("/staff/undispatched")
    numbers = [waiting[0].number] + [f"HD-9{index:05d}" for index in range(100)]
    refused = bulk(helpdesk, page, numbers, "resolve", status=400)
    assert "Select at most 100 tickets at a time." in refused.text
    helpdesk.refresh(waiting[0])
    assert waiting[0].status is TicketStatus.new


def test_nothing_chosen_or_no_action_is_refused(helpdesk, staff, waiting):
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get("/staff/undispatched")
    assert "Select at least one ticket." in bulk(helpdesk, page, [], "take", status=400).text
    assert "Choose an action." in bulk(helpdesk, page, [waiting[0].number], "delete",
                                       status=400).text


def test_a_bulk_action_needs_the_csrf_token(helpdesk, staff, waiting):
    helpdesk.login("firstline@example.org")
    helpdesk.app.post("/staff/bulk", {"action": "resolve", "ticket": waiting[0].number,
                                      f"v-{waiting[0].number}": waiting[0].version},
                      status=400)
    helpdesk.refresh(waiting[0])
    assert waiting[0].status is TicketStatus.new


def test_came_from_elsewhere_goes_home(helpdesk, staff, waiting):
    helpdesk.login("firstline@example.org")
    token = helpdesk.csrf_token("/staff/undispatched")
    answer = helpdesk.app.post("/staff/bulk", {
        "csrf_token": token, "action": "take", "came_from": "https://elsewhere.example.net/",
        "ticket": waiting[0].number, f"v-{waiting[0].number}": waiting[0].version})
    assert answer.location == "http://helpdesk.example.org/"


def test_the_chosen_tickets_are_read_in_one_query(helpdesk, helpdesk_engine, staff, make_ticket):
    tickets = [make_ticket(f"Request {index}", minutes=50 - index) for index in range(6)]
    helpdesk.login("firstline@example.org")

    def reads_of_tickets(chosen) -> int:
        page = helpdesk.app.get("/staff/undispatched")
        token = helpdesk.csrf_token("/staff/undispatched")
        data = [("csrf_token", token), ("action", "resolve")]
        data += [("ticket", t.number) for t in chosen]
        data += [(f"v-{number}", v) for number, v in shown_versions(page).items()]
        with counted_statements(helpdesk_engine) as statements:
            helpdesk.app.post("/staff/bulk", data, status=303)
        return len([s for s in statements
                    if re.match(r"\s*SELECT\b.*\bFROM tickets\b", s, re.S | re.I)])

    assert reads_of_tickets(tickets[:1]) == reads_of_tickets(tickets[1:]) == 1
