"""Each figure against hand-computed expectations, on SQLite and PostgreSQL alike."""
from datetime import date, timedelta

import pytest

from pyramid_helpdesk.reports import queries
from pyramid_helpdesk.reports.periods import Period
from pyramid_helpdesk.tickets.models import Rating, TicketStatus

from .conftest import SHANGHAI, at, hours

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), SHANGHAI)


def test_volume_counts_tickets_created_in_the_local_days_of_the_period(helpdesk, staff,
                                                                        make_ticket):
    # Shanghai midnight of 1 November is 16:00 UTC on 31 October: the edges are local.
    make_ticket(at("2026-10-31 23:59"), channel="web")  # the day before: out
    make_ticket(at("2026-11-01 00:00"), channel="web", category="network",
                holder_group_id=staff.network.id)
    make_ticket(at("2026-11-15 12:00"), channel="email", category="network",
                holder_group_id=staff.network.id)
    make_ticket(at("2026-11-30 23:59"), channel="web", category="accounts",
                holder_group_id=staff.computing.id)
    make_ticket(at("2026-12-01 00:00"), channel="email")  # the day after: out
    make_ticket(at("2026-11-16 08:00"), channel="web", category=None, holder_group_id=None)

    by = queries.volumes(helpdesk.dbsession, NOVEMBER.start, NOVEMBER.end)

    assert [(c.key, c.count) for c in by["channel"]] == [("web", 3), ("email", 1)]
    assert [(c.key, c.count) for c in by["category"]] == [
        ("network", 2), ("accounts", 1), (None, 1)]  # no value last, on both databases
    assert [(c.name, c.count) for c in by["group"]] == [
        ("Network", 2), ("Computing", 1), (None, 1)]


def test_within_target_per_group_and_person_counts_tickets_resolved_in_the_period(
        helpdesk, staff, make_ticket):
    def resolved(group, person, resolved_at, due_at):
        make_ticket(resolved_at - hours(5), status=TicketStatus.resolved,
                    holder_group_id=group.id, holder_person_id=person and person.id,
                    resolved_at=resolved_at, due_at=due_at)

    noon = at("2026-11-10 12:00")
    resolved(staff.network, staff.agent, noon, noon)  # on the dot: within
    resolved(staff.network, staff.agent, noon, noon - timedelta(seconds=1))  # late
    resolved(staff.network, None, noon, noon + hours(1))  # within, no person
    resolved(staff.computing, staff.other_agent, noon, noon - hours(2))  # late
    resolved(staff.computing, staff.other_agent, noon, None)  # no target: not counted
    resolved(staff.network, staff.agent, at("2026-12-01 00:00"), noon + hours(99))  # after
    make_ticket(noon, holder_group_id=staff.network.id, due_at=noon)  # unresolved

    groups = queries.within_target(helpdesk.dbsession, NOVEMBER.start, NOVEMBER.end, "group")
    people = queries.within_target(helpdesk.dbsession, NOVEMBER.start, NOVEMBER.end, "person")

    assert [(s.name, s.resolved, s.within) for s in groups] == [
        ("Network", 3, 2), ("Computing", 1, 0)]
    assert groups[0].share == pytest.approx(2 / 3)
    assert [(s.name, s.resolved, s.within) for s in people] == [
        ("Agent", 2, 1), ("Other-Agent", 1, 0), (None, 1, 1)]
    total = queries.total_share(groups)
    assert (total.resolved, total.within, total.share) == (4, 2, 0.5)


@pytest.mark.parametrize("values, median, p90", [
    ([100, 10, 90, 20, 80, 30, 70, 40, 60, 50], 50, 90),  # n=10: 5th and 9th values
    ([5, 1, 9, 3, 7, 2, 8], 5, 9),  # n=7: ceil(3.5)=4th and ceil(6.3)=7th
    ([42], 42, 42),
    ([3, 3, 1, 1], 1, 3),  # n=4: 2nd and ceil(3.6)=4th
])
def test_median_and_p90_of_business_seconds_are_values_that_occurred(
        helpdesk, make_ticket, values, median, p90):
    for index, seconds in enumerate(values):
        created = at("2026-11-05 09:00") + timedelta(minutes=index)
        make_ticket(created, first_response_business_seconds=seconds,
                    status=TicketStatus.resolved, resolved_at=created + hours(1),
                    resolution_business_seconds=seconds * 2)
    make_ticket(at("2026-11-05 09:00"))  # no response yet: not counted
    make_ticket(at("2026-12-05 09:00"), first_response_business_seconds=1)  # outside

    first = queries.percentiles(helpdesk.dbsession, NOVEMBER.start, NOVEMBER.end,
                                "first_response")
    resolution = queries.percentiles(helpdesk.dbsession, NOVEMBER.start, NOVEMBER.end,
                                     "resolution")

    assert (first.count, first.median, first.p90) == (len(values), median, p90)
    assert (resolution.count, resolution.median, resolution.p90) == (
        len(values), median * 2, p90 * 2)


def test_percentiles_of_an_empty_period_are_none(helpdesk):
    found = queries.percentiles(helpdesk.dbsession, NOVEMBER.start, NOVEMBER.end, "resolution")
    assert (found.count, found.median, found.p90) == (0, None, None)


def test_backlog_counts_unresolved_tickets_by_age_now(helpdesk, make_ticket):
    now = at("2026-11-28 12:00")
    for age, status in [(hours(1), TicketStatus.new), (hours(24), TicketStatus.open),
                        (hours(30), TicketStatus.pending), (hours(24 * 5), TicketStatus.open),
                        (hours(24 * 10), TicketStatus.open), (hours(24 * 40), TicketStatus.new),
                        (hours(2), TicketStatus.resolved), (hours(2), TicketStatus.closed)]:
        make_ticket(now - age, status=status)

    backlog = queries.backlog_by_age(helpdesk.dbsession, now)

    assert [(c.key, c.count) for c in backlog] == [
        ("under_1d", 1), ("1_3d", 2), ("3_7d", 1), ("7_30d", 1), ("over_30d", 1)]


def test_ratings_are_counted_per_score_with_their_average(helpdesk, make_ticket):
    for score, moment in [(5, "2026-11-01 00:00"), (5, "2026-11-02 10:00"),
                          (2, "2026-11-30 23:59"), (1, "2026-10-31 23:59")]:
        ticket = make_ticket(at("2026-10-01 10:00"))
        helpdesk.dbsession.add(Rating(ticket_id=ticket.id, score=score, comment="",
                                      created_at=at(moment)))
    helpdesk.dbsession.flush()

    summary = queries.ratings(helpdesk.dbsession, NOVEMBER.start, NOVEMBER.end)

    assert summary.distribution == {1: 0, 2: 1, 3: 0, 4: 0, 5: 2}
    assert summary.count == 3
    assert summary.average == pytest.approx(4.0)


def test_at_risk_lists_running_tickets_due_soon_or_past_most_urgent_first(
        helpdesk, staff, make_ticket):
    now = at("2026-11-28 12:00")
    late = make_ticket(now - hours(9), subject="Late", due_at=now - hours(1),
                       status=TicketStatus.open, holder_group_id=staff.network.id)
    soon = make_ticket(now - hours(1), subject="Soon", due_at=now + timedelta(minutes=20))
    unanswered = make_ticket(now - hours(2), subject="Unanswered", due_at=now + hours(8),
                             first_response_due_at=now - timedelta(minutes=5))
    make_ticket(now - hours(2), subject="Answered", due_at=now + hours(8),
                first_response_due_at=now - hours(1), first_response_at=now - hours(1.5))
    make_ticket(now - hours(1), subject="Later", due_at=now + hours(1))
    make_ticket(now - hours(9), subject="Paused", due_at=now - hours(1),
                status=TicketStatus.pending, sla_paused_since=now - hours(3))
    make_ticket(now - hours(9), subject="Done", due_at=now - hours(1),
                status=TicketStatus.resolved, resolved_at=now - hours(2))

    rows, total = queries.at_risk(helpdesk.dbsession, now, timedelta(minutes=30), 50)

    assert total == 3
    assert [(r.number, r.target) for r in rows] == [
        (late.number, "resolution"), (unanswered.number, "response"),
        (soon.number, "resolution")]
    assert rows[0].group == "Network"
    assert queries.at_risk(helpdesk.dbsession, now, timedelta(minutes=30), 1)[0] == rows[:1]
