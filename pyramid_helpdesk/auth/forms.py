"""Reading and checking the registration and password forms.

Each form keeps what the person typed (except passwords, which are never sent
back to the browser) and one translated message per field that is wrong.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InvalidOperation
from ..i18n import LOCALES, _
from ..people.services import normalize_email

#: Longer passwords are refused: hashing megabytes on request is a denial of service.
MAX_PASSWORD = 1024
MAX_NAME = 200


def password_problem(password: str, email: str, min_length: int):
    """What is wrong with a new password, or ``None``."""
    if len(password) < min_length:
        return _("At least ${count} characters, please.", mapping={"count": min_length})
    if len(password) > MAX_PASSWORD:
        return _("At most ${count} characters, please.", mapping={"count": MAX_PASSWORD})
    if email and password.strip().lower() == email.strip().lower():
        return _("Your password must not be your e-mail address.")
    return None


def name_problem(name: str):
    """What is wrong with a person's name, or ``None``."""
    if not name:
        return _("Please enter your name.")
    if len(name) > MAX_NAME:
        return _("At most ${count} characters, please.", mapping={"count": MAX_NAME})
    return None


def email_problem(email: str):
    """What is wrong with an e-mail address, or ``None``."""
    if not email:
        return _("Please enter your e-mail address.")
    try:
        normalize_email(email)
    except InvalidOperation:
        return _("This is not an e-mail address.")
    return None


@dataclass
class NewPassword:
    """A new password typed twice; ``errors`` names ``password`` or ``password_confirm``."""

    password: str = ""
    errors: dict = field(default_factory=dict)

    def check(self, post, email: str, min_length: int) -> None:
        """Read ``password`` and ``password_confirm`` from ``post`` and check them."""
        self.password = post.get("password", "")
        problem = password_problem(self.password, email, min_length)
        if problem is not None:
            self.errors["password"] = problem
        elif post.get("password_confirm", "") != self.password:
            self.errors["password_confirm"] = _("The two passwords differ.")


@dataclass
class ClaimForm(NewPassword):
    """Claiming an address that has no password yet: a name and a password twice."""

    name: str = ""

    @classmethod
    def from_post(cls, post, email: str, min_length: int) -> "ClaimForm":
        """Parse and validate ``request.POST``."""
        form = cls(name=post.get("name", "").strip())
        if name_problem(form.name) is not None:
            form.errors["name"] = name_problem(form.name)
        form.check(post, email, min_length)
        return form


@dataclass
class RegistrationForm(NewPassword):
    """The registration form: address, name, password twice, preferred language."""

    email: str = ""
    name: str = ""
    locale: str = ""

    @classmethod
    def blank(cls, locale: str) -> "RegistrationForm":
        """An empty form whose language is the page's."""
        return cls(locale=locale)

    @classmethod
    def from_post(cls, post, settings) -> "RegistrationForm":
        """Parse and validate ``request.POST``."""
        form = cls(email=post.get("email", "").strip(), name=post.get("name", "").strip(),
                   locale=post.get("locale", ""))
        problem = email_problem(form.email)
        if problem is None and not domain_allowed(form.email, settings.registration_domains):
            problem = _("Registration is open to addresses at ${domains} only.",
                        mapping={"domains": ", ".join(settings.registration_domains)})
        if problem is not None:
            form.errors["email"] = problem
        if name_problem(form.name) is not None:
            form.errors["name"] = name_problem(form.name)
        if form.locale not in LOCALES:
            form.errors["locale"] = _("Please choose a language from the list.")
        form.check(post, form.email, settings.password_min_length)
        return form


def domain_allowed(email: str, domains: tuple[str, ...]) -> bool:
    """True when ``domains`` is empty, or the address is in one of them or below."""
    if not domains:
        return True
    domain = email.rpartition("@")[2].lower()
    return any(domain == allowed or domain.endswith("." + allowed) for allowed in domains)


@dataclass
class EmailForm:
    """A form with one e-mail address (forgotten password)."""

    email: str = ""
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_post(cls, post) -> "EmailForm":
        """Parse and validate ``request.POST``."""
        form = cls(email=post.get("email", "").strip())
        problem = email_problem(form.email)
        if problem is not None:
            form.errors["email"] = problem
        return form
