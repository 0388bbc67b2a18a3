"""Apps that load the routing plugin with chosen strategies, and a team to route to."""
import contextlib
from datetime import datetime, timezone

import pytest

from pyramid_helpdesk.people.absences import Absence
from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back
from pyramid_helpdesk.tickets.models import EventKind

#: A sample strategy from the plugin-loading tests: ``vpn`` in the subject -> Network.
KEYWORD = "tests.functional.sample_plugins.routing_by_keyword"

_apps: dict = {}


@pytest.fixture
def desk(helpdesk_engine, helpdesk_database_url, helpdesk_directory):
    """``desk(routing, **settings)``: a :class:`~pyramid_helpdesk.testing.Helpdesk` whose
    app loads the ``routing`` plugin (and the keyword sample) and asks ``routing`` in
    order; keys are written with ``__`` for dots. Apps are built once per settings."""
    with contextlib.ExitStack() as stack:
        def open_desk(routing, **overrides):
            settings = {"helpdesk.plugins": f"web routing {KEYWORD}",
                        "helpdesk.routing": routing,
                        "helpdesk.keyword_routing.rules": "vpn:Network"}
            settings.update({k.replace("__", "."): v for k, v in overrides.items()})
            key = (helpdesk_database_url, tuple(sorted(settings.items())))
            if key not in _apps:
                _apps[key] = build_app(make_test_settings(
                    helpdesk_database_url, helpdesk_directory, **settings), helpdesk_engine)
            return stack.enter_context(rolled_back(_apps[key], helpdesk_engine))
        yield open_desk


def team(helpdesk):
    """First line (one agent), Network (three agents, in id order), a requester."""
    people = {
        "firstline": helpdesk.person("firstline@example.org", "agent", name="Fiona First"),
        "ada": helpdesk.person("ada@example.org", "agent", name="Ada Net"),
        "bo": helpdesk.person("bo@example.org", "agent", name="Bo Net"),
        "cy": helpdesk.person("cy@example.org", "agent", name="Cy Net"),
        "user": helpdesk.person("user@example.org", name="Uma User"),
    }
    people["first_line"] = helpdesk.group("First line", people["firstline"], first_line=True)
    people["network"] = helpdesk.group("Network", people["ada"], people["bo"], people["cy"])
    return type("Team", (), people)


def local_today(helpdesk):
    """Today in the helpdesk's time zone (absences and the roster are by local day)."""
    return datetime.now(timezone.utc).astimezone(helpdesk.settings.timezone).date()


def mark_away(helpdesk, person, first_day, last_day=None, note="leave"):
    """Record an absence of ``person`` through the session."""
    absence = Absence(person_id=person.id, first_day=first_day,
                      last_day=last_day or first_day, note=note)
    helpdesk.dbsession.add(absence)
    helpdesk.dbsession.flush()
    return absence


def routed(helpdesk, ticket):
    """``(holder person, reason)`` of the routing decision, or ``None`` when not routed."""
    events = [e for e in helpdesk.tickets.events(ticket)
              if e.kind is EventKind.dispatched and e.actor_id is None]
    if not events:
        return None
    return ticket.holder_person, events[-1].detail["reason"]
