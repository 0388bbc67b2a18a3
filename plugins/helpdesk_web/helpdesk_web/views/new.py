"""The new-ticket form: submit a ticket, or save it as a draft."""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..forms import TicketForm
from ..i18n import _
from .formpage import REFUSED, attempt, flash, form_page, read_form

TEMPLATE = "helpdesk_web:templates/new.pt"


@view_config(route_name="tickets.new", request_method="GET", renderer=TEMPLATE,
             permission="portal")
def new_ticket_form(request):
    """An empty form."""
    return form_page(request, TicketForm())


@view_config(route_name="tickets.new", request_method="POST", renderer=TEMPLATE,
             permission="portal")
def create_ticket(request):
    """Submit (go to the numbered ticket) or save a draft (go to it); a bad form comes back."""
    draft = request.POST.get("action") == "draft"
    form = read_form(request, draft=draft)
    if form.errors:
        return form_page(request, form)
    ticket = attempt(request, form, lambda: request.tickets.create(
        requester=request.identity, subject=form.subject, description=form.description,
        channel="web", category=form.category or None, cc=form.cc_addresses,
        attachments=form.uploads, draft=draft,
    ))
    if ticket is REFUSED:
        return form_page(request, form)
    if draft:
        flash(request, _("Draft saved. Submit it when it is ready."))
        return HTTPSeeOther(request.route_path("drafts.edit", id=ticket.id))
    return HTTPSeeOther(request.route_path("tickets.detail", number=ticket.number))
