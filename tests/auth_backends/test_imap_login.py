"""Logging in with the institute mailbox's password (``imap_login`` plugin, a real Dovecot)."""
import logging
import time

import pytest

from pyramid_helpdesk.people.models import Role
from pyramid_helpdesk.people.services import find_by_email
from pyramid_helpdesk.testing import TEST_PASSWORD

from .conftest import MAILBOXES, REFUSED, imap_settings, log_in, signed_in_as


@pytest.fixture
def mail_server(site, dovecot):
    """The helpdesk logging in against the mail server (STARTTLS, addresses @example.org)."""
    return site("imap_login web", imap_settings(dovecot))


def test_the_mailbox_password_logs_in_and_creates_a_requester(mail_server):
    log_in(mail_server, "Kai@Example.org", MAILBOXES["kai@example.org"])

    assert signed_in_as(mail_server) == "kai@example.org"  # no name known yet
    person = find_by_email(mail_server.dbsession, "kai@example.org")
    assert person.auth_source == "imap_login"
    assert person.role is Role.requester
    assert person.email_verified_at is not None and person.password_hash is None
    assert not person.profile_completed  # the profile page asks for name, department, phone


def test_a_wrong_mailbox_password_is_refused(mail_server):
    page = log_in(mail_server, "kai@example.org", "not-the-password", status=400)

    assert REFUSED in page.text
    assert find_by_email(mail_server.dbsession, "kai@example.org") is None


def test_a_password_beyond_ascii_is_checked_too(mail_server):
    log_in(mail_server, "yu@example.org", "邮箱密码", status=400)
    log_in(mail_server, "yu@example.org", MAILBOXES["yu@example.org"])

    assert signed_in_as(mail_server) == "yu@example.org"


def test_the_mailbox_name_can_be_the_local_part(site, dovecot):
    helpdesk = site("imap_login web", imap_settings(dovecot, login_format="{local}"))

    log_in(helpdesk, "rui@example.org", MAILBOXES["rui"])

    assert signed_in_as(helpdesk) == "rui@example.org"


def test_someone_without_a_mailbox_logs_in_with_a_local_account(mail_server):
    mail_server.person("visitor@example.org", name="Visiting Example")

    log_in(mail_server, "visitor@example.org", TEST_PASSWORD)

    assert signed_in_as(mail_server) == "Visiting Example"


def test_the_mail_server_takes_over_an_existing_account_keeping_its_role(mail_server):
    kai = mail_server.person("kai@example.org", "coordinator", name="Kai Example")

    log_in(mail_server, "kai@example.org", MAILBOXES["kai@example.org"])

    mail_server.refresh(kai)
    assert kai.role is Role.coordinator and kai.name == "Kai Example"
    assert kai.auth_source == "imap_login"
    mail_server.app.reset()  # a new browser
    log_in(mail_server, "kai@example.org", TEST_PASSWORD, status=400)  # the old local one


def test_addresses_outside_the_listed_domains_are_never_sent(site, silent_server):
    helpdesk = site("imap_login web", {"helpdesk.imap_login.host": "127.0.0.1",
                                       "helpdesk.imap_login.port": str(silent_server.port),
                                       "helpdesk.imap_login.security": "plain",
                                       "helpdesk.imap_login.timeout": "200ms",
                                       "helpdesk.imap_login.domains": "example.org"})

    log_in(helpdesk, "kai@elsewhere.example.net", MAILBOXES["kai@example.org"], status=400)
    assert silent_server.connections() == 0
    # an address in the domain is sent (and this server never answers)
    log_in(helpdesk, "kai@example.org", MAILBOXES["kai@example.org"], status=400)
    assert silent_server.connections() == 1


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_logging_in_over_tls_checked_against_the_ca_file(site, dovecot, security):
    port = dovecot.imaps_port if security == "ssl" else dovecot.port
    helpdesk = site("imap_login web", imap_settings(dovecot, security=security, port=str(port)))

    log_in(helpdesk, "kai@example.org", MAILBOXES["kai@example.org"])

    assert signed_in_as(helpdesk) == "kai@example.org"


def test_plain_text_logins_work_where_they_are_allowed(site, dovecot):
    helpdesk = site("imap_login web", imap_settings(dovecot, security="plain"))

    log_in(helpdesk, "kai@example.org", MAILBOXES["kai@example.org"])


def test_a_certificate_the_ca_file_does_not_vouch_for_is_refused(site, dovecot, caplog):
    helpdesk = site("imap_login web", imap_settings(
        dovecot, security="ssl", port=str(dovecot.imaps_port), ca_file=""))

    with caplog.at_level(logging.WARNING):
        log_in(helpdesk, "kai@example.org", MAILBOXES["kai@example.org"], status=400)

    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text


def test_with_the_mail_server_down_local_accounts_still_log_in(site, dovecot, closed_port,
                                                                caplog):
    helpdesk = site("imap_login web", imap_settings(dovecot, port=str(closed_port)))
    helpdesk.person("visitor@example.org", name="Visiting Example")

    with caplog.at_level(logging.WARNING):
        log_in(helpdesk, "kai@example.org", MAILBOXES["kai@example.org"], status=400)
    assert f"IMAP login 127.0.0.1:{closed_port} cannot be asked" in caplog.text

    log_in(helpdesk, "visitor@example.org", TEST_PASSWORD)
    assert signed_in_as(helpdesk) == "Visiting Example"


def test_a_mail_server_that_does_not_answer_delays_login_only_by_its_timeout(
        site, silent_server, caplog):
    helpdesk = site("imap_login web", {"helpdesk.imap_login.host": "127.0.0.1",
                                       "helpdesk.imap_login.port": str(silent_server.port),
                                       "helpdesk.imap_login.timeout": "1s",
                                       "helpdesk.imap_login.domains": "example.org"})
    helpdesk.person("visitor@example.org", name="Visiting Example")

    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        log_in(helpdesk, "visitor@example.org", TEST_PASSWORD)

    assert time.monotonic() - started < 5
    assert silent_server.connections() == 1
    assert "cannot be asked" in caplog.text
