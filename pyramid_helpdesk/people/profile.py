"""A person's profile: the first-login page asks for it, the same page edits it later.

The page (``people.profile``, ``/profile``) is added here; :mod:`.profile_gate`
sends a signed-in person whose profile is not complete to it before any other page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..i18n import LOCALES, _
from .models import Person

MAX_NAME = 200
MAX_DEPARTMENT = 200
MAX_PHONE = 50
# Digits with the usual separators, an optional leading + and an optional extension:
# "+86 10 1234 5678", "(010) 1234-5678", "1234 ext. 56", "8888 转 123".
PHONE = re.compile(r"^\+?[\d\s().\-/]+(?:\s*(?:ext\.?|x|转)\s*\d+)?$", re.IGNORECASE)
MIN_PHONE_DIGITS = 3


@dataclass
class ProfileForm:
    """The profile fields as the person typed them, and a message per wrong field."""

    name: str = ""
    department: str = ""
    phone: str = ""
    locale: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_person(cls, person: Person, page_locale: str) -> "ProfileForm":
        """The stored profile; the page's language when the person chose none yet."""
        return cls(name=person.name, department=person.department, phone=person.phone,
                   locale=person.locale if person.locale in LOCALES else page_locale)

    @classmethod
    def from_post(cls, post) -> "ProfileForm":
        """Read and check the posted form: every field is required."""
        form = cls(name=" ".join(post.get("name", "").split()),
                   department=" ".join(post.get("department", "").split()),
                   phone=post.get("phone", "").strip(),
                   locale=post.get("locale", "").strip())
        form._check_text("name", MAX_NAME, _("Please give your name."))
        form._check_text("department", MAX_DEPARTMENT,
                         _("Please give your department or lab."))
        form._check_phone()
        if form.locale not in LOCALES:
            form.errors["locale"] = _("Please choose a language.")
        return form

    def _check_text(self, name: str, limit: int, missing) -> None:
        value = getattr(self, name)
        if not value:
            self.errors[name] = missing
        elif len(value) > limit:
            self.errors[name] = _("At most ${limit} characters.", mapping={"limit": limit})

    def _check_phone(self) -> None:
        digits = sum(ch.isdigit() for ch in self.phone)
        if not self.phone:
            self.errors["phone"] = _("Please give a phone number we can call you on.")
        elif len(self.phone) > MAX_PHONE:
            self.errors["phone"] = _("At most ${limit} characters.", mapping={"limit": MAX_PHONE})
        elif not PHONE.match(self.phone) or digits < MIN_PHONE_DIGITS:
            self.errors["phone"] = _("Please write the number with digits, e.g. +86 10 1234 5678.")


def save_profile(person: Person, form: ProfileForm) -> None:
    """Store a checked form on the person; their profile is complete from now on."""
    person.name = form.name
    person.department = form.department
    person.phone = form.phone
    person.locale = form.locale
    person.profile_completed = True


def includeme(config):
    """The ``people.profile`` page, the ``profile.notifications`` page (how the person
    hears of each kind of notification) and the gate in front of every other page."""
    from .profile_gate import profile_gate

    config.add_route("people.profile", "/profile")
    config.add_route("profile.notifications", "/profile/notifications")
    config.add_view_deriver(profile_gate)
    config.scan(".profile_views")
    config.scan(".notification_views")
