"""Writing notifications to the outbox, in the transaction of the change."""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from sqlalchemy.orm import Session

from .models import Notification


class Outbox:
    """Adds one outbox row per recipient and active notifier; ``helpdesk worker`` sends them."""

    def __init__(self, dbsession: Session, notifier_names: Iterable[str]):
        self.dbsession = dbsession
        self.notifier_names = tuple(notifier_names)
        #: Rows queued through this outbox by ``(lower-cased address, kind)``, rolled back
        #: or not: what a count of notifications read before the change does not show.
        self.queued: Counter[tuple[str, str]] = Counter()

    def enqueue(
        self,
        kind: str,
        recipients: Iterable[str],
        subject: str,
        body: str,
        *,
        ticket_id: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> list[Notification]:
        """Queue a message to each distinct recipient through every active notifier."""
        rows = []
        for recipient in dict.fromkeys(r for r in recipients if r):
            self.queued[recipient.lower(), kind] += len(self.notifier_names)
            for notifier in self.notifier_names:
                row = Notification(
                    notifier=notifier, kind=kind, ticket_id=ticket_id, recipient=recipient,
                    subject=subject[:255], body=body, data=dict(data or {}),
                )
                self.dbsession.add(row)
                rows.append(row)
        return rows
