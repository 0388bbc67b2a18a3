"""Date ranges of the reports: local calendar days, half-open in UTC.

A report covers whole days in ``helpdesk.timezone``, from the first day's midnight
up to (not including) the midnight after the last day. The form gives the days
(``from``, ``to``, both included) or a preset; the queries get the two UTC instants.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from ..i18n import _

PRESETS = {
    "last_30_days": _("Last 30 days"),
    "this_week": _("This week"),
    "last_month": _("Last month"),
    "this_year": _("This year"),
}
DEFAULT_PRESET = "last_30_days"
EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)


@dataclass(frozen=True)
class Period:
    """The local days ``first_day`` to ``last_day`` (both included) in ``zone``."""

    first_day: date
    last_day: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        """The first day's local midnight, in UTC (included)."""
        return local_midnight(self.first_day, self.zone)

    @property
    def end(self) -> datetime:
        """The local midnight after the last day, in UTC (excluded)."""
        return local_midnight(self.last_day + timedelta(days=1), self.zone)

    @property
    def days(self) -> int:
        """How many days the period covers."""
        return (self.last_day - self.first_day).days + 1


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of ``day`` in ``zone``, as a UTC instant."""
    return datetime.combine(day, time(0), zone).astimezone(timezone.utc)


def local_today(now: datetime, zone: ZoneInfo) -> date:
    """The local date at ``now``."""
    return now.astimezone(zone).date()


def preset_period(name: str, today: date, zone: ZoneInfo) -> Period:
    """The period a preset names, seen from ``today``."""
    if name == "this_week":
        monday = today - timedelta(days=today.weekday())
        return Period(monday, monday + timedelta(days=6), zone)
    if name == "last_month":
        last_day = today.replace(day=1) - timedelta(days=1)
        return Period(last_day.replace(day=1), last_day, zone)
    if name == "this_year":
        return Period(date(today.year, 1, 1), date(today.year, 12, 31), zone)
    return Period(today - timedelta(days=29), today, zone)


def yesterday(today: date, zone: ZoneInfo) -> Period:
    """The local day before ``today``."""
    day = today - timedelta(days=1)
    return Period(day, day, zone)


@dataclass
class RangeForm:
    """The report form: a preset, or two dates; what was typed, the period, the errors."""

    values: dict[str, str]
    period: Period | None
    errors: dict[str, object]

    @classmethod
    def from_params(cls, params, today: date, zone: ZoneInfo) -> "RangeForm":
        """Read ``preset`` or ``from``/``to`` (``YYYY-MM-DD``); the default is the last
        30 days."""
        preset = params.get("preset", "")
        first, last = params.get("from", "").strip(), params.get("to", "").strip()
        if preset in PRESETS or not (first or last):
            period = preset_period(preset or DEFAULT_PRESET, today, zone)
            return cls(_values(period, preset or DEFAULT_PRESET), period, {})
        errors: dict[str, object] = {}
        days = {}
        for field, text in (("from", first), ("to", last)):
            days[field] = _parse_day(text)
            if days[field] is None:
                errors[field] = _("Enter a date as YYYY-MM-DD (2000 to 2999).")
        if not errors and days["to"] < days["from"]:
            errors["to"] = _("The last day must not be before the first.")
        values = {"from": first, "to": last, "preset": ""}
        if errors:
            return cls(values, None, errors)
        return cls(values, Period(days["from"], days["to"], zone), {})


def _values(period: Period, preset: str) -> dict[str, str]:
    return {"from": period.first_day.isoformat(), "to": period.last_day.isoformat(),
            "preset": preset}


def _parse_day(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None
