"""The inbox: tickets held by me and by my groups, filtered, sorted, a page at a time."""
import re

import pytest

from .conftest import listed, minutes_ago, next_page, previous_page, service_at


@pytest.fixture
def held(helpdesk, staff, make_ticket):
    """Tickets held by the Network group, by its agent, by Computing, and new ones."""
    def dispatched(subject, minutes, **holder):
        ticket = make_ticket(subject, minutes=minutes)
        service_at(helpdesk, minutes_ago(minutes - 1)).dispatch(
            ticket, actor=staff.firstline, **holder)
        return ticket
    tickets = {
        "group": dispatched("Switch down", 300, group=staff.network),
        "mine": dispatched("VPN for a visitor", 200, group=staff.network, person=staff.agent),
        "alone": dispatched("Laptop cable", 100, person=staff.agent),
        "other": dispatched("Cluster quota", 50, group=staff.computing),
        "new": make_ticket("Printer jam", minutes=10),
    }
    helpdesk.dbsession.flush()
    return {key: ticket.number for key, ticket in tickets.items()}


def test_an_agent_sees_what_they_and_their_groups_hold_last_updated_first(helpdesk, held):
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get("/staff/inbox")
    assert listed(page) == [held["alone"], held["mine"], held["group"]]
    assert "Network / Agent" in page.text  # the holder, group and person


def test_first_line_sees_the_new_tickets_its_group_holds(helpdesk, staff, held):
    helpdesk.login("firstline@example.org")
    assert listed(helpdesk.app.get("/staff/inbox")) == [held["new"]]


def test_the_holder_filter_shows_my_own_or_my_groups_tickets(helpdesk, held):
    helpdesk.login("agent@example.org")
    assert listed(helpdesk.app.get("/staff/inbox?held=me")) == [held["alone"], held["mine"]]
    assert listed(helpdesk.app.get("/staff/inbox?held=groups")) == [held["mine"], held["group"]]


def test_resolved_tickets_leave_the_default_view_and_have_their_own(helpdesk, staff, held):
    ticket = helpdesk.tickets.get(held["group"])
    helpdesk.tickets.resolve(ticket, actor=staff.agent)
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    assert held["group"] not in listed(helpdesk.app.get("/staff/inbox"))
    assert listed(helpdesk.app.get("/staff/inbox?status=resolved")) == [held["group"]]
    assert held["group"] in listed(helpdesk.app.get("/staff/inbox?status=all"))


def test_filters_by_priority_category_channel_and_age(helpdesk, staff, make_ticket):
    def to_network(ticket):
        helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
        return ticket.number
    urgent = to_network(make_ticket("Core router", minutes=30, priority="urgent"))
    network = to_network(make_ticket("Wifi", minutes=20, category="network", channel="web"))
    old = to_network(make_ticket("Old printer", minutes=3 * 24 * 60))
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    get = helpdesk.app.get
    assert listed(get("/staff/inbox?priority=urgent")) == [urgent]
    assert listed(get("/staff/inbox?category=network")) == [network]
    assert listed(get("/staff/inbox?channel=web")) == [network]
    assert listed(get("/staff/inbox?age=over_1d")) == [old]
    assert set(listed(get("/staff/inbox?age=under_1d"))) == {urgent, network}
    assert listed(get("/staff/inbox?age=over_1w")) == []
    page = get("/staff/inbox?priority=urgent")
    assert re.search(r'<option value="urgent"\s+selected="selected"', page.text)


def test_unknown_filter_values_fall_back_to_the_defaults(helpdesk, held):
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get("/staff/inbox?status=nonsense&priority=huge&sort=%27;--&after=x_y")
    assert listed(page) == [held["alone"], held["mine"], held["group"]]


def test_sorted_by_creation_or_by_priority(helpdesk, staff, make_ticket):
    numbers = {}
    for subject, minutes, priority in [("A", 40, "low"), ("B", 30, "urgent"), ("C", 20, "high"),
                                       ("D", 10, "urgent")]:
        ticket = make_ticket(subject, minutes=minutes, priority=priority)
        service_at(helpdesk, minutes_ago(5 if subject == "A" else minutes)).dispatch(
            ticket, actor=staff.firstline, group=staff.network)
        numbers[subject] = ticket.number
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    order = lambda sort: "".join(  # noqa: E731
        {v: k for k, v in numbers.items()}[n] for n in listed(
            helpdesk.app.get(f"/staff/inbox?sort={sort}")))
    assert order("updated") == "ADCB"  # A was dispatched last
    assert order("newest") == "DCBA"
    assert order("oldest") == "ABCD"
    assert order("priority") == "DBCA"  # urgent (last updated first), high, low


@pytest.mark.parametrize("sort", ["updated", "newest", "oldest", "priority"])
def test_pages_of_tickets_with_equal_times_neither_skip_nor_repeat(helpdesk, staff, sort):
    moment = minutes_ago(60)
    tickets = service_at(helpdesk, moment)
    expected = set()
    for index in range(61):  # three pages; every time equal, priorities in a few groups
        ticket = tickets.create(requester=staff.user, subject=f"Same time {index}",
                                channel="staff", priority=("normal", "high")[index % 2])
        tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
        expected.add(ticket.number)
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")

    pages, address = [], f"/staff/inbox?sort={sort}"
    while address:
        page = helpdesk.app.get(address)
        pages.append(listed(page))
        address = next_page(page)
    assert [len(p) for p in pages] == [25, 25, 11]
    shown = [number for p in pages for number in p]
    assert len(shown) == len(set(shown)) and set(shown) == expected

    backwards, page = [], page  # from the last page, walk back to the first
    while previous_page(page):
        page = helpdesk.app.get(previous_page(page))
        backwards.insert(0, listed(page))
    assert backwards == pages[:-1]


def test_equal_times_are_ordered_by_ticket_newest_first(helpdesk, staff):
    moment = minutes_ago(60)
    tickets = service_at(helpdesk, moment)
    numbers = []
    for index in range(3):
        ticket = tickets.create(requester=staff.user, subject=f"Tie {index}", channel="staff")
        tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
        numbers.append(ticket.number)
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    assert listed(helpdesk.app.get("/staff/inbox")) == numbers[::-1]
    assert listed(helpdesk.app.get("/staff/inbox?sort=oldest")) == numbers


def test_times_are_shown_in_the_helpdesks_time_zone(helpdesk, staff, make_ticket):
    ticket = make_ticket("Clock", minutes=90)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get("/staff/inbox")
    local = ticket.updated_at.astimezone(helpdesk.settings.timezone)
    assert f'<time datetime="{ticket.updated_at.isoformat()}">{local:%Y-%m-%d %H:%M}</time>' \
        in page.text
    assert "1 h 30 min" in page.text  # its age


def test_the_age_column_reads_days_and_hours(helpdesk, staff, make_ticket):
    ticket = make_ticket("Old", minutes=(2 * 24 + 3) * 60 + 5)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    assert "2 d 3 h" in helpdesk.app.get("/staff/inbox").text


def test_subjects_and_names_are_escaped(helpdesk, staff, make_ticket):
    ticket = make_ticket("<script>alert(1)</script>", minutes=5)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.dbsession.flush()
    helpdesk.login("agent@example.org")
    page = helpdesk.app.get("/staff/inbox")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
