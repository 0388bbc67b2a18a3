"""The portal's home page shows the service hours and, when closed, the next opening."""
from __future__ import annotations

from datetime import datetime, timezone

from pyramid_helpdesk import home


def at_utc(*args):
    return lambda: datetime(*args, tzinfo=timezone.utc)


def service(page):
    return page.html.find("section", class_="service-hours")


def test_a_visitor_on_a_saturday_sees_the_hours_and_when_the_desk_opens(helpdesk, monkeypatch):
    monkeypatch.setattr(home, "utcnow", at_utc(2026, 11, 28, 4, 0))  # Saturday 12:00 local
    section = service(helpdesk.app.get("/"))
    assert "Monday–Friday 08:00-17:00" in section.text
    assert "(Asia/Shanghai)" in section.text
    assert section.find(class_="service-opening").text.split() == [
        "We", "are", "closed", "now", "and", "open", "again", "on", "Monday", "2026-11-30",
        "08:00."]


def test_during_service_hours_no_opening_is_announced(helpdesk, monkeypatch):
    monkeypatch.setattr(home, "utcnow", at_utc(2026, 11, 30, 2, 0))  # Monday 10:00 local
    section = service(helpdesk.app.get("/"))
    assert "08:00-17:00" in section.text
    assert section.find(class_="service-opening") is None


def test_during_national_day_the_desk_opens_after_the_holiday(helpdesk, staff, monkeypatch):
    monkeypatch.setattr(home, "utcnow", at_utc(2026, 10, 2, 2, 0))  # Friday 10:00, a holiday
    helpdesk.login("user@example.org")
    opening = service(helpdesk.app.get("/")).find(class_="service-opening")
    assert "Thursday 2026-10-08 08:00" in opening.text


def test_the_service_hours_in_chinese(helpdesk, monkeypatch):
    monkeypatch.setattr(home, "utcnow", at_utc(2026, 10, 2, 2, 0))
    section = service(helpdesk.app.get("/", headers={"Accept-Language": "zh-CN"}))
    assert "星期一至星期五 08:00-17:00" in section.text
    assert "我们将于 2026-10-08（星期四）08:00 恢复服务" in section.text
