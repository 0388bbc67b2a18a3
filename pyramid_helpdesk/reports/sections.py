"""Figures as the page and the CSV show them: titled tables, each with its chart.

A :class:`Section` holds translated texts and cells; the report page renders
each as a chart beside a table, and the CSV export writes the same tables, so
the two always agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ..i18n import _
from ..staff.durations import duration
from ..staff.labels import category_label, channel_label
from .charts import BarChart, bar_chart
from .figures import QualityWindow, Report
from .queries import Count, Percentiles, TargetShare

AGE_LABELS = {
    "under_1d": _("Under 1 day"),
    "1_3d": _("1 to 3 days"),
    "3_7d": _("3 to 7 days"),
    "7_30d": _("7 to 30 days"),
    "over_30d": _("Over 30 days"),
}


@dataclass(frozen=True)
class Cell:
    """A table cell: its text, and the plain value the CSV writes (else the text)."""

    text: str
    value: object = None

    @property
    def exported(self) -> object:
        """What the CSV writes."""
        return self.text if self.value is None else self.value


@dataclass(frozen=True)
class Section:
    """One figure: a title, what it means, a table and maybe a chart."""

    id: str
    title: str
    description: str
    columns: list[str]
    rows: list[list[Cell]]
    chart: BarChart | None = None


class SectionMaker:
    """Turns figures into sections in one request's language."""

    def __init__(self, request):
        self.translate = request.localizer.translate
        self.channels = request.registry.helpdesk_plugins.channels

    def _t(self, text) -> str:
        return self.translate(text)

    def number(self, value: int) -> Cell:
        """A count."""
        return Cell(str(value), value)

    def share(self, share: float | None) -> Cell:
        """A share as a percentage (``–`` when there is nothing to divide)."""
        if share is None:
            return Cell("–", "")
        return Cell(f"{share * 100:.1f}%", round(share * 100, 1))

    def seconds(self, seconds: int | None) -> Cell:
        """Business seconds as a duration; the CSV gets the seconds."""
        if seconds is None:
            return Cell("–", "")
        return Cell(self._t(duration(timedelta(seconds=seconds))), seconds)

    # -- the report page -----------------------------------------------------------

    def report(self, report: Report) -> list[Section]:
        """The sections of a report, in page order."""
        return [
            self._volume("channel", _("Tickets by channel"), report.by_channel,
                         lambda row: channel_label(row.key, self.channels)),
            self._volume("group", _("Tickets by group"), report.by_group,
                         lambda row: row.name or _("No group")),
            self._volume("category", _("Tickets by category"), report.by_category,
                         lambda row: category_label(row.key) or _("No category")),
            self.target_shares("target", _("Resolved within target, per group"),
                               report.within_target, _("No group"), _("Group")),
            self._times(report.first_response, report.resolution),
            self._backlog(report.backlog),
            self._ratings(report),
        ]

    def _volume(self, key: str, title, rows: list[Count], label) -> Section:
        labels = [self._t(label(row)) for row in rows]
        description = self._t(_("Tickets created in the period, by the ticket's ${what}.",
                                mapping={"what": self._t(DIMENSION_NAMES[key])}))
        total = sum(row.count for row in rows)
        table = [[Cell(name), self.number(row.count),
                  self.share(row.count / total if total else None)]
                 for name, row in zip(labels, rows, strict=True)]
        chart = bar_chart(f"chart-{key}", self._t(title), description,
                          [(name, row.count, str(row.count))
                           for name, row in zip(labels, rows, strict=True)])
        return Section(key, self._t(title), description,
                       [self._t(DIMENSION_NAMES[key]).capitalize(), self._t(_("Tickets")),
                        self._t(_("Share"))], table, chart)

    def target_shares(self, key: str, title, shares: list[TargetShare], nobody,
                      holder_title) -> Section:
        """Resolved with a target, within it, and the share, per holder, then in all."""
        description = self._t(_(
            "Tickets resolved in the period that had a resolution target, and the share "
            "resolved by their due time; per holder at resolution."))
        table = [[Cell(row.name or self._t(nobody)), self.number(row.resolved),
                  self.number(row.within), self.share(row.share)] for row in shares]
        total = TargetShare(None, None, sum(r.resolved for r in shares),
                            sum(r.within for r in shares))
        table.append([Cell(self._t(_("All"))), self.number(total.resolved),
                      self.number(total.within), self.share(total.share)])
        chart = bar_chart(f"chart-{key}", self._t(title), description,
                          [(cells[0].text, (row.share or 0) * 100, cells[3].text)
                           for row, cells in zip(shares, table, strict=False)],
                          scale_max=100)
        return Section(key, self._t(title), description,
                       [self._t(holder_title), self._t(_("Resolved with a target")),
                        self._t(_("Within target")), self._t(_("Share within target"))],
                       table, chart)

    def _times(self, first: Percentiles, resolution: Percentiles) -> Section:
        title = self._t(_("Response and resolution times"))
        description = self._t(_(
            "Business time (service hours, holidays and waiting for the requester left "
            "out): to the first response for tickets created in the period, to resolution "
            "for tickets resolved in the period."))
        measures = ((_("First response"), first), (_("Resolution"), resolution))
        table = [[Cell(self._t(name)), self.number(p.count), self.seconds(p.median),
                  self.seconds(p.p90)] for name, p in measures]
        items = []
        for (name, p), cells in zip(measures, table, strict=True):
            items.append((f"{self._t(name)} · {self._t(_('median'))}", p.median or 0,
                          cells[2].text))
            items.append((f"{self._t(name)} · {self._t(_('90th percentile'))}", p.p90 or 0,
                          cells[3].text))
        return Section("times", title, description,
                       [self._t(_("Measure")), self._t(_("Tickets")), self._t(_("Median")),
                        self._t(_("90th percentile"))], table,
                       bar_chart("chart-times", title, description, items))

    def _backlog(self, rows: list[Count]) -> Section:
        title = self._t(_("Backlog by age"))
        description = self._t(_("Unresolved tickets (new, open or waiting for the requester) "
                                "now, by time since they were created."))
        table = [[Cell(self._t(AGE_LABELS[row.key])), self.number(row.count)] for row in rows]
        chart = bar_chart("chart-backlog", title, description,
                          [(cells[0].text, row.count, str(row.count))
                           for row, cells in zip(rows, table, strict=True)])
        return Section("backlog", title, description,
                       [self._t(_("Age")), self._t(_("Tickets"))], table, chart)

    def _ratings(self, report: Report) -> Section:
        summary = report.ratings
        title = self._t(_("Ratings"))
        average = "–" if summary.average is None else f"{summary.average:.2f}"
        description = self._t(_(
            "Ratings given in the period: ${count} in all, average ${average} of 5.",
            mapping={"count": summary.count, "average": average}))
        table = [[Cell(self._t(_("${score} of 5", mapping={"score": score}))),
                  self.number(n)] for score, n in sorted(summary.distribution.items(),
                                                         reverse=True)]
        table.append([Cell(self._t(_("Average"))),
                      Cell(average, "" if summary.average is None
                           else round(summary.average, 2))])
        chart = bar_chart("chart-ratings", title, description,
                          [(cells[0].text, cells[1].value, cells[1].text)
                           for cells in table[:-1]])
        return Section("ratings", title, description,
                       [self._t(_("Score")), self._t(_("Ratings"))], table, chart)

    # -- the quality page ----------------------------------------------------------

    def quality_window(self, window: QualityWindow) -> list[Section]:
        """A window's shares per group and per person."""
        return [
            self.target_shares(f"{window.key}-groups", _("Per group"), window.groups,
                               _("No group"), _("Group")),
            self.target_shares(f"{window.key}-people", _("Per person"), window.people,
                               _("No person"), _("Person")),
        ]


DIMENSION_NAMES = {"channel": _("channel"), "group": _("group"), "category": _("category")}
