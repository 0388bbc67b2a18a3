"""Weekly service hours: open or not, and the next opening, in the desk's time zone."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from pyramid_helpdesk.sla.hours import parse_service_hours

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = parse_service_hours("mon-fri 08:00-12:00 13:00-17:00; sat 09:00-12:00")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize("when, is_open", [
    ("2026-11-30 08:00", True),    # Monday, opening minute
    ("2026-11-30 07:59", False),
    ("2026-11-30 12:30", False),   # lunch
    ("2026-11-30 16:59", True),
    ("2026-11-30 17:00", False),   # closing minute
    ("2026-12-05 10:00", True),    # Saturday morning
    ("2026-12-06 10:00", False),   # Sunday
])
def test_open_or_closed(when, is_open):
    assert HOURS.is_open(local(when), SHANGHAI) is is_open


@pytest.mark.parametrize("when, opening", [
    ("2026-11-30 07:00", "2026-11-30 08:00"),
    ("2026-11-30 12:30", "2026-11-30 13:00"),
    ("2026-12-04 18:00", "2026-12-05 09:00"),  # Friday evening -> Saturday
    ("2026-12-05 12:00", "2026-12-07 08:00"),  # Saturday noon -> Monday
])
def test_next_opening(when, opening):
    assert HOURS.next_opening(local(when), SHANGHAI) == local(opening)


def test_instants_are_read_in_the_desks_time_zone():
    utc_midnight_monday = datetime(2026, 11, 30, 0, 30, tzinfo=timezone.utc)  # 08:30 there
    assert HOURS.is_open(utc_midnight_monday, SHANGHAI)
    assert not HOURS.is_open(utc_midnight_monday, ZoneInfo("Europe/Berlin"))


@pytest.mark.parametrize("raw", ["mon-fri", "mon-fri 17:00-08:00", "someday 08:00-09:00",
                                 "mon 8:00-9:00", "mon 08:00-25:00"])
def test_malformed_hours_are_refused(raw):
    with pytest.raises(ValueError):
        parse_service_hours(raw)


def test_wrapping_day_ranges_and_lists():
    hours = parse_service_hours("fri-mon 10:00-11:00; wed 10:00-11:00")
    open_days = [day for day in range(7) if hours.periods[day]]
    assert open_days == [0, 2, 4, 5, 6]
