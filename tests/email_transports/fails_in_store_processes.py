"""A plugin for tests: it loads in the ``helpdesk`` command's own process, and fails to
load in the store processes the command starts (a broken installation, say)."""
import multiprocessing

from pyramid_helpdesk import hookimpl

if multiprocessing.parent_process() is not None:
    raise RuntimeError("this plugin cannot be loaded in a store process")


@hookimpl
def helpdesk_ticket_created(ticket, event, helpdesk):
    """Nothing: the plugin is here to fail to load."""
