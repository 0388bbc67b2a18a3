"""The ``feishu`` notifier against a stand-in Feishu bot on 127.0.0.1, which checks the
signature Feishu computes from the body's timestamp."""
from __future__ import annotations

import logging

from helpdesk_chat.feishu import FeishuNotifier, sign
from helpdesk_chat.settings import RobotSettings

from pyramid_helpdesk.notifications.models import DeliveryStatus

from .conftest import FEISHU_SECRET, MENTIONED, assert_no_credentials


def test_a_signed_message_names_the_agent(feishu):
    row = feishu.queue(name="王小明")

    assert feishu.deliver().sent == 1

    assert feishu.server.problems == []  # the stand-in checked the timestamp and sign
    [call] = feishu.server.calls
    assert list(call.json) == ["timestamp", "sign", "msg_type", "content"]
    assert call.json["msg_type"] == "text"
    assert call.json["content"] == {"text": (
        "[HD-000042] Printer jam\nTicket HD-000042 is now with you.\n\n"
        "http://helpdesk.example.org/tickets/HD-000042\n@王小明")}
    assert MENTIONED not in call.text  # a custom bot cannot mention by phone number
    assert [a.outcome for a in feishu.attempts(row)] == ["HTTP 200 code 0"]


def test_an_unsigned_bot_gets_the_text_alone(feishu_unsigned):
    feishu_unsigned.queue(name="")

    assert feishu_unsigned.deliver().sent == 1

    [call] = feishu_unsigned.server.calls
    assert call.json == {"msg_type": "text", "content": {"text": (
        "[HD-000042] Printer jam\nTicket HD-000042 is now with you.\n\n"
        "http://helpdesk.example.org/tickets/HD-000042")}}
    assert feishu_unsigned.server.problems == []


def test_an_older_bots_status_code_answer_is_a_success(feishu):
    feishu.server.replies.append(
        (200, {"Extra": None, "StatusCode": 0, "StatusMessage": "success"}))
    row = feishu.queue()

    assert feishu.deliver().sent == 1
    assert [a.outcome for a in feishu.attempts(row)] == ["HTTP 200 StatusCode 0"]


def test_a_wrong_secret_is_refused_by_feishu_and_retried(feishu, caplog):
    caplog.set_level(logging.INFO)
    wrong = FeishuNotifier(RobotSettings(webhook_url=feishu.server.url,
                                         secret="not-the-bots-secret", timeout=5.0))
    row = feishu.queue()

    assert feishu.deliver(notifiers={"feishu": wrong}).retried == 1

    assert feishu.server.problems == ["sign does not match"]
    feishu.desk.dbsession.refresh(row)
    assert row.status is DeliveryStatus.pending
    assert row.last_error == (
        "ChatDeliveryError: Feishu bot 127.0.0.1: HTTP 200 code 19021 sign match fail or "
        "timestamp is not within one hour from current time")
    assert_no_credentials(row.last_error, caplog.text)
    assert "not-the-bots-secret" not in row.last_error + caplog.text


def test_a_bad_request_answer_is_retried(feishu):
    feishu.server.replies.append((400, {"code": 9499, "msg": "Bad Request", "data": {}}))
    row = feishu.queue()

    assert feishu.deliver().retried == 1

    feishu.desk.dbsession.refresh(row)
    assert row.last_error == (
        "ChatDeliveryError: Feishu bot 127.0.0.1: HTTP 400 code 9499 Bad Request")


def test_rate_limits_are_failures_to_retry(feishu):
    feishu.server.replies.extend([
        (200, {"code": 11232, "msg": "frequency limited", "data": {}}),
        (429, {"code": 99991400, "msg": "request trigger frequency limit"}),
    ])
    first, second = feishu.queue(), feishu.queue()

    assert feishu.deliver().retried == 2

    for row in (first, second):
        feishu.desk.dbsession.refresh(row)
        assert row.last_error.startswith("RateLimited: Feishu bot 127.0.0.1: HTTP ")
        assert row.last_error.endswith(
            "(sending too fast; the robot takes at most 100 messages in 60s and 5 messages in 1s)")


def test_the_sign_is_feishus_hmac_keyed_with_the_timestamp_and_secret():
    # printf '' | openssl dgst -sha256 -hmac "$(printf '1700000000\n%s' "$S")" -binary | base64
    assert sign("1700000000", FEISHU_SECRET) == "nCkLue50Rn8/IOxovotEwKmGjZrGjf6HTkATmXL+LKM="
