"""Report periods: local days, half-open, presets seen from a given day."""
from datetime import date, datetime, timezone

from pyramid_helpdesk.reports.periods import Period, RangeForm, preset_period

from .conftest import SHANGHAI


def test_a_period_runs_from_local_midnight_to_the_midnight_after_its_last_day():
    period = Period(date(2026, 11, 1), date(2026, 11, 30), SHANGHAI)
    assert period.start == datetime(2026, 10, 31, 16, 0, tzinfo=timezone.utc)
    assert period.end == datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)
    assert period.days == 30


def test_presets():
    sunday = date(2026, 11, 29)
    week = preset_period("this_week", sunday, SHANGHAI)
    assert (week.first_day, week.last_day) == (date(2026, 11, 23), date(2026, 11, 29))
    january = preset_period("last_month", date(2027, 1, 15), SHANGHAI)
    assert (january.first_day, january.last_day) == (date(2026, 12, 1), date(2026, 12, 31))
    year = preset_period("this_year", sunday, SHANGHAI)
    assert (year.first_day, year.last_day) == (date(2026, 1, 1), date(2026, 12, 31))
    last_30 = preset_period("last_30_days", sunday, SHANGHAI)
    assert (last_30.first_day, last_30.last_day, last_30.days) == (
        date(2026, 10, 31), sunday, 30)


def test_the_form_defaults_to_the_last_30_days_and_refuses_bad_dates():
    today = date(2026, 11, 28)
    default = RangeForm.from_params({}, today, SHANGHAI)
    assert (default.period.first_day, default.period.last_day) == (date(2026, 10, 30), today)
    chosen = RangeForm.from_params({"from": "2026-01-01", "to": "2026-03-31"}, today, SHANGHAI)
    assert chosen.period == Period(date(2026, 1, 1), date(2026, 3, 31), SHANGHAI)
    bad = RangeForm.from_params({"from": "yesterday", "to": "0001-01-01"}, today, SHANGHAI)
    assert bad.period is None and set(bad.errors) == {"from", "to"}
    backwards = RangeForm.from_params({"from": "2026-03-01", "to": "2026-02-01"}, today,
                                      SHANGHAI)
    assert backwards.period is None and set(backwards.errors) == {"to"}
    assert backwards.values["from"] == "2026-03-01"  # what was typed is kept
