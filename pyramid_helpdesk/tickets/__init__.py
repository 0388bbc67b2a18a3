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
    # The ticket page's actions, attachments and outside delegates' links.
    from ..attachments.resources import AttachmentResource
    from .actions import TicketAction

    for action in ("reply", "resolve", "reopen"):
        config.add_route(f"tickets.{action}", f"/tickets/{{number}}/{action}", factory=TicketAction)
    config.add_route("attachments.download", r"/attachments/{attachment_id:\d+}/{filename:.+}",
                     factory=AttachmentResource)
    config.add_route("delegation.open", "/delegate/{token}")
    config.add_route("delegation.revoke", r"/delegates/{authorization_id:\d+}/revoke")
    config.scan(".views")
    config.scan(".actions")
    config.scan(".delegation_views")
    config.scan("..attachments.views")
