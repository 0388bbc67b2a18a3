"""The business calendar: working days (Chinese holidays, make-up days, the file) and
business-time arithmetic, checked against a slow reference that steps minute by minute."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from pyramid_helpdesk.sla.calendar import (
    BusinessCalendar,
    CalendarUnknown,
    ChineseHolidays,
    NeverOpen,
)
from pyramid_helpdesk.sla.calendar_file import (
    CalendarFile,
    CalendarFileError,
    Entry,
    parse_calendar_file,
)
from pyramid_helpdesk.sla.hours import WeeklyHours, parse_service_hours

UTC = timezone.utc
MINUTE = timedelta(minutes=1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_HOURS = parse_service_hours("mon-fri 08:00-17:00")


def china(file_text: str = "", hours: WeeklyHours = DEFAULT_HOURS) -> BusinessCalendar:
    return BusinessCalendar(hours, SHANGHAI, ChineseHolidays(), parse_calendar_file(file_text))


def at(text: str, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


# -- the slow, obviously correct reference ---------------------------------------------


def reference_open(calendar: BusinessCalendar, instant: datetime) -> bool:
    """Open when the wall-clock time falls in a period of its (working) day."""
    local = instant.astimezone(calendar.zone)
    info = calendar.day(local.date())
    now = local.time()
    return info.working and any(start <= now and (end == time.max or now < end)
                                for start, end in info.periods)


def reference_between(calendar, a: datetime, b: datetime) -> timedelta:
    """Count the open minutes in [a, b) (instants on whole minutes)."""
    total, moment = timedelta(), a
    while moment < b:
        if reference_open(calendar, moment):
            total += MINUTE
        moment += MINUTE
    return total


def reference_add(calendar, start: datetime, duration: timedelta) -> datetime:
    """Step minute by minute until ``duration`` open minutes have passed."""
    remaining, moment = duration, start
    while remaining:
        if reference_open(calendar, moment):
            remaining -= MINUTE
        moment += MINUTE
    return moment


def reference_subtract(calendar, end: datetime, duration: timedelta) -> datetime:
    """Step back minute by minute until ``duration`` open minutes lie behind."""
    remaining, moment = duration, end
    while remaining:
        moment -= MINUTE
        if reference_open(calendar, moment):
            remaining -= MINUTE
    return moment


# -- strategies ------------------------------------------------------------------------

#: Days with clock changes: Berlin and New York, spring and autumn 2026.
ZONES = {
    "Asia/Shanghai": [date(2026, 9, 30), date(2026, 2, 14)],
    "Europe/Berlin": [date(2026, 3, 29), date(2026, 10, 25)],
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
}
#: Period boundaries cluster around the small hours, where the clocks change.
minutes_of_day = st.one_of(st.integers(0, 24 * 60), st.integers(60, 4 * 60))


@st.composite
def periods(draw):
    count = draw(st.integers(0, 3))
    found = []
    for _ in range(count):
        first, second = sorted(draw(st.lists(minutes_of_day, min_size=2, max_size=2,
                                             unique=True)))
        start = time(first // 60, first % 60)
        end = time.max if second == 24 * 60 else time(second // 60, second % 60)
        found.append((start, end))
    return tuple(sorted(found))


@st.composite
def calendars(draw):
    zone_name = draw(st.sampled_from(sorted(ZONES)))
    weekly = draw(st.lists(periods(), min_size=7, max_size=7))
    if not any(weekly):
        weekly[0] = ((time(8), time(17)),)
    anchor = draw(st.sampled_from(ZONES[zone_name]))
    entries = {}
    for offset in draw(st.lists(st.integers(-10, 10), max_size=6, unique=True)):
        kind = draw(st.sampled_from(["holiday", "workday"]))
        own = draw(periods()) if kind == "workday" and draw(st.booleans()) else None
        entries[anchor + timedelta(days=offset)] = Entry(kind, "drawn", own or None, 1)
    hours = WeeklyHours(tuple(weekly), "drawn")
    public = ChineseHolidays() if zone_name == "Asia/Shanghai" else None  # around 2026 holidays
    calendar = BusinessCalendar(hours, ZoneInfo(zone_name), public,
                                CalendarFile(entries, frozenset(), ""))
    return calendar, anchor


@st.composite
def instants(draw, anchor: date, zone: ZoneInfo):
    """A whole minute within a few days of ``anchor``."""
    base = datetime.combine(anchor, time(0), zone).astimezone(UTC)
    return base + MINUTE * draw(st.integers(-3 * 24 * 60, 4 * 24 * 60))


durations = st.integers(0, 12 * 60).map(lambda m: MINUTE * m)
PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(data=st.data())
def test_between_counts_the_open_minutes(data):
    calendar, anchor = data.draw(calendars())
    a = data.draw(instants(anchor, calendar.zone))
    b = a + MINUTE * data.draw(st.integers(0, 4 * 24 * 60))
    assert calendar.between(a, b) == reference_between(calendar, a, b)


@PROPERTY
@given(data=st.data())
def test_add_and_subtract_step_like_the_reference(data):
    calendar, anchor = data.draw(calendars())
    start = data.draw(instants(anchor, calendar.zone))
    duration = data.draw(durations)
    agree(lambda: calendar.add(start, duration),
          lambda: reference_add(calendar, start, duration))
    agree(lambda: calendar.subtract(start, duration),
          lambda: reference_subtract(calendar, start, duration))


def agree(computed, reference) -> None:
    """The same instant, or both run into a year the calendar has no data for (a
    drawn week with few open minutes, around a long holiday near the year's end)."""
    try:
        expected = reference()
    except CalendarUnknown:
        with pytest.raises(CalendarUnknown):
            computed()
        return
    assert computed() == expected


@PROPERTY
@given(data=st.data())
def test_is_open_and_next_opening_agree_with_the_reference(data):
    calendar, anchor = data.draw(calendars())
    moment = data.draw(instants(anchor, calendar.zone))
    assert calendar.is_open(moment) == reference_open(calendar, moment)
    opening = calendar.next_opening(moment)
    assert reference_open(calendar, opening)
    assert not any(reference_open(calendar, m)
                   for m in (moment + MINUTE * k for k in range((opening - moment) // MINUTE)))


@PROPERTY
@given(data=st.data())
def test_add_subtract_and_between_invariants(data):
    """between(a, add(a, d)) == d, and add(s, d) <= e exactly when s <= subtract(e, d)."""
    calendar, anchor = data.draw(calendars())
    a = data.draw(instants(anchor, calendar.zone))
    e = data.draw(instants(anchor, calendar.zone))
    duration = data.draw(durations) + timedelta(seconds=data.draw(st.integers(0, 59)))
    try:
        assert calendar.between(a, calendar.add(a, duration)) == duration
        assert (calendar.add(a, duration) <= e) == (a <= calendar.subtract(e, duration))
        latest = calendar.subtract(e, duration)
        assert calendar.add(latest, duration) <= e
        assert calendar.add(a, calendar.between(a, e)) <= max(a, e)
    except CalendarUnknown:  # ran into a year without data (see agree): no invariant to check
        reject()


# -- working days ----------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 10, 1) + timedelta(days=n) for n in range(7)])
def test_national_day_2026_is_a_week_of_holidays(day):
    info = china().day(day)
    assert not info.working
    assert info.reason == "holiday: National Day"


def test_a_make_up_saturday_works_weekday_hours():
    info = china(hours=parse_service_hours("mon-fri 08:00-12:00 13:00-17:00")).day(
        date(2026, 10, 10))
    assert info.working and info.kind == "makeup"
    assert info.periods == ((time(8), time(12)), (time(13), time(17)))
    assert info.reason == "make-up working day (调休) for National Day"


def test_an_ordinary_weekend_and_weekday():
    calendar = china()
    assert calendar.day(date(2026, 10, 17)).reason == "weekend"
    assert calendar.day(date(2026, 10, 16)).reason == "weekday"


def test_a_ticket_before_national_day_falls_due_after_it():
    calendar = china()
    due = calendar.add(at("2026-09-30 16:00"), timedelta(hours=2))
    assert due == at("2026-10-08 09:00")
    assert calendar.between(at("2026-09-30 16:00"), due) == timedelta(hours=2)
    assert calendar.next_opening(at("2026-10-03 10:00")) == at("2026-10-08 08:00")


def test_a_target_reached_at_closing_time_is_due_at_closing_time():
    assert china().add(at("2026-11-30 15:00"), timedelta(hours=2)) == at("2026-11-30 17:00")


def test_2027_is_unknown_without_the_file():
    with pytest.raises(CalendarUnknown) as info:
        china().day(date(2027, 3, 1))
    assert "2027-03-01" in str(info.value)
    with pytest.raises(CalendarUnknown):
        china().add(at("2026-12-31 16:00"), timedelta(hours=2))


def test_the_last_day_of_a_known_year_does_not_need_the_next():
    assert china().add(at("2026-12-31 09:00"), timedelta(hours=2)) == at("2026-12-31 11:00")
    assert china().is_open(at("2026-12-31 16:59"))


def test_a_complete_year_in_the_file_makes_it_known():
    calendar = china("2027-01-01 holiday New Year's Day\n"
                     "2027-02-06 workday Spring Festival make-up  # a Saturday\n"
                     "2027 complete\n")
    assert calendar.day(date(2027, 1, 1)).reason == "file: holiday: New Year's Day"
    assert calendar.day(date(2027, 3, 1)).reason == "weekday"
    saturday = calendar.day(date(2027, 2, 6))
    assert saturday.working and saturday.periods == ((time(8), time(17)),)
    assert calendar.add(at("2026-12-31 16:00"), timedelta(hours=2)) == at("2027-01-04 09:00")


def test_a_file_line_alone_covers_only_its_own_date():
    calendar = china("2027-01-01 holiday New Year's Day\n")
    assert not calendar.day(date(2027, 1, 1)).working
    with pytest.raises(CalendarUnknown):
        calendar.day(date(2027, 1, 4))


def test_the_file_overrides_the_package():
    calendar = china("2026-10-08 holiday extended National Day\n"
                     "2026-10-07 workday 09:00-12:00 on call\n")
    assert calendar.day(date(2026, 10, 8)).reason == "file: holiday: extended National Day"
    assert calendar.day(date(2026, 10, 7)).periods == ((time(9), time(12)),)
    assert calendar.add(at("2026-09-30 16:00"), timedelta(hours=2)) == at("2026-10-07 10:00")


def test_calendar_none_has_no_holidays_and_knows_every_year():
    calendar = BusinessCalendar(DEFAULT_HOURS, SHANGHAI)
    assert calendar.day(date(2026, 10, 1)).working
    assert calendar.day(date(2031, 10, 1)).working


def test_a_desk_that_never_opens_is_an_error_not_a_hang():
    closed = BusinessCalendar(parse_service_hours(""), SHANGHAI)
    with pytest.raises(NeverOpen):
        closed.add(at("2026-01-01 00:00"), MINUTE)
    with pytest.raises(NeverOpen):
        closed.subtract(at("2026-01-01 00:00"), MINUTE)


def test_a_spring_forward_day_loses_the_skipped_hour():
    zone = ZoneInfo("America/New_York")
    calendar = BusinessCalendar(parse_service_hours("sun 01:00-04:00"), zone)
    # 2026-03-08: 02:00 becomes 03:00, so 01:00-04:00 holds two hours.
    assert calendar.between(at("2026-03-08 00:00", zone),
                            at("2026-03-09 00:00", zone)) == timedelta(hours=2)


def test_a_fall_back_day_counts_the_repeated_hour_twice():
    zone = ZoneInfo("Europe/Berlin")
    calendar = BusinessCalendar(parse_service_hours("sun 02:00-04:00"), zone)
    # 2026-10-25: 03:00 goes back to 02:00, so 02:00-04:00 lasts three hours.
    assert calendar.between(at("2026-10-25 00:00", zone),
                            at("2026-10-26 00:00", zone)) == timedelta(hours=3)


# -- the file's format -----------------------------------------------------------------


def test_a_range_and_comments():
    parsed = parse_calendar_file("# holidays\n\n2027-10-01..2027-10-07 holiday National Day\n")
    assert len(parsed.entries) == 7
    assert parsed.entries[date(2027, 10, 3)].note == "National Day"


@pytest.mark.parametrize("text, line, fragment", [
    ("2027-01-01 holliday New Year", 1, "'holiday' or 'workday'"),
    ("# ok\n2027-02-30 holiday", 2, "no such date"),
    ("2027-01-05..2027-01-01 holiday", 1, "a range goes forward"),
    ("2027-01-01 holiday\n2027-01-01 workday", 2, "already listed on line 1"),
    ("2027-01-01 holiday 08:00-12:00", 1, "only a workday has hours"),
    ("2027-01-02 workday 18:00-08:00", 1, "hours such as"),
    ("2027 done", 1, "YYYY complete"),
    ("01/02/2027 holiday", 1, "expected a date"),
])
def test_a_bad_line_is_named(text, line, fragment):
    with pytest.raises(CalendarFileError) as info:
        parse_calendar_file(text)
    assert info.value.line == line
    assert fragment in str(info.value)


# -- the calendar of the ini file ------------------------------------------------------


def test_the_live_calendar_follows_its_file_and_keeps_the_last_good_one(tmp_path):
    from pyramid_helpdesk.sla.calendar import LiveCalendar

    path = tmp_path / "calendar.txt"
    path.write_text("2026-11-30 holiday Closed for moving\n", encoding="utf-8")
    live = LiveCalendar(DEFAULT_HOURS, SHANGHAI, "cn", str(path))
    assert not live.day(date(2026, 11, 30)).working

    path.write_text("2026-12-01 holiday Closed for moving, again\n", encoding="utf-8")
    assert live.day(date(2026, 11, 30)).working
    assert not live.day(date(2026, 12, 1)).working

    path.write_text("2026-12-01 holliday\n", encoding="utf-8")  # broken by hand
    assert not live.day(date(2026, 12, 1)).working
    assert live.file_text() == "2026-12-01 holiday Closed for moving, again\n"
