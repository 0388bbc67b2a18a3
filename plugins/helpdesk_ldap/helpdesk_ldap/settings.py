"""The ``helpdesk.ldap.*`` settings, parsed and checked (a wrong value names its key)."""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Mapping

from pyramid_helpdesk.settings import (
    SettingsError,
    parse_bool,
    parse_readable_file,
    parse_timeout,
    parse_words,
    read_setting,
)

PREFIX = "helpdesk.ldap."
MODES = ("bind", "search")
SCOPES = ("subtree", "level")
PLACEHOLDERS = frozenset({"login", "local"})
_URL = re.compile(r"^(ldaps?)://(\[[0-9A-Fa-f:.]+\]|[^/:\s\[\]]+)(?::(\d{1,5}))?/?$")


@dataclass(frozen=True)
class LdapSettings:
    """Where the directory is, how to find a person in it and what to read."""

    host: str
    port: int
    use_ssl: bool
    starttls: bool
    ca_file: str
    connect_timeout: timedelta
    receive_timeout: timedelta
    mode: str
    user_dn: str
    bind_dn: str
    bind_password: str = field(repr=False)
    search_base: str
    search_filter: str
    search_scope: str
    mail_attributes: tuple[str, ...]
    name_attributes: tuple[str, ...]
    department_attributes: tuple[str, ...]
    phone_attributes: tuple[str, ...]

    @property
    def url(self) -> str:
        """The server, as written in log lines."""
        return f"{'ldaps' if self.use_ssl else 'ldap'}://{self.host}:{self.port}"


def read_ldap_settings(raw: Mapping[str, str]) -> LdapSettings:
    """Parse every ``helpdesk.ldap.*`` key, or raise :class:`SettingsError` naming one.

    The keys of the mode not chosen (``user_dn`` for search, ``search_base`` for
    bind) may stay empty.
    """

    def setting(key, default, parse, expected):
        return read_setting(raw, PREFIX + key, default, parse, expected)

    scheme, host, port = setting("url", "", _url, "an ldap:// or ldaps:// URL, "
                                 "e.g. ldaps://ldap.example.org")
    mode = setting("mode", "search", _choice(MODES), "bind or search")
    values = dict(
        host=host, port=port, use_ssl=scheme == "ldaps",
        starttls=setting("starttls", "false", parse_bool, "true or false"),
        ca_file=setting("ca_file", "", parse_readable_file, "a readable file of CA certificates"),
        connect_timeout=setting("connect_timeout", "5s", parse_timeout, "a duration such as 5s"),
        receive_timeout=setting("receive_timeout", "10s", parse_timeout, "a duration such as 10s"),
        mode=mode,
        user_dn=setting("user_dn", "", _template(needed=mode == "bind"),
                        "a DN with {login} or {local}, e.g. uid={local},ou=people,"
                        "dc=example,dc=org"),
        bind_dn=setting("bind_dn", "", str.strip, "a DN"),
        bind_password=setting("bind_password", "", str, "a password"),
        search_base=setting("search_base", "", _required(needed=mode == "search"),
                            "a DN, e.g. ou=people,dc=example,dc=org"),
        search_filter=setting("search_filter", "(mail={login})", _filter,
                              "an LDAP filter in parentheses with {login} or {local}, "
                              "e.g. (mail={login})"),
        search_scope=setting("search_scope", "subtree", _choice(SCOPES), "subtree or level"),
        mail_attributes=setting("attribute.mail", "mail", _attributes, "attribute names"),
        name_attributes=setting("attribute.name", "cn", _attributes, "attribute names"),
        department_attributes=setting("attribute.department", "ou departmentNumber",
                                      _attributes, "attribute names"),
        phone_attributes=setting("attribute.phone", "telephoneNumber", _attributes,
                                 "attribute names"),
    )
    if values["use_ssl"] and values["starttls"]:
        raise SettingsError(PREFIX + "starttls", "false with an ldaps:// URL (already TLS)")
    if values["bind_dn"] and not values["bind_password"]:
        # A DN with an empty password is an "unauthenticated bind": many servers accept it.
        raise SettingsError(PREFIX + "bind_password", "a password when bind_dn is set")
    return LdapSettings(**values)


# -- parsers: each takes the raw string and returns the value or raises ValueError


def _url(raw: str) -> tuple[str, str, int]:
    match = _URL.match(raw.strip())
    if not match:
        raise ValueError(raw)
    scheme, host, port = match.groups()
    number = int(port) if port else (636 if scheme == "ldaps" else 389)
    if not 0 < number < 65536:
        raise ValueError(raw)
    return scheme, host.strip("[]"), number


def _choice(choices: tuple[str, ...]):
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise ValueError(raw)
        return value
    return parse


def _required(needed: bool):
    def parse(raw: str) -> str:
        value = raw.strip()
        if needed and not value:
            raise ValueError(raw)
        return value
    return parse


def _check_placeholders(template: str) -> None:
    """``template`` uses {login} or {local}, and no other ``{name}``."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    if not names & PLACEHOLDERS or names - PLACEHOLDERS:
        raise ValueError(template)
    template.format(login="x", local="x")  # raises on a broken format


def _template(needed: bool):
    def parse(raw: str) -> str:
        value = raw.strip()
        if value or needed:
            _check_placeholders(value)
        return value
    return parse


def _filter(raw: str) -> str:
    value = raw.strip()
    _check_placeholders(value)
    depth = 0
    for char in value:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise ValueError(raw)
    if depth or not (value.startswith("(") and value.endswith(")")):
        raise ValueError(raw)
    return value


def _attributes(raw: str) -> tuple[str, ...]:
    names = parse_words(raw)
    if not names or not all(re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", name) for name in names):
        raise ValueError(raw)
    return names
