"""round_robin: each available member of the group gets a ticket in turn, even when
two processes create tickets at the same moment."""
import threading
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from pyramid_helpdesk.db import get_engine, writer_engine
from pyramid_helpdesk.migrations import reset_database
from pyramid_helpdesk.people.models import Person
from pyramid_helpdesk.routing.turns import RoutingTurn
from pyramid_helpdesk.testing import (
    Helpdesk,
    build_app,
    make_test_settings,
    throwaway_database,
)
from pyramid_helpdesk.tickets.models import EventKind, TicketEvent, TicketStatus
from pyramid_helpdesk.tickets.services import TicketService

from .conftest import local_today, mark_away, routed, team


def test_tickets_go_to_the_configured_groups_members_in_turn(desk):
    helpdesk = desk("round_robin", helpdesk__round_robin__group="Network")
    t = team(helpdesk)

    holders = [routed(helpdesk, helpdesk.ticket(t.user))[0] for _ in range(4)]

    assert holders == [t.ada, t.bo, t.cy, t.ada]
    ticket = helpdesk.ticket(t.user)
    assert routed(helpdesk, ticket) == (t.bo, "round robin in Network: next is Bo Net (turn 5)")
    assert (ticket.status, ticket.holder_group_id) == (TicketStatus.open, t.network.id)


def test_the_group_an_earlier_strategy_chose_comes_before_the_setting(desk):
    helpdesk = desk("keyword round_robin", helpdesk__round_robin__group="First line")
    t = team(helpdesk)

    vpn = helpdesk.ticket(t.user, subject="VPN drops every hour")
    other = helpdesk.ticket(t.user, subject="Cannot print")

    assert routed(helpdesk, vpn) == (
        t.ada, "subject mentions 'vpn': Network; round robin in Network: next is Ada Net (turn 1)")
    assert routed(helpdesk, other)[0] == t.firstline


def test_away_and_inactive_members_are_skipped_and_keep_no_turn(desk):
    helpdesk = desk("round_robin", helpdesk__round_robin__group="Network")
    t = team(helpdesk)
    mark_away(helpdesk, t.bo, local_today(helpdesk))
    t.cy.is_active = False

    holders = [routed(helpdesk, helpdesk.ticket(t.user))[0] for _ in range(3)]

    assert holders == [t.ada, t.ada, t.ada]


def test_without_a_group_the_ticket_waits_for_first_line(desk):
    helpdesk = desk("round_robin")
    t = team(helpdesk)
    unrouted = helpdesk.ticket(t.user)
    assert routed(helpdesk, unrouted) is None
    assert (unrouted.status, unrouted.holder_group_id) == (TicketStatus.new, t.first_line.id)


def test_with_everyone_away_round_robin_passes(desk):
    helpdesk = desk("keyword round_robin")
    t = team(helpdesk)
    for member in (t.ada, t.bo, t.cy):
        mark_away(helpdesk, member, local_today(helpdesk))
    nobody_there = helpdesk.ticket(t.user, subject="VPN down")
    assert nobody_there.holder_person_id is None
    assert nobody_there.holder_group_id == t.network.id  # the keyword's decision stands


def test_each_group_keeps_its_own_turn(desk):
    helpdesk = desk("keyword round_robin", helpdesk__round_robin__group="First line")
    t = team(helpdesk)
    second = helpdesk.person("second@example.org", "agent", name="Sam Second")
    helpdesk.dbsession.refresh(t.first_line)
    t.first_line.members.append(second)

    holders = [routed(helpdesk, helpdesk.ticket(t.user, subject=s))[0]
               for s in ("vpn", "print", "vpn", "print", "print")]

    assert holders == [t.ada, t.firstline, t.bo, second, t.firstline]
    turns = dict(helpdesk.dbsession.execute(
        select(RoutingTurn.group_id, RoutingTurn.turns)).all())
    assert turns == {t.network.id: 2, t.first_line.id: 3}


# -- two processes at once -------------------------------------------------------------


def test_two_processes_creating_tickets_at_once_never_give_a_turn_twice(
        helpdesk_database_url, tmp_path):
    """Two threads, each with its own connection (as two app processes would have),
    create tickets and commit each one; the turns they took form one fair cycle."""
    per_thread = 12
    with throwaway_database(helpdesk_database_url, "h10rr", str(tmp_path)) as url:
        engine = get_engine({"sqlalchemy.url": url})
        try:
            reset_database(engine)
            settings = make_test_settings(url, str(tmp_path), **{
                "helpdesk.plugins": "web routing", "helpdesk.routing": "round_robin",
                "helpdesk.round_robin.group": "Network"})
            app = build_app(settings, engine)
            with engine.begin() as connection:
                seeding = Helpdesk(app, connection)
                t = team(seeding)
                members, requester_id = [t.ada.id, t.bo.id, t.cy.id], t.user.id
                seeding.dbsession.commit()
            start = threading.Barrier(2)
            errors = []

            def create_tickets():
                try:
                    start.wait()
                    for _ in range(per_thread):
                        with Session(writer_engine(engine)) as dbsession, dbsession.begin():
                            service = TicketService(dbsession, app.registry.helpdesk_settings,
                                                    app.registry.helpdesk_plugins)
                            requester = dbsession.get(Person, requester_id)
                            service.create(requester=requester, subject="Switch down",
                                           channel="staff")
                except Exception as error:  # reported by the main thread
                    errors.append(error)

            threads = [threading.Thread(target=create_tickets) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            assert errors == []

            with Session(engine) as dbsession:
                reasons = turns_given(dbsession)
            assert sorted(reasons) == list(range(1, 2 * per_thread + 1))
            assert [reasons[n] for n in sorted(reasons)] == \
                [members[(n - 1) % 3] for n in sorted(reasons)]
            assert Counter(reasons.values()) == {m: 2 * per_thread // 3 for m in members}
        finally:
            engine.dispose()


def turns_given(dbsession) -> dict[int, int]:
    """``{turn number: person id}`` read from the routing events' reasons."""
    rows = dbsession.execute(select(TicketEvent.detail, TicketEvent.to_person_id).where(
        TicketEvent.kind == EventKind.dispatched, TicketEvent.actor_id.is_(None)))
    return {int(detail["reason"].rsplit("(turn ", 1)[1].rstrip(")")): person_id
            for detail, person_id in rows}
