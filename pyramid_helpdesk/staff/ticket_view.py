"""What the staff view of one ticket shows, read in a fixed number of statements.

The ticket (with its requester, holders and CCs) and its outside authorisations
(which its ACL reads) come with the route's context; this module adds the
conversation (one statement of plain rows: each message with its author's name
and its files, then the files of no message), the history (one statement of
rows that also names each event's actor and new holder) and the requester's
other tickets (one bounded index scan), whatever the number of messages or
events. The lines of the conversation, the history and the other tickets come
to the template with their texts, times and links made in Python
(:class:`ShownMessage`, :class:`ShownEvent`, :class:`OtherTicket`), each repeated
text translated once per page (:class:`Labels`): the template only prints them,
which costs a third of what it would cost to compute them there. It also keeps
the state of the page's forms, so that a refused or stale action shows the page
again with what the staff member typed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from string import Template
from typing import Any, Sequence

from pyramid.i18n import TranslationString
from pyramid.traversal import quote_path_segment
from pyramid.view import view_config
from sqlalchemy import Row, and_, bindparam, func, literal_column, null, select, union_all

from ..attachments.models import Attachment
from ..db.types import utcnow
from ..groups.models import ServiceGroup
from ..i18n import _
from ..people.models import Person
from ..ratings.forms import SCORE_LABELS
from ..ratings.services import rating_of
from ..tickets.delegation import authorizations_of
from ..tickets.models import (
    EventKind,
    Message,
    MessageKind,
    Priority,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from ..tickets.services import TRANSITIONS
from ..tickets.views import EVENT_NAMES, Change, ReplyForm, edit_changes, folded
from .durations import duration
from .labels import category_label, channel_label
from .presenters import PLACEHOLDER, Moment

TEMPLATE = "pyramid_helpdesk:templates/staff/ticket.pt"
OTHER_TICKETS = 10
LANGUAGES = {"en": "English", "zh_CN": "中文"}

#: The status operations of the status form, in the order they are offered.
OPERATIONS = {
    "resolve": ("resolve", _("Resolve")),
    "pending": ("set pending", _("Wait for the requester")),
    "reopen": ("reopen", _("Reopen")),
    "close": ("close", _("Close")),
}
STALE = _("This ticket changed since you opened it")


@dataclass
class Forms:
    """The state of the page's forms: what was typed or chosen, and what is wrong."""

    reply: ReplyForm = field(default_factory=ReplyForm)
    note: ReplyForm = field(default_factory=ReplyForm)
    priority: str | None = None
    category: str | None = None
    operation: str | None = None
    #: Errors of the small forms, by field: ``priority``, ``category``, ``operation``, ``take``.
    errors: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HistoryEntry:
    """One event of the ticket as the history lists it."""

    event: Row  # of :func:`event_rows`
    name: Any
    actor: str | None
    holder: str | None = None
    changes: list[Change] = field(default_factory=list)
    merged_into: str | None = None
    merged_from: str | None = None
    note: str = ""


@dataclass(frozen=True)
class ShownMessage:
    """One message of the conversation as the page shows it."""

    id: int
    kind: str  # a MessageKind value: ``public`` or ``internal``
    when: Moment
    author: str
    text: str
    quoted: str
    files: list[Row]  # of :func:`conversation_rows`: ``file_id``, ``filename``, ``size``
    edited: bool

    @property
    def internal(self) -> bool:
        return self.kind == MessageKind.internal.value


@dataclass(frozen=True)
class ShownEvent:
    """One line of the history as the page shows it, every text made."""

    id: int
    kind: str  # an EventKind value
    when: Moment
    name: str  # translated
    by: str  # "by <actor>", translated, or ""
    holder: str | None
    statuses: tuple[str, str] | None  # (from, to), translated, when the status changed
    changes: list[Change]
    merged_into: str | None
    merged_from: str | None
    note: str


@dataclass(frozen=True)
class OtherTicket:
    """One of the requester's other tickets, with its link and translated status."""

    number: str
    subject: str
    status: TicketStatus
    created_at: datetime
    url: str
    status_label: str


def seen_event_of(post) -> int | None:
    """The ``seen_event`` a form carries: the newest event its writer had seen."""
    value = post.get("seen_event", "")
    return int(value) if value.isdigit() else None


def expected_version_of(post) -> int | None:
    """The ticket version a form carries."""
    value = post.get("expected_version", "")
    return int(value) if value.isdigit() else None


@lru_cache(maxsize=1)
def _other_tickets_statement():
    """The statement of :func:`other_tickets`, built once (its values are bound)."""
    tickets = Ticket.__table__.c
    return (
        select(tickets.number, tickets.subject, tickets.status, tickets.created_at)
        .where(tickets.requester_id == bindparam("requester_id"),
               tickets.id != bindparam("ticket_id"), tickets.number.is_not(None))
        .order_by(tickets.id.desc()).limit(OTHER_TICKETS))


def other_tickets(dbsession, ticket: Ticket, labels: Labels) -> list[OtherTicket]:
    """The requester's newest other tickets (``ix_tickets_requester_id_id``, bounded),
    each with its link in the console and its translated status."""
    rows = dbsession.execute(_other_tickets_statement(),
                             {"requester_id": ticket.requester_id, "ticket_id": ticket.id})
    return [OtherTicket(*row, labels.ticket_path(row.number), labels[row.status.value])
            for row in rows]


def _display_name(person):
    """SQL for :attr:`Person.display_name`: the name, or the address without one
    (``person``: the columns of the people table or of an alias of it)."""
    return func.coalesce(func.nullif(person.name, ""), person.email)


@lru_cache(maxsize=1)
def _events_statement():
    """The statement of :func:`event_rows`, built once (its ticket is a bound value)."""
    events, groups = TicketEvent.__table__, ServiceGroup.__table__
    actor, person = Person.__table__.alias("actor"), Person.__table__.alias("person")
    return (
        select(events.c.id, events.c.kind, events.c.created_at, events.c.from_status,
               events.c.to_status, events.c.to_address, events.c.detail,
               _display_name(actor.c).label("actor_name"), groups.c.name.label("group_name"),
               _display_name(person.c).label("person_name"))
        .outerjoin(actor, actor.c.id == events.c.actor_id)
        .outerjoin(groups, groups.c.id == events.c.to_group_id)
        .outerjoin(person, person.c.id == events.c.to_person_id)
        .where(events.c.ticket_id == bindparam("ticket_id")).order_by(events.c.id))


def event_rows(dbsession, ticket_id: int) -> Sequence[Row]:
    """The ticket's events, oldest first, each with the names of its actor and of the
    group and person it handed the ticket to (``actor_name``, ``group_name``,
    ``person_name``): one statement of plain rows, whatever the number of events."""
    return dbsession.execute(_events_statement(), {"ticket_id": ticket_id}).all()


@lru_cache(maxsize=1)
def _conversation_statement():
    """The statement of :func:`conversation_rows`, built once (its ticket is a bound value)."""
    messages, files = Message.__table__.c, Attachment.__table__.c
    author = Person.__table__.alias("author")
    ticket_id = bindparam("ticket_id")
    with_files = (
        select(messages.id.label("message_id"), messages.kind, messages.created_at,
               _display_name(author.c).label("author_name"), messages.author_address,
               messages.body, files.id.label("file_id"), files.filename, files.size)
        .outerjoin(author, author.c.id == messages.author_id)
        .outerjoin(Attachment.__table__, and_(files.message_id == messages.id,
                                              files.ticket_id == messages.ticket_id,
                                              files.removed_at.is_(None)))
        .where(messages.ticket_id == ticket_id))
    loose = (
        select(null(), null(), null(), null(), null(), null(), files.id, files.filename,
               files.size)
        .where(files.ticket_id == ticket_id, files.message_id.is_(None),
               files.removed_at.is_(None)))
    return union_all(with_files, loose).order_by(literal_column("message_id"),
                                                   literal_column("file_id"))


def conversation_rows(dbsession, ticket_id: int) -> Sequence[Row]:
    """The ticket's messages, internal notes included, oldest first, each with its
    author's name (``author_name``) and once per file (``file_id``, ``filename``,
    ``size``; ``None`` for a message without files), then (``message_id`` ``None``)
    the files of no message: one statement of plain rows, whatever their number.
    Files the requester removed are left out."""
    return dbsession.execute(_conversation_statement(), {"ticket_id": ticket_id}).all()


def conversation(rows: Sequence[Row], labels: Labels, site_name: str, edited: bool
                 ) -> tuple[list[ShownMessage], list[Row]]:
    """The messages (rows of :func:`conversation_rows`) as the page shows them, and
    the files of no message. ``edited``: the requester edited the description (the
    first message)."""
    files: dict[int | None, list[Row]] = {}
    for row in rows:
        if row.file_id is not None:
            files.setdefault(row.message_id, []).append(row)
    messages: list[ShownMessage] = []
    for row in rows:
        if row.message_id is None or (messages and messages[-1].id == row.message_id):
            continue
        messages.append(ShownMessage(
            row.message_id, row.kind.value, labels.moment(row.created_at),
            row.author_name or row.author_address or site_name, *folded(row.body),
            files.get(row.message_id, []), edited and not messages))
    return messages, files.get(None, [])


BY = _("by ${name}")
SIZE = _("${size} bytes")
QUOTED = _("Quoted text")
INTERNAL = _("internal note")


class Labels(dict):
    """The texts a page repeats on many lines (status and event names, "by <name>",
    file sizes), each translated once per page instead of once per line; and its
    times and ticket links, each made with what is computed once per page."""

    def __init__(self, request):
        super().__init__()
        self.translate = request.localizer.translate
        self.local_time = request.local_time
        self._by: dict[str, str] = {}
        self._ticket_path = request.route_path("staff.ticket", number=PLACEHOLDER)

    def __missing__(self, text) -> str:
        value = self[text] = self.translate(
            text if isinstance(text, TranslationString) else _(text))
        return value

    def by(self, name: str) -> str:
        """"by <name>", in the page's language."""
        if name not in self._by:
            self._by[name] = Template(self[BY]).safe_substitute(name=name)
        return self._by[name]

    def moment(self, value: datetime) -> Moment:
        """``value`` for a ``<time>`` element, in the helpdesk's time zone."""
        return Moment(value.isoformat(), self.local_time(value))

    def ticket_path(self, number: str) -> str:
        """The path of a ticket's staff view."""
        return self._ticket_path.replace(PLACEHOLDER, quote_path_segment(number))

    def size(self, size: int) -> str:
        """"<size> bytes", in the page's language."""
        return Template(self[SIZE]).safe_substitute(size=size)

    @property
    def quoted(self) -> str:
        """The summary of a message's folded quoted history."""
        return self[QUOTED]

    @property
    def internal(self) -> str:
        """The badge of an internal note."""
        return self[INTERNAL]


def _changed(detail: dict[str, Any]) -> list[Change]:
    """The priority and category changes of a ``changed`` event, old → new."""
    changes = []
    if "priority" in detail:
        before, after = detail["priority"]
        changes.append(Change("priority", _("Priority"), _(before), _(after)))
    if "category" in detail:
        before, after = detail["category"]
        changes.append(Change("category", _("Category"), category_label(before) or "—",
                              category_label(after) or "—"))
    return changes


def history(events: Sequence[Row]) -> list[HistoryEntry]:
    """The events (rows of :func:`event_rows`) as the history shows them, oldest first."""
    entries = []
    for event in events:
        detail = event.detail or {}
        holder = " / ".join(name for name in (event.group_name, event.person_name) if name)
        if event.kind is EventKind.changed:
            changes = _changed(detail)
        elif event.kind is EventKind.edited:
            changes = edit_changes(detail)
        else:
            changes = []
        entries.append(HistoryEntry(
            event, EVENT_NAMES[event.kind], event.actor_name,
            holder=event.to_address or holder or None, changes=changes,
            merged_into=detail.get("into") if event.kind is EventKind.merged else None,
            merged_from=detail.get("from") if event.kind is EventKind.merged else None,
            note=detail.get("note") or detail.get("message") or detail.get("reason")
            or (f"{detail['score']}/5" if event.kind is EventKind.rated else ""),
        ))
    return entries


def shown_history(entries: Sequence[HistoryEntry], labels: Labels) -> list[ShownEvent]:
    """The history entries as the page prints them."""
    shown = []
    for entry in entries:
        event = entry.event
        before, after = event.from_status, event.to_status
        shown.append(ShownEvent(
            event.id, event.kind.value, labels.moment(event.created_at), labels[entry.name],
            labels.by(entry.actor) if entry.actor else "", entry.holder,
            (labels[before.value], labels[after.value])
            if before and after and before != after else None,
            entry.changes, entry.merged_into, entry.merged_from, entry.note))
    return shown


def operations_for(ticket: Ticket) -> list[tuple[str, Any]]:
    """The status operations the ticket's status allows: ``(name, label)``."""
    return [(name, label) for name, (transition, label) in OPERATIONS.items()
            if ticket.status in TRANSITIONS[transition]]


def ticket_facts(request, ticket: Ticket, now: datetime) -> dict[str, Any]:
    """Age, time with its holder, due time and channel of a ticket."""
    return {
        "age": duration(now - ticket.created_at),
        "held_for": duration(now - ticket.held_since),
        "due": ticket.due_at if ticket.status.is_active else None,
        "channel": channel_label(ticket.channel, request.registry.helpdesk_plugins.channels),
        "category": category_label(ticket.category),
    }


def changed_since(entries: Sequence[HistoryEntry], seen_event: int | None) -> list[HistoryEntry]:
    """The history after the event a writer had seen (all of it when unknown)."""
    return [entry for entry in entries if seen_event is None or entry.event.id > seen_event]


def staff_ticket_page(request, context, forms: Forms | None = None, alert=None,
                      stale: bool = False, seen_event: int | None = None) -> dict[str, Any]:
    """Everything the staff view of a ticket shows; ``forms`` holds the typed input
    to show again, ``alert`` a message above the page. A ``stale`` page says the
    ticket changed since its writer opened it, and lists what happened after
    ``seen_event``, the newest event they had seen."""
    ticket = context.ticket
    dbsession = request.dbsession
    now = utcnow()
    events = event_rows(dbsession, ticket.id)
    edited = any(event.kind is EventKind.edited for event in events)
    settings = request.helpdesk_settings
    labels = Labels(request)
    messages, loose_files = conversation(conversation_rows(dbsession, ticket.id), labels,
                                         settings.site_name, edited)
    entries = history(events)
    forms = forms or Forms()
    rated = any(event.kind is EventKind.rated for event in events)
    return {
        "ticket": ticket,
        "requester": ticket.requester,
        "language": LANGUAGES.get(ticket.requester.locale or "", ticket.requester.locale),
        "others": other_tickets(dbsession, ticket, labels),
        "messages": messages,
        "loose_files": loose_files,
        "history": shown_history(entries, labels),
        "seen_event": events[-1].id if events else 0,
        "changed": changed_since(entries, seen_event) if stale else [],
        # Read with the ACL; read again after a refused action (which may have
        # changed them, as may another writer meanwhile).
        "outside_access": context.authorizations if request.method == "GET"
        else authorizations_of(dbsession, ticket.id),
        "merged_into": request.tickets.merge_target(ticket) if ticket.merged_into_id
        else None,
        # Read only when the history has its ``rated`` event (no statement otherwise).
        "rating": rating_of(dbsession, ticket.id) if rated else None,
        "rating_labels": SCORE_LABELS,
        "now": now,
        **ticket_facts(request, ticket, now),
        "forms": forms,
        "labels": labels,
        "alert": STALE if stale else alert,
        "can_reply": ticket.status in TRANSITIONS["reply"],
        "can_take": ticket.status in TRANSITIONS["take"]
        and ticket.holder_person_id != request.identity.id,
        "can_change": ticket.status in TRANSITIONS["change"],
        "can_dispatch": ticket.status in TRANSITIONS["dispatch"],
        "operations": operations_for(ticket),
        "priorities": [(p.value, _(p.value)) for p in Priority],
        "categories": [(name, category_label(name)) for name in settings.categories],
    }


@view_config(route_name="staff.ticket", renderer=TEMPLATE, permission="ticket.manage",
             request_method="GET")
def staff_ticket(context, request):
    """The staff view of one ticket: conversation, requester, history, actions."""
    return staff_ticket_page(request, context)
