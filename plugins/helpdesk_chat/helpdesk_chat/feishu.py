"""The ``feishu`` notifier: a Feishu (飞书) or Lark custom bot (自定义机器人) posts each
notification to its group, its requests signed when the bot's security setting is
signature verification (签名校验).

``helpdesk.plugins = feishu`` loads it and ``helpdesk.notifiers = ... feishu``
activates it. Settings (checked at start-up)::

    helpdesk.feishu.webhook_url = https://open.feishu.cn/open-apis/bot/v2/hook/...
    helpdesk.feishu.secret = env:HELPDESK_FEISHU_SECRET        # optional
    helpdesk.feishu.timeout = 10s

Feishu's custom bot: ``{"timestamp": "<s>", "sign": "<base64(HMAC-SHA256(key="<s>\\n<secret>",
msg=""))>", "msg_type": "text", "content": {"text": ...}}`` (``timestamp`` and ``sign``
only when signing); the answer ``{"code": 0, "msg": "success", ...}`` (older bots:
``{"StatusCode": 0, ...}``). A custom bot can mention people only by their Feishu user
id, which the helpdesk does not know: the recipient's name ends the text instead. A bot
takes at most 100 messages a minute and 5 a second (code 11232, or HTTP 429, past that).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any

from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.notifications.delivery import OutgoingMessage

from .robot import Answer, RobotNotifier
from .settings import Robot, read_robot_settings
from .text import chat_text, recipient

ROBOT = Robot(
    name="feishu",
    title="Feishu bot",
    example_url="https://open.feishu.cn/open-apis/bot/v2/hook/...",
    check_url=lambda parts: bool(re.fullmatch(r"(/.*)?/open-apis/bot/v2/hook/[^/]+", parts.path))
    and not parts.query,
    secret_expected="the bot's signature verification secret (签名校验)",
)

#: Feishu's message rate limit code (HTTP 429 is taken as the same).
RATE_LIMITED = frozenset({11232})


def sign(timestamp: str, secret: str) -> str:
    """Feishu's signature of a request made at ``timestamp`` (seconds since the epoch,
    as text): HMAC-SHA256 keyed with ``"<timestamp>\\n<secret>"`` over nothing, in base64."""
    key = f"{timestamp}\n{secret}".encode("utf-8")
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


class FeishuNotifier(RobotNotifier):
    """Posts a text message to a Feishu or Lark custom bot (``helpdesk.notifiers = feishu``)."""

    name = "feishu"
    title = ROBOT.title
    text_limit = 4000
    rate_windows = ((100, 60), (5, 1))

    def request(self, message: OutgoingMessage) -> tuple[str, dict[str, Any]]:
        """The bot's address and the (signed) text message, the name on its last line."""
        _, name = recipient(message.data)
        payload: dict[str, Any] = {}
        if self.settings.secret:
            timestamp = str(int(self.clock()))
            payload["timestamp"] = timestamp
            payload["sign"] = sign(timestamp, self.settings.secret)
        payload["msg_type"] = "text"
        payload["content"] = {"text": chat_text(message.subject, message.body,
                                                limit=self.text_limit,
                                                mention=f"@{name}" if name else "")}
        return self.settings.webhook_url, payload

    def outcome(self, answer: Answer) -> str:
        """Success is HTTP 200 with ``code`` 0 (or, from older bots, ``StatusCode`` 0)."""
        data = answer.data
        field = "code" if "code" in data else "StatusCode"
        code = data.get(field)
        if answer.status == 200 and code == 0:
            return f"HTTP 200 {field} 0"
        text = data.get("msg") if field == "code" else data.get("StatusMessage")
        raise self.refused(answer, field, code, text, RATE_LIMITED)


@hookimpl
def helpdesk_register_notifiers(settings):
    """Register ``feishu``; its settings are checked now, at start-up."""
    return [FeishuNotifier(read_robot_settings(settings, ROBOT))]
