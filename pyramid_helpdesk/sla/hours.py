"""Weekly service hours: when the service desk works, and when it opens next.

Written in the ini file as ``helpdesk.service_hours = mon-fri 08:00-17:00``; several
groups are separated by ``;`` and a day may have several periods
(``mon-fri 08:00-12:00 13:00-17:00; sat 09:00-12:00``). Times are local to
``helpdesk.timezone``. Holidays and make-up working days belong to the business
calendar, which builds on this.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PERIOD = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True)
class WeeklyHours:
    """Opening periods per weekday (Monday is 0), in local time."""

    periods: tuple[tuple[tuple[time, time], ...], ...]  # seven tuples of (start, end)
    text: str

    def is_open(self, instant: datetime, zone: ZoneInfo) -> bool:
        """Whether ``instant`` (timezone-aware) falls inside a service period in ``zone``."""
        local = instant.astimezone(zone)
        now = local.time()
        return any(start <= now < end for start, end in self.periods[local.weekday()])

    def next_opening(self, instant: datetime, zone: ZoneInfo) -> datetime | None:
        """The start of the first period after ``instant``, or ``None`` if never open."""
        local = instant.astimezone(zone)
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            for start, _end in self.periods[day.weekday()]:
                opening = datetime.combine(day, start, zone)
                if opening >= local:
                    return opening
        return None

    def __str__(self) -> str:
        return self.text


def parse_service_hours(raw: str) -> WeeklyHours:
    """Parse ``mon-fri 08:00-17:00; sat 09:00-12:00``; raises ``ValueError``."""
    periods: list[list[tuple[time, time]]] = [[] for _ in DAYS]
    for group in filter(None, (g.strip() for g in raw.lower().split(";"))):
        days, *spans = group.split()
        if not spans:
            raise ValueError(group)
        for day in _days(days):
            periods[day].extend(_span(span) for span in spans)
    return WeeklyHours(tuple(tuple(sorted(p)) for p in periods), " ".join(raw.split()))


def _days(spec: str) -> list[int]:
    days: list[int] = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        start, end = DAYS.index(first), DAYS.index(last or first)  # ValueError if unknown
        days.extend(range(start, end + 1) if start <= end else [*range(start, 7),
                                                                 *range(0, end + 1)])
    return days


def _span(spec: str) -> tuple[time, time]:
    match = _PERIOD.match(spec)
    if not match:
        raise ValueError(spec)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start = time(h1, m1)
    end = time.max if (h2, m2) == (24, 0) else time(h2, m2)
    if end <= start:
        raise ValueError(spec)
    return start, end
