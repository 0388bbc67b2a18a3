"""When not to answer a message automatically (RFC 3834 and real-world loop guards)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pyramid_helpdesk.notifications.models import Notification

from .parsing import ParsedMessage

BULK_PRECEDENCE = {"bulk", "junk", "list"}
DAEMON_SENDERS = ("mailer-daemon@", "postmaster@", "noreply@", "no-reply@")
#: The kind of notification that acknowledges a new ticket (what the limits count).
ACKNOWLEDGEMENT = "ticket_created"


def automatic_reason(parsed: ParsedMessage) -> str | None:
    """Why ``parsed`` was written by a machine (so it gets no auto-reply), or ``None``."""
    headers = parsed.headers
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"
    if headers.get("precedence", "").strip().lower() in BULK_PRECEDENCE:
        return f"Precedence: {headers['precedence'].strip()}"
    if headers.get("x-auto-response-suppress"):
        return "X-Auto-Response-Suppress"
    if headers.get("list-id") or headers.get("list-unsubscribe"):
        return "mailing list"
    if parsed.is_bounce:
        return "delivery status notification"
    if headers.get("return-path", "").strip() == "<>":
        return "empty Return-Path"
    if (parsed.from_address or "").startswith(DAEMON_SENDERS):
        return f"sent by {parsed.from_address}"
    return None


def over_autoreply_limit(dbsession: Session, address: str, limit: int, window: timedelta,
                         now: datetime) -> bool:
    """True when ``address`` already got ``limit`` acknowledgements within ``window``."""
    sent = dbsession.scalar(
        select(func.count()).select_from(Notification).where(
            Notification.recipient == address,
            Notification.kind == ACKNOWLEDGEMENT,
            Notification.created_at > now - window,
        )
    )
    return sent >= limit


def autoreply_counts(dbsession: Session, addresses: Iterable[str], window: timedelta,
                     now: datetime) -> dict[str, int]:
    """:func:`over_autoreply_limit`'s count for several addresses in one query:
    ``{address: acknowledgements within window}`` (addresses without any are left out)."""
    wanted = set(addresses)
    if not wanted:
        return {}
    return dict(dbsession.execute(
        select(Notification.recipient, func.count()).where(
            Notification.recipient.in_(wanted),
            Notification.kind == ACKNOWLEDGEMENT,
            Notification.created_at > now - window,
        ).group_by(Notification.recipient)
    ).all())
