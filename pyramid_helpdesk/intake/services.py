"""Journalling inbound items and recording what became of them."""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..db.types import utcnow
from .models import IntakeItem, IntakeStatus

# Dialects whose INSERT knows ON CONFLICT DO NOTHING (the supported databases).
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}

QUARANTINE_PAGE = 50


class IntakeJournal:
    """The journal of one channel's raw inbound items, for one database session.

    The raw bytes are kept in the journal row itself, so the item and what became
    of it are written in one transaction: never a row without its bytes.
    """

    def __init__(self, dbsession: Session, channel: str,
                 clock: Callable[[], datetime] = utcnow):
        self.dbsession = dbsession
        self.channel = channel
        self.clock = clock

    def record(self, raw: bytes, external_id: str | None) -> tuple[IntakeItem, bool]:
        """Journal ``raw``; return the item and whether it is new (not a redelivery).

        One ``INSERT ... ON CONFLICT DO NOTHING``: a copy delivered at the same
        moment through another process is recognised without an error.
        """
        sha256 = hashlib.sha256(raw).hexdigest()
        key = (external_id or f"sha256:{sha256}")[:1000]
        insert = _INSERTS[self.dbsession.get_bind().dialect.name]
        statement = (
            insert(IntakeItem)
            .values(channel=self.channel, dedupe_key=key, sha256=sha256, size=len(raw),
                    raw=raw, status=IntakeStatus.received, summary="", attempts=0,
                    received_at=self.clock())
            .on_conflict_do_nothing(index_elements=["channel", "dedupe_key"])
            .returning(IntakeItem)
        )
        item = self.dbsession.scalars(statement).first()
        if item is None:
            return self._find(key), False
        return item, True

    def raw(self, item: IntakeItem) -> bytes:
        """The journalled bytes of ``item``."""
        return item.raw

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
