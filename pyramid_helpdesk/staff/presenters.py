"""List rows as the templates show them: texts, times and links, each made once.

A page of 25 rows would otherwise translate the same status names and build
the same links dozens of times inside the template, which costs more than the
query. Each value is computed when a template first asks for it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from string import Template
from typing import Callable

from pyramid.i18n import TranslationString
from pyramid.traversal import quote_path_segment

from ..i18n import _
from .durations import duration
from .labels import category_label
from .queries import ListRow
from .targets import RUNNING

DUE_LABELS = {"overdue": _("overdue"), "soon": _("due soon"),
              "unknown": _("no calendar data")}
PLACEHOLDER = "__number__"


@dataclass(frozen=True)
class Moment:
    """A time as a ``<time>`` element shows it."""

    iso: str
    local: str


class RowPresenter:
    """What one request needs to show rows: its localizer, clock and labels."""

    def __init__(self, request, now: datetime, near: timedelta,
                 channel_label: Callable[[str], object]):
        self.request = request
        self.now = now
        self.near = near
        self.channel_label = channel_label
        self._labels: dict[object, str] = {}
        self._paths: dict[str, str] = {}

    def label(self, text) -> str:
        """``text`` (a message, or a stored value such as ``open``) translated, once."""
        if text not in self._labels:
            self._labels[text] = self.request.localizer.translate(
                text if isinstance(text, TranslationString) else _(text))
        return self._labels[text]

    def moment(self, value: datetime) -> Moment:
        """``value`` for a ``<time>`` element, in the helpdesk's time zone."""
        return Moment(value.isoformat(), self.request.local_time(value))

    def length(self, since: datetime) -> str:
        """The time from ``since`` to now, in words (each pattern translated once)."""
        words = duration(self.now - since)
        pattern = self.label(TranslationString(str(words), domain=words.domain))
        return Template(pattern).safe_substitute(words.mapping or {})

    def path(self, route: str, number: str) -> str:
        """The path of ``route`` for ticket ``number`` (the route generated once)."""
        if route not in self._paths:
            self._paths[route] = self.request.route_path(route, number=PLACEHOLDER)
        return self._paths[route].replace(PLACEHOLDER, quote_path_segment(number))

    def __call__(self, row: ListRow) -> "ShownRow":
        return ShownRow(row, self)


class ShownRow:
    """One list row, ready to print."""

    def __init__(self, row: ListRow, presenter: RowPresenter):
        self.row = row
        self.presenter = presenter
        self.id, self.number, self.subject = row.id, row.number, row.subject
        self.requester, self.nudges = row.requester_name, row.nudge_count
        self.status, self.priority = row.status.value, row.priority.value
        self.version = row.version

    def _path(self, route: str) -> str:
        return self.presenter.path(route, self.number)

    @cached_property
    def url(self) -> str:
        """The ticket in the staff console."""
        return self._path("staff.ticket")

    @cached_property
    def flow_url(self) -> str:
        return self._path("staff.flow")

    @cached_property
    def nudge_url(self) -> str:
        return self._path("staff.nudge")

    @cached_property
    def status_label(self) -> str:
        return self.presenter.label(self.status)

    @cached_property
    def priority_label(self) -> str:
        return self.presenter.label(self.priority)

    @cached_property
    def holder(self) -> str:
        """``Group / Person``, either alone, or "nobody"."""
        names = [name for name in (self.row.group_name, self.row.holder_name) if name]
        return " / ".join(names) or self.presenter.label(_("nobody"))

    @property
    def held(self) -> bool:
        return bool(self.row.group_name or self.row.holder_name)

    @cached_property
    def channel(self) -> str:
        return self.presenter.label(self.presenter.channel_label(self.row.channel))

    @cached_property
    def category(self) -> str:
        return self.presenter.label(category_label(self.row.category)) \
            if self.row.category else ""

    @cached_property
    def created(self) -> Moment:
        return self.presenter.moment(self.row.created_at)

    @cached_property
    def updated(self) -> Moment:
        return self.presenter.moment(self.row.updated_at)

    @cached_property
    def held_since(self) -> Moment:
        return self.presenter.moment(self.row.held_since)

    @cached_property
    def age(self) -> str:
        return self.presenter.length(self.row.created_at)

    @cached_property
    def with_holder_for(self) -> str:
        return self.presenter.length(self.row.held_since)

    @cached_property
    def due(self) -> Moment | None:
        """When it is due, for an unresolved ticket."""
        if self.row.due_at is None or not self.row.status.is_active:
            return None
        return self.presenter.moment(self.row.due_at)

    @cached_property
    def due_state(self) -> str:
        """``overdue`` (due time passed, or the breach recorded), ``soon``, ``unknown``
        (a policy but no due time: the calendar had no data) or ``""``. A ticket
        waiting for its requester is neither soon nor overdue: its clock is stopped."""
        row = self.row
        if not row.status.is_active:
            return ""
        if row.sla_breached_at is not None:
            return "overdue"
        if row.due_at is None:
            return "unknown" if row.sla_policy else ""
        if row.status not in RUNNING:
            return ""
        now = self.presenter.now
        if row.due_at <= now:
            return "overdue"
        return "soon" if row.due_at <= now + self.presenter.near else ""

    @cached_property
    def due_label(self) -> str:
        return self.presenter.label(DUE_LABELS[self.due_state]) if self.due_state else ""
