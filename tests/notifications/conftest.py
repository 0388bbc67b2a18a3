"""A second app with a chat robot (and an event notifier) beside the mail files."""
import pytest

from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back

CHAT_PLUGIN = "tests.notifications.chat_plugin"


@pytest.fixture(scope="module")
def chat_app(helpdesk_engine, helpdesk_database_url, tmp_path_factory):
    """The app with ``helpdesk.notifiers = mailfile robot events``."""
    settings = make_test_settings(
        helpdesk_database_url, str(tmp_path_factory.mktemp("chat")), **{
            "helpdesk.plugins": f"web {CHAT_PLUGIN}",
            "helpdesk.notifiers": "mailfile robot events"})
    return build_app(settings, helpdesk_engine)


@pytest.fixture
def chat_desk(chat_app, helpdesk_engine):
    """A rolled-back helpdesk of :func:`chat_app`, its robot's record emptied."""
    with rolled_back(chat_app, helpdesk_engine) as harness:
        harness.plugins.notifiers["robot"].delivered.clear()
        yield harness


def people(desk):
    """First line, an agent with a phone, one without, a requester with a phone."""
    firstline = desk.person("firstline@example.org", "agent", name="Fay Firstline")
    agent = desk.person("agent@example.org", "agent", name="Ann Agent", phone="13800005555")
    desk.group("First line", firstline, first_line=True)
    desk.group("Network", agent)
    return type("People", (), {
        "firstline": firstline, "agent": agent,
        "no_phone": desk.person("no-phone@example.org", "agent", phone=""),
        "user": desk.person("user@example.org", phone="010-5555 0100"),
    })
