"""Service-level targets: each ticket's policy and due times, the clock stopped while
it waits for the requester, and the worker's check firing ``helpdesk_sla_warning``
and ``helpdesk_sla_breached`` once each, mailed to the holder and the person on duty.

The desk works Monday to Friday 08:00-17:00 in Asia/Shanghai; 2 March 2026 is a
Monday and a working day of the PRC calendar.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from pyramid_helpdesk.duty.services import set_override
from pyramid_helpdesk.notifications.models import Notification
from pyramid_helpdesk.settings import SettingsError, parse_settings
from pyramid_helpdesk.sla.check import check_targets
from pyramid_helpdesk.sla.clock import calendar_for
from pyramid_helpdesk.testing import TEST_SECRET, build_app, make_test_settings, rolled_back
from pyramid_helpdesk.tickets.models import EventKind, TicketEvent, TicketStatus
from pyramid_helpdesk.tickets.services import TicketService

ZONE = ZoneInfo("Asia/Shanghai")
TARGETS = """
    priority=urgent resolution=1h first_response=15m
    category=network resolution=4h
    group=Printing resolution=1d
    default resolution=2h
"""


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in March 2026."""
    return datetime(2026, 3, day, hour, minute, tzinfo=ZONE)


@pytest.fixture
def desk(helpdesk_engine, helpdesk_database_url, tmp_path):
    settings = make_test_settings(helpdesk_database_url, str(tmp_path), **{
        "helpdesk.plugins": "web", "helpdesk.sla.targets": TARGETS,
        "helpdesk.timezone": "Asia/Shanghai"})
    with rolled_back(build_app(settings, helpdesk_engine), helpdesk_engine) as harness:
        harness.agent = harness.person("agent@example.org", "agent")
        harness.firstline = harness.person("firstline@example.org", "agent", locale="zh_CN")
        harness.group("First line", harness.firstline, first_line=True)
        harness.printing = harness.group("Printing", harness.agent)
        harness.user = harness.person("user@example.org")
        yield harness


def service(desk, moment: datetime) -> TicketService:
    """The lifecycle service with its clock stopped at ``moment``."""
    return TicketService(desk.dbsession, desk.settings, desk.plugins, clock=lambda: moment)


def new_ticket(desk, moment, **kwargs):
    ticket = service(desk, moment).create(requester=desk.user, subject="Printer jam",
                                          channel="staff", **kwargs)
    desk.dbsession.flush()
    return ticket


def check(desk, moment):
    report = check_targets(desk.dbsession, calendar_for(desk.settings), desk.settings,
                           desk.plugins, moment.astimezone(ZONE))
    desk.dbsession.flush()
    return report


def sla_events(desk, ticket):
    return desk.dbsession.execute(select(TicketEvent.kind, TicketEvent.detail).where(
        TicketEvent.ticket_id == ticket.id,
        TicketEvent.kind.in_([EventKind.sla_warning, EventKind.sla_breached]))
        .order_by(TicketEvent.id)).all()


# -- policies -----------------------------------------------------------------------


def test_the_first_matching_policy_sets_the_due_times(desk):
    normal = new_ticket(desk, at(2, 9))
    urgent = new_ticket(desk, at(2, 9), priority="urgent", category="network")
    network = new_ticket(desk, at(2, 9), category="network")

    assert (normal.sla_policy, normal.due_at, normal.first_response_due_at) == (
        "default", at(2, 11), None)
    assert (urgent.sla_policy, urgent.due_at, urgent.first_response_due_at) == (
        "priority=urgent", at(2, 10), at(2, 9, 15))
    assert (network.sla_policy, network.due_at) == ("category=network", at(2, 13))


def test_a_ticket_sent_to_a_group_with_its_own_policy_is_due_by_that_policy(desk):
    ticket = new_ticket(desk, at(2, 9))
    service(desk, at(2, 9, 30)).dispatch(ticket, actor=desk.firstline, group=desk.printing)
    # 24 business hours from Monday 09:00: 8 on Monday, 9 on Tuesday, 7 on Wednesday.
    assert (ticket.sla_policy, ticket.due_at) == ("group=Printing", at(4, 15))


def test_a_ticket_created_after_hours_is_due_after_the_next_opening(desk):
    ticket = new_ticket(desk, at(6, 18, 30))  # Friday evening
    assert ticket.due_at == at(9, 10)  # Monday 08:00 + 2h


def test_a_higher_priority_brings_the_due_time_forward_from_the_creation(desk):
    ticket = new_ticket(desk, at(2, 9))
    service(desk, at(2, 9, 5)).change(ticket, actor=desk.firstline, priority="urgent")
    assert (ticket.sla_policy, ticket.due_at, ticket.first_response_due_at) == (
        "priority=urgent", at(2, 10), at(2, 9, 15))


def test_a_wrong_policy_line_stops_start_up_naming_the_line():
    with pytest.raises(SettingsError) as refused:
        parse_settings({"helpdesk.session.secret": TEST_SECRET, "helpdesk.sla.targets":
                        "default resolution=2h\npriority=soon resolution=1h"})
    assert str(refused.value).startswith("setting helpdesk.sla.targets: expected priority=")
    assert "'priority=soon resolution=1h'" in str(refused.value)


# -- the clock ----------------------------------------------------------------------


def test_waiting_for_the_requester_stops_the_clock_and_resolution_counts_business_time(desk):
    ticket = new_ticket(desk, at(2, 9))
    service(desk, at(2, 10)).set_pending(ticket, actor=desk.firstline)
    assert ticket.sla_paused_since == at(2, 10)

    service(desk, at(2, 14)).reply(ticket, author=desk.user, body="Here is the serial number.")
    assert ticket.status is TicketStatus.open and ticket.sla_paused_since is None
    assert ticket.due_at == at(2, 15)  # one hour run, one to go

    service(desk, at(2, 15, 30)).resolve(ticket, actor=desk.firstline)
    assert ticket.resolution_business_seconds == int(2.5 * 3600)

    service(desk, at(3, 9)).reopen(ticket, actor=desk.user)  # Tuesday: the clock runs again
    assert ticket.resolution_business_seconds is None
    assert ticket.due_at == at(3, 8, 30)  # half an hour of business time late
    service(desk, at(3, 10)).resolve(ticket, actor=desk.firstline)
    assert ticket.resolution_business_seconds == int(3.5 * 3600)


def test_the_first_staff_reply_stores_its_business_time(desk):
    ticket = new_ticket(desk, at(6, 16, 50))  # Friday, ten minutes before closing
    service(desk, at(9, 8, 20)).reply(ticket, author=desk.firstline, body="Looking at it.")
    assert ticket.first_response_business_seconds == 30 * 60
    service(desk, at(9, 9)).reply(ticket, author=desk.firstline, body="Fixed?")
    assert ticket.first_response_business_seconds == 30 * 60


def test_without_calendar_data_the_due_time_stays_empty_and_the_list_says_so(desk, caplog):
    ticket = new_ticket(desk, datetime(2099, 3, 2, 9, tzinfo=ZONE))
    assert (ticket.sla_policy, ticket.due_at) == ("default", None)
    assert "has no due time: the calendar has no data for 2099-03-02" in caplog.text
    desk.login("firstline@example.org")
    page = desk.app.get("/staff/unprocessed")
    assert ticket.number in page.text and "无日历数据" in page.text  # first line reads Chinese


# -- the check ----------------------------------------------------------------------


def test_the_check_warns_then_breaches_each_once_and_tells_holder_and_duty(desk):
    set_override(desk.dbsession, at(2, 0).date(), desk.firstline)
    ticket = new_ticket(desk, at(2, 9))
    service(desk, at(2, 9, 1)).dispatch(ticket, actor=desk.firstline, person=desk.agent)
    waiting = new_ticket(desk, at(2, 9))
    service(desk, at(2, 9, 2)).set_pending(waiting, actor=desk.firstline)

    with desk.recording_hooks() as calls:
        assert check(desk, at(2, 10, 20)).warnings == 0
        assert check(desk, at(2, 10, 35)).warnings == 1
        assert check(desk, at(2, 10, 40)).warnings == 0
        assert check(desk, at(2, 11)).breaches == 1
        assert check(desk, at(2, 11, 30)).breaches == 0
    fired = [(name, kwargs["target"], kwargs["due_at"]) for name, kwargs in calls
             if name.startswith("helpdesk_sla_")]
    assert fired == [("helpdesk_sla_warning", "resolution", at(2, 11)),
                     ("helpdesk_sla_breached", "resolution", at(2, 11))]
    assert [kind for kind, _detail in sla_events(desk, ticket)] == [
        EventKind.sla_warning, EventKind.sla_breached]
    assert sla_events(desk, waiting) == []  # its clock is stopped
    assert (ticket.sla_warned_at, ticket.sla_breached_at) == (at(2, 10, 35), at(2, 11))

    mails = desk.dbsession.execute(select(Notification.kind, Notification.recipient,
                                          Notification.subject).where(
        Notification.ticket_id == ticket.id, Notification.kind.like("sla_%"))
        .order_by(Notification.id)).all()
    assert [(kind, recipient) for kind, recipient, _ in mails] == [
        ("sla_warning", "agent@example.org"), ("sla_warning", "firstline@example.org"),
        ("sla_breached", "agent@example.org"), ("sla_breached", "firstline@example.org")]
    assert mails[2].subject == f"Overdue: [{ticket.number}] Printer jam"
    assert ticket.number in mails[3].subject and "Printer jam" in mails[3].subject
    assert mails[3].subject != mails[2].subject  # the person on duty reads Chinese


def test_a_missed_first_response_is_breached_once(desk):
    ticket = new_ticket(desk, at(2, 9), priority="urgent")
    assert check(desk, at(2, 9, 20)).breaches == 1
    assert ticket.first_response_breached_at == at(2, 9, 20)
    assert check(desk, at(2, 9, 25)).breaches == 0
    assert [detail["target"] for _kind, detail in sla_events(desk, ticket)] == [
        "first_response"]


def test_the_lists_show_overdue_tickets_from_the_stored_due_time(desk):
    late = new_ticket(desk, datetime.now(ZONE) - timedelta(days=10))
    check(desk, datetime.now(ZONE))
    desk.login("firstline@example.org")
    page = desk.app.get("/staff/unprocessed", {"due": "past"})
    assert late.number in page.text and 'class="badge overdue"' in page.text
    home = desk.app.get("/staff")
    assert home.status_int == 200


@pytest.mark.postgresql_only
def test_two_checks_on_postgresql_never_fire_for_the_same_ticket(
        helpdesk_app, helpdesk_engine, helpdesk_database_url):
    if not helpdesk_database_url.startswith("postgresql"):
        pytest.skip("row locking (SKIP LOCKED) needs PostgreSQL")
    from sqlalchemy.orm import Session

    from pyramid_helpdesk.people.services import create_person
    from pyramid_helpdesk.testing import delete_all_rows

    settings = helpdesk_app.registry.helpdesk_settings
    plugins = helpdesk_app.registry.helpdesk_plugins
    calendar = calendar_for(settings)
    try:
        with Session(helpdesk_engine) as setup, setup.begin():
            user = create_person(setup, "user@example.org", name="User")
            TicketService(setup, settings, plugins, clock=lambda: at(2, 9)).create(
                requester=user, subject="Printer jam", channel="staff")
        with Session(helpdesk_engine) as first, Session(helpdesk_engine) as second:
            with first.begin():
                assert check_targets(first, calendar, settings, plugins, at(2, 11)).breaches == 1
                with second.begin():  # while the first holds the row: skipped
                    assert check_targets(second, calendar, settings, plugins,
                                         at(2, 11)).breaches == 0
            with second.begin():  # after the first committed: already marked
                assert check_targets(second, calendar, settings, plugins,
                                     at(2, 11, 5)).breaches == 0
        with Session(helpdesk_engine) as reader:
            assert reader.scalar(select(func.count()).select_from(TicketEvent).where(
                TicketEvent.kind == EventKind.sla_breached)) == 1
    finally:
        delete_all_rows(helpdesk_engine)


def test_the_worker_command_fires_a_breach_once_and_mails_it(tmp_path):
    from sqlalchemy.orm import Session

    from pyramid_helpdesk.db import get_engine
    from pyramid_helpdesk.groups.services import add_member, create_group
    from pyramid_helpdesk.people.models import Role
    from pyramid_helpdesk.people.services import create_person

    from .test_worker import helpdesk_command

    url = f"sqlite:///{tmp_path / 'helpdesk.sqlite'}"
    settings = make_test_settings(url, str(tmp_path), **{"helpdesk.calendar": "none"})
    ini = tmp_path / "helpdesk.ini"
    ini.write_text("[app:main]\nuse = egg:pyramid_helpdesk\n" + "".join(
        f"{key} = {value}\n" for key, value in settings.items() if key != "here"))
    done = helpdesk_command(ini, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    engine = get_engine({"sqlalchemy.url": url})
    try:
        app = build_app(settings, engine)
        with Session(engine) as session, session.begin():
            user = create_person(session, "user@example.org", name="User")
            agent = create_person(session, "firstline@example.org", name="Agent", role=Role.agent)
            add_member(session, create_group(session, "First line", first_line=True), agent)
            TicketService(session, app.registry.helpdesk_settings, app.registry.helpdesk_plugins,
                          clock=lambda: at(2, 9)).create(requester=user, subject="Printer jam",
                                                         channel="staff")
        for _ in range(2):
            done = helpdesk_command(ini, "worker", "--once")
            assert done.returncode == 0, done.stderr
        with Session(engine) as session:
            kinds = session.scalars(select(TicketEvent.kind).where(
                TicketEvent.kind.in_([EventKind.sla_warning, EventKind.sla_breached]))).all()
            sent = session.scalars(select(Notification.recipient).where(
                Notification.kind == "sla_breached")).all()
        assert kinds == [EventKind.sla_breached]  # long past: no warning, one breach
        assert sent == ["firstline@example.org"]  # the holding group's member
        assert len(list((tmp_path / "mail").glob("*-sla_breached.eml"))) == 1
    finally:
        engine.dispose()
