"""The e-mail for one outbox notification: headers that thread, bodies that read well.

Every mail about one ticket names the ticket's *thread root* ``<hd.{ticket}@{domain}>``
in ``In-Reply-To`` and ``References``, so the requester's mail client shows one
conversation per ticket, and a reply (which copies those headers) carries a reference
the intake recognises with :func:`parse_helpdesk_message_id`. Each mail has its own
``Message-ID`` ``<hd.{ticket}.{notification id}.{random hex}@{domain}>``, which the
same function also maps back to its ticket.

Loops are prevented on both sides: automatic mail says so (``Auto-Submitted``, RFC 3834)
and every mail carries ``X-Helpdesk-Loop: {domain}``, which the intake refuses to answer.
"""
from __future__ import annotations

import html
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from pyramid_helpdesk.notifications.delivery import OutgoingMessage

LOOP_HEADER = "X-Helpdesk-Loop"
TICKET_HEADER = "X-Helpdesk-Ticket"

#: ``Auto-Submitted`` (RFC 3834) per notification kind. The acknowledgement answers the
#: requester's own mail, hence ``auto-replied``; messages written by a person carry none.
#: Kinds not listed here (from plugins) are treated as ``auto-generated``.
AUTO_SUBMITTED: dict[str, str | None] = {
    "ticket_created": "auto-replied",
    "ticket_assigned": "auto-generated",
    "ticket_forwarded": "auto-generated",
    "ticket_resolved": "auto-generated",
    "ticket_nudged": "auto-generated",
    "message_public": None,
    "message_internal": None,
}


@dataclass(frozen=True)
class OutgoingConfig:
    """What every outgoing mail shares.

    ``service_address`` is the From and Reply-To address, with or without a display
    name (``"Helpdesk <helpdesk@example.org>"``); without one, ``site_name`` is shown.
    ``message_id_domain`` is the right-hand side of every Message-ID and the value of
    the loop header.
    """

    service_address: str
    message_id_domain: str
    site_name: str = "Helpdesk"

    def __post_init__(self) -> None:
        if "@" not in parseaddr(self.service_address)[1]:
            raise ValueError(f"not an e-mail address: {self.service_address!r}")
        if not is_domain_name(self.message_id_domain):
            raise ValueError(f"not a domain name: {self.message_id_domain!r}")

    @property
    def sender(self) -> Address:
        """The service address as a header value (From, Reply-To)."""
        name, addr = parseaddr(self.service_address)
        return Address(display_name=name or self.site_name, addr_spec=addr)

    @property
    def envelope_sender(self) -> str:
        """The bare service address (SMTP ``MAIL FROM``)."""
        return parseaddr(self.service_address)[1]


def auto_submitted(kind: str) -> str | None:
    """The ``Auto-Submitted`` value for a notification ``kind``, or None for human mail."""
    return AUTO_SUBMITTED.get(kind, "auto-generated")


# -- Message-IDs ------------------------------------------------------------------------
#
# A ticket number can be any text the number format produces ("HD-000042", "2026-17",
# "T#9"). In a Message-ID it becomes a token of letters, digits and "-", every other
# character written as "_XX" per UTF-8 byte ("T#9" -> "T_239"). The token never holds
# a ".", so the parts of "hd.{token}.{id}.{hex}" are unambiguous, and the encoding is
# canonical: one ticket number, one token.

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_TOKEN_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
_TOKEN = r"(?:[A-Za-z0-9-]|_[0-9A-F]{2})+"
_OUR_ID = re.compile(rf"hd\.(?P<token>{_TOKEN})(?:\.[0-9]+\.[0-9a-f]+)?@(?P<domain>[^@>\s]+)")
_ESCAPE = re.compile(r"_([0-9A-F]{2})")


def is_domain_name(value: str) -> bool:
    """Whether ``value`` is an ASCII domain name (usable after the "@" of a Message-ID)."""
    return bool(_DOMAIN.fullmatch(value))


def _ticket_token(ticket_number: str) -> str:
    if not ticket_number:
        raise ValueError("a ticket number cannot be empty")
    return "".join(
        char if char in _TOKEN_SAFE else "".join(f"_{byte:02X}" for byte in char.encode("utf-8"))
        for char in ticket_number
    )


def _ticket_from_token(token: str) -> str | None:
    raw = bytearray()
    position = 0
    for match in _ESCAPE.finditer(token):
        raw += token[position:match.start()].encode("ascii")
        raw.append(int(match.group(1), 16))
        position = match.end()
    raw += token[position:].encode("ascii")
    try:
        number = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # Only the canonical spelling is ours ("_41" for "A" is not).
    return number if _ticket_token(number) == token else None


def thread_root_id(ticket_number: str, domain: str) -> str:
    """The Message-ID all mail of ``ticket_number`` refers to: ``<hd.{ticket}@{domain}>``."""
    return f"<hd.{_ticket_token(ticket_number)}@{domain}>"


def notification_message_id(ticket_number: str, notification_id: int, domain: str) -> str:
    """A new, unique Message-ID for one notification about ``ticket_number``."""
    return (f"<hd.{_ticket_token(ticket_number)}.{int(notification_id)}."
            f"{secrets.token_hex(8)}@{domain}>")


def parse_helpdesk_message_id(message_id: str, domain: str) -> str | None:
    """The ticket number named by one of our Message-IDs (a thread root or a
    notification's own), or None for any other Message-ID.

    ``message_id`` is one id, with or without its angle brackets; the domain is
    compared without regard to case. The inverse of :func:`thread_root_id`.
    """
    value = message_id.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip()
    match = _OUR_ID.fullmatch(value)
    if match is None or match.group("domain").lower() != domain.lower():
        return None
    return _ticket_from_token(match.group("token"))


# -- bodies -----------------------------------------------------------------------------

# Links end at white space or at the first character a URL cannot hold unescaped (so a
# Chinese full stop right after a link is not part of it); trailing punctuation is text.
_LINK = re.compile(r"(?:https?://|mailto:)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_TRAILING = ".,;:!?'\""


def _split_link(candidate: str) -> tuple[str, str]:
    """The link and the punctuation after it."""
    end = len(candidate)
    while end and (candidate[end - 1] in _TRAILING or (
        candidate[end - 1] == ")" and candidate[:end].count(")") > candidate[:end].count("("))):
        end -= 1
    return candidate[:end], candidate[end:]


def _linkify(line: str) -> str:
    """One line of text as HTML, its links clickable."""
    out = []
    position = 0
    for match in _LINK.finditer(line):
        link, rest = _split_link(match.group())
        if link.rstrip(":/") in ("http", "https", "mailto"):
            continue
        out.append(html.escape(line[position:match.start()]))
        href = html.escape(link, quote=True)
        out.append(f'<a href="{href}">{html.escape(link)}</a>{html.escape(rest)}')
        position = match.end()
    out.append(html.escape(line[position:]))
    return "".join(out)


def render_html(text: str, title: str = "") -> str:
    """``text`` as an HTML document: escaped, blank-line paragraphs, links clickable."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    body = "\n".join(
        "<p>" + "<br>\n".join(_linkify(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs
    )
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n</head>\n"
        "<body style=\"font-family: sans-serif; font-size: 14px; line-height: 1.5;\">\n"
        f"{body}\n</body>\n</html>\n"
    )


def _transfer_encoding(text: str) -> str | None:
    """7bit for ASCII (the library decides), else quoted-printable for mostly-Latin
    text and base64 for the rest (Chinese): never raw 8-bit over SMTP."""
    if text.isascii():
        return None
    data = text.encode("utf-8")
    eight_bit = sum(byte > 127 for byte in data)
    return "base64" if eight_bit * 6 > len(data) else "quoted-printable"


# -- the message ------------------------------------------------------------------------


def _one_line(value: str) -> str:
    """A header value without line breaks of any kind (they would end the header)."""
    return " ".join(line.strip() for line in value.splitlines() if line.strip())



def build_email(message: OutgoingMessage, config: OutgoingConfig, *,
                now: datetime | None = None) -> EmailMessage:
    """The e-mail for one outbox row, ready for ``smtplib.SMTP.send_message``.

    ``message.data["ticket"]`` is the ticket number; a notification without one gets a
    Message-ID ``<hdn.{id}.{hex}@{domain}>`` and no thread headers.
    """
    domain = config.message_id_domain
    ticket = str(message.data.get("ticket") or "")
    mail = EmailMessage(policy=policy.SMTP)
    mail["From"] = config.sender
    mail["To"] = message.recipient
    mail["Reply-To"] = config.sender
    mail["Subject"] = _one_line(message.subject)
    mail["Date"] = format_datetime(now or datetime.now(timezone.utc))
    if ticket:
        root = thread_root_id(ticket, domain)
        mail["Message-ID"] = notification_message_id(ticket, message.id, domain)
        mail["In-Reply-To"] = root
        mail["References"] = root
    else:
        mail["Message-ID"] = f"<hdn.{int(message.id)}.{secrets.token_hex(8)}@{domain}>"
    submitted = auto_submitted(message.kind)
    if submitted:
        mail["Auto-Submitted"] = submitted
        # Asks Exchange and Outlook for no out-of-office or other automatic answer to
        # automatic mail ("All" would also suppress the bounces the intake wants to see).
        mail["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    mail[LOOP_HEADER] = domain
    if ticket:
        mail[TICKET_HEADER] = _one_line(ticket)
    mail.set_content(message.body, subtype="plain", charset="utf-8",
                     cte=_transfer_encoding(message.body))
    document = render_html(message.body, title=message.subject)
    mail.add_alternative(document, subtype="html", charset="utf-8",
                         cte=_transfer_encoding(document))
    for part in mail.iter_parts():
        del part["MIME-Version"]  # add_alternative leaves one on the new part
    return mail
