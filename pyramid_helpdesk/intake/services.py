"""Journalling inbound items and recording what became of them."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable, Sequence

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..db.types import utcnow
from .models import IntakeItem, IntakeStatus

# Dialects whose INSERT knows ON CONFLICT DO NOTHING (the supported databases).
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}

QUARANTINE_PAGE = 50
BACKLOG_CAP = 1000  # waiting items counted one by one, at most


def journal_key(raw: bytes, external_id: str | None) -> tuple[str, str]:
    """The dedupe key of ``raw`` (the sender's identifier, else ``sha256:<digest>``) and
    its SHA-256 digest (``helpdesk mailgate`` derives the same without this module)."""
    sha256 = hashlib.sha256(raw).hexdigest()
    return (external_id or f"sha256:{sha256}")[:1000], sha256


@dataclass(frozen=True)
class JournalEntry:
    """Where one raw item stands in the journal (the batch form of :meth:`IntakeJournal.record`).

    ``new`` is false for a redelivery: an item with the same key was journalled
    before (``status`` and ``ticket_id`` say what became of it) or earlier in
    the same batch (``first_in_batch`` is then false).
    """

    id: int
    key: str
    new: bool
    status: IntakeStatus
    ticket_id: int | None
    first_in_batch: bool = True


@dataclass(frozen=True)
class Backlog:
    """Items journalled and not yet processed: ``count`` (at most the cap asked for,
    ``more`` when there are more) and when the ``oldest`` was received."""

    count: int
    more: bool
    oldest: datetime | None


@dataclass(frozen=True)
class Fate:
    """What became of one journalled item, written back by :meth:`IntakeJournal.finish_many`."""

    item_id: int
    status: IntakeStatus
    ticket_id: int | None = None
    reason: str | None = None
    summary: str = ""


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
        key, sha256 = journal_key(raw, external_id)
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

    def record_many(self, items: Sequence[tuple[bytes, str | None]]) -> list[JournalEntry]:
        """Journal several ``(raw, external_id)`` items with one ``executemany``.

        The same contract as :meth:`record`, item by item, in the caller's
        transaction; an item whose key repeats one earlier in ``items`` is
        a redelivery of it. Returns one entry per item, in order.

        The statement is compiled once and cached; SQLAlchemy sends its rows as
        multi-row INSERTs ("insertmanyvalues", batches within the database's
        parameter limit). A statement with the rows in its VALUES would be
        built and compiled again for every batch (a tenth of a batch's time).
        """
        prepared = [(*journal_key(raw, external_id), raw) for raw, external_id in items]
        rows, seen = [], set()
        for key, sha256, raw in prepared:
            if key not in seen:
                seen.add(key)
                rows.append({"channel": self.channel, "dedupe_key": key, "sha256": sha256,
                             "size": len(raw), "raw": raw, "status": IntakeStatus.received,
                             "summary": "", "attempts": 0, "received_at": self.clock()})
        insert = _INSERTS[self.dbsession.get_bind().dialect.name]
        # An ORM statement (on the mapped class, not its table): the session records
        # that it wrote, so the transaction manager commits even when nothing else is
        # flushed (a batch of quarantined messages); a Core one would be rolled back.
        statement = (insert(IntakeItem)
                     .on_conflict_do_nothing(index_elements=["channel", "dedupe_key"])
                     .returning(IntakeItem.id, IntakeItem.dedupe_key))
        # A redelivery's row is not inserted and returns nothing: rows are matched
        # by key, not by position.
        inserted = {key: item_id for item_id, key in self.dbsession.execute(statement, rows)}
        known = self._states(seen.difference(inserted))
        entries, first = [], set()
        for key, _sha256, _raw in prepared:
            first_in_batch = key not in first
            first.add(key)
            if key in inserted:
                entries.append(JournalEntry(inserted[key], key, first_in_batch,
                                            IntakeStatus.received, None, first_in_batch))
            else:
                item_id, status, ticket_id = known[key]
                entries.append(JournalEntry(item_id, key, False, status, ticket_id,
                                            first_in_batch))
        return entries

    def finish_many(self, fates: Iterable[Fate]) -> None:
        """Write what became of several items: one UPDATE per kind of outcome."""
        processed, quarantined = [], []
        for fate in fates:
            params = {"item_id": fate.item_id, "status": fate.status, "reason": fate.reason,
                      "summary": fate.summary[:500], "now": self.clock()}
            if fate.status is IntakeStatus.processed:
                processed.append({**params, "ticket_id": fate.ticket_id})
            else:
                params["reason"] = (fate.reason or "")[:2000]
                quarantined.append(params)
        table = IntakeItem.__table__
        values = {"status": bindparam("status"), "reason": bindparam("reason"),
                  "summary": bindparam("summary"), "attempts": table.c.attempts + 1,
                  "processed_at": bindparam("now")}
        for rows, extra in ((processed, {"ticket_id": bindparam("ticket_id")}),
                            (quarantined, {})):
            if rows:
                self.dbsession.execute(
                    update(table).where(table.c.id == bindparam("item_id"))
                    .values(**values, **extra), rows)

    def waiting(self, limit: int, item_id: int | None = None) -> list[tuple[int, bytes]]:
        """``(id, raw)`` of up to ``limit`` items journalled but not yet processed (or of
        item ``item_id`` alone, if it is one), oldest first, locked for this transaction
        (on PostgreSQL, items another processor has locked are skipped)."""
        table = IntakeItem.__table__
        query = select(table.c.id, table.c.raw).where(
            table.c.channel == self.channel, table.c.status == IntakeStatus.received)
        if item_id is not None:
            query = query.where(table.c.id == item_id)
        return [(found, raw) for found, raw in self.dbsession.execute(
            query.order_by(table.c.id).limit(limit).with_for_update(skip_locked=True))]

    def backlog(self, cap: int = BACKLOG_CAP) -> Backlog:
        """How many items wait to be processed (counted up to ``cap``) and when the
        oldest of them was received: what staff see of a worker that does not run."""
        table = IntakeItem.__table__
        waiting = select(table.c.id, table.c.received_at).where(
            table.c.channel == self.channel, table.c.status == IntakeStatus.received)
        count = self.dbsession.scalar(
            select(func.count()).select_from(waiting.limit(cap + 1).subquery()))
        oldest = self.dbsession.scalar(
            select(waiting.order_by(table.c.id).limit(1).subquery().c.received_at))
        return Backlog(min(count, cap), count > cap, oldest)

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

    def _states(self, keys: set[str]) -> dict[str, tuple[int, IntakeStatus, int | None]]:
        """``{key: (id, status, ticket_id)}`` of this channel's items with these keys."""
        if not keys:
            return {}
        table = IntakeItem.__table__
        # Locked: an item another transaction is processing is read once that one ends.
        rows = self.dbsession.execute(
            select(table.c.dedupe_key, table.c.id, table.c.status, table.c.ticket_id)
            .where(table.c.channel == self.channel, table.c.dedupe_key.in_(keys))
            .with_for_update())
        return {key: (item_id, IntakeStatus(status), ticket_id)
                for key, item_id, status, ticket_id in rows}

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
