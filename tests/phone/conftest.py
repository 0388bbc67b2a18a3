"""A helpdesk with the phone-log channel active, and helpers to fill its form."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back

SECRET = "phone-system-secret-0123456789abcdef"


@pytest.fixture(scope="session")
def phone_app(helpdesk_engine, helpdesk_database_url, tmp_path_factory):
    """The app with ``helpdesk.plugins = web phone`` and the endpoint's secret."""
    settings = make_test_settings(
        helpdesk_database_url, str(tmp_path_factory.mktemp("phone-app")),
        **{"helpdesk.plugins": "web phone", "helpdesk.phone.secret": SECRET,
           "helpdesk.phone.ratelimit": "1000/minute"},
    )
    return build_app(settings, helpdesk_engine)


@pytest.fixture
def helpdesk(phone_app, helpdesk_engine):
    """The shared fixtures (``staff``) on the phone-enabled app; rolled back after."""
    with rolled_back(phone_app, helpdesk_engine) as harness:
        yield harness


def form_token(page) -> str:
    """The one-time token of a "log a call" page."""
    return re.search(r'name="token" value="([^"]+)"', page.text).group(1)


def local_input(helpdesk, moment: datetime) -> str:
    """``moment`` as the form's call-time field shows it (the helpdesk's time zone)."""
    return moment.astimezone(helpdesk.settings.timezone).strftime("%Y-%m-%dT%H:%M")


def last_open_moment(helpdesk) -> datetime:
    """A moment of the last service period (10:00 of the latest weekday before today)."""
    zone = helpdesk.settings.timezone
    day = datetime.now(zone).date() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=zone).astimezone(timezone.utc)


def last_saturday(helpdesk) -> datetime:
    """10:00 of the latest Saturday before today (the desk is closed)."""
    zone = helpdesk.settings.timezone
    day = datetime.now(zone).date() - timedelta(days=1)
    while day.weekday() != 5:
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=zone).astimezone(timezone.utc)


@pytest.fixture
def log_call(helpdesk):
    """``log_call(**fields)``: open the form, post it with these fields (a valid call
    by default, at 10:00 of the last working day); the response."""
    def post(status=303, **fields):
        page = helpdesk.app.get("/staff/calls/new")
        values = {
            "csrf_token": helpdesk.csrf_token("/staff/calls/new"), "token": form_token(page),
            "call_at": local_input(helpdesk, last_open_moment(helpdesk)), "duration": "4:30",
            "email": "user@example.org", "phone": "", "subject": "Cannot print",
            "description": "The printer on floor 2 shows an error.", "category": "",
            "priority": "normal", "cc": "", "outcome": "", "resolution": "",
            "group": "", "person": "",
        }
        values.update(fields)
        return helpdesk.app.post("/staff/calls/new", values, status=status)
    return post
