"""A plugin for tests: notes which process stored each new ticket.

Each ticket created appends ``<process id> <subject>`` to ``store-processes.txt`` in the
working directory (the installation's): which processes ``helpdesk fetchmail`` stored in.
"""
import os

from pyramid_helpdesk import hookimpl


@hookimpl
def helpdesk_ticket_created(ticket, event, helpdesk):
    with open("store-processes.txt", "a", encoding="utf-8") as notes:
        notes.write(f"{os.getpid()} {ticket.subject}\n")
