"""Delivering the outbox after commit: ``deliver_due`` and the ``helpdesk worker`` command.

Delivery happens outside the change's transaction, through each active
notifier, isolated from the others, with retries and exponential back-off; on
PostgreSQL several workers never deliver one row twice.
"""
from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pyramid_helpdesk.db import get_engine
from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.notifications.delivery import (
    PermanentDeliveryError,
    backoff_delay,
    deliver_due,
)
from pyramid_helpdesk.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationAttempt,
)
from pyramid_helpdesk.notifications.services import Outbox
from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back

BACKOFF = timedelta(seconds=30)
HELPDESK = Path(sys.executable).with_name("helpdesk")


@pytest.fixture
def desk(helpdesk_engine, helpdesk_database_url, tmp_path):
    """A rolled-back helpdesk whose ``helpdesk.mail.dir`` is this test's own directory."""
    settings = make_test_settings(helpdesk_database_url, str(tmp_path), **{
        "helpdesk.plugins": "web", "helpdesk.notifiers": "mailfile log",
    })
    with rolled_back(build_app(settings, helpdesk_engine), helpdesk_engine) as harness:
        yield harness


def deliver(desk, notifiers=None, *, now=None, max_attempts=8, batch_size=50):
    """One worker pass on the test's session, with the app's notifiers by default."""
    return deliver_due(desk.dbsession, desk.plugins.notifiers if notifiers is None else notifiers,
                       batch_size=batch_size, max_attempts=max_attempts, backoff=BACKOFF, now=now)


def queue(desk, notifiers, *recipients, kind="ticket_nudged"):
    """Put one message per recipient and notifier in the outbox (as a hook would)."""
    rows = Outbox(desk.dbsession, notifiers).enqueue(
        kind, recipients, "[HD-000042] Printer jam", "Please look at it.\n")
    desk.dbsession.flush()
    return rows


def read_mail(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


class BrokenNotifier:
    """A backend that is down: every delivery raises."""

    name = "broken"

    def __init__(self):
        self.calls = 0

    def deliver(self, message):
        self.calls += 1
        raise ConnectionRefusedError("smtp.example.org:25 refused the connection")


class FlakyNotifier:
    """A backend that fails ``failures`` times, then delivers (an SMTP server that was down)."""

    name = "flaky"

    def __init__(self, failures: int):
        self.failures = failures
        self.attempts = 0
        self.delivered: list[int] = []

    def deliver(self, message):
        self.attempts += 1
        if self.attempts <= self.failures:
            raise TimeoutError("smtp.example.org did not answer")
        self.delivered.append(message.id)


# -- delivering --------------------------------------------------------------------


def test_the_worker_writes_one_mail_per_pending_row_and_marks_it_sent(desk):
    user = desk.person("user@example.org")
    desk.group("First line", desk.person("firstline@example.org", "agent"), first_line=True)
    ticket = desk.ticket(user, subject="Projector in room 12 is dead",
                         cc=["colleague@example.net"])
    mailfile_rows = desk.dbsession.scalars(select(Notification).where(
        Notification.ticket_id == ticket.id, Notification.notifier == "mailfile")).all()
    assert sorted(row.recipient for row in mailfile_rows) == [
        "colleague@example.net", "user@example.org"]

    now = utcnow()
    report = deliver(desk, now=now)

    assert (report.sent, report.retried, report.failed) == (4, 0, 0)  # mailfile and log
    mail_dir = Path(desk.settings.mail_dir)
    assert mail_dir == Path(desk.wsgi_app.registry.helpdesk_settings.mail_dir)
    assert sorted(p.name for p in mail_dir.glob("*.eml")) == sorted(
        f"{row.id:08d}-ticket_created.eml" for row in mailfile_rows)
    for row in mailfile_rows:
        mail = read_mail(mail_dir / f"{row.id:08d}-ticket_created.eml")
        assert mail["To"] == row.recipient
        assert mail["From"] == desk.settings.mail_sender
        assert mail["Subject"] == f"[{ticket.number}] Projector in room 12 is dead"
        assert f"http://helpdesk.example.org/tickets/{ticket.number}" in mail.get_content()
        assert f"received as ticket {ticket.number}" in mail.get_content()
    desk.dbsession.expire_all()  # what was stored, not what is in memory
    for row in desk.dbsession.scalars(select(Notification)):
        assert row.status is DeliveryStatus.sent
        assert row.sent_at == now
        assert row.attempts == 1 and row.last_error is None

    again = deliver(desk, now=now + timedelta(hours=1))
    assert again.handled == 0
    assert len(list(mail_dir.glob("*.eml"))) == 2


def test_a_failing_notifier_does_not_stop_the_others(desk):
    broken = BrokenNotifier()
    notifiers = {**desk.plugins.notifiers, "broken": broken}
    queue(desk, ["mailfile", "broken", "log"], "agent@example.org", "firstline@example.org")

    now = utcnow()
    report = deliver(desk, notifiers, now=now)

    assert (report.sent, report.retried, report.failed) == (4, 2, 0)
    assert broken.calls == 2
    desk.dbsession.expire_all()
    rows = desk.dbsession.scalars(select(Notification).order_by(Notification.id)).all()
    for row in rows:
        if row.notifier == "broken":
            assert row.status is DeliveryStatus.pending
            assert row.attempts == 1
            assert row.last_error == (
                "ConnectionRefusedError: smtp.example.org:25 refused the connection")
            assert row.next_attempt_at == now + BACKOFF
            assert row.sent_at is None
        else:
            assert row.status is DeliveryStatus.sent, row.notifier
    assert len(list(Path(desk.settings.mail_dir).glob("*.eml"))) == 2


def test_a_row_that_keeps_failing_backs_off_then_gives_up(desk):
    broken = BrokenNotifier()
    row, = queue(desk, ["broken"], "agent@example.org")
    now = utcnow()

    deliver(desk, {"broken": broken}, now=now, max_attempts=3)
    assert (row.attempts, row.next_attempt_at) == (1, now + BACKOFF)

    now = row.next_attempt_at
    deliver(desk, {"broken": broken}, now=now, max_attempts=3)
    assert (row.attempts, row.next_attempt_at) == (2, now + 2 * BACKOFF)
    assert row.status is DeliveryStatus.pending

    report = deliver(desk, {"broken": broken}, now=row.next_attempt_at, max_attempts=3)
    assert (report.sent, report.retried, report.failed) == (0, 0, 1)
    assert row.status is DeliveryStatus.failed
    assert row.attempts == 3
    assert row.last_error.startswith("ConnectionRefusedError")

    later = deliver(desk, {"broken": broken}, now=now + timedelta(days=30), max_attempts=3)
    assert later.handled == 0
    assert broken.calls == 3


def test_back_off_doubles_and_is_capped_at_a_day():
    assert [backoff_delay(n, BACKOFF) for n in (1, 2, 3, 4)] == [
        BACKOFF, 2 * BACKOFF, 4 * BACKOFF, 8 * BACKOFF]
    assert backoff_delay(30, BACKOFF) == timedelta(days=1)


def test_a_row_for_a_notifier_that_is_no_longer_active_waits_with_its_reason(desk):
    row, = queue(desk, ["webhook"], "agent@example.org")

    report = deliver(desk, now=utcnow())

    assert report.retried == 1
    assert row.status is DeliveryStatus.pending
    assert row.last_error == "LookupError: notifier 'webhook' is not active"


def test_rows_not_yet_due_are_not_delivered(desk):
    flaky = FlakyNotifier(failures=0)
    due, later = queue(desk, ["flaky"], "agent@example.org", "firstline@example.org")
    now = utcnow()
    later.next_attempt_at = now + timedelta(minutes=5)
    desk.dbsession.flush()

    report = deliver(desk, {"flaky": flaky}, now=now)

    assert report.sent == 1
    assert flaky.delivered == [due.id]
    assert later.status is DeliveryStatus.pending and later.attempts == 0

    deliver(desk, {"flaky": flaky}, now=now + timedelta(minutes=5))
    assert flaky.delivered == [due.id, later.id]
    assert later.status is DeliveryStatus.sent


def test_mail_is_delivered_once_the_smtp_server_is_back(desk):
    flaky = FlakyNotifier(failures=2)
    row, = queue(desk, ["flaky"], "user@example.org")
    start = utcnow()

    assert deliver(desk, {"flaky": flaky}, now=start).retried == 1
    assert deliver(desk, {"flaky": flaky}, now=start + BACKOFF / 2).handled == 0  # not due
    assert deliver(desk, {"flaky": flaky}, now=start + BACKOFF).retried == 1
    third = start + BACKOFF + 2 * BACKOFF
    assert row.next_attempt_at == third
    report = deliver(desk, {"flaky": flaky}, now=third)

    assert report.sent == 1
    assert row.status is DeliveryStatus.sent
    assert row.attempts == 3
    assert row.sent_at == third
    assert row.last_error is None
    assert deliver(desk, {"flaky": flaky}, now=third + timedelta(days=1)).handled == 0
    assert flaky.delivered == [row.id]


class AnsweringNotifier(FlakyNotifier):
    """As :class:`FlakyNotifier`, and says what the server answered when it delivers."""

    name = "answering"

    def deliver(self, message):
        super().deliver(message)
        return "250 2.0.0 queued as 4XyZ"


class RefusedNotifier:
    """A backend whose server refuses the message for good."""

    name = "refused"

    def deliver(self, message):
        raise PermanentDeliveryError("550 5.1.1 no such mailbox")


def attempts_of(desk, row):
    return desk.dbsession.scalars(select(NotificationAttempt).where(
        NotificationAttempt.notification_id == row.id).order_by(NotificationAttempt.id)).all()


def test_every_attempt_is_recorded_with_its_outcome(desk):
    answering = AnsweringNotifier(failures=1)
    row, = queue(desk, ["answering"], "user@example.org")
    start = utcnow()

    deliver(desk, {"answering": answering}, now=start)
    deliver(desk, {"answering": answering}, now=start + BACKOFF)
    deliver(desk, {"answering": answering}, now=start + timedelta(days=1))  # nothing due

    desk.dbsession.expire_all()
    attempts = attempts_of(desk, row)
    assert [(a.attempted_at, a.succeeded, a.outcome) for a in attempts] == [
        (start, False, "TimeoutError: smtp.example.org did not answer"),
        (start + BACKOFF, True, "250 2.0.0 queued as 4XyZ"),
    ]
    assert all(a.duration_ms >= 0 for a in attempts)
    mailfile, = queue(desk, ["mailfile"], "agent@example.org")  # answers nothing
    deliver(desk, now=utcnow())
    assert [(a.succeeded, a.outcome) for a in attempts_of(desk, mailfile)] == [(True, "")]


def test_a_message_refused_for_good_fails_at_once(desk):
    row, = queue(desk, ["refused"], "nobody@example.org")

    report = deliver(desk, {"refused": RefusedNotifier()}, now=utcnow(), max_attempts=8)

    assert (report.sent, report.retried, report.failed) == (0, 0, 1)
    assert row.status is DeliveryStatus.failed and row.attempts == 1
    assert [(a.succeeded, a.outcome) for a in attempts_of(desk, row)] == [
        (False, "PermanentDeliveryError: 550 5.1.1 no such mailbox")]


# -- several workers on PostgreSQL --------------------------------------------------


class SlowRecordingNotifier:
    """Takes ~2 ms per delivery and records which worker delivered what."""

    name = "slow"

    def __init__(self):
        self.lock = threading.Lock()
        self.deliveries: list[tuple[str, int]] = []

    def deliver(self, message):
        time.sleep(0.002)
        with self.lock:
            self.deliveries.append((threading.current_thread().name, message.id))


@pytest.mark.postgresql_only
def test_two_workers_on_postgresql_deliver_each_row_exactly_once(
        helpdesk_engine, helpdesk_database_url):
    if not helpdesk_database_url.startswith("postgresql"):
        pytest.skip("row locking (SKIP LOCKED) needs PostgreSQL")
    engine = get_engine({"sqlalchemy.url": helpdesk_database_url})
    notifier = SlowRecordingNotifier()
    ids: list[int] = []
    try:
        with Session(engine) as session, session.begin():
            assert session.scalar(select(func.count()).select_from(Notification).where(
                Notification.status == DeliveryStatus.pending)) == 0
            rows = Outbox(session, ["slow"]).enqueue(
                "ticket_nudged", [f"agent-{n}@example.org" for n in range(300)],
                "[HD-000042] Printer jam", "Please look at it.\n")
            session.flush()
            ids = [row.id for row in rows]
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def work():
            try:
                start.wait()
                with Session(engine) as session:
                    while True:
                        with session.begin():
                            report = deliver_due(session, {"slow": notifier}, batch_size=10,
                                                 max_attempts=3, backoff=BACKOFF)
                        if not report.handled:
                            return
            except BaseException as exc:  # reported by the test below
                errors.append(exc)

        workers = [threading.Thread(target=work, name=f"worker-{n}") for n in (1, 2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert not any(worker.is_alive() for worker in workers)
        assert errors == []

        delivered = [message_id for _, message_id in notifier.deliveries]
        assert sorted(delivered) == sorted(ids)  # every row, none twice
        assert {name for name, _ in notifier.deliveries} == {"worker-1", "worker-2"}
        with Session(engine) as session:
            statuses = session.execute(
                select(Notification.status, Notification.attempts, func.count())
                .where(Notification.id.in_(ids))
                .group_by(Notification.status, Notification.attempts)
            ).all()
        assert statuses == [(DeliveryStatus.sent, 1, 300)]
    finally:
        with engine.begin() as connection:
            connection.execute(delete(Notification).where(Notification.id.in_(ids)))
        engine.dispose()


# -- the helpdesk worker command ------------------------------------------------------


def helpdesk_command(ini: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("HELPDESK_CONFIG", None)
    return subprocess.run([str(HELPDESK), "-c", str(ini), *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def test_the_worker_command_sends_the_demo_notifications(tmp_path):
    ini = tmp_path / "helpdesk.ini"
    ini.write_text("""\
[app:main]
use = egg:pyramid_helpdesk
sqlalchemy.url = sqlite:///%(here)s/helpdesk.sqlite
helpdesk.base_url = http://helpdesk.example.org
helpdesk.session.secret = worker-test-secret-0123456789abcdef0123
helpdesk.password.argon2_profile = CHEAPEST
helpdesk.plugins = web
helpdesk.notifiers = mailfile
helpdesk.mail.dir = mail
helpdesk.mail.sender = helpdesk@example.org
helpdesk.attachments.dir = attachments
""")
    for args in (("db", "upgrade"), ("demo",)):
        done = helpdesk_command(ini, *args)
        assert done.returncode == 0, done.stderr

    engine = get_engine({"sqlalchemy.url": f"sqlite:///{tmp_path / 'helpdesk.sqlite'}"})
    try:
        with Session(engine) as session:
            pending = session.scalars(select(Notification).where(
                Notification.status == DeliveryStatus.pending)).all()
            expected = {f"{row.id:08d}-{row.kind}.eml": row.recipient for row in pending}
        assert {row.kind for row in pending} == {
            "ticket_created", "ticket_assigned", "message_public", "ticket_pending"}

        done = helpdesk_command(ini, "worker", "--once")
        assert done.returncode == 0, done.stderr
        assert f"sent {len(pending)}, to retry 0, failed 0" in done.stdout

        mails = {path.name: read_mail(path) for path in (tmp_path / "mail").glob("*.eml")}
        assert {name: mail["To"] for name, mail in mails.items()} == expected
        assert all("http://helpdesk.example.org/tickets/HD-" in mail.get_content()
                   for mail in mails.values())
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(Notification).where(
                Notification.status != DeliveryStatus.sent)) == 0

        done = helpdesk_command(ini, "worker", "--once")
        assert done.returncode == 0, done.stderr
        assert "sent 0, to retry 0, failed 0" in done.stdout
        assert len(list((tmp_path / "mail").glob("*.eml"))) == len(pending)
    finally:
        engine.dispose()
