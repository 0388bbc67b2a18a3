"""The outbox: every change writes its notifications in its own transaction.

Stories of who hears about what (the composer's rules), and proof that a change
that is rolled back leaves nothing to send.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.errors import DomainError, InvalidOperation
from pyramid_helpdesk.notifications.models import DeliveryStatus, Notification
from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back
from pyramid_helpdesk.tickets.models import Ticket


def notifications(helpdesk, ticket=None, kind=None):
    """The outbox rows (of ``ticket``, of ``kind``), oldest first."""
    query = select(Notification).order_by(Notification.id)
    if ticket is not None:
        query = query.where(Notification.ticket_id == ticket.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return helpdesk.dbsession.scalars(query).all()


def recipients(helpdesk, ticket, kind):
    """Who gets a ``kind`` notification about ``ticket``, sorted."""
    return sorted(row.recipient for row in notifications(helpdesk, ticket, kind))


def count(helpdesk, model) -> int:
    return helpdesk.dbsession.scalar(select(func.count()).select_from(model))


def submit(helpdesk, token, subject, **fields):
    """Post the new-ticket form as the logged-in browser."""
    return helpdesk.app.post("/tickets/new", {
        "subject": subject, "description": "It started this morning.",
        "csrf_token": token, **fields,
    }, expect_errors=True)


# -- written with the change ---------------------------------------------------------


def test_a_ticket_submitted_on_the_web_leaves_pending_acknowledgements(helpdesk, staff):
    token = helpdesk.login("user@example.org")
    response = submit(helpdesk, token, "Projector in room 12 is dead",
                      cc="colleague@example.net")
    assert response.status_int == 303, response.text
    number = response.location.rsplit("/", 1)[-1]
    ticket = helpdesk.tickets.get(number)

    rows = notifications(helpdesk, ticket)
    assert sorted(row.recipient for row in rows) == ["colleague@example.net", "user@example.org"]
    for row in rows:
        assert row.kind == "ticket_created"
        assert row.notifier == "mailfile"
        assert row.status is DeliveryStatus.pending
        assert row.attempts == 0 and row.sent_at is None
        assert f"[{number}]" in row.subject
        assert f"http://helpdesk.example.org/tickets/{number}" in row.body
        # Delivered later by the worker, never during the request.
        assert not os.path.exists(os.path.join(
            helpdesk.settings.mail_dir, f"{row.id:08d}-{row.kind}.eml"))


class ObservingThenFailingPlugin:
    """Runs after the composer, looks at the outbox in the change's session, then fails."""

    def __init__(self, error: Exception):
        self.error = error
        self.seen: list[str] = []

    @hookimpl(trylast=True)
    def helpdesk_ticket_created(self, ticket, helpdesk):
        self.seen = list(helpdesk.dbsession.scalars(
            select(Notification.recipient).where(Notification.ticket_id == ticket.id)
        ))
        raise self.error


@pytest.fixture
def failing_plugin(helpdesk):
    """Register a plugin on the app's manager for one test (see ``plugin.error``)."""
    plugin = ObservingThenFailingPlugin(RuntimeError("the plugin broke"))
    helpdesk.plugins.manager.register(plugin, name="test-failing-plugin")
    try:
        yield plugin
    finally:
        helpdesk.plugins.manager.unregister(plugin)


def test_a_request_that_fails_after_the_change_leaves_no_ticket_and_no_notification(
        helpdesk, staff, failing_plugin):
    token = helpdesk.login("user@example.org")
    with pytest.raises(RuntimeError, match="the plugin broke"):
        submit(helpdesk, token, "Printer on fire")

    assert failing_plugin.seen == ["user@example.org"]  # the composer had written it
    assert count(helpdesk, Ticket) == 0
    assert count(helpdesk, Notification) == 0


class RefusedByPlugin(DomainError):
    """A plugin's own refusal (an error page, not a crash)."""


@pytest.mark.parametrize("error", [
    RefusedByPlugin("tickets are closed for the holidays"),  # an error page
    InvalidOperation("this category is not served today"),   # shown on the form
], ids=["error-page", "form"])
def test_a_change_refused_by_a_plugin_leaves_no_ticket_and_no_notification(
        helpdesk, staff, failing_plugin, error):
    failing_plugin.error = error
    token = helpdesk.login("user@example.org")
    response = submit(helpdesk, token, "Printer on fire")

    assert response.status_int == 400
    assert str(error) in response.text
    assert failing_plugin.seen == ["user@example.org"]
    assert count(helpdesk, Ticket) == 0
    assert count(helpdesk, Notification) == 0


def test_a_bad_cc_address_keeps_the_form_and_stores_nothing(helpdesk, staff):
    token = helpdesk.login("user@example.org")
    response = submit(helpdesk, token, "Printer on fire", cc="colleague-at-example.org")

    assert response.status_int == 400
    assert "colleague-at-example.org" in response.text
    assert count(helpdesk, Ticket) == 0
    assert count(helpdesk, Notification) == 0


@pytest.fixture
def two_notifiers(helpdesk_engine, helpdesk_database_url, tmp_path):
    """An app whose ``helpdesk.notifiers`` is ``mailfile log``."""
    settings = make_test_settings(helpdesk_database_url, str(tmp_path), **{
        "helpdesk.plugins": "web", "helpdesk.notifiers": "mailfile log",
    })
    with rolled_back(build_app(settings, helpdesk_engine), helpdesk_engine) as harness:
        yield harness


def test_each_recipient_gets_one_row_per_active_notifier(two_notifiers):
    desk = two_notifiers
    user = desk.person("user@example.org")
    desk.group("First line", desk.person("firstline@example.org", "agent"), first_line=True)
    token = desk.login("user@example.org")
    response = submit(desk, token, "Wi-Fi keeps dropping", cc="boss@example.org")
    assert response.status_int == 303, response.text

    ticket = desk.tickets.get(response.location.rsplit("/", 1)[-1])
    assert ticket.requester_id == user.id
    rows = notifications(desk, ticket)
    assert sorted((row.recipient, row.notifier) for row in rows) == [
        ("boss@example.org", "log"), ("boss@example.org", "mailfile"),
        ("user@example.org", "log"), ("user@example.org", "mailfile"),
    ]


# -- who hears about what ----------------------------------------------------------


def test_a_new_ticket_is_acknowledged_to_the_requester_and_ccs_only(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, cc=["cc-one@example.org", "cc-two@example.net"])

    assert recipients(helpdesk, ticket, "ticket_created") == [
        "cc-one@example.org", "cc-two@example.net", "user@example.org"]
    assert {row.kind for row in notifications(helpdesk, ticket)} == {"ticket_created"}


def test_dispatch_tells_the_new_holder_but_taking_a_ticket_oneself_does_not(helpdesk, staff):
    dispatched = helpdesk.ticket(staff.user, subject="VPN drops")
    helpdesk.tickets.dispatch(dispatched, actor=staff.coordinator, group=staff.network,
                              person=staff.agent)
    assert recipients(helpdesk, dispatched, "ticket_assigned") == ["agent@example.org"]
    row, = notifications(helpdesk, dispatched, "ticket_assigned")
    assert row.subject == f"Assigned: [{dispatched.number}] VPN drops"

    taken = helpdesk.ticket(staff.user, subject="Mailbox full")
    helpdesk.tickets.take(taken, actor=staff.firstline)
    assert notifications(helpdesk, taken, "ticket_assigned") == []


def test_a_staff_reply_goes_to_the_requester_side_but_not_to_its_author(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, cc=["other-agent@example.org", "watcher@example.net"])
    helpdesk.tickets.dispatch(ticket, actor=staff.coordinator, group=staff.network,
                              person=staff.agent)

    helpdesk.tickets.reply(ticket, author=staff.other_agent, body="Try rebooting the router.")

    assert recipients(helpdesk, ticket, "message_public") == [
        "user@example.org", "watcher@example.net"]
    row = notifications(helpdesk, ticket, "message_public")[0]
    assert "Try rebooting the router." in row.body


def test_a_requester_reply_goes_to_the_holder(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, cc=["watcher@example.net"])
    helpdesk.tickets.dispatch(ticket, actor=staff.coordinator, group=staff.network,
                              person=staff.agent)

    helpdesk.tickets.reply(ticket, author=staff.user, body="It happened again at noon.")

    assert recipients(helpdesk, ticket, "message_public") == ["agent@example.org"]


def test_an_internal_note_is_mailed_to_nobody(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, cc=["watcher@example.net"])
    helpdesk.tickets.dispatch(ticket, actor=staff.coordinator, group=staff.network,
                              person=staff.agent)

    helpdesk.tickets.note(ticket, author=staff.coordinator, body="Known issue, see the wiki.")

    assert notifications(helpdesk, ticket, "message_internal") == []


def test_waiting_and_closing_tell_the_requester_side_but_not_who_did_it(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, cc=["watcher@example.net"])
    helpdesk.tickets.set_pending(ticket, actor=staff.firstline)
    assert recipients(helpdesk, ticket, "ticket_pending") == [
        "user@example.org", "watcher@example.net"]
    helpdesk.tickets.resolve(ticket, actor=staff.user)
    assert recipients(helpdesk, ticket, "ticket_resolved") == ["watcher@example.net"]
    helpdesk.tickets.close(ticket, actor=staff.firstline)
    assert recipients(helpdesk, ticket, "ticket_closed") == [
        "user@example.org", "watcher@example.net"]


def test_resolving_tells_the_requester_side(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, cc=["watcher@example.net"])
    helpdesk.tickets.dispatch(ticket, actor=staff.coordinator, group=staff.network,
                              person=staff.agent)
    helpdesk.tickets.set_pending(ticket, actor=staff.agent)
    assert notifications(helpdesk, ticket, "ticket_resolved") == []

    helpdesk.tickets.resolve(ticket, actor=staff.agent)

    assert recipients(helpdesk, ticket, "ticket_resolved") == [
        "user@example.org", "watcher@example.net"]


def test_a_nudge_goes_to_the_holding_person(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    helpdesk.tickets.dispatch(ticket, actor=staff.coordinator, group=staff.network,
                              person=staff.agent)

    helpdesk.tickets.nudge(ticket, actor=staff.coordinator, message="The user called twice.")

    row, = notifications(helpdesk, ticket, "ticket_nudged")
    assert row.recipient == "agent@example.org"
    assert "The user called twice." in row.body


def test_a_nudge_goes_to_the_group_address_or_its_members_when_only_a_group_holds_it(
        helpdesk, staff):
    with_address = helpdesk.group("ERP", staff.other_agent, email="erp-team@example.org")
    to_address = helpdesk.ticket(staff.user, subject="Invoice export fails")
    helpdesk.tickets.dispatch(to_address, actor=staff.coordinator, group=with_address)
    helpdesk.tickets.nudge(to_address, actor=staff.coordinator)
    assert recipients(helpdesk, to_address, "ticket_nudged") == ["erp-team@example.org"]

    storage = helpdesk.group("Storage", staff.agent, staff.other_agent)
    to_members = helpdesk.ticket(staff.user, subject="Quota exceeded")
    helpdesk.tickets.dispatch(to_members, actor=staff.coordinator, group=storage)
    helpdesk.tickets.nudge(to_members, actor=staff.coordinator)
    assert recipients(helpdesk, to_members, "ticket_nudged") == [
        "agent@example.org", "other-agent@example.org"]


def test_a_ticket_created_without_acknowledgement_sends_none(helpdesk, staff):
    """A channel that knows a machine wrote the request asks for no automatic reply."""
    ticket = helpdesk.ticket(staff.user, acknowledge=False)
    helpdesk.dbsession.flush()
    rows = helpdesk.dbsession.scalars(
        select(Notification).where(Notification.ticket_id == ticket.id)).all()
    assert [row.kind for row in rows] == []


@pytest.mark.parametrize("local_time, expected", [
    ("2026-12-04 19:00", ["Our service hours are mon-fri 08:00-17:00 (Asia/Shanghai).",
                          "we will handle it from Monday 2026-12-07 08:00."]),
    ("2026-11-30 09:00", []),
    ("2026-09-30 19:00", ["we will handle it from Thursday 2026-10-08 08:00."]),
    ("2026-10-09 19:00", ["we will handle it from Saturday 2026-10-10 08:00."]),
], ids=["friday-evening", "monday-morning", "before-national-day", "before-make-up-saturday"])
def test_an_acknowledgement_outside_service_hours_says_when_service_resumes(
    helpdesk, staff, local_time, expected
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from pyramid_helpdesk.tickets.services import TicketService

    created = datetime.fromisoformat(local_time).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    tickets = TicketService(helpdesk.dbsession, helpdesk.settings, helpdesk.plugins,
                            clock=lambda: created)
    ticket = tickets.create(requester=staff.user, subject="VPN", channel="staff")
    helpdesk.dbsession.flush()
    (row,) = notifications(helpdesk, ticket, "ticket_created")
    assert [line for line in expected if line in row.body] == expected
    assert ("service hours" in row.body) is bool(expected)
