"""Login backends are asked in the order ``helpdesk.plugins`` lists them, local accounts last."""
import pytest

from pyramid_helpdesk.people.services import find_by_email

from .conftest import DIRECTORY, MAILBOXES, imap_settings, ldap_settings, log_in

SHARED_PASSWORD = DIRECTORY["both"][0]
assert MAILBOXES["both@example.org"] == SHARED_PASSWORD  # every backend would say yes


@pytest.mark.parametrize(("plugins", "answered_by"), [
    ("ldap imap_login web", "ldap"),
    ("imap_login ldap web", "imap_login"),
    ("web imap_login", "imap_login"),
    ("web", "local"),
])
def test_the_first_listed_backend_that_accepts_answers(site, slapd, dovecot, plugins,
                                                       answered_by):
    helpdesk = site(plugins, {**ldap_settings(slapd), **imap_settings(dovecot)})
    both = helpdesk.person("both@example.org", name="Local Name", password=SHARED_PASSWORD)

    log_in(helpdesk, "both@example.org", SHARED_PASSWORD)

    helpdesk.refresh(both)
    assert both.auth_source == answered_by
    assert both.name == ("Both Example" if answered_by == "ldap" else "Local Name")


def test_a_backend_that_refuses_lets_the_next_one_answer(site, slapd, dovecot):
    # The directory does not know kai; the mail server, listed second, does.
    helpdesk = site("ldap imap_login web", {**ldap_settings(slapd), **imap_settings(dovecot)})

    log_in(helpdesk, "kai@example.org", MAILBOXES["kai@example.org"])

    assert find_by_email(helpdesk.dbsession, "kai@example.org").auth_source == "imap_login"
