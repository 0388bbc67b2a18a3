"""The new-ticket form: GET shows it, POST creates the ticket through the lifecycle service."""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from pyramid_helpdesk.errors import AttachmentTooLarge, DomainError

from .forms import TicketForm

TEMPLATE = "helpdesk_web:templates/new.pt"


def _page(request, form):
    return {"form": form, "categories": request.helpdesk_settings.categories}


@view_config(route_name="tickets.new", request_method="GET", renderer=TEMPLATE,
             permission="portal")
def new_ticket_form(request):
    """An empty form."""
    return _page(request, TicketForm())


@view_config(route_name="tickets.new", request_method="POST", renderer=TEMPLATE,
             permission="portal")
def create_ticket(request):
    """Create the ticket and go to its page; a bad form comes back with the text kept."""
    form = TicketForm.from_post(request.POST, request.helpdesk_settings.categories)
    request.add_finished_callback(lambda _request: form.close_uploads())
    if not form.errors:
        try:
            ticket = request.tickets.create(
                requester=request.identity, subject=form.subject,
                description=form.description, channel="web",
                category=form.category or None, cc=form.cc_addresses, attachments=form.uploads,
            )
        except AttachmentTooLarge as exc:
            request.tm.doom()  # the service may have written part of the ticket
            form.errors["attachment"] = f"{exc}: please attach a smaller file."
        except DomainError as exc:
            request.tm.doom()
            form.errors["form"] = str(exc)
        else:
            return HTTPSeeOther(request.route_path("tickets.detail", number=ticket.number))
    request.response.status = 400
    return _page(request, form)
