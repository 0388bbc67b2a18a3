"""The undispatched queue: new tickets waiting for first line, oldest first."""
from .conftest import listed


def test_new_tickets_wait_oldest_first_until_someone_takes_or_dispatches_them(
        helpdesk, staff, make_ticket):
    oldest = make_ticket("Printer jam", minutes=50)
    middle = make_ticket("No sound", minutes=30)
    newest = make_ticket("Password", minutes=10)
    dispatched = make_ticket("Switch down", minutes=40)
    helpdesk.tickets.dispatch(dispatched, actor=staff.firstline, group=staff.network)
    taken = make_ticket("Toner", minutes=20)
    helpdesk.tickets.take(taken, actor=staff.firstline)
    helpdesk.dbsession.flush()
    helpdesk.login("firstline@example.org")

    page = helpdesk.app.get("/staff/undispatched")
    assert listed(page) == [oldest.number, middle.number, newest.number]
    assert listed(helpdesk.app.get("/staff/undispatched?sort=newest")) == [
        newest.number, middle.number, oldest.number]
    assert "Created by staff" in page.text  # its channel
    assert "50 min" in page.text  # how long the oldest has waited


def test_the_most_urgent_come_first_when_asked(helpdesk, staff, make_ticket):
    normal = make_ticket("Printer jam", minutes=50)
    urgent = make_ticket("Mail server down", minutes=5, priority="urgent")
    helpdesk.login("coordinator@example.org")
    assert listed(helpdesk.app.get("/staff/undispatched?sort=priority")) == [
        urgent.number, normal.number]
    assert listed(helpdesk.app.get("/staff/undispatched?priority=urgent")) == [urgent.number]


def test_an_empty_queue_says_so(helpdesk, staff):
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get("/staff/undispatched")
    assert "No ticket is waiting." in page.text and listed(page) == []
