"""People whose password a directory checked: the LDAP server, the mail server.

A directory backend (an implementation of ``helpdesk_authenticate`` that asks
another server) checks the password itself, then calls :func:`confirmed_person`
with what the directory says about the person. The rules, the same for every
directory backend:

* the person is found by the normalised e-mail address the directory gives,
  and created as a requester on their first login; an existing person's role
  is never changed;
* an inactive person is refused (``None``);
* ``auth_source`` becomes the backend's name and the local password hash is
  dropped: from then on only the directory checks this person's password, so a
  stale local password (set before the directory took over, or kept after the
  directory password changed or the directory account was closed) opens
  nothing, not even while the directory is unreachable. A local account whose
  address the directory does not know keeps its local password;
* the address counts as verified;
* name, department and phone are updated from the directory when it gives
  them; the profile counts as completed once all three are known, otherwise the
  first-login profile page asks for what is missing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from ..errors import InvalidOperation
from ..people.models import Person
from ..people.services import create_person, find_by_email, normalize_email

log = logging.getLogger(__name__)

PROFILE_FIELDS = ("name", "department", "phone")


@dataclass(frozen=True)
class DirectoryEntry:
    """What a directory says about the person whose password it just accepted."""

    email: str
    name: str = ""
    department: str = ""
    phone: str = ""


def confirmed_person(helpdesk, source: str, entry: DirectoryEntry) -> Person | None:
    """The person ``entry`` describes, created or updated, or ``None`` when refused.

    ``helpdesk`` is the login's :class:`~pyramid_helpdesk.plugin.context.HookContext`,
    ``source`` the backend's name (stored as ``auth_source``).
    """
    try:
        address = normalize_email(entry.email)
    except InvalidOperation:
        log.warning("%s: the directory gave no usable e-mail address (%r); login refused",
                    source, entry.email)
        return None
    person = find_by_email(helpdesk.dbsession, address)
    if person is None:
        person = create_person(helpdesk.dbsession, address, auth_source=source)
    elif not person.is_active:
        log.info("%s: %s is deactivated; login refused", source, address)
        return None
    _update_profile(person, entry)
    person.auth_source = source
    person.password_hash = None
    person.email_verified_at = person.email_verified_at or helpdesk.now
    person.last_login_at = helpdesk.now
    return person


def _update_profile(person: Person, entry: DirectoryEntry) -> None:
    """Copy the profile fields the directory gives (cut to the column sizes)."""
    for field in PROFILE_FIELDS:
        value = " ".join(getattr(entry, field).split())
        if value:
            setattr(person, field, value[:Person.__table__.c[field].type.length])
    if all(getattr(person, field) for field in PROFILE_FIELDS):
        person.profile_completed = True
