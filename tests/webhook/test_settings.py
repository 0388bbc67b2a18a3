"""A wrong ``helpdesk.webhook.*`` setting stops start-up with one line naming the key."""
from __future__ import annotations

from datetime import timedelta

import pytest
from helpdesk_webhook.settings import EVENTS

from pyramid_helpdesk.config import configure
from pyramid_helpdesk.errors import ConfigurationError
from pyramid_helpdesk.testing import make_test_settings

SECRET = "a-webhook-secret-for-start-up-tests-0123"


def settings(tmp_path, **overrides):
    values = {
        "helpdesk.plugins": "web webhook", "helpdesk.notifiers": "mailfile webhook",
        "helpdesk.webhook.endpoints": "ops",
        "helpdesk.webhook.ops.url": "https://hooks.example.org/helpdesk/",
        "helpdesk.webhook.ops.secret": SECRET,
    }
    values.update(overrides)
    return make_test_settings(f"sqlite:///{tmp_path / 'helpdesk.sqlite'}", str(tmp_path),
                              **{k: v for k, v in values.items() if v is not None})


def refusal(tmp_path, **overrides) -> str:
    with pytest.raises(ConfigurationError) as refused:
        configure(settings(tmp_path, **overrides))
    return str(refused.value)


ALL_EVENTS = " ".join(EVENTS)
URL = "an http:// or https:// URL without user name or password"

REFUSED = [
    ({"helpdesk.webhook.ops.url": "ftp://hooks.example.org/x"},
     f"setting helpdesk.webhook.ops.url: expected {URL}, got 'ftp://hooks.example.org/x'"),
    ({"helpdesk.webhook.ops.url": None},
     f"setting helpdesk.webhook.ops.url: expected {URL}, got ''"),
    ({"helpdesk.webhook.ops.url": "https://user:pw@hooks.example.org/x"},
     f"setting helpdesk.webhook.ops.url: expected {URL}, got "
     "'https://user:pw@hooks.example.org/x'"),
    ({"helpdesk.webhook.ops.url": "https://hooks.example.org:99999/x"},
     f"setting helpdesk.webhook.ops.url: expected {URL}, got "
     "'https://hooks.example.org:99999/x'"),
    ({"helpdesk.webhook.ops.secret": None},
     "setting helpdesk.webhook.ops.secret: expected a secret of at least 32 characters"),
    ({"helpdesk.webhook.ops.secret": "short"},
     "setting helpdesk.webhook.ops.secret: expected a secret of at least 32 characters"),
    ({"helpdesk.webhook.ops.events": "ticket.created ticket.exploded"},
     f"setting helpdesk.webhook.ops.events: expected event names: {ALL_EVENTS}, got "
     "'ticket.created ticket.exploded'"),
    ({"helpdesk.webhook.ops.timeout": "2m"},
     "setting helpdesk.webhook.ops.timeout: expected a duration above 0 and at most 60s, "
     "such as 10s, got '2m'"),
    ({"helpdesk.webhook.ops.include_internal": "maybe"},
     "setting helpdesk.webhook.ops.include_internal: expected true or false, got 'maybe'"),
    ({"helpdesk.webhook.ops.ulr": "https://hooks.example.org/"},
     "setting helpdesk.webhook.ops.ulr: expected one of helpdesk.webhook.ops.url, .secret, "
     ".events, .timeout, .include_internal"),
    ({"helpdesk.webhook.monitoring.url": "https://hooks.example.org/"},
     "setting helpdesk.webhook.monitoring.url: expected an option of an endpoint listed in "
     "helpdesk.webhook.endpoints (listed: ops)"),
    ({"helpdesk.webhook.endpoints": "ops ops"},
     "setting helpdesk.webhook.endpoints: expected endpoint names (letters, digits, - and _), "
     "each once, got 'ops ops'"),
    ({"helpdesk.webhook.endpoints": "ops mon.itoring"},
     "setting helpdesk.webhook.endpoints: expected endpoint names (letters, digits, - and _), "
     "each once, got 'ops mon.itoring'"),
    ({"helpdesk.webhook.endpoints": None, "helpdesk.webhook.ops.url": None,
      "helpdesk.webhook.ops.secret": None},
     "setting helpdesk.webhook.endpoints: expected at least one endpoint name when "
     "helpdesk.notifiers lists webhook, got ''"),
    ({"helpdesk.plugins": "web"},
     "setting helpdesk.notifiers: unknown name 'webhook' (known: log, mailfile)"),
    # Checked whenever the plugin is loaded, active or not.
    ({"helpdesk.notifiers": "mailfile", "helpdesk.webhook.ops.timeout": "0s"},
     "setting helpdesk.webhook.ops.timeout: expected a duration above 0 and at most 60s, "
     "such as 10s, got '0s'"),
]


@pytest.mark.parametrize("overrides, line", REFUSED, ids=[line.split(":")[0] + f"-{n}"
                                                           for n, (_, line) in enumerate(REFUSED)])
def test_a_wrong_setting_stops_start_up_naming_the_key(tmp_path, overrides, line):
    assert refusal(tmp_path, **overrides) == line


def test_the_defaults_and_a_secret_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPDESK_TEST_WEBHOOK_SECRET", SECRET[::-1])
    config = configure(settings(tmp_path, **{
        "helpdesk.webhook.endpoints": "ops monitoring-2",
        "helpdesk.webhook.monitoring-2.url": "http://127.0.0.1:9000",
        "helpdesk.webhook.monitoring-2.secret": "env:HELPDESK_TEST_WEBHOOK_SECRET",
        "helpdesk.webhook.monitoring-2.events": "sla.warning, sla.breached",
        "helpdesk.webhook.monitoring-2.timeout": "2.5s",
        "helpdesk.webhook.monitoring-2.include_internal": "yes",
    }))
    parsed = config.registry.webhook_settings
    ops, monitoring = parsed.endpoints.values()
    assert parsed.active
    assert (ops.url, ops.secret, ops.events, ops.timeout, ops.include_internal) == (
        "https://hooks.example.org/helpdesk/", SECRET, frozenset(EVENTS),
        timedelta(seconds=10), False)
    assert ops.origin == "https://hooks.example.org"
    assert (monitoring.secret, monitoring.events, monitoring.timeout) == (
        SECRET[::-1], {"sla.warning", "sla.breached"}, timedelta(seconds=2.5))
    assert monitoring.include_internal and monitoring.wants("sla.warning", internal=True)
    assert not monitoring.wants("ticket.created")
    assert SECRET not in repr(parsed)
    notifier = config.registry.helpdesk_plugins.notifiers["webhook"]
    assert (notifier.name, notifier.medium) == ("webhook", "event")


@pytest.mark.parametrize("args", [("plugins",), ("worker", "--once")])
def test_the_helpdesk_command_exits_with_the_one_line(offline, args):
    config = offline.write_ini(
        "webhook.ini", helpdesk__plugins="web webhook", helpdesk__notifiers="webhook",
        helpdesk__webhook__endpoints="ops", helpdesk__webhook__ops__url="https://hooks.example.org/",
        helpdesk__webhook__ops__secret="too-short")

    line = offline.fails(*args, config=config)

    assert line == ("helpdesk: setting helpdesk.webhook.ops.secret: expected a secret of at "
                    "least 32 characters")
