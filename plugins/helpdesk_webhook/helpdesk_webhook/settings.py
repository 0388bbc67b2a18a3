"""The plugin's settings, ``helpdesk.webhook.*``, parsed and checked at start-up.

``helpdesk.webhook.endpoints``: the endpoint names, e.g. ``ops monitoring``.
For each name ``<name>``:

``helpdesk.webhook.<name>.url``: where to POST (``http://`` or ``https://``), required;
``helpdesk.webhook.<name>.secret``: the HMAC-SHA256 key of the signature, at least 32
characters, required (``env:NAME`` reads it from the environment);
``helpdesk.webhook.<name>.events``: the event names it receives (default: all);
``helpdesk.webhook.<name>.timeout``: how long one delivery may take (default ``10s``,
at most ``60s``);
``helpdesk.webhook.<name>.include_internal``: whether internal notes are sent to it
(default ``false``).

Any other ``helpdesk.webhook.*`` key, or a key of an endpoint that is not listed,
stops start-up with one line naming it, as does a wrong value.
"""
from __future__ import annotations

import functools
import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import timedelta

from pyramid_helpdesk.settings import (
    SettingsError,
    parse_bool,
    parse_secret,
    parse_timeout,
    parse_words,
    read_setting,
)

PREFIX = "helpdesk.webhook."
ENDPOINTS_KEY = PREFIX + "endpoints"
#: The name the notifier is registered and activated under (``helpdesk.notifiers``).
NOTIFIER = "webhook"

#: Every event an endpoint may receive, in the order of docs/webhooks.md.
EVENTS = (
    "ticket.created",
    "ticket.assigned",
    "ticket.forwarded",
    "message.added",
    "ticket.status_changed",
    "ticket.changed",
    "ticket.edited",
    "ticket.merged",
    "ticket.nudged",
    "ticket.rated",
    "sla.warning",
    "sla.breached",
)
OPTIONS = ("url", "secret", "events", "timeout", "include_internal")
MAX_TIMEOUT = timedelta(seconds=60)
ENDPOINT_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def parse_endpoint_names(raw: str) -> tuple[str, ...]:
    """Names of letters, digits, ``-`` and ``_``, each listed once."""
    names = parse_words(raw)
    if (len(set(names)) != len(names) or "endpoints" in names
            or not all(ENDPOINT_NAME.fullmatch(name) for name in names)):
        raise ValueError(raw)
    return names


def parse_webhook_url(raw: str) -> str:
    """An absolute ``http`` or ``https`` URL with a host and no user name or password,
    kept exactly as written (a receiver may care about a trailing slash)."""
    value = raw.strip()
    parts = urllib.parse.urlsplit(value)
    if (parts.scheme not in ("http", "https") or not parts.hostname
            or "@" in parts.netloc or re.search(r"\s", value)):
        raise ValueError(raw)
    parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    return value


def parse_events(raw: str) -> frozenset[str]:
    """Event names of :data:`EVENTS`; empty means every event."""
    names = parse_words(raw)
    if not all(name in EVENTS for name in names):
        raise ValueError(raw)
    return frozenset(names or EVENTS)


def parse_delivery_timeout(raw: str) -> timedelta:
    """A duration above zero and at most :data:`MAX_TIMEOUT`."""
    value = parse_timeout(raw)
    if value > MAX_TIMEOUT:
        raise ValueError(raw)
    return value


@dataclass(frozen=True)
class Endpoint:
    """One receiver of webhooks."""

    name: str
    url: str
    secret: str = field(repr=False)
    events: frozenset[str] = frozenset(EVENTS)
    timeout: timedelta = timedelta(seconds=10)
    include_internal: bool = False

    def wants(self, event: str, internal: bool = False) -> bool:
        """Whether this endpoint receives ``event`` (an internal note only if it opted in)."""
        return event in self.events and (self.include_internal or not internal)

    @property
    def origin(self) -> str:
        """``https://host[:port]``: the URL without its path and query, which may hold a
        token, for pages that show where deliveries go."""
        parts = urllib.parse.urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class WebhookSettings:
    """The parsed ``helpdesk.webhook.*`` settings, and whether ``helpdesk.notifiers``
    activates the notifier (only then do the event hooks queue anything)."""

    active: bool
    endpoints: dict[str, Endpoint]

    @classmethod
    def parse(cls, raw, notifiers) -> "WebhookSettings":
        """Read the raw settings; a wrong value raises ``SettingsError`` naming the key."""
        names = read_setting(raw, ENDPOINTS_KEY, "", parse_endpoint_names,
                             "endpoint names (letters, digits, - and _), each once")
        active = NOTIFIER in notifiers
        if active and not names:
            raise SettingsError(ENDPOINTS_KEY, "at least one endpoint name when "
                                "helpdesk.notifiers lists webhook", "")
        _check_keys(raw, names)
        endpoints = {}
        for name in names:
            key = f"{PREFIX}{name}."
            endpoints[name] = Endpoint(
                name=name,
                url=read_setting(raw, key + "url", "", parse_webhook_url,
                                 "an http:// or https:// URL without user name or password"),
                secret=read_setting(raw, key + "secret", "", parse_secret,
                                    "a secret of at least 32 characters"),
                events=read_setting(raw, key + "events", "", parse_events,
                                    "event names: " + " ".join(EVENTS)),
                timeout=read_setting(raw, key + "timeout", "10s", parse_delivery_timeout,
                                     "a duration above 0 and at most 60s, such as 10s"),
                include_internal=read_setting(raw, key + "include_internal", "false",
                                              parse_bool, "true or false"),
            )
        return cls(active=active, endpoints=endpoints)


def _check_keys(raw, names: tuple[str, ...]) -> None:
    """Every ``helpdesk.webhook.*`` key is the endpoint list or an option of a listed
    endpoint: a misspelt key stops start-up instead of being ignored."""
    for key in raw:
        if not key.startswith(PREFIX) or key == ENDPOINTS_KEY:
            continue
        name, _, option = key[len(PREFIX):].partition(".")
        if name not in names:
            listed = ", ".join(names) or "none"
            raise SettingsError(key, f"an option of an endpoint listed in {ENDPOINTS_KEY} "
                                f"(listed: {listed})")
        if option not in OPTIONS:
            raise SettingsError(key, f"one of helpdesk.webhook.{name}." + ", .".join(OPTIONS))


def webhook_settings(settings) -> WebhookSettings:
    """The parsed webhook settings of the app whose ``HelpdeskSettings`` is ``settings``
    (parsed once per distinct set of values, so event hooks can ask cheaply)."""
    items = tuple(sorted((key, str(value)) for key, value in settings.raw.items()
                         if key.startswith(PREFIX)))
    return _parsed(items, NOTIFIER in settings.notifiers)


@functools.lru_cache(maxsize=16)
def _parsed(items: tuple[tuple[str, str], ...], active: bool) -> WebhookSettings:
    return WebhookSettings.parse(dict(items), (NOTIFIER,) if active else ())
