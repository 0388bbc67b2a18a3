"""What the three robots share: one JSON POST with the standard library, the sending
rate each vendor allows, and the notifier that puts them together.

``deliver`` runs in ``helpdesk worker`` after the change committed. It raises
:class:`ChatDeliveryError` (or :class:`RateLimited`) when the robot did not take the
message, and the worker retries with back-off; it returns a short outcome such as
``HTTP 200 errcode 0`` when it did. Neither the outcome, the errors nor the log lines
contain the webhook address or the secret: they name the chat service's host only.
"""
from __future__ import annotations

import abc
import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from pyramid_helpdesk.notifications.delivery import OutgoingMessage

from .settings import RobotSettings, is_loopback

log = logging.getLogger("helpdesk_chat")

USER_AGENT = "pyramid_helpdesk chat notifier"
#: The most of an answer that is read (the vendors answer with a few dozen bytes).
MAX_ANSWER = 64 * 1024
#: How much of a vendor's error message an error repeats.
MAX_ERRMSG = 200


class ChatDeliveryError(Exception):
    """The robot did not take the message (network, HTTP or the vendor's error code);
    the outbox worker records it and retries with back-off."""


class RateLimited(ChatDeliveryError):
    """Too many messages for the robot: the vendor said so, or this process held the
    message back before the vendor would have. Retried like any failure."""


@dataclass(frozen=True)
class Answer:
    """The vendor's answer: the HTTP status and the JSON object (``{}`` if none)."""

    status: int
    data: dict[str, Any]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook never redirects; following one would resend the message elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def post_json(url: str, payload: dict[str, Any], *, timeout: float, where: str) -> Answer:
    """POST ``payload`` as UTF-8 JSON to ``url``; raise :class:`ChatDeliveryError` when
    no HTTP answer came back. Proxies come from the environment (``https_proxy``),
    except for loopback addresses."""
    request = urllib.request.Request(
        url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
    )
    handlers: list[Any] = [_NoRedirects()]
    if is_loopback(urlsplit(url).hostname):
        handlers.append(urllib.request.ProxyHandler({}))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(request, timeout=timeout) as response:
            status, raw = response.status, response.read(MAX_ANSWER)
    except urllib.error.HTTPError as exc:  # an answer all the same: 4xx, 5xx, a redirect
        try:
            status, raw = exc.code, exc.read(MAX_ANSWER)
        finally:
            exc.close()
    except TimeoutError:
        raise ChatDeliveryError(f"{where}: no answer within {timeout:g}s") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise ChatDeliveryError(f"{where}: no answer within {timeout:g}s") from None
        raise ChatDeliveryError(f"{where}: {_describe(reason)}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    return Answer(status, data if isinstance(data, dict) else {})


def _describe(reason: Any) -> str:
    if isinstance(reason, BaseException):
        return f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__
    return str(reason)


def vendor_message(value: Any) -> str:
    """A vendor's error message on one line, shortened."""
    text = " ".join(str(value or "").split())
    return text if len(text) <= MAX_ERRMSG else text[:MAX_ERRMSG] + "…"


class SendingRate:
    """At most ``count`` messages in any ``seconds``, for each ``(count, seconds)``
    window: the vendor's limit, kept in this process so that a burst waits for the
    worker's next try here instead of getting the robot throttled by the vendor."""

    def __init__(self, *windows: tuple[int, float], clock: Callable[[], float] = time.monotonic):
        self.windows = windows
        self.clock = clock
        self.horizon = max(seconds for _, seconds in windows)
        self.sent: deque[float] = deque()
        self.lock = threading.Lock()

    def take(self) -> bool:
        """Count one message now if every window has room; ``False`` if one is full."""
        with self.lock:
            now = self.clock()
            while self.sent and self.sent[0] <= now - self.horizon:
                self.sent.popleft()
            for count, seconds in self.windows:
                if sum(1 for at in self.sent if at > now - seconds) >= count:
                    return False
            self.sent.append(now)
            return True

    def describe(self) -> str:
        return " and ".join(f"{count} messages in {seconds:g}s" for count, seconds in self.windows)


class RobotNotifier(abc.ABC):
    """A notifier that posts each notification to a group robot's webhook.

    Subclasses set the class attributes and implement :meth:`request` (the address
    and JSON body for a message) and :meth:`outcome` (the answer read: an outcome
    string, or an exception raised).
    """

    name: str
    title: str
    #: The preference this notifier serves: the outbox queues rows for it only to the
    #: people who chose to hear about a kind of notification by chat.
    medium = "chat"
    #: The most bytes (UTF-8) of the text a message may carry.
    text_limit: int
    #: The vendor's sending limits, ``(count, seconds)`` each.
    rate_windows: tuple[tuple[int, float], ...]

    def __init__(self, settings: RobotSettings, rate: SendingRate | None = None,
                 clock: Callable[[], float] = time.time):
        self.settings = settings
        self.rate = rate or SendingRate(*self.rate_windows)
        self.clock = clock

    @property
    def where(self) -> str:
        """How messages name the robot: ``WeCom robot qyapi.weixin.qq.com``."""
        return f"{self.title} {self.settings.host}"

    @abc.abstractmethod
    def request(self, message: OutgoingMessage) -> tuple[str, dict[str, Any]]:
        """The robot's address and the JSON body that carries ``message``."""

    @abc.abstractmethod
    def outcome(self, answer: Answer) -> str:
        """The outcome of a successful ``answer``; raise for any other."""

    def deliver(self, message: OutgoingMessage) -> str:
        """Post ``message``; return the outcome, or raise to have it retried."""
        if not self.rate.take():
            raise RateLimited(f"{self.where}: held back, the robot takes at most "
                              f"{self.rate.describe()}")
        url, payload = self.request(message)
        answer = post_json(url, payload, timeout=self.settings.timeout, where=self.where)
        outcome = self.outcome(answer)
        log.info("notification %s %s via %s: %s", message.id, message.kind, self.where, outcome)
        return outcome

    def errcode_outcome(self, answer: Answer, rate_limited: frozenset[int]) -> str:
        """The answer of a robot that reports ``errcode``/``errmsg`` (WeCom, DingTalk):
        success is HTTP 200 with ``errcode`` 0."""
        code = answer.data.get("errcode")
        if answer.status == 200 and code == 0:
            return "HTTP 200 errcode 0"
        raise self.refused(answer, "errcode", code, answer.data.get("errmsg"), rate_limited)

    def refused(self, answer: Answer, field: str, code: Any, text: Any,
                rate_limited: frozenset[int]) -> ChatDeliveryError:
        """The error for an answer that is not a success, with the vendor's code."""
        detail = f"HTTP {answer.status}"
        if code is not None:
            detail += f" {field} {code}"
        message = vendor_message(text)
        if message:
            detail += f" {message}"
        if answer.status == 429 or code in rate_limited:
            return RateLimited(f"{self.where}: {detail} (sending too fast; the robot takes "
                               f"at most {self.rate.describe()})")
        return ChatDeliveryError(f"{self.where}: {detail}")
