"""Which ticket a reply belongs to, and whether its sender may add to it."""
from __future__ import annotations

import re
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from pyramid_helpdesk.people.models import Person
from pyramid_helpdesk.people.services import find_by_email
from pyramid_helpdesk.tickets.models import ExternalAuthorization, Message, Ticket
from pyramid_helpdesk.tickets.services import TicketService

from .outgoing import parse_helpdesk_message_id
from .parsing import ParsedMessage

# "[HD-000042]" or "[Helpdesk #HD-000042]" anywhere in the subject ("Re: Fwd: ...").
SUBJECT_TAG = re.compile(r"\[(?:[^\[\]#]{0,40}#\s*)?([^\[\]\s#]{1,32})\]")


def find_ticket(dbsession: Session, tickets: TicketService, parsed: ParsedMessage,
                domain: str) -> Ticket | None:
    """The ticket ``parsed`` replies to: by its headers first, then by the subject tag."""
    referenced = [*parsed.in_reply_to, *reversed(parsed.references)]
    for message_id in referenced:
        number = parse_helpdesk_message_id(message_id, domain)
        ticket = tickets.get(number, follow_merges=True) if number else None
        if ticket is not None:
            return ticket
    if referenced:  # the ticket of the latest message referred to, with its CCs: one query
        ticket = dbsession.scalars(
            select(Ticket).join(Message, Message.ticket_id == Ticket.id)
            .where(Message.email_message_id.in_(referenced))
            .order_by(Message.id.desc()).limit(1).options(joinedload(Ticket.cc))
        ).unique().first()
        if ticket is not None:
            return tickets.merge_target(ticket)
    for match in SUBJECT_TAG.finditer(parsed.subject):
        ticket = tickets.get(match.group(1), follow_merges=True)
        if ticket is not None:
            return ticket
    return None


def referenced_keys(parsed: ParsedMessage, domain: str) -> set[str]:
    """Every Message-ID ``parsed`` refers to and every ticket number it names (in our
    Message-IDs and in subject tags): all that :func:`find_ticket` may look up."""
    referenced = {*parsed.in_reply_to, *parsed.references}
    numbers = {parse_helpdesk_message_id(message_id, domain) for message_id in referenced}
    numbers.update(match.group(1) for match in SUBJECT_TAG.finditer(parsed.subject))
    numbers.discard(None)
    return referenced | numbers


def allowed_author(dbsession: Session, ticket: Ticket, address: str, now,
                   find_person: Callable[[str], Person | None] | None = None,
                   ) -> tuple[bool, Person | None]:
    """Whether ``address`` may add to ``ticket``, and the person writing, if known.

    The requester, a CC, staff, and an outside address authorised on this
    ticket may; anyone else may not. ``find_person`` looks the address up
    (default: :func:`find_by_email`; a batch passes the people it read at once).
    """
    person = find_person(address) if find_person else find_by_email(dbsession, address)
    if ticket.requester.email == address:
        return True, ticket.requester
    if any(cc.email == address for cc in ticket.cc):
        return True, person
    if person is not None and person.is_staff and person.is_active:
        return True, person
    grants = dbsession.scalars(select(ExternalAuthorization).where(
        ExternalAuthorization.ticket_id == ticket.id, ExternalAuthorization.email == address))
    if any(grant.is_valid(now) for grant in grants):
        return True, person
    return False, person
