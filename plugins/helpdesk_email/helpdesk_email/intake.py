"""One pipeline for every way mail comes in: journal, parse, thread, store.

:meth:`MailIntake.ingest` is what ``helpdesk mailgate``, ``helpdesk lmtp`` and
``helpdesk fetchmail`` call for each message, inside a transaction the caller
commits. The raw bytes are journalled first; the processing runs in a
savepoint, so a message that cannot become a ticket is quarantined with its
reason instead of being lost, and a second delivery of the same message is
recognised and makes nothing new.
"""
from __future__ import annotations

import contextlib
import gc
import io
import logging
import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from pyramid_helpdesk.attachments.store import Upload
from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.errors import DomainError, InvalidOperation, StaleTicket
from pyramid_helpdesk.intake.models import IntakeItem, IntakeStatus
from pyramid_helpdesk.intake.services import Fate, IntakeJournal
from pyramid_helpdesk.people.models import Person
from pyramid_helpdesk.people.services import (
    add_requester,
    find_by_email,
    find_or_create_requester,
    find_people_by_email,
    normalize_email,
)
from pyramid_helpdesk.tickets.models import ExternalAuthorization, Ticket, TicketStatus
from pyramid_helpdesk.tickets.services import TicketService

from .autoreply import ACKNOWLEDGEMENT, automatic_reason, autoreply_counts, over_autoreply_limit
from .matching import BatchThreads, allowed_author, find_ticket
from .parsing import MalformedMessage, ParsedMessage, parse_message
from .settings import IntakeSettings
from .spool import CHANNEL, header_message_id

log = logging.getLogger(__name__)

NO_SUBJECT = "(no subject)"


class TemporaryFailure(Exception):
    """The message could not be stored now (database unreachable): retry later."""


class Quarantine(Exception):
    """This message must wait for staff; the text is the reason shown to them."""

    def __init__(self, reason: str, summary: str = ""):
        super().__init__(reason)
        self.summary = summary


@dataclass(frozen=True)
class Outcome:
    """What one message became."""

    action: str  # created | follow-up | duplicate | quarantined
    ticket_number: str | None = None
    reason: str = ""

    def __str__(self) -> str:
        parts = [self.action, self.ticket_number or "", self.reason]
        return " ".join(p for p in parts if p)


@dataclass
class _Batch:
    """What the messages of one batch (one savepoint) read once instead of each:
    the parsed messages by item id, their senders' accounts by lower-cased address
    (``None``: no account), the acknowledgements each sender got lately, how many
    the outbox had queued to each when that was read, and the tickets and messages
    they may reply to, with those the batch has stored (which a query would see
    only once they are flushed)."""

    parsed: dict[int, ParsedMessage] = field(default_factory=dict)
    people: dict[str, Person | None] = field(default_factory=dict)
    acknowledged: dict[str, int] = field(default_factory=dict)
    queued_before: dict[str, int] = field(default_factory=dict)
    threads: BatchThreads | None = None


class MailIntake:
    """Turns raw messages into tickets and follow-ups on one database session."""

    def __init__(self, tickets: TicketService, settings: IntakeSettings,
                 clock=utcnow):
        self.tickets = tickets
        self.dbsession = tickets.dbsession
        self.settings = settings
        self.clock = clock
        self.journal = IntakeJournal(self.dbsession, CHANNEL, clock)
        self._batch: _Batch | None = None  # inside _attempt_many's batch savepoint

    def ingest(self, raw: bytes) -> Outcome:
        """Journal and process one message; raise :class:`TemporaryFailure` to be retried."""
        return self.ingest_many([raw])[0]

    def ingest_many(self, raws: Sequence[bytes],
                    parsed: Sequence[ParsedMessage | None] | None = None) -> list[Outcome]:
        """Journal and process several messages in the caller's transaction, in order.

        The raw bytes of all of them are journalled first (one INSERT); then
        each is processed (:meth:`_attempt_many`), so one that cannot become a
        ticket is quarantined without touching the others; what became of each
        is written back to the journal at the end. A database error fails them
        all together (:class:`TemporaryFailure`): the caller rolls back and
        nothing is half stored. Returns one outcome per message, in order.

        ``parsed`` may give what :func:`parse_batch` made of ``raws`` before the
        transaction began (so that a store process parses its batch while another
        one's is written); otherwise they are parsed here.
        """
        try:
            with _collector_paused(), self.tickets.batch_lookups():
                return self._ingest_many(raws, parsed)
        except DBAPIError as exc:
            raise temporary_failure(exc) from exc
        except StaleTicket as exc:
            raise _changed_meanwhile(exc) from exc

    def _ingest_many(self, raws: Sequence[bytes],
                     parsed: Sequence[ParsedMessage | None] | None) -> list[Outcome]:
        entries = self.journal.record_many([(raw, header_message_id(raw)) for raw in raws])
        waiting = [(entry.id, raw) for raw, entry in zip(raws, entries, strict=True)
                   if entry.first_in_batch and (entry.new or entry.status is IntakeStatus.received)]
        known = {} if parsed is None else {
            entry.id: found for entry, found in zip(entries, parsed, strict=True) if found}
        attempts = iter(self._attempt_many(waiting, known))
        outcomes, fates, earlier = [], [], {}
        for entry in entries:
            if not entry.first_in_batch:
                outcomes.append(Outcome("duplicate", earlier[entry.key].ticket_number))
                continue
            if not entry.new and entry.status is not IntakeStatus.received:
                outcome = Outcome("duplicate", self._number(entry.ticket_id))
            else:
                outcome, fate = next(attempts)
                fates.append(fate)
            outcomes.append(outcome)
            earlier[entry.key] = outcome
        self.journal.finish_many(fates)
        return outcomes

    def process_journalled(self, limit: int, item_id: int | None = None) -> list[Outcome]:
        """Process up to ``limit`` messages journalled but not yet processed (by
        ``helpdesk mailgate``), oldest first (or item ``item_id`` alone), in the
        caller's transaction, as :meth:`ingest_many` does. An empty list: none waits."""
        try:
            with _collector_paused(), self.tickets.batch_lookups():
                attempts = self._attempt_many(self.journal.waiting(limit, item_id))
                self.journal.finish_many(fate for _outcome, fate in attempts)
                return [outcome for outcome, _fate in attempts]
        except DBAPIError as exc:
            raise temporary_failure(exc) from exc
        except StaleTicket as exc:
            raise _changed_meanwhile(exc) from exc

    def retry(self, item: IntakeItem) -> Outcome:
        """Process a quarantined item again (after a fix, or once its sender is known)."""
        return self.process(item, self.journal.raw(item))

    def release(self, item: IntakeItem) -> Outcome:
        """Staff let a quarantined item through: it becomes a new ticket of its sender,
        whatever held it back (a loop guard, a stranger's follow-up, a bounce)."""
        return self.process(item, self.journal.raw(item), release=True)

    def discard(self, item: IntakeItem, actor_email: str) -> None:
        """Staff decided a quarantined item needs no ticket."""
        self.journal.discard(item, f"discarded by {actor_email} ({item.reason})")

    def process(self, item: IntakeItem, raw: bytes, release: bool = False) -> Outcome:
        """Turn the journalled ``item`` into a ticket or a follow-up, else quarantine it."""
        outcome, fate = self._attempt(item.id, raw, release)
        if fate.status is IntakeStatus.quarantined:
            self.journal.quarantine(item, fate.reason, fate.summary)
        else:
            self.journal.processed(item, fate.ticket_id, fate.summary)
        return outcome

    def _attempt_many(self, items: list[tuple[int, bytes]],
                      parsed: dict[int, ParsedMessage] | None = None,
                      ) -> list[tuple[Outcome, Fate]]:
        """Process several journalled ``(id, raw)`` items (``parsed`` already, by id, if
        given): the outcome and fate of each.

        Optimistically all in one savepoint and one flush: a message that must
        wait is found before anything of it is written, and needs no savepoint
        of its own; the rows of the others are written together at the end (one
        multi-row INSERT per table; a query that must see them flushes them
        earlier). If one fails while being stored or flushed, the savepoint is
        rolled back and every item is processed again, each in its own savepoint.
        """
        if len(items) > 1:
            try:
                with self.dbsession.begin_nested():
                    self._batch = self._prepare(items, parsed or {})
                    with self.tickets.deferred_flushes():
                        attempts = [self._attempt(item_id, raw, False, savepoint=False)
                                    for item_id, raw in items]
                    self.dbsession.flush()
                    return attempts
            except DBAPIError:
                raise
            except Exception:  # noqa: BLE001 - processed again below, one savepoint each
                log.info("a message failed in a batch; processing each in a savepoint")
            finally:
                self._batch = None  # what it read may have been rolled back
                self.tickets.hold_people(None)
        return [self._attempt(item_id, raw, False) for item_id, raw in items]

    def _prepare(self, items: list[tuple[int, bytes]], parsed: dict[int, ParsedMessage]) -> _Batch:
        """Parse the batch's messages (those not in ``parsed``) and read their senders'
        accounts, recent acknowledgements and what they reply to: one query each for
        the whole batch."""
        batch = _Batch()
        unparsed = [(item_id, raw) for item_id, raw in items if item_id not in parsed]
        found = parse_batch([raw for _item_id, raw in unparsed], self.settings.max_message_size,
                            self.tickets.settings.attachments_max_size)
        batch.parsed = {item_id: message for (item_id, _raw), message
                        in zip(unparsed, found, strict=True) if message is not None}
        batch.parsed.update((item_id, parsed[item_id]) for item_id, _raw in items
                            if item_id in parsed)
        senders = {parsed.from_address for parsed in batch.parsed.values()
                   if parsed.from_address}
        # With the addresses in To and Cc: a new ticket's CCs are found among them.
        addresses = senders.union(*(parsed.to + parsed.cc for parsed in batch.parsed.values()))
        found = find_people_by_email(self.dbsession, addresses)
        batch.people = {address.strip().lower(): None for address in addresses}
        batch.people.update(found)
        self.tickets.hold_people(batch.people)
        batch.acknowledged = autoreply_counts(self.dbsession, senders,
                                              self.settings.autoreply_window, self.clock())
        queued = self.tickets.outbox.queued
        batch.queued_before = {sender: queued[sender.lower(), ACKNOWLEDGEMENT]
                               for sender in senders}
        batch.threads = BatchThreads(self.dbsession, self.tickets, batch.parsed.values(),
                                     self.settings.message_id_domain)
        self.tickets.reserve_ticket_ids(sum(self._surely_new(parsed, batch.threads)
                                            for parsed in batch.parsed.values()))
        return batch

    def _surely_new(self, parsed: ParsedMessage, threads: BatchThreads) -> bool:
        """Whether ``parsed`` becomes a new ticket: it has a sender, is no bounce or
        loop, and refers to no ticket or message stored before or in its batch."""
        return bool(parsed.from_address and not parsed.is_bounce
                    and parsed.from_address != self.settings.service_address
                    and not self._is_own(parsed) and threads.finds_nothing(parsed))

    def _person(self, address: str) -> Person | None:
        """The account of ``address``, from the batch when it read it."""
        key = address.strip().lower()
        if self._batch is None or key not in self._batch.people:
            return find_by_email(self.dbsession, address)
        return self._batch.people[key]

    def _requester(self, address: str, name: str) -> Person:
        """The account of the sender of a new ticket, created as a requester if unknown."""
        if self._batch is None or address.strip().lower() not in self._batch.people:
            return find_or_create_requester(self.dbsession, address, name)
        person = self._person(address)
        if person is None:
            person = add_requester(self.dbsession, address, name)
            self._batch.people[person.email] = person
        return person

    def _attempt(self, item_id: int, raw: bytes, release: bool,
                 savepoint: bool = True) -> tuple[Outcome, Fate]:
        """Process one message: its outcome, and what the journal records.

        Deciding reads only, so a message that must wait is quarantined as it
        is; storing runs in a savepoint, unless the caller has one around a
        whole batch (``savepoint=False``: failures while storing propagate, and
        so do database errors while deciding, which may come from the rows of
        an earlier message that a query flushed).
        """
        try:
            store, summary = self._plan(raw, release, item_id)
        except (Quarantine, MalformedMessage, DomainError) as exc:
            return self._quarantined(item_id, str(exc), getattr(exc, "summary", ""))
        except DBAPIError:
            raise
        except (SQLAlchemyError, LookupError, ValueError, TypeError, OSError) as exc:
            if not savepoint and isinstance(exc, SQLAlchemyError):
                raise
            log.exception("message %s could not be processed", item_id)
            return self._quarantined(
                item_id, f"could not be processed: {type(exc).__name__}: {exc}")
        if not savepoint:
            outcome, ticket_id = store()
            return outcome, Fate(item_id, IntakeStatus.processed, ticket_id, None, summary)
        try:
            with self.dbsession.begin_nested():
                outcome, ticket_id = store()
        except StaleTicket:
            raise  # another transaction changed the ticket: stored again later, not held
        except (Quarantine, MalformedMessage, DomainError) as exc:
            return self._quarantined(item_id, str(exc), summary)
        except DBAPIError:
            raise
        except (SQLAlchemyError, LookupError, ValueError, TypeError, OSError) as exc:
            log.exception("message %s could not be processed", item_id)
            return self._quarantined(
                item_id, f"could not be processed: {type(exc).__name__}: {exc}", summary)
        return outcome, Fate(item_id, IntakeStatus.processed, ticket_id, None, summary)

    # -- the pipeline ---------------------------------------------------------------

    def _plan(self, raw: bytes, release: bool,
              item_id: int | None = None) -> tuple[Callable[[], tuple[Outcome, int]], str]:
        """Decide what ``raw`` becomes, reading only: the step that stores it, and its
        summary. A message that must wait raises :class:`Quarantine` (or cannot be
        parsed) before anything of it is written."""
        if len(raw) > self.settings.max_message_size and not release:
            raise Quarantine(f"message of {len(raw)} bytes is over the size limit")
        parsed = self._batch.parsed.get(item_id) if self._batch is not None else None
        if parsed is None:
            parsed = parse_message(raw,
                                   max_part_size=self.tickets.settings.attachments_max_size)
        summary = f"{parsed.from_address or '?'}: {parsed.subject}"
        sender = parsed.from_address
        if not sender:
            raise Quarantine("the message has no sender address", summary)
        if release:
            return (lambda: self._created(parsed, None, "released")), summary
        if sender == self.settings.service_address or self._is_own(parsed):
            raise Quarantine("the helpdesk's own message came back (mail loop)", summary)
        ticket, allowed, author = self._thread(parsed)
        if parsed.is_bounce:
            if ticket is None:
                raise Quarantine("a delivery failure report that matches no ticket", summary)
            return (lambda: self._bounce(raw, parsed, ticket)), summary
        if ticket is not None:
            if allowed and ticket.status is not TicketStatus.closed:
                return (lambda: (self._follow_up(ticket, parsed, author), ticket.id)), summary
            if not allowed and self.settings.stranger_follow_up == "quarantine":
                raise Quarantine(f"{sender} may not write on ticket {ticket.number}", summary)
        return (lambda: self._created(parsed, ticket)), summary

    def _thread(self, parsed: ParsedMessage) -> tuple[Ticket | None, bool, Person | None]:
        """The ticket ``parsed`` belongs to, if any; whether its sender may add to it,
        and the person writing, if known.

        Inside a batch, the rows of the messages before it are written only at the
        end, so nothing here flushes them: the tickets and messages it may refer to
        were read with the batch (:class:`BatchThreads`), which also knows what the
        batch stored; only an outside address's authorisation on a ticket is read
        here, and that flushes first if an authorisation is waiting to be written.
        """
        batch = self._batch
        if batch is None or batch.threads is None:
            ticket = find_ticket(self.dbsession, self.tickets, parsed,
                                 self.settings.message_id_domain)
            if ticket is None or parsed.is_bounce:
                return ticket, False, None
            return (ticket, *allowed_author(self.dbsession, ticket, parsed.from_address,
                                            self.clock(), self._person))
        with self.dbsession.no_autoflush:
            ticket = find_ticket(self.dbsession, self.tickets, parsed,
                                 self.settings.message_id_domain, batch.threads)
        if ticket is None or parsed.is_bounce:
            return ticket, False, None
        pending = any(isinstance(row, ExternalAuthorization) for row in self.dbsession.new)
        with contextlib.nullcontext() if pending else self.dbsession.no_autoflush:
            return (ticket, *allowed_author(self.dbsession, ticket, parsed.from_address,
                                            self.clock(), self._person))

    def _stored(self, parsed: ParsedMessage, ticket: Ticket) -> None:
        """Note what a later message of the batch may refer to (see :meth:`_thread`)."""
        if self._batch is not None and self._batch.threads is not None:
            self._batch.threads.stored(parsed.message_id, ticket)

    def _created(self, parsed: ParsedMessage, replaces: Ticket | None,
                 reason: str = "") -> tuple[Outcome, int]:
        created = self._create(parsed, replaces)
        self._stored(parsed, created)
        return Outcome("created", created.number, reason), created.id

    def _create(self, parsed: ParsedMessage, replaces: Ticket | None) -> Ticket:
        requester = self._requester(parsed.from_address, parsed.from_name)
        if requester.undeliverable_since is not None:  # mail from it arrives: it works again
            requester.undeliverable_since = None
        description = self._body(parsed)
        if replaces is not None and replaces.requester_id == requester.id:
            description = f"(Follow-up to the closed ticket {replaces.number}.)\n\n{description}"
        return self.tickets.create(
            requester=requester, subject=parsed.subject or NO_SUBJECT, description=description,
            channel=CHANNEL, cc=self._cc(parsed, requester.email),
            attachments=self._uploads(parsed), email_message_id=parsed.message_id,
            body_html=parsed.html, acknowledge=self._acknowledge(parsed),
        )

    def _follow_up(self, ticket: Ticket, parsed: ParsedMessage, author) -> Outcome:
        if author is not None and author.undeliverable_since is not None:
            author.undeliverable_since = None
        self.tickets.reply(
            ticket, author=author, author_address=None if author else parsed.from_address,
            body=self._body(parsed), body_html=parsed.html,
            attachments=self._uploads(parsed), email_message_id=parsed.message_id,
        )
        self._stored(parsed, ticket)
        return Outcome("follow-up", ticket.number)

    def _bounce(self, raw: bytes, parsed: ParsedMessage, ticket: Ticket) -> tuple[Outcome, int]:
        """A bounce of our own notification goes on its ticket, and the address that
        failed is marked undeliverable (any other bounce is quarantined by _plan)."""
        failed = failed_recipients(raw)
        for address in failed:
            person = find_by_email(self.dbsession, address)
            if person is not None and person.undeliverable_since is None:
                person.undeliverable_since = self.clock()
        who = ", ".join(failed) or "an unknown recipient"
        self.tickets.note(ticket, author=None,
                          body=f"Delivery to {who} failed:\n\n{parsed.text}")
        return Outcome("follow-up", ticket.number, "bounce"), ticket.id

    # -- details -----------------------------------------------------------------

    def _is_own(self, parsed: ParsedMessage) -> bool:
        loop = parsed.headers.get("x-helpdesk-loop", "").strip().lower()
        return loop == self.settings.message_id_domain.lower()

    def _acknowledge(self, parsed: ParsedMessage) -> bool:
        reason = automatic_reason(parsed)
        if reason is not None:
            log.info("no acknowledgement to %s: %s", parsed.from_address, reason)
            return False
        address, limit = parsed.from_address, self.settings.autoreply_limit
        batch = self._batch
        if batch is not None and address in batch.queued_before:
            # What was read when the batch began and what it queued since. A count can
            # only fall as time passes: at worst an acknowledgement that left the window
            # in the second since is still counted (one reply fewer, the safe side).
            queued = self.tickets.outbox.queued[address.lower(), ACKNOWLEDGEMENT]
            sent = batch.acknowledged.get(address, 0) + queued - batch.queued_before[address]
            return sent < limit
        return not over_autoreply_limit(
            self.dbsession, address, limit, self.settings.autoreply_window, self.clock())

    def _cc(self, parsed: ParsedMessage, requester: str) -> list[str]:
        if not self.settings.cc_from_mail:
            return []
        skip = {requester, self.settings.service_address}
        return [a for a in (*parsed.to, *parsed.cc) if a not in skip and _plausible(a)]

    @staticmethod
    def _body(parsed: ParsedMessage) -> str:
        lines = [parsed.text.strip()]
        for part in parsed.skipped:
            lines.append(f"[Not stored: {part.filename or part.content_type} "
                         f"({part.size} bytes): {part.reason}]")
        return "\n\n".join(line for line in lines if line)

    @staticmethod
    def _uploads(parsed: ParsedMessage) -> list[Upload]:
        return [Upload(a.filename or "attachment", a.content_type, io.BytesIO(a.content))
                for a in parsed.attachments]

    @staticmethod
    def _quarantined(item_id: int, reason: str, summary: str = "") -> tuple[Outcome, Fate]:
        return (Outcome("quarantined", None, reason),
                Fate(item_id, IntakeStatus.quarantined, None, reason, summary))

    def _number(self, ticket_id: int | None) -> str | None:
        if ticket_id is None:
            return None
        return self.dbsession.scalar(select(Ticket.number).where(Ticket.id == ticket_id))


_FAILED_RECIPIENT = re.compile(
    rb"^(?:Final-Recipient|Original-Recipient|X-Failed-Recipients):\s*(?:rfc822;)?\s*<?([^\s<>;]+@[^\s<>;]+)>?",
    re.IGNORECASE | re.MULTILINE)


def parse_batch(raws: Sequence[bytes], max_message_size: int,
                max_part_size: int | None) -> list[ParsedMessage | None]:
    """What a batch's first step makes of each of ``raws``, without the database: the
    parsed message, or ``None`` when it is over ``max_message_size`` or cannot be parsed
    (the message's own step then decides, and quarantines it with the reason)."""
    found: list[ParsedMessage | None] = []
    with _collector_paused():  # what is parsed lives until the batch is stored
        for raw in raws:
            try:
                found.append(parse_message(raw, max_part_size=max_part_size)
                             if len(raw) <= max_message_size else None)
            except Exception:  # noqa: BLE001 - parsed again by MailIntake._plan, which decides
                found.append(None)
    return found


@contextlib.contextmanager
def _collector_paused():
    """The cyclic garbage collector paused while a batch is processed.

    A batch of messages allocates hundreds of thousands of objects (parse trees,
    ORM states) that live until it ends: the collector would walk them again
    and again (about a third of a collection per message) and find nearly
    nothing, since reference counting frees the rest. The few cycles a batch
    leaves are collected by the first collection after it; a batch is at most
    ``helpdesk.email.batch_size`` messages, so memory stays bounded. Left
    paused when it was paused already (another batch in this process).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _changed_meanwhile(exc: StaleTicket) -> TemporaryFailure:
    """The retry-later failure for a ticket another transaction changed meanwhile (a
    reply to it stored at the same moment by another process): the message is
    stored again, in a new transaction that reads the ticket as it is now."""
    return TemporaryFailure(f"ticket {exc.number} was changed by another transaction "
                            "at the same moment")


def temporary_failure(exc: DBAPIError) -> TemporaryFailure:
    """The retry-later failure for a database error, with its first line."""
    lines = str(exc.orig).strip().splitlines() or [type(exc.orig).__name__]
    return TemporaryFailure(f"database: {lines[0]}")


def failed_recipients(raw: bytes) -> list[str]:
    """The addresses a delivery status notification reports as failed."""
    found = (m.group(1).decode("ascii", "replace").lower() for m in _FAILED_RECIPIENT.finditer(raw))
    return list(dict.fromkeys(found))


def _plausible(address: str) -> bool:
    """Addresses the lifecycle accepts as CCs (malformed ones are dropped, not fatal)."""
    try:
        normalize_email(address)
    except InvalidOperation:
        return False
    return True

