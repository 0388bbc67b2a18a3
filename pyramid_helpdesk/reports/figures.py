"""The figures of a report page and of the quality page, each read by :mod:`.queries`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from . import queries
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


def build_report(dbsession: Session, period: Period, now: datetime) -> Report:
    """Every figure of ``period`` (the backlog as of ``now``)."""
    start, end = period.start, period.end
    queries.prepare_session(dbsession)
    volumes = queries.volumes(dbsession, start, end)
    return Report(
        period=period,
        by_channel=volumes["channel"],
        by_group=volumes["group"],
        by_category=volumes["category"],
        within_target=queries.within_target(dbsession, start, end, "group"),
        first_response=queries.percentiles(dbsession, start, end, "first_response"),
        resolution=queries.percentiles(dbsession, start, end, "resolution"),
        backlog=queries.backlog_by_age(dbsession, now),
        ratings=queries.ratings(dbsession, start, end),
    )


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
