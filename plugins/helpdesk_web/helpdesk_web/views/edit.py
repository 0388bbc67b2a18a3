"""Editing a submitted ticket: its requester, until staff first reply."""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..forms import TicketForm
from ..i18n import _
from .formpage import REFUSED, attempt, flash, form_page, read_form

TEMPLATE = "helpdesk_web:templates/edit.pt"


def _refusal(context, request):
    """Why the visitor may not edit this ticket (a redirect to it), or ``None``."""
    ticket = context.ticket
    if ticket.requester_id != request.identity.id:
        flash(request, _("Only the person who submitted this ticket can edit it."))
    elif not request.tickets.is_editable(ticket):
        flash(request, _("This ticket can no longer be edited: staff have answered it. "
                         "Add a reply instead."))
    else:
        return None
    return HTTPSeeOther(request.route_path("tickets.detail", number=ticket.number))


def _edit_page(context, request, form):
    return form_page(request, form, ticket=context.ticket,
                     attachments=request.tickets.attachments(context.ticket))


@view_config(route_name="tickets.edit", request_method="GET", permission="ticket.view",
             renderer=TEMPLATE)
def edit_form(context, request):
    """The ticket in the form, as it is now."""
    return _refusal(context, request) or _edit_page(
        context, request, TicketForm.from_ticket(context.ticket))


@view_config(route_name="tickets.edit", request_method="POST", permission="ticket.reply",
             renderer=TEMPLATE)
def save_edit(context, request):
    """Save the changes (one ``edited`` event in the ticket's history) and show the ticket."""
    refusal = _refusal(context, request)
    if refusal is not None:
        return refusal
    ticket = context.ticket
    form = read_form(request, current=[a.id for a in request.tickets.attachments(ticket)])
    if form.errors:
        return _edit_page(context, request, form)
    version = ticket.version
    event = attempt(request, form, lambda: request.tickets.edit(
        ticket, actor=request.identity, subject=form.subject, description=form.description,
        category=form.category, cc=form.cc_addresses, add_attachments=form.uploads,
        remove_attachments=form.remove, expected_version=form.version),
        current_version=version)
    if event is REFUSED:
        return _edit_page(context, request, form)
    flash(request, _("Your changes are saved.") if event else _("Nothing was changed."))
    return HTTPSeeOther(request.route_path("tickets.detail", number=ticket.number))
