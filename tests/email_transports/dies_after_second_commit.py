"""A plugin for tests: the ``helpdesk`` process dies right after its second ticket is committed.

It stands for a crash (power cut, out-of-memory kill) in the worst place: a
message is committed and the IMAP server has not yet been told it was read.
"""
import os
import signal

from sqlalchemy import event as sqlalchemy_event

from pyramid_helpdesk import hookimpl

_created = []


@hookimpl
def helpdesk_ticket_created(ticket, event, helpdesk):
    _created.append(ticket.number)
    if len(_created) == 2:
        sqlalchemy_event.listen(helpdesk.dbsession, "after_commit", _die)


def _die(session):
    if not session.in_nested_transaction():  # the real commit, not a savepoint's release
        os.kill(os.getpid(), signal.SIGKILL)
