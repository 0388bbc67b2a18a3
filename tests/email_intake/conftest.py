"""A helpdesk with the e-mail channel active, and a small builder of realistic messages."""
from __future__ import annotations

import itertools
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back

SERVICE = "helpdesk@example.org"
_serial = itertools.count(1)


@pytest.fixture(scope="session")
def mail_app(helpdesk_engine, helpdesk_database_url, tmp_path_factory):
    """The app with ``helpdesk.plugins = web email``."""
    settings = make_test_settings(
        helpdesk_database_url, str(tmp_path_factory.mktemp("mail-app")),
        **{"helpdesk.plugins": "web email", "helpdesk.email.address": SERVICE,
           "helpdesk.email.autoreply_limit": "3"},
    )
    return build_app(settings, helpdesk_engine)


@pytest.fixture
def helpdesk(mail_app, helpdesk_engine):
    """The shared fixtures (``staff``) on the e-mail-enabled app; rolled back after."""
    with rolled_back(mail_app, helpdesk_engine) as harness:
        yield harness


@pytest.fixture
def intake(helpdesk):
    """Deliver raw messages as ``helpdesk mailgate`` would, inside the test's transaction."""
    from helpdesk_email.intake import MailIntake

    def deliver(raw: bytes):
        outcome = MailIntake(helpdesk.tickets, helpdesk.registry.helpdesk_email).ingest(raw)
        helpdesk.dbsession.flush()
        return outcome

    return deliver


def message(subject: str = "Printer on floor 2 jams", sender: str = "Uma User <user@example.org>",
            body: str = "Every second page jams.", to: str = SERVICE,
            message_id: str | None = None, **headers: str) -> bytes:
    """A plain-text message as a mail client sends it (headers: ``In_Reply_To=...``)."""
    mail = EmailMessage()
    if sender:
        mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc))
    mail["Message-ID"] = f"<{message_id or f'msg-{next(_serial)}'}@mail.example.net>"
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail.as_bytes()
