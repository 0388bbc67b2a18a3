"""``helpdesk worker --once`` delivers chat notifications to the robot, after the change
committed, and leaves a refused one for its next pass."""
from __future__ import annotations

from datetime import timedelta

from pyramid.paster import get_appsettings
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pyramid_helpdesk.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationAttempt,
)
from pyramid_helpdesk.people.models import Role
from pyramid_helpdesk.people.services import create_person
from pyramid_helpdesk.testing import build_app
from pyramid_helpdesk.tickets.services import TicketService

from .conftest import DINGTALK_SECRET, MENTIONED, MOBILE, DingTalk, assert_no_credentials, running


def test_the_worker_command_posts_a_nudge_to_the_dingtalk_group_and_retries_a_refusal(migrated):
    with running(DingTalk(DINGTALK_SECRET)) as server:
        ini = migrated.write_ini(**{
            "helpdesk__plugins": "web dingtalk", "helpdesk__notifiers": "mailfile dingtalk",
            "helpdesk__dingtalk__webhook_url": server.url,
            "helpdesk__dingtalk__secret": DINGTALK_SECRET})
        engine = migrated.engine()
        try:
            app = build_app(dict(get_appsettings(str(ini))), engine)
            registry = app.registry
            with Session(engine) as session, session.begin():
                coordinator = create_person(session, "coordinator@example.org", name="Coordinator",
                                            role=Role.coordinator)
                agent = create_person(session, "agent@example.org", name="Wen Example",
                                      role=Role.agent, phone=MOBILE,
                                      notification_preferences={"ticket_nudged": "chat"})
                user = create_person(session, "user@example.org", name="User")
                tickets = TicketService(session, registry.helpdesk_settings,
                                        registry.helpdesk_plugins)
                ticket = tickets.create(requester=user, subject="VPN drops every hour",
                                        channel="staff", actor=coordinator)
                tickets.dispatch(ticket, actor=coordinator, person=agent)
                tickets.nudge(ticket, actor=coordinator, message="The user is waiting.")
                number = ticket.number
            assert server.calls == []  # nothing leaves before the worker runs

            server.replies.append((200, {"errcode": 130101,
                                         "errmsg": "send too fast, exceed 20 times per minute"}))
            output = migrated.ok("worker", "--once")
            # By e-mail, the acknowledgement and the assignment; by chat, the refused nudge.
            assert "sent 2, to retry 1, failed 0" in output

            with Session(engine) as session:
                nudge = session.scalars(select(Notification).where(
                    Notification.kind == "ticket_nudged")).one()
                assert (nudge.notifier, nudge.status) == ("dingtalk", DeliveryStatus.pending)
                assert nudge.last_error.startswith("RateLimited: DingTalk robot 127.0.0.1: "
                                                   "HTTP 200 errcode 130101")
            with Session(engine) as session, session.begin():  # as if the back-off passed
                session.execute(update(Notification).where(Notification.id == nudge.id).values(
                    next_attempt_at=nudge.next_attempt_at - timedelta(days=1)))

            assert "sent 1, to retry 0, failed 0" in migrated.ok("worker", "--once")

            assert server.problems == []
            assert len(server.calls) == 2  # the refused nudge, then the nudge again
            assert server.calls[1].json["at"]["atMobiles"] == [MENTIONED]
            assert server.calls[1].text.splitlines() == [
                f"Reminder: [{number}] VPN drops every hour",
                f"Reminder 1 for ticket {number}.",
                "The user is waiting.",
                "",
                f"http://helpdesk.example.org/tickets/{number}",
                f"@{MENTIONED}",
            ]
            with Session(engine) as session:
                rows = session.scalars(select(Notification).where(
                    Notification.notifier == "dingtalk").order_by(Notification.id)).all()
                # The agent chose chat for reminders only: the assignment went by e-mail.
                assert [(row.kind, row.status) for row in rows] == [
                    ("ticket_nudged", DeliveryStatus.sent)]
                outcomes = session.scalars(select(NotificationAttempt.outcome).where(
                    NotificationAttempt.notification_id == nudge.id)
                    .order_by(NotificationAttempt.id)).all()
            assert outcomes[-1] == "HTTP 200 errcode 0"
            assert_no_credentials(*outcomes, output)
        finally:
            engine.dispose()
