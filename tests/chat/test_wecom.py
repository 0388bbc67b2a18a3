"""The ``wecom`` notifier against a stand-in WeCom robot on 127.0.0.1."""
from __future__ import annotations

import logging
from datetime import timedelta

from helpdesk_chat.robot import SendingRate
from helpdesk_chat.wecom import WeComNotifier
from sqlalchemy import select

from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.notifications.models import DeliveryStatus, Notification

from .conftest import MENTIONED, MOBILE, assert_no_credentials


def test_an_agent_who_chose_chat_hears_of_an_assigned_ticket_in_the_wecom_group(wecom):
    desk = wecom.desk
    coordinator = desk.person("coordinator@example.org", "coordinator")
    agent = desk.person("agent@example.org", "agent", name="王小明", phone=MOBILE,
                        locale="zh_CN", notification_preferences={"ticket_assigned": "chat"})
    user = desk.person("user@example.org")
    ticket = desk.ticket(user, subject="打印机卡纸")
    desk.tickets.dispatch(ticket, actor=coordinator, person=agent)
    desk.dbsession.flush()

    rows = desk.dbsession.scalars(select(Notification).where(
        Notification.ticket_id == ticket.id, Notification.kind == "ticket_assigned")).all()
    assert [(row.notifier, row.recipient) for row in rows] == [("wecom", "agent@example.org")]
    report = wecom.deliver()

    assert report.failed == report.retried == 0
    assert wecom.server.problems == []
    [call] = wecom.server.calls
    assert call.json["text"]["mentioned_mobile_list"] == [MENTIONED]
    assert call.text.splitlines() == [  # in the agent's language, as the core wrote it
        f"分派给您：[{ticket.number}] 打印机卡纸",
        f"工单 {ticket.number} 现已分派给您处理。",
        "",
        f"http://helpdesk.example.org/tickets/{ticket.number}",
    ]
    desk.dbsession.refresh(rows[0])
    assert rows[0].status is DeliveryStatus.sent
    assert [a.outcome for a in wecom.attempts(rows[0])] == ["HTTP 200 errcode 0"]


def test_the_text_message_is_the_subject_the_body_and_the_link(wecom):
    row = wecom.queue(subject="[HD-000042] Printer jam",
                      body="Ticket HD-000042 is now with you.\n\n"
                           "http://helpdesk.example.org/tickets/HD-000042\n")
    wecom.deliver()

    assert wecom.server.problems == []
    [call] = wecom.server.calls
    assert call.json == {"msgtype": "text", "text": {
        "content": "[HD-000042] Printer jam\nTicket HD-000042 is now with you.\n\n"
                   "http://helpdesk.example.org/tickets/HD-000042",
        "mentioned_mobile_list": [MENTIONED]}}
    assert call.headers["Content-Type"] == "application/json; charset=utf-8"
    wecom.desk.dbsession.refresh(row)
    assert row.status is DeliveryStatus.sent


def test_without_a_mobile_number_the_name_is_written_instead(wecom):
    wecom.queue(mobile="010-5555-0100", name="王小明")  # a landline cannot be mentioned
    wecom.deliver()

    [call] = wecom.server.calls
    assert "mentioned_mobile_list" not in call.json["text"]
    assert call.text.splitlines()[-1] == "@王小明"


def test_an_error_code_is_raised_and_the_worker_retries_it(wecom, caplog):
    caplog.set_level(logging.INFO)
    wecom.server.replies.append((200, {
        "errcode": 93000, "errmsg": "invalid webhook url, hint: [1700000000_5555], "
                                    "from ip: 192.0.2.7, more info at https://open.work."
                                    "weixin.qq.com/devtool/query?e=93000"}))
    row = wecom.queue()
    now = utcnow()

    report = wecom.deliver(now=now)

    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    wecom.desk.dbsession.refresh(row)
    assert row.status is DeliveryStatus.pending
    assert row.last_error.startswith(
        "ChatDeliveryError: WeCom robot 127.0.0.1: HTTP 200 errcode 93000 invalid webhook url")
    assert row.next_attempt_at > now

    report = wecom.deliver(now=now + timedelta(hours=1))  # the back-off passed

    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    wecom.desk.dbsession.refresh(row)
    assert row.status is DeliveryStatus.sent and row.attempts == 2
    assert len(wecom.server.calls) == 2
    assert [a.succeeded for a in wecom.attempts(row)] == [False, True]
    assert_no_credentials(row.last_error, caplog.text,
                          *(a.outcome for a in wecom.attempts(row)))


def test_the_robots_rate_limit_is_a_failure_to_retry(wecom):
    wecom.server.replies.append((200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    row = wecom.queue()

    assert wecom.deliver().retried == 1

    wecom.desk.dbsession.refresh(row)
    assert row.status is DeliveryStatus.pending
    assert row.last_error.startswith(
        "RateLimited: WeCom robot 127.0.0.1: HTTP 200 errcode 45009 api freq out of limit")


def test_an_http_error_without_json_is_retried(wecom):
    wecom.server.replies.append((502, "<html>502 Bad Gateway</html>"))
    row = wecom.queue()

    assert wecom.deliver().retried == 1

    wecom.desk.dbsession.refresh(row)
    assert row.last_error == "ChatDeliveryError: WeCom robot 127.0.0.1: HTTP 502"


def test_a_robot_that_does_not_answer_is_retried(wecom):
    row = wecom.queue()
    unreachable = WeComNotifier(wecom.notifier.settings.__class__(
        webhook_url="http://127.0.0.1:9/cgi-bin/webhook/send?key=0a1b2c3d-wecom-test-key-5555",
        timeout=5.0))

    assert wecom.deliver(notifiers={"wecom": unreachable}).retried == 1

    wecom.desk.dbsession.refresh(row)
    assert row.last_error.startswith("ChatDeliveryError: WeCom robot 127.0.0.1: ")
    assert "ConnectionRefusedError" in row.last_error
    assert_no_credentials(row.last_error)


def test_long_chinese_text_is_cut_to_2048_bytes_on_a_character_boundary(wecom):
    paragraph = "打印机在二楼走廊，每次打印都卡纸，已经换过纸盒但仍然不行。" * 12
    body = "\n".join([paragraph] * 10 + ["", "http://helpdesk.example.org/tickets/HD-000042", ""])
    subject = "[HD-000042] " + "二楼打印机卡纸" * 30
    row = wecom.queue(subject=subject[:255], body=body)

    wecom.deliver()

    assert wecom.server.problems == []  # the stand-in refuses content over 2048 bytes
    [call] = wecom.server.calls
    content = call.text
    assert 2040 <= len(content.encode("utf-8")) <= 2048
    lines = content.splitlines()
    assert lines[0] == subject[:255]
    assert lines[1] == paragraph  # what fits is kept whole
    assert lines[2].endswith("…") and paragraph.startswith(lines[2][:-1])
    assert lines[-2:] == ["", "http://helpdesk.example.org/tickets/HD-000042"]
    wecom.desk.dbsession.refresh(row)
    assert row.status is DeliveryStatus.sent


def test_a_burst_over_20_messages_a_minute_waits_for_the_next_pass(wecom):
    stopped = SendingRate((20, 60), clock=lambda: 1000.0)  # the whole pass in one instant
    notifier = WeComNotifier(wecom.notifier.settings, rate=stopped)
    rows = [wecom.queue(name=f"Agent {n}") for n in range(21)]

    report = wecom.deliver(notifiers={"wecom": notifier})

    assert (report.sent, report.retried) == (20, 1)
    assert len(wecom.server.calls) == 20  # the 21st never reached the robot
    wecom.desk.dbsession.refresh(rows[-1])
    assert rows[-1].last_error == ("RateLimited: WeCom robot 127.0.0.1: held back, the robot "
                                   "takes at most 20 messages in 60s")
