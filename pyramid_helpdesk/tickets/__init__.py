"""Tickets: the lifecycle service (``request.tickets``) and the ticket page."""


def _ticket_service(request):
    from .services import TicketService

    return TicketService(request.dbsession, request.helpdesk_settings,
                         request.registry.helpdesk_plugins)


def includeme(config):
    """Add ``request.tickets`` and the ``tickets.*`` routes."""
    from .resources import TicketResource

    config.add_request_method(_ticket_service, "tickets", reify=True)
    config.add_route("tickets.detail", "/tickets/{number}", factory=TicketResource)
    config.scan(".views")
