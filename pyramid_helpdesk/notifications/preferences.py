"""How each person wants to hear of each kind of notification: e-mail, chat or not at all.

A person's choices are stored in ``people.notification_preferences`` as
``{kind: "email" | "chat" | "none"}``; a kind not listed goes by e-mail. Only the
kinds of :data:`PREFERENCE_KINDS` can be chosen: every other kind (account mails,
confirmation and password-reset links, anything security-related, kinds a plugin
queues) always goes by e-mail, whatever is stored.

Notifiers say which way they carry a message with their ``medium`` attribute
(:data:`EMAIL` when they have none): :class:`~.services.Outbox` sends a recipient's
notification through the notifiers of the medium the recipient chose.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import _
from ..people.models import Person, Role

#: Notifier media (a notifier's ``medium``) and a person's choices.
EMAIL = "email"
CHAT = "chat"
NONE = "none"
#: The medium of a notifier that reports events on its own (webhooks): the outbox
#: never queues per-recipient rows for it.
EVENT = "event"

CHOICES = (EMAIL, CHAT, NONE)


@dataclass(frozen=True)
class PreferenceKind:
    """A kind of notification a person may choose how to receive."""

    kind: str
    label: Any  # a translation string
    #: Whether only staff receive it (requesters are not offered it).
    staff_only: bool = False
    #: The label requesters read, when it differs.
    requester_label: Any = None

    def label_for(self, is_staff: bool):
        """The label as the reader sees it."""
        return self.label if is_staff or self.requester_label is None else self.requester_label


#: The kinds a person may choose for, in the order the notifications page lists them.
PREFERENCE_KINDS: dict[str, PreferenceKind] = {item.kind: item for item in (
    PreferenceKind("ticket_created", _("Acknowledgement of a new ticket")),
    PreferenceKind("message_public", _("A new message on my ticket or on a ticket I hold"),
                   requester_label=_("A reply to my ticket")),
    PreferenceKind("ticket_pending", _("A ticket waiting for my answer")),
    PreferenceKind("ticket_resolved", _("My ticket was resolved")),
    PreferenceKind("ticket_closed", _("My ticket was closed")),
    PreferenceKind("rating_invitation", _("Invitation to rate a resolved ticket")),
    PreferenceKind("ticket_assigned", _("A ticket assigned to me or my group"),
                   staff_only=True),
    PreferenceKind("ticket_forwarded", _("A ticket forwarded to me"), staff_only=True),
    PreferenceKind("ticket_nudged", _("A reminder (nudge) about a ticket I hold"),
                   staff_only=True),
    PreferenceKind("sla_warning", _("A target of a ticket I hold falls due soon"),
                   staff_only=True),
    PreferenceKind("sla_breached", _("A target of a ticket I hold was missed"),
                   staff_only=True),
)}


def kinds_for(is_staff: bool) -> list[PreferenceKind]:
    """The kinds a person chooses for: staff all of them, requesters their own."""
    return [item for item in PREFERENCE_KINDS.values() if is_staff or not item.staff_only]


def medium_of(notifier: Any) -> str:
    """A notifier's ``medium`` (:data:`EMAIL` when it declares none)."""
    return getattr(notifier, "medium", EMAIL) or EMAIL


class Account(Protocol):
    """What routing reads of a recipient with an account: a
    :class:`~pyramid_helpdesk.people.models.Person` or a :class:`Recipient`."""

    email: str
    phone: str
    notification_preferences: Mapping[str, str] | None

    @property
    def is_staff(self) -> bool: ...

    @property
    def display_name(self) -> str: ...


@dataclass(frozen=True)
class Recipient:
    """A recipient's account as one query reads it (no ``Person`` object loaded)."""

    email: str
    locale: str | None
    notification_preferences: Mapping[str, str] | None
    phone: str
    name: str
    role: Role

    @property
    def is_staff(self) -> bool:
        return self.role.includes(Role.agent)

    @property
    def display_name(self) -> str:
        return self.name or self.email


#: The columns of :class:`Recipient`, in its order.
RECIPIENT_COLUMNS = (Person.email, Person.locale, Person.notification_preferences,
                     Person.phone, Person.name, Person.role)


def recipients_by_address(dbsession: Session, addresses: Iterable[str]) -> dict[str, Recipient]:
    """The accounts of ``addresses``, by lower-cased address, in one query (none for
    no addresses); an address without an account is absent."""
    wanted = {address.strip().lower() for address in addresses if address}
    if not wanted:
        return {}
    rows = dbsession.execute(select(*RECIPIENT_COLUMNS).where(Person.email.in_(wanted)))
    return {row.email: Recipient(*row) for row in rows}


def choice_for(account: Account | None, kind: str) -> str:
    """How ``account`` receives ``kind``: :data:`EMAIL`, :data:`CHAT` or :data:`NONE`.

    E-mail for an address without an account, a kind nobody chooses for, a kind the
    person left alone or an unknown stored value; chat only for staff with a phone
    number (the chat robots mention them by it; requesters are never written to in
    the staff's chats)."""
    if account is None or kind not in PREFERENCE_KINDS:
        return EMAIL
    choice = (account.notification_preferences or {}).get(kind, EMAIL)
    if choice == CHAT and not (account.is_staff and account.phone):
        return EMAIL
    return choice if choice in CHOICES else EMAIL


def chat_available(account: Account, notifiers: Mapping[str, Any]) -> str | None:
    """``None`` when ``account`` may choose chat, else why not (a translation string)."""
    if not any(medium_of(n) == CHAT for n in notifiers.values()):
        return _("No chat robot is set up on this helpdesk.")
    if not account.is_staff:
        return _("Chat messages go to the staff's group chats.")
    if not account.phone:
        return _("Chat needs your phone number: add it to your profile.")
    return None


def stored_preferences(account: Account, kinds: Iterable[str]) -> dict[str, str]:
    """The person's choice for each of ``kinds`` (:data:`EMAIL` unless they chose)."""
    stored = account.notification_preferences or {}
    return {kind: stored[kind] if stored.get(kind) in CHOICES else EMAIL for kind in kinds}


def read_preferences(post, kinds: Iterable[str], chat_allowed: bool,
                     stored: Mapping[str, str]) -> tuple[dict[str, str], dict[str, Any]]:
    """The posted choices for ``kinds`` and a message per refused one. A kind missing
    from the post (its checked button was disabled: chat while no robot is set up)
    keeps its ``stored`` choice; chat is refused when it is not available, unless it
    is the stored choice already (kept for when the robot is back)."""
    choices, errors = {}, {}
    for kind in kinds:
        value = post.get(f"kind.{kind}")
        if value is None:
            choices[kind] = stored.get(kind, EMAIL)
        elif value not in CHOICES:
            errors[kind] = _("Choose e-mail, chat or none.")
        elif value == CHAT and not chat_allowed and stored.get(kind) != CHAT:
            errors[kind] = _("Chat is not available to you.")
        else:
            choices[kind] = value
    return choices, errors


def save_preferences(person: Person, choices: Mapping[str, str]) -> None:
    """Store ``choices`` (kinds left at e-mail are not written); choices stored for
    kinds the person was not offered (a requester who was staff once) are kept."""
    kept = {kind: value for kind, value in (person.notification_preferences or {}).items()
            if kind not in choices}
    kept.update({kind: value for kind, value in choices.items() if value != EMAIL})
    person.notification_preferences = kept or None
