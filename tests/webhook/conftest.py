"""A helpdesk with the webhook plugin, and a real receiver on 127.0.0.1.

The receiver (``http.server`` in a thread, started and stopped by a fixture)
checks every request's signature as a receiving application would, records what
it got, and answers with the statuses a test asks for (200 otherwise).
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.server
import json
import threading
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from pyramid_helpdesk.notifications.delivery import deliver_due
from pyramid_helpdesk.notifications.models import Notification
from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back

OPS_SECRET = "ops-webhook-secret-0123456789abcdef0123"
AUDIT_SECRET = "audit-webhook-secret-0123456789abcdef01"
SECRETS = {"/hooks/ops": OPS_SECRET, "/hooks/audit": AUDIT_SECRET}
BACKOFF = timedelta(seconds=30)


def signature_is_valid(secret: str, headers, body: bytes) -> bool:
    """The receiver's check, as docs/webhooks.md shows it (without the age limit)."""
    timestamp = headers.get("X-Helpdesk-Timestamp", "")
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers.get("X-Helpdesk-Signature", ""))


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    signed: bool

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver on loopback: what it got, and what it will answer."""

    secrets: dict[str, str]
    received: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # answered in turn, then 200
    server: http.server.HTTPServer | None = None
    thread: threading.Thread | None = None
    port: int = 0
    running: bool = False

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                secret = receiver.secrets.get(self.path, "")
                receiver.received.append(Received(
                    self.path, dict(self.headers.items()), body,
                    bool(secret) and signature_is_valid(secret, self.headers, body)))
                status = receiver.answers.pop(0) if receiver.answers else 200
                answer = {2: b"ok", 4: b"not accepted"}.get(status // 100,
                                                             b"temporarily\n  unavailable")
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):  # quiet
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.running = True

    def stop(self) -> None:
        """Stop answering: connections to the port are refused until :meth:`start`."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
        self.running = False

    def reset(self) -> None:
        self.received.clear()
        self.answers.clear()

    def payloads(self, path: str | None = None) -> list[dict]:
        return [r.payload for r in self.received if path is None or r.path == path]


@pytest.fixture(scope="session")
def receiver_server():
    """The receiver of the session's app, started once."""
    server = Receiver(dict(SECRETS))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def receiver(receiver_server):
    """The session's receiver, emptied for this test, answering 200."""
    receiver_server.reset()
    yield receiver_server
    receiver_server.reset()


def webhook_settings(receiver: Receiver, **overrides) -> dict[str, str]:
    """Two endpoints: ``ops`` (every event, no internal notes) and ``audit`` (new
    tickets and messages, internal notes included)."""
    return {
        "helpdesk.plugins": "web webhook",
        "helpdesk.notifiers": "mailfile webhook",
        "helpdesk.webhook.endpoints": "ops audit",
        "helpdesk.webhook.ops.url": receiver.url("/hooks/ops"),
        "helpdesk.webhook.ops.secret": OPS_SECRET,
        "helpdesk.webhook.audit.url": receiver.url("/hooks/audit"),
        "helpdesk.webhook.audit.secret": AUDIT_SECRET,
        "helpdesk.webhook.audit.events": "ticket.created message.added",
        "helpdesk.webhook.audit.include_internal": "true",
        "helpdesk.webhook.audit.timeout": "5s",
        **overrides,
    }


@pytest.fixture(scope="session")
def webhook_app(helpdesk_engine, helpdesk_database_url, tmp_path_factory, receiver_server):
    settings = make_test_settings(helpdesk_database_url, str(tmp_path_factory.mktemp("webhook")),
                                  **webhook_settings(receiver_server))
    return build_app(settings, helpdesk_engine)


@pytest.fixture
def helpdesk(webhook_app, helpdesk_engine):
    """The shared fixtures (``staff``) on the webhook-enabled app; rolled back after."""
    with rolled_back(webhook_app, helpdesk_engine) as harness:
        yield harness


@pytest.fixture
def desk_for(helpdesk_engine, helpdesk_database_url, tmp_path):
    """``with desk_for(**settings) as helpdesk:`` an app of its own for one test."""
    @contextlib.contextmanager
    def make(**settings):
        app = build_app(make_test_settings(helpdesk_database_url, str(tmp_path), **settings),
                        helpdesk_engine)
        with rolled_back(app, helpdesk_engine) as harness:
            yield harness
    return make


def run_worker(helpdesk, *, now=None, max_attempts=8):
    """One pass of the worker's delivery on the test's session (the app's notifiers)."""
    return deliver_due(helpdesk.dbsession, helpdesk.plugins.notifiers, batch_size=100,
                       max_attempts=max_attempts, backoff=BACKOFF, now=now)


def webhook_rows(helpdesk, **where):
    """The webhook rows of the outbox, oldest first (``kind=``, ``recipient=``...)."""
    query = select(Notification).where(Notification.notifier == "webhook")
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    return helpdesk.dbsession.scalars(query.order_by(Notification.id)).all()
