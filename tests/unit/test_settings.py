"""Every ``helpdesk.*`` setting is parsed once, at start-up, or stops it in one line."""
from datetime import timedelta

import pytest

from pyramid_helpdesk.errors import ConfigurationError
from pyramid_helpdesk.settings import (
    SPECS,
    HelpdeskSettings,
    SettingsError,
    parse_settings,
    read_setting,
)

SECRET = "a-session-secret-of-more-than-32-characters"


def refused(settings: dict) -> SettingsError:
    """The error parsing ``settings`` (with a valid secret unless given) raises."""
    with pytest.raises(SettingsError) as info:
        parse_settings({"helpdesk.session.secret": SECRET, **settings})
    return info.value


def assert_one_line(error: Exception, *fragments: str) -> None:
    message = str(error)
    assert "\n" not in message and "\r" not in message, message
    for fragment in fragments:
        assert fragment in message, message


# -- defaults ------------------------------------------------------------------------


def test_an_ini_file_with_only_a_session_secret_gets_working_defaults():
    settings = parse_settings({"helpdesk.session.secret": SECRET, "here": "/srv/helpdesk"})

    assert settings.site_name == "Helpdesk"
    assert settings.base_url == "http://localhost:6543"
    assert settings.plugins == ()
    assert settings.routing == ()
    assert settings.notifiers == ("log",)
    assert settings.ticket_number(42, 2026) == "HD-000042"
    assert settings.categories == ("general", "network", "computing", "accounts", "software",
                                   "hardware")
    assert settings.session_secret == SECRET
    assert settings.session_secure is False
    assert settings.session_timeout == timedelta(hours=12)
    assert settings.password_argon2_profile == "RFC_9106_LOW_MEMORY"
    assert settings.attachments_dir == "/srv/helpdesk/var/attachments"
    assert settings.attachments_max_size == 20 * 1024 * 1024
    assert settings.mail_sender == "helpdesk@example.org"
    assert settings.mail_dir == "/srv/helpdesk/var/mail"
    assert settings.worker_batch_size == 50
    assert settings.worker_max_attempts == 8
    assert settings.worker_backoff == timedelta(seconds=30)
    assert settings.worker_poll_interval == timedelta(seconds=2)


def test_every_spec_has_a_field_on_the_parsed_settings():
    fields = set(HelpdeskSettings.__dataclass_fields__)
    for spec in SPECS:
        assert spec.key.startswith("helpdesk.")
        assert spec.key[len("helpdesk."):].replace(".", "_") in fields


def test_the_raw_values_stay_available_to_plugins():
    settings = parse_settings({"helpdesk.session.secret": SECRET,
                               "helpdesk.keyword_routing.rules": "vpn:Network"})
    assert settings.raw["helpdesk.keyword_routing.rules"] == "vpn:Network"


def test_without_a_session_secret_start_up_stops():
    error = refused({"helpdesk.session.secret": ""})
    assert error.key == "helpdesk.session.secret"
    assert_one_line(error, "helpdesk.session.secret", "at least 32 characters")


# -- each parser: a good value, a bad one ---------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("web, email  phone", ("web", "email", "phone")),
    ("web\nemail", ("web", "email")),
    ("  ", ()),
])
def test_plugin_names_are_split_on_spaces_commas_and_lines(raw, expected):
    assert parse_settings({"helpdesk.session.secret": SECRET,
                           "helpdesk.plugins": raw}).plugins == expected


@pytest.mark.parametrize("raw, expected", [
    ("true", True), ("Yes", True), ("on", True), ("1", True),
    ("false", False), ("NO", False), ("off", False), ("0", False),
])
def test_booleans_accept_the_usual_spellings(raw, expected):
    assert parse_settings({"helpdesk.session.secret": SECRET,
                           "helpdesk.session.secure": raw}).session_secure is expected


def test_a_boolean_that_is_neither_is_refused():
    error = refused({"helpdesk.session.secure": "maybe"})
    assert_one_line(error, "helpdesk.session.secure", "true or false", "'maybe'")


@pytest.mark.parametrize("raw, expected", [
    ("90", timedelta(seconds=90)),
    ("90s", timedelta(seconds=90)),
    ("250ms", timedelta(milliseconds=250)),
    ("5m", timedelta(minutes=5)),
    ("5 min", timedelta(minutes=5)),
    ("1.5h", timedelta(minutes=90)),
    ("2d", timedelta(days=2)),
])
def test_durations_take_a_unit(raw, expected):
    assert parse_settings({"helpdesk.session.secret": SECRET,
                           "helpdesk.worker.backoff": raw}).worker_backoff == expected


@pytest.mark.parametrize("raw", ["soon", "5 weeks", "-5s", ""])
def test_a_duration_that_is_not_one_is_refused(raw):
    error = refused({"helpdesk.worker.backoff": raw})
    assert_one_line(error, "helpdesk.worker.backoff", "a duration such as 30s")


@pytest.mark.parametrize("raw, expected", [
    ("512", 512), ("512b", 512), ("64KB", 64 * 1024), ("64k", 64 * 1024),
    ("20MB", 20 * 1024**2), ("1gb", 1024**3),
])
def test_sizes_take_a_unit(raw, expected):
    assert parse_settings({"helpdesk.session.secret": SECRET,
                           "helpdesk.attachments.max_size": raw}).attachments_max_size == expected


@pytest.mark.parametrize("raw", ["1.5MB", "big", "20 TB"])
def test_a_size_that_is_not_one_is_refused(raw):
    error = refused({"helpdesk.attachments.max_size": raw})
    assert_one_line(error, "helpdesk.attachments.max_size", "a size such as 20MB", repr(raw))


def test_a_positive_whole_number_is_accepted():
    assert parse_settings({"helpdesk.session.secret": SECRET,
                           "helpdesk.worker.batch_size": " 7 "}).worker_batch_size == 7


@pytest.mark.parametrize("raw", ["zero", "0", "-3", "2.5"])
def test_a_batch_size_that_is_not_a_positive_whole_number_is_refused(raw):
    error = refused({"helpdesk.worker.batch_size": raw})
    assert error.key == "helpdesk.worker.batch_size"
    assert str(error) == (f"setting helpdesk.worker.batch_size: expected a whole number > 0, "
                          f"got {raw!r}")


def test_the_sender_must_be_an_address():
    assert parse_settings({"helpdesk.session.secret": SECRET,
                           "helpdesk.mail.sender": "desk@example.net"}).mail_sender == \
        "desk@example.net"
    error = refused({"helpdesk.mail.sender": "helpdesk at example.org"})
    assert_one_line(error, "helpdesk.mail.sender", "an e-mail address")


def test_the_base_url_loses_its_trailing_slash():
    settings = parse_settings({"helpdesk.session.secret": SECRET,
                               "helpdesk.base_url": "https://help.example.org/"})
    assert settings.base_url == "https://help.example.org"


@pytest.mark.parametrize("raw", ["help.example.org", "ftp://help.example.org", "/tickets"])
def test_a_base_url_that_is_not_absolute_http_is_refused(raw):
    error = refused({"helpdesk.base_url": raw})
    assert_one_line(error, "helpdesk.base_url", "an absolute http(s) URL")


def test_a_ticket_number_format_may_use_the_year():
    settings = parse_settings({"helpdesk.session.secret": SECRET,
                               "helpdesk.ticket_number_format": "{year}-{id:04d}"})
    assert settings.ticket_number(7, 2026) == "2026-0007"


@pytest.mark.parametrize("raw", ["HD-static", "HD-{id", "HD-{id}-{month}"])
def test_a_ticket_number_format_without_a_usable_id_is_refused(raw):
    error = refused({"helpdesk.ticket_number_format": raw})
    assert_one_line(error, "helpdesk.ticket_number_format", "a format with {id}")


def test_the_argon2_profile_is_any_profile_name_in_any_case():
    settings = parse_settings({"helpdesk.session.secret": SECRET,
                               "helpdesk.password.argon2_profile": "cheapest"})
    assert settings.password_argon2_profile == "CHEAPEST"


def test_an_unknown_argon2_profile_is_refused():
    error = refused({"helpdesk.password.argon2_profile": "FASTEST"})
    assert_one_line(error, "helpdesk.password.argon2_profile", "an argon2.profiles name")


def test_directories_are_relative_to_the_ini_file_unless_absolute():
    settings = parse_settings({"helpdesk.session.secret": SECRET, "here": "/srv/helpdesk",
                               "helpdesk.mail.dir": "outbox",
                               "helpdesk.attachments.dir": "/data/attachments"})
    assert settings.mail_dir == "/srv/helpdesk/outbox"
    assert settings.attachments_dir == "/data/attachments"


def test_a_value_spread_over_lines_is_still_reported_on_one_line():
    error = refused({"helpdesk.worker.max_attempts": "eight\nor nine"})
    assert_one_line(error, "helpdesk.worker.max_attempts", "a whole number > 0")


# -- env:NAME -------------------------------------------------------------------------


def test_a_value_written_env_name_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("HELPDESK_TEST_SECRET", SECRET + "-from-env")
    monkeypatch.setenv("HELPDESK_TEST_BATCH", "12")
    settings = parse_settings({"helpdesk.session.secret": "env:HELPDESK_TEST_SECRET",
                               "helpdesk.worker.batch_size": "env: HELPDESK_TEST_BATCH"})
    assert settings.session_secret == SECRET + "-from-env"
    assert settings.worker_batch_size == 12


def test_a_missing_environment_variable_is_named(monkeypatch):
    monkeypatch.delenv("HELPDESK_TEST_UNSET_SECRET", raising=False)
    error = refused({"helpdesk.session.secret": "env:HELPDESK_TEST_UNSET_SECRET"})
    assert error.key == "helpdesk.session.secret"
    assert_one_line(error, "helpdesk.session.secret", "HELPDESK_TEST_UNSET_SECRET")


def test_a_bad_value_from_the_environment_is_refused_like_any_other(monkeypatch):
    monkeypatch.setenv("HELPDESK_TEST_BATCH", "lots")
    error = refused({"helpdesk.worker.batch_size": "env:HELPDESK_TEST_BATCH"})
    assert_one_line(error, "helpdesk.worker.batch_size", "'lots'")


# -- unknown and plugin-owned keys ---------------------------------------------------------


@pytest.mark.parametrize("key", [
    "helpdesk.sitename",  # a typo of helpdesk.site_name
    "helpdesk.worker.batchsize",  # a typo inside a core section
    "helpdesk.mail.smtp_host",  # core sections belong to the core
])
def test_an_unknown_helpdesk_key_is_refused(key):
    error = refused({key: "1"})
    assert error.key == key
    assert_one_line(error, key, "a known setting")


def test_plugins_own_the_keys_of_their_section():
    settings = parse_settings({"helpdesk.session.secret": SECRET,
                               "helpdesk.keyword_routing.rules": "vpn:Network",
                               "helpdesk.ldap.server.uri": "ldaps://ldap.example.org"})
    assert settings.raw["helpdesk.ldap.server.uri"] == "ldaps://ldap.example.org"


def test_keys_outside_the_helpdesk_namespace_are_left_to_their_owners():
    settings = parse_settings({"helpdesk.session.secret": SECRET,
                               "pyramid.reload_templates": "true",
                               "sqlalchemy.url": "sqlite://"})
    assert settings.raw["sqlalchemy.url"] == "sqlite://"


def test_a_plugin_reads_its_own_key_with_read_setting():
    raw = {"helpdesk.keyword_routing.limit": "3"}
    assert read_setting(raw, "helpdesk.keyword_routing.limit", "1", int, "a number") == 3
    assert read_setting({}, "helpdesk.keyword_routing.limit", "1", int, "a number") == 1
    with pytest.raises(SettingsError) as info:
        read_setting({"helpdesk.keyword_routing.limit": "three"},
                     "helpdesk.keyword_routing.limit", "1", int, "a number")
    assert str(info.value) == "setting helpdesk.keyword_routing.limit: expected a number, " \
                              "got 'three'"


def test_a_settings_error_is_a_configuration_error():
    assert isinstance(refused({"helpdesk.worker.batch_size": "0"}), ConfigurationError)


# -- secrets are never echoed ------------------------------------------------------------


def test_a_short_session_secret_is_not_echoed():
    error = refused({"helpdesk.session.secret": "hunter2-too-short"})
    assert "hunter2" not in str(error)
    assert_one_line(error, "helpdesk.session.secret")


def test_a_short_session_secret_from_the_environment_is_not_echoed(monkeypatch):
    monkeypatch.setenv("HELPDESK_TEST_SECRET", "hunter2-too-short")
    error = refused({"helpdesk.session.secret": "env:HELPDESK_TEST_SECRET"})
    assert "hunter2" not in str(error)
    assert_one_line(error, "helpdesk.session.secret")


@pytest.mark.parametrize("key", ["helpdesk.ldap.bind_password", "helpdesk.webhook.token",
                                 "helpdesk.sso.client_secret"])
def test_a_plugin_secret_with_a_bad_value_is_not_echoed(key):
    def parse_long(raw):
        if len(raw) < 40:
            raise ValueError(raw)
        return raw

    with pytest.raises(SettingsError) as info:
        read_setting({key: "hunter2-s3cr3t"}, key, "", parse_long, "at least 40 characters")
    assert "hunter2" not in str(info.value)
    assert_one_line(info.value, key, "at least 40 characters")


def test_a_near_miss_of_a_core_key_is_refused_with_a_suggestion():
    error = refused({"helpdesk.atachments.dir": "/srv/files"})
    assert str(error) == (
        "setting helpdesk.atachments.dir: expected a known setting "
        "(did you mean helpdesk.attachments.dir?)")
