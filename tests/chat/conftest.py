"""Stand-ins for the chat services: an HTTP server on 127.0.0.1 per test, in a thread,
that checks each request as WeCom, DingTalk or Feishu document it (the path and query,
the JSON body's exact shape, the signature) and answers with the vendor's JSON.

A request the vendor would refuse is answered with the vendor's error and recorded in
``server.problems``, which every test expects to stay empty; ``server.replies``
queues the answers to give (``(status, json)``), success when it is empty.
"""
from __future__ import annotations

import abc
import base64
import contextlib
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.notifications.delivery import deliver_due
from pyramid_helpdesk.notifications.models import Notification, NotificationAttempt
from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back

WECOM_KEY = "0a1b2c3d-wecom-test-key-5555"
DINGTALK_TOKEN = "dingtalk-test-access-token-5555"
DINGTALK_SECRET = "SEC0123456789abcdef0123456789abcdef-test-5555"
FEISHU_HOOK = "feishu-test-hook-5555"
FEISHU_SECRET = "feishu-test-secret-5555"
#: Every credential a test uses: none may appear in an error, an outcome or a log line.
CREDENTIALS = (WECOM_KEY, DINGTALK_TOKEN, DINGTALK_SECRET, FEISHU_HOOK, FEISHU_SECRET)
#: A staff member's mobile as people type it, and as the robots mention it.
MOBILE = "+86 139-5555-0101"
MENTIONED = "13955550101"


@dataclass
class Call:
    """One request the server received."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any = None

    @property
    def text(self) -> str:
        """The message text, wherever the vendor keeps it."""
        body = self.json
        if "msg_type" in body:
            return body["content"]["text"]
        return body["text"]["content"]


class Vendor(abc.ABC):
    """What one chat service expects and answers."""

    name: str
    path: str
    success: dict[str, Any]

    def __init__(self, secret: str = ""):
        self.secret = secret

    @abc.abstractmethod
    def url(self, port: int) -> str:
        """The robot's webhook address on this stand-in."""

    @abc.abstractmethod
    def problems(self, call: Call) -> list[str]:
        """What the vendor would refuse in ``call`` (empty: it is accepted)."""

    @abc.abstractmethod
    def refusal(self, problems: list[str]) -> tuple[int, dict[str, Any]]:
        """The vendor's status and JSON for a refused call."""


def _exact_keys(what: str, value: Any, required: set[str], optional: set[str] = frozenset()
                ) -> list[str]:
    if not isinstance(value, dict):
        return [f"{what} is not an object"]
    missing, extra = required - value.keys(), value.keys() - required - optional
    return ([f"{what} lacks {sorted(missing)}"] if missing else []) + (
        [f"{what} has unknown {sorted(extra)}"] if extra else [])


def _within_an_hour(what: str, moment: float) -> list[str]:
    return [] if abs(time.time() - moment) < 3600 else [f"{what} is not within an hour of now"]


class WeCom(Vendor):
    """WeCom's group robot (群机器人配置说明): text content at most 2048 bytes."""

    name = "wecom"
    path = "/cgi-bin/webhook/send"
    success = {"errcode": 0, "errmsg": "ok"}

    def url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}{self.path}?key={WECOM_KEY}"

    def problems(self, call: Call) -> list[str]:
        found = []
        if call.path != self.path or call.query != {"key": [WECOM_KEY]}:
            found.append(f"wrong address {call.path} {call.query}")
        body = call.json
        found += _exact_keys("body", body, {"msgtype", "text"})
        if found:
            return found
        if body["msgtype"] != "text":
            found.append("msgtype is not text")
        text = body["text"]
        found += _exact_keys("text", text, {"content"}, {"mentioned_list",
                                                          "mentioned_mobile_list"})
        if not found:
            if not isinstance(text["content"], str) or not text["content"]:
                found.append("content is not a text")
            elif len(text["content"].encode("utf-8")) > 2048:
                found.append("content is over 2048 bytes")
            mobiles = text.get("mentioned_mobile_list", [])
            if not isinstance(mobiles, list) or not all(isinstance(m, str) for m in mobiles):
                found.append("mentioned_mobile_list is not a list of texts")
        return found

    def refusal(self, problems):
        return 200, {"errcode": 40008, "errmsg": "invalid message type"}


class DingTalk(Vendor):
    """DingTalk's custom robot; with a secret, the query's ``timestamp`` (ms) and
    ``sign`` are checked as DingTalk computes them."""

    name = "dingtalk"
    path = "/robot/send"
    success = {"errcode": 0, "errmsg": "ok"}

    def url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}{self.path}?access_token={DINGTALK_TOKEN}"

    def problems(self, call: Call) -> list[str]:
        found = []
        expected = {"access_token"} | ({"timestamp", "sign"} if self.secret else set())
        if call.path != self.path or set(call.query) != expected or call.query[
                "access_token"] != [DINGTALK_TOKEN]:
            found.append(f"wrong address {call.path} {sorted(call.query)}")
        elif self.secret:
            found += self.signature_problems(call.query["timestamp"][0], call.query["sign"][0])
        body = call.json
        found += _exact_keys("body", body, {"msgtype", "text", "at"})
        if found:
            return found
        if body["msgtype"] != "text":
            found.append("msgtype is not text")
        found += _exact_keys("text", body["text"], {"content"})
        found += _exact_keys("at", body["at"], {"isAtAll"}, {"atMobiles", "atUserIds"})
        if found:
            return found
        if not isinstance(body["text"]["content"], str):
            found.append("content is not a text")
        if body["at"]["isAtAll"] is not False:
            found.append("isAtAll is not false")
        return found

    def signature_problems(self, timestamp: str, sign: str) -> list[str]:
        # parse_qs has URL-decoded the sign: compare with the plain base64.
        if not timestamp.isdigit():
            return ["timestamp is not milliseconds"]
        digest = hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(),
                          hashlib.sha256).digest()
        found = _within_an_hour("timestamp", int(timestamp) / 1000)
        if not hmac.compare_digest(base64.b64encode(digest).decode(), sign):
            found.append("sign does not match")
        return found

    def refusal(self, problems):
        if any("sign" in problem or "timestamp" in problem for problem in problems):
            return 200, {"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc."
                                                      "dingtalk.com/doc#/serverapi2/qf2nxq]"}
        return 200, {"errcode": 300001, "errmsg": "param error"}


class Feishu(Vendor):
    """Feishu's custom bot; with a secret, the body's ``timestamp`` (s) and ``sign`` are
    checked as Feishu computes them."""

    name = "feishu"
    path = f"/open-apis/bot/v2/hook/{FEISHU_HOOK}"
    success = {"code": 0, "msg": "success", "data": {}, "Extra": None, "StatusCode": 0,
               "StatusMessage": "success"}

    def url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}{self.path}"

    def problems(self, call: Call) -> list[str]:
        found = []
        if call.path != self.path or call.query:
            found.append(f"wrong address {call.path} {call.query}")
        body = call.json
        signed = {"timestamp", "sign"} if self.secret else set()
        found += _exact_keys("body", body, {"msg_type", "content"} | signed)
        if found:
            return found
        if self.secret:
            found += self.signature_problems(body["timestamp"], body["sign"])
        if body["msg_type"] != "text":
            found.append("msg_type is not text")
        found += _exact_keys("content", body["content"], {"text"})
        if not found and not isinstance(body["content"]["text"], str):
            found.append("text is not a text")
        return found

    def signature_problems(self, timestamp: Any, sign: Any) -> list[str]:
        if not isinstance(timestamp, str) or not timestamp.isdigit():
            return ["timestamp is not seconds as a text"]
        key = f"{timestamp}\n{self.secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        found = _within_an_hour("timestamp", int(timestamp))
        if not isinstance(sign, str) or not hmac.compare_digest(expected, sign):
            found.append("sign does not match")
        return found

    def refusal(self, problems):
        if any("sign" in problem or "timestamp" in problem for problem in problems):
            return 200, {"code": 19021, "data": {}, "msg": "sign match fail or timestamp is "
                                                           "not within one hour from current time"}
        return 400, {"code": 9499, "data": {}, "msg": "Bad Request"}


@dataclass
class VendorServer:
    """A running stand-in: its address, what it received, what it will answer."""

    vendor: Vendor
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    replies: deque = field(default_factory=deque)

    @property
    def url(self) -> str:
        return self.vendor.url(self.port)

    def answer(self, call: Call) -> tuple[int, dict[str, Any]]:
        problems = self.vendor.problems(call)
        self.calls.append(call)
        if problems:
            self.problems.extend(problems)
            return self.vendor.refusal(problems)
        return self.replies.popleft() if self.replies else (200, self.vendor.success)


def _handler(server: VendorServer):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the stdlib's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            parts = urlsplit(self.path)
            call = Call(parts.path, parse_qs(parts.query), dict(self.headers), body)
            if not self.headers.get("Content-Type", "").startswith("application/json"):
                status, answer = 400, {"errcode": 40001, "errmsg": "not JSON"}
                server.problems.append("Content-Type is not application/json")
                server.calls.append(call)
            else:
                try:
                    call.json = json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    status, answer = 400, {"errcode": 40001, "errmsg": "invalid json"}
                    server.problems.append("body is not UTF-8 JSON")
                    server.calls.append(call)
                else:
                    status, answer = server.answer(call)
            if isinstance(answer, dict):
                payload = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                content_type = "application/json; charset=utf-8"
            else:  # a proxy's error page
                payload, content_type = str(answer).encode("utf-8"), "text/html"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format, *args):  # noqa: A002 (the stdlib's name)
            pass

    return Handler


@contextlib.contextmanager
def running(vendor: Vendor) -> Iterator[VendorServer]:
    """``vendor``'s stand-in listening on a free loopback port, stopped afterwards."""
    state = VendorServer(vendor)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, name=f"{vendor.name}-stand-in")
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def make_desk(helpdesk_engine, helpdesk_database_url, tmp_path):
    """``make_desk(**settings)``: a rolled-back helpdesk built with these settings (on
    top of the web plugin and the mailfile notifier)."""
    with contextlib.ExitStack() as stack:
        def make(**settings: str):
            full = make_test_settings(helpdesk_database_url, str(tmp_path), **{
                "helpdesk.plugins": "web", **settings})
            app = build_app(full, helpdesk_engine)
            return stack.enter_context(rolled_back(app, helpdesk_engine))
        yield make


@dataclass
class Robot:
    """A helpdesk whose notifier posts to a running stand-in."""

    desk: Any
    server: VendorServer
    name: str

    @property
    def notifier(self):
        return self.desk.plugins.notifiers[self.name]

    def queue(self, subject="[HD-000042] Printer jam",
              body="Ticket HD-000042 is now with you.\n\n"
                   "http://helpdesk.example.org/tickets/HD-000042\n",
              mobile=MOBILE, name="王小明", kind="ticket_assigned", **data) -> Notification:
        """One chat notification in the outbox, as the outbox queues it for a person
        who chose chat (``mobile`` and ``name`` in its data)."""
        row = Notification(notifier=self.name, kind=kind, recipient="agent@example.org",
                           subject=subject, body=body,
                           data={"ticket": "HD-000042", "mobile": mobile, "name": name, **data})
        self.desk.dbsession.add(row)
        self.desk.dbsession.flush()
        return row

    def deliver(self, now=None, notifiers=None, **worker):
        """One pass of the worker (``deliver_due``) with the app's notifiers."""
        options = {"batch_size": 50, "max_attempts": 8,
                   "backoff": self.desk.settings.worker_backoff, **worker}
        return deliver_due(self.desk.dbsession, notifiers or self.desk.plugins.notifiers,
                           now=now or utcnow(), **options)

    def attempts(self, row) -> list[NotificationAttempt]:
        return self.desk.dbsession.scalars(select(NotificationAttempt).where(
            NotificationAttempt.notification_id == row.id).order_by(NotificationAttempt.id)).all()


def robot_fixture(vendor: Vendor, **settings: str):
    """A fixture: the stand-in for ``vendor`` and a helpdesk whose ``vendor.name``
    notifier posts to it (and ``mailfile`` for e-mail)."""
    @pytest.fixture
    def fixture(make_desk):
        with running(vendor) as server:
            desk = make_desk(**{
                "helpdesk.plugins": f"web {vendor.name}",
                "helpdesk.notifiers": f"mailfile {vendor.name}",
                f"helpdesk.{vendor.name}.webhook_url": server.url, **settings})
            yield Robot(desk, server, vendor.name)
    return fixture


wecom = robot_fixture(WeCom())
dingtalk = robot_fixture(DingTalk(DINGTALK_SECRET),
                         **{"helpdesk.dingtalk.secret": DINGTALK_SECRET})
dingtalk_unsigned = robot_fixture(DingTalk())
feishu = robot_fixture(Feishu(FEISHU_SECRET), **{"helpdesk.feishu.secret": FEISHU_SECRET})
feishu_unsigned = robot_fixture(Feishu())


def assert_no_credentials(*texts: str) -> None:
    """None of the webhook keys, tokens and secrets appear in ``texts``."""
    for text in texts:
        for credential in CREDENTIALS:
            assert credential not in (text or ""), text
