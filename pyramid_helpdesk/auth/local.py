"""The core's authentication backend: local accounts with argon2 hashes."""
from .. import hookimpl
from ..db.types import utcnow
from ..people.passwords import verify_password
from ..people.services import find_by_email


@hookimpl(trylast=True)
def helpdesk_authenticate(login, password, helpdesk):
    """The active local account whose password matches, else ``None``."""
    person = find_by_email(helpdesk.dbsession, login)
    profile = helpdesk.settings.password_argon2_profile
    if person is None or not person.is_active:
        verify_password(None, password, profile)  # same cost as a real check
        return None
    if not verify_password(person.password_hash, password, profile):
        return None
    person.last_login_at = utcnow()
    return person
