"""A plugin whose hook implementation asks for an argument the hook does not have."""
from pyramid_helpdesk import hookimpl


@hookimpl
def helpdesk_ticket_created(ticket, evnt, helpdesk):
    """``evnt`` should be ``event``."""
