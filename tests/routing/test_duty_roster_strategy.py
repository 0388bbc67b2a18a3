"""duty_roster: the first-line person on duty now takes the ticket, unless marked away;
and how strategies combine, in the order ``helpdesk.routing`` lists them."""
from datetime import timedelta

from pyramid_helpdesk.duty.models import DutyOverride, DutyWeek
from pyramid_helpdesk.duty.services import monday_of
from pyramid_helpdesk.tickets.models import TicketStatus

from .conftest import local_today, mark_away, routed, team


def on_duty_this_week(helpdesk, person, today_person=None):
    """Put ``person`` on duty this week, and ``today_person`` on today's override."""
    today = local_today(helpdesk)
    helpdesk.dbsession.add(DutyWeek(week_start=monday_of(today), person_id=person.id))
    if today_person is not None:
        helpdesk.dbsession.add(DutyOverride(day=today, person_id=today_person.id))
    helpdesk.dbsession.flush()


def test_the_person_on_duty_takes_the_ticket_for_first_line(desk):
    helpdesk = desk("duty_roster")
    t = team(helpdesk)
    on_duty_this_week(helpdesk, t.firstline)

    ticket = helpdesk.ticket(t.user)

    assert routed(helpdesk, ticket) == (t.firstline, "on duty: Fiona First")
    assert (ticket.status, ticket.holder_group_id) == (TicketStatus.open, t.first_line.id)


def test_todays_override_is_on_duty_rather_than_the_weeks_person(desk):
    helpdesk = desk("duty_roster")
    t = team(helpdesk)
    stand_in = helpdesk.person("stand-in@example.org", "agent", name="Stan Stand-in")
    on_duty_this_week(helpdesk, t.firstline, today_person=stand_in)

    assert routed(helpdesk, helpdesk.ticket(t.user)) == (stand_in, "on duty: Stan Stand-in")


def test_a_person_on_duty_but_marked_away_is_not_given_the_ticket(desk):
    helpdesk = desk("duty_roster")
    t = team(helpdesk)
    on_duty_this_week(helpdesk, t.firstline)
    today = local_today(helpdesk)
    mark_away(helpdesk, t.firstline, today - timedelta(days=1), today + timedelta(days=2))

    ticket = helpdesk.ticket(t.user)

    assert routed(helpdesk, ticket) is None
    assert (ticket.status, ticket.holder_person_id) == (TicketStatus.new, None)


def test_an_absence_that_is_over_or_still_ahead_does_not_count(desk):
    helpdesk = desk("duty_roster")
    t = team(helpdesk)
    on_duty_this_week(helpdesk, t.firstline)
    today = local_today(helpdesk)
    mark_away(helpdesk, t.firstline, today - timedelta(days=5), today - timedelta(days=1))
    mark_away(helpdesk, t.firstline, today + timedelta(days=1), today + timedelta(days=9))

    assert routed(helpdesk, helpdesk.ticket(t.user))[0] == t.firstline


def test_with_nobody_on_duty_the_ticket_waits_in_the_first_line_queue(desk):
    helpdesk = desk("duty_roster")
    t = team(helpdesk)
    ticket = helpdesk.ticket(t.user)
    assert (ticket.status, ticket.holder_group_id) == (TicketStatus.new, t.first_line.id)


# -- combinations: "rules round_robin duty_roster" (the keyword sample stands in for rules) --


def test_a_group_found_by_the_first_strategy_is_shared_out_and_duty_is_not_asked(desk):
    helpdesk = desk("keyword round_robin duty_roster")
    t = team(helpdesk)
    on_duty_this_week(helpdesk, t.firstline)

    ticket = helpdesk.ticket(t.user, subject="VPN down in building B")

    assert routed(helpdesk, ticket) == (
        t.ada, "subject mentions 'vpn': Network; round robin in Network: next is Ada Net (turn 1)")
    assert ticket.holder_group_id == t.network.id


def test_when_nobody_in_the_group_is_available_the_person_on_duty_takes_it(desk):
    helpdesk = desk("keyword round_robin duty_roster")
    t = team(helpdesk)
    on_duty_this_week(helpdesk, t.firstline)
    for member in (t.ada, t.bo, t.cy):
        mark_away(helpdesk, member, local_today(helpdesk), note="conference")

    ticket = helpdesk.ticket(t.user, subject="VPN down in building B")

    assert routed(helpdesk, ticket) == (
        t.firstline, "subject mentions 'vpn': Network; on duty: Fiona First")
    assert ticket.holder_group_id == t.first_line.id


def test_when_no_rule_matches_round_robin_passes_and_duty_decides(desk):
    helpdesk = desk("keyword round_robin duty_roster")
    t = team(helpdesk)
    on_duty_this_week(helpdesk, t.firstline)

    assert routed(helpdesk, helpdesk.ticket(t.user, subject="Printer jam")) == (
        t.firstline, "on duty: Fiona First")


def test_the_order_of_the_setting_decides_who_is_asked_first(desk):
    helpdesk = desk("duty_roster round_robin", helpdesk__round_robin__group="Network")
    t = team(helpdesk)
    on_duty_this_week(helpdesk, t.firstline)

    assert routed(helpdesk, helpdesk.ticket(t.user))[0] == t.firstline
