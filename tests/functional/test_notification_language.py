"""Notifications speak their reader's language.

A person whose locale is Chinese reads Simplified Chinese, any other person English;
an address without an account reads the desk's ``helpdesk.default_locale``. The
Chinese texts come from the compiled catalog ``pyramid_helpdesk.mo``, which
``make install`` builds (these tests fail without it).
"""
from __future__ import annotations

import os
from datetime import datetime
from gettext import GNUTranslations
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from pyramid_helpdesk.i18n import LOCALE_DIR, language_of
from pyramid_helpdesk.notifications.models import Notification
from pyramid_helpdesk.settings import SettingsError, parse_settings
from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back
from pyramid_helpdesk.tickets.services import TicketService

COMPILE = "make install (or: pybabel compile -d pyramid_helpdesk/locale -D pyramid_helpdesk)"


def rows_by_recipient(helpdesk, ticket, kind) -> dict[str, Notification]:
    """The ``kind`` notifications about ``ticket``, by recipient."""
    rows = helpdesk.dbsession.scalars(
        select(Notification).where(Notification.ticket_id == ticket.id,
                                   Notification.kind == kind)).all()
    return {row.recipient: row for row in rows}


def speaks_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def set_locale(helpdesk, person, locale):
    person.locale = locale
    helpdesk.dbsession.flush()


@pytest.fixture
def chinese_desk(helpdesk_engine, helpdesk_database_url, tmp_path):
    """An app whose ``helpdesk.default_locale`` is ``zh_CN``."""
    settings = make_test_settings(helpdesk_database_url, str(tmp_path), **{
        "helpdesk.plugins": "web", "helpdesk.default_locale": "zh_CN",
    })
    with rolled_back(build_app(settings, helpdesk_engine), helpdesk_engine) as harness:
        yield harness


# -- the catalog ---------------------------------------------------------------------


def test_the_compiled_chinese_catalog_translates_every_extracted_message():
    mo = os.path.join(LOCALE_DIR, "zh_CN", "LC_MESSAGES", "pyramid_helpdesk.mo")
    assert os.path.exists(mo), f"{mo} is missing: run {COMPILE}"
    with open(os.path.join(LOCALE_DIR, "pyramid_helpdesk.pot"), "rb") as pot:
        msgids = {message.id for message in read_po(pot) if message.id}
    with open(mo, "rb") as compiled:
        translations = GNUTranslations(compiled)

    untranslated = sorted(m for m in msgids if translations.gettext(m) == m)
    assert msgids and untranslated == [], f"not in {mo} (run make messages, then {COMPILE})"


@pytest.mark.parametrize("person_locale, default, expected", [
    ("zh_CN", "en", "zh_CN"), ("zh", "en", "zh_CN"), ("zh_TW", "en", "zh_CN"),
    ("en", "zh_CN", "en"), ("de_DE", "zh_CN", "en"),
    (None, "zh_CN", "zh_CN"), (None, "en", "en"), ("", "zh_CN", "zh_CN"),
])
def test_a_chinese_locale_reads_chinese_any_other_english_and_none_the_default(
        person_locale, default, expected):
    assert language_of(person_locale, default) == expected


# -- one ticket, two languages -----------------------------------------------------------


def test_a_chinese_requester_is_acknowledged_in_chinese_and_an_english_cc_in_english(
        helpdesk, staff):
    set_locale(helpdesk, staff.user, "zh_CN")
    set_locale(helpdesk, staff.other_user, "en")

    ticket = helpdesk.ticket(staff.user, subject="打印机卡纸", cc=["other-user@example.org"])

    rows = rows_by_recipient(helpdesk, ticket, "ticket_created")
    assert sorted(rows) == ["other-user@example.org", "user@example.org"]
    chinese, english = rows["user@example.org"], rows["other-user@example.org"]
    assert f"您的请求已受理，工单号 {ticket.number}。" in chinese.body
    assert "回复时请保留邮件主题不变" in chinese.body
    assert "Your request" not in chinese.body
    assert f"Your request has been received as ticket {ticket.number}." in english.body
    assert not speaks_chinese(english.body)
    for row in rows.values():
        assert row.subject == f"[{ticket.number}] 打印机卡纸"
        assert f"http://helpdesk.example.org/tickets/{ticket.number}" in row.body


def test_an_outside_address_reads_english_on_a_desk_whose_default_is_english(helpdesk, staff):
    set_locale(helpdesk, staff.user, "zh_CN")
    ticket = helpdesk.ticket(staff.user, cc=["visitor@example.net"])

    row = rows_by_recipient(helpdesk, ticket, "ticket_created")["visitor@example.net"]
    assert f"Your request has been received as ticket {ticket.number}." in row.body
    assert not speaks_chinese(row.body)


def test_an_outside_address_reads_the_desks_default_language(chinese_desk):
    desk = chinese_desk
    requester = desk.person("english-reader@example.org", locale="en")
    ticket = desk.ticket(requester, cc=["visitor@example.net"])

    rows = rows_by_recipient(desk, ticket, "ticket_created")
    assert f"您的请求已受理，工单号 {ticket.number}。" in rows["visitor@example.net"].body
    assert not speaks_chinese(rows["english-reader@example.org"].body)


def test_the_rest_of_a_tickets_life_is_told_in_each_readers_language(helpdesk, staff):
    set_locale(helpdesk, staff.user, "zh_CN")
    set_locale(helpdesk, staff.agent, "zh_CN")
    ticket = helpdesk.ticket(staff.user, subject="VPN", cc=["watcher@example.net"])
    number = ticket.number

    helpdesk.tickets.dispatch(ticket, actor=staff.coordinator, group=staff.network,
                              person=staff.agent)
    assigned = rows_by_recipient(helpdesk, ticket, "ticket_assigned")["agent@example.org"]
    assert assigned.subject == f"分派给您：[{number}] VPN"
    assert f"工单 {number} 现已分派给您处理。" in assigned.body

    helpdesk.tickets.nudge(ticket, actor=staff.coordinator)
    nudged = rows_by_recipient(helpdesk, ticket, "ticket_nudged")["agent@example.org"]
    assert nudged.subject == f"催办：[{number}] VPN"
    assert f"工单 {number} 第 1 次催办。" in nudged.body
    assert "请尽快查看并处理此工单。" in nudged.body

    helpdesk.tickets.reply(ticket, author=staff.agent, body="请重启路由器。")
    replies = rows_by_recipient(helpdesk, ticket, "message_public")
    assert sorted(replies) == ["user@example.org", "watcher@example.net"]
    assert all(row.subject == f"Re: [{number}] VPN" for row in replies.values())
    assert all("请重启路由器。" in row.body for row in replies.values())

    for change, kind, chinese, english in [
        (helpdesk.tickets.set_pending, "ticket_pending",
         f"工单 {number} 正在等待您的答复。", f"Ticket {number} is waiting for your answer."),
        (helpdesk.tickets.resolve, "ticket_resolved",
         f"工单 {number} 已解决。", f"Ticket {number} has been resolved."),
        (helpdesk.tickets.close, "ticket_closed",
         f"工单 {number} 已关闭。", f"Ticket {number} is closed."),
    ]:
        change(ticket, actor=staff.agent)
        rows = rows_by_recipient(helpdesk, ticket, kind)
        assert chinese in rows["user@example.org"].body, kind
        assert english in rows["watcher@example.net"].body, kind
        assert not speaks_chinese(rows["watcher@example.net"].body), kind

    closed = rows_by_recipient(helpdesk, ticket, "ticket_closed")
    assert closed["user@example.org"].subject == f"已关闭：[{number}] VPN"
    assert closed["watcher@example.net"].subject == f"Closed: [{number}] VPN"


def test_each_reader_still_gets_one_row_per_notifier_and_authors_are_still_left_out(
        helpdesk, staff):
    set_locale(helpdesk, staff.user, "zh_CN")
    ticket = helpdesk.ticket(staff.user, cc=["USER@example.org", "watcher@example.net",
                                              "other-user@example.org"])
    helpdesk.tickets.resolve(ticket, actor=staff.user)

    rows = rows_by_recipient(helpdesk, ticket, "ticket_resolved")
    assert sorted(rows) == ["other-user@example.org", "watcher@example.net"]


# -- after hours -------------------------------------------------------------------------


def test_an_acknowledgement_after_hours_says_in_chinese_when_service_resumes(helpdesk, staff):
    set_locale(helpdesk, staff.user, "zh_CN")
    friday_evening = datetime(2026, 12, 4, 19, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    tickets = TicketService(helpdesk.dbsession, helpdesk.settings, helpdesk.plugins,
                            clock=lambda: friday_evening)

    ticket = tickets.create(requester=staff.user, subject="VPN", channel="staff",
                            cc=["watcher@example.net"])
    helpdesk.dbsession.flush()

    rows = rows_by_recipient(helpdesk, ticket, "ticket_created")
    chinese = rows["user@example.org"].body
    assert "我们的服务时间为：周一至周五 08:00-17:00（时区：Asia/Shanghai）。" in chinese
    assert "我们将于 2026-12-07（星期一）08:00 起处理。" in chinese
    assert not any(word in chinese for word in ("service hours", "Monday", "mon-fri"))
    english = rows["watcher@example.net"].body
    assert "Our service hours are mon-fri 08:00-17:00 (Asia/Shanghai)." in english
    assert "we will handle it from Monday 2026-12-07 08:00." in english


# -- the setting -------------------------------------------------------------------------


SECRET = "a-session-secret-of-more-than-32-characters"


def test_the_default_locale_is_english_and_may_be_chinese():
    assert parse_settings({"helpdesk.session.secret": SECRET}).default_locale == "en"
    chinese = parse_settings({"helpdesk.session.secret": SECRET,
                              "helpdesk.default_locale": "zh_CN"})
    assert chinese.default_locale == "zh_CN"


@pytest.mark.parametrize("raw", ["fr", "zh", "zh-CN", "english", ""])
def test_a_default_locale_that_is_not_a_known_language_stops_start_up(raw):
    with pytest.raises(SettingsError) as info:
        parse_settings({"helpdesk.session.secret": SECRET, "helpdesk.default_locale": raw})
    message = str(info.value)
    assert "\n" not in message
    assert message == f"setting helpdesk.default_locale: expected en or zh_CN, got {raw!r}"
