"""The core's notifier backends: ``log`` and ``mailfile`` (an .eml file per message)."""
from __future__ import annotations

import logging
import os
import tempfile
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from .. import hookimpl
from ..db.types import utcnow
from .delivery import OutgoingMessage

log = logging.getLogger("pyramid_helpdesk.notifications")


class LogNotifier:
    """Writes each notification to the log (logger ``pyramid_helpdesk.notifications``)."""

    name = "log"
    medium = "email"

    def deliver(self, message: OutgoingMessage) -> None:
        """Log the recipient and subject."""
        log.info("notification %s to %s: %s", message.kind, message.recipient, message.subject)


class MailFileNotifier:
    """Writes each notification as an RFC 5322 ``.eml`` file (development and tests)."""

    name = "mailfile"
    medium = "email"

    def __init__(self, directory: str, sender: str):
        self.directory = directory
        self.sender = sender

    def build(self, message: OutgoingMessage) -> EmailMessage:
        """The e-mail for ``message``."""
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Date"] = format_datetime(utcnow())
        mail["Message-ID"] = make_msgid(domain=self.sender.split("@")[-1])
        mail["X-Helpdesk-Notification"] = f"{message.id} {message.kind}"
        mail.set_content(message.body)
        return mail

    def deliver(self, message: OutgoingMessage) -> None:
        """Write the file atomically as ``<directory>/<id>-<kind>.eml``."""
        os.makedirs(self.directory, exist_ok=True)
        data = self.build(message).as_bytes()
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, os.path.join(self.directory, f"{message.id:08d}-{message.kind}.eml"))


@hookimpl
def helpdesk_register_notifiers(settings):
    """Register ``log`` and ``mailfile``."""
    return [LogNotifier(), MailFileNotifier(settings.mail_dir, settings.mail_sender)]
