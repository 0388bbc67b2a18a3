"""Asking the LDAP directory whether a password is right, with ldap3.

Two ways to find the person's entry (``helpdesk.ldap.mode``):

* ``bind``: the entry's DN is built from what the person typed
  (``helpdesk.ldap.user_dn``, e.g. ``uid={local},ou=people,dc=example,dc=org``),
  the helpdesk binds as that DN with the password, then reads the entry as the
  person;
* ``search``: the helpdesk binds as its service account (``bind_dn``, or
  anonymously when that is empty), searches ``search_base`` with
  ``search_filter`` (e.g. ``(mail={login})``), and binds as the one entry found
  with the password.

What the person typed is escaped before it goes into a DN (``escape_rdn``) or
a filter (``escape_filter_chars``), so ``*)(mail=*`` matches nobody.
"""
from __future__ import annotations

import contextlib
import logging
import math
import ssl
import warnings
from typing import Iterator

with warnings.catch_warnings():
    # ldap3 2.9.1 imports pyasn1 names that pyasn1 0.6.1 deprecated; harmless.
    warnings.filterwarnings("ignore", r"(tag|type)Map is deprecated", DeprecationWarning)
    import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from pyramid_helpdesk.auth.directory import DirectoryEntry

from .settings import LdapSettings

log = logging.getLogger(__name__)

INVALID_CREDENTIALS = 49  # wrong password, or (bind mode) no such entry
SIZE_LIMIT_EXCEEDED = 4
NO_SUCH_OBJECT = 32
SCOPES = {"subtree": ldap3.SUBTREE, "level": ldap3.LEVEL}


class DirectoryUnavailable(Exception):
    """The directory could not answer: down, too slow, TLS refused, service account refused."""


def check_password(settings: LdapSettings, login: str, password: str) -> DirectoryEntry | None:
    """What the directory says about ``login`` when ``password`` is right, else ``None``.

    ``password`` must not be empty. Raises :class:`DirectoryUnavailable` when
    the directory cannot be asked.
    """
    fields = {"login": login, "local": login.rsplit("@", 1)[0]}
    try:
        if settings.mode == "bind":
            return _bind_as_user(settings, fields, password)
        return _search_then_bind(settings, fields, password)
    except (LDAPException, OSError) as exc:
        raise DirectoryUnavailable(f"{type(exc).__name__}: {exc}") from None


def _bind_as_user(settings: LdapSettings, fields: dict[str, str],
                  password: str) -> DirectoryEntry | None:
    """Bind as the DN built from the login, then read the entry as its owner."""
    dn = settings.user_dn.format(**{key: escape_rdn(value) for key, value in fields.items()})
    with _connection(settings, dn, password) as connection:
        if not _bound(connection, "the person's DN"):
            return None
        entries = _search(connection, settings, dn, "(objectClass=*)", ldap3.BASE)
    return _entry(settings, entries[0]["attributes"], fields["login"]) if entries else None


def _search_then_bind(settings: LdapSettings, fields: dict[str, str],
                      password: str) -> DirectoryEntry | None:
    """Find the one entry the filter matches (as the service account), then bind as it."""
    query = settings.search_filter.format(
        **{key: escape_filter_chars(value) for key, value in fields.items()})
    with _connection(settings, settings.bind_dn or None, settings.bind_password or None) as service:
        if not _bound(service, "the service account"):
            raise DirectoryUnavailable(
                f"the service account {settings.bind_dn!r} was refused: "
                f"{service.result['description']}")
        entries = _search(service, settings, settings.search_base, query,
                          SCOPES[settings.search_scope])
    if len(entries) > 1:
        log.warning("LDAP %s: the search filter matches more than one entry for one login; "
                    "login refused (make helpdesk.ldap.search_filter match one)", settings.url)
    if len(entries) != 1:
        return None
    with _connection(settings, entries[0]["dn"], password) as person:
        if not _bound(person, "the entry found"):
            return None
    return _entry(settings, entries[0]["attributes"], fields["login"])


@contextlib.contextmanager
def _connection(settings: LdapSettings, user: str | None,
                password: str | None) -> Iterator[ldap3.Connection]:
    """An open connection (TLS started when asked), closed at the end of the block."""
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=settings.ca_file or None)
    server = ldap3.Server(settings.host, port=settings.port, use_ssl=settings.use_ssl, tls=tls,
                          get_info=ldap3.NONE,
                          connect_timeout=settings.connect_timeout.total_seconds())
    connection = ldap3.Connection(server, user=user, password=password, read_only=True,
                                  raise_exceptions=False, auto_referrals=False,
                                  # whole seconds: ldap3 packs it into SO_RCVTIMEO
                                  receive_timeout=math.ceil(
                                      settings.receive_timeout.total_seconds()))
    try:
        connection.open()
        if settings.starttls and not connection.start_tls():
            raise DirectoryUnavailable(f"StartTLS failed: {connection.last_error}")
        yield connection
    finally:
        _close(connection)


def _close(connection: ldap3.Connection) -> None:
    """Unbind; also close the socket ldap3 leaves open when connecting failed."""
    with contextlib.suppress(LDAPException, OSError):
        if not connection.closed:
            connection.unbind()
    if connection.socket is not None:
        connection.socket.close()


def _bound(connection: ldap3.Connection, who: str) -> bool:
    """Bind; ``False`` for wrong credentials, :class:`DirectoryUnavailable` for other refusals."""
    if connection.bind():
        return True
    if connection.result["result"] == INVALID_CREDENTIALS:
        return False
    raise DirectoryUnavailable(f"binding as {who} failed: {connection.result['description']} "
                               f"{connection.result['message']}".strip())


def _search(connection: ldap3.Connection, settings: LdapSettings, base: str, query: str,
            scope) -> list[dict]:
    """The entries found (at most two: one is expected), with the mapped attributes."""
    connection.search(base, query, scope, attributes=list(_wanted(settings)), size_limit=2)
    if connection.result["result"] not in (0, SIZE_LIMIT_EXCEEDED, NO_SUCH_OBJECT):
        raise DirectoryUnavailable(f"search failed: {connection.result['description']}")
    return [item for item in connection.response or () if item["type"] == "searchResEntry"]


def _wanted(settings: LdapSettings) -> dict[str, None]:
    """Every attribute to read, once each, in order."""
    return dict.fromkeys(settings.mail_attributes + settings.name_attributes
                         + settings.department_attributes + settings.phone_attributes)


def _entry(settings: LdapSettings, attributes, login: str) -> DirectoryEntry:
    """The :class:`DirectoryEntry` of an LDAP entry's attributes."""
    addresses = _values(attributes, settings.mail_attributes)
    typed = [address for address in addresses if address.lower() == login.strip().lower()]
    return DirectoryEntry(
        email=(typed or addresses or [""])[0],
        name=_first(attributes, settings.name_attributes),
        department=_first(attributes, settings.department_attributes),
        phone=_first(attributes, settings.phone_attributes),
    )


def _values(attributes, names: tuple[str, ...]) -> list[str]:
    """Every non-empty text value of the attributes ``names``, in that order."""
    found = []
    for name in names:
        value = attributes.get(name) or []
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item.strip():
                found.append(item.strip())
    return found


def _first(attributes, names: tuple[str, ...]) -> str:
    """The first value of the first attribute of ``names`` that has one, else ``""``."""
    return next(iter(_values(attributes, names)), "")
