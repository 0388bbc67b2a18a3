"""Plugins are chosen in the ini file; a plugin that cannot work stops start-up in one line."""
import pytest

import pyramid_helpdesk
from pyramid_helpdesk.config import configure
from pyramid_helpdesk.errors import ConfigurationError
from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back
from pyramid_helpdesk.tickets.models import EventKind, TicketStatus

SAMPLES = "tests.functional.sample_plugins"
KEYWORD = f"{SAMPLES}.routing_by_keyword"
FIRST_MEMBER = f"{SAMPLES}.routing_first_member"


@pytest.fixture
def settings_for(helpdesk_database_url, helpdesk_directory):
    """Test settings with ``overrides`` (plugins, routing...)."""
    def settings_for(**overrides):
        return make_test_settings(helpdesk_database_url, helpdesk_directory,
                                  **{key.replace("__", "."): value
                                     for key, value in overrides.items()})
    return settings_for


def start_up_error(settings) -> ConfigurationError:
    """The error that stops building an app from ``settings``."""
    with pytest.raises(ConfigurationError) as info:
        configure(settings)
    message = str(info.value)
    assert "\n" not in message, message
    return info.value


def plugin_names(app) -> list[str]:
    return [name for name, _ in app.registry.helpdesk_plugins.manager.list_name_plugin()]


# -- activating plugins -------------------------------------------------------------------


def test_a_published_plugin_is_activated_by_its_entry_point_name(settings_for, helpdesk_engine):
    app = build_app(settings_for(helpdesk__plugins="web"), helpdesk_engine)

    assert "web" in plugin_names(app)
    assert "web" in app.registry.helpdesk_plugins.channels
    # its includeme ran: the page it adds is routed
    assert app.routes_mapper.get_route("tickets.new") is not None


def test_without_the_web_plugin_there_is_no_web_channel_and_no_form(settings_for,
                                                                     helpdesk_engine):
    app = build_app(settings_for(helpdesk__plugins=""), helpdesk_engine)

    assert "web" not in app.registry.helpdesk_plugins.channels
    assert app.routes_mapper.get_route("tickets.new") is None


def test_an_unpublished_plugin_is_activated_by_its_dotted_module_path(settings_for,
                                                                      helpdesk_engine):
    app = build_app(settings_for(helpdesk__plugins=f"web {KEYWORD}"), helpdesk_engine)

    assert KEYWORD in plugin_names(app)
    assert app.registry.helpdesk_plugins.strategies == []  # registered, not yet chosen


def test_the_core_defaults_are_plugins_like_any_other(settings_for, helpdesk_engine):
    app = build_app(settings_for(helpdesk__plugins=""), helpdesk_engine)
    plugins = app.registry.helpdesk_plugins

    assert "pyramid_helpdesk.notifications.backends" in plugin_names(app)
    assert set(plugins.channels) == {"staff"}
    assert list(plugins.notifiers) == ["mailfile"]


# -- what stops start-up ---------------------------------------------------------------


def test_an_unknown_plugin_name_stops_start_up(settings_for):
    error = start_up_error(settings_for(helpdesk__plugins="web no_such_helpdesk_plugin"))
    assert str(error).startswith("plugin 'no_such_helpdesk_plugin': ")
    assert "no entry point of that name" in str(error)


def test_an_unknown_dotted_path_stops_start_up(settings_for):
    error = start_up_error(settings_for(helpdesk__plugins=f"{SAMPLES}.no_such_module"))
    assert str(error).startswith(f"plugin '{SAMPLES}.no_such_module': ")


def test_a_plugin_whose_dependency_is_missing_stops_start_up(settings_for):
    error = start_up_error(settings_for(helpdesk__plugins=f"{SAMPLES}.broken_import"))
    assert str(error) == (f"plugin '{SAMPLES}.broken_import': fails to import: "
                          "No module named 'helpdesk_library_that_is_not_installed'")


def test_a_plugin_that_raises_while_importing_stops_start_up(settings_for):
    error = start_up_error(settings_for(helpdesk__plugins=f"{SAMPLES}.raises_at_import"))
    assert str(error) == (f"plugin '{SAMPLES}.raises_at_import': fails to import: "
                          "RuntimeError: the printer inventory file is missing")


def test_a_misspelled_hook_stops_start_up_instead_of_never_running(settings_for):
    error = start_up_error(settings_for(helpdesk__plugins=f"web {SAMPLES}.misspelled_hook"))
    assert str(error).startswith(f"plugin '{SAMPLES}.misspelled_hook': ")
    assert "unknown hook 'helpdesk_ticket_creatd'" in str(error)


def test_a_hook_asking_for_an_argument_the_hook_lacks_stops_start_up(settings_for):
    error = start_up_error(settings_for(helpdesk__plugins=f"{SAMPLES}.wrong_argument"))
    assert str(error).startswith(f"plugin '{SAMPLES}.wrong_argument': ")
    assert "helpdesk_ticket_created" in str(error)
    assert "'evnt'" in str(error)  # the line says what is wrong, not only where


@pytest.mark.parametrize("key, value", [
    ("helpdesk.routing", "by_magic"),
    ("helpdesk.notifiers", "mailfile carrier_pigeon"),
])
def test_an_unknown_strategy_or_notifier_name_stops_start_up(settings_for, key, value):
    error = start_up_error(settings_for(**{key: value}))
    assert str(error).startswith(f"setting {key}: unknown name ")
    assert value.split()[-1] in str(error)


def test_the_unknown_name_error_lists_the_known_names(settings_for):
    error = start_up_error(settings_for(helpdesk__plugins=f"web {KEYWORD}",
                                        helpdesk__routing="keywords"))
    assert str(error) == "setting helpdesk.routing: unknown name 'keywords' (known: keyword)"


def test_two_plugins_registering_one_channel_name_stop_start_up(settings_for):
    error = start_up_error(settings_for(helpdesk__plugins=f"web {SAMPLES}.duplicate_channel"))
    assert str(error) == "two plugins register the channel 'web'"


@pytest.mark.parametrize("plugins, named, reason", [
    ("web web", "web", "Plugin name already registered: web="),
    ("web helpdesk_web", "helpdesk_web", "Plugin already registered under a different name"),
])
def test_a_plugin_activated_twice_stops_start_up(settings_for, plugins, named, reason):
    error = start_up_error(settings_for(helpdesk__plugins=plugins))
    assert str(error).startswith(f"plugin '{named}': {reason}")


def test_a_bad_value_in_a_plugin_setting_stops_start_up(settings_for):
    error = start_up_error(settings_for(helpdesk__plugins=KEYWORD,
                                        helpdesk__keyword_routing__rules="vpn Network"))
    assert str(error) == ("setting helpdesk.keyword_routing.rules: expected rules such as "
                          "'vpn:Network; printer:Printing', got 'vpn Network'")


@pytest.mark.parametrize("overrides, expected", [
    ({"helpdesk.plugins": "no_such_helpdesk_plugin"}, "helpdesk: plugin 'no_such_helpdesk_plugin'"),
    ({"helpdesk.worker.batch_size": "zero"}, "helpdesk: setting helpdesk.worker.batch_size: "),
    ({"helpdesk.plugins": f"{SAMPLES}.misspelled_hook"},
     f"helpdesk: plugin '{SAMPLES}.misspelled_hook': unknown hook"),
])
def test_the_paste_factory_turns_a_configuration_error_into_one_line_exit(
        settings_for, overrides, expected):
    settings = settings_for(**overrides)
    with pytest.raises(SystemExit) as info:
        pyramid_helpdesk.main({}, **settings)
    message = str(info.value.code)
    assert message.startswith(expected), message
    assert "\n" not in message


def test_the_paste_factory_builds_the_app_from_good_settings(settings_for):
    app = pyramid_helpdesk.main({}, **settings_for(helpdesk__plugins="web"))
    try:
        assert "web" in app.registry.helpdesk_plugins.channels
    finally:
        app.registry["dbengine"].dispose()


# -- a routing strategy plugin takes effect ----------------------------------------------


@pytest.fixture
def routed_helpdesk(settings_for, helpdesk_engine):
    """A helpdesk that routes with the strategies named in ``helpdesk.routing``."""
    def routed_helpdesk(routing, plugins=f"web {KEYWORD} {FIRST_MEMBER}"):
        app = build_app(settings_for(
            helpdesk__plugins=plugins, helpdesk__routing=routing,
            helpdesk__keyword_routing__rules="vpn:Network; printer:Printing",
        ), helpdesk_engine)
        return rolled_back(app, helpdesk_engine)
    return routed_helpdesk


def routing_event(helpdesk, ticket):
    """The ``dispatched`` event routing recorded for ``ticket``."""
    events = [e for e in helpdesk.tickets.events(ticket) if e.kind is EventKind.dispatched]
    assert len(events) == 1
    return events[0]


def test_a_keyword_strategy_sends_a_vpn_ticket_to_the_network_group(routed_helpdesk):
    with routed_helpdesk("keyword") as helpdesk:
        firstline = helpdesk.person("firstline@example.org", "agent")
        helpdesk.group("First line", firstline, first_line=True)
        network = helpdesk.group("Network", helpdesk.person("agent@example.org", "agent"))
        user = helpdesk.person("user@example.org")

        ticket = helpdesk.ticket(user, subject="The VPN drops every hour", channel="web")

        assert ticket.status is TicketStatus.open
        assert ticket.holder_group_id == network.id
        assert ticket.holder_person_id is None
        event = routing_event(helpdesk, ticket)
        assert event.actor_id is None
        assert event.to_group_id == network.id
        assert event.detail["reason"] == "subject mentions 'vpn': Network"


def test_a_ticket_no_strategy_decides_on_stays_with_first_line(routed_helpdesk):
    with routed_helpdesk("keyword") as helpdesk:
        first_line = helpdesk.group("First line", helpdesk.person("firstline@example.org", "agent"),
                                    first_line=True)
        helpdesk.group("Network", helpdesk.person("agent@example.org", "agent"))
        user = helpdesk.person("user@example.org")

        ticket = helpdesk.ticket(user, subject="My monitor flickers", channel="web")

        assert ticket.status is TicketStatus.new
        assert ticket.holder_group_id == first_line.id
        assert [e.kind for e in helpdesk.tickets.events(ticket)] == [EventKind.created]


def test_two_strategies_combine_in_order_group_then_person(routed_helpdesk):
    with routed_helpdesk("keyword first_member") as helpdesk:
        helpdesk.group("First line", helpdesk.person("firstline@example.org", "agent"),
                       first_line=True)
        on_duty = helpdesk.person("duty-agent@example.org", "agent")
        other = helpdesk.person("printing-agent@example.org", "agent")
        printing = helpdesk.group("Printing", other, on_duty)
        user = helpdesk.person("user@example.org")

        ticket = helpdesk.ticket(user, subject="Printer on floor 2 is jammed", channel="web")

        assert ticket.status is TicketStatus.open
        assert (ticket.holder_group_id, ticket.holder_person_id) == (printing.id, on_duty.id)
        event = routing_event(helpdesk, ticket)
        assert (event.to_group_id, event.to_person_id) == (printing.id, on_duty.id)
        assert event.detail["reason"] == ("subject mentions 'printer': Printing; "
                                          "duty-agent@example.org is on duty")


def test_the_order_of_helpdesk_routing_matters(routed_helpdesk):
    # first_member consulted first has no group to refine and passes; keyword then decides.
    with routed_helpdesk("first_member keyword") as helpdesk:
        helpdesk.group("First line", helpdesk.person("firstline@example.org", "agent"),
                       first_line=True)
        printing = helpdesk.group("Printing", helpdesk.person("duty-agent@example.org", "agent"))
        user = helpdesk.person("user@example.org")

        ticket = helpdesk.ticket(user, subject="Printer on floor 2 is jammed", channel="web")

        assert (ticket.holder_group_id, ticket.holder_person_id) == (printing.id, None)
        assert routing_event(helpdesk, ticket).detail["reason"] == \
            "subject mentions 'printer': Printing"


def test_a_routed_ticket_notifies_its_new_holder(routed_helpdesk):
    from sqlalchemy import select

    from pyramid_helpdesk.notifications.models import Notification

    with routed_helpdesk("keyword first_member") as helpdesk:
        helpdesk.group("First line", helpdesk.person("firstline@example.org", "agent"),
                       first_line=True)
        helpdesk.group("Network", helpdesk.person("agent@example.org", "agent"))
        user = helpdesk.person("user@example.org")

        ticket = helpdesk.ticket(user, subject="VPN certificate expired", channel="web")

        queued = helpdesk.dbsession.scalars(
            select(Notification).where(Notification.ticket_id == ticket.id)
            .order_by(Notification.id)
        ).all()
        assert [(n.kind, n.recipient) for n in queued] == [
            ("ticket_created", "user@example.org"),
            ("ticket_assigned", "agent@example.org"),
        ]
