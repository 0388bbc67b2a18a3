"""/staff/calendar: staff read the business calendar, an admin edits its file."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pyramid_helpdesk.sla import views
from pyramid_helpdesk.sla.calendar_file import text_version
from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back

FIRST_TEXT = "# our own days\n2026-10-09 holiday Institute anniversary\n"


@pytest.fixture(scope="module")
def calendar_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("calendar")


@pytest.fixture(scope="module")
def calendar_app(helpdesk_engine, helpdesk_database_url, calendar_dir):
    """An app whose ini names a calendar file."""
    (calendar_dir / "calendar.txt").write_text(FIRST_TEXT, encoding="utf-8")
    settings = make_test_settings(helpdesk_database_url, str(calendar_dir),
                                  **{"helpdesk.plugins": "web",
                                     "helpdesk.calendar.file": "calendar.txt"})
    return build_app(settings, helpdesk_engine)


@pytest.fixture
def desk(calendar_app, helpdesk_engine, calendar_dir, monkeypatch):
    """The calendar app on Monday 2026-09-28, 20:00 in Shanghai (the desk is closed);
    the calendar file back to its first text after each test."""
    monkeypatch.setattr(views, "utcnow",
                        lambda: datetime(2026, 9, 28, 12, 0, tzinfo=timezone.utc))
    with rolled_back(calendar_app, helpdesk_engine) as harness:
        harness.person("agent@example.org", "agent")
        harness.person("admin@example.org", "admin")
        harness.person("user@example.org")
        yield harness
    (calendar_dir / "calendar.txt").write_text(FIRST_TEXT, encoding="utf-8")


def row(page, day: str):
    return page.html.find("tr", id=f"day-{day}")


def test_an_agent_reads_the_next_60_days_and_the_file_but_cannot_edit(desk):
    desk.login("agent@example.org")
    page = desk.app.get("/staff/calendar")
    assert "08:00-17:00" in page.html.find("section", class_="calendar-hours").text
    assert "Tuesday 2026-09-29 08:00" in page.html.find(class_="calendar-opening").text
    national_day = row(page, "2026-10-01")
    assert "closed" in national_day.text and "holiday: National Day" in national_day.text
    make_up = row(page, "2026-10-10")
    assert "working" in make_up.text and "make-up working day for National Day" in make_up.text
    own = row(page, "2026-10-09")
    assert "holiday: Institute anniversary (calendar file)" in own.text
    assert len(page.html.find("table", class_="calendar-days").find_all("tr", id=True)) == 60
    assert page.html.find("textarea") is None
    assert "Institute anniversary" in page.html.find("pre", class_="calendar-text").text
    assert page.html.find("nav", class_="console").find("a", string="Calendar")
    desk.app.post("/staff/calendar", {"text": "", "version": text_version(FIRST_TEXT),
                                      "csrf_token": desk.csrf_token("/staff/calendar")},
                  status=403)


def test_a_requester_may_not_see_the_calendar_page(desk):
    desk.login("user@example.org")
    desk.app.get("/staff/calendar", status=403)


def test_an_admin_saves_a_holiday_and_every_page_follows_the_file(desk, calendar_dir):
    desk.login("admin@example.org")
    page = desk.app.get("/staff/calendar")
    form = page.forms["calendar-form"]
    assert form["text"].value == FIRST_TEXT
    form["text"] = FIRST_TEXT + "2026-09-30 workday 08:00-12:00 half day before the holiday\r\n"
    saved = form.submit(status=303).follow()
    assert "Calendar saved." in saved.text
    assert "08:00-12:00" in row(saved, "2026-09-30").text
    assert "other hours: half day before the holiday" in row(saved, "2026-09-30").text
    written = (calendar_dir / "calendar.txt").read_text(encoding="utf-8")
    assert written.endswith("2026-09-30 workday 08:00-12:00 half day before the holiday\n")
    assert not [name for name in calendar_dir.iterdir() if name.name.startswith(".calendar-")]
    assert desk.registry.helpdesk_calendar.current().day(
        datetime(2026, 9, 30).date()).periods[0][1].hour == 12


def test_a_bad_line_is_refused_with_its_number_and_the_text_kept(desk, calendar_dir):
    desk.login("admin@example.org")
    form = desk.app.get("/staff/calendar").forms["calendar-form"]
    form["text"] = "2026-12-24 holiday Winter break\n2026-12-32 holiday\n"
    refused = form.submit(status=400)
    assert "Line 2: no such date: 2026-12-32" in refused.html.find(id="calendar-error").text
    assert refused.html.find("textarea")["aria-invalid"] == "true"
    assert "Winter break" in refused.html.find("textarea").text
    assert (calendar_dir / "calendar.txt").read_text(encoding="utf-8") == FIRST_TEXT


def test_a_second_admin_saving_an_old_copy_is_told_and_keeps_the_text(desk, calendar_dir):
    desk.login("admin@example.org")
    form = desk.app.get("/staff/calendar").forms["calendar-form"]
    (calendar_dir / "calendar.txt").write_text(FIRST_TEXT + "2026-10-12 holiday\n",
                                               encoding="utf-8")
    form["text"] = "2026-10-13 holiday Mine\n"
    refused = form.submit(status=409)
    assert "Someone saved the calendar file" in refused.text
    assert "Mine" in refused.html.find("textarea").text


def test_days_of_an_unpublished_year_are_marked_unknown(desk, monkeypatch):
    monkeypatch.setattr(views, "utcnow",
                        lambda: datetime(2026, 12, 20, 2, 0, tzinfo=timezone.utc))
    desk.login("agent@example.org")
    page = desk.app.get("/staff/calendar")
    assert "working" in row(page, "2026-12-31").text
    unknown = row(page, "2027-01-04")
    assert "unknown" in unknown.text and "no calendar data for 2027" in unknown.text


def test_the_page_in_chinese(desk):
    desk.login("agent@example.org")
    page = desk.app.get("/staff/calendar", headers={"Accept-Language": "zh-CN"})
    assert "国庆节" in row(page, "2026-10-01").text
    assert "星期四" in row(page, "2026-10-01").text


def test_a_save_without_the_csrf_token_changes_nothing(desk, calendar_dir):
    desk.login("admin@example.org")
    desk.app.post("/staff/calendar", {"text": "2026-10-12 holiday\n",
                                      "version": text_version(FIRST_TEXT)}, status=400)
    assert (calendar_dir / "calendar.txt").read_text(encoding="utf-8") == FIRST_TEXT
