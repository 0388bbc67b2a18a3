"""Who hears about what: turns ticket events into outbox notifications.

A core default plugin; a plugin that wants other rules can implement the same
event hooks and ``helpdesk.notifiers`` can route them elsewhere.

Every text is written in its recipient's language: Simplified Chinese for a person
whose locale starts with ``zh``, English for any other locale, and
``helpdesk.default_locale`` for an address without an account or a person who
chose no locale. The strings are marked with ``_`` and translated through the
gettext catalog in ``pyramid_helpdesk/locale`` (``make messages`` extracts them,
``make install`` compiles it).

Each recipient gets a notification by e-mail, by chat or not at all, as they chose
for its kind (:mod:`.preferences`); their choices are read with their language.
"""
from __future__ import annotations

import functools
import re
from typing import Callable

from sqlalchemy.orm.util import identity_key

from .. import hookimpl
from ..groups.models import ServiceGroup
from ..i18n import _, language_of, localizer_for
from ..people.models import Person
from ..sla.calendar import CalendarError
from ..sla.clock import calendar_for
from ..tickets.models import MessageKind, TicketStatus
from .preferences import Recipient, recipients_by_address

#: A translated text, given the function that translates one string.
Compose = Callable[[Callable], tuple[str, list[str]]]


def ticket_url(settings, ticket) -> str:
    """The address of the ticket's page."""
    return f"{settings.base_url}/tickets/{ticket.number}"


def _subject(ticket, t, prefixed=None) -> str:
    """``[HD-000042] Subject``, or ``prefixed`` (a message with ``${number}`` and
    ``${subject}``) translated."""
    if prefixed is None:
        return f"[{ticket.number}] {ticket.subject}"
    return t(_(prefixed, mapping={"number": ticket.number, "subject": ticket.subject}))


def _requester_side(ticket) -> list[str]:
    return [ticket.requester.email, *(cc.email for cc in ticket.cc)]


def _holder_addresses(ticket, helpdesk) -> list[str]:
    """The holding person, else the holding group's address or its members."""
    if ticket.holder_person_id is None and ticket.holder_group_id is not None:
        group = helpdesk.dbsession.get(ServiceGroup, ticket.holder_group_id)
        if group.email:
            return [group.email]
    return [person.email for person in _holders(ticket, helpdesk)]


def _holders(ticket, helpdesk) -> list[Person]:
    """The holding person, else the active members of the holding group (none when the
    group has an address of its own): their accounts, which ``_send`` need not read."""
    if ticket.holder_person_id is not None:
        return [helpdesk.dbsession.get(Person, ticket.holder_person_id)]
    if ticket.holder_group_id is not None:
        group = helpdesk.dbsession.get(ServiceGroup, ticket.holder_group_id)
        return [] if group.email else [m for m in group.members if m.is_active]
    return []


def _accounts(helpdesk, recipients: list[str], known=(), without=()) -> dict[str, Recipient]:
    """The accounts of ``recipients`` by lower-cased address (their language, their
    notification preferences, phone and name): the people in ``known`` as they are,
    none for the addresses in ``without``, the others read with one query."""
    accounts = {person.email.lower(): person for person in known}
    accounts.update(recipients_by_address(helpdesk.dbsession, {
        r.lower() for r in recipients}.difference(accounts, (a.lower() for a in without))))
    return accounts


def _by_language(helpdesk, recipients: list[str], accounts) -> dict[str, list[str]]:
    """``recipients`` grouped by the language each one reads, in their order."""
    default = helpdesk.settings.default_locale
    groups: dict[str, list[str]] = {}
    for recipient in recipients:
        account = accounts.get(recipient.lower())
        locale = language_of(account.locale if account else None, default)
        groups.setdefault(locale, []).append(recipient)
    return groups


def _send(helpdesk, kind, ticket, recipients, compose: Compose, exclude=(), known=(),
          without=()):
    """Queue one text per language: ``compose(t)`` returns the subject and the lines,
    written with ``t``, the translating function of that language. Each recipient gets
    it the way they chose for ``kind`` (:mod:`.preferences`), read in the same query
    as their language (not for the requester, the people in ``known`` and the
    addresses in ``without``, known to have no account)."""
    skip = {a.lower() for a in exclude if a}
    wanted = [r for r in recipients if r and r.lower() not in skip]
    accounts = _accounts(helpdesk, wanted, [ticket.requester, *known], without)
    for locale, addresses in _by_language(helpdesk, wanted, accounts).items():
        subject, lines = compose(localizer_for(locale).translate)
        body = "\n".join([*lines, "", ticket_url(helpdesk.settings, ticket), ""])
        helpdesk.outbox.enqueue(
            kind, addresses, subject, body, ticket_id=ticket.id, data={"ticket": ticket.number},
            people=accounts.values(),
        )


@hookimpl
def helpdesk_ticket_created(ticket, event, helpdesk):
    """Acknowledge a new ticket to its requester and CCs, unless its channel asked not to."""
    if not event.detail.get("acknowledge", True):
        return
    # The CCs' accounts as the ticket was just given them (not for a draft's, older):
    # those the session holds, and no account for a CC that had none.
    fresh = not event.detail.get("draft")
    identity = helpdesk.dbsession.identity_map
    _send(helpdesk, "ticket_created", ticket, _requester_side(ticket), lambda t: (
        _subject(ticket, t), [
            t(_("Your request has been received as ticket ${number}.",
                mapping={"number": ticket.number})),
            t(_("Reply to this e-mail or use the link below to follow it; "
                "keep the subject as it is.")),
            *_after_hours(helpdesk, t),
        ]), known=[person for cc in ticket.cc if fresh and cc.person_id is not None
                   and (person := identity.get(identity_key(Person, cc.person_id)))],
        without=[cc.email for cc in ticket.cc if fresh and cc.person_id is None])


WEEKDAYS = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
            _("Saturday"), _("Sunday"))
# The day names of ``helpdesk.service_hours`` as written in the ini file.
HOURS_DAYS = {"mon": _("mon"), "tue": _("tue"), "wed": _("wed"), "thu": _("thu"),
              "fri": _("fri"), "sat": _("sat"), "sun": _("sun")}
_DAY = "(mon|tue|wed|thu|fri|sat|sun)"
_HOURS_DAY_OR_RANGE = re.compile(rf"\b{_DAY}(?:-{_DAY})?\b")


def _service_hours(hours, t) -> str:
    """``mon-fri 08:00-17:00`` with its day names (and day ranges) translated."""
    def day_or_range(match) -> str:
        first = t(HOURS_DAYS[match.group(1)])
        if match.group(2) is None:
            return first
        return t(_("${first}-${last}", mapping={
            "first": first, "last": t(HOURS_DAYS[match.group(2)])}))

    return _HOURS_DAY_OR_RANGE.sub(day_or_range, str(hours))


def _after_hours(helpdesk, t) -> list[str]:
    """Outside service hours: when they are, and when the request will be handled."""
    settings = helpdesk.settings
    try:  # the business calendar knows holidays and make-up working days
        calendar = calendar_for(settings).current()
        if calendar.is_open(helpdesk.now):
            return []
        opening = calendar.next_opening(helpdesk.now)
    except CalendarError:  # a year without calendar data, or a desk that never opens
        if settings.service_hours.is_open(helpdesk.now, settings.timezone):
            return []
        opening = settings.service_hours.next_opening(helpdesk.now, settings.timezone)
    return list(_after_hours_lines(settings.service_hours, settings.timezone, opening, t))


@functools.lru_cache(maxsize=64)
def _after_hours_lines(hours, zone, opening, t) -> tuple[str, ...]:
    """The lines of :func:`_after_hours` for the next ``opening`` (``None``: never), in
    the language of ``t``: the same for every request of a closed stretch, so written
    once (a night's mail to the service address gets them hundreds of times)."""
    lines = ["", t(_("Our service hours are ${hours} (${timezone}).", mapping={
        "hours": _service_hours(hours, t), "timezone": zone.key,
    }))]
    if opening is not None:
        opening = opening.astimezone(zone)
        lines.append(t(_(
            "Your request arrived outside them; we will handle it from "
            "${weekday} ${date} ${time}.", mapping={
                "weekday": t(WEEKDAYS[opening.weekday()]),
                "date": f"{opening:%Y-%m-%d}", "time": f"{opening:%H:%M}",
            })))
    return tuple(lines)


@hookimpl
def helpdesk_ticket_assigned(ticket, event, helpdesk):
    """Tell the new holder a ticket is theirs (not when they took it themselves)."""
    if event.actor_id is not None and event.actor_id == ticket.holder_person_id:
        return
    _send(helpdesk, "ticket_assigned", ticket, _holder_addresses(ticket, helpdesk), lambda t: (
        _subject(ticket, t, _("Assigned: [${number}] ${subject}")),
        [t(_("Ticket ${number} is now with you.", mapping={"number": ticket.number}))]))


@hookimpl
def helpdesk_ticket_forwarded(ticket, event, helpdesk):
    """Tell whoever received the forwarded ticket; an outside address also gets its
    delegate link, which opens this ticket alone until the authorisation expires."""
    from ..tickets.delegation import delegate_url, latest_authorization

    recipients = [event.to_address] if event.to_address else _holder_addresses(ticket, helpdesk)
    note = event.detail.get("note") or ""
    authorization = event.to_address and latest_authorization(
        helpdesk.dbsession, ticket.id, event.to_address)

    def lines(t) -> list[str]:
        text = [t(_("Ticket ${number} was forwarded to you.", mapping={"number": ticket.number})),
                note]
        if authorization:
            until = authorization.expires_at.astimezone(helpdesk.settings.timezone)
            text += ["", t(_("Read the ticket and reply to it with this link, valid until "
                             "${date} (${timezone}):", mapping={
                                 "date": f"{until:%Y-%m-%d %H:%M}",
                                 "timezone": helpdesk.settings.timezone.key})),
                     delegate_url(helpdesk.settings, authorization)]
        return text

    _send(helpdesk, "ticket_forwarded", ticket, recipients, lambda t: (
        _subject(ticket, t, _("Forwarded: [${number}] ${subject}")), lines(t)))


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
        known = ()
    else:
        recipients, known = _holder_addresses(ticket, helpdesk), _holders(ticket, helpdesk)
    # "Re: " stays as it is in every language: mail programs thread on it.
    _send(helpdesk, f"message_{message.kind.value}", ticket, recipients,
          lambda t: ("Re: " + _subject(ticket, t), [message.body]), exclude=[author],
          known=known)


@hookimpl
def helpdesk_ticket_status_changed(ticket, event, helpdesk):
    """Tell the requester side when their ticket waits for them, is resolved or closed
    (not the person who made the change)."""
    notice = STATUS_NOTICES.get(event.to_status)
    if notice is None:
        return
    kind, subject, lines = notice
    actor = helpdesk.dbsession.get(Person, event.actor_id) if event.actor_id else None
    _send(helpdesk, kind, ticket, _requester_side(ticket), lambda t: (
        _subject(ticket, t, subject),
        [t(_(line, mapping={"number": ticket.number})) for line in lines]),
        exclude=[actor.email] if actor else ())


STATUS_NOTICES = {
    TicketStatus.pending: ("ticket_pending", _("Waiting for you: [${number}] ${subject}"), [
        _("Ticket ${number} is waiting for your answer."),
        _("Reply to this e-mail or on the ticket page.")]),
    TicketStatus.resolved: ("ticket_resolved", _("Resolved: [${number}] ${subject}"), [
        _("Ticket ${number} has been resolved."),
        _("If the problem is not solved, reply and the ticket reopens.")]),
    TicketStatus.closed: ("ticket_closed", _("Closed: [${number}] ${subject}"), [
        _("Ticket ${number} is closed. For anything new, write to us again.")]),
}


@hookimpl
def helpdesk_ticket_nudged(ticket, event, helpdesk):
    """Urge the current holder."""
    text = event.detail.get("message")
    _send(helpdesk, "ticket_nudged", ticket, _holder_addresses(ticket, helpdesk), lambda t: (
        _subject(ticket, t, _("Reminder: [${number}] ${subject}")),
        [t(_("Reminder ${count} for ticket ${number}.", mapping={
            "count": ticket.nudge_count, "number": ticket.number})),
         text or t(_("Please look at this ticket."))]))
