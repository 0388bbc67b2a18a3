"""Self-registered accounts: registration, address verification, password reset.

Nothing here tells a visitor whether an address has an account: registering a
known address and asking a reset for an unknown one end the same way for the
visitor, and only the mailbox learns more (the "already registered" mail, or
no mail at all). Links are signed tokens (:mod:`.links`) bound to a fingerprint
of the account's password hash, so they work once and die when the password
changes. Only local accounts (``auth_source == "local"``) are handled: a
directory account's password lives in the directory.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy.orm import Session

from ..db.types import utcnow
from ..errors import DomainError
from ..i18n import language_of, localizer_for
from ..notifications.services import Outbox
from ..people.models import Person
from ..people.passwords import hash_password, verify_password
from ..people.services import create_person, find_by_email, normalize_email
from . import mails
from .links import RESET_PASSWORD, VERIFY_EMAIL, LinkError, LinkUsed, SignedLinks

#: ``link_url(route_name, token)``: the absolute address of a link to this site.
LinkUrl = Callable[[str, str], str]


class AlreadyConfirmed(LinkError):
    """The address of this account is confirmed already; the person can log in."""


class WrongPassword(DomainError):
    """The password given to confirm an address is not the account's."""


@dataclass(frozen=True)
class Confirmation:
    """What a verification link confirms: a new account, or the claim of an address
    that has no password yet (with the name and language given at registration)."""

    person: Person
    is_claim: bool
    name: str = ""
    locale: str | None = None


class AccountService:
    """Registration and password reset for one database session."""

    def __init__(self, dbsession: Session, settings, outbox: Outbox, links: SignedLinks,
                 link_url: LinkUrl):
        self.dbsession = dbsession
        self.settings = settings
        self.outbox = outbox
        self.links = links
        self.link_url = link_url

    # -- asking for mails ------------------------------------------------------------

    def register(self, email: str, name: str, password: str, locale: str) -> None:
        """Create an unverified account and mail its verification link; for a known
        address mail its owner instead (see the module's docstring)."""
        address = normalize_email(email)
        # Hash first, whatever happens next: the answer takes as long for a known address.
        password_hash = hash_password(password, self.settings.password_argon2_profile)
        person = find_by_email(self.dbsession, address)
        if person is None:
            person = create_person(self.dbsession, address, name=name, verified=False,
                                   locale=locale)
            person.password_hash = password_hash
            self._send_verification(person)
        elif not self._is_local(person):
            return
        elif person.password_hash is None:
            self._mail(mails.CLAIM, mails.claim, person, person.locale or locale, VERIFY_EMAIL,
                       {"p": person.id, "f": self.links.fingerprint(None), "n": name,
                        "l": locale})
        else:
            self._mail(mails.EXISTS, mails.already_registered, person, person.locale or locale,
                       RESET_PASSWORD, self._reset_payload(person))

    def resend_verification(self, person_id: int) -> None:
        """Mail a new verification link to an account that is still unverified."""
        person = self.dbsession.get(Person, person_id)
        if person is not None and self._is_local(person) and person.password_hash and (
                person.email_verified_at is None):
            self._send_verification(person)

    def request_reset(self, email: str) -> None:
        """Mail a password-reset link, if this address has a local account."""
        person = find_by_email(self.dbsession, email)
        if person is not None and self._is_local(person):
            self._mail(mails.RESET, mails.password_reset, person, person.locale, RESET_PASSWORD,
                       self._reset_payload(person))

    # -- following links -------------------------------------------------------------

    def confirmation(self, token: str) -> Confirmation:
        """What a verification token confirms, or a :class:`LinkError`."""
        payload = self.links.read(VERIFY_EMAIL, token, self.settings.registration_link_max_age)
        person = self._person_of(payload)
        is_claim = "n" in payload
        if not is_claim and person.email_verified_at is not None:
            raise AlreadyConfirmed("this address is confirmed already")
        if payload.get("f") != self.links.fingerprint(person.password_hash):
            raise LinkUsed("the link was used already")
        return Confirmation(person, is_claim, str(payload.get("n") or ""), payload.get("l"))

    def confirm(self, confirmation: Confirmation, password: str) -> Person:
        """Verify a new account's address, given the password chosen at registration."""
        person = confirmation.person
        if not verify_password(person.password_hash, password,
                               self.settings.password_argon2_profile):
            raise WrongPassword("wrong password")
        person.email_verified_at = person.last_login_at = utcnow()
        return person

    def claim(self, confirmation: Confirmation, name: str, password: str) -> Person:
        """Give a password (and a name, a language) to an address that had none."""
        person = confirmation.person
        person.name = name or person.name
        person.locale = confirmation.locale or person.locale
        self._set_password(person, password)
        return person

    def reset_target(self, token: str) -> Person:
        """The account a reset token is for, or a :class:`LinkError`."""
        payload = self.links.read(RESET_PASSWORD, token, self.settings.password_reset_max_age)
        person = self._person_of(payload)
        if payload.get("f") != self.links.fingerprint(person.password_hash):
            raise LinkUsed("the link was used already")
        return person

    def reset_password(self, person: Person, password: str) -> Person:
        """Set the new password of the account a reset token named (:meth:`reset_target`);
        following the link also proved the address."""
        self._set_password(person, password)
        return person

    # -- helpers ---------------------------------------------------------------------

    @staticmethod
    def _is_local(person: Person) -> bool:
        return person.is_active and person.auth_source == "local"

    def _person_of(self, payload) -> Person:
        person = self.dbsession.get(Person, payload.get("p")) if isinstance(
            payload.get("p"), int) else None
        if person is None or not self._is_local(person):
            raise LinkUsed("the account is gone")
        return person

    def _set_password(self, person: Person, password: str) -> None:
        now = utcnow()
        person.password_hash = hash_password(password, self.settings.password_argon2_profile)
        person.email_verified_at = person.email_verified_at or now
        person.last_login_at = now

    def _reset_payload(self, person: Person) -> dict:
        return {"p": person.id, "f": self.links.fingerprint(person.password_hash)}

    def _send_verification(self, person: Person) -> None:
        self._mail(mails.VERIFY, mails.verification, person, person.locale, VERIFY_EMAIL,
                   {"p": person.id, "f": self.links.fingerprint(person.password_hash)})

    def _mail(self, kind, compose, person: Person, locale, purpose: str, payload: dict) -> None:
        """Queue one account mail with a link for ``purpose`` in the reader's language."""
        max_age = (self.settings.registration_link_max_age if purpose == VERIFY_EMAIL
                   else self.settings.password_reset_max_age)
        route = "auth.confirm" if purpose == VERIFY_EMAIL else "auth.reset"
        link = self.link_url(route, self.links.make(purpose, payload))
        language = language_of(locale, self.settings.default_locale)
        subject, body = compose(localizer_for(language).translate, self.settings, person.name,
                                link, utcnow() + max_age)
        self.outbox.enqueue(kind, [person.email], subject, body, data={"person": person.id})
