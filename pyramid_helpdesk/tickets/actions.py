"""What a visitor does on the ticket page: reply (with files), mark resolved, reopen.

Each is a POST to its own route, goes through one lifecycle operation with the
ticket version the visitor saw, and then shows the ticket again (303). A refused
operation undoes whatever it wrote and shows the page again with the visitor's
text kept and the reason next to the form.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..attachments.policy import AttachmentPolicy, format_size
from ..db.types import utcnow
from ..errors import AttachmentTooLarge, DomainError, StaleTicket, TransitionNotAllowed
from ..i18n import _
from .delegation import reply_author
from .resources import TicketResource
from .views import DETAIL_TEMPLATE, ReplyForm, ticket_page

STALE = _("This ticket changed since you opened it. Read what changed, then try again; "
          "your text is kept below.")
STALE_ACTION = _("This ticket changed since you opened it. Read what changed, then try again.")


class TicketAction(TicketResource):
    """The ticket of an action route. Like the ticket page, it answers 404 to a
    signed-in person who may not see the ticket, whatever the request method."""

    def __init__(self, request):
        super().__init__(request)
        if request.identity is not None and not request.has_permission("ticket.view", self):
            raise HTTPNotFound()


def _back_to(request, ticket, anchor: str | None = None) -> HTTPSeeOther:
    return HTTPSeeOther(request.route_path("tickets.detail", number=ticket.number,
                                           _anchor=anchor))


def _flash(request, message) -> None:
    request.session.flash(request.localizer.translate(message))


def _refused(request, context, status: int, reply: ReplyForm | None = None, alert=None):
    """The page again after a refusal (its version the current one, so trying again works)."""
    request.response.status = status
    if reply is not None:
        reply.version = context.ticket.version
    return ticket_page(request, context, reply=reply, alert=alert)


@view_config(route_name="tickets.reply", request_method="POST", permission="ticket.reply",
             renderer=DETAIL_TEMPLATE)
def reply(context, request):
    """Add a public reply, by the signed-in person or the outside delegate."""
    form = ReplyForm.from_post(request.POST,
                               AttachmentPolicy.from_settings(request.helpdesk_settings))
    request.add_finished_callback(lambda _request: form.close_uploads())
    if form.errors:
        return _refused(request, context, 400, form)
    ticket = context.ticket
    author, address = reply_author(request, context, utcnow())
    try:
        with request.dbsession.begin_nested():  # a refusal undoes every row it wrote
            message = request.tickets.reply(
                ticket, body=form.body, author=author, author_address=address,
                attachments=form.uploads, expected_version=form.version)
    except StaleTicket:
        form.errors["form"] = STALE
        return _refused(request, context, 409, form)
    except AttachmentTooLarge as exc:
        form.errors["attachment"] = _(
            "“${name}” is larger than ${limit}: please attach a smaller file.",
            mapping={"name": exc.filename, "limit": format_size(exc.limit)})
        return _refused(request, context, 400, form)
    except TransitionNotAllowed:
        form.errors["form"] = _("This ticket is closed and takes no more replies.")
        return _refused(request, context, 409, form)
    except DomainError as exc:
        form.errors["form"] = _("The helpdesk could not save this: ${reason}",
                                mapping={"reason": str(exc)})
        return _refused(request, context, 400, form)
    _flash(request, _("Your reply was sent."))
    return _back_to(request, ticket, f"message-{message.id}")


def _change_status(request, context, operation, done):
    """Resolve or reopen as the signed-in requester; refused: the page says why."""
    post = request.POST.get("expected_version", "")
    version = int(post) if post.isdigit() else None
    try:
        with request.dbsession.begin_nested():
            operation(context.ticket, actor=request.identity, expected_version=version)
    except StaleTicket:
        return _refused(request, context, 409, alert=STALE_ACTION)
    except TransitionNotAllowed:
        return _refused(request, context, 409, alert=_(
            "This cannot be done while the ticket is ${status}.",
            mapping={"status": request.localizer.translate(_(context.ticket.status.value))}))
    _flash(request, done)
    return _back_to(request, context.ticket)


@view_config(route_name="tickets.resolve", request_method="POST", permission="ticket.resolve",
             renderer=DETAIL_TEMPLATE)
def resolve(context, request):
    """The requester marks their ticket resolved."""
    return _change_status(request, context, request.tickets.resolve,
                          _("The ticket is marked as resolved."))


@view_config(route_name="tickets.reopen", request_method="POST", permission="ticket.resolve",
             renderer=DETAIL_TEMPLATE)
def reopen(context, request):
    """The requester reopens a resolved ticket."""
    return _change_status(request, context, request.tickets.reopen,
                          _("The ticket is open again."))
