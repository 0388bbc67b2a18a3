"""The ticket lifecycle: the one place that changes a ticket.

Every channel (web form, e-mail, phone log, API, command line) calls these
methods. Each operation checks the transition, writes exactly one
:class:`TicketEvent`, fires its hook, and flushes; it never commits. A caller
that passes ``expected_version`` (the version the user saw) gets
:class:`StaleTicket` instead of overwriting a change made meanwhile.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Iterator, Sequence

from sqlalchemy import Integer, Table, event, func, inspect, literal, select, union_all, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..attachments.models import Attachment
from ..attachments.store import AttachmentStore, Upload
from ..db import holds_write_lock
from ..db.types import utcnow
from ..errors import InvalidOperation, StaleTicket, TransitionNotAllowed
from ..groups.models import ServiceGroup
from ..groups.services import first_line_group_id
from ..notifications.models import Notification
from ..notifications.services import Outbox
from ..people.models import Person
from ..people.services import find_by_email, find_people_by_email, normalize_email
from ..plugin.context import HookContext
from ..plugin.registry import PluginRegistry
from ..routing import RoutingDecision, decide
from ..settings import HelpdeskSettings
from .models import (
    EventKind,
    ExternalAuthorization,
    Message,
    MessageKind,
    Priority,
    Ticket,
    TicketCC,
    TicketEvent,
    TicketStatus,
)

S = TicketStatus

# Which operation may move a ticket from which status to which.
TRANSITIONS: dict[str, dict[TicketStatus, TicketStatus]] = {
    "submit": {S.draft: S.new},
    # Only until the first staff reply (see TicketService.edit).
    "edit": {S.draft: S.draft, S.new: S.new, S.open: S.open, S.pending: S.pending},
    "dispatch": {S.new: S.open, S.open: S.open, S.pending: S.pending},
    "forward": {S.new: S.open, S.open: S.open, S.pending: S.pending},
    "take": {S.new: S.open, S.open: S.open, S.pending: S.pending},
    "reply": {S.new: S.new, S.open: S.open, S.pending: S.pending, S.resolved: S.resolved},
    "requester reply": {S.new: S.new, S.open: S.open, S.pending: S.open, S.resolved: S.open},
    "note": {S.new: S.new, S.open: S.open, S.pending: S.pending, S.resolved: S.resolved,
             S.closed: S.closed},
    "set pending": {S.new: S.pending, S.open: S.pending},
    "resolve": {S.new: S.resolved, S.open: S.resolved, S.pending: S.resolved},
    "close": {S.resolved: S.closed},
    "reopen": {S.resolved: S.open},
    "nudge": {S.new: S.new, S.open: S.open, S.pending: S.pending},
    "change": {S.new: S.new, S.open: S.open, S.pending: S.pending, S.resolved: S.resolved},
    "merge": {S.new: S.closed, S.open: S.closed, S.pending: S.closed, S.resolved: S.closed},
}

#: How many merges :meth:`TicketService.get` follows at most (a merged ticket's
#: target can itself be merged later).
MAX_MERGE_HOPS = 10

DEFAULT_AUTHORIZATION_PERIOD = timedelta(days=30)


def _numbered_table(cls: type) -> Table | None:
    """The table of ``cls`` if its rows are keyed by one integer ``id``, else ``None``."""
    mapper = inspect(cls)
    key = mapper.primary_key[0]
    if (len(mapper.primary_key) == 1 and key.key == "id" and isinstance(key.type, Integer)
            and isinstance(mapper.local_table, Table)):
        return mapper.local_table
    return None


#: :func:`_numbered_table` by mapped class, as the first flush of each class found it.
_NUMBERED_TABLES: dict[type, Table | None] = {}
#: The tables every new ticket writes to (SQLite: their next ids are read together).
_NEW_TICKET_TABLES = (Ticket.__table__, Message.__table__, TicketEvent.__table__,
                      Notification.__table__)


@dataclass(frozen=True)
class Holder:
    """Who holds a ticket: a group, a person, both, or neither."""

    group_id: int | None
    person_id: int | None


class TicketService:
    """Lifecycle operations on tickets, for one database session."""

    def __init__(
        self,
        dbsession: Session,
        settings: HelpdeskSettings,
        plugins: PluginRegistry,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.dbsession = dbsession
        self.settings = settings
        self.plugins = plugins
        self.clock = clock
        self.outbox = Outbox(dbsession, plugins.notifiers)
        self.store = AttachmentStore(settings.attachments_dir, settings.attachments_max_size)
        self._lookups: dict[str, Any] | None = None  # see batch_lookups
        self._flushes_deferred = False  # see deferred_flushes

    @contextlib.contextmanager
    def batch_lookups(self) -> Iterator[None]:
        """Within the block, look up what a batch of operations in one transaction
        shares (the first-line group) once instead of once per ticket, and hold it.

        New rows also get their ids before they are flushed (see
        :meth:`_number_new_rows`), so that a table's new rows go in with one
        ``executemany`` without RETURNING: SQLite cannot say which id RETURNING
        gave which row of a multi-row INSERT (without ids each row would be an
        INSERT of its own), and on PostgreSQL a multi-row INSERT with RETURNING
        is one long statement the driver must rewrite for every batch.
        """
        self.dbsession.flush()  # what the caller left pending: the batch reads after it
        self._lookups = {}
        numbering = self.dbsession.get_bind().dialect.name in ("sqlite", "postgresql")
        if numbering:
            event.listen(self.dbsession, "before_flush", self._number_new_rows)
        try:
            yield
        finally:
            if numbering:
                event.remove(self.dbsession, "before_flush", self._number_new_rows)
            self._lookups = None

    @contextlib.contextmanager
    def deferred_flushes(self) -> Iterator[None]:
        """Within the block, operations leave their rows pending instead of flushing
        each; the caller flushes once at the end, so that a run of operations goes in
        with one multi-row INSERT per table (the relationships of the models order
        the tables). Queries still flush what is pending before they run.

        A concurrent change to a ticket then surfaces at the caller's flush as
        :class:`~sqlalchemy.orm.exc.StaleDataError`, not as :class:`StaleTicket`:
        for batches that redo their work one operation at a time when it fails.
        """
        self._flushes_deferred = True
        try:
            yield
        finally:
            self._flushes_deferred = False

    def reserve_ticket_ids(self, count: int) -> None:
        """Inside :meth:`batch_lookups`, announce ``count`` tickets about to be created:
        on PostgreSQL their ids are taken from the sequence at once (one statement
        instead of one per ticket); they are used in order before any other, so ids
        keep the order of creation, and an id not used is a gap, as after a rollback.
        Elsewhere this does nothing."""
        if (self._lookups is None or count < 1
                or self.dbsession.get_bind().dialect.name != "postgresql"):
            return
        self._lookups.setdefault("reserved_ticket_ids", []).extend(self._sequence_values(count))

    def hold_people(self, people: dict[str, Person | None] | None) -> None:
        """Inside :meth:`batch_lookups`: the accounts a batch read at once, by lower-cased
        address (``None``: the address had none), which the caller keeps up to date as
        it adds people. A new ticket's CCs are then found there instead of read. The
        caller lets go of them (``people=None``) when its batch ends: rolled back, the
        people it added are gone."""
        if self._lookups is None:
            return
        if people is None:
            self._lookups.pop("people", None)
        else:
            self._lookups["people"] = people

    # -- lookups ------------------------------------------------------------

    def get(self, number: str, follow_merges: bool = False) -> Ticket | None:
        """The ticket with this human number, if any; with ``follow_merges``, the
        ticket a merged duplicate now lives in (what replies to it should join)."""
        if "\x00" in number:  # no ticket's; PostgreSQL text cannot even compare with it
            return None
        ticket = self.dbsession.scalars(select(Ticket).where(Ticket.number == number)).first()
        return self.merge_target(ticket) if follow_merges and ticket is not None else ticket

    def merge_target(self, ticket: Ticket) -> Ticket:
        """``ticket`` itself, or the ticket it was merged into (following later merges)."""
        for _hop in range(MAX_MERGE_HOPS):
            if ticket.merged_into_id is None:
                break
            ticket = self.dbsession.get(Ticket, ticket.merged_into_id)
        return ticket

    def messages(self, ticket: Ticket, include_internal: bool) -> Sequence[Message]:
        """The conversation in order; internal notes only when asked for."""
        query = select(Message).where(Message.ticket_id == ticket.id)
        if not include_internal:
            query = query.where(Message.kind != MessageKind.internal)
        return self.dbsession.scalars(query.order_by(Message.id)).all()

    def events(self, ticket: Ticket) -> Sequence[TicketEvent]:
        """The ticket's flow, oldest first."""
        return self.dbsession.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
        ).all()

    def attachments(self, ticket: Ticket) -> Sequence[Attachment]:
        """The ticket's attachments, oldest first (without those its requester removed)."""
        return self.dbsession.scalars(
            select(Attachment)
            .where(Attachment.ticket_id == ticket.id, Attachment.removed_at.is_(None))
            .order_by(Attachment.id)
        ).all()

    def description_message(self, ticket: Ticket) -> Message | None:
        """The first message: the description the requester wrote."""
        return self.dbsession.scalars(
            select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id).limit(1)
        ).first()

    @staticmethod
    def is_editable(ticket: Ticket) -> bool:
        """A draft, or a submitted ticket that is active and not yet answered by staff."""
        return ticket.status in TRANSITIONS["edit"] and (
            ticket.status is S.draft or ticket.first_response_at is None)

    # -- operations -----------------------------------------------------------

    def create(
        self,
        *,
        requester: Person,
        subject: str,
        channel: str,
        description: str = "",
        actor: Person | None = None,
        category: str | None = None,
        priority: Priority = Priority.normal,
        cc: Iterable[str] = (),
        attachments: Iterable[Upload] = (),
        email_message_id: str | None = None,
        body_html: str | None = None,
        acknowledge: bool = True,
        draft: bool = False,
    ) -> Ticket:
        """Create a ticket, record it, then route it (or leave it to first line).

        ``acknowledge=False`` asks that no automatic acknowledgement be sent (the
        channel knows the request came from a machine); it is recorded in the
        ``created`` event's detail for the notification plugins.

        ``draft=True`` saves a draft instead: no number, no routing, no hook,
        seen by its requester alone, until :meth:`submit`.
        """
        subject = " ".join(subject.split())
        if not subject:
            raise InvalidOperation("a ticket needs a subject")
        if channel not in self.plugins.channels:
            raise InvalidOperation(f"unknown channel {channel!r}")
        if category is not None and category not in self.settings.categories:
            raise InvalidOperation(f"unknown category {category!r}")
        cc_addresses = self._cc_addresses(cc, exclude=requester.email)
        now = self.clock()
        ticket = Ticket(
            subject=subject[:255], description=description, channel=channel,
            requester=requester, category=category, priority=Priority(priority),
            status=S.draft if draft else S.new,
            holder_group_id=None if draft else self._first_line_group_id(),
            created_at=now, updated_at=now, held_since=now, cc=[],
        )
        ticket_id = None if draft else self._next_ticket_id()
        if ticket_id is not None:  # the number goes in with the INSERT: no UPDATE
            ticket.id = ticket_id
            ticket.number = self.settings.ticket_number(ticket_id, now.year)
        self.dbsession.add(ticket)
        if ticket_id is None:  # the INSERT gives the id its rows and number need
            self.dbsession.flush()
            if not draft:
                ticket.number = self.settings.ticket_number(ticket.id, now.year)
        if cc_addresses:
            people = self._people_by_email(cc_addresses)
            for address in cc_addresses:
                person = people.get(address)
                ticket.cc.append(TicketCC(email=address,
                                          person_id=person.id if person else None))
        message = Message(
            ticket_id=ticket.id, kind=MessageKind.public, author=requester, body=description,
            body_html=body_html, email_message_id=email_message_id, created_at=now,
        )
        self.dbsession.add(message)
        self._store_attachments(ticket, message, attachments)
        if draft:
            self._record(ticket, EventKind.drafted, actor, now, to_status=S.draft,
                         message=message, detail={"channel": channel})
            return ticket
        self._enter_workflow(ticket, actor, now, message,
                             {"channel": channel, "acknowledge": acknowledge})
        return ticket

    def submit(self, ticket: Ticket, *, actor: Person | None,
               expected_version: int | None = None) -> Ticket:
        """Submit a draft: it gets its number and is created (hook, routing) now."""
        now = self._begin(ticket, "submit", expected_version)
        ticket.status = S.new
        ticket.holder_group_id = self._first_line_group_id()
        ticket.created_at = ticket.updated_at = ticket.held_since = now
        ticket.number = self.settings.ticket_number(ticket.id, now.year)
        message = self.description_message(ticket)
        if message is not None:
            message.created_at = now
        self._enter_workflow(ticket, actor, now, message,
                             {"channel": ticket.channel, "acknowledge": True, "draft": True})
        self._flush(ticket)
        return ticket

    def edit(
        self, ticket: Ticket, *, actor: Person, subject: str | None = None,
        description: str | None = None, category: str | None = None,
        cc: Iterable[str] | None = None, add_attachments: Iterable[Upload] = (),
        remove_attachments: Iterable[int] = (), expected_version: int | None = None,
    ) -> TicketEvent | None:
        """The requester changes a draft, or a submitted ticket until staff first reply.

        ``None`` leaves a field as it is (``category=""`` clears it); the
        attachments in ``remove_attachments`` (ids) are marked removed, not
        deleted. Records one ``edited`` event whose detail holds each change
        (``[old, new]`` for text, file names for attachments) and fires
        ``helpdesk_ticket_edited`` for a submitted ticket. Nothing changed:
        nothing is recorded and ``None`` is returned.
        """
        now = self._begin(ticket, "edit", expected_version)
        if actor.id != ticket.requester_id:
            raise InvalidOperation("only the requester can edit a ticket")
        if not self.is_editable(ticket):
            raise InvalidOperation("staff have answered this ticket: reply instead of editing")
        changes = self._apply_edits(ticket, now, subject, description, category, cc)
        added = list(add_attachments)
        if added:
            self._store_attachments(ticket, self.description_message(ticket), added, now)
            changes["attachments_added"] = [upload.filename[:255] for upload in added]
        removed = self._remove_attachments(ticket, set(remove_attachments), now)
        if removed:
            changes["attachments_removed"] = removed
        if not changes:
            return None
        ticket.updated_at = now
        event = self._record(ticket, EventKind.edited, actor, now, detail=changes)
        if ticket.status is not S.draft:
            self.hook.helpdesk_ticket_edited(ticket=ticket, event=event, changes=changes,
                                             helpdesk=self.hook_context(now))
        self._flush(ticket)
        return event

    def dispatch(
        self, ticket: Ticket, *, actor: Person, group: ServiceGroup | None = None,
        person: Person | None = None, expected_version: int | None = None, note: str = "",
    ) -> TicketEvent:
        """Hand the ticket to a group and/or a person (first line's dispatch)."""
        return self._move(ticket, "dispatch", EventKind.dispatched, actor, group, person,
                          expected_version, {"note": note} if note else {})

    def take(self, ticket: Ticket, *, actor: Person,
             expected_version: int | None = None) -> TicketEvent:
        """The acting staff member takes the ticket (keeping its group)."""
        if not actor.is_staff:
            raise InvalidOperation("only staff can take a ticket")
        group = self.dbsession.get(ServiceGroup, ticket.holder_group_id) \
            if ticket.holder_group_id else None
        return self._move(ticket, "take", EventKind.taken, actor, group, actor,
                          expected_version, {})

    def forward(
        self, ticket: Ticket, *, actor: Person, group: ServiceGroup | None = None,
        person: Person | None = None, address: str | None = None, note: str = "",
        expected_version: int | None = None,
        valid_for: timedelta = DEFAULT_AUTHORIZATION_PERIOD,
    ) -> TicketEvent:
        """Forward to a person, a group, or an outside address allowed to reply to this ticket."""
        detail = {"note": note} if note else {}
        if address is None:
            return self._move(ticket, "forward", EventKind.forwarded, actor, group, person,
                              expected_version, detail)
        if group is not None or person is not None:
            raise InvalidOperation("forward to an address, or to a group/person, not both")
        address = normalize_email(address)
        now = self._begin(ticket, "forward", expected_version)
        self.dbsession.add(ExternalAuthorization(
            ticket_id=ticket.id, email=address, granted_by_id=actor.id, created_at=now,
            expires_at=now + valid_for,
        ))
        ticket.updated_at = now
        event = self._record(ticket, EventKind.forwarded, actor, now, to_address=address,
                             detail=detail)
        self.hook.helpdesk_ticket_forwarded(ticket=ticket, event=event,
                                        helpdesk=self.hook_context(now))
        self._flush(ticket)
        return event

    def reply(
        self, ticket: Ticket, *, body: str, author: Person | None = None,
        author_address: str | None = None, attachments: Iterable[Upload] = (),
        body_html: str | None = None, email_message_id: str | None = None,
        expected_version: int | None = None,
    ) -> Message:
        """Add a public message; a requester-side reply reopens a pending or resolved ticket."""
        if author is None and not author_address:
            raise InvalidOperation("a reply needs an author or an author address")
        staff = author is not None and author.is_staff and author.id != ticket.requester_id
        operation = "reply" if staff else "requester reply"
        return self._add_message(ticket, operation, EventKind.replied, MessageKind.public, body,
                                 author, author_address, attachments, body_html,
                                 email_message_id, expected_version, first_response=staff)

    def note(
        self, ticket: Ticket, *, author: Person | None, body: str,
        attachments: Iterable[Upload] = (), expected_version: int | None = None,
    ) -> Message:
        """Add an internal note that only staff can read (``author=None``: the helpdesk's own)."""
        if author is not None and not author.is_staff:
            raise InvalidOperation("only staff can add internal notes")
        return self._add_message(ticket, "note", EventKind.noted, MessageKind.internal, body,
                                 author, None, attachments, None, None, expected_version)

    def set_pending(self, ticket: Ticket, *, actor: Person,
                    expected_version: int | None = None) -> TicketEvent:
        """Wait for the requester."""
        return self._change_status(ticket, "set pending", EventKind.pending, actor,
                                   expected_version)

    def resolve(self, ticket: Ticket, *, actor: Person | None,
                expected_version: int | None = None) -> TicketEvent:
        """Mark the problem solved (staff, or the requester themself)."""
        return self._change_status(ticket, "resolve", EventKind.resolved, actor, expected_version)

    def close(self, ticket: Ticket, *, actor: Person | None,
              expected_version: int | None = None) -> TicketEvent:
        """Close a resolved ticket for good."""
        return self._change_status(ticket, "close", EventKind.closed, actor, expected_version)

    def reopen(self, ticket: Ticket, *, actor: Person | None,
               expected_version: int | None = None) -> TicketEvent:
        """Reopen a resolved ticket."""
        return self._change_status(ticket, "reopen", EventKind.reopened, actor, expected_version)

    def change(self, ticket: Ticket, *, actor: Person, priority: Priority | str | None = None,
               category: str | None = None,
               expected_version: int | None = None) -> TicketEvent | None:
        """Staff change a ticket's priority and/or category.

        ``None`` leaves a field as it is; ``category=""`` clears the category.
        Records one ``changed`` event whose detail maps each changed field to
        ``[old, new]`` and fires ``helpdesk_ticket_changed``; nothing changed:
        nothing is recorded and ``None`` is returned.
        """
        if not actor.is_staff:
            raise InvalidOperation("only staff can change priority or category")
        now = self._begin(ticket, "change", expected_version)
        changes: dict[str, Any] = {}
        if priority is not None:
            try:
                priority = Priority(priority)
            except ValueError:
                raise InvalidOperation(f"unknown priority {priority!r}") from None
            if priority is not ticket.priority:
                changes["priority"] = [ticket.priority.value, priority.value]
                ticket.priority = priority
        if category is not None:
            category = self._checked_category(category)
            if category != ticket.category:
                changes["category"] = [ticket.category, category]
                ticket.category = category
        if not changes:
            return None
        ticket.updated_at = now
        event = self._record(ticket, EventKind.changed, actor, now, detail=changes)
        self.hook.helpdesk_ticket_changed(ticket=ticket, event=event, changes=changes,
                                          helpdesk=self.hook_context(now))
        self._flush(ticket)
        return event

    def merge(self, duplicate: Ticket, *, into: Ticket, actor: Person,
              expected_version: int | None = None,
              into_version: int | None = None) -> TicketEvent:
        """Merge a duplicate into another ticket.

        The duplicate's messages, attachments and outside authorisations move to
        ``into``; its requester and CCs become CCs of ``into`` (unless already its
        requester or CCs). The duplicate is closed with ``merged_into_id``
        pointing at ``into``, so its number leads there (:meth:`get` with
        ``follow_merges``: mail replying to the duplicate joins ``into``). Both
        tickets record a ``merged`` event (``{"into": number}`` on the duplicate,
        ``{"from": number, "messages": n, "cc_added": [...]}`` on ``into``);
        ``helpdesk_ticket_merged`` fires. ``into_version`` checks ``into`` as
        ``expected_version`` checks the duplicate.
        """
        if not actor.is_staff:
            raise InvalidOperation("only staff can merge tickets")
        if into.id == duplicate.id:
            raise InvalidOperation("a ticket cannot be merged into itself")
        if into.status in (S.draft, S.closed):
            raise InvalidOperation(f"ticket {into.number} is {into.status.value}: "
                                   "merge into a ticket that is not closed")
        now = self._begin(duplicate, "merge", expected_version)
        if into_version is not None and into.version != into_version:
            raise StaleTicket(into.number, into_version, into.version)
        moved = {}
        for model in (Message, Attachment, ExternalAuthorization):
            result = self.dbsession.execute(
                update(model).where(model.ticket_id == duplicate.id).values(ticket_id=into.id))
            moved[model] = result.rowcount
        taken = {into.requester.email.lower(), *(entry.email for entry in into.cc)}
        cc_added = []
        for address, person_id in [(duplicate.requester.email.lower(), duplicate.requester_id),
                                   *((entry.email, entry.person_id) for entry in duplicate.cc)]:
            if address not in taken:
                taken.add(address)
                cc_added.append(address)
                into.cc.append(TicketCC(email=address, person_id=person_id))
        duplicate.cc = []
        old_status = duplicate.status
        duplicate.status = TRANSITIONS["merge"][old_status]
        duplicate.merged_into_id = into.id
        duplicate.closed_at = duplicate.updated_at = into.updated_at = now
        event = self._record(duplicate, EventKind.merged, actor, now, flush=False,
                             from_status=old_status, to_status=duplicate.status,
                             detail={"into": into.number})
        self._record(into, EventKind.merged, actor, now, flush=False,
                     detail={"from": duplicate.number, "messages": moved[Message],
                             "cc_added": cc_added})
        ctx = self.hook_context(now)
        self.hook.helpdesk_ticket_merged(ticket=duplicate, into=into, event=event, helpdesk=ctx)
        self.hook.helpdesk_ticket_status_changed(ticket=duplicate, event=event, helpdesk=ctx)
        self._flush(duplicate)
        return event

    def nudge(self, ticket: Ticket, *, actor: Person, message: str = "",
              expected_version: int | None = None) -> TicketEvent:
        """Urge the current holder to act; counted on the ticket."""
        now = self._begin(ticket, "nudge", expected_version)
        if ticket.holder_group_id is None and ticket.holder_person_id is None:
            raise InvalidOperation("nobody holds this ticket: dispatch it instead")
        ticket.nudge_count += 1
        ticket.updated_at = now
        event = self._record(ticket, EventKind.nudged, actor, now,
                             detail={"message": message} if message else {})
        self.hook.helpdesk_ticket_nudged(ticket=ticket, event=event,
                                        helpdesk=self.hook_context(now))
        self._flush(ticket)
        return event

    # -- internals --------------------------------------------------------------

    @property
    def hook(self) -> Any:
        return self.plugins.hook

    def hook_context(self, now: datetime | None = None) -> HookContext:
        """What hooks receive as ``helpdesk``, for a change made at ``now``."""
        return HookContext(self.dbsession, self.settings, self.outbox, now or self.clock())

    def _first_line_group_id(self) -> int | None:
        if self._lookups is None:
            return first_line_group_id(self.dbsession)
        if "first_line" not in self._lookups:
            # Held for the batch, with its members: the session keeps only objects
            # something refers to, and the hooks look the group up (the composer, with
            # its members) for each ticket; held, they find it loaded. Read without
            # flushing the batch's pending rows (what the caller had pending was
            # flushed when the batch began): none of them is a group or a membership.
            with self.dbsession.no_autoflush:
                group = self.dbsession.scalars(select(ServiceGroup).where(
                    ServiceGroup.first_line_flag.is_(True))).first()
                if group is not None:
                    len(group.members)  # loaded here (unless it was), not by a hook
            self._lookups["first_line"] = group.id if group is not None else None
            self._lookups["first_line_group"] = group
        return self._lookups["first_line"]

    def _people_by_email(self, addresses: list[str]) -> dict[str, Person]:
        """The accounts of these (normalised) addresses: from those the batch holds
        (:meth:`hold_people`) when it holds them all, written or with their ids given,
        and nobody else added a person since; else read, with autoflush (a CC may be
        a requester added earlier in the batch)."""
        held = self._lookups.get("people") if self._lookups is not None else None
        if held is not None and all(
                address in held and (held[address] is None or held[address].id is not None)
                for address in addresses) and not any(
                isinstance(row, Person) and held.get(row.email) is not row
                for row in self.dbsession.new):
            return {address: held[address] for address in addresses
                    if held[address] is not None}
        return find_people_by_email(self.dbsession, addresses)

    def _next_ticket_id(self) -> int | None:
        """The id the next new ticket gets, so that its number (and all else) goes in
        with its INSERT, not with an UPDATE after it; ``None`` when the INSERT must
        give it.

        PostgreSQL: the next value of the id's sequence (reserved for a batch by
        :meth:`reserve_ticket_ids`). SQLite, in a transaction that holds the write
        lock (a web request's, a batch's): one past the highest id, what SQLite
        itself would choose, since nobody else inserts meanwhile; inside
        :meth:`batch_lookups` read once per batch, elsewhere read each time, after
        flushing what is pending. Otherwise ``None``.
        """
        dialect = self.dbsession.get_bind().dialect.name
        if dialect == "postgresql":
            reserved = self._lookups.get("reserved_ticket_ids") if self._lookups else None
            return reserved.pop(0) if reserved else self._sequence_values(1)[0]
        if dialect != "sqlite":
            return None
        if self._lookups is not None:
            self._read_next_row_ids(_NEW_TICKET_TABLES)
            return self._next_row_id(Ticket.__table__)
        if not holds_write_lock(self.dbsession):
            return None
        return (self.dbsession.scalar(select(func.max(Ticket.id))) or 0) + 1

    def _next_row_id(self, table: Table) -> int:
        """SQLite, inside :meth:`batch_lookups`: the id the next new row of ``table``
        gets. One past the highest id, read once per batch: what SQLite itself would
        choose, since one transaction that has read cannot see another write (it
        fails to write instead: SQLITE_BUSY)."""
        counters = self._read_next_row_ids([table])
        row_id = counters[table.name]
        counters[table.name] += 1
        return row_id

    def _read_next_row_ids(self, tables: Iterable[Table]) -> dict[str, int]:
        """SQLite, inside :meth:`batch_lookups`: the next ids by table name, those of
        ``tables`` not known yet read with one statement (a flush numbers the new rows
        of several tables at once)."""
        counters = self._lookups.setdefault("next_row_ids", {})
        unknown = [table for table in tables if table.name not in counters]
        if unknown:
            with self.dbsession.no_autoflush:
                highest = self.dbsession.execute(select(
                    *(select(func.max(table.c.id)).scalar_subquery() for table in unknown)
                )).one()
            counters.update((table.name, (value or 0) + 1)
                            for table, value in zip(unknown, highest, strict=True))
        return counters

    def _number_new_rows(self, session: Session, _flush_context, _instances) -> None:
        """Before a flush (SQLite, inside :meth:`batch_lookups`): give each new row
        with a single integer ``id`` and none yet its id (:meth:`_next_row_id`), so
        that a table's new rows go in with one ``executemany``, without RETURNING."""
        tables = _NUMBERED_TABLES
        waiting: dict[Table, list] = {}
        for instance in session.new:
            cls = type(instance)
            if cls not in tables:
                tables[cls] = _numbered_table(cls)
            table = tables[cls]
            if table is not None and instance.id is None:
                waiting.setdefault(table, []).append(instance)
        if session.get_bind().dialect.name == "postgresql":
            waiting = {table: rows for table, rows in waiting.items() if len(rows) > 1}
            ids = self._table_sequence_values({table: len(rows) for table, rows in waiting.items()})
            for table, rows in waiting.items():
                for instance, row_id in zip(rows, ids[table.name], strict=True):
                    instance.id = row_id
            return
        self._read_next_row_ids(waiting)
        for table, rows in waiting.items():
            for instance in rows:
                instance.id = self._next_row_id(table)

    def _table_sequence_values(self, counts: dict[Table, int]) -> dict[str, list[int]]:
        """PostgreSQL: ``counts[table]`` new values of each table's id sequence, in
        order, by table name; one statement for all of them."""
        if not counts:
            return {}
        parts = [select(literal(table.name).label("name"),
                        func.nextval(func.pg_get_serial_sequence(table.name, "id")).label("id"))
                 .select_from(func.generate_series(1, count))
                 for table, count in counts.items()]
        with self.dbsession.no_autoflush:
            rows = self.dbsession.execute(union_all(*parts) if len(parts) > 1 else parts[0])
        ids: dict[str, list[int]] = {table.name: [] for table in counts}
        for name, row_id in rows:
            ids[name].append(row_id)
        return {name: sorted(values) for name, values in ids.items()}

    def _sequence_values(self, count: int) -> list[int]:
        """``count`` new values of the ticket id's sequence (PostgreSQL), in order;
        what is pending is not flushed (it goes with the next ticket)."""
        return self._table_sequence_values({Ticket.__table__: count})[Ticket.__tablename__]

    def _begin(self, ticket: Ticket, operation: str, expected_version: int | None) -> datetime:
        """Check version and transition; return the time of the change."""
        if expected_version is not None and ticket.version != expected_version:
            raise StaleTicket(ticket.number, expected_version, ticket.version)
        if ticket.status not in TRANSITIONS[operation]:
            raise TransitionNotAllowed(operation, ticket.status.value)
        return self.clock()

    def _flush(self, ticket: Ticket) -> None:
        """Flush (unless :meth:`deferred_flushes`); a concurrent writer's change
        surfaces as :class:`StaleTicket`."""
        if self._flushes_deferred:
            return
        number, version = ticket.number, ticket.version
        try:
            self.dbsession.flush()
        except StaleDataError:
            raise StaleTicket(number, version, None) from None

    def _record(self, ticket: Ticket, kind: EventKind, actor: Person | None, now: datetime,
                flush: bool = True, **fields: Any) -> TicketEvent:
        event = TicketEvent(ticket_id=ticket.id, kind=kind,
                            actor_id=actor.id if actor else None, created_at=now, **fields)
        if "detail" not in fields:
            event.detail = {}
        self.dbsession.add(event)
        if flush:
            self._flush(ticket)
        return event

    def _enter_workflow(self, ticket: Ticket, actor: Person | None, now: datetime,
                        message: Message | None, detail: dict[str, Any]) -> None:
        """Record the creation of a numbered ticket, fire its hook, route it."""
        # A new ticket cannot be stale: its rows are flushed with the hooks' rows.
        event = self._record(ticket, EventKind.created, actor, now, flush=False,
                             to_status=S.new, to_group_id=ticket.holder_group_id,
                             message=message, detail=detail)
        self.hook.helpdesk_ticket_created(ticket=ticket, event=event,
                                        helpdesk=self.hook_context(now))
        decision = decide(ticket, self.plugins.strategies, self.hook_context(now))
        if decision is not None:
            self._apply_routing(ticket, decision, now)

    def _apply_edits(self, ticket, now, subject, description, category, cc) -> dict[str, Any]:
        """Change the fields given; return ``{field: [old, new]}`` for those that differ."""
        changes: dict[str, Any] = {}
        if subject is not None:
            subject = " ".join(subject.split())[:255]
            if not subject:
                raise InvalidOperation("a ticket needs a subject")
            if subject != ticket.subject:
                changes["subject"] = [ticket.subject, subject]
                ticket.subject = subject
        if description is not None and description != ticket.description:
            changes["description"] = [ticket.description, description]
            ticket.description = description
            message = self.description_message(ticket)
            if message is not None:
                message.body, message.body_html = description, None
        if category is not None:
            category = self._checked_category(category)
            if category != ticket.category:
                changes["category"] = [ticket.category, category]
                ticket.category = category
        if cc is not None:
            old = [entry.email for entry in ticket.cc]
            new = self._cc_addresses(cc, exclude=ticket.requester.email)
            if sorted(old) != sorted(new):
                changes["cc"] = [old, new]
                ticket.cc = [entry for entry in ticket.cc if entry.email in new]
                for address in new:
                    if address not in old:
                        person = find_by_email(self.dbsession, address)
                        ticket.cc.append(TicketCC(email=address,
                                                  person_id=person.id if person else None))
        return changes

    def _remove_attachments(self, ticket: Ticket, ids: set[int], now: datetime) -> list[str]:
        """Mark the ticket's attachments with these ids removed; return their names."""
        if not ids:
            return []
        removed = []
        for attachment in self.attachments(ticket):
            if attachment.id in ids:
                attachment.removed_at = now
                removed.append(attachment.filename)
        return removed

    def _move(self, ticket, operation, kind, actor, group, person, expected_version,
              detail, now=None) -> TicketEvent:
        """Change the holder (and status): dispatch, take, forward, routing."""
        if group is None and person is None:
            raise InvalidOperation(f"{operation} needs a group or a person")
        if person is not None and not person.is_staff:
            raise InvalidOperation(f"{person.email} is not staff")
        now = now or self._begin(ticket, operation, expected_version)
        before = Holder(ticket.holder_group_id, ticket.holder_person_id)
        old_status = ticket.status
        ticket.holder_group_id = group.id if group is not None else None
        ticket.holder_person_id = person.id if person is not None else None
        ticket.status = TRANSITIONS[operation][old_status]
        ticket.held_since = now
        ticket.updated_at = now
        event = self._record(
            ticket, kind, actor, now, from_status=old_status, to_status=ticket.status,
            from_group_id=before.group_id, to_group_id=ticket.holder_group_id,
            from_person_id=before.person_id, to_person_id=ticket.holder_person_id,
            detail=detail,
        )
        ctx = self.hook_context(now)
        if kind is EventKind.forwarded:
            self.hook.helpdesk_ticket_forwarded(ticket=ticket, event=event, helpdesk=ctx)
        else:
            self.hook.helpdesk_ticket_assigned(ticket=ticket, event=event, helpdesk=ctx)
        if old_status is not ticket.status:
            self.hook.helpdesk_ticket_status_changed(ticket=ticket, event=event, helpdesk=ctx)
        self._flush(ticket)
        return event

    def _apply_routing(self, ticket: Ticket, decision: RoutingDecision, now: datetime) -> None:
        """Apply a routing decision: its priority, and its holder when it names one."""
        if decision.priority is not None:
            ticket.priority = Priority(decision.priority)
        if decision.group is None and decision.person is None:
            return
        self._move(ticket, "dispatch", EventKind.dispatched, None, decision.group,
                   decision.person, None, {"reason": decision.reason}, now=now)

    def _change_status(self, ticket, operation, kind, actor, expected_version) -> TicketEvent:
        now = self._begin(ticket, operation, expected_version)
        old_status = ticket.status
        ticket.status = TRANSITIONS[operation][old_status]
        ticket.updated_at = now
        if ticket.status is S.resolved:
            ticket.resolved_at = now
        elif ticket.status is S.closed:
            ticket.closed_at = now
        elif operation == "reopen":
            ticket.resolved_at = None
        event = self._record(ticket, kind, actor, now, from_status=old_status,
                             to_status=ticket.status)
        self.hook.helpdesk_ticket_status_changed(ticket=ticket, event=event,
                                                 helpdesk=self.hook_context(now))
        self._flush(ticket)
        return event

    def _add_message(self, ticket, operation, kind, message_kind, body, author, author_address,
                     attachments, body_html, email_message_id, expected_version,
                     first_response=False) -> Message:
        attachments = list(attachments)
        if not body.strip() and not attachments:
            raise InvalidOperation("a message needs some text or an attachment")
        now = self._begin(ticket, operation, expected_version)
        message = Message(
            ticket_id=ticket.id, kind=message_kind, author=author,
            author_address=normalize_email(author_address) if author_address else None,
            body=body, body_html=body_html, email_message_id=email_message_id, created_at=now,
        )
        self.dbsession.add(message)
        self._store_attachments(ticket, message, attachments)
        old_status = ticket.status
        ticket.status = TRANSITIONS[operation][old_status]
        if old_status is S.resolved and ticket.status is not S.resolved:
            ticket.resolved_at = None
        if first_response and ticket.first_response_at is None:
            ticket.first_response_at = now
        ticket.updated_at = now
        event = self._record(ticket, kind, author, now, from_status=old_status,
                             to_status=ticket.status, message=message, detail={})
        ctx = self.hook_context(now)
        self.hook.helpdesk_message_added(ticket=ticket, message=message, event=event,
                                         helpdesk=ctx)
        if old_status is not ticket.status:
            self.hook.helpdesk_ticket_status_changed(ticket=ticket, event=event, helpdesk=ctx)
        self._flush(ticket)
        return message

    def _checked_category(self, category: str) -> str | None:
        """A configured category, or ``None`` for ``""`` (raises on an unknown one)."""
        if category and category not in self.settings.categories:
            raise InvalidOperation(f"unknown category {category!r}")
        return category or None

    @staticmethod
    def _cc_addresses(addresses: Iterable[str], exclude: str) -> list[str]:
        """Normalised, distinct CC addresses without the requester (raises on a bad one)."""
        normalized = dict.fromkeys(normalize_email(raw) for raw in addresses)
        normalized.pop(exclude.lower(), None)
        return list(normalized)

    def _store_attachments(self, ticket: Ticket, message: Message | None,
                           uploads: Iterable[Upload], when: datetime | None = None) -> None:
        for upload in uploads:
            sha256, size = self.store.put(upload)
            attachment = Attachment(
                ticket_id=ticket.id, filename=upload.filename[:255],
                content_type=upload.content_type[:127] or "application/octet-stream",
                size=size, sha256=sha256,
                created_at=when or (message.created_at if message else self.clock()),
            )
            if message is not None:  # its message_id once the message is written
                message.attachments.add(attachment)
            self.dbsession.add(attachment)
