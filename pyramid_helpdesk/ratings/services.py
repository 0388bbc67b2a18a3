"""Recording a rating: once per ticket, only once the ticket is resolved.

This sits beside the lifecycle service and uses its session, clock and hooks
(``request.tickets``): a rating is not a lifecycle operation (the ticket's status,
holder and version stay as they are), but like one it writes one
:class:`TicketEvent` (``rated``, detail ``{"score": n}``) and fires its hook,
``helpdesk_ticket_rated``. It flushes and never commits.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import DomainError, InvalidOperation, TransitionNotAllowed
from ..tickets.models import EventKind, Rating, Ticket, TicketEvent, TicketStatus

SCORES = range(1, 6)
MAX_COMMENT = 2000


class AlreadyRated(DomainError):
    """The ticket has a rating already; ``rating`` is the one recorded."""

    def __init__(self, rating: Rating):
        self.rating = rating
        super().__init__(f"ticket {rating.ticket_id} is rated already")


def is_rateable(ticket: Ticket) -> bool:
    """A resolved ticket, or a closed one that was not closed by a merge."""
    return ticket.status is TicketStatus.resolved or (
        ticket.status is TicketStatus.closed and ticket.merged_into_id is None)


def rating_of(dbsession: Session, ticket_id: int) -> Rating | None:
    """The ticket's rating, if it has one (the unique index on ``ticket_id``)."""
    return dbsession.scalars(select(Rating).where(Rating.ticket_id == ticket_id)).first()


def rate(tickets, ticket: Ticket, *, score: int, comment: str = "") -> Rating:
    """Record the requester's rating of ``ticket`` with ``tickets`` (the lifecycle
    service of this session): ``score`` 1 (poor) to 5 (excellent), an optional
    ``comment`` of at most :data:`MAX_COMMENT` characters.

    Raises :class:`TransitionNotAllowed` when the ticket is not resolved or closed,
    :class:`InvalidOperation` for a bad score or comment, and :class:`AlreadyRated`
    when it has a rating, also when a concurrent request stored one first (the
    unique index decides; only this method's savepoint is rolled back).
    """
    if not is_rateable(ticket):
        raise TransitionNotAllowed("rate", ticket.status.value)
    if score not in SCORES:
        raise InvalidOperation(f"a score is 1 to 5, not {score}")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidOperation(f"a comment has at most {MAX_COMMENT} characters")
    dbsession = tickets.dbsession
    now = tickets.clock()
    rating = Rating(ticket_id=ticket.id, score=score, comment=comment, created_at=now)
    try:
        with dbsession.begin_nested():
            dbsession.add(rating)
            dbsession.flush()
    except IntegrityError:
        raise AlreadyRated(rating_of(dbsession, ticket.id)) from None
    event = TicketEvent(ticket_id=ticket.id, kind=EventKind.rated, actor_id=ticket.requester_id,
                        created_at=now, detail={"score": score})
    dbsession.add(event)
    dbsession.flush()
    tickets.hook.helpdesk_ticket_rated(ticket=ticket, rating=rating, event=event,
                                       helpdesk=tickets.hook_context(now))
    dbsession.flush()
    return rating
