"""Drafts: the list, and one draft to edit, save, submit or delete."""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..drafts import delete_draft, drafts_of
from ..forms import TicketForm
from ..i18n import _, category_label
from .formpage import REFUSED, attempt, flash, form_page, read_form


@view_config(route_name="drafts.list", request_method="GET", permission="portal",
             renderer="helpdesk_web:templates/drafts.pt")
def draft_list(request):
    """The visitor's drafts."""
    return {"drafts": drafts_of(request.dbsession, request.identity),
            "category_label": category_label}


def _draft_page(context, request, form):
    return form_page(request, form, ticket=context.ticket,
                     attachments=request.tickets.attachments(context.ticket))


@view_config(route_name="drafts.edit", request_method="GET", permission="ticket.view",
             renderer="helpdesk_web:templates/draft.pt")
def draft_form(context, request):
    """The draft in the ticket form."""
    return _draft_page(context, request, TicketForm.from_ticket(context.ticket))


@view_config(route_name="drafts.edit", request_method="POST", permission="ticket.reply",
             renderer="helpdesk_web:templates/draft.pt")
def save_draft(context, request):
    """Save the draft (and stay), or save and submit it (and go to the numbered ticket)."""
    ticket = context.ticket
    submit = request.POST.get("action") == "submit"
    current = [a.id for a in request.tickets.attachments(ticket)]
    form = read_form(request, draft=not submit, current=current)
    if form.errors:
        return _draft_page(context, request, form)
    version = ticket.version

    def save():
        request.tickets.edit(
            ticket, actor=request.identity, subject=form.subject,
            description=form.description, category=form.category, cc=form.cc_addresses,
            add_attachments=form.uploads, remove_attachments=form.remove,
            expected_version=form.version)
        if submit:
            request.tickets.submit(ticket, actor=request.identity)
        return ticket

    if attempt(request, form, save, current_version=version) is REFUSED:
        return _draft_page(context, request, form)
    if submit:
        return HTTPSeeOther(request.route_path("tickets.detail", number=ticket.number))
    flash(request, _("Draft saved."))
    return HTTPSeeOther(request.route_path("drafts.edit", id=ticket.id))


@view_config(route_name="drafts.delete", request_method="POST", permission="ticket.reply")
def remove_draft(context, request):
    """Delete the draft for good."""
    delete_draft(request.dbsession, context.ticket)
    flash(request, _("Draft deleted."))
    return HTTPSeeOther(request.route_path("drafts.list"))
