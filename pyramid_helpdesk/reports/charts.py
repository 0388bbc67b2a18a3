"""Small bar charts drawn on the server as SVG (``templates/reports/charts.pt``).

This module only lays a chart out: one horizontal bar per item, its label above
it and its value beside it, in a 390-unit wide ``viewBox`` so that it reads on a
phone and scales up on a desk. The template writes the SVG with Chameleon, which
escapes every label; the chart carries an accessible ``<title>`` and ``<desc>``.
"""
from __future__ import annotations

from dataclasses import dataclass

WIDTH = 390
ROW = 34  # height of one item: label line and bar
BAR = 12
VALUE_ROOM = 64  # right of the longest bar, for its value
MAX_LABEL = 48  # characters; longer labels end with an ellipsis


@dataclass(frozen=True)
class Bar:
    """One item of a chart, laid out."""

    label: str
    text: str  # the value as shown
    width: float
    label_y: float
    bar_y: float


@dataclass(frozen=True)
class BarChart:
    """A laid-out bar chart."""

    id: str
    title: str
    description: str
    bars: tuple[Bar, ...]
    width: int = WIDTH
    bar_height: int = BAR

    @property
    def height(self) -> int:
        """The ``viewBox`` height."""
        return max(1, len(self.bars)) * ROW + 4


def bar_chart(chart_id: str, title: str, description: str,
              items: list[tuple[str, float, str]], scale_max: float | None = None) -> BarChart:
    """Lay out ``items`` (label, value, value as shown) as bars proportional to
    ``value`` over ``scale_max`` (the largest value when not given)."""
    top = max([scale_max or 0, *(value for _, value, _ in items)]) or 1
    room = WIDTH - VALUE_ROOM
    bars = tuple(
        Bar(_shorten(label), text, round(max(value, 0) / top * room, 1),
            index * ROW + 12, index * ROW + 17)
        for index, (label, value, text) in enumerate(items))
    return BarChart(chart_id, title, description, bars)


def _shorten(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…"
