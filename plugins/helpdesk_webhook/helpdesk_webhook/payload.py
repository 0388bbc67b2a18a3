"""The JSON a webhook carries: one builder per event, documented in docs/webhooks.md.

Every payload has the same head (``id``, ``event``, ``occurred_at``, ``actor``,
``ticket``) and one event-specific member. Payloads are built and serialised in
the transaction of the change, so they show the ticket as it was then, whenever
the delivery happens. Times are ISO-8601 in UTC (``2026-03-02T01:30:00Z``).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from pyramid_helpdesk.groups.models import ServiceGroup
from pyramid_helpdesk.people.models import Person


def iso(moment: datetime | None) -> str | None:
    """``2026-03-02T01:30:00.123456Z`` (UTC), or ``None``."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def serialise(payload: dict[str, Any]) -> str:
    """Compact JSON, UTF-8 text kept as it is (the body that is signed and sent).
    Whatever a plugin put in an event's details that JSON cannot hold is written as
    text: a webhook must never abort the change it reports."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)


def describe(person) -> dict[str, str] | None:
    """``{"email", "name"}`` of a person, or ``None``."""
    return None if person is None else {"email": person.email, "name": person.name}


class PayloadBuilder:
    """Builds the parts of payloads for one change (``helpdesk`` is its HookContext)."""

    def __init__(self, helpdesk):
        self.dbsession = helpdesk.dbsession
        self.settings = helpdesk.settings
        self.now = helpdesk.now

    def person(self, person_id: int | None) -> dict[str, str] | None:
        """``{"email", "name"}`` of a person, or ``None``."""
        person = self.dbsession.get(Person, person_id) if person_id is not None else None
        return describe(person)

    def holder(self, group_id: int | None, person_id: int | None) -> dict[str, Any]:
        """``{"group": name or null, "person": {"email", "name"} or null}``."""
        group = self.dbsession.get(ServiceGroup, group_id) if group_id is not None else None
        return {"group": group.name if group else None, "person": self.person(person_id)}

    def links(self, ticket) -> dict[str, str]:
        """The ticket's page and its page in the staff console."""
        base = self.settings.base_url
        return {"url": f"{base}/tickets/{ticket.number}",
                "staff_url": f"{base}/staff/tickets/{ticket.number}"}

    def ticket(self, ticket) -> dict[str, Any]:
        """The ticket as it is now."""
        return {
            "number": ticket.number,
            "subject": ticket.subject,
            "status": ticket.status.value,
            "priority": ticket.priority.value,
            "category": ticket.category,
            "channel": ticket.channel,
            "requester": self.person(ticket.requester_id),
            "holder": self.holder(ticket.holder_group_id, ticket.holder_person_id),
            "created_at": iso(ticket.created_at or self.now),
            "due_at": iso(ticket.due_at),
            **self.links(ticket),
        }

    def head(self, event_name: str, ticket, event) -> dict[str, Any]:
        """What every payload has (``id`` is added per delivery)."""
        return {
            "event": event_name,
            "occurred_at": iso(self.now),
            "actor": self.person(event.actor_id) if event is not None else None,
            "ticket": self.ticket(ticket),
        }

    # -- the event-specific members -------------------------------------------

    def assignment(self, event) -> dict[str, Any]:
        return {"assignment": {
            "kind": event.kind.value,
            "from": self.holder(event.from_group_id, event.from_person_id),
            "to": self.holder(event.to_group_id, event.to_person_id),
            "reason": event.detail.get("reason"),
            "note": event.detail.get("note") or None,
        }}

    def forward(self, event, ticket) -> dict[str, Any]:
        to_address = event.to_address
        # A forward to an outside address keeps the holder, and its event records no
        # holders: it comes from the ticket's, which it leaves as it was.
        source = ((ticket.holder_group_id, ticket.holder_person_id) if to_address
                  else (event.from_group_id, event.from_person_id))
        return {"forward": {
            "from": self.holder(*source),
            "to": None if to_address else self.holder(event.to_group_id, event.to_person_id),
            "to_address": to_address,
            "note": event.detail.get("note") or None,
        }}

    def message(self, message) -> dict[str, Any]:
        # A new message has its author object, not yet its author_id.
        author = describe(message.author)
        if author is None and message.author_address:
            author = {"email": message.author_address, "name": None}
        is_staff = message.author is not None and message.author.is_staff
        return {"message": {
            "kind": message.kind.value,
            "author": author,
            "author_is_staff": is_staff,
            "body": message.body,
            "created_at": iso(message.created_at or self.now),
        }}

    def status(self, event) -> dict[str, Any]:
        return {"status": {
            "from": event.from_status.value if event.from_status else None,
            "to": event.to_status.value if event.to_status else None,
            "operation": event.kind.value,
        }}

    def merged_into(self, into) -> dict[str, Any]:
        return {"merged_into": {"number": into.number, **self.links(into)}}

    @staticmethod
    def nudge(ticket, event) -> dict[str, Any]:
        return {"nudge": {"count": ticket.nudge_count, "message": event.detail.get("message")}}

    @staticmethod
    def rating(rating) -> dict[str, Any]:
        return {"rating": {"score": rating.score, "comment": rating.comment or ""}}

    @staticmethod
    def sla(target: str, due_at: datetime) -> dict[str, Any]:
        return {"sla": {"target": target, "due_at": iso(due_at)}}
