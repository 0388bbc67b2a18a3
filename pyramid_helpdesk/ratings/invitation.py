"""The invitation to rate: a core default plugin.

When a ticket becomes resolved, its requester gets a short mail of their own (in
their language) with the signed rating link, queued in the outbox in the
transaction of the change. It comes after the resolution notice, is not sent when
the requester resolved the ticket themselves (their ticket page offers the form at
once), nor when the ticket is rated already (resolved again after a reopening).
CCs are not invited: the requester rates.
"""
from __future__ import annotations

from .. import hookimpl
from ..i18n import _, language_of, localizer_for
from ..tickets.models import TicketStatus
from .links import link_expiry, rating_url
from .services import rating_of

KIND = "rating_invitation"


def invitation(t, settings, ticket, link: str, until) -> tuple[str, str]:
    """The subject and body of the invitation, written with ``t``."""
    local = until.astimezone(settings.timezone)
    subject = t(_("How did we do? [${number}] ${subject}",
                  mapping={"number": ticket.number, "subject": ticket.subject}))
    body = [
        t(_("Ticket ${number} has been resolved. How satisfied are you with the way "
            "we handled it?", mapping={"number": ticket.number})),
        t(_("Rate it from 1 (poor) to 5 (excellent), with a comment if you like:")),
        "", link, "",
        t(_("The link works until ${time} (${timezone}).", mapping={
            "time": f"{local:%Y-%m-%d %H:%M}", "timezone": settings.timezone.key})),
    ]
    return subject, "\n".join(body) + "\n"


@hookimpl
def helpdesk_ticket_status_changed(ticket, event, helpdesk):
    """Invite the requester to rate a ticket that has just been resolved."""
    if event.to_status is not TicketStatus.resolved or event.actor_id == ticket.requester_id:
        return
    if rating_of(helpdesk.dbsession, ticket.id) is not None:
        return
    settings = helpdesk.settings
    requester = ticket.requester
    t = localizer_for(language_of(requester.locale, settings.default_locale)).translate
    subject, body = invitation(t, settings, ticket, rating_url(settings, ticket),
                               link_expiry(settings, helpdesk.now))
    helpdesk.outbox.enqueue(KIND, [requester.email], subject, body, ticket_id=ticket.id,
                            data={"ticket": ticket.number}, people=[requester])
