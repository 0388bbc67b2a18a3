"""Each staff page runs the same number of SQL statements for 3 tickets as for 60:
no statement per row (no N+1), whatever the list holds."""
import pytest

from pyramid_helpdesk.testing import counted_statements

from .conftest import listed, minutes_ago, service_at


def add_tickets(helpdesk, staff, count: int, start: int) -> str:
    """``count`` tickets in every state a list shows, with holders and a few events each."""
    number = ""
    for index in range(start, start + count):
        tickets = service_at(helpdesk, minutes_ago(500 - index))
        ticket = tickets.create(requester=staff.user, subject=f"Ticket {index}",
                                channel="staff", priority=("low", "urgent")[index % 2])
        if index % 3:
            tickets.dispatch(ticket, actor=staff.firstline, group=staff.network,
                             person=staff.agent if index % 3 == 2 else None)
            tickets.nudge(ticket, actor=staff.firstline)
        number = ticket.number
    helpdesk.dbsession.flush()
    return number


def page_statements(helpdesk, engine, path: str) -> int:
    """The SELECTs of one GET (the test's own savepoints left out)."""
    with counted_statements(engine) as statements:
        helpdesk.app.get(path)
    return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])


PAGES = ["/staff", "/staff/inbox", "/staff/inbox?sort=priority&status=all",
         "/staff/undispatched", "/staff/unprocessed", "/staff/unprocessed?due=soon&sort=oldest"]


@pytest.mark.parametrize("who", ["firstline", "agent"])
def test_list_pages_run_as_many_statements_for_many_rows_as_for_few(
        helpdesk, helpdesk_engine, staff, who):
    add_tickets(helpdesk, staff, 3, start=0)
    helpdesk.login(f"{who}@example.org")
    pages = PAGES if who == "firstline" else [p for p in PAGES if "undispatched" not in p]
    for path in pages:
        helpdesk.app.get(path)  # warm: templates compiled, statements cached
    few = {path: page_statements(helpdesk, helpdesk_engine, path) for path in pages}
    add_tickets(helpdesk, staff, 60, start=3)
    assert len(listed(helpdesk.app.get("/staff/unprocessed"))) == 25
    many = {path: page_statements(helpdesk, helpdesk_engine, path) for path in pages}
    assert many == few
    # The person, their groups (with the first-line flag), (the group choices,) the page.
    assert max(few.values()) <= 4


def test_the_flow_runs_as_many_statements_for_a_long_flow_as_for_a_short_one(
        helpdesk, helpdesk_engine, staff, make_ticket):
    short, long = make_ticket("Short", minutes=90), make_ticket("Long", minutes=90)
    for ticket in (short, long):
        helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network,
                                  person=staff.agent)
    groups = [staff.computing, staff.network]
    for index in range(12):
        helpdesk.tickets.forward(long, actor=staff.firstline, group=groups[index % 2],
                                 person=(staff.other_agent, staff.agent)[index % 2])
        helpdesk.tickets.nudge(long, actor=staff.firstline)
    helpdesk.dbsession.flush()
    helpdesk.login("firstline@example.org")
    helpdesk.app.get(f"/staff/tickets/{short.number}/flow")
    assert page_statements(helpdesk, helpdesk_engine, f"/staff/tickets/{long.number}/flow") \
        == page_statements(helpdesk, helpdesk_engine, f"/staff/tickets/{short.number}/flow")
