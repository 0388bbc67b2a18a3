"""The ``helpdesk.imap_login.*`` settings, parsed and checked (a wrong value names its key)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Mapping

from pyramid_helpdesk.settings import (
    parse_port,
    parse_readable_file,
    parse_required,
    parse_timeout,
    parse_words,
    read_setting,
)

PREFIX = "helpdesk.imap_login."
SECURITY_PORTS = {"ssl": 993, "starttls": 143, "plain": 143}
LOGIN_FORMATS = ("{email}", "{local}")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class ImapLoginSettings:
    """Which mail server checks passwords, how to reach it, and for which addresses."""

    host: str
    port: int
    security: str
    ca_file: str
    timeout: timedelta
    domains: frozenset[str]
    login_format: str


def read_imap_login_settings(raw: Mapping[str, str]) -> ImapLoginSettings:
    """Parse every ``helpdesk.imap_login.*`` key, or raise
    :class:`~pyramid_helpdesk.settings.SettingsError` naming one."""

    def setting(key, default, parse, expected):
        return read_setting(raw, PREFIX + key, default, parse, expected)

    security = setting("security", "ssl", _security, "ssl, starttls or plain")
    return ImapLoginSettings(
        host=setting("host", "", parse_required, "the mail server's host name"),
        port=setting("port", str(SECURITY_PORTS[security]), parse_port, "a port number"),
        security=security,
        ca_file=setting("ca_file", "", parse_readable_file, "a readable file of CA certificates"),
        timeout=setting("timeout", "10s", parse_timeout, "a duration such as 10s"),
        domains=setting("domains", "", _domains,
                        "the mail domains whose addresses this server knows, "
                        "e.g. example.org"),
        login_format=setting("login_format", "{email}", _login_format, "{email} or {local}"),
    )


# -- parsers: each takes the raw string and returns the value or raises ValueError


def _security(raw: str) -> str:
    value = raw.strip().lower()
    if value not in SECURITY_PORTS:
        raise ValueError(raw)
    return value


def _domains(raw: str) -> frozenset[str]:
    names = {name.lower() for name in parse_words(raw)}
    if not names or not all(_DOMAIN.match(name) for name in names):
        raise ValueError(raw)
    return frozenset(names)


def _login_format(raw: str) -> str:
    value = raw.strip()
    if value not in LOGIN_FORMATS:
        raise ValueError(raw)
    return value
