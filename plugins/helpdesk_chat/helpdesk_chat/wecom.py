"""The ``wecom`` notifier: a WeCom (企业微信) group robot (群机器人) posts each
notification to its group, mentioning the recipient by mobile number.

``helpdesk.plugins = wecom`` loads it and ``helpdesk.notifiers = ... wecom`` activates
it. Settings (checked at start-up)::

    helpdesk.wecom.webhook_url = https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...
    helpdesk.wecom.timeout = 10s

WeCom's robot message (群机器人配置说明): ``{"msgtype": "text", "text": {"content":
..., "mentioned_mobile_list": [...]}}``, the content at most 2048 bytes of UTF-8; the
answer ``{"errcode": 0, "errmsg": "ok"}``. A robot takes at most 20 messages a minute
(errcode 45009 when it is sent more).
"""
from __future__ import annotations

from typing import Any

from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.notifications.delivery import OutgoingMessage

from .robot import Answer, RobotNotifier
from .settings import Robot, query_value, read_robot_settings
from .text import chat_text, recipient

ROBOT = Robot(
    name="wecom",
    title="WeCom robot",
    example_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...",
    check_url=lambda parts: parts.path.endswith("/cgi-bin/webhook/send")
    and bool(query_value(parts, "key")),
)

#: WeCom's "api freq out of limit".
RATE_LIMITED = frozenset({45009})


class WeComNotifier(RobotNotifier):
    """Posts a text message to a WeCom group robot (``helpdesk.notifiers = wecom``)."""

    name = "wecom"
    title = ROBOT.title
    text_limit = 2048
    rate_windows = ((20, 60),)

    def request(self, message: OutgoingMessage) -> tuple[str, dict[str, Any]]:
        """The robot's address and its text message: the mobile number goes in
        ``mentioned_mobile_list`` (WeCom shows the mention); without one, the name is
        written on the last line."""
        mobile, name = recipient(message.data)
        mention = "" if mobile or not name else f"@{name}"
        text: dict[str, Any] = {
            "content": chat_text(message.subject, message.body, limit=self.text_limit,
                                 mention=mention),
        }
        if mobile:
            text["mentioned_mobile_list"] = [mobile]
        return self.settings.webhook_url, {"msgtype": "text", "text": text}

    def outcome(self, answer: Answer) -> str:
        """Success is HTTP 200 with ``errcode`` 0."""
        return self.errcode_outcome(answer, RATE_LIMITED)


@hookimpl
def helpdesk_register_notifiers(settings):
    """Register ``wecom``; its settings are checked now, at start-up."""
    return [WeComNotifier(read_robot_settings(settings, ROBOT))]
