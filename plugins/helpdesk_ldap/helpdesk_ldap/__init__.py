"""Log in against the institute's LDAP directory (``helpdesk.plugins = ldap``).

The directory checks the password; the person is created or updated from the
directory entry by :func:`pyramid_helpdesk.auth.directory.confirmed_person`.
When the directory cannot be asked the backend passes (``None``) and logs a
warning, so the next backend, local accounts last, still answers.
"""
import logging

from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.auth.directory import confirmed_person

from .client import DirectoryUnavailable, check_password
from .settings import read_ldap_settings

log = logging.getLogger(__name__)

SOURCE = "ldap"


@hookimpl
def helpdesk_authenticate(login, password, helpdesk):
    """The person whose directory password this is, or ``None`` to let the next backend try."""
    if not login.strip() or not password:
        return None  # a DN with an empty password is an unauthenticated bind: often accepted
    settings = read_ldap_settings(helpdesk.settings.raw)
    try:
        entry = check_password(settings, login.strip(), password)
    except DirectoryUnavailable as exc:
        log.warning("LDAP %s cannot be asked, the next login backend answers: %s",
                    settings.url, exc)
        return None
    if entry is None:
        return None
    return confirmed_person(helpdesk, SOURCE, entry)


def includeme(config):
    """Check the ``helpdesk.ldap.*`` settings at start-up: a wrong value stops it."""
    read_ldap_settings(config.registry.helpdesk_settings.raw)
