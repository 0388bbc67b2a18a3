"""Ticket events reach the configured endpoints, signed, after commit, retried until
they are taken, and never when the change was rolled back."""
from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationAttempt,
)
from pyramid_helpdesk.tickets.models import Ticket

from .conftest import (
    BACKOFF,
    SECRETS,
    Receiver,
    run_worker,
    webhook_rows,
    webhook_settings,
)


def submit(helpdesk, subject="Projector in room 12 is dead", **fields):
    """The logged-in requester submits the web form; the new ticket's number."""
    response = helpdesk.app.post("/tickets/new", {
        "subject": subject, "description": "It started this morning.",
        "csrf_token": helpdesk.csrf_token("/tickets/new"), **fields})
    assert response.status_int == 303, response.text
    return response.location.rsplit("/", 1)[-1]


def staff_post(helpdesk, number, action, **fields):
    """A staff member's form on the ticket's console page (version as seen now)."""
    ticket = helpdesk.tickets.get(number)
    helpdesk.refresh(ticket)
    return helpdesk.app.post(f"/staff/tickets/{number}/{action}", {
        "csrf_token": helpdesk.csrf_token(f"/staff/tickets/{number}"),
        "expected_version": str(ticket.version), **fields})


def attempts(helpdesk, row):
    return helpdesk.dbsession.scalars(select(NotificationAttempt).where(
        NotificationAttempt.notification_id == row.id).order_by(NotificationAttempt.id)).all()


def test_a_ticket_created_and_answered_on_the_web_reaches_the_endpoints_signed(
        helpdesk, staff, receiver):
    helpdesk.login("user@example.org")
    number = submit(helpdesk, cc="colleague@example.net")
    helpdesk.logout()
    helpdesk.login("firstline@example.org")
    replied = staff_post(helpdesk, number, "reply", body="Please try the other cable.")
    noted = staff_post(helpdesk, number, "note", body="Cable cupboard key is at the desk.")
    assert (replied.status_int, noted.status_int) == (303, 303)
    assert receiver.received == []  # nothing leaves during the requests

    before = int(time.time())
    report = run_worker(helpdesk)
    after = time.time()

    assert (report.retried, report.failed) == (0, 0)
    assert all(r.signed for r in receiver.received)
    ops = receiver.payloads("/hooks/ops")
    audit = receiver.payloads("/hooks/audit")
    assert [p["event"] for p in ops] == ["ticket.created", "message.added"]  # no note
    assert [(p["event"], p.get("message", {}).get("kind")) for p in audit] == [
        ("ticket.created", None), ("message.added", "public"), ("message.added", "internal")]

    created, reply = ops
    ticket = helpdesk.tickets.get(number)
    assert created["ticket"] == {
        "number": number, "subject": "Projector in room 12 is dead", "status": "new",
        "priority": "normal", "category": None, "channel": "web",
        "requester": {"email": "user@example.org", "name": "User"},
        "holder": {"group": "First line", "person": None},
        "created_at": ticket.created_at.isoformat().replace("+00:00", "Z"),
        "due_at": ticket.due_at.isoformat().replace("+00:00", "Z"),
        "url": f"http://helpdesk.example.org/tickets/{number}",
        "staff_url": f"http://helpdesk.example.org/staff/tickets/{number}",
    }
    assert created["description"] == "It started this morning."
    assert created["actor"] is None
    assert created["occurred_at"].endswith("Z")
    assert reply["message"] == {
        "kind": "public", "author": {"email": "firstline@example.org", "name": "Firstline"},
        "author_is_staff": True, "body": "Please try the other cable.",
        "created_at": reply["message"]["created_at"]}
    assert reply["actor"] == {"email": "firstline@example.org", "name": "Firstline"}
    assert audit[2]["message"]["body"] == "Cable cupboard key is at the desk."

    for got in receiver.received:
        payload = got.payload
        headers = got.headers
        assert headers["Content-Type"] == "application/json"
        assert headers["User-Agent"] == "pyramid_helpdesk-webhook"
        assert headers["X-Helpdesk-Event"] == payload["event"]
        assert headers["X-Helpdesk-Delivery"] == payload["id"]
        assert str(uuid.UUID(payload["id"])) == payload["id"]
        assert before <= int(headers["X-Helpdesk-Timestamp"]) <= after
    assert len({p["id"] for p in ops + audit}) == 5  # one id per delivery

    rows = webhook_rows(helpdesk)
    assert [(r.kind, r.recipient, r.status) for r in rows] == [
        ("ticket.created", "ops", DeliveryStatus.sent),
        ("ticket.created", "audit", DeliveryStatus.sent),
        ("message.added", "ops", DeliveryStatus.sent),
        ("message.added", "audit", DeliveryStatus.sent),
        ("message.added", "audit", DeliveryStatus.sent),
    ]
    for row in rows:
        assert row.ticket_id == ticket.id
        assert [(a.succeeded, a.outcome) for a in attempts(helpdesk, row)] == [
            (True, "HTTP 200")]
    # Delivered once: another pass sends nothing again.
    assert run_worker(helpdesk, now=utcnow() + timedelta(days=1)).handled == 0
    assert len(receiver.received) == 5


def test_the_body_sent_is_the_payload_stored_at_the_change(helpdesk, staff, receiver):
    user = staff.user
    ticket = helpdesk.ticket(user, subject="Wi-Fi 断网 in building 3")
    row, = webhook_rows(helpdesk, kind="ticket.created", recipient="ops")
    ticket.subject = "Changed later"
    helpdesk.dbsession.flush()

    run_worker(helpdesk)

    got = next(r for r in receiver.received if r.path == "/hooks/ops")
    assert got.body == row.body.encode("utf-8")
    assert got.payload["ticket"]["subject"] == "Wi-Fi 断网 in building 3"
    assert got.payload["actor"] is None


def test_a_server_error_is_retried_with_back_off_and_every_attempt_recorded(
        helpdesk, staff, receiver):
    helpdesk.ticket(staff.user, subject="Printer jam")
    row, = webhook_rows(helpdesk, kind="ticket.created", recipient="ops")
    receiver.answers.extend([500, 503])  # ops first (the older row), then audit
    start = utcnow()

    first = run_worker(helpdesk, now=start)

    assert (first.retried, first.failed) == (2, 0)  # (the acknowledgement mail is sent)
    assert row.status is DeliveryStatus.pending
    assert row.next_attempt_at == start + BACKOFF
    assert row.last_error == "WebhookError: HTTP 500: temporarily unavailable"
    assert run_worker(helpdesk, now=start + BACKOFF / 2).handled == 0  # not due yet

    second = run_worker(helpdesk, now=start + BACKOFF)

    assert (second.sent, second.retried) == (2, 0)
    assert row.status is DeliveryStatus.sent and row.attempts == 2
    assert [(a.attempted_at, a.succeeded, a.outcome) for a in attempts(helpdesk, row)] == [
        (start, False, "WebhookError: HTTP 500: temporarily unavailable"),
        (start + BACKOFF, True, "HTTP 200"),
    ]
    ops = [r for r in receiver.received if r.path == "/hooks/ops"]
    assert len(ops) == 2 and ops[0].body == ops[1].body  # the same delivery, resent
    assert ops[0].headers["X-Helpdesk-Delivery"] == ops[1].headers["X-Helpdesk-Delivery"]
    assert all(r.signed for r in ops)


@pytest.mark.parametrize("status", [408, 429])
def test_a_request_timeout_or_rate_limit_is_retried(helpdesk, staff, receiver, status):
    helpdesk.ticket(staff.user, subject="Printer jam")
    row, = webhook_rows(helpdesk, kind="ticket.created", recipient="ops")
    receiver.answers.append(status)

    run_worker(helpdesk)

    assert row.status is DeliveryStatus.pending
    assert row.last_error.startswith(f"WebhookError: HTTP {status}")


def test_a_client_error_fails_at_once(helpdesk, staff, receiver):
    helpdesk.ticket(staff.user, subject="Printer jam")
    row, = webhook_rows(helpdesk, kind="ticket.created", recipient="ops")
    receiver.answers.append(401)

    report = run_worker(helpdesk)

    assert report.failed == 1
    assert row.status is DeliveryStatus.failed and row.attempts == 1
    assert row.last_error == "WebhookRefused: HTTP 401: not accepted"


def test_a_redirect_is_not_followed_but_retried(helpdesk, staff, receiver):
    helpdesk.ticket(staff.user, subject="Printer jam")
    row, = webhook_rows(helpdesk, kind="ticket.created", recipient="ops")
    receiver.answers.append(302)

    run_worker(helpdesk)

    assert row.status is DeliveryStatus.pending
    assert row.last_error.startswith("WebhookError: HTTP 302")
    assert [r.path for r in receiver.received].count("/hooks/ops") == 1


@pytest.fixture
def stopped_receiver():
    """A receiver that was started once (so its port is known) and is down now."""
    server = Receiver(dict(SECRETS))
    server.start()
    server.stop()
    yield server
    if server.running:
        server.stop()


def test_an_endpoint_that_is_down_gets_everything_once_it_is_back(desk_for, stopped_receiver):
    with desk_for(**webhook_settings(stopped_receiver)) as helpdesk:
        user = helpdesk.person("user@example.org")
        helpdesk.ticket(user, subject="Mail server slow")
        helpdesk.ticket(user, subject="VPN drops")
        rows = webhook_rows(helpdesk, kind="ticket.created")
        start = utcnow()

        assert run_worker(helpdesk, now=start).retried == 4  # (2 tickets, 2 endpoints)
        assert run_worker(helpdesk, now=start + BACKOFF).retried == 4
        for row in rows:
            assert row.status is DeliveryStatus.pending and row.attempts == 2
            assert row.next_attempt_at == start + 3 * BACKOFF
            assert "Connection refused" in row.last_error

        stopped_receiver.start()  # the same port: the endpoint is back
        report = run_worker(helpdesk, now=start + 3 * BACKOFF)

        assert (report.sent, report.retried) == (4, 0)
        assert all(row.status is DeliveryStatus.sent for row in rows)
        assert [p["ticket"]["subject"] for p in stopped_receiver.payloads("/hooks/ops")] == [
            "Mail server slow", "VPN drops"]
        assert len(stopped_receiver.payloads("/hooks/audit")) == 2
        assert all(r.signed for r in stopped_receiver.received)
        assert [(a.succeeded, a.outcome.split(":")[0]) for a in attempts(helpdesk, rows[0])] == [
            (False, "WebhookError"), (False, "WebhookError"), (True, "HTTP 200")]


# -- nothing after a rollback ---------------------------------------------------------


class FailingAfterTheChange:
    """A plugin that fails once every implementation of the hook ran (a wrapper),
    having looked at what the change had queued."""

    seen: list[str] = []

    @hookimpl(wrapper=True)
    def helpdesk_ticket_created(self, ticket, helpdesk):
        yield
        self.seen = list(helpdesk.dbsession.scalars(select(Notification.recipient).where(
            Notification.notifier == "webhook", Notification.ticket_id == ticket.id)))
        raise RuntimeError("the plugin broke")


@pytest.fixture
def failing_plugin(helpdesk):
    plugin = FailingAfterTheChange()
    helpdesk.plugins.manager.register(plugin, name="test-failing-after")
    try:
        yield plugin
    finally:
        helpdesk.plugins.manager.unregister(plugin)


def test_a_change_that_is_rolled_back_sends_nothing(helpdesk, staff, receiver, failing_plugin):
    helpdesk.login("user@example.org")
    with pytest.raises(RuntimeError, match="the plugin broke"):
        submit(helpdesk, subject="Printer on fire")

    assert failing_plugin.seen == ["ops", "audit"]  # queued, then rolled back
    assert helpdesk.dbsession.scalar(select(func.count()).select_from(Ticket)) == 0
    assert webhook_rows(helpdesk) == []
    assert run_worker(helpdesk).handled == 0
    assert receiver.received == []


# -- which endpoint gets what ------------------------------------------------------------


def test_each_endpoint_gets_only_the_events_it_listed(helpdesk, staff, receiver):
    ticket = helpdesk.ticket(staff.user, subject="Scanner offline")
    helpdesk.tickets.dispatch(ticket, group=staff.network, actor=staff.firstline)
    helpdesk.tickets.nudge(ticket, actor=staff.firstline, message="The user called again.")
    helpdesk.dbsession.flush()

    by_endpoint = {}
    for row in webhook_rows(helpdesk):
        by_endpoint.setdefault(row.recipient, []).append(row.kind)
    assert by_endpoint == {
        "ops": ["ticket.created", "ticket.assigned", "ticket.status_changed", "ticket.nudged"],
        "audit": ["ticket.created"],
    }
    run_worker(helpdesk)
    assigned, status, nudged = receiver.payloads("/hooks/ops")[1:]
    assert assigned["assignment"] == {
        "kind": "dispatched", "from": {"group": "First line", "person": None},
        "to": {"group": "Network", "person": None}, "reason": None, "note": None}
    assert assigned["ticket"]["holder"] == {"group": "Network", "person": None}
    assert status["status"] == {"from": "new", "to": "open", "operation": "dispatched"}
    assert nudged["nudge"] == {"count": 1, "message": "The user called again."}
    assert nudged["actor"] == {"email": "firstline@example.org", "name": "Firstline"}


def test_internal_notes_go_only_to_endpoints_that_opted_in(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, subject="Scanner offline")
    helpdesk.tickets.note(ticket, body="Known issue, see the vendor case.", author=staff.firstline)
    helpdesk.dbsession.flush()

    notes = webhook_rows(helpdesk, kind="message.added")
    assert [row.recipient for row in notes] == ["audit"]
    assert '"kind":"internal"' in notes[0].body


def test_nothing_is_queued_while_webhook_is_not_in_helpdesk_notifiers(desk_for, receiver):
    with desk_for(**webhook_settings(receiver, **{"helpdesk.notifiers": "mailfile"})) as helpdesk:
        assert "webhook" not in helpdesk.plugins.notifiers
        helpdesk.ticket(helpdesk.person("user@example.org"), subject="Printer jam")
        assert webhook_rows(helpdesk) == []
        assert helpdesk.app.get("/healthz").status_int == 200


# -- the helpdesk worker command ------------------------------------------------------


def test_the_worker_command_delivers_the_demo_events_once(migrated, receiver):
    migrated.write_ini(**{key.replace(".", "__"): value
                          for key, value in webhook_settings(receiver).items()})
    migrated.ok("demo")
    engine = migrated.engine()
    try:
        with Session(engine) as session:
            queued = session.execute(select(Notification.data["delivery"].as_string(),
                                            Notification.recipient)
                                     .where(Notification.notifier == "webhook")).all()
        assert len(queued) > 10

        migrated.ok("worker", "--once")

        paths = {"ops": "/hooks/ops", "audit": "/hooks/audit"}
        assert sorted((r.headers["X-Helpdesk-Delivery"], r.path) for r in receiver.received) == (
            sorted((delivery, paths[endpoint]) for delivery, endpoint in queued))
        assert all(r.signed for r in receiver.received)
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(Notification).where(
                Notification.notifier == "webhook",
                Notification.status != DeliveryStatus.sent)) == 0
        assert "sent 0, to retry 0, failed 0" in migrated.ok("worker", "--once")
        assert len(receiver.received) == len(queued)
    finally:
        engine.dispose()
