"""What a staff list shows: its filters, its order and its page, read from the query string.

Each list (:data:`INBOX`, :data:`UNDISPATCHED`, :data:`UNPROCESSED`) declares the
status choices and orders it offers; :class:`ListFilters` reads a request's
query string against it, falling back to the defaults for anything unknown, and
writes the query string of a changed view (defaults left out).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Mapping

from ..i18n import _
from ..tickets.models import ACTIVE_STATUSES, Priority, TicketStatus
from .keyset import Order

S = TicketStatus
DAY = timedelta(days=1)

#: Age filters: label and the condition on ``created_at`` given the current time.
AGES = {
    "under_1d": _("Less than a day old"),
    "over_1d": _("Older than a day"),
    "over_1w": _("Older than a week"),
}

#: Due filters of the unprocessed list: the stored due time (``sla/clock.py``) by now,
#: or within ``targets.NEAR``, of tickets whose clock runs.
DUE = {"soon": _("Due soon or overdue"), "past": _("Overdue")}

#: Holder filters of the inbox: the staff member alone, or their groups alone.
HELD = {"me": _("Held by me"), "groups": _("Held by my groups")}


def age_bounds(age: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """``(created after, created at or before)`` of an age filter (``None``: no bound)."""
    if age == "under_1d":
        return now - DAY, None
    if age == "over_1d":
        return None, now - DAY
    if age == "over_1w":
        return None, now - 7 * DAY
    return None, None


@dataclass(frozen=True)
class ListSpec:
    """The choices one list offers; the first of each is its default."""

    statuses: dict[str, tuple[tuple[TicketStatus, ...], Any]]  # key: (statuses, label)
    orders: dict[str, tuple[Order, Any]]  # key: (order, label)
    due_filter: bool = False
    group_filter: bool = False
    held_filter: bool = False


def _single_statuses(*statuses: TicketStatus) -> dict:
    return {status.value: ((status,), _(status.value)) for status in statuses}


INBOX = ListSpec(
    statuses={"active": (ACTIVE_STATUSES, _("Unresolved")),
              **_single_statuses(S.new, S.open, S.pending, S.resolved, S.closed),
              "all": ((S.new, S.open, S.pending, S.resolved, S.closed), _("All"))},
    orders={"updated": (Order("updated_at", True), _("Last updated")),
            "newest": (Order("created_at", True), _("Newest first")),
            "oldest": (Order("created_at", False), _("Oldest first")),
            "priority": (Order("updated_at", True, by_priority=True), _("Most urgent first"))},
    held_filter=True,
)

UNDISPATCHED = ListSpec(
    statuses={"new": ((S.new,), _("new"))},
    orders={"oldest": (Order("created_at", False), _("Oldest first")),
            "newest": (Order("created_at", True), _("Newest first")),
            "priority": (Order("created_at", False, by_priority=True), _("Most urgent first"))},
)

UNPROCESSED = ListSpec(
    statuses={"active": (ACTIVE_STATUSES, _("Unresolved")),
              **_single_statuses(S.new, S.open, S.pending)},
    orders={"held": (Order("held_since", False), _("Longest with its holder")),
            "oldest": (Order("created_at", False), _("Oldest first")),
            "newest": (Order("created_at", True), _("Newest first")),
            "priority": (Order("held_since", False, by_priority=True), _("Most urgent first"))},
    due_filter=True,
    group_filter=True,
)


def _choice(value: Any, allowed) -> str:
    return value if isinstance(value, str) and value in allowed else ""


@dataclass(frozen=True)
class ListFilters:
    """One view of a list: filters, order, and the page's position."""

    spec: ListSpec = field(repr=False)
    status: str
    order: str
    priority: str = ""
    category: str = ""
    channel: str = ""
    age: str = ""
    due: str = ""
    group: int | None = None
    held: str = ""
    after: str | None = None  # the cursor of the row before this page
    before: str | None = None  # the cursor of the row after this page

    @classmethod
    def from_params(cls, spec: ListSpec, params: Mapping[str, str], *,
                    categories=(), channels=(), group_ids=()) -> "ListFilters":
        """Read the query string; an unknown value falls back to the default."""
        group = params.get("group", "")
        before = params.get("before") or None
        return cls(
            spec=spec,
            status=_choice(params.get("status"), spec.statuses) or next(iter(spec.statuses)),
            order=_choice(params.get("sort"), spec.orders) or next(iter(spec.orders)),
            priority=_choice(params.get("priority"), {p.value for p in Priority}),
            category=_choice(params.get("category"), categories),
            channel=_choice(params.get("channel"), channels),
            age=_choice(params.get("age"), AGES),
            due=_choice(params.get("due"), DUE) if spec.due_filter else "",
            group=int(group) if spec.group_filter and group.isdigit()
            and int(group) in group_ids else None,
            held=_choice(params.get("held"), HELD) if spec.held_filter else "",
            after=None if before else (params.get("after") or None),
            before=before,
        )

    @property
    def statuses(self) -> tuple[TicketStatus, ...]:
        return self.spec.statuses[self.status][0]

    @property
    def priorities(self) -> tuple[Priority, ...]:
        return (Priority(self.priority),) if self.priority else tuple(Priority)

    @property
    def sort(self) -> Order:
        return self.spec.orders[self.order][0]

    @property
    def is_filtered(self) -> bool:
        """Whether anything narrows the list beyond its default status."""
        return bool(self.priority or self.category or self.channel or self.age or self.due
                    or self.held or self.group is not None
                    or self.status != next(iter(self.spec.statuses)))

    def query(self, **changes: Any) -> dict[str, str]:
        """The query string of this view with ``changes``; a new filter or order
        starts at the first page unless ``after``/``before`` are given."""
        if not {"after", "before"} & changes.keys():
            changes.update(after=None, before=None)
        view = replace(self, **changes)
        values = {"status": view.status, "sort": view.order, "priority": view.priority,
                  "category": view.category, "channel": view.channel, "age": view.age,
                  "due": view.due, "group": view.group, "held": view.held, "after": view.after,
                  "before": view.before}
        defaults = {"status": next(iter(self.spec.statuses)),
                    "sort": next(iter(self.spec.orders))}
        return {key: str(value) for key, value in values.items()
                if value not in (None, "") and value != defaults.get(key)}
