"""The ``smtp`` notifier: outbox notifications delivered through an SMTP server.

Settings (all optional; each is validated at start-up and a wrong value stops it with
one line naming the key)::

    helpdesk.email.address = Helpdesk <helpdesk@example.org>  # From, Reply-To, MAIL FROM
    helpdesk.email.message_id_domain = example.org            # Message-IDs, loop header
    helpdesk.email.smtp.host = localhost
    helpdesk.email.smtp.port = 25
    helpdesk.email.smtp.security = none                       # none | starttls | ssl
    helpdesk.email.smtp.verify_tls = true                     # check the server certificate
    helpdesk.email.smtp.username =                            # log in only when set
    helpdesk.email.smtp.password = env:HELPDESK_SMTP_PASSWORD
    helpdesk.email.smtp.timeout = 30s
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any, Mapping

from pyramid_helpdesk.notifications.delivery import OutgoingMessage
from pyramid_helpdesk.settings import (
    SPECS,
    SettingsError,
    parse_bool,
    parse_duration,
    parse_email,
    read_setting,
)

from .outgoing import OutgoingConfig, build_email, is_domain_name

SECURITY_MODES = ("none", "starttls", "ssl")


class SmtpDeliveryError(Exception):
    """The SMTP server could not be reached or did not take the message.

    The outbox worker records the message and retries with back-off.
    """


class PermanentDeliveryError(SmtpDeliveryError):
    """The server refused the recipient (or the message) for good: a 5xx reply.

    Retrying will not help, but the outbox worker does not tell failures apart
    yet and retries this one too until ``helpdesk.worker.max_attempts``.
    """

    def __init__(self, recipient: str, code: int, reply: str):
        self.recipient = recipient
        self.code = code
        self.reply = reply
        super().__init__(f"{recipient} refused permanently: {code} {reply}")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand mail over, and what every mail says about its sender."""

    outgoing: OutgoingConfig
    host: str = "localhost"
    port: int = 25
    security: str = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    verify_tls: bool = True

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {SECURITY_MODES}, not {self.security!r}")

    @property
    def server(self) -> str:
        """``host:port``, for messages."""
        return f"{self.host}:{self.port}"


# -- settings ---------------------------------------------------------------------------


def _parse_host(raw: str) -> str:
    value = raw.strip()
    if not value or any(char.isspace() for char in value):
        raise ValueError(raw)
    return value


def _parse_port(raw: str) -> int:
    value = int(raw.strip())
    if not 0 < value < 65536:
        raise ValueError(raw)
    return value


def _parse_security(raw: str) -> str:
    value = raw.strip().lower()
    if value not in SECURITY_MODES:
        raise ValueError(raw)
    return value


def _parse_timeout(raw: str) -> float:
    seconds = parse_duration(raw).total_seconds()
    if seconds <= 0:
        raise ValueError(raw)
    return seconds


def _parse_optional(raw: str) -> str | None:
    return raw.strip() or None


def _parse_address(raw: str) -> str:
    """An address, with or without a display name: ``Helpdesk <helpdesk@example.org>``."""
    value = raw.strip()
    name, addr = parseaddr(value)
    parse_email(addr)
    return value


def _parse_domain(raw: str) -> str:
    value = raw.strip().rstrip(".")
    if not value.isascii():
        value = value.encode("idna").decode("ascii")  # UnicodeError is a ValueError
    if not is_domain_name(value) or "." not in value:
        raise ValueError(raw)
    return value.lower()


def _core(raw: Mapping[str, Any], key: str) -> Any:
    """A core setting, read with the core's own default and parser."""
    spec = next(spec for spec in SPECS if spec.key == key)
    return read_setting(raw, spec.key, spec.default, spec.parse, spec.expected)


def read_smtp_settings(settings: Any) -> SmtpSettings:
    """Read and validate the ``helpdesk.email.smtp.*`` keys and the service address.

    ``settings`` is the parsed :class:`~pyramid_helpdesk.settings.HelpdeskSettings` (as
    ``helpdesk_register_notifiers`` receives it) or the raw ini mapping. Raises
    :class:`~pyramid_helpdesk.settings.SettingsError` naming the wrong key; the password
    is never shown.
    """
    raw: Mapping[str, Any] = getattr(settings, "raw", settings)

    def get(key, default, parse, expected):
        return read_setting(raw, f"helpdesk.email.{key}", default, parse, expected)

    address = get("address", _core(raw, "helpdesk.mail.sender"), _parse_address,
                  "an e-mail address such as Helpdesk <helpdesk@example.org>")
    domain = get("message_id_domain", parseaddr(address)[1].rsplit("@", 1)[1], _parse_domain,
                 "a domain name such as example.org")
    username = get("smtp.username", "", _parse_optional, "a user name")
    password = get("smtp.password", "", _parse_optional, "a password")
    if username and not password:
        raise SettingsError("helpdesk.email.smtp.password",
                            "a password when helpdesk.email.smtp.username is set")
    if password and not username:
        raise SettingsError("helpdesk.email.smtp.username",
                            "a user name when helpdesk.email.smtp.password is set")
    return SmtpSettings(
        outgoing=OutgoingConfig(address, domain, _core(raw, "helpdesk.site_name")),
        host=get("smtp.host", "localhost", _parse_host, "a host name"),
        port=get("smtp.port", "25", _parse_port, "a port number from 1 to 65535"),
        security=get("smtp.security", "none", _parse_security, "none, starttls or ssl"),
        username=username,
        password=password,
        timeout=get("smtp.timeout", "30s", _parse_timeout, "a duration such as 30s"),
        verify_tls=get("smtp.verify_tls", "true", parse_bool, "true or false"),
    )


# -- the notifier -----------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    """An SMTP error as ``code reply``; anything else as its message."""
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error
        if isinstance(reply, bytes):
            reply = reply.decode("utf-8", "replace")
        return f"{exc.smtp_code} {reply}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _reply_text(reply: Any) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class SmtpNotifier:
    """Delivers outbox notifications through an SMTP server (``helpdesk.notifiers = smtp``).

    Each :meth:`deliver` opens its own connection (TLS and login included), sends one
    message and says QUIT. That is simple and correct: nothing is shared between calls,
    so a server that went away between two worker passes costs nothing but one failed
    attempt. A worker pass over many rows opens one connection per row; that is fine at
    helpdesk volumes (a pooled connection per pass would be the next step).

    Any failure raises :class:`SmtpDeliveryError` (the original exception is its
    ``__cause__``), and the outbox worker retries with back-off. A 5xx refusal of the
    recipient or of the message raises :class:`PermanentDeliveryError`, which the
    worker currently retries as well.
    """

    name = "smtp"
    medium = "email"

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def deliver(self, message: OutgoingMessage) -> None:
        """Send ``message`` to its recipient, or raise."""
        mail = build_email(message, self.settings.outgoing)
        where = f"SMTP {self.settings.server}"
        try:
            smtp = self._connect()
        except (smtplib.SMTPException, OSError) as exc:
            raise SmtpDeliveryError(f"{where}: {_describe(exc)}") from exc
        try:
            if self.settings.username:
                smtp.login(self.settings.username, self.settings.password or "")
            smtp.send_message(mail, from_addr=self.settings.outgoing.envelope_sender,
                              to_addrs=[parseaddr(message.recipient)[1] or message.recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            if 500 <= code < 600:
                raise PermanentDeliveryError(message.recipient, code, _reply_text(reply)) from exc
            raise SmtpDeliveryError(
                f"{where}: {message.recipient} refused: {code} {_reply_text(reply)}") from exc
        except smtplib.SMTPDataError as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentDeliveryError(message.recipient, exc.smtp_code,
                                             _reply_text(exc.smtp_error)) from exc
            raise SmtpDeliveryError(f"{where}: {_describe(exc)}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise SmtpDeliveryError(f"{where}: {_describe(exc)}") from exc
        finally:
            self._close(smtp)

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if not self.settings.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _connect(self) -> smtplib.SMTP:
        """A connection ready for MAIL FROM: connected, encrypted as configured."""
        settings = self.settings
        if settings.security == "ssl":
            return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                    context=self._tls_context())
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            try:
                smtp.ehlo()
                # Raises SMTPNotSupportedError when the server offers no STARTTLS:
                # the message is never sent in clear instead.
                smtp.starttls(context=self._tls_context())
                smtp.ehlo()
            except BaseException:
                smtp.close()
                raise
        return smtp

    @staticmethod
    def _close(smtp: smtplib.SMTP) -> None:
        """Say QUIT; once the message is accepted, a failing QUIT is no reason to resend."""
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
