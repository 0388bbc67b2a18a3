"""Logging in with the institute directory's password (``ldap`` plugin, a real slapd)."""
import logging
import time

import pytest

from pyramid_helpdesk.people.models import Role
from pyramid_helpdesk.people.services import find_by_email
from pyramid_helpdesk.testing import TEST_PASSWORD

from .conftest import DIRECTORY, REFUSED, ldap_settings, log_in, signed_in_as

# ldap3 2.9.1 checks the certificate's name with ssl.match_hostname, which Python 3.11
# deprecates (the check is still made); a warning, not an error, outside the tests.
LDAP3_NAME_CHECK = pytest.mark.filterwarnings(
    r"ignore:ssl\.match_hostname\(\) is deprecated:DeprecationWarning")


def password_of(uid: str) -> str:
    return DIRECTORY[uid][0]


@pytest.fixture(params=["search", "bind"])
def directory(request, site, slapd):
    """The helpdesk logging in against the directory, in each mode."""
    return site("ldap web", ldap_settings(slapd, request.param))


@pytest.fixture
def searching(site, slapd):
    """The helpdesk in search-then-bind mode."""
    return site("ldap web", ldap_settings(slapd, "search"))


def test_the_directory_password_logs_in_and_the_entry_fills_the_profile(directory):
    log_in(directory, "lin@example.org", password_of("lin"))

    assert signed_in_as(directory) == "Lin Example"
    person = find_by_email(directory.dbsession, "lin@example.org")
    assert (person.name, person.department, person.phone) == (
        "Lin Example", "Physics Lab", "+86 10 5555 0101")
    assert person.auth_source == "ldap"
    assert person.role is Role.requester
    assert person.email_verified_at is not None and person.last_login_at is not None
    assert person.password_hash is None
    assert person.profile_completed  # name, department and phone: nothing left to ask


def test_a_missing_phone_leaves_the_profile_for_the_person_to_complete(directory):
    log_in(directory, "mo@example.org", password_of("mo"))

    person = find_by_email(directory.dbsession, "mo@example.org")
    assert person.email == "mo@example.org"  # the directory writes Mo@Example.org
    assert person.department == "D-204"  # no ou: departmentNumber is next
    assert person.phone == ""
    assert not person.profile_completed


def test_a_wrong_directory_password_is_refused(directory):
    page = log_in(directory, "lin@example.org", "not-the-password", status=400)

    assert REFUSED in page.text
    assert signed_in_as(directory) is None
    assert find_by_email(directory.dbsession, "lin@example.org") is None


def test_someone_the_directory_does_not_know_logs_in_with_a_local_account(directory):
    visitor = directory.person("visitor@example.org", name="Visiting Example")

    log_in(directory, "visitor@example.org", TEST_PASSWORD)

    assert signed_in_as(directory) == "Visiting Example"
    directory.refresh(visitor)
    assert visitor.auth_source == "local" and visitor.password_hash


def test_the_directory_takes_over_an_existing_account_keeping_its_role(directory):
    staffer = directory.person("staffer@example.org", "agent", name="Old Name",
                               phone="+86 10 5555 0199")

    log_in(directory, "staffer@example.org", password_of("staffer"))

    directory.refresh(staffer)
    assert staffer.role is Role.agent
    assert (staffer.name, staffer.department) == ("Staffer Example", "IT")
    assert staffer.phone == "+86 10 5555 0199"  # the directory has none: kept
    assert staffer.auth_source == "ldap" and staffer.profile_completed
    # The local password set before the directory took over opens nothing now.
    directory.app.reset()  # a new browser
    assert REFUSED in log_in(directory, "staffer@example.org", TEST_PASSWORD, status=400).text


def test_a_deactivated_person_is_refused_although_the_directory_accepts(directory):
    gone = directory.person("gone@example.org", name="Gone Example")
    gone.is_active = False
    directory.dbsession.flush()

    log_in(directory, "gone@example.org", password_of("gone"), status=400)

    assert signed_in_as(directory) is None


def test_an_entry_without_an_address_cannot_log_in(site, slapd, caplog):
    helpdesk = site("ldap web", ldap_settings(slapd, "bind"))

    with caplog.at_level(logging.WARNING):
        log_in(helpdesk, "nomail@example.org", password_of("nomail"), status=400)

    assert "no usable e-mail address" in caplog.text


def test_a_filter_matching_two_entries_refuses_and_logs_why(searching, caplog):
    with caplog.at_level(logging.WARNING):
        log_in(searching, "twin@example.org", password_of("twin-a"), status=400)

    assert "matches more than one entry" in caplog.text
    assert find_by_email(searching.dbsession, "twin@example.org") is None


@pytest.mark.parametrize("login", ["*)(mail=*", "lin@example.*", "*"])
def test_filter_syntax_typed_as_a_login_matches_nobody(searching, login):
    log_in(searching, login, password_of("lin"), status=400)

    assert signed_in_as(searching) is None
    assert find_by_email(searching.dbsession, "lin@example.org") is None


def test_dn_syntax_typed_as_a_login_is_not_a_dn(site, slapd):
    helpdesk = site("ldap web", ldap_settings(slapd, "bind"))

    log_in(helpdesk, f"lin,{slapd.suffix}@example.org", password_of("lin"), status=400)

    assert signed_in_as(helpdesk) is None


def test_an_empty_password_never_reaches_the_server(site, silent_server):
    helpdesk = site("ldap web", {"helpdesk.ldap.url": f"ldap://127.0.0.1:{silent_server.port}",
                                 "helpdesk.ldap.mode": "bind",
                                 "helpdesk.ldap.user_dn": "uid={local},ou=people,dc=example,dc=org",
                                 "helpdesk.ldap.receive_timeout": "200ms"})
    authenticate = helpdesk.plugins.hook.helpdesk_authenticate
    context = helpdesk.tickets.hook_context()

    assert authenticate(login="lin@example.org", password="", helpdesk=context) is None
    assert silent_server.connections() == 0
    # a password, however short, is sent (and this server never answers)
    assert authenticate(login="lin@example.org", password=" ", helpdesk=context) is None
    assert silent_server.connections() == 1


def test_with_the_directory_down_local_accounts_still_log_in(site, closed_port, caplog):
    helpdesk = site("ldap web", {"helpdesk.ldap.url": f"ldap://127.0.0.1:{closed_port}",
                                 "helpdesk.ldap.search_base": "ou=people,dc=example,dc=org"})
    helpdesk.person("visitor@example.org", name="Visiting Example")

    with caplog.at_level(logging.WARNING):
        page = log_in(helpdesk, "lin@example.org", password_of("lin"), status=400)
    assert REFUSED in page.text
    assert f"LDAP ldap://127.0.0.1:{closed_port} cannot be asked" in caplog.text

    log_in(helpdesk, "visitor@example.org", TEST_PASSWORD)
    assert signed_in_as(helpdesk) == "Visiting Example"


def test_a_directory_that_does_not_answer_delays_login_only_by_its_timeout(
        site, silent_server, caplog):
    helpdesk = site("ldap web", {"helpdesk.ldap.url": f"ldap://127.0.0.1:{silent_server.port}",
                                 "helpdesk.ldap.search_base": "ou=people,dc=example,dc=org",
                                 "helpdesk.ldap.receive_timeout": "1s"})
    helpdesk.person("visitor@example.org", name="Visiting Example")

    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        log_in(helpdesk, "visitor@example.org", TEST_PASSWORD)

    assert time.monotonic() - started < 5
    assert signed_in_as(helpdesk) == "Visiting Example"
    assert silent_server.connections() == 1
    assert "cannot be asked" in caplog.text


@LDAP3_NAME_CHECK
@pytest.mark.parametrize("tls", ["starttls", "ldaps"])
def test_logging_in_over_tls_checked_against_the_ca_file(site, slapd, tls):
    upgrade = {"starttls": "true"} if tls == "starttls" else {"url": slapd.ldaps_url}
    helpdesk = site("ldap web", ldap_settings(slapd, "search", ca_file=str(slapd.ca_file),
                                              **upgrade))

    log_in(helpdesk, "lin@example.org", password_of("lin"))

    assert signed_in_as(helpdesk) == "Lin Example"


@LDAP3_NAME_CHECK
def test_a_certificate_the_ca_file_does_not_vouch_for_is_refused(site, slapd, caplog):
    # Without ca_file the system's CAs are used, and none signed the test server's certificate.
    helpdesk = site("ldap web", ldap_settings(slapd, "search", starttls="true"))

    with caplog.at_level(logging.WARNING):
        log_in(helpdesk, "lin@example.org", password_of("lin"), status=400)

    assert "certificate verify failed" in caplog.text


def test_the_service_account_password_can_come_from_the_environment(site, slapd,
                                                                    monkeypatch):
    monkeypatch.setenv("HELPDESK_TEST_LDAP_PASSWORD", ldap_settings(slapd)[
        "helpdesk.ldap.bind_password"])
    helpdesk = site("ldap web", ldap_settings(
        slapd, "search", bind_password="env:HELPDESK_TEST_LDAP_PASSWORD"))

    log_in(helpdesk, "lin@example.org", password_of("lin"))

    assert signed_in_as(helpdesk) == "Lin Example"


def test_a_refused_service_account_is_logged_and_local_accounts_still_work(site, slapd,
                                                                           caplog):
    helpdesk = site("ldap web", ldap_settings(slapd, "search", bind_password="wrong-pw"))
    helpdesk.person("visitor@example.org", name="Visiting Example")

    with caplog.at_level(logging.WARNING):
        log_in(helpdesk, "lin@example.org", password_of("lin"), status=400)
    assert "the service account" in caplog.text and "invalidCredentials" in caplog.text

    log_in(helpdesk, "visitor@example.org", TEST_PASSWORD)
