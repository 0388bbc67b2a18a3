"""The login backends' settings are checked at start-up: a wrong value stops it in one line."""
import pytest

from pyramid_helpdesk.config import configure
from pyramid_helpdesk.errors import ConfigurationError
from pyramid_helpdesk.testing import build_app, make_test_settings

LDAP = {"helpdesk.plugins": "ldap", "helpdesk.ldap.url": "ldaps://ldap.example.org",
        "helpdesk.ldap.search_base": "ou=people,dc=example,dc=org"}
IMAP = {"helpdesk.plugins": "imap_login", "helpdesk.imap_login.host": "mail.example.org",
        "helpdesk.imap_login.domains": "example.org"}


@pytest.fixture
def start_up(helpdesk_database_url, helpdesk_directory):
    """Start a helpdesk with ``settings``; return the one line that stopped it."""
    def start_up(base: dict[str, str], **changes: str | None) -> str:
        settings = make_test_settings(helpdesk_database_url, helpdesk_directory, **base)
        for key, value in changes.items():
            full_key = key.replace("__", ".")
            if value is None:
                settings.pop(full_key, None)
            else:
                settings[full_key] = value
        with pytest.raises(ConfigurationError) as info:
            configure(settings)
        message = str(info.value)
        assert "\n" not in message
        return message
    return start_up


@pytest.mark.parametrize(("changes", "line"), [
    ({"helpdesk__ldap__url": None}, "setting helpdesk.ldap.url: expected an ldap:// or "
                                    "ldaps:// URL"),
    ({"helpdesk__ldap__url": "https://ldap.example.org"}, "setting helpdesk.ldap.url: "),
    ({"helpdesk__ldap__mode": "anonymous"}, "setting helpdesk.ldap.mode: expected bind or "
                                            "search, got 'anonymous'"),
    ({"helpdesk__ldap__mode": "bind"}, "setting helpdesk.ldap.user_dn: expected a DN with "
                                       "{login} or {local}"),
    ({"helpdesk__ldap__mode": "bind", "helpdesk__ldap__user_dn": "uid=lin,dc=example,dc=org"},
     "setting helpdesk.ldap.user_dn: "),
    ({"helpdesk__ldap__search_base": None}, "setting helpdesk.ldap.search_base: expected a DN"),
    ({"helpdesk__ldap__search_filter": "mail={login}"}, "setting helpdesk.ldap.search_filter: "),
    ({"helpdesk__ldap__search_filter": "(mail={user})"}, "setting helpdesk.ldap.search_filter: "),
    ({"helpdesk__ldap__search_filter": "(&(mail={login})"},
     "setting helpdesk.ldap.search_filter: "),
    ({"helpdesk__ldap__search_scope": "one"}, "setting helpdesk.ldap.search_scope: "),
    ({"helpdesk__ldap__starttls": "maybe"}, "setting helpdesk.ldap.starttls: expected true or "
                                            "false"),
    ({"helpdesk__ldap__starttls": "true"}, "setting helpdesk.ldap.starttls: expected false "
                                           "with an ldaps:// URL"),
    ({"helpdesk__ldap__connect_timeout": "0s"}, "setting helpdesk.ldap.connect_timeout: "),
    ({"helpdesk__ldap__receive_timeout": "soon"}, "setting helpdesk.ldap.receive_timeout: "),
    ({"helpdesk__ldap__ca_file": "/nonexistent/ca.pem"}, "setting helpdesk.ldap.ca_file: "),
    ({"helpdesk__ldap__attribute__name": "display name!"},
     "setting helpdesk.ldap.attribute.name: expected attribute names"),
    ({"helpdesk__ldap__bind_dn": "cn=helpdesk,dc=example,dc=org"},
     "setting helpdesk.ldap.bind_password: expected a password when bind_dn is set"),
    ({"helpdesk__ldap__bind_password": "env:HELPDESK_TEST_UNSET_LDAP_PASSWORD"},
     "setting helpdesk.ldap.bind_password: expected environment variable "
     "HELPDESK_TEST_UNSET_LDAP_PASSWORD to be set"),
])
def test_a_wrong_ldap_setting_stops_start_up_naming_it(start_up, changes, line):
    assert start_up(LDAP, **changes).startswith(line)


@pytest.mark.parametrize(("changes", "line"), [
    ({"helpdesk__imap_login__host": None}, "setting helpdesk.imap_login.host: expected the "
                                           "mail server's host name"),
    ({"helpdesk__imap_login__security": "tls"}, "setting helpdesk.imap_login.security: "
                                                "expected ssl, starttls or plain, got 'tls'"),
    ({"helpdesk__imap_login__port": "99999"}, "setting helpdesk.imap_login.port: "),
    ({"helpdesk__imap_login__timeout": "-1s"}, "setting helpdesk.imap_login.timeout: "),
    ({"helpdesk__imap_login__domains": None}, "setting helpdesk.imap_login.domains: expected "
                                              "the mail domains"),
    ({"helpdesk__imap_login__domains": "example.org @example.net"},
     "setting helpdesk.imap_login.domains: "),
    ({"helpdesk__imap_login__login_format": "{user}"},
     "setting helpdesk.imap_login.login_format: expected {email} or {local}"),
    ({"helpdesk__imap_login__ca_file": "/nonexistent/ca.pem"},
     "setting helpdesk.imap_login.ca_file: "),
])
def test_a_wrong_imap_login_setting_stops_start_up_naming_it(start_up, changes, line):
    assert start_up(IMAP, **changes).startswith(line)


@pytest.mark.parametrize("settings", [LDAP, IMAP, {**LDAP, **IMAP,
                                                   "helpdesk.plugins": "ldap imap_login"}])
def test_the_documented_minimum_starts(helpdesk_database_url, helpdesk_directory,
                                       helpdesk_engine, settings):
    app = build_app(make_test_settings(helpdesk_database_url, helpdesk_directory, **settings),
                    helpdesk_engine)

    assert app.registry.helpdesk_settings.plugins == tuple(settings["helpdesk.plugins"].split())
