"""The example distribution in examples/ installs with pip, is activated by its
entry-point name, and routes tickets in a running app."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from pyramid_helpdesk.plugin import manager
from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back
from pyramid_helpdesk.tickets.models import EventKind, Ticket, TicketStatus

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "helpdesk_example_routing"
PACKAGE = "helpdesk_example_routing"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The example installed by pip into a directory put on ``sys.path`` (removed after)."""
    source = tmp_path_factory.mktemp("source") / EXAMPLE.name
    shutil.copytree(EXAMPLE, source)  # pip builds in place: keep the repository clean
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", "--target", str(target),
                    str(source)], check=True, capture_output=True, timeout=300)
    sys.path.insert(0, str(target))
    manager._published_plugins.cache_clear()  # entry points are read once per process
    try:
        yield target
    finally:
        sys.path.remove(str(target))
        sys.modules.pop(PACKAGE, None)
        manager._published_plugins.cache_clear()


@pytest.fixture
def desk(installed, helpdesk_engine, helpdesk_database_url, tmp_path):
    settings = make_test_settings(helpdesk_database_url, str(tmp_path), **{
        "helpdesk.plugins": "web example_routing", "helpdesk.routing": "department"})
    with rolled_back(build_app(settings, helpdesk_engine), helpdesk_engine) as harness:
        yield harness


def test_pip_installs_the_example_with_its_entry_point(installed):
    [dist_info] = installed.glob("helpdesk_example_routing-0.1.0.dist-info")
    entry_points = (dist_info / "entry_points.txt").read_text()
    assert "[pyramid_helpdesk.plugins]" in entry_points
    assert "example_routing = helpdesk_example_routing" in entry_points
    assert (installed / PACKAGE / "__init__.py").is_file()


def test_the_installed_strategy_routes_a_ticket_submitted_on_the_web_form(desk):
    agent = desk.person("agent@example.org", "agent")
    network = desk.group("Network", agent)
    desk.group("First line", first_line=True)
    desk.person("user@example.org", department="Network")
    [plugin] = [p for name, p in desk.plugins.manager.list_name_plugin()
                if name == "example_routing"]
    assert plugin.__file__.startswith(str(Path(sys.path[0])))  # the pip-installed copy

    desk.login("user@example.org")
    [form] = [f for f in desk.app.get("/tickets/new").forms.values() if "subject" in f.fields]
    form["subject"] = "Switch in room 12 is blinking"
    form["description"] = "All ports amber since this morning."
    form.submit(name="action", value="submit", status=303)

    ticket = desk.dbsession.scalars(select(Ticket)).one()
    assert (ticket.status, ticket.holder_group_id) == (TicketStatus.open, network.id)
    routed = desk.tickets.events(ticket)[-1]
    assert (routed.kind, routed.actor_id) == (EventKind.dispatched, None)
    assert routed.detail == {"reason": "requester's department: Network"}


def test_without_a_department_the_ticket_waits_for_first_line(desk):
    first_line = desk.group("First line", first_line=True)
    user = desk.person("user@example.org")
    ticket = desk.ticket(user, subject="Printer jam")
    assert (ticket.status, ticket.holder_group_id) == (TicketStatus.new, first_line.id)
