"""Journalling inbound items and recording what became of them."""
from __future__ import annotations

import hashlib
import io
from datetime import datetime
from typing import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..attachments.store import AttachmentStore, Upload
from ..db.types import utcnow
from .models import IntakeItem, IntakeStatus

QUARANTINE_PAGE = 50


class IntakeJournal:
    """The journal of one channel's raw inbound items, for one database session."""

    def __init__(self, dbsession: Session, store: AttachmentStore, channel: str,
                 clock: Callable[[], datetime] = utcnow):
        self.dbsession = dbsession
        self.store = store
        self.channel = channel
        self.clock = clock

    def record(self, raw: bytes, external_id: str | None) -> tuple[IntakeItem, bool]:
        """Journal ``raw``; return the item and whether it is new (not a redelivery)."""
        sha256 = hashlib.sha256(raw).hexdigest()
        key = (external_id or f"sha256:{sha256}")[:1000]
        existing = self._find(key)
        if existing is not None:
            return existing, False
        self.store.put(Upload("raw", "application/octet-stream", io.BytesIO(raw)))
        item = IntakeItem(channel=self.channel, dedupe_key=key, sha256=sha256, size=len(raw),
                          status=IntakeStatus.received, received_at=self.clock())
        try:
            with self.dbsession.begin_nested():
                self.dbsession.add(item)
        except IntegrityError:  # the same item arrived through another process meanwhile
            return self._find(key), False
        return item, True

    def raw(self, item: IntakeItem) -> bytes:
        """The journalled bytes of ``item``."""
        with self.store.open(item.sha256) as stored:
            return stored.read()

    def processed(self, item: IntakeItem, ticket_id: int | None, summary: str = "") -> None:
        """``item`` became (part of) ticket ``ticket_id``."""
        self._finish(item, IntakeStatus.processed, None, ticket_id, summary)

    def quarantine(self, item: IntakeItem, reason: str, summary: str = "") -> None:
        """``item`` could not become a ticket: keep it for staff with ``reason``."""
        self._finish(item, IntakeStatus.quarantined, reason[:2000], item.ticket_id, summary)

    def discard(self, item: IntakeItem, reason: str) -> None:
        """Staff decided ``item`` needs no ticket."""
        self._finish(item, IntakeStatus.discarded, reason[:2000], item.ticket_id, item.summary)

    def quarantined(self, after_id: int | None = None,
                    limit: int = QUARANTINE_PAGE) -> Sequence[IntakeItem]:
        """Quarantined items of this channel, oldest first, one keyset page."""
        query = select(IntakeItem).where(IntakeItem.channel == self.channel,
                                         IntakeItem.status == IntakeStatus.quarantined)
        if after_id is not None:
            query = query.where(IntakeItem.id > after_id)
        return self.dbsession.scalars(query.order_by(IntakeItem.id).limit(limit)).all()

    def _find(self, key: str) -> IntakeItem | None:
        return self.dbsession.scalars(select(IntakeItem).where(
            IntakeItem.channel == self.channel, IntakeItem.dedupe_key == key)).first()

    def _finish(self, item, status, reason, ticket_id, summary) -> None:
        item.status = status
        item.reason = reason
        item.ticket_id = ticket_id
        item.summary = summary[:500]
        item.attempts += 1
        item.processed_at = self.clock()
        self.dbsession.flush()
