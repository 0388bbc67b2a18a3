"""Tickets, messages, people and groups as the JSON objects of ``openapi.yaml``."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pyramid_helpdesk.groups.models import ServiceGroup
from pyramid_helpdesk.people.models import Person
from pyramid_helpdesk.tickets.models import Ticket


def moment(value: datetime | None) -> str | None:
    """An aware datetime in RFC 3339 (UTC), or ``None``."""
    return value.isoformat() if value is not None else None


def person_ref(person: Person | None) -> dict[str, Any] | None:
    """``{id, name, email}`` of a person."""
    if person is None:
        return None
    return {"id": person.id, "name": person.display_name, "email": person.email}


def group_ref(group: ServiceGroup | None) -> dict[str, Any] | None:
    """``{id, name}`` of a group."""
    if group is None:
        return None
    return {"id": group.id, "name": group.name}


def person_json(person: Person) -> dict[str, Any]:
    """A person as staff see them in a lookup."""
    return {"id": person.id, "name": person.display_name, "email": person.email,
            "phone": person.phone or "", "department": person.department or "",
            "role": person.role.value}


def ticket_summary(request, ticket: Ticket) -> dict[str, Any]:
    """The fields of a ticket in a list."""
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "category": ticket.category,
        "channel": ticket.channel,
        "requester": person_ref(ticket.requester),
        "holder": {"group": group_ref(ticket.holder_group),
                   "person": person_ref(ticket.holder_person)},
        "created_at": moment(ticket.created_at),
        "updated_at": moment(ticket.updated_at),
        "due_at": moment(ticket.due_at),
        "version": ticket.version,
        "url": request.route_url("tickets.detail", number=ticket.number),
    }


def ticket_json(request, ticket: Ticket, merged_into: str | None = None) -> dict[str, Any]:
    """A whole ticket; ``merged_into`` is the number of the ticket it was merged into."""
    return {
        **ticket_summary(request, ticket),
        "description": ticket.description,
        "cc": [cc.email for cc in ticket.cc],
        "resolved_at": moment(ticket.resolved_at),
        "merged_into": merged_into,
    }
