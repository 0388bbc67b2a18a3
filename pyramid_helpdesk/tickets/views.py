"""The ticket page: status, holder, conversation (internal notes for staff)."""
from pyramid.view import view_config


@view_config(route_name="tickets.detail", renderer="pyramid_helpdesk:templates/tickets/detail.pt",
             permission="ticket.view", request_method="GET")
def ticket_detail(context, request):
    """Show one ticket to someone allowed to see it."""
    ticket = context.ticket
    staff = request.has_permission("ticket.note", context)
    return {
        "ticket": ticket,
        "messages": request.tickets.messages(ticket, include_internal=bool(staff)),
        "attachments": request.tickets.attachments(ticket),
        "events": request.tickets.events(ticket) if staff else [],
        "is_staff": bool(staff),
    }
