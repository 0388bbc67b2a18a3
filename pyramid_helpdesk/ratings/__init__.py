"""Satisfaction ratings: the requester rates a resolved ticket (1-5 and a comment),
through a signed link mailed on resolution (:mod:`.invitation`) or on their ticket page."""


def includeme(config):
    """Check ``helpdesk.ratings.link_days``; add the ``ratings.*`` routes and views."""
    from ..tickets.actions import TicketAction
    from .links import link_days

    link_days(config.registry.helpdesk_settings)  # a bad value stops start-up
    config.add_route("ratings.link", "/rate/{token}")
    config.add_route("ratings.ticket", "/tickets/{number}/rate", factory=TicketAction)
    config.add_static_view("ratings-static", "pyramid_helpdesk.ratings:static",
                           cache_max_age=3600)
    config.scan(".views")
