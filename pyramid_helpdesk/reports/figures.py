"""The figures of a report page (read from the summary, :mod:`.summary`) and of the
quality page (read by :mod:`.queries`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from . import queries, summary
from .periods import Period, local_today, preset_period, yesterday
from .queries import Count, Percentiles, RatingSummary, RiskRow, TargetShare

#: The quality page's "at risk": a target falls due within this.
RISK_HORIZON = timedelta(minutes=30)
RISK_LIMIT = 50


@dataclass(frozen=True)
class Report:
    """Everything a report over one period shows."""

    period: Period
    by_channel: list[Count]
    by_group: list[Count]
    by_category: list[Count]
    within_target: list[TargetShare]  # per holding group
    first_response: Percentiles
    resolution: Percentiles
    backlog: list[Count]  # now, per age bucket
    ratings: RatingSummary

    @property
    def created(self) -> int:
        """Tickets created in the period."""
        return sum(row.count for row in self.by_channel)

    @property
    def target_total(self) -> TargetShare:
        """Within target over all groups."""
        return queries.total_share(self.within_target)


#: What a report reads from the summary (:mod:`.summary`), in one statement.
SUMMARY_FIGURES = ("channel", "category", "group", "target", "within", "first_response",
                   "resolution", "rating")


def build_report(dbsession: Session, period: Period, now: datetime) -> Report:
    """Every figure of ``period`` (the backlog as of ``now``): the counts and the
    percentiles' buckets from the summary, the percentiles' exact values from an
    index, the backlog directly."""
    start, end = period.start, period.end
    queries.prepare_session(dbsession)
    counts = summary.collect(dbsession, start, end, SUMMARY_FIGURES)
    groups = {int(item) for figure in ("group", "target") for item in counts[figure] if item}
    names = queries.group_names(dbsession, groups)

    def keyed(figure, to_key=_text_key):
        return [(to_key(item), n) for item, n in counts[figure].items()]

    within = dict(keyed("within", _group_key))
    return Report(
        period=period,
        by_channel=queries.sorted_counts(keyed("channel")),
        by_group=queries.sorted_counts(keyed("group", _group_key), names),
        by_category=queries.sorted_counts(keyed("category")),
        within_target=queries.sorted_shares(
            TargetShare(key, names.get(key), n, within.get(key, 0))
            for key, n in keyed("target", _group_key)),
        first_response=_percentiles(dbsession, start, end, "first_response", counts),
        resolution=_percentiles(dbsession, start, end, "resolution", counts),
        backlog=queries.backlog_by_age(dbsession, now),
        ratings=RatingSummary({score: counts["rating"].get(str(score), 0)
                               for score in range(1, 6)}),
    )


def _text_key(item: str) -> str | None:
    return item or None


def _group_key(item: str) -> int | None:
    return int(item) if item else None


def _percentiles(dbsession: Session, start: datetime, end: datetime, figure: str,
                 counts: dict[str, dict[str, int]]) -> Percentiles:
    """Median and 90th percentile from the summary's buckets (exact, see
    :func:`.summary.percentile`), or directly when the summary disagrees."""
    buckets = counts[figure]
    try:
        median, p90 = (summary.percentile(dbsession, start, end, figure, buckets, p)
                       for p in queries.PERCENTS)
    except summary.SummaryMismatch:
        return queries.percentiles(dbsession, start, end, figure)
    return Percentiles(sum(buckets.values()), median, p90)


@dataclass(frozen=True)
class QualityWindow:
    """Within-target shares of one period, per group and per person."""

    key: str  # "yesterday" or "this_week"
    period: Period
    groups: list[TargetShare]
    people: list[TargetShare]

    @property
    def total(self) -> TargetShare:
        """Within target over everybody."""
        return queries.total_share(self.groups)


@dataclass(frozen=True)
class Quality:
    """The quality page: what is breached or at risk now, and yesterday's and this
    week's shares within target."""

    at_risk: list[RiskRow]
    at_risk_total: int
    windows: list[QualityWindow]


def build_quality(dbsession: Session, now: datetime, zone) -> Quality:
    """The quality page's figures at ``now`` (days local to ``zone``)."""
    today = local_today(now, zone)
    rows, total = queries.at_risk(dbsession, now, RISK_HORIZON, RISK_LIMIT)
    windows = []
    for key, period in (("yesterday", yesterday(today, zone)),
                        ("this_week", preset_period("this_week", today, zone))):
        windows.append(QualityWindow(
            key, period,
            queries.within_target(dbsession, period.start, period.end, "group"),
            queries.within_target(dbsession, period.start, period.end, "person")))
    return Quality(rows, total, windows)
