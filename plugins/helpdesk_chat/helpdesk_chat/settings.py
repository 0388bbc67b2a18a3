"""The robots' settings, ``helpdesk.<robot>.*``, parsed once at start-up.

Each robot plugin (``wecom``, ``dingtalk``, ``feishu``) reads its own keys when the
helpdesk collects its notifiers, so a wrong value stops start-up with one line
naming the key:

``helpdesk.<robot>.webhook_url``
    The robot's webhook address as the chat app shows it (required when the plugin
    is loaded). ``https``; plain ``http`` only to a loopback address (a relay on the
    same machine, the tests), since the address carries the robot's credential.
``helpdesk.<robot>.secret``
    The signing secret (DingTalk and Feishu; empty, the default, for none).
``helpdesk.<robot>.timeout``
    How long to wait for the chat service's answer (default ``10s``).

The webhook address *is* a credential (WeCom's ``key``, DingTalk's ``access_token``,
Feishu's hook id): an error shows its scheme and host only, and a secret is never shown.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping
from urllib.parse import SplitResult, parse_qs, urlsplit

from pyramid_helpdesk.settings import SettingsError, parse_timeout, read_setting, resolve_env


@dataclass(frozen=True)
class Robot:
    """What the settings need to know of one vendor's robot."""

    name: str  # the plugin's and notifier's name, and the settings' section
    title: str  # for messages: "DingTalk robot"
    example_url: str
    check_url: Callable[[SplitResult], bool]
    secret_expected: str | None = None  # None: the robot has no signing secret
    check_secret: Callable[[str], bool] = bool


@dataclass(frozen=True)
class RobotSettings:
    """The parsed ``helpdesk.<robot>.*`` settings (the address and secret kept out of reprs)."""

    webhook_url: str = field(repr=False)
    secret: str = field(default="", repr=False)
    timeout: float = 10.0

    @property
    def host(self) -> str:
        """The chat service's host: what messages and logs may show of the address."""
        return urlsplit(self.webhook_url).hostname or "?"


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` is this machine (``localhost``, ``127.0.0.0/8``, ``::1``)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def query_value(parts: SplitResult, name: str) -> str:
    """The one value of query parameter ``name``, or empty."""
    values = parse_qs(parts.query).get(name, [])
    return values[0].strip() if len(values) == 1 else ""


def parse_webhook_url(raw: str, check: Callable[[SplitResult], bool]) -> str:
    """An https address (http to loopback only) that ``check`` accepts; else ValueError."""
    value = raw.strip()
    if not value or any(char.isspace() for char in value):
        raise ValueError(raw)
    parts = urlsplit(value)
    parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    if parts.scheme == "http" and is_loopback(parts.hostname):
        pass
    elif parts.scheme != "https" or not parts.hostname or parts.username or parts.fragment:
        raise ValueError(raw)
    if not check(parts):
        raise ValueError(raw)
    return value


def shown_url(raw: str) -> str:
    """What an error may show of an address: its scheme and host, the rest elided."""
    try:
        parts = urlsplit(raw.strip())
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "…"
    if not parts.scheme and not host:
        return "…"
    return f"{parts.scheme}://{host}{port}/…"


def read_robot_settings(settings: Any, robot: Robot) -> RobotSettings:
    """Read ``helpdesk.<robot.name>.*`` from the parsed settings (their ``raw`` ini
    values) or a raw mapping; raise :class:`SettingsError` naming the wrong key."""
    raw: Mapping[str, Any] = getattr(settings, "raw", settings)
    prefix = f"helpdesk.{robot.name}."
    secret = ""
    if robot.secret_expected is not None:
        secret = read_setting(raw, prefix + "secret", "", lambda value: _parse_secret(
            value, robot.check_secret), robot.secret_expected)
    url_key = prefix + "webhook_url"
    url = resolve_env(url_key, str(raw.get(url_key, ""))).strip()
    expected = f"the {robot.title}'s webhook address, such as {robot.example_url}"
    if not url and secret:
        raise SettingsError(url_key, f"{expected}, as {prefix}secret is set")
    try:
        url = parse_webhook_url(url, robot.check_url)
    except ValueError:
        raise SettingsError(url_key, expected + " (https; http only to this machine)",
                            shown_url(url) if url else None) from None
    timeout = read_setting(raw, prefix + "timeout", "10s", parse_timeout,
                           "a duration such as 10s")
    return RobotSettings(webhook_url=url, secret=secret, timeout=timeout.total_seconds())


def _parse_secret(raw: str, check: Callable[[str], bool]) -> str:
    value = raw.strip()
    if value and (re.search(r"\s", value) or not check(value)):
        raise ValueError("(hidden)")
    return value
