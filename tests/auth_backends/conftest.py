"""Login backends against real servers: an OpenLDAP directory and a Dovecot mail server.

Both servers start once per test session on loopback (``tests.servers``). Each
test opens the helpdesk configured with the backends it needs (``site(...)``)
and logs in through the real login page; everything it changes is rolled back.
"""
from __future__ import annotations

import contextlib
import re
import socket
from typing import Iterator

import pytest

from pyramid_helpdesk.testing import Helpdesk, build_app, make_test_settings, rolled_back
from tests.servers import free_ports, running_dovecot, running_slapd

SUFFIX = "dc=example,dc=org"
PEOPLE = f"ou=people,{SUFFIX}"
SERVICE_DN = f"cn=helpdesk,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-account-pw-3"
REFUSED = "Wrong e-mail address or password."
# The tests fail logins on purpose, all from one client, on apps shared between tests.
NO_RATE_LIMITS = {"helpdesk.ratelimit.login": "10000/minute",
                  "helpdesk.ratelimit.login.client": "10000/minute"}

# Invented people. Directory passwords differ from mailbox passwords and from the
# local test password, so every test shows which server accepted a login.
DIRECTORY = {
    # uid: (password, attributes)
    "lin": ("lin-directory-pw", {"cn": "Lin Example", "mail": "lin@example.org",
                                 "ou": "Physics Lab", "telephoneNumber": "+86 10 5555 0101"}),
    "mo": ("mo-directory-pw", {"cn": "Mo Example", "mail": "Mo@Example.org",
                               "departmentNumber": "D-204"}),
    "staffer": ("staffer-directory-pw", {"cn": "Staffer Example",
                                         "mail": "staffer@example.org", "ou": "IT"}),
    "gone": ("gone-directory-pw", {"cn": "Gone Example", "mail": "gone@example.org"}),
    "twin-a": ("twin-pw", {"cn": "Twin A", "mail": "twin@example.org"}),
    "twin-b": ("twin-pw", {"cn": "Twin B", "mail": "twin@example.org"}),
    "nomail": ("nomail-directory-pw", {"cn": "No Mail"}),
    "both": ("shared-secret-pw", {"cn": "Both Example", "mail": "both@example.org"}),
}

MAILBOXES = {
    "kai@example.org": "kai-mailbox-pw",
    "rui": "rui-mailbox-pw",
    "yu@example.org": "邮箱密码-Secret-7",
    "both@example.org": "shared-secret-pw",
}

ACCESS = f"""\
access to attrs=userPassword
    by anonymous auth
    by * none
access to *
    by self read
    by dn.exact="{SERVICE_DN}" read
    by * none
"""


def _ldif() -> str:
    """The directory: the suffix, people, and the helpdesk's service account."""
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\n"
        "dc: example\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services\n",
        f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\n"
        f"objectClass: simpleSecurityObject\ncn: helpdesk\nuserPassword: {SERVICE_PASSWORD}\n",
    ]
    for uid, (password, attributes) in DIRECTORY.items():
        lines = [f"dn: uid={uid},{PEOPLE}", "objectClass: inetOrgPerson", f"uid: {uid}",
                 f"sn: {attributes['cn'].split()[-1]}", f"userPassword: {password}"]
        lines += [f"{name}: {value}" for name, value in attributes.items()]
        entries.append("\n".join(lines) + "\n")
    return "\n".join(entries)


@pytest.fixture(scope="session")
def slapd():
    """The institute's directory, for the whole session."""
    with running_slapd(SUFFIX, _ldif(), ACCESS) as server:
        yield server


@pytest.fixture(scope="session")
def dovecot():
    """The institute's mail server, for the whole session."""
    with running_dovecot(MAILBOXES) as server:
        yield server


class SilentServer:
    """A loopback port that takes connections and never answers: a hung server."""

    def __init__(self, listener: socket.socket):
        self._listener = listener
        self._accepted: list[socket.socket] = []
        self.port = listener.getsockname()[1]

    def connections(self) -> int:
        """How many clients have connected so far."""
        with contextlib.suppress(BlockingIOError):
            while True:
                self._accepted.append(self._listener.accept()[0])
        return len(self._accepted)

    def close(self) -> None:
        for connection in self._accepted:
            connection.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    """A server that is up but does not answer (or a port that should never be asked)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.setblocking(False)
        server = SilentServer(listener)
        try:
            yield server
        finally:
            server.close()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on (a server that is down)."""
    return free_ports(1)[0]


def ldap_settings(slapd, mode: str = "search", **overrides: str) -> dict[str, str]:
    """Settings for the LDAP backend against ``slapd``; ``overrides`` name keys without
    ``helpdesk.ldap.``, with ``__`` for dots (``attribute__name``)."""
    settings = {"helpdesk.ldap.url": slapd.url, "helpdesk.ldap.mode": mode}
    if mode == "bind":
        settings["helpdesk.ldap.user_dn"] = f"uid={{local}},{PEOPLE}"
    else:
        settings.update({"helpdesk.ldap.bind_dn": SERVICE_DN,
                         "helpdesk.ldap.bind_password": SERVICE_PASSWORD,
                         "helpdesk.ldap.search_base": PEOPLE})
    settings.update({"helpdesk.ldap." + key.replace("__", "."): value
                     for key, value in overrides.items()})
    return settings


def imap_settings(dovecot, **overrides: str) -> dict[str, str]:
    """Settings for the IMAP login backend against ``dovecot`` (STARTTLS, its own CA);
    ``overrides`` name keys without ``helpdesk.imap_login.``."""
    settings = {"helpdesk.imap_login.host": "127.0.0.1",
                "helpdesk.imap_login.port": str(dovecot.port),
                "helpdesk.imap_login.security": "starttls",
                "helpdesk.imap_login.ca_file": str(dovecot.ca_file),
                "helpdesk.imap_login.domains": "example.org"}
    settings.update({"helpdesk.imap_login." + key: value for key, value in overrides.items()})
    return settings


@pytest.fixture(scope="session")
def _apps():
    """Apps already built in this session, by their settings."""
    return {}


@pytest.fixture
def site(_apps, helpdesk_engine, helpdesk_database_url, helpdesk_directory):
    """``site(plugins, settings)``: the helpdesk with these plugins (``helpdesk.plugins``)
    and settings, as a :class:`~pyramid_helpdesk.testing.Helpdesk` rolled back at the end."""
    with contextlib.ExitStack() as stack:
        def open_site(plugins: str, settings: dict[str, str]) -> Helpdesk:
            key = (helpdesk_database_url, plugins, tuple(sorted(settings.items())))
            if key not in _apps:
                _apps[key] = build_app(make_test_settings(
                    helpdesk_database_url, helpdesk_directory,
                    **{"helpdesk.plugins": plugins, **NO_RATE_LIMITS, **settings}),
                    helpdesk_engine)
            return stack.enter_context(rolled_back(_apps[key], helpdesk_engine))
        yield open_site


def log_in(helpdesk: Helpdesk, login: str, password: str, status: int = 303):
    """Submit the login form as a person would; check the answer's status."""
    return helpdesk.app.post("/login", {"login": login, "password": password,
                                        "csrf_token": helpdesk.csrf_token("/login")},
                             status=status)


def signed_in_as(helpdesk: Helpdesk) -> str | None:
    """The name the page header shows for the signed-in person, or ``None``."""
    page = helpdesk.app.get("/")
    while 300 <= page.status_int < 400:
        page = page.follow()
    match = re.search(r'class="who"[^>]*>([^<]*)<', page.text)
    return match.group(1).strip() if match else None
