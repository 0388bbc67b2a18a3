"""When a ticket is due: 2 hours of service time after it was created."""
import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from pyramid_helpdesk.sla.hours import parse_service_hours
from pyramid_helpdesk.staff.targets import due_at, latest_creation_due_by

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = parse_service_hours("mon-fri 08:00-17:00")
LUNCH = parse_service_hours("mon-fri 08:00-12:00 13:00-17:00; sat 09:00-12:00")
ALWAYS = parse_service_hours("mon-sun 00:00-24:00")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize("hours, created, due", [
    (WEEKDAYS, "2026-11-30 10:00", "2026-11-30 12:00"),  # Monday morning
    (WEEKDAYS, "2026-11-30 16:30", "2026-12-01 09:30"),  # half an hour left on Monday
    (WEEKDAYS, "2026-12-04 18:00", "2026-12-07 10:00"),  # Friday evening -> Monday
    (WEEKDAYS, "2026-12-05 11:00", "2026-12-07 10:00"),  # Saturday
    (LUNCH, "2026-11-30 11:30", "2026-11-30 14:30"),  # the lunch break does not count
    (LUNCH, "2026-12-05 11:00", "2026-12-07 09:00"),  # an hour on Saturday, then Monday
    (ALWAYS, "2026-12-06 23:00", "2026-12-07 01:00"),  # across midnight, 24:00 periods
])
def test_a_ticket_is_due_two_service_hours_after_it_was_created(hours, created, due):
    assert due_at(local(created), hours, SHANGHAI) == local(due)


def test_a_desk_that_never_opens_has_no_due_times():
    closed = parse_service_hours("")
    moment = local("2026-11-30 10:00")
    assert due_at(moment, closed, SHANGHAI) is None
    assert latest_creation_due_by(moment, closed, SHANGHAI) is None


@pytest.mark.parametrize("hours", [WEEKDAYS, LUNCH, ALWAYS], ids=["weekdays", "lunch", "always"])
def test_the_latest_creation_due_by_a_deadline_is_exact(hours):
    """due_at(c) <= d exactly when c <= latest_creation_due_by(d): the lists can ask
    the database for tickets due by a deadline as a range of creation times."""
    chooser = random.Random(20261130)
    start = datetime(2026, 11, 27, tzinfo=timezone.utc)
    for _ in range(300):
        deadline = start + timedelta(minutes=chooser.randrange(14 * 24 * 60))
        latest = latest_creation_due_by(deadline, hours, SHANGHAI)
        assert due_at(latest, hours, SHANGHAI) <= deadline
        for minutes in (1, 17, 240):
            later = latest + timedelta(minutes=minutes)
            assert due_at(later, hours, SHANGHAI) > deadline
            assert due_at(latest - timedelta(minutes=minutes), hours, SHANGHAI) <= deadline
