"""The texts of account mails, in the reader's language.

Each function takes ``t``, the translating function of the reader's language
(``localizer_for(locale).translate``), and returns the subject and the body.
"""
from __future__ import annotations

from datetime import datetime

from ..i18n import _

#: Outbox kinds of the account mails.
VERIFY = "account_verify"
CLAIM = "account_claim"
EXISTS = "account_exists"
RESET = "password_reset"


def _until(t, expires: datetime, settings) -> str:
    """'The link works until <local time> (<zone>).'"""
    local = expires.astimezone(settings.timezone)
    return t(_("The link works until ${time} (${timezone}).", mapping={
        "time": f"{local:%Y-%m-%d %H:%M}", "timezone": settings.timezone.key}))


def _greeting(t, name: str) -> str:
    return t(_("Hello ${name},", mapping={"name": name})) if name else t(_("Hello,"))


def verification(t, settings, name: str, link: str, expires: datetime) -> tuple[str, str]:
    """Confirm the address of a new account."""
    subject = t(_("Confirm your e-mail address for ${site}",
                  mapping={"site": settings.site_name}))
    body = [
        _greeting(t, name), "",
        t(_("Please confirm your e-mail address to finish your registration: "
            "open this link and enter the password you chose.")), "",
        link, "",
        _until(t, expires, settings),
        t(_("If you did not register, ignore this message: without confirmation "
            "the account stays unusable.")),
    ]
    return subject, "\n".join(body) + "\n"


def claim(t, settings, name: str, link: str, expires: datetime) -> tuple[str, str]:
    """Finish registering an address that already wrote to the helpdesk."""
    subject = t(_("Confirm your e-mail address for ${site}",
                  mapping={"site": settings.site_name}))
    body = [
        _greeting(t, name), "",
        t(_("This address has already written to ${site}. To finish your registration, "
            "open this link and choose your password:", mapping={"site": settings.site_name})),
        "", link, "",
        _until(t, expires, settings),
        t(_("If you did not register, ignore this message: nothing changes.")),
    ]
    return subject, "\n".join(body) + "\n"


def already_registered(t, settings, name: str, link: str,
                       expires: datetime) -> tuple[str, str]:
    """Someone registered an address that already has an account."""
    subject = t(_("Your account at ${site}", mapping={"site": settings.site_name}))
    body = [
        _greeting(t, name), "",
        t(_("Someone, probably you, tried to register this address at ${site}. "
            "You already have an account.", mapping={"site": settings.site_name})),
        t(_("If you forgot your password, reset it here:")), "",
        link, "",
        _until(t, expires, settings),
        t(_("If you did not ask for this, ignore this message: nothing changes.")),
    ]
    return subject, "\n".join(body) + "\n"


def password_reset(t, settings, name: str, link: str, expires: datetime) -> tuple[str, str]:
    """A link to choose a new password."""
    subject = t(_("Reset your password for ${site}", mapping={"site": settings.site_name}))
    body = [
        _greeting(t, name), "",
        t(_("To choose a new password, open this link:")), "",
        link, "",
        _until(t, expires, settings),
        t(_("The link works once. If you did not ask for it, ignore this message: "
            "your password stays as it is.")),
    ]
    return subject, "\n".join(body) + "\n"
