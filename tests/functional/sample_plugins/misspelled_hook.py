"""A plugin whose hook name has a typo: it would silently never run."""
from pyramid_helpdesk import hookimpl


@hookimpl
def helpdesk_ticket_creatd(ticket, event, helpdesk):
    """Meant to be ``helpdesk_ticket_created``."""
