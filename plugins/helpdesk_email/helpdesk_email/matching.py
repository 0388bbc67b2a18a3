"""Which ticket a reply belongs to, and whether its sender may add to it."""
from __future__ import annotations

import re
from typing import Callable, Iterable, Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from pyramid_helpdesk.groups.models import ServiceGroup
from pyramid_helpdesk.people.models import Person
from pyramid_helpdesk.people.services import find_by_email
from pyramid_helpdesk.tickets.models import ExternalAuthorization, Message, Ticket
from pyramid_helpdesk.tickets.services import TicketService

from .outgoing import parse_helpdesk_message_id
from .parsing import ParsedMessage

# "[HD-000042]" or "[Helpdesk #HD-000042]" anywhere in the subject ("Re: Fwd: ...").
SUBJECT_TAG = re.compile(r"\[(?:[^\[\]#]{0,40}#\s*)?([^\[\]\s#]{1,32})\]")


class ThreadLookup:
    """What :func:`find_ticket` asks the database: the ticket with a number, and the
    ticket of the latest stored message among some Message-IDs (with its CCs)."""

    def __init__(self, dbsession: Session, tickets: TicketService):
        self.dbsession = dbsession
        self.tickets = tickets

    def by_number(self, number: str) -> Ticket | None:
        return self.tickets.get(number)

    def latest(self, message_ids: Sequence[str]) -> Ticket | None:
        return self.dbsession.scalars(
            select(Ticket).join(Message, Message.ticket_id == Ticket.id)
            .where(Message.email_message_id.in_(message_ids))
            .order_by(Message.id.desc()).limit(1).options(joinedload(Ticket.cc))
        ).unique().first()


class BatchThreads(ThreadLookup):
    """The same answers for the messages of one batch, from two queries for all of them.

    Built before the batch stores anything: it reads the tickets and the messages its
    messages may refer to (their Message-IDs, the ticket numbers in our Message-IDs and
    subject tags). What the batch stores is added as it goes (:meth:`stored`), so a
    reply to a message of the same batch finds its ticket without a flush. A key that
    was not read first (none, for the messages it was built with) is looked up in the
    database as :class:`ThreadLookup` does: what the batch stored was looked at first,
    so the rows pending in the session need no flush for it.
    """

    def __init__(self, dbsession: Session, tickets: TicketService,
                 messages: Iterable[ParsedMessage], domain: str):
        super().__init__(dbsession, tickets)
        self.domain = domain
        message_ids: set[str] = set()
        numbers: set[str] = set()
        messages = list(messages)
        self._own = {parsed.message_id for parsed in messages if parsed.message_id}
        for parsed in messages:
            referenced = {*parsed.in_reply_to, *parsed.references}
            message_ids.update(referenced)
            numbers.update(_numbers(parsed, referenced, domain))
        # Stored before the batch: Message-ID -> (message id, ticket id); numbers -> ticket.
        self._messages: dict[str, tuple[int, int]] = {}
        self._numbers: dict[str, Ticket | None] = dict.fromkeys(numbers)
        # Stored by the batch, in order: Message-ID -> (order, ticket); number -> ticket.
        self._batch_messages: dict[str, tuple[int, Ticket]] = {}
        self._batch_numbers: dict[str, Ticket] = {}
        if message_ids:
            self._messages = {email_id: (message_id, ticket_id) for email_id, message_id, ticket_id
                              in dbsession.execute(
                                  select(Message.email_message_id, Message.id, Message.ticket_id)
                                  .where(Message.email_message_id.in_(message_ids)))}
        wanted_ids = {ticket_id for _message_id, ticket_id in self._messages.values()}
        if wanted_ids or numbers:
            conditions = []
            if wanted_ids:
                conditions.append(Ticket.id.in_(wanted_ids))
            if numbers:
                conditions.append(Ticket.number.in_(numbers))
            # With their holding groups' members, whom the composer tells of a reply.
            found = dbsession.scalars(
                select(Ticket).where(or_(*conditions))
                .options(joinedload(Ticket.holder_group).selectinload(ServiceGroup.members))
            ).unique().all()
            self._tickets = {ticket.id: ticket for ticket in found}
            self._numbers.update((ticket.number, ticket) for ticket in found
                                 if ticket.number in self._numbers)
        else:
            self._tickets = {}
        self._read_ids = message_ids

    def finds_nothing(self, parsed: ParsedMessage) -> bool:
        """Whether :func:`find_ticket` will find no ticket for ``parsed`` (one of the
        batch's messages), whatever the batch stores before it: it refers to no message
        stored before the batch nor to one of the batch, and names no stored ticket (a
        ticket the batch creates has a number nobody has been told yet)."""
        referenced = {*parsed.in_reply_to, *parsed.references}
        if not referenced.isdisjoint(self._messages) or not referenced.isdisjoint(self._own):
            return False
        return all(self._numbers.get(number) is None
                   for number in _numbers(parsed, referenced, self.domain))

    def stored(self, message_id: str | None, ticket: Ticket) -> None:
        """The batch stored a message (``message_id``) on ``ticket``."""
        if ticket.number:
            self._batch_numbers[ticket.number] = ticket
        if message_id:
            self._batch_messages[message_id] = (len(self._batch_messages), ticket)

    def by_number(self, number: str) -> Ticket | None:
        if number in self._batch_numbers:
            return self._batch_numbers[number]
        if number in self._numbers:
            return self._numbers[number]
        with self.dbsession.no_autoflush:  # not read first, and not the batch's
            return super().by_number(number)

    def latest(self, message_ids: Sequence[str]) -> Ticket | None:
        # A message the batch stored is later than any stored before it.
        in_batch = [self._batch_messages[m] for m in message_ids if m in self._batch_messages]
        if in_batch:
            return max(in_batch, key=lambda found: found[0])[1]
        if not self._read_ids.issuperset(message_ids):
            with self.dbsession.no_autoflush:  # not read first, and not the batch's
                return super().latest(message_ids)
        found = [self._messages[m] for m in message_ids if m in self._messages]
        if not found:
            return None
        _message_id, ticket_id = max(found)
        return self._tickets.get(ticket_id) or self.dbsession.get(Ticket, ticket_id)


def find_ticket(dbsession: Session, tickets: TicketService, parsed: ParsedMessage,
                domain: str, lookup: ThreadLookup | None = None) -> Ticket | None:
    """The ticket ``parsed`` replies to: by its headers first, then by the subject tag
    (looked up through ``lookup``: by default, the database)."""
    lookup = lookup or ThreadLookup(dbsession, tickets)
    referenced = [*parsed.in_reply_to, *reversed(parsed.references)]
    for message_id in referenced:
        number = parse_helpdesk_message_id(message_id, domain)
        ticket = lookup.by_number(number) if number else None
        if ticket is not None:
            return tickets.merge_target(ticket)
    if referenced:  # the ticket of the latest message referred to, with its CCs
        ticket = lookup.latest(referenced)
        if ticket is not None:
            return tickets.merge_target(ticket)
    for match in SUBJECT_TAG.finditer(parsed.subject):
        ticket = lookup.by_number(match.group(1))
        if ticket is not None:
            return tickets.merge_target(ticket)
    return None


def referenced_keys(parsed: ParsedMessage, domain: str) -> set[str]:
    """Every Message-ID ``parsed`` refers to and every ticket number it names (in our
    Message-IDs and in subject tags): all that :func:`find_ticket` may look up."""
    referenced = {*parsed.in_reply_to, *parsed.references}
    return referenced | _numbers(parsed, referenced, domain)


def _numbers(parsed: ParsedMessage, referenced: set[str], domain: str) -> set[str]:
    """The ticket numbers named in our Message-IDs among ``referenced`` and in the subject."""
    numbers = {parse_helpdesk_message_id(message_id, domain) for message_id in referenced}
    numbers.update(match.group(1) for match in SUBJECT_TAG.finditer(parsed.subject))
    numbers.discard(None)
    return numbers


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
