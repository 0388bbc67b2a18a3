"""The ticket page: status, who handles it, the conversation with its attachments, the
edit history, and what the visitor may do there (reply, mark resolved, reopen, edit).
Staff also see internal notes and the flow; coordinators the outside access."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyramid.interfaces import IRoutesMapper
from pyramid.view import view_config

from ..attachments.models import Attachment
from ..attachments.policy import AttachmentPolicy, uploads_from_post
from ..attachments.store import Upload
from ..db.types import utcnow
from ..i18n import _
from ..ratings.forms import SCORE_LABELS, RatingForm
from ..ratings.services import is_rateable, rating_of
from ..security import Root
from .delegation import authorizations_of
from .models import EventKind, Message, TicketStatus
from .quoting import split_quoted
from .services import TRANSITIONS

DETAIL_TEMPLATE = "pyramid_helpdesk:templates/tickets/detail.pt"
MAX_REPLY = 50_000

#: How each field of an ``edited`` event's detail is named on the page.
CHANGE_LABELS = {
    "subject": _("Subject"), "description": _("Description"), "category": _("Category"),
    "cc": _("CC"), "attachments_added": _("Files added"),
    "attachments_removed": _("Files removed"),
}

#: How each kind of event is named in the flow.
EVENT_NAMES = {
    EventKind.drafted: _("drafted"), EventKind.created: _("created"),
    EventKind.edited: _("edited"), EventKind.dispatched: _("dispatched"),
    EventKind.taken: _("taken"), EventKind.forwarded: _("forwarded"),
    EventKind.replied: _("replied"), EventKind.noted: _("noted"),
    EventKind.pending: _("set to pending"), EventKind.resolved: _("resolved"),
    EventKind.closed: _("closed"), EventKind.reopened: _("reopened"),
    EventKind.nudged: _("nudged"), EventKind.changed: _("changed"),
    EventKind.merged: _("merged"), EventKind.rated: _("rated"),
}


@dataclass
class ReplyForm:
    """The reply form: the text, the files, the ticket version the writer saw, errors."""

    body: str = ""
    version: int | None = None
    uploads: list[Upload] = field(default_factory=list)
    errors: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_post(cls, post, policy: AttachmentPolicy) -> "ReplyForm":
        """Read and check the posted form: some text or a file the ``policy`` allows."""
        version = post.get("expected_version", "")
        form = cls(body=post.get("body", "").strip("\r\n"),
                   version=int(version) if version.isdigit() else None)
        form.uploads = uploads_from_post(post)
        if not form.body.strip() and not form.uploads:
            form.errors["body"] = _("Please write a message or attach a file.")
        elif len(form.body) > MAX_REPLY:
            form.errors["body"] = _("At most ${limit} characters.", mapping={"limit": MAX_REPLY})
        refusal = policy.refusal(form.uploads)
        if refusal is not None:
            form.errors["attachment"] = refusal
        return form

    def close_uploads(self) -> None:
        """Release the uploaded files' temporary storage."""
        for upload in self.uploads:
            upload.stream.close()


@dataclass(frozen=True)
class MessageView:
    """One message as the page shows it."""

    message: Message
    author: str
    text: str
    quoted: str
    files: list[Attachment]
    edited: bool


@dataclass(frozen=True)
class Change:
    """One changed field of an edit: its label and the text before and after."""

    key: str
    label: Any
    before: str
    after: str


def folded(body: str) -> tuple[str, str]:
    """A message's new text and its quoted history (all of it new when nothing else is)."""
    new, quoted = split_quoted(body)
    return (new, quoted) if new.strip() else (body, "")


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    return ", ".join(value) if isinstance(value, list) else str(value)


def edit_changes(detail: dict[str, Any]) -> list[Change]:
    """The changes an ``edited`` event records, in the order of :data:`CHANGE_LABELS`."""
    changes = []
    for key, label in CHANGE_LABELS.items():
        if key not in detail:
            continue
        if key.startswith("attachments_"):
            changes.append(Change(key, label, "", _text(detail[key])))
        else:
            before, after = detail[key]
            changes.append(Change(key, label, _text(before), _text(after)))
    return changes


def edit_url(request, ticket) -> str | None:
    """The requester's edit page for this ticket, when a plugin offers one and the
    ticket may still be edited."""
    person = request.identity
    if person is None or person.id != ticket.requester_id:
        return None
    if not request.tickets.is_editable(ticket):
        return None
    if request.registry.getUtility(IRoutesMapper).get_route("tickets.edit") is None:
        return None
    return request.route_path("tickets.edit", number=ticket.number)


def _author(request, message: Message, staff_viewer: bool) -> str:
    """Who wrote a message; staff appear as the helpdesk unless names may be shown."""
    site = request.helpdesk_settings.site_name
    author = message.author
    if author is None:
        return message.author_address or site
    if author.is_staff and not (staff_viewer or request.helpdesk_settings.portal_show_staff_names):
        return site
    return author.display_name


def ticket_page(request, context, reply: ReplyForm | None = None, alert=None) -> dict:
    """Everything the ticket page shows to this visitor; ``reply`` is a reply form to
    show again (with its text and errors), ``alert`` a message above the page."""
    ticket = context.ticket
    tickets = request.tickets
    staff = bool(request.has_permission("ticket.note", context))
    may_reply = staff or bool(request.has_permission("ticket.reply", context))
    may_resolve = bool(request.has_permission("ticket.resolve", context))
    messages = tickets.messages(ticket, include_internal=staff)
    events = tickets.events(ticket)
    edits = [event for event in events if event.kind is EventKind.edited]
    files: dict[int | None, list[Attachment]] = {}
    for attachment in tickets.attachments(ticket):
        files.setdefault(attachment.message_id, []).append(attachment)
    first = messages[0].id if messages else None
    coordinator = bool(request.has_permission("coordinate", Root(request)))
    rateable = (may_resolve or staff) and is_rateable(ticket)
    rating = rating_of(request.dbsession, ticket.id) if rateable else None
    return {
        "ticket": ticket,
        "is_staff": staff,
        "holder_person": ticket.holder_person if (
            staff or request.helpdesk_settings.portal_show_staff_names) else None,
        "messages": [
            MessageView(message, _author(request, message, staff), *folded(message.body),
                        files.get(message.id, []), bool(edits) and message.id == first)
            for message in messages
        ],
        # Files kept for the ticket rather than for one message; those of internal
        # notes are shown with their note, to staff only.
        "loose_files": files.get(None, []),
        "edits": [(event, edit_changes(event.detail)) for event in edits],
        "events": events if staff else [],
        "event_names": EVENT_NAMES,
        "can_reply": may_reply and ticket.status in TRANSITIONS["requester reply"],
        "can_resolve": may_resolve and ticket.status in TRANSITIONS["resolve"],
        "can_reopen": may_resolve and ticket.status in TRANSITIONS["reopen"],
        "closed": ticket.status is TicketStatus.closed,
        "edit_url": edit_url(request, ticket),
        "reply": reply or ReplyForm(version=ticket.version),
        "alert": alert,
        "outside_access": authorizations_of(request.dbsession, ticket.id) if coordinator else [],
        "now": utcnow(),
        "merged_into": tickets.merge_target(ticket) if ticket.merged_into_id else None,
        # The requester rates a resolved ticket once; they and staff see the rating.
        "rating": rating,
        "can_rate": may_resolve and rateable and rating is None,
        "rating_form": RatingForm(),
        "rating_labels": SCORE_LABELS,
    }


@view_config(route_name="tickets.detail", renderer=DETAIL_TEMPLATE, permission="ticket.view",
             request_method="GET")
def ticket_detail(context, request):
    """Show one ticket to someone allowed to see it."""
    return ticket_page(request, context)
