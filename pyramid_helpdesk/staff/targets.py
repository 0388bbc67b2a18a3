"""When a ticket is due: a resolution target counted in service hours.

For now the target is the seed's "resolved within 2 hours", counted only while
the desk is open (``helpdesk.service_hours`` in ``helpdesk.timezone``). The
business calendar (holidays, make-up days, per-priority targets) will replace
these two functions; everything else asks them.

``due_at`` walks forward from a ticket's creation; ``latest_creation_due_by``
walks backward from a deadline, which lets the lists ask the database "which
tickets are due by then?" as an indexed range on ``created_at``:
``due_at(c) <= deadline`` exactly when ``c <= latest_creation_due_by(deadline)``.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from ..sla.hours import WeeklyHours

TARGET = timedelta(hours=2)
#: A ticket due within this much wall-clock time is "due soon".
NEAR = timedelta(minutes=30)


def _periods(hours: WeeklyHours, zone: ZoneInfo, day: date) -> list[tuple[datetime, datetime]]:
    """The open periods of ``day`` (local), in order, as UTC instants."""
    periods = []
    for start, end in hours.periods[day.weekday()]:
        closing = (datetime.combine(day + timedelta(days=1), time(0), zone) if end == time.max
                   else datetime.combine(day, end, zone))
        periods.append((datetime.combine(day, start, zone).astimezone(timezone.utc),
                        closing.astimezone(timezone.utc)))
    return periods


@lru_cache(maxsize=16)
def _days_to_search(hours: WeeklyHours, target: timedelta) -> int:
    """How many days a walk may need to count ``target`` (0 when the desk never opens)."""
    week = timedelta()
    for day in hours.periods:
        for start, end in day:
            end_minutes = 24 * 60 if end == time.max else end.hour * 60 + end.minute
            week += timedelta(minutes=end_minutes - start.hour * 60 - start.minute)
    if not week:
        return 0
    return (int(target / week) + 2) * 7


def due_at(created: datetime, hours: WeeklyHours, zone: ZoneInfo,
           target: timedelta = TARGET) -> datetime | None:
    """When a ticket created at ``created`` is due; ``None`` if the desk never opens."""
    remaining = target
    first_day = created.astimezone(zone).date()
    for offset in range(_days_to_search(hours, target)):
        for start, end in _periods(hours, zone, first_day + timedelta(days=offset)):
            start = max(start, created)
            if end <= start:
                continue
            if end - start >= remaining:
                return start + remaining
            remaining -= end - start
    return None


def latest_creation_due_by(deadline: datetime, hours: WeeklyHours, zone: ZoneInfo,
                           target: timedelta = TARGET) -> datetime | None:
    """The latest creation time whose ticket is due at or before ``deadline``
    (``None``: no ticket is, because the desk never opens)."""
    remaining = target
    last_day = deadline.astimezone(zone).date()
    for offset in range(_days_to_search(hours, target)):
        for start, end in reversed(_periods(hours, zone, last_day - timedelta(days=offset))):
            end = min(end, deadline)
            if end <= start:
                continue
            if end - start >= remaining:
                return end - remaining
            remaining -= end - start
    return None
