"""A person's drafts: the draft as a page's context, the list, and deleting one.

A draft is a ticket whose status is ``draft``: it has no number and only its
requester may see it. Deleting a draft really deletes it (its messages, events,
CC entries and attachment rows go with it through the foreign keys' ``ON DELETE
CASCADE``); nobody else ever saw it, so there is no history to keep. Attachment
content stays in the store, which is shared by content hash.
"""
from __future__ import annotations

from typing import Sequence

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from sqlalchemy import select
from sqlalchemy.orm import Session

from pyramid_helpdesk.people.models import Person
from pyramid_helpdesk.tickets.models import Ticket, TicketStatus
from pyramid_helpdesk.tickets.resources import ticket_acl

from .listing import MAX_ID


class DraftResource:
    """The draft named by the route's ``id``: 404 unless it is the visitor's own draft."""

    def __init__(self, request):
        person = request.identity
        if person is None:
            raise HTTPForbidden()  # anonymous visitors are sent to log in
        ticket_id = int(request.matchdict["id"])
        ticket = request.dbsession.get(Ticket, ticket_id) if ticket_id <= MAX_ID else None
        if ticket is None or ticket.status is not TicketStatus.draft \
                or ticket.requester_id != person.id:
            raise HTTPNotFound()
        self.ticket = ticket

    @property
    def __acl__(self):
        return ticket_acl(self.ticket, [])


def drafts_of(dbsession: Session, person: Person) -> Sequence[Ticket]:
    """The person's drafts, last saved first."""
    return dbsession.scalars(
        select(Ticket)
        .where(Ticket.requester_id == person.id, Ticket.status == TicketStatus.draft)
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
    ).all()


def delete_draft(dbsession: Session, ticket: Ticket) -> None:
    """Delete a draft and everything that belongs to it."""
    if ticket.status is not TicketStatus.draft:
        raise ValueError(f"{ticket!r} is not a draft")
    dbsession.delete(ticket)
    dbsession.flush()
