"""The staff console's menu, which plugins extend with their own pages.

The core and each plugin call ``config.add_console_link(route_name, label,
permission=..., section=...)`` from their ``includeme``; the menu shows, in
the order added, each link whose permission the signed-in person holds on the
console's root (so a link looks the same on every console page). ``label`` is a
translation string of the caller's own domain; ``section`` is a route-name
prefix marking the link current on every page of that section.
"""
from __future__ import annotations

from dataclasses import dataclass

from pyramid.i18n import TranslationString

from ..i18n import _

REGISTRY_KEY = "helpdesk.console_links"


@dataclass(frozen=True)
class ConsoleLink:
    """One entry of the console menu."""

    route_name: str
    label: TranslationString
    permission: str
    section: str


@dataclass(frozen=True)
class ShownLink:
    """A menu entry as one page shows it."""

    href: str
    label: str
    current: bool


def add_console_link(config, route_name: str, label: TranslationString,
                     permission: str = "staff", section: str | None = None) -> None:
    """Add a link to the console menu (a configuration directive)."""
    link = ConsoleLink(route_name, label, permission, section or route_name)
    config.registry.setdefault(REGISTRY_KEY, []).append(link)


def console_links(request) -> list[ShownLink]:
    """The menu entries this person may follow, translated, the current one marked."""
    from .resources import StaffRoot

    root = StaffRoot(request)
    current = request.matched_route.name if request.matched_route else ""
    return [
        ShownLink(request.route_path(link.route_name), request.localizer.translate(link.label),
                  current == link.route_name or current.startswith(link.section + "."))
        for link in request.registry.get(REGISTRY_KEY, ())
        if request.has_permission(link.permission, root)
    ]


#: The core's own pages, first in the menu: (route name, label, permission, section).
CORE_LINKS = [
    ("staff.home", _("Overview"), "staff", None),
    ("staff.inbox", _("Inbox"), "staff", None),
    ("staff.undispatched", _("Undispatched"), "staff.supervise", None),
    ("staff.unprocessed", _("Unprocessed"), "staff", None),
    ("staff.search", _("Search"), "staff", None),
    ("staff.new_ticket", _("New ticket"), "staff", None),
    ("duty.roster", _("Duty roster"), "staff", "duty"),
    ("groups.list", _("Groups"), "coordinate", "groups"),
]


def includeme(config):
    """The ``add_console_link`` directive and the core's links (before the plugins'
    includeme runs, so that theirs follow)."""
    config.add_directive("add_console_link", add_console_link)
    config.add_request_method(console_links, "console_links", reify=True)
    for route_name, label, permission, section in CORE_LINKS:
        config.add_console_link(route_name, label, permission, section)
