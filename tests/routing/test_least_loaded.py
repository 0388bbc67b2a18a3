"""least_loaded: the available member holding the fewest open tickets takes the next one."""

from helpdesk_routing.least_loaded import least_loaded_member
from pyramid_helpdesk.testing import counted_statements
from pyramid_helpdesk.tickets.models import TicketStatus

from .conftest import local_today, mark_away, routed, team


def hold(helpdesk, person, group, count, status=None):
    """Give ``person`` ``count`` tickets of ``group`` (left open, or resolved)."""
    for _ in range(count):
        ticket = helpdesk.ticket(person)
        helpdesk.tickets.dispatch(ticket, actor=person, group=group, person=person)
        if status is TicketStatus.resolved:
            helpdesk.tickets.resolve(ticket, actor=person)
    helpdesk.dbsession.flush()


def test_the_member_with_the_fewest_open_tickets_gets_the_next(desk):
    helpdesk = desk("keyword least_loaded")
    t = team(helpdesk)
    hold(helpdesk, t.ada, t.network, 2)
    hold(helpdesk, t.bo, t.network, 1)
    hold(helpdesk, t.cy, t.network, 3, status=TicketStatus.resolved)  # resolved: not load

    ticket = helpdesk.ticket(t.user, subject="VPN refuses my certificate")

    assert routed(helpdesk, ticket) == (
        t.cy, "subject mentions 'vpn': Network; least loaded in Network: Cy Net holds 0 "
              "open ticket(s)")
    assert ticket.status is TicketStatus.open


def test_a_tie_goes_to_the_lower_id_and_load_evens_out(desk):
    helpdesk = desk("least_loaded", helpdesk__least_loaded__group="Network")
    t = team(helpdesk)

    holders = [routed(helpdesk, helpdesk.ticket(t.user))[0] for _ in range(4)]

    assert holders == [t.ada, t.bo, t.cy, t.ada]


def test_away_members_are_never_chosen_however_idle(desk):
    helpdesk = desk("least_loaded", helpdesk__least_loaded__group="Network")
    t = team(helpdesk)
    hold(helpdesk, t.bo, t.network, 1)
    hold(helpdesk, t.cy, t.network, 2)
    mark_away(helpdesk, t.ada, local_today(helpdesk))

    assert routed(helpdesk, helpdesk.ticket(t.user))[0] == t.bo


def test_with_nobody_available_or_no_group_it_passes(desk):
    helpdesk = desk("least_loaded")
    t = team(helpdesk)
    assert routed(helpdesk, helpdesk.ticket(t.user)) is None  # no group
    for member in (t.ada, t.bo, t.cy):
        mark_away(helpdesk, member, local_today(helpdesk))
    assert least_loaded_member(helpdesk.dbsession, t.network.id, local_today(helpdesk)) is None


def test_the_loads_are_counted_in_one_statement(desk):
    helpdesk = desk("least_loaded")
    t = team(helpdesk)
    hold(helpdesk, t.ada, t.network, 2)
    with counted_statements(helpdesk.connection) as statements:
        person, load = least_loaded_member(helpdesk.dbsession, t.network.id,
                                           local_today(helpdesk))
    assert (person, load) == (t.bo, 0)
    assert len(statements) == 1
