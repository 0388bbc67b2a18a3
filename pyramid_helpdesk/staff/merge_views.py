"""Merging a duplicate into another ticket (``staff.ticket.merge``).

Three steps: type the number of the ticket to keep; see both tickets side by
side; confirm. The lifecycle service moves the messages, attachments, outside
access and CCs, and closes the duplicate pointing at the ticket kept. The actor
must manage both tickets: a target they may not manage is answered as if it did
not exist.
"""
from __future__ import annotations

from dataclasses import dataclass

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import func, select

from ..errors import InvalidOperation, StaleTicket, TransitionNotAllowed
from ..i18n import _
from ..tickets.models import Message, Ticket, TicketStatus
from ..tickets.services import TRANSITIONS
from .bulk import may_manage

TEMPLATE = "pyramid_helpdesk:templates/staff/merge.pt"
MERGEABLE = TRANSITIONS["merge"]


class MergeRefused(Exception):
    """The merge cannot go on; ``message`` says why, ``status`` is the HTTP answer."""

    def __init__(self, message, status: int = 400):
        self.message = message
        self.status = status
        super().__init__(str(message))


@dataclass(frozen=True)
class MergeForm:
    """What the user typed and carried along: the target's number and both versions."""

    target: str = ""
    version: int | None = None  # of the duplicate, as first shown
    into_version: int | None = None  # of the target, as previewed

    @classmethod
    def from_post(cls, post) -> "MergeForm":
        """The form's fields; a missing or malformed version is ``None``."""
        def number(name):
            value = post.get(name, "").strip()
            return int(value) if value.isdigit() else None
        return cls(post.get("target", "").strip()[:40], number("version"), number("into_version"))


def message_counts(dbsession, *tickets: Ticket) -> dict[int, int]:
    """How many messages (notes included) each ticket has: one query."""
    ids = [ticket.id for ticket in tickets]
    rows = dbsession.execute(select(Message.ticket_id, func.count())
                             .where(Message.ticket_id.in_(ids)).group_by(Message.ticket_id))
    return {**dict.fromkeys(ids, 0), **dict(rows.all())}


def find_target(request, duplicate: Ticket, number: str) -> Ticket:
    """The ticket to merge into, or :class:`MergeRefused` saying why not."""
    if not number:
        raise MergeRefused(_("Enter the number of the ticket to keep."))
    target = request.tickets.get(number)
    if target is None or target.status is TicketStatus.draft or not may_manage(request, target):
        raise MergeRefused(_("There is no ticket ${number}.", mapping={"number": number}))
    if target.id == duplicate.id:
        raise MergeRefused(_("A ticket cannot be merged into itself."))
    if target.status is TicketStatus.closed:
        raise MergeRefused(_("${number} is closed: choose a ticket that is not closed.",
                             mapping={"number": target.number}))
    return target


def _page(request, duplicate: Ticket, form: MergeForm, target: Ticket | None = None,
          error=None, status: int = 200) -> dict:
    """The merge page: the form, or (with ``target``) the preview of both tickets."""
    request.response.status = status
    shown = (duplicate, target) if target is not None else (duplicate,)
    return {
        "duplicate": duplicate,
        "target": target,
        "form": form,
        "error": error,
        "counts": message_counts(request.dbsession, *shown),
        "mergeable": duplicate.status in MERGEABLE,
    }


@view_config(route_name="staff.ticket.merge", renderer=TEMPLATE, permission="ticket.manage",
             request_method="GET")
def merge_form(context, request):
    """Ask for the number of the ticket to keep."""
    duplicate = context.ticket
    return _page(request, duplicate, MergeForm(version=duplicate.version))


@view_config(route_name="staff.ticket.merge", renderer=TEMPLATE, permission="ticket.manage",
             request_method="POST", request_param="step=preview")
def merge_preview(context, request):
    """Show both tickets and what merging does, with a confirm button."""
    duplicate, form = context.ticket, MergeForm.from_post(request.POST)
    try:
        target = find_target(request, duplicate, form.target)
    except MergeRefused as refused:
        return _page(request, duplicate, form, error=refused.message, status=refused.status)
    return _page(request, duplicate, MergeForm(target.number, form.version, target.version),
                 target)


@view_config(route_name="staff.ticket.merge", renderer=TEMPLATE, permission="ticket.manage",
             request_method="POST", request_param="step=confirm")
def merge_confirm(context, request):
    """Merge, then show the ticket kept."""
    duplicate, form = context.ticket, MergeForm.from_post(request.POST)
    try:
        target = find_target(request, duplicate, form.target)
    except MergeRefused as refused:
        return _page(request, duplicate, form, error=refused.message, status=refused.status)
    try:
        # In a savepoint: a refused merge leaves the session usable for the page.
        with request.dbsession.begin_nested():
            request.tickets.merge(duplicate, into=target, actor=request.identity,
                                  expected_version=form.version, into_version=form.into_version)
    except StaleTicket:
        request.tm.doom()
        # Show both as they are now, to be confirmed again.
        fresh = MergeForm(target.number, duplicate.version, target.version)
        return _page(request, duplicate, fresh, target, status=409, error=_(
            "One of the tickets changed since you opened this page: check them again."))
    except (TransitionNotAllowed, InvalidOperation) as refused:
        request.tm.doom()
        status = 409 if isinstance(refused, TransitionNotAllowed) else 400
        return _page(request, duplicate, form, error=_(
            "These tickets cannot be merged: ${reason}", mapping={"reason": str(refused)}),
            status=status)
    request.session.flash(request.localizer.translate(_(
        "${duplicate} was merged into ${target}.",
        mapping={"duplicate": duplicate.number, "target": target.number})))
    return HTTPSeeOther(request.route_path("staff.ticket", number=target.number))
