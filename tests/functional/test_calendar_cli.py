"""``helpdesk calendar``: an operator checks the business calendar they configured."""
from __future__ import annotations

import pytest


def test_national_day_is_a_holiday_and_its_make_up_saturday_a_working_day(offline):
    assert offline.ok("calendar", "day", "2026-10-01") == \
        "2026-10-01 Thursday: closed (holiday: National Day)\n"
    assert offline.ok("calendar", "day", "2026-10-10") == (
        "2026-10-10 Saturday: working 08:00-17:00 "
        "(make-up working day (调休) for National Day)\n")
    assert offline.ok("calendar", "day", "2026-10-17") == "2026-10-17 Saturday: closed (weekend)\n"


def test_a_target_started_before_national_day_falls_due_after_it(offline):
    assert offline.ok("calendar", "add", "2026-09-30 16:00", "2h") == \
        "2026-10-08 09:00 Thursday (Asia/Shanghai)\n"
    assert offline.ok("calendar", "add", "2026-11-30 16:30", "1h30m") == \
        "2026-12-01 09:00 Tuesday (Asia/Shanghai)\n"


def test_times_are_local_to_the_configured_zone_and_hours(offline):
    config = offline.write_ini("berlin.ini", helpdesk__timezone="Europe/Berlin",
                               helpdesk__calendar="none",
                               helpdesk__service_hours="mon-fri 09:00-12:00 13:00-17:00")
    assert offline.ok("calendar", "add", "2026-10-02 11:00", "90m", config=config) == \
        "2026-10-02 13:30 Friday (Europe/Berlin)\n"
    assert offline.ok("calendar", "day", "2026-10-01", config=config) == \
        "2026-10-01 Thursday: working 09:00-12:00 13:00-17:00 (weekday)\n"


def test_an_unpublished_year_is_reported_not_guessed(offline):
    line = offline.fails("calendar", "add", "2026-12-31 16:00", "2h")
    assert line.startswith("Error: the calendar has no data for 2027-01-01")


def test_the_calendar_file_covers_a_year_the_package_does_not_know(offline):
    (offline.directory / "calendar.txt").write_text(
        "# 2027, before it is published\n"
        "2027-01-01 holiday New Year's Day\n"
        "2027 complete\n", encoding="utf-8")
    config = offline.write_ini("file.ini", helpdesk__calendar__file="calendar.txt")
    assert offline.ok("calendar", "day", "2027-01-01", config=config) == \
        "2027-01-01 Friday: closed (file: holiday: New Year's Day)\n"
    assert offline.ok("calendar", "add", "2026-12-31 16:00", "2h", config=config) == \
        "2027-01-04 09:00 Monday (Asia/Shanghai)\n"


def test_a_broken_calendar_file_is_one_line_naming_the_key_and_the_line(offline):
    (offline.directory / "calendar.txt").write_text("2027-01-01 holiday\nnonsense\n",
                                                    encoding="utf-8")
    config = offline.write_ini("file.ini", helpdesk__calendar__file="calendar.txt")
    line = offline.fails("calendar", "day", "2026-10-01", config=config)
    assert line.startswith("helpdesk: setting helpdesk.calendar.file: ")
    assert "line 2: expected a date" in line


@pytest.mark.parametrize("args, fragment", [
    (("add", "2026-09-30 16:00", "2 hours"), "expected a duration such as 2h"),
    (("day", "2026-13-01"), "Invalid value"),
])
def test_bad_arguments_are_refused(offline, args, fragment):
    done = offline.run("calendar", *args)
    assert done.returncode == 2
    assert fragment in done.stderr
