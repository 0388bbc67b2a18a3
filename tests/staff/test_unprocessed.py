"""Unprocessed tickets: every unresolved ticket, its holder, how long, its target."""
import re

import pytest

from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back

from .conftest import listed, minutes_ago, service_at


@pytest.fixture
def desk(helpdesk, staff, make_ticket):
    """Unresolved tickets with every kind of holder, and a resolved one."""
    def made(subject, minutes, moved=None, **holder):
        ticket = make_ticket(subject, minutes=minutes)
        if holder:
            service_at(helpdesk, minutes_ago(moved)).dispatch(ticket, actor=staff.firstline,
                                                              **holder)
        return ticket
    tickets = {
        "new": made("Printer jam", 30),
        "network": made("Switch down", 500, moved=200, group=staff.network),
        "agent": made("VPN", 400, moved=100, group=staff.network, person=staff.agent),
        "computing": made("Quota", 300, moved=250, group=staff.computing),
        "resolved": made("Solved", 600, moved=590, group=staff.network),
    }
    helpdesk.tickets.resolve(tickets["resolved"], actor=staff.agent)
    helpdesk.dbsession.flush()
    return {key: ticket.number for key, ticket in tickets.items()}


def test_supervisors_see_every_unresolved_ticket_longest_with_its_holder_first(
        helpdesk, staff, desk):
    for who in ("firstline", "coordinator"):
        helpdesk.login(f"{who}@example.org")
        assert listed(helpdesk.app.get("/staff/unprocessed")) == [
            desk["computing"], desk["network"], desk["agent"], desk["new"]]


def test_an_agent_sees_the_tickets_of_their_groups_and_their_own(helpdesk, staff, desk):
    helpdesk.login("agent@example.org")
    assert listed(helpdesk.app.get("/staff/unprocessed")) == [desk["network"], desk["agent"]]
    helpdesk.login("other-agent@example.org")
    assert listed(helpdesk.app.get("/staff/unprocessed")) == [desk["computing"]]


def test_each_row_shows_holder_time_with_holder_age_and_nudges(helpdesk, staff, desk):
    ticket = helpdesk.tickets.get(desk["agent"])
    helpdesk.tickets.nudge(ticket, actor=staff.firstline)
    helpdesk.tickets.nudge(ticket, actor=staff.firstline)
    helpdesk.dbsession.flush()
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get("/staff/unprocessed")
    row = re.search(rf'<tr>\s*<td id="ticket-{ticket.id}">.*?</tr>', page.text, re.S).group(0)
    cells = [" ".join(re.sub("<[^>]+>", " ", cell).split())
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[4] == "Network / Agent"
    assert cells[5].startswith("1 h 40 min (")  # with its holder since the dispatch
    assert cells[6] == "6 h 40 min"  # its age
    assert cells[8] == "2"  # nudges
    assert f'href="/staff/tickets/{ticket.number}/flow"' in row
    assert f'action="/staff/tickets/{ticket.number}/nudge"' in row


def test_agents_get_no_nudge_buttons(helpdesk, staff, desk):
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get("/staff/unprocessed")
    assert "/flow" in page.text and "/nudge" not in page.text


def test_supervisors_narrow_the_list_to_one_group(helpdesk, staff, desk):
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get(f"/staff/unprocessed?group={staff.network.id}")
    assert listed(page) == [desk["network"], desk["agent"]]
    assert re.search(rf'<option value="{staff.computing.id}">Computing</option>', page.text)


def test_an_agent_may_narrow_to_their_own_groups_only(helpdesk, staff, desk):
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get(f"/staff/unprocessed?group={staff.computing.id}")
    assert listed(page) == [desk["network"], desk["agent"]]  # the filter is ignored
    assert f'<option value="{staff.computing.id}">Computing</option>' not in page.text
    assert f'<option value="{staff.network.id}">Network</option>' in page.text


def test_the_status_filter_and_sorting_by_age(helpdesk, staff, desk):
    helpdesk.login("firstline@example.org")
    assert listed(helpdesk.app.get("/staff/unprocessed?status=new")) == [desk["new"]]
    assert listed(helpdesk.app.get("/staff/unprocessed?sort=oldest")) == [
        desk["network"], desk["agent"], desk["computing"], desk["new"]]
    assert listed(helpdesk.app.get("/staff/unprocessed?status=resolved")) == listed(
        helpdesk.app.get("/staff/unprocessed"))  # not a choice here: the default


# -- targets: a desk open round the clock, so that "2 hours" means 2 hours -----------


@pytest.fixture(scope="module")
def round_the_clock_app(helpdesk_engine, helpdesk_database_url, helpdesk_directory,
                        helpdesk_test_settings):
    settings = make_test_settings(helpdesk_database_url, helpdesk_directory,
                                  **helpdesk_test_settings)
    settings["helpdesk.service_hours"] = "mon-sun 00:00-24:00"
    return build_app(settings, helpdesk_engine)


@pytest.fixture
def always_open(round_the_clock_app, helpdesk_engine):
    """A helpdesk whose service hours are the whole week."""
    with rolled_back(round_the_clock_app, helpdesk_engine) as harness:
        yield harness


@pytest.fixture
def due_desk(always_open):
    """Tickets 3 h old (overdue), 100 min old (due soon), 10 min old (not yet)."""
    desk = always_open
    user = desk.person("user@example.org")
    first_line = desk.person("firstline@example.org", "agent")
    desk.group("First line", first_line, first_line=True)
    numbers = {}
    for name, minutes in (("overdue", 180), ("soon", 100), ("fresh", 10)):
        numbers[name] = service_at(desk, minutes_ago(minutes)).create(
            requester=user, subject=f"Ticket {name}", channel="staff").number
    desk.dbsession.flush()
    desk.login("firstline@example.org")
    return desk, numbers


def test_the_due_filter_finds_overdue_and_soon_due_tickets(due_desk):
    desk, numbers = due_desk
    assert listed(desk.app.get("/staff/unprocessed?due=past")) == [numbers["overdue"]]
    page = desk.app.get("/staff/unprocessed?due=soon&sort=oldest")
    assert listed(page) == [numbers["overdue"], numbers["soon"]]
    assert 'class="badge overdue">overdue</strong>' in page.text
    assert 'class="badge soon">due soon</strong>' in page.text


def test_the_home_page_counts_what_needs_someone(due_desk):
    desk, numbers = due_desk
    page = desk.app.get("/staff")
    counts = dict((label, int(count)) for count, label in re.findall(
        r'<strong class="count">(\d+)</strong>\s*<span>([^<]+)</span>', page.text))
    assert counts == {"held by me": 0, "held by my groups": 3, "waiting to be dispatched": 3,
                      "unresolved in all": 3, "due within 30 min or overdue": 2, "overdue": 1}
    assert 'href="/staff/unprocessed?due=past&amp;sort=oldest"' in page.text
