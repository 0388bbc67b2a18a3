"""The ``dingtalk`` notifier against a stand-in DingTalk robot on 127.0.0.1, which checks
the signature DingTalk computes from the query's timestamp."""
from __future__ import annotations

import logging
from datetime import timedelta

from helpdesk_chat.dingtalk import DingTalkNotifier
from helpdesk_chat.settings import RobotSettings

from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.notifications.models import DeliveryStatus

from .conftest import DINGTALK_SECRET, MENTIONED, assert_no_credentials


def test_a_signed_message_mentions_the_agent_by_mobile_number(dingtalk):
    row = dingtalk.queue()

    report = dingtalk.deliver()

    assert report.sent == 1
    assert dingtalk.server.problems == []  # the stand-in checked the timestamp and sign
    [call] = dingtalk.server.calls
    assert sorted(call.query) == ["access_token", "sign", "timestamp"]
    assert call.json == {
        "msgtype": "text",
        "text": {"content": "[HD-000042] Printer jam\nTicket HD-000042 is now with you.\n\n"
                            f"http://helpdesk.example.org/tickets/HD-000042\n@{MENTIONED}"},
        "at": {"atMobiles": [MENTIONED], "isAtAll": False},
    }
    assert [a.outcome for a in dingtalk.attempts(row)] == ["HTTP 200 errcode 0"]


def test_an_unsigned_robot_gets_no_timestamp_or_sign(dingtalk_unsigned):
    dingtalk_unsigned.queue(mobile="", name="Wen Example")

    assert dingtalk_unsigned.deliver().sent == 1

    assert dingtalk_unsigned.server.problems == []
    [call] = dingtalk_unsigned.server.calls
    assert sorted(call.query) == ["access_token"]
    assert call.json["at"] == {"atMobiles": [], "isAtAll": False}
    assert call.text.splitlines()[-1] == "@Wen Example"


def test_a_wrong_secret_is_refused_by_dingtalk_and_retried(dingtalk, caplog):
    caplog.set_level(logging.INFO)
    wrong = DingTalkNotifier(RobotSettings(webhook_url=dingtalk.server.url,
                                           secret="SEC" + "f" * 64, timeout=5.0))
    row = dingtalk.queue()

    report = dingtalk.deliver(notifiers={"dingtalk": wrong})

    assert report.retried == 1
    assert dingtalk.server.problems == ["sign does not match"]
    dingtalk.desk.dbsession.refresh(row)
    assert row.status is DeliveryStatus.pending
    assert row.last_error.startswith(
        "ChatDeliveryError: DingTalk robot 127.0.0.1: HTTP 200 errcode 310000 sign not match")
    assert_no_credentials(row.last_error, caplog.text, "SEC" + "f" * 64)
    assert "f" * 64 not in row.last_error + caplog.text


def test_sending_too_fast_is_a_failure_to_retry_after_the_back_off(dingtalk):
    dingtalk.server.replies.append(
        (200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}))
    row = dingtalk.queue()
    now = utcnow()

    assert dingtalk.deliver(now=now).retried == 1

    dingtalk.desk.dbsession.refresh(row)
    assert row.last_error == (
        "RateLimited: DingTalk robot 127.0.0.1: HTTP 200 errcode 130101 send too fast, exceed "
        "20 times per minute (sending too fast; the robot takes at most 20 messages in 60s)")
    assert dingtalk.deliver(now=now + timedelta(seconds=1)).handled == 0  # not due yet
    assert dingtalk.deliver(now=row.next_attempt_at).sent == 1
    assert dingtalk.server.problems == []
    assert len(dingtalk.server.calls) == 2


def test_the_sign_is_dingtalks_hmac_of_the_millisecond_timestamp():
    from helpdesk_chat.dingtalk import sign

    # printf '1700000000000\n%s' "$S" | openssl dgst -sha256 -hmac "$S" -binary | base64
    # gives w71eIcjnvfC+gQYzzoh2LGEfCxvdl5cVh+am+00eLZs= ; the query carries it URL-encoded.
    assert sign("1700000000000", DINGTALK_SECRET) == (
        "w71eIcjnvfC%2BgQYzzoh2LGEfCxvdl5cVh%2Bam%2B00eLZs%3D")
