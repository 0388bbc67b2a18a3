"""The summary the report page reads (counts per day, kept by database triggers) gives
the same figures as counting the tickets directly, also after tickets change long
after the day they count for, before and after the worker adds the changes up."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, insert, literal, select, text

from pyramid_helpdesk.reports import queries, summary
from pyramid_helpdesk.reports.figures import Report, build_report
from pyramid_helpdesk.reports.models import ReportChange, ReportDay, ReportMonth
from pyramid_helpdesk.reports.periods import Period
from pyramid_helpdesk.tickets.models import Rating, TicketStatus
from pyramid_helpdesk.tickets.services import TicketService

from .conftest import SHANGHAI, at, hours

UTC = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")  # summer time ends on 1 November 2026
PERIODS = [
    Period(date(2026, 11, 1), date(2026, 11, 30), SHANGHAI),  # local days: UTC edges
    Period(date(2026, 10, 20), date(2026, 12, 10), SHANGHAI),  # November from its month row
    Period(date(2026, 11, 1), date(2026, 11, 30), UTC),  # exactly the month row
    Period(date(2026, 11, 2), date(2026, 11, 2), SHANGHAI),  # one local day: edges only
    Period(date(2026, 11, 3), date(2026, 11, 9), SHANGHAI),
    Period(date(2026, 10, 25), date(2026, 11, 7), NEW_YORK),
]
NOW = at("2026-11-20 12:00")


class Clock:
    """The services' clock, moved on by the test."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def direct_report(dbsession, period: Period, now: datetime) -> Report:
    """The report computed from the tickets alone (:mod:`pyramid_helpdesk.reports.queries`)."""
    start, end = period.start, period.end
    volumes = queries.volumes(dbsession, start, end)
    return Report(
        period=period, by_channel=volumes["channel"], by_group=volumes["group"],
        by_category=volumes["category"],
        within_target=queries.within_target(dbsession, start, end, "group"),
        first_response=queries.percentiles(dbsession, start, end, "first_response"),
        resolution=queries.percentiles(dbsession, start, end, "resolution"),
        backlog=queries.backlog_by_age(dbsession, now),
        ratings=queries.ratings(dbsession, start, end))


def assert_summary_agrees(dbsession):
    """Every period's report from the summary equals the direct one; check finds nothing."""
    for period in PERIODS:
        assert build_report(dbsession, period, NOW) == direct_report(dbsession, period, NOW), \
            period
    assert summary.differences(dbsession) == []


@pytest.fixture
def desk(helpdesk, staff):
    """The lifecycle service on a clock the test moves."""
    clock = Clock(at("2026-11-02 09:00"))
    return TicketService(helpdesk.dbsession, helpdesk.settings, helpdesk.plugins, clock=clock)


def test_tickets_that_change_after_their_day_closed_move_between_the_counts(
        helpdesk, staff, desk):
    def on(moment):
        desk.clock.now = at(moment)

    # Monday 2 November: three tickets and a draft.
    web = desk.create(requester=staff.user, subject="Wi-Fi down", channel="web",
                      category="network")
    mail = desk.create(requester=staff.user, subject="Quota", channel="staff")
    phone = desk.create(requester=staff.other_user, subject="Printer", channel="staff",
                        category="hardware")
    draft = desk.create(requester=staff.user, subject="Half written", channel="web",
                        draft=True)
    on("2026-11-02 10:00")
    desk.dispatch(web, actor=staff.firstline, group=staff.network)
    desk.dispatch(mail, actor=staff.firstline, group=staff.computing)
    desk.reply(web, author=staff.agent, body="Restarting the access point.")
    on("2026-11-03 15:00")
    desk.resolve(web, actor=staff.agent)
    helpdesk.dbsession.flush()
    assert_summary_agrees(helpdesk.dbsession)

    # Days later: the draft is submitted (it counts from then), the requester reopens
    # the resolved ticket, the e-mail ticket moves to another group and category.
    on("2026-11-04 08:30")
    desk.submit(draft, actor=staff.user)
    on("2026-11-05 11:00")
    desk.reply(web, author=staff.user, body="It is down again.")
    on("2026-11-09 14:00")
    desk.forward(mail, actor=staff.other_agent, group=staff.network)
    desk.change(mail, actor=staff.agent, category="accounts")
    desk.reply(mail, author=staff.agent, body="Your quota is raised.")
    desk.resolve(mail, actor=staff.agent)
    on("2026-11-10 09:00")
    desk.resolve(web, actor=staff.agent)
    desk.dispatch(phone, actor=staff.firstline, group=staff.computing)
    helpdesk.dbsession.add(Rating(ticket_id=web.id, score=4, comment="", created_at=at(
        "2026-11-10 09:30")))
    helpdesk.dbsession.flush()
    assert helpdesk.dbsession.scalar(select(func.count()).select_from(ReportChange))
    assert_summary_agrees(helpdesk.dbsession)

    # The worker adds the changes up; later changes land on top of the added-up rows.
    assert summary.compact(helpdesk.dbsession) > 0
    assert helpdesk.dbsession.scalar(select(func.count()).select_from(ReportChange)) == 0
    assert_summary_agrees(helpdesk.dbsession)
    on("2026-11-12 10:00")
    desk.close(mail, actor=staff.agent)
    desk.reply(web, author=staff.user, body="Down once more.")  # reopened: uncounted
    web.due_at = at("2026-11-11 00:00")  # a target moved by hand, and a later rating
    helpdesk.dbsession.execute(text("UPDATE ratings SET score = 1"))
    helpdesk.dbsession.flush()
    assert_summary_agrees(helpdesk.dbsession)
    summary.compact(helpdesk.dbsession)
    assert_summary_agrees(helpdesk.dbsession)
    days, months = summary.rebuild(helpdesk.dbsession)
    assert days > 0 and months > 0
    assert_summary_agrees(helpdesk.dbsession)


def test_a_day_counts_its_tickets_once_per_figure(helpdesk, staff, make_ticket):
    noon = at("2026-11-05 12:00")  # 04:00 UTC
    make_ticket(noon, channel="web", category="network", holder_group_id=staff.network.id,
                status=TicketStatus.resolved, resolved_at=noon + hours(30),
                due_at=noon + hours(40), first_response_business_seconds=7000,
                resolution_business_seconds=20_000)
    summary.compact(helpdesk.dbsession)

    rows = helpdesk.dbsession.execute(
        select(ReportDay.figure, ReportDay.day, ReportDay.item, ReportDay.total)
        .where(ReportDay.total != 0).order_by(ReportDay.figure)).all()

    network = str(staff.network.id)
    assert rows == [
        ("category", date(2026, 11, 5), "network", 1),
        ("channel", date(2026, 11, 5), "web", 1),
        ("first_response", date(2026, 11, 5), str(summary.bucket_of(7000)), 1),
        ("group", date(2026, 11, 5), network, 1),
        ("resolution", date(2026, 11, 6), str(summary.bucket_of(20_000)), 1),
        ("target", date(2026, 11, 6), network, 1),
        ("within", date(2026, 11, 6), network, 1),
    ]
    months = helpdesk.dbsession.execute(
        select(ReportMonth.month, func.sum(ReportMonth.total)).where(ReportMonth.total != 0)
        .group_by(ReportMonth.month)).all()
    assert months == [(date(2026, 11, 1), 7)]


@pytest.mark.parametrize("value", [0, 1, 63, 64, 65, 66, 127, 128, 129, 4095, 4096, 7000,
                                   7167, 7168, 86_399, 259_200, 1_000_000, 2**31 - 1])
def test_buckets_are_the_same_in_python_and_sql_and_at_most_a_32nd_wide(helpdesk, value):
    low = summary.bucket_of(value)
    in_sql = helpdesk.dbsession.scalar(select(summary.bucket_sql(literal(value))))

    assert in_sql == low
    assert low <= value < summary.bucket_end(low)
    assert summary.bucket_end(low) - low <= max(1, low / 32)
    assert summary.bucket_of(summary.bucket_end(low) - 1) == low


@pytest.mark.parametrize("values", [
    list(range(10_000, 10_300, 3)),  # a hundred values in two buckets 256 wide
    [5, 63, 64, 65, 127, 128, 129, 130, 131],  # exact buckets and the first wide ones
    [9000] * 7 + [9001, 9002] + [40_000] * 3,  # ties
    [100_000 + i * 7919 % 5003 for i in range(97)],
])
def test_percentiles_from_the_buckets_are_the_exact_values(helpdesk, make_ticket, values):
    for index, seconds in enumerate(values):
        created = at("2026-11-05 09:00") + timedelta(minutes=index)
        make_ticket(created, first_response_business_seconds=seconds,
                    status=TicketStatus.resolved, resolved_at=created + hours(1 + index),
                    resolution_business_seconds=seconds + 17)
    summary.compact(helpdesk.dbsession)
    make_ticket(at("2026-11-06 09:00"), first_response_business_seconds=values[0])  # a change
    november = PERIODS[0]

    report = build_report(helpdesk.dbsession, november, NOW)

    direct = direct_report(helpdesk.dbsession, november, NOW)
    assert (report.first_response, report.resolution) == (direct.first_response,
                                                           direct.resolution)
    ordered = sorted(values + [values[0]])
    assert report.first_response.median == ordered[(len(ordered) * 50 + 99) // 100 - 1]
    assert report.first_response.p90 == ordered[(len(ordered) * 90 + 99) // 100 - 1]


def test_a_summary_that_disagrees_is_found_and_the_figures_stay_exact(helpdesk, make_ticket,
                                                                      caplog):
    for index in range(20):  # ten on the 5th, ten on the 6th, all in one bucket
        created = at("2026-11-05 09:00") + hours(index * 2.4)
        make_ticket(created, first_response_business_seconds=10_000 + index * 5)
    summary.compact(helpdesk.dbsession)
    # The 6th's counts are lost (as if the triggers had been off that day).
    helpdesk.dbsession.execute(delete(ReportDay).where(ReportDay.figure == "first_response",
                                                       ReportDay.day == date(2026, 11, 6)))

    report = build_report(helpdesk.dbsession, PERIODS[0], NOW)

    assert (report.first_response.count, report.first_response.median,
            report.first_response.p90) == (20, 10_045, 10_085)  # counted directly
    assert "report summary: first_response bucket 9984 holds 10 values" in caplog.text
    found = summary.differences(helpdesk.dbsession)
    assert [(d.figure, d.period, d.expected, d.summary) for d in found] == [
        ("first_response", "day 2026-11-06", 10, 0)]  # the month's row is right
    summary.rebuild(helpdesk.dbsession)
    assert summary.differences(helpdesk.dbsession) == []


def test_a_range_without_a_whole_utc_day_is_read_from_the_tickets_alone():
    split = summary.Split.of(at("2026-11-02 00:00"), at("2026-11-03 00:00"))
    assert split.edges == ((at("2026-11-02 00:00"), at("2026-11-03 00:00")),)
    assert (split.days, split.months, split.changes) == ((), None, None)


def test_a_range_of_local_days_reads_whole_months_days_and_two_edges():
    split = summary.Split.of(at("2026-10-20 00:00"), at("2026-12-11 00:00"))

    assert split.edges == ((at("2026-10-20 00:00"), datetime(2026, 10, 20, tzinfo=timezone.utc)),
                           (datetime(2026, 12, 10, tzinfo=timezone.utc), at("2026-12-11 00:00")))
    assert split.days == ((date(2026, 10, 20), date(2026, 11, 1)),
                          (date(2026, 12, 1), date(2026, 12, 10)))
    assert split.months == (date(2026, 11, 1), date(2026, 12, 1))
    assert split.changes == (date(2026, 10, 20), date(2026, 12, 10))


def test_the_migration_counts_the_tickets_already_there(helpdesk_database_url, tmp_path):
    from alembic import command

    from pyramid_helpdesk.db import get_engine
    from pyramid_helpdesk.migrations import alembic_config
    from pyramid_helpdesk.people.models import Person
    from pyramid_helpdesk.testing import throwaway_database
    from pyramid_helpdesk.tickets.models import Ticket

    with throwaway_database(helpdesk_database_url, "summary", str(tmp_path)) as url:
        engine = get_engine({"sqlalchemy.url": url})
        try:
            with engine.begin() as connection:
                command.upgrade(alembic_config(connection), "0013")
                person = connection.execute(insert(Person).values(
                    email="old@example.org", name="Old Timer", created_at=NOW
                ).returning(Person.id)).scalar_one()
                for index in range(30):
                    created = at("2026-10-25 08:00") + hours(index * 7)
                    resolved = created + hours(index % 9) if index % 3 else None
                    connection.execute(insert(Ticket).values(
                        number=f"T{index}", subject="Old", channel="web" if index % 2 else
                        "email", requester_id=person, created_at=created, updated_at=created,
                        held_since=created, version=1, category=None if index % 4 else "x",
                        status="resolved" if resolved else "open", resolved_at=resolved,
                        due_at=created + hours(4), first_response_business_seconds=index * 97,
                        resolution_business_seconds=index * 1009 if resolved else None))
            with engine.begin() as connection:
                command.upgrade(alembic_config(connection), "head")
            from sqlalchemy.orm import Session

            with Session(engine) as dbsession:
                assert dbsession.scalar(select(func.sum(ReportDay.total)).where(
                    ReportDay.figure == "channel")) == 30
                assert summary.differences(dbsession) == []
                for period in PERIODS:
                    assert build_report(dbsession, period, NOW) == direct_report(
                        dbsession, period, NOW)
        finally:
            engine.dispose()
