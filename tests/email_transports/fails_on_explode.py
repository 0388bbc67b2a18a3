"""A plugin for tests: a defect that strikes one message, the one whose subject says "Explode".

It stands for a bug in a plugin: an exception the intake does not expect. The
message must then fail alone, never the other messages stored with it.
"""
from pyramid_helpdesk import hookimpl


@hookimpl
def helpdesk_ticket_created(ticket, event, helpdesk):
    if "Explode" in ticket.subject:
        raise RuntimeError("a plugin defect")
