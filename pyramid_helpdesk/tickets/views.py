"""The ticket page: status, holder, conversation (internal notes for staff)."""
from pyramid.view import view_config

from .quoting import split_quoted


def folded(body: str) -> tuple[str, str]:
    """A message's new text and its quoted history (all of it new when nothing else is)."""
    new, quoted = split_quoted(body)
    return (new, quoted) if new.strip() else (body, "")


@view_config(route_name="tickets.detail", renderer="pyramid_helpdesk:templates/tickets/detail.pt",
             permission="ticket.view", request_method="GET")
def ticket_detail(context, request):
    """Show one ticket to someone allowed to see it."""
    ticket = context.ticket
    staff = request.has_permission("ticket.note", context)
    messages = request.tickets.messages(ticket, include_internal=bool(staff))
    return {
        "ticket": ticket,
        "messages": [(message, *folded(message.body)) for message in messages],
        "attachments": request.tickets.attachments(ticket),
        "events": request.tickets.events(ticket) if staff else [],
        "is_staff": bool(staff),
    }
