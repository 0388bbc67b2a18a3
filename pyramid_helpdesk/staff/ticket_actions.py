"""What staff do on the staff view of a ticket: reply, note, change its status,
take it, change its priority or category, revoke an outside authorisation.

Each is a POST to its own route with the CSRF token, the ticket version the
writer saw (``expected_version``) and the newest event they had seen
(``seen_event``). It goes through one lifecycle operation inside a savepoint,
then shows the ticket again (303) with a notice. A refusal undoes what it wrote
and shows the page again with the input kept and the field marked: 409 when the
ticket changed meanwhile (with the list of what changed) or its status does not
allow the operation, 400 for input the helpdesk cannot take.
"""
from __future__ import annotations

from typing import Any, Callable

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..attachments.policy import AttachmentPolicy, format_size
from ..errors import AttachmentTooLarge, InvalidOperation, StaleTicket, TransitionNotAllowed
from ..i18n import _
from ..tickets.delegation import revoke
from ..tickets.models import ExternalAuthorization, Priority
from ..tickets.views import ReplyForm
from .ticket_view import (
    OPERATIONS,
    TEMPLATE,
    Forms,
    expected_version_of,
    seen_event_of,
    staff_ticket_page,
)

#: Which lifecycle method each status operation calls.
STATUS_METHODS = {"resolve": "resolve", "pending": "set_pending", "reopen": "reopen",
                  "close": "close"}
STATUS_DONE = {
    "resolve": _("The ticket is resolved."),
    "pending": _("The ticket now waits for the requester."),
    "reopen": _("The ticket is open again."),
    "close": _("The ticket is closed."),
}


def back_to_ticket(request, ticket, notice, anchor: str | None = None) -> HTTPSeeOther:
    """Flash ``notice`` and go back to the staff view of ``ticket``."""
    request.session.flash(request.localizer.translate(notice))
    return HTTPSeeOther(request.route_path("staff.ticket", number=ticket.number,
                                           _anchor=anchor))


def refused(request, context, forms: Forms, status: int, stale: bool = False):
    """The staff view again, answered ``status``, with ``forms`` as they were sent."""
    request.response.status = status
    return staff_ticket_page(request, context, forms, stale=stale,
                             seen_event=seen_event_of(request.POST))


def attempt(request, context, forms: Forms, operation: Callable[[], Any],
            mark: Callable[[Any], None]):
    """Run ``operation`` in a savepoint. Returns ``(result, None)``, or ``(None, the
    page again)`` after a refusal, whose reason ``mark`` puts next to its field."""
    ticket = context.ticket
    try:
        with request.dbsession.begin_nested():  # a refusal undoes every row it wrote
            return operation(), None
    except StaleTicket:
        return None, refused(request, context, forms, 409, stale=True)
    except TransitionNotAllowed:
        mark(_("This cannot be done while the ticket is ${status}.", mapping={
            "status": request.localizer.translate(_(ticket.status.value))}))
        return None, refused(request, context, forms, 409)
    except AttachmentTooLarge as exc:
        mark(_("“${name}” is larger than ${limit}: please attach a smaller file.",
               mapping={"name": exc.filename, "limit": format_size(exc.limit)}))
        return None, refused(request, context, forms, 400)
    except InvalidOperation as exc:
        mark(_("The helpdesk could not save this: ${reason}", mapping={"reason": str(exc)}))
        return None, refused(request, context, forms, 400)


def _message(request, context, kind: str):
    """A public reply or an internal note, with files, from the form ``kind``."""
    form = ReplyForm.from_post(request.POST,
                               AttachmentPolicy.from_settings(request.helpdesk_settings))
    request.add_finished_callback(lambda _request: form.close_uploads())
    forms = Forms(**{kind: form})
    if form.errors:
        return refused(request, context, forms, 400)
    ticket = context.ticket
    if kind == "reply":
        operation = lambda: request.tickets.reply(  # noqa: E731
            ticket, body=form.body, author=request.identity, attachments=form.uploads,
            expected_version=form.version)
    else:
        operation = lambda: request.tickets.note(  # noqa: E731
            ticket, body=form.body, author=request.identity, attachments=form.uploads,
            expected_version=form.version)
    message, page = attempt(request, context, forms, operation,
                            lambda error: form.errors.__setitem__("form", error))
    if page is not None:
        return page
    done = _("Reply sent.") if kind == "reply" else _("Internal note added.")
    return back_to_ticket(request, ticket, done, f"message-{message.id}")


@view_config(route_name="staff.ticket.reply", request_method="POST",
             permission="ticket.manage", renderer=TEMPLATE)
def reply(context, request):
    """A public reply, mailed to the requester and the CCs."""
    return _message(request, context, "reply")


@view_config(route_name="staff.ticket.note", request_method="POST",
             permission="ticket.note", renderer=TEMPLATE)
def note(context, request):
    """An internal note only staff read."""
    return _message(request, context, "note")


@view_config(route_name="staff.ticket.status", request_method="POST",
             permission="ticket.manage", renderer=TEMPLATE)
def change_status(context, request):
    """Resolve, set pending, reopen or close (field ``operation``)."""
    name = request.POST.get("operation", "")
    forms = Forms(operation=name)
    if name not in OPERATIONS:
        forms.errors["operation"] = _("Choose what to do with the ticket.")
        return refused(request, context, forms, 400)
    ticket = context.ticket
    method = getattr(request.tickets, STATUS_METHODS[name])
    _event, page = attempt(
        request, context, forms,
        lambda: method(ticket, actor=request.identity,
                       expected_version=expected_version_of(request.POST)),
        lambda error: forms.errors.__setitem__("operation", error))
    return page or back_to_ticket(request, ticket, STATUS_DONE[name])


@view_config(route_name="staff.ticket.take", request_method="POST",
             permission="ticket.manage", renderer=TEMPLATE)
def take(context, request):
    """The signed-in staff member takes the ticket (keeping its group)."""
    forms = Forms()
    ticket = context.ticket
    _event, page = attempt(
        request, context, forms,
        lambda: request.tickets.take(ticket, actor=request.identity,
                                     expected_version=expected_version_of(request.POST)),
        lambda error: forms.errors.__setitem__("take", error))
    return page or back_to_ticket(request, ticket, _("You hold this ticket now."))


@view_config(route_name="staff.ticket.change", request_method="POST",
             permission="ticket.manage", renderer=TEMPLATE)
def change(context, request):
    """Change the priority and the category (``""`` clears the category)."""
    priority = request.POST.get("priority", "")
    category = request.POST.get("category", "")
    forms = Forms(priority=priority, category=category)
    if priority not in {p.value for p in Priority}:
        forms.errors["priority"] = _("Choose a priority.")
    if category and category not in request.helpdesk_settings.categories:
        forms.errors["category"] = _("Choose one of the categories.")
    if forms.errors:
        return refused(request, context, forms, 400)
    ticket = context.ticket
    event, page = attempt(
        request, context, forms,
        lambda: request.tickets.change(ticket, actor=request.identity, priority=priority,
                                       category=category,
                                       expected_version=expected_version_of(request.POST)),
        lambda error: forms.errors.__setitem__("priority", error))
    if page is not None:
        return page
    done = _("Priority and category saved.") if event is not None else _("Nothing changed.")
    return back_to_ticket(request, ticket, done, "history")


@view_config(route_name="staff.ticket.revoke", request_method="POST",
             permission="ticket.manage")
def revoke_access(context, request):
    """Withdraw an outside address's access to this ticket (404 for another ticket's).

    Unlike the other actions it takes no ``expected_version``: withdrawing access
    must work however the ticket changed since the page was opened."""
    raw = request.matchdict["authorization_id"]
    authorization = request.dbsession.get(ExternalAuthorization, int(raw)) \
        if raw.isdigit() else None
    if authorization is None or authorization.ticket_id != context.ticket.id:
        raise HTTPNotFound()
    if revoke(request.tickets, authorization, actor=request.identity):
        notice = _("Access for ${address} is revoked.",
                   mapping={"address": authorization.email})
    else:
        notice = _("Access for ${address} was already revoked.",
                   mapping={"address": authorization.email})
    return back_to_ticket(request, context.ticket, notice, "outside-access")
