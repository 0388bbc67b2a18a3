"""Delivering a webhook: a signed POST of the stored payload, in ``helpdesk worker``.

Headers: ``Content-Type: application/json``, ``User-Agent: pyramid_helpdesk-webhook``,
``X-Helpdesk-Event`` (the event name), ``X-Helpdesk-Delivery`` (the payload's ``id``,
the same on every retry), ``X-Helpdesk-Timestamp`` (Unix seconds at sending) and
``X-Helpdesk-Signature: sha256=<hex>``, the HMAC-SHA256 of ``<timestamp>.<body>``
keyed with the endpoint's secret.

A 2xx answer is a delivery (the outcome is ``HTTP 200``). A 408 or 429, any 3xx
(redirects are not followed: a POST must not turn into a GET elsewhere), any 5xx,
a timeout or a connection error raise :class:`WebhookError`, and the worker retries
with back-off. Any other 4xx means the receiver refuses this request as it is
(a wrong secret, a URL that is gone): :class:`WebhookRefused` fails the delivery at
once; a coordinator sends it again from the delivery log once the receiver is fixed.
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import re
import time
import urllib.error
import urllib.request

from pyramid_helpdesk.notifications.delivery import OutgoingMessage, PermanentDeliveryError

from .settings import NOTIFIER, WebhookSettings

USER_AGENT = "pyramid_helpdesk-webhook"
#: Client errors that mean "later", not "never".
RETRYABLE_CLIENT_ERRORS = {408, 429}
#: How much of an answer is read, and how much of an error answer is kept as the outcome.
READ_LIMIT = 64 * 1024
SNIPPET = 200


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with secret>``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body,
                   hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookError(Exception):
    """The endpoint could not take the delivery now: retried with back-off."""


class WebhookRefused(PermanentDeliveryError):
    """The endpoint refused the delivery (4xx other than 408 and 429): not retried."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Turn every redirect into an error instead of following it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _snippet(data: bytes) -> str:
    """The start of an answer's text, on one line."""
    text = re.sub(r"\s+", " ", data.decode("utf-8", "replace")).strip()
    return text[:SNIPPET]


class WebhookNotifier:
    """POSTs each queued payload to its endpoint (the row's ``recipient``)."""

    name = NOTIFIER
    #: The Outbox's per-recipient messages never go through this notifier: the
    #: plugin's event hooks queue its rows themselves.
    medium = "event"

    def __init__(self, settings: WebhookSettings, clock=time.time):
        self.settings = settings
        self.clock = clock
        self._opener = urllib.request.build_opener(_NoRedirects)

    def request(self, message: OutgoingMessage) -> tuple[urllib.request.Request, float]:
        """The signed HTTP request for ``message`` and its timeout in seconds."""
        endpoint = self.settings.endpoints.get(message.recipient)
        if endpoint is None:
            raise PermanentDeliveryError(
                f"no endpoint {message.recipient!r} in helpdesk.webhook.endpoints")
        body = message.body.encode("utf-8")
        timestamp = str(int(self.clock()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Helpdesk-Event": message.kind,
            "X-Helpdesk-Delivery": str(message.data.get("delivery", message.id)),
            "X-Helpdesk-Timestamp": timestamp,
            "X-Helpdesk-Signature": signature(endpoint.secret, timestamp, body),
        }
        request = urllib.request.Request(endpoint.url, data=body, headers=headers,
                                         method="POST")
        return request, endpoint.timeout.total_seconds()

    def deliver(self, message: OutgoingMessage) -> str:
        """POST ``message``; ``HTTP <status>`` on a 2xx answer, else raise."""
        request, timeout = self.request(message)
        try:
            with self._opener.open(request, timeout=timeout) as response:
                response.read(READ_LIMIT)
                return f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:  # an answer, but not 2xx
            with exc:
                text = _snippet(exc.read(READ_LIMIT))
            outcome = f"HTTP {exc.code}" + (f": {text}" if text else "")
            if 400 <= exc.code < 500 and exc.code not in RETRYABLE_CLIENT_ERRORS:
                raise WebhookRefused(outcome) from None
            raise WebhookError(outcome) from None
        except urllib.error.URLError as exc:  # no answer: refused, unknown host, TLS
            raise WebhookError(f"{request.host}: {exc.reason}") from None
        except (OSError, http.client.HTTPException) as exc:  # timeout, reset, bad answer
            raise WebhookError(f"{request.host}: {type(exc).__name__}: {exc}") from None
