"""Asking the institute's mail server whether a password is right: an IMAP login.

The helpdesk connects (TLS from the start, STARTTLS, or plain text for a
server on the same host), logs in with the person's mailbox name and
password, and logs out at once: it reads no mail. Names and passwords in
ASCII go through ``LOGIN``; others through ``AUTHENTICATE PLAIN`` (UTF-8,
RFC 4616) when the server offers it.
"""
from __future__ import annotations

import contextlib
import imaplib
import ssl

from .settings import ImapLoginSettings

LINE_BREAKS = frozenset("\r\n\0")  # no IMAP login can carry these


class MailServerUnavailable(Exception):
    """The mail server could not answer: down, too slow, TLS refused, logins disabled."""


def mail_server_accepts(settings: ImapLoginSettings, username: str, password: str) -> bool:
    """``True`` when the mail server accepts ``username`` with ``password``.

    ``password`` must not be empty. Raises :class:`MailServerUnavailable` when
    the server cannot be asked.
    """
    if LINE_BREAKS & set(username + password):
        return False
    try:
        client = _connect(settings)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailServerUnavailable(f"{type(exc).__name__}: {exc}") from None
    try:
        return _log_in(client, username, password)
    except imaplib.IMAP4.abort as exc:  # the connection broke
        raise MailServerUnavailable(f"{type(exc).__name__}: {exc}") from None
    except OSError as exc:
        raise MailServerUnavailable(f"{type(exc).__name__}: {exc}") from None
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def _connect(settings: ImapLoginSettings) -> imaplib.IMAP4:
    """A connection in the not-authenticated state, encrypted unless ``security = plain``."""
    timeout = settings.timeout.total_seconds()
    context = ssl.create_default_context(cafile=settings.ca_file or None)
    if settings.security == "ssl":
        return imaplib.IMAP4_SSL(settings.host, settings.port, ssl_context=context,
                                 timeout=timeout)
    client = imaplib.IMAP4(settings.host, settings.port, timeout=timeout)
    if settings.security == "starttls":
        try:
            client.starttls(ssl_context=context)
        except Exception:
            client.shutdown()
            raise
    return client


def _log_in(client: imaplib.IMAP4, username: str, password: str) -> bool:
    """Log in; ``False`` when the server says no."""
    if "LOGINDISABLED" in client.capabilities:
        raise MailServerUnavailable("the server refuses LOGIN on this connection "
                                    "(use security = ssl or starttls)")
    try:
        if (username + password).isascii():
            client.login(_quoted(username), password)
        elif "AUTH=PLAIN" in client.capabilities:
            credentials = f"\0{username}\0{password}".encode()
            client.authenticate("PLAIN", lambda _challenge: credentials)
        else:
            return False  # LOGIN carries ASCII only
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:
        if "[UNAVAILABLE]" in str(exc):  # RFC 5530: the server's own backend is down
            raise MailServerUnavailable(str(exc)) from None
        return False
    return True


def _quoted(value: str) -> str:
    """An IMAP quoted string (imaplib quotes the password, not the user name)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
