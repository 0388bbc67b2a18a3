"""Loading plugins: the core defaults, then those ``helpdesk.plugins`` names.

A name is looked up first in the ``pyramid_helpdesk.plugins`` entry-point
group, then imported as a dotted module path. Anything wrong (unknown name,
import error, a hook implementation matching no hook) stops start-up with one
line naming the plugin.
"""
from __future__ import annotations

import functools
import importlib
from importlib.metadata import entry_points
from typing import Any

import pluggy

from ..errors import ConfigurationError
from . import hookspecs
from .registry import PluginRegistry

ENTRY_POINT_GROUP = "pyramid_helpdesk.plugins"

# The core's own behaviour, registered through the same hooks third parties use.
DEFAULT_PLUGINS = (
    "pyramid_helpdesk.tickets.channels",
    "pyramid_helpdesk.auth.local",
    "pyramid_helpdesk.notifications.backends",
    "pyramid_helpdesk.ratings.invitation",  # before the composer: its mail comes second
    "pyramid_helpdesk.notifications.composer",
    "pyramid_helpdesk.sla.clock",  # due times, kept by the ticket event hooks
    "pyramid_helpdesk.notifications.sla_notices",  # warnings and breaches mailed
)


class PluginLoadError(ConfigurationError):
    """A plugin named in ``helpdesk.plugins`` could not be loaded."""

    def __init__(self, name: str, reason: str):
        self.name = name
        super().__init__(f"plugin {name!r}: {reason}")


@functools.cache
def _published_plugins():
    """The ``pyramid_helpdesk.plugins`` entry points (installed distributions are read once)."""
    return entry_points(group=ENTRY_POINT_GROUP)


def load_plugin(name: str) -> Any:
    """The plugin object for ``name``: an entry point, else a dotted module path."""
    found = _published_plugins().select(name=name)
    try:
        if found:
            return next(iter(found)).load()
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if not found and exc.name and name.startswith(exc.name):
            raise PluginLoadError(
                name, f"no entry point of that name in {ENTRY_POINT_GROUP} and no module to import"
            ) from None
        raise PluginLoadError(name, f"fails to import: {exc}") from None
    except Exception as exc:  # a plugin may raise anything while importing
        raise PluginLoadError(name, f"fails to import: {type(exc).__name__}: {exc}") from None


def plugin_version(plugin: Any) -> str:
    """The version of the distribution that ships ``plugin``, or ``-``."""
    from importlib.metadata import packages_distributions, version

    top = getattr(plugin, "__name__", type(plugin).__module__).split(".")[0]
    for dist in packages_distributions().get(top, ()):
        return version(dist)
    return "-"


def create_plugin_manager() -> pluggy.PluginManager:
    """An empty plugin manager that knows the helpdesk hooks."""
    manager = pluggy.PluginManager("helpdesk")
    manager.add_hookspecs(hookspecs)
    return manager


def register(manager: pluggy.PluginManager, plugin: Any, name: str) -> None:
    """Register one plugin, turning pluggy's validation error into one line."""
    try:
        manager.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        # pluggy's message spans lines; the reason (e.g. the bad argument) is the last one.
        raise PluginLoadError(name, "; ".join(str(exc).splitlines())) from None
    except ValueError as exc:  # registered twice; pluggy appends every plugin on more lines
        raise PluginLoadError(name, str(exc).splitlines()[0]) from None


def load_plugins(settings) -> tuple[pluggy.PluginManager, list[Any]]:
    """A plugin manager with the core defaults and the plugins ``settings`` names,
    checked; also returns the named plugins, in the order ``helpdesk.plugins`` lists them.

    pluggy calls the implementations of a hook last-registered first. The listed
    plugins are registered after the core defaults and in reverse, so their hooks
    run in the order ``helpdesk.plugins`` lists them, and before the core's (the
    login backends: the first listed is asked first, local accounts last).
    """
    manager = create_plugin_manager()
    for module_name in DEFAULT_PLUGINS:
        register(manager, importlib.import_module(module_name), module_name)
    listed = [(name, load_plugin(name)) for name in settings.plugins]
    checking = create_plugin_manager()
    for name, plugin in listed:  # in listed order, so that an error names the later listing
        register(checking, plugin, name)
    for name, plugin in reversed(listed):
        register(manager, plugin, name)
    plugins = [plugin for _, plugin in listed]
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        plugin_name = manager.get_name(exc.plugin) if exc.plugin else "?"
        raise PluginLoadError(plugin_name, str(exc).splitlines()[0]) from None
    return manager, plugins


def includeme(config):
    """Build the app's plugin manager, include plugins, collect registrations."""
    settings = config.registry.helpdesk_settings
    manager, plugins = load_plugins(settings)
    for plugin in plugins:
        if hasattr(plugin, "includeme"):
            config.include(plugin)
    config.registry.helpdesk_plugins = PluginRegistry.collect(manager, settings)
