"""A ticket as a Pyramid context, with the ACL that decides who sees it."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from pyramid.authorization import DENY_ALL, Allow
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from sqlalchemy import select

from ..db.types import utcnow
from ..people.models import Role
from .models import ExternalAuthorization, Ticket, TicketStatus

REQUESTER_PERMISSIONS = ("ticket.view", "ticket.reply")
STAFF_PERMISSIONS = ("ticket.view", "ticket.reply", "ticket.note", "ticket.manage")


def ticket_acl(ticket: Ticket, authorized_emails: list[str],
               delegations: Iterable[int] = ()) -> list:
    """Requester, CCs and authorised outside addresses read and reply; first line,
    coordinators and the current holder (person or group) also note and manage.
    The requester also marks it resolved or reopens it (``ticket.resolve``); a
    browser holding a delegate link of a valid authorisation in ``delegations``
    (``delegation:<id>``, see :mod:`.delegation`) reads and replies.
    A draft is its requester's alone."""
    if ticket.status is TicketStatus.draft:
        return [(Allow, f"person:{ticket.requester_id}", REQUESTER_PERMISSIONS), DENY_ALL]
    acl = [(Allow, "firstline", STAFF_PERMISSIONS),
           (Allow, f"role:{Role.coordinator.value}", STAFF_PERMISSIONS)]
    if ticket.holder_person_id is not None:
        acl.append((Allow, f"person:{ticket.holder_person_id}", STAFF_PERMISSIONS))
    if ticket.holder_group_id is not None:
        acl.append((Allow, f"group:{ticket.holder_group_id}", STAFF_PERMISSIONS))
    acl.append((Allow, f"person:{ticket.requester_id}",
                (*REQUESTER_PERMISSIONS, "ticket.resolve")))
    for address in [cc.email for cc in ticket.cc] + authorized_emails:
        acl.append((Allow, f"email:{address.lower()}", REQUESTER_PERMISSIONS))
    for authorization_id in delegations:
        acl.append((Allow, f"delegation:{authorization_id}", REQUESTER_PERMISSIONS))
    acl.append(DENY_ALL)
    return acl


class TicketResource:
    """The ticket named by the route's ``number``; 404 when there is none."""

    def __init__(self, request):
        self.request = request
        number = request.matchdict["number"]
        # No number holds a NUL byte, and PostgreSQL text cannot even compare with one.
        ticket = self.load_ticket(number) if "\x00" not in number else None
        if ticket is None:
            # Anonymous visitors are sent to log in whether or not the number
            # exists, so ticket numbers cannot be probed without an account.
            raise HTTPNotFound() if request.identity is not None else HTTPForbidden()
        self.ticket = ticket

    def load_ticket(self, number: str) -> Ticket | None:
        """The ticket with this number, if any."""
        return self.request.tickets.get(number)

    @property
    def __acl__(self):
        valid = self._valid_authorizations(utcnow())
        return ticket_acl(self.ticket, [row.email for row in valid], [row.id for row in valid])

    def _valid_authorizations(self, now: datetime) -> list[ExternalAuthorization]:
        rows = self.request.dbsession.scalars(
            select(ExternalAuthorization).where(
                ExternalAuthorization.ticket_id == self.ticket.id,
                ExternalAuthorization.revoked_at.is_(None),
            )
        )
        return [row for row in rows if row.is_valid(now)]
