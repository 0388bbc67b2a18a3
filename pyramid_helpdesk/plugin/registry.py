"""What plugins registered at start-up: channels, notifiers, routing strategies,
worker tasks.

:class:`PluginRegistry` lives on the Pyramid registry as
``registry.helpdesk_plugins``; services read the active notifiers and the
ordered routing strategies from it, ``helpdesk worker`` its tasks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import pluggy

from ..errors import ConfigurationError


@dataclass(frozen=True)
class Channel:
    """An intake channel: where tickets come from (web, email, phone, api...)."""

    name: str
    title: str


class WorkerTask(Protocol):
    """Background work registered through ``helpdesk_register_worker_tasks``."""

    name: str

    def run(self, env: Any) -> int:
        """Do one batch of work with ``env`` (a :class:`~pyramid_helpdesk.cli.CommandEnv`),
        in transactions of its own; return how many items it handled (0: nothing to do)."""


@dataclass
class PluginRegistry:
    """The plugin manager of one app and what its plugins registered."""

    manager: pluggy.PluginManager
    channels: dict[str, Channel] = field(default_factory=dict)
    notifiers: dict[str, Any] = field(default_factory=dict)
    strategies: list[Any] = field(default_factory=list)
    worker_tasks: list[WorkerTask] = field(default_factory=list)

    @property
    def hook(self) -> Any:
        """The hook caller: ``plugins.hook.helpdesk_ticket_created(...)``."""
        return self.manager.hook

    @classmethod
    def collect(cls, manager: pluggy.PluginManager, settings) -> "PluginRegistry":
        """Call the registration hooks and keep what ``settings`` activates."""
        hook = manager.hook
        channels = _by_name(hook.helpdesk_register_channels(), "channel")
        notifiers = _by_name(hook.helpdesk_register_notifiers(settings=settings), "notifier")
        strategies = _by_name(
            hook.helpdesk_register_routing_strategies(settings=settings), "routing strategy"
        )
        worker_tasks = _by_name(
            hook.helpdesk_register_worker_tasks(settings=settings), "worker task")
        return cls(
            manager=manager,
            channels=channels,
            notifiers=_select(notifiers, settings.notifiers, "helpdesk.notifiers"),
            strategies=list(
                _select(strategies, settings.routing, "helpdesk.routing").values()
            ),
            worker_tasks=list(worker_tasks.values()),
        )


def _by_name(results: list[list[Any]], what: str) -> dict[str, Any]:
    """Merge the lists returned by a registration hook; a name may appear once."""
    merged: dict[str, Any] = {}
    for items in results:
        for item in items or ():
            if item.name in merged:
                raise ConfigurationError(f"two plugins register the {what} {item.name!r}")
            merged[item.name] = item
    return merged


def _select(available: dict[str, Any], names: tuple[str, ...], key: str) -> dict[str, Any]:
    """The items ``names`` asks for, in that order; an unknown name stops start-up."""
    for name in names:
        if name not in available:
            known = ", ".join(sorted(available)) or "none"
            raise ConfigurationError(f"setting {key}: unknown name {name!r} (known: {known})")
    return {name: available[name] for name in names}
