"""Who hears about what: turns ticket events into outbox notifications.

A core default plugin; a plugin that wants other rules can implement the same
event hooks and ``helpdesk.notifiers`` can route them elsewhere.
"""
from __future__ import annotations

from .. import hookimpl
from ..groups.models import ServiceGroup
from ..people.models import Person
from ..tickets.models import MessageKind, TicketStatus


def ticket_url(settings, ticket) -> str:
    """The address of the ticket's page."""
    return f"{settings.base_url}/tickets/{ticket.number}"


def _subject(ticket, prefix: str = "") -> str:
    return f"{prefix}[{ticket.number}] {ticket.subject}"


def _requester_side(ticket) -> list[str]:
    return [ticket.requester.email, *(cc.email for cc in ticket.cc)]


def _holder_addresses(ticket, helpdesk) -> list[str]:
    """The holding person, else the holding group's address or its members."""
    if ticket.holder_person_id is not None:
        return [helpdesk.dbsession.get(Person, ticket.holder_person_id).email]
    if ticket.holder_group_id is not None:
        group = helpdesk.dbsession.get(ServiceGroup, ticket.holder_group_id)
        return [group.email] if group.email else [m.email for m in group.members if m.is_active]
    return []


def _send(helpdesk, kind, ticket, recipients, subject, lines, exclude=()):
    body = "\n".join([*lines, "", ticket_url(helpdesk.settings, ticket), ""])
    skip = {a.lower() for a in exclude if a}
    helpdesk.outbox.enqueue(
        kind, [r for r in recipients if r.lower() not in skip], subject, body,
        ticket_id=ticket.id, data={"ticket": ticket.number},
    )


@hookimpl
def helpdesk_ticket_created(ticket, event, helpdesk):
    """Acknowledge a new ticket to its requester and CCs, unless its channel asked not to."""
    if not event.detail.get("acknowledge", True):
        return
    _send(helpdesk, "ticket_created", ticket, _requester_side(ticket), _subject(ticket), [
        f"Your request has been received as ticket {ticket.number}.",
        "Reply to this e-mail or use the link below to follow it; keep the subject as it is.",
        *_after_hours(helpdesk),
    ])


def _after_hours(helpdesk) -> list[str]:
    """Outside service hours: when they are, and when the request will be handled."""
    settings = helpdesk.settings
    if settings.service_hours.is_open(helpdesk.now, settings.timezone):
        return []
    lines = ["", f"Our service hours are {settings.service_hours} ({settings.timezone.key})."]
    opening = settings.service_hours.next_opening(helpdesk.now, settings.timezone)
    if opening is not None:
        lines.append("Your request arrived outside them; we will handle it from "
                     f"{opening:%A %Y-%m-%d %H:%M}.")
    return lines


@hookimpl
def helpdesk_ticket_assigned(ticket, event, helpdesk):
    """Tell the new holder a ticket is theirs (not when they took it themselves)."""
    if event.actor_id is not None and event.actor_id == ticket.holder_person_id:
        return
    _send(helpdesk, "ticket_assigned", ticket, _holder_addresses(ticket, helpdesk),
          _subject(ticket, "Assigned: "), [f"Ticket {ticket.number} is now with you."])


@hookimpl
def helpdesk_ticket_forwarded(ticket, event, helpdesk):
    """Tell whoever received the forwarded ticket."""
    recipients = [event.to_address] if event.to_address else _holder_addresses(ticket, helpdesk)
    note = event.detail.get("note") or ""
    _send(helpdesk, "ticket_forwarded", ticket, recipients, _subject(ticket, "Forwarded: "),
          [f"Ticket {ticket.number} was forwarded to you.", note])


@hookimpl
def helpdesk_message_added(ticket, message, event, helpdesk):
    """Staff replies go to the requester side, requester replies to the holder;
    internal notes go to nobody (staff read them on the ticket)."""
    if message.kind is MessageKind.internal:
        return
    author = message.author.email if message.author else message.author_address
    if message.author is not None and message.author.is_staff and (
        message.author_id != ticket.requester_id
    ):
        recipients = _requester_side(ticket)
    else:
        recipients = _holder_addresses(ticket, helpdesk)
    _send(helpdesk, f"message_{message.kind.value}", ticket, recipients, _subject(ticket, "Re: "),
          [message.body], exclude=[author])


@hookimpl
def helpdesk_ticket_status_changed(ticket, event, helpdesk):
    """Tell the requester side when their ticket waits for them, is resolved or closed
    (not the person who made the change)."""
    notice = STATUS_NOTICES.get(event.to_status)
    if notice is None:
        return
    kind, prefix, lines = notice
    actor = helpdesk.dbsession.get(Person, event.actor_id) if event.actor_id else None
    _send(helpdesk, kind, ticket, _requester_side(ticket), _subject(ticket, prefix),
          [line.format(number=ticket.number) for line in lines],
          exclude=[actor.email] if actor else ())


STATUS_NOTICES = {
    TicketStatus.pending: ("ticket_pending", "Waiting for you: ", [
        "Ticket {number} is waiting for your answer.",
        "Reply to this e-mail or on the ticket page."]),
    TicketStatus.resolved: ("ticket_resolved", "Resolved: ", [
        "Ticket {number} has been resolved.",
        "If the problem is not solved, reply and the ticket reopens."]),
    TicketStatus.closed: ("ticket_closed", "Closed: ", [
        "Ticket {number} is closed. For anything new, write to us again."]),
}


@hookimpl
def helpdesk_ticket_nudged(ticket, event, helpdesk):
    """Urge the current holder."""
    text = event.detail.get("message") or "Please look at this ticket."
    _send(helpdesk, "ticket_nudged", ticket, _holder_addresses(ticket, helpdesk),
          _subject(ticket, "Reminder: "),
          [f"Reminder {ticket.nudge_count} for ticket {ticket.number}.", text])


