"""Service-level policies: which targets a ticket has, read from ``helpdesk.sla.targets``.

One policy a line, the first matching line wins::

    helpdesk.sla.targets =
        priority=urgent resolution=1h first_response=15m
        category=network resolution=4h
        group=Printing resolution=1d
        default resolution=2h

A line is its conditions (``priority=``, ``category=``, ``group=``: all must
match; ``default`` matches every ticket) and its targets (``resolution=``, by
default 2 hours; ``first_response=``, none by default), written as durations of
business time (``1d`` is 24 business hours, not one working day). A group name
with spaces is quoted: ``group="First line"``. Lines may also be separated by
``;``. When no line matches, the built-in ``default resolution=2h`` applies.
A wrong line stops start-up with the key and the line.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import timedelta

KEY = "helpdesk.sla.targets"
#: The seed's "resolved within 2 hours" (business time).
DEFAULT_RESOLUTION = timedelta(hours=2)
CONDITIONS = ("priority", "category", "group")
TARGETS = ("resolution", "first_response")
#: The longest policy name ``tickets.sla_policy`` holds.
MAX_NAME = 64


@dataclass(frozen=True)
class Policy:
    """One line: its conditions, and the targets a matching ticket gets."""

    name: str  # the conditions as written ("priority=urgent", "default"): tickets.sla_policy
    resolution: timedelta = DEFAULT_RESOLUTION
    first_response: timedelta | None = None
    priority: str | None = None
    category: str | None = None
    group: str | None = None  # compared without regard to case

    def matches(self, priority: str, category: str | None, group: str | None) -> bool:
        """Whether a ticket with these values falls under this policy."""
        return ((self.priority is None or self.priority == priority)
                and (self.category is None or self.category == category)
                and (self.group is None
                     or (group is not None and self.group.casefold() == group.casefold())))


BUILT_IN = Policy("default")


@dataclass(frozen=True)
class Policies:
    """The configured policies in order, ending with a catch-all."""

    lines: tuple[Policy, ...]

    @property
    def uses_groups(self) -> bool:
        """Whether any policy looks at the holding group."""
        return any(policy.group is not None for policy in self.lines)

    def choose(self, priority: str, category: str | None, group: str | None) -> Policy:
        """The first policy that matches (the catch-all when none does)."""
        return next(policy for policy in self.lines if policy.matches(priority, category, group))

    def named(self, name: str | None) -> Policy | None:
        """The policy called ``name``, if the settings still have it."""
        return next((policy for policy in self.lines if policy.name == name), None)

    def __str__(self) -> str:
        return "; ".join(policy.name for policy in self.lines)


def parse_targets(raw: str, parse_duration) -> Policies:
    """Parse the setting; raises :class:`~pyramid_helpdesk.settings.SettingsError`
    naming the first wrong line."""
    lines = [line.strip() for chunk in raw.splitlines() for line in chunk.split(";")]
    policies = [_parse_line(line, parse_duration) for line in lines if line]
    if not any(policy.name == "default" for policy in policies):
        policies.append(BUILT_IN)
    return Policies(tuple(policies))


def _parse_line(line: str, parse_duration) -> Policy:
    # Imported here: the settings module imports this one.
    from ..settings import SettingsError
    from ..tickets.models import Priority

    def wrong(expected: str) -> SettingsError:
        return SettingsError(KEY, expected, line)

    try:
        words = shlex.split(line)
    except ValueError:
        raise wrong("a line with balanced quotes") from None
    conditions: dict[str, str] = {}
    targets: dict[str, timedelta] = {}
    is_default = False
    for word in words:
        name, equals, value = word.partition("=")
        if word == "default":
            is_default = True
        elif not equals or not value:
            raise wrong(f"name=value words (or default), not {word!r}")
        elif name in CONDITIONS:
            if name == "priority" and value not in {p.value for p in Priority}:
                raise wrong("priority=" + "|".join(p.value for p in Priority))
            conditions[name] = value
        elif name in TARGETS:
            try:
                duration = parse_duration(value)
            except ValueError:
                raise wrong(f"{name}= a duration such as 2h") from None
            if duration <= timedelta(0):
                raise wrong(f"{name}= a duration greater than zero")
            targets[name] = duration
        else:
            raise wrong("conditions priority=, category=, group= or default, "
                        "and targets resolution=, first_response=")
    if is_default == bool(conditions):
        raise wrong("either conditions (priority=, category=, group=) or default")
    if not targets:
        raise wrong("a target: resolution= and/or first_response=")
    name = "default" if is_default else " ".join(
        f"{key}={shlex.quote(value)}" for key, value in conditions.items())
    if len(name) > MAX_NAME:
        raise wrong(f"conditions at most {MAX_NAME} characters long")
    return Policy(name=name, **conditions, **targets)
