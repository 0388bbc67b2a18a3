"""Each ticket event hook queues its payload, with the event's own member
(docs/webhooks.md, "Events"). The ``ops`` endpoint receives every event."""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from pyramid_helpdesk.ratings.services import rate
from pyramid_helpdesk.sla.check import check_targets
from pyramid_helpdesk.sla.clock import calendar_for
from pyramid_helpdesk.tickets.services import TicketService

from .conftest import webhook_rows

ZONE = ZoneInfo("Asia/Shanghai")


def payloads(helpdesk, event: str) -> list[dict]:
    """The ``ops`` payloads of ``event`` queued so far, oldest first."""
    helpdesk.dbsession.flush()
    return [json.loads(row.body) for row in webhook_rows(helpdesk, kind=event, recipient="ops")]


def test_forwarded_to_a_group_and_to_an_outside_address(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, subject="Licence server down")
    helpdesk.tickets.forward(ticket, actor=staff.firstline, group=staff.computing,
                             note="Their licence server.")
    helpdesk.tickets.forward(ticket, actor=staff.firstline, address="Vendor@Example.NET")

    to_group, to_address = payloads(helpdesk, "ticket.forwarded")
    assert to_group["forward"] == {
        "from": {"group": "First line", "person": None},
        "to": {"group": "Computing", "person": None},
        "to_address": None, "note": "Their licence server."}
    assert to_address["forward"]["to"] is None
    assert to_address["forward"]["to_address"] == "vendor@example.net"
    assert to_address["ticket"]["holder"] == {"group": "Computing", "person": None}


def test_a_forward_to_an_outside_address_comes_from_the_holder(helpdesk, staff):
    # Found by hand: "from" was {"group": null, "person": null} for an address.
    ticket = helpdesk.ticket(staff.user, subject="Plotter head worn")
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.tickets.take(ticket, actor=staff.agent)
    helpdesk.tickets.forward(ticket, actor=staff.agent, address="vendor@example.net")

    (payload,) = payloads(helpdesk, "ticket.forwarded")
    assert payload["forward"]["from"] == {
        "group": "Network", "person": {"email": "agent@example.org", "name": "Agent"}}
    assert payload["forward"]["from"] == payload["ticket"]["holder"]


def test_taken_and_status_changes(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, subject="Printer jam")
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.tickets.take(ticket, actor=staff.agent)
    helpdesk.tickets.resolve(ticket, actor=staff.agent)

    dispatched, taken = payloads(helpdesk, "ticket.assigned")
    assert taken["assignment"]["kind"] == "taken"
    assert taken["assignment"]["to"] == {
        "group": "Network", "person": {"email": "agent@example.org", "name": "Agent"}}
    assert [p["status"] for p in payloads(helpdesk, "ticket.status_changed")] == [
        {"from": "new", "to": "open", "operation": "dispatched"},
        {"from": "open", "to": "resolved", "operation": "resolved"}]


def test_changed_edited_and_merged(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, subject="Printer jam")
    duplicate = helpdesk.ticket(staff.user, subject="Printer jammed again")
    helpdesk.tickets.edit(ticket, actor=staff.user, subject="Printer jam on floor 2")
    helpdesk.tickets.change(ticket, actor=staff.firstline, priority="high", category="hardware")
    helpdesk.tickets.merge(duplicate, into=ticket, actor=staff.firstline)

    edited, = payloads(helpdesk, "ticket.edited")
    assert edited["changes"] == {"subject": ["Printer jam", "Printer jam on floor 2"]}
    assert edited["actor"]["email"] == "user@example.org"
    changed, = payloads(helpdesk, "ticket.changed")
    assert changed["changes"] == {"priority": ["normal", "high"],
                                  "category": [None, "hardware"]}
    assert changed["ticket"]["priority"] == "high"
    merged, = payloads(helpdesk, "ticket.merged")
    assert merged["ticket"]["number"] == duplicate.number
    assert merged["ticket"]["status"] == "closed"
    assert merged["merged_into"] == {
        "number": ticket.number, "url": f"http://helpdesk.example.org/tickets/{ticket.number}",
        "staff_url": f"http://helpdesk.example.org/staff/tickets/{ticket.number}"}


def test_a_reply_from_the_requester_side_and_a_rating(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, subject="Printer jam")
    helpdesk.tickets.reply(ticket, body="It jams on tray 2 only.", author=staff.user)
    helpdesk.tickets.resolve(ticket, actor=staff.firstline)
    rate(helpdesk.tickets, ticket, score=4, comment="快，谢谢")

    reply, = payloads(helpdesk, "message.added")
    assert reply["message"]["author"] == {"email": "user@example.org", "name": "User"}
    assert reply["message"]["author_is_staff"] is False
    rated, = payloads(helpdesk, "ticket.rated")
    assert rated["rating"] == {"score": 4, "comment": "快，谢谢"}


def test_service_level_warning_and_breach(helpdesk, staff):
    monday_9 = datetime(2026, 3, 2, 9, 0, tzinfo=ZONE)  # a working day; due at 11:00
    service = TicketService(helpdesk.dbsession, helpdesk.settings, helpdesk.plugins,
                            clock=lambda: monday_9)
    ticket = service.create(requester=staff.user, subject="Printer jam", channel="staff")
    helpdesk.dbsession.flush()
    calendar = calendar_for(helpdesk.settings)

    for moment in (datetime(2026, 3, 2, 10, 45, tzinfo=ZONE),
                   datetime(2026, 3, 2, 11, 5, tzinfo=ZONE)):
        check_targets(helpdesk.dbsession, calendar, helpdesk.settings, helpdesk.plugins, moment)

    warning, = payloads(helpdesk, "sla.warning")
    breach, = payloads(helpdesk, "sla.breached")
    assert warning["sla"] == breach["sla"] == {"target": "resolution",
                                               "due_at": "2026-03-02T03:00:00Z"}
    assert warning["ticket"]["due_at"] == "2026-03-02T03:00:00Z"
    assert warning["occurred_at"] == "2026-03-02T02:45:00Z"
    assert breach["ticket"]["number"] == ticket.number
