"""Routing strategies that choose a person: ``round_robin``, ``least_loaded``, ``duty_roster``.

Load the plugin with ``helpdesk.plugins = routing`` and name the strategies to
use, in order, in ``helpdesk.routing`` (e.g. ``rules round_robin duty_roster``).
Each module holds one strategy; none ever chooses a person marked away
(:func:`pyramid_helpdesk.people.absences.available_members`).
"""
from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.settings import read_setting

from .duty_roster import DutyRosterStrategy
from .least_loaded import LeastLoadedStrategy
from .round_robin import RoundRobinStrategy


def _group_name(settings, strategy: str) -> str:
    """The group ``helpdesk.<strategy>.group`` names, used when no earlier strategy chose one."""
    return read_setting(settings.raw, f"helpdesk.{strategy}.group", "", str.strip,
                        "a group name")


@hookimpl
def helpdesk_register_routing_strategies(settings):
    """Register the three strategies; ``helpdesk.routing`` chooses which are used."""
    return [
        RoundRobinStrategy(_group_name(settings, "round_robin")),
        LeastLoadedStrategy(_group_name(settings, "least_loaded")),
        DutyRosterStrategy(),
    ]
