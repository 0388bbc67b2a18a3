"""The event hooks: each ticket event becomes one outbox row per endpoint that wants it.

The rows (``notifier = "webhook"``, ``kind`` the event name, ``recipient`` the
endpoint's name, ``body`` the serialised payload) are written in the transaction
of the change, so a change that is rolled back sends nothing, and ``helpdesk
worker`` delivers them after commit. Nothing is queued unless ``helpdesk.notifiers``
lists ``webhook``.

Every implementation is ``trylast``: it runs after the core's own implementations
(the service-level clock sets ``due_at`` in them), so a payload shows the ticket
as the change leaves it.
"""
from __future__ import annotations

import uuid

from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.notifications.models import Notification
from pyramid_helpdesk.tickets.models import MessageKind

from .notifier import WebhookNotifier
from .payload import PayloadBuilder, serialise
from .settings import NOTIFIER, webhook_settings


def emit(helpdesk, event_name: str, ticket, event, build=None, *, internal=False):
    """Queue ``event_name`` about ``ticket`` for every endpoint that wants it;
    ``build(builder)`` returns the event's own members. Returns the rows added."""
    config = webhook_settings(helpdesk.settings)
    if not config.active:
        return []
    endpoints = [e for e in config.endpoints.values() if e.wants(event_name, internal)]
    if not endpoints:
        return []
    builder = PayloadBuilder(helpdesk)
    payload = {**builder.head(event_name, ticket, event), **(build(builder) if build else {})}
    rows = []
    for endpoint in endpoints:
        delivery = str(uuid.uuid4())
        row = Notification(
            notifier=NOTIFIER, kind=event_name, ticket=ticket, recipient=endpoint.name,
            subject=f"{event_name} {ticket.number}"[:255],
            body=serialise({"id": delivery, **payload}), data={"delivery": delivery},
        )
        helpdesk.dbsession.add(row)
        rows.append(row)
    return rows


@hookimpl
def helpdesk_register_notifiers(settings):
    """Register the ``webhook`` notifier (used when ``helpdesk.notifiers`` names it)."""
    return [WebhookNotifier(webhook_settings(settings))]


@hookimpl(trylast=True)
def helpdesk_ticket_created(ticket, event, helpdesk):
    """``ticket.created``, with the description."""
    emit(helpdesk, "ticket.created", ticket, event,
         lambda b: {"description": ticket.description})


@hookimpl(trylast=True)
def helpdesk_ticket_assigned(ticket, event, helpdesk):
    """``ticket.assigned``: dispatched, taken or routed."""
    emit(helpdesk, "ticket.assigned", ticket, event, lambda b: b.assignment(event))


@hookimpl(trylast=True)
def helpdesk_ticket_forwarded(ticket, event, helpdesk):
    """``ticket.forwarded``: to a person, a group or an outside address."""
    emit(helpdesk, "ticket.forwarded", ticket, event, lambda b: b.forward(event, ticket))


@hookimpl(trylast=True)
def helpdesk_message_added(ticket, message, event, helpdesk):
    """``message.added``: a public reply, or an internal note (only to the endpoints
    with ``include_internal = true``)."""
    emit(helpdesk, "message.added", ticket, event, lambda b: b.message(message),
         internal=message.kind is not MessageKind.public)


@hookimpl(trylast=True)
def helpdesk_ticket_status_changed(ticket, event, helpdesk):
    """``ticket.status_changed``: from, to, and the operation."""
    emit(helpdesk, "ticket.status_changed", ticket, event, lambda b: b.status(event))


@hookimpl(trylast=True)
def helpdesk_ticket_changed(ticket, event, changes, helpdesk):
    """``ticket.changed``: staff changed the priority and/or category."""
    emit(helpdesk, "ticket.changed", ticket, event, lambda b: {"changes": dict(changes)})


@hookimpl(trylast=True)
def helpdesk_ticket_edited(ticket, event, changes, helpdesk):
    """``ticket.edited``: the requester edited the ticket before a staff reply."""
    emit(helpdesk, "ticket.edited", ticket, event, lambda b: {"changes": dict(changes)})


@hookimpl(trylast=True)
def helpdesk_ticket_merged(ticket, into, event, helpdesk):
    """``ticket.merged``: the duplicate ``ticket`` went into ``into``."""
    emit(helpdesk, "ticket.merged", ticket, event, lambda b: b.merged_into(into))


@hookimpl(trylast=True)
def helpdesk_ticket_nudged(ticket, event, helpdesk):
    """``ticket.nudged``: how many times, and the optional text."""
    emit(helpdesk, "ticket.nudged", ticket, event, lambda b: b.nudge(ticket, event))


@hookimpl(trylast=True)
def helpdesk_ticket_rated(ticket, rating, event, helpdesk):
    """``ticket.rated``: the score and comment."""
    emit(helpdesk, "ticket.rated", ticket, event, lambda b: b.rating(rating))


@hookimpl(trylast=True)
def helpdesk_sla_warning(ticket, target, due_at, event, helpdesk):
    """``sla.warning``: a target falls due soon."""
    emit(helpdesk, "sla.warning", ticket, event, lambda b: b.sla(target, due_at))


@hookimpl(trylast=True)
def helpdesk_sla_breached(ticket, target, due_at, event, helpdesk):
    """``sla.breached``: a target was missed."""
    emit(helpdesk, "sla.breached", ticket, event, lambda b: b.sla(target, due_at))
