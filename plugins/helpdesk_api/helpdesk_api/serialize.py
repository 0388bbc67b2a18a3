"""Tickets, messages, people and groups as the JSON objects of ``openapi.yaml``."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import object_session

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


def holder_json(ticket: Ticket) -> dict[str, Any]:
    """The holding group and person, read by id: a service that just moved the ticket
    changed the ids, not the relationships loaded before."""
    session = object_session(ticket)
    group = person = None
    if ticket.holder_group_id is not None:
        group = session.get(ServiceGroup, ticket.holder_group_id)
    if ticket.holder_person_id is not None:
        person = session.get(Person, ticket.holder_person_id)
    return {"group": group_ref(group), "person": person_ref(person)}


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
        "holder": holder_json(ticket),
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


def attachment_json(request, attachment) -> dict[str, Any]:
    """A file's name, type, size and API download address."""
    return {"id": attachment.id, "filename": attachment.filename,
            "content_type": attachment.content_type, "size": attachment.size,
            "url": request.route_url("api.attachment", attachment_id=attachment.id)}


def message_json(request, message, attachments=()) -> dict[str, Any]:
    """A message of the conversation with its files."""
    return {"id": message.id, "kind": message.kind.value, "author": person_ref(message.author),
            "author_address": message.author_address, "body": message.body,
            "created_at": moment(message.created_at),
            "attachments": [attachment_json(request, a) for a in attachments]}


def event_json(event, groups: dict[int, ServiceGroup], people: dict[int, Person]) -> dict:
    """One step of a ticket's history; ``groups`` and ``people`` name its targets."""
    return {
        "id": event.id, "kind": event.kind.value, "at": moment(event.created_at),
        "actor": person_ref(event.actor),
        "from_status": event.from_status.value if event.from_status else None,
        "to_status": event.to_status.value if event.to_status else None,
        "group": group_ref(groups.get(event.to_group_id)),
        "person": person_ref(people.get(event.to_person_id)),
        "to_address": event.to_address,
        "detail": dict(event.detail or {}),
    }
