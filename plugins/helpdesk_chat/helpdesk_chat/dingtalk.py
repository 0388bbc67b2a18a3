"""The ``dingtalk`` notifier: a DingTalk (钉钉) custom robot (自定义机器人) posts each
notification to its group, @-mentioning the recipient by mobile number, its requests
signed when the robot's security setting is signing (加签).

``helpdesk.plugins = dingtalk`` loads it and ``helpdesk.notifiers = ... dingtalk``
activates it. Settings (checked at start-up)::

    helpdesk.dingtalk.webhook_url = https://oapi.dingtalk.com/robot/send?access_token=...
    helpdesk.dingtalk.secret = env:HELPDESK_DINGTALK_SECRET    # SEC..., optional
    helpdesk.dingtalk.timeout = 10s

DingTalk's custom robot: ``{"msgtype": "text", "text": {"content": "...@<mobile>"},
"at": {"atMobiles": [<mobile>], "isAtAll": false}}``; signing appends
``&timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(secret, "<ms>\\n<secret>")))>`` to
the address; the answer ``{"errcode": 0, "errmsg": "ok"}``. A robot takes at most 20
messages a minute, and is throttled for 10 minutes past that (errcode 130101).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import SplitResult, parse_qs, quote_plus

from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.notifications.delivery import OutgoingMessage

from .robot import Answer, RobotNotifier
from .settings import Robot, query_value, read_robot_settings
from .text import chat_text, recipient


def _check_url(parts: SplitResult) -> bool:
    """The robot's address: ``.../robot/send?access_token=...``, not signed already."""
    return (parts.path.endswith("/robot/send") and bool(query_value(parts, "access_token"))
            and not {"timestamp", "sign"} & parse_qs(parts.query).keys())


ROBOT = Robot(
    name="dingtalk",
    title="DingTalk robot",
    example_url="https://oapi.dingtalk.com/robot/send?access_token=...",
    check_url=_check_url,
    secret_expected="the robot's signing secret (加签), which starts with SEC",
    check_secret=lambda value: value.startswith("SEC") and len(value) > 3,
)

#: DingTalk's "send too fast, exceed 20 times per minute".
RATE_LIMITED = frozenset({130101})


def sign(timestamp_ms: str, secret: str) -> str:
    """DingTalk's signature of a request made at ``timestamp_ms`` (milliseconds since the
    epoch, as text), URL-encoded for the query string."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"),
                      hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


class DingTalkNotifier(RobotNotifier):
    """Posts a text message to a DingTalk custom robot (``helpdesk.notifiers = dingtalk``)."""

    name = "dingtalk"
    title = ROBOT.title
    text_limit = 4000
    rate_windows = ((20, 60),)

    def request(self, message: OutgoingMessage) -> tuple[str, dict[str, Any]]:
        """The (signed) address and the text message: ``@<mobile>`` ends the text and
        the number is in ``atMobiles``, which DingTalk shows as a mention; without a
        mobile number, the name ends the text."""
        mobile, name = recipient(message.data)
        mention = f"@{mobile}" if mobile else (f"@{name}" if name else "")
        payload = {
            "msgtype": "text",
            "text": {"content": chat_text(message.subject, message.body,
                                          limit=self.text_limit, mention=mention)},
            "at": {"atMobiles": [mobile] if mobile else [], "isAtAll": False},
        }
        url = self.settings.webhook_url
        if self.settings.secret:
            timestamp = str(int(self.clock() * 1000))
            url += f"&timestamp={timestamp}&sign={sign(timestamp, self.settings.secret)}"
        return url, payload

    def outcome(self, answer: Answer) -> str:
        """Success is HTTP 200 with ``errcode`` 0."""
        return self.errcode_outcome(answer, RATE_LIMITED)


@hookimpl
def helpdesk_register_notifiers(settings):
    """Register ``dingtalk``; its settings are checked now, at start-up."""
    return [DingTalkNotifier(read_robot_settings(settings, ROBOT))]
