"""Real SMTP servers for the delivery tests: aiosmtpd on 127.0.0.1, plain, STARTTLS or
implicit TLS, with or without login, recording every envelope it accepts."""
from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Callable, Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from helpdesk_email.outgoing import OutgoingConfig
from helpdesk_email.smtp import SmtpNotifier, SmtpSettings

SERVICE_ADDRESS = "IT 帮助台 <helpdesk@example.org>"
DOMAIN = "example.org"


def free_port() -> int:
    """A loopback port nobody listens on (aiosmtpd cannot take port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    encrypted: bool

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.content, policy=policy.default)


class RecordingHandler:
    """Accepts everything except the addresses in ``refuse`` (answered with their reply)."""

    def __init__(self, refuse: dict[str, str] | None = None):
        self.refuse = dict(refuse or {})
        self.received: list[Received] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      envelope.content, encrypted))
        return "250 Message accepted for delivery"


@dataclass
class Authenticator:
    """Checks logins against ``users``; records (mechanism, login, accepted)."""

    users: dict[str, str]
    attempts: list[tuple[str, str, bool]] = field(default_factory=list)

    def __call__(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode()
        accepted = self.users.get(login) == auth_data.password.decode()
        self.attempts.append((mechanism, login, accepted))
        # handled=False: aiosmtpd answers a refusal with 535 itself.
        return AuthResult(success=accepted, handled=False)


@dataclass
class SmtpServer:
    """A running test server."""

    port: int
    handler: RecordingHandler
    controller: Controller

    @property
    def received(self) -> list[Received]:
        return self.handler.received


@pytest.fixture
def smtp_server_factory() -> Iterator[Callable[..., SmtpServer]]:
    """Start SMTP servers on 127.0.0.1: ``start(port=None, refuse=None, ssl_context=None,
    **aiosmtpd_options)``; every one is stopped when the test ends."""
    started: list[Controller] = []

    def start(port: int | None = None, refuse: dict[str, str] | None = None,
              ssl_context: ssl.SSLContext | None = None, **options: Any) -> SmtpServer:
        handler = RecordingHandler(refuse)
        port = port or free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=5,
                                ssl_context=ssl_context, server_hostname="mail.example.net",
                                **options)
        controller.start()
        started.append(controller)
        return SmtpServer(port, handler, controller)

    yield start
    for controller in reversed(started):
        controller.stop()


@pytest.fixture
def smtp_server(smtp_server_factory) -> SmtpServer:
    """A plain SMTP server that accepts everything."""
    return smtp_server_factory()


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for localhost and 127.0.0.1: (cert file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("tls")
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))
    return str(cert_file), str(key_file)


@pytest.fixture
def server_tls_context(tls_certificate) -> ssl.SSLContext:
    """The server side of TLS with the self-signed certificate."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*tls_certificate)
    return context


@pytest.fixture
def outgoing_config() -> OutgoingConfig:
    return OutgoingConfig(SERVICE_ADDRESS, DOMAIN, "IT Helpdesk")


@pytest.fixture
def make_notifier(outgoing_config) -> Callable[..., SmtpNotifier]:
    """An ``SmtpNotifier`` for a server on 127.0.0.1: ``make_notifier(port, **settings)``."""

    def make(port: int, **settings: Any) -> SmtpNotifier:
        settings.setdefault("timeout", 5.0)
        return SmtpNotifier(SmtpSettings(outgoing_config, host="127.0.0.1", port=port,
                                         **settings))

    return make
