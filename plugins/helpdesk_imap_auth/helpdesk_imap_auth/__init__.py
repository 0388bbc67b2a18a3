"""Log in with the institute mailbox's password (``helpdesk.plugins = imap_login``).

The institute's mail server checks the password by an IMAP login; only
addresses in ``helpdesk.imap_login.domains`` are tried. The person is created
or updated by :func:`pyramid_helpdesk.auth.directory.confirmed_person` (the
mail server tells nothing but "yes": the first-login profile page asks for
name, department and phone). When the server cannot be asked the backend
passes (``None``) and logs a warning, so the next backend, local accounts
last, still answers.
"""
import logging

from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.auth.directory import DirectoryEntry, confirmed_person
from pyramid_helpdesk.errors import InvalidOperation
from pyramid_helpdesk.people.services import normalize_email

from .client import MailServerUnavailable, mail_server_accepts
from .settings import read_imap_login_settings

log = logging.getLogger(__name__)

SOURCE = "imap_login"


@hookimpl
def helpdesk_authenticate(login, password, helpdesk):
    """The person whose mailbox password this is, or ``None`` to let the next backend try."""
    if not password:
        return None
    settings = read_imap_login_settings(helpdesk.settings.raw)
    try:
        address = normalize_email(login)
    except InvalidOperation:
        return None
    local, _, domain = address.rpartition("@")
    if domain not in settings.domains:
        return None
    username = settings.login_format.format(email=address, local=local)
    try:
        accepted = mail_server_accepts(settings, username, password)
    except MailServerUnavailable as exc:
        log.warning("IMAP login %s:%s cannot be asked, the next login backend answers: %s",
                    settings.host, settings.port, exc)
        return None
    return confirmed_person(helpdesk, SOURCE, DirectoryEntry(email=address)) if accepted else None


def includeme(config):
    """Check the ``helpdesk.imap_login.*`` settings at start-up: a wrong value stops it."""
    read_imap_login_settings(config.registry.helpdesk_settings.raw)
