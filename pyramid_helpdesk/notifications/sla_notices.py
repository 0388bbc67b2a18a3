"""Who hears about service-level warnings and breaches: the ticket's holder and the
first-line person on duty, each in their own language, through the outbox.

A core default plugin beside the composer (whose helpers it shares). With nobody
holding the ticket and nobody on duty, nobody is written to.
"""
from __future__ import annotations

from .. import hookimpl
from ..duty.services import on_duty
from ..i18n import _
from .composer import _holder_addresses, _send, _subject

TARGETS = {"resolution": _("resolution"), "first_response": _("first response")}


def _recipients(ticket, helpdesk) -> list[str]:
    """The holder (person, else the group's address or members) and the person on duty."""
    recipients = _holder_addresses(ticket, helpdesk)
    duty = on_duty(helpdesk.dbsession, helpdesk.now, helpdesk.settings.timezone)
    if duty is not None and duty.person.is_active:
        recipients.append(duty.person.email)
    return recipients


def _due_text(helpdesk, due_at) -> str:
    """The due time in the helpdesk's time zone, as ``2027-03-01 10:30 (Asia/Shanghai)``."""
    zone = helpdesk.settings.timezone
    return f"{due_at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"


@hookimpl
def helpdesk_sla_warning(ticket, target, due_at, event, helpdesk):
    """Tell the holder and the person on duty that a target falls due soon."""
    _send(helpdesk, "sla_warning", ticket, _recipients(ticket, helpdesk), lambda t: (
        _subject(ticket, t, _("Due soon: [${number}] ${subject}")),
        [t(_("The ${target} target of ticket ${number} falls due at ${due}.", mapping={
            "target": t(TARGETS[target]), "number": ticket.number,
            "due": _due_text(helpdesk, due_at)}))]))


@hookimpl
def helpdesk_sla_breached(ticket, target, due_at, event, helpdesk):
    """Tell the holder and the person on duty that a target was missed."""
    _send(helpdesk, "sla_breached", ticket, _recipients(ticket, helpdesk), lambda t: (
        _subject(ticket, t, _("Overdue: [${number}] ${subject}")),
        [t(_("The ${target} target of ticket ${number} was due at ${due} and is missed.",
             mapping={"target": t(TARGETS[target]), "number": ticket.number,
                      "due": _due_text(helpdesk, due_at)}))]))
