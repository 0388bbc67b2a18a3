"""The roster's date arithmetic: Mondays, local midnights, rotations, extensions."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from pyramid_helpdesk.duty.services import local_midnight, monday_of, office_extension, rotation

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("day, monday", [
    (date(2026, 11, 30), date(2026, 11, 30)),  # a Monday is its own week's start
    (date(2026, 12, 6), date(2026, 11, 30)),   # Sunday belongs to the week before
    (date(2027, 1, 1), date(2026, 12, 28)),    # across the year's end
])
def test_each_day_belongs_to_the_week_of_its_monday(day, monday):
    assert monday_of(day) == monday


def test_a_local_midnight_in_shanghai_is_four_pm_utc_the_day_before():
    midnight = local_midnight(date(2026, 11, 30), SHANGHAI)
    assert midnight.astimezone(timezone.utc) == datetime(2026, 11, 29, 16, 0, tzinfo=timezone.utc)


def test_a_rotation_takes_people_in_order_and_starts_again_from_the_first():
    weeks = rotation(date(2026, 11, 30), 5, ["ann", "bo", "cy"])
    assert weeks == [(date(2026, 11, 30), "ann"), (date(2026, 12, 7), "bo"),
                     (date(2026, 12, 14), "cy"), (date(2026, 12, 21), "ann"),
                     (date(2026, 12, 28), "bo")]


@pytest.mark.parametrize("phone, extension", [
    ("8123", "8123"),
    ("  42 ", "42"),
    ("+86 10 5555 0100 ext. 8123", "8123"),
    ("010-5555 0100 x 77", "77"),
    ("010-55550100 转 8123", "8123"),
    ("+86 138 0000 0000", None),   # a full number (maybe a mobile) is never published
    ("", None),
])
def test_only_an_office_extension_is_read_from_the_phone_field(phone, extension):
    assert office_extension(phone) == extension
