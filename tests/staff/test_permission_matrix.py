"""Who may do what in the staff console: every route and method against six people.

The ticket (``HD-…``) is ``user@``'s, dispatched by first line to Network, and
forwarded by Network's agent to an outside address (the authorisation ``revoke``
withdraws). Its merge target is a second ticket of the same requester held by
Network. Every POST carries a valid CSRF token, so the answer is about who asks.

Actors: ``anon`` nobody signed in; ``requester`` the ticket's own requester;
``foreign`` an agent of another group (Computing) who does not hold it;
``holder`` an agent of Network, the group holding it; ``first`` a first-line
agent; ``coord`` a coordinator in no group.

Answers: ``200`` a page; ``303`` done, sent on; ``303*`` sent back with the
action refused inside (bulk: "not yours to manage"); ``login`` sent to the login
page; ``401``/``403``/``404`` refused, where 404 hides a ticket one may not see
(whatever the method). Whatever is refused (or 303*) changes no row of the database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from pyramid_helpdesk.db.meta import Base
from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.duty import services as duty
from pyramid_helpdesk.tickets.models import ExternalAuthorization

MATRIX = """
request                    method  anon   requester foreign  holder first coord
staff.home                 GET     login  403       200      200    200   200
staff.inbox                GET     login  403       200      200    200   200
staff.undispatched         GET     login  403       403      403    200   200
staff.unprocessed          GET     login  403       200      200    200   200
staff.search               GET     login  403       200      200    200   200
staff.new_ticket           GET     login  403       200      200    200   200
staff.new_ticket           POST    403    403       303      303    303   303
staff.people               GET     login  403       200      200    200   200
staff.bulk                 POST    403    403       303*     303    303   303
staff.ticket               GET     login  404       404      200    200   200
staff.ticket.reply         POST    403    403       404      303    303   303
staff.ticket.note          POST    403    403       404      303    303   303
staff.ticket.status        POST    403    403       404      303    303   303
staff.ticket.take          POST    403    403       404      303    303   303
staff.ticket.change        POST    403    403       404      303    303   303
staff.ticket.dispatch      GET     login  404       404      200    200   200
staff.ticket.dispatch      POST    403    403       404      303    303   303
staff.ticket.revoke        POST    403    403       404      303    303   303
staff.ticket.merge         GET     login  404       404      200    200   200
staff.ticket.merge/preview POST    403    403       404      200    200   200
staff.ticket.merge/confirm POST    403    403       404      303    303   303
staff.flow                 GET     login  404       404      200    200   200
staff.nudge                POST    403    403       404      403    303   303
groups.list                GET     login  403       403      403    403   200
groups.new                 GET     login  403       403      403    403   200
groups.new                 POST    403    403       403      403    403   303
groups.edit                GET     login  403       403      403    403   200
groups.edit                POST    403    403       403      403    403   303
groups.members             POST    403    403       403      403    403   303
duty.roster                GET     login  403       200      200    200   200
duty.generate              POST    403    403       403      403    403   303
duty.swap                  POST    403    403       403      403    403   303
duty.override              POST    403    403       403      403    403   303
duty.override_delete       POST    403    403       403      403    403   303
duty.now                   GET     401    403       200      200    200   200
"""

ACTORS = {  # the column, and the ``staff`` fixture's person who signs in
    "anon": None, "requester": "user", "foreign": "other_agent", "holder": "agent",
    "first": "firstline", "coord": "coordinator",
}
OUTSIDE = "supplier@example.net"
TOKEN = re.compile(r'name="token" value="([^"]*)"')


def parse(matrix: str) -> list[tuple[str, str, str, str]]:
    """``(request, method, actor, cell)`` for each cell of the table."""
    header, *rows = [line.split() for line in matrix.strip().splitlines()]
    actors = header[2:]
    assert actors == list(ACTORS), header
    return [(row[0], row[1], actor, cell) for row in rows
            for actor, cell in zip(actors, row[2:], strict=True)]


CASES = parse(MATRIX)
POSTS = sorted({request for request, method, _actor, _cell in CASES if method == "POST"})


@dataclass
class World:
    """What the requests act on."""

    staff: type
    ticket: object
    kept: object
    authorization: ExternalAuthorization
    next_monday: object
    override_day: object


@pytest.fixture
def world(helpdesk, staff) -> World:
    ticket = helpdesk.ticket(staff.user, subject="Plotter prints stripes",
                             description="Since the new cartridge.")
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.tickets.forward(ticket, actor=staff.agent, address=OUTSIDE)
    kept = helpdesk.ticket(staff.user, subject="Plotter stripes, again")
    helpdesk.tickets.dispatch(kept, actor=staff.firstline, group=staff.network)
    today = utcnow().astimezone(helpdesk.settings.timezone).date()
    next_monday = duty.monday_of(today) + duty.WEEK
    duty.generate(helpdesk.dbsession, next_monday, 2, [staff.firstline])
    override_day = next_monday + timedelta(days=2)
    duty.set_override(helpdesk.dbsession, override_day, staff.firstline, "covering")
    helpdesk.dbsession.flush()
    authorization = helpdesk.dbsession.scalars(select(ExternalAuthorization).where(
        ExternalAuthorization.ticket_id == ticket.id)).one()
    return World(staff, ticket, kept, authorization, next_monday, override_day)


def new_ticket_token(helpdesk) -> str:
    """The one-time token of the new-ticket form, when the signed-in person gets the form."""
    page = helpdesk.app.get("/staff/new", expect_errors=True)
    match = TOKEN.search(page.text) if page.status_int == 200 else None
    return match.group(1) if match else "no-form"


def request_for(name: str, method: str, w: World, helpdesk) -> tuple[str, dict]:
    """The path and the (valid) form of each request of the table."""
    s, t = w.staff, w.ticket
    number, seen = t.number, {"expected_version": str(t.version)}
    on_ticket = f"/staff/tickets/{number}"
    gets = {
        "staff.home": "/staff", "staff.inbox": "/staff/inbox",
        "staff.undispatched": "/staff/undispatched", "staff.unprocessed": "/staff/unprocessed",
        "staff.search": "/staff/search?q=Plotter", "staff.new_ticket": "/staff/new",
        "staff.people": "/staff/people?q=user", "staff.ticket": on_ticket,
        "staff.ticket.dispatch": on_ticket + "/dispatch",
        "staff.ticket.merge": on_ticket + "/merge", "staff.flow": on_ticket + "/flow",
        "groups.list": "/staff/groups", "groups.new": "/staff/groups/new",
        "groups.edit": f"/staff/groups/{s.network.id}", "duty.roster": "/staff/duty",
        "duty.now": "/duty/now",
    }
    if method == "GET":
        return gets[name], {}
    merge = {"target": w.kept.number, "version": str(t.version),
             "into_version": str(w.kept.version)}
    posts = {
        "staff.new_ticket": ("/staff/new", {
            "token": new_ticket_token(helpdesk), "email": s.user.email,
            "subject": "Scanner offline", "description": "Called the desk.",
            "priority": "normal", "channel": "staff", "finish": ""}),
        "staff.bulk": ("/staff/bulk", {"action": "take", "ticket": number,
                                       f"v-{number}": str(t.version),
                                       "came_from": "/staff/inbox"}),
        "staff.ticket.reply": (on_ticket + "/reply", {"body": "Try the other tray.", **seen}),
        "staff.ticket.note": (on_ticket + "/note", {"body": "Tray 2 is worn.", **seen}),
        "staff.ticket.status": (on_ticket + "/status", {"operation": "pending", **seen}),
        "staff.ticket.take": (on_ticket + "/take", seen),
        "staff.ticket.change": (on_ticket + "/change", {"priority": "high", "category": "",
                                                        **seen}),
        "staff.ticket.dispatch": (on_ticket + "/dispatch", {
            "target": "group", "group": str(s.computing.id), **seen}),
        "staff.ticket.revoke": (f"{on_ticket}/access/{w.authorization.id}/revoke", {}),
        "staff.ticket.merge/preview": (on_ticket + "/merge", {"step": "preview", **merge}),
        "staff.ticket.merge/confirm": (on_ticket + "/merge", {"step": "confirm", **merge}),
        "staff.nudge": (on_ticket + "/nudge", {"message": "The user called again."}),
        "groups.new": ("/staff/groups/new", {"name": "Printing",
                                             "description": "Printers and plotters"}),
        "groups.edit": (f"/staff/groups/{s.network.id}", {
            "name": "Network", "description": "Campus network and Wi-Fi", "email": ""}),
        "groups.members": (f"/staff/groups/{s.network.id}/members", {
            "action": "add", "email": s.other_agent.email}),
        "duty.generate": ("/staff/duty/generate", {
            "start": w.next_monday.isoformat(), "weeks": "1", "people": str(s.firstline.id)}),
        "duty.swap": ("/staff/duty/swap", {"week_a": w.next_monday.isoformat(),
                                           "week_b": (w.next_monday + duty.WEEK).isoformat()}),
        "duty.override": ("/staff/duty/override", {
            "day": (w.override_day + timedelta(days=1)).isoformat(),
            "person": str(s.firstline.id), "note": "swapped shifts"}),
        "duty.override_delete": ("/staff/duty/override/delete",
                                 {"remove": w.override_day.isoformat()}),
    }
    return posts[name]


def database_rows(helpdesk) -> dict[str, list[tuple]]:
    """Every row of every table, to tell whether a request changed anything."""
    session = helpdesk.dbsession
    session.expire_all()
    return {table.name: sorted(map(repr, session.execute(table.select())))
            for table in Base.metadata.sorted_tables}


def sign_in(helpdesk, staff, actor: str) -> str:
    """Sign ``actor`` in (or nobody); the CSRF token of the browser session."""
    attribute = ACTORS[actor]
    if attribute is None:
        return helpdesk.csrf_token("/login")
    return helpdesk.login(getattr(staff, attribute).email)


def case_id(case) -> str:
    request, method, actor, _cell = case
    return f"{method}-{request}-{actor}"


@pytest.mark.parametrize("request_name, method, actor, cell", CASES,
                         ids=[case_id(case) for case in CASES])
def test_each_staff_route_answers_each_person_as_the_table_says(
        helpdesk, staff, world, request_name, method, actor, cell):
    csrf = sign_in(helpdesk, staff, actor)
    path, form = request_for(request_name, method, world, helpdesk)
    before = database_rows(helpdesk) if method == "POST" else None
    if method == "GET":
        answer = helpdesk.app.get(path, expect_errors=True)
    else:
        answer = helpdesk.app.post(path, {**form, "csrf_token": csrf}, expect_errors=True)

    want = cell
    if want == "login":
        assert answer.status_int == 303, answer.text[:500]
        assert re.search(r"/login\?next=", answer.headers["Location"])
        return
    assert answer.status_int == int(want.rstrip("*")), answer.text[:800]
    if method == "POST" and (want.endswith("*") or answer.status_int >= 400):
        assert database_rows(helpdesk) == before, "a refused request changed something"


@pytest.mark.parametrize("token", ["missing", "wrong"])
@pytest.mark.parametrize("request_name", POSTS)
def test_a_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(
        helpdesk, staff, world, request_name, token):
    helpdesk.login(staff.coordinator.email)  # may do every one of them with a token
    path, form = request_for(request_name, "POST", world, helpdesk)
    if token == "wrong":
        form["csrf_token"] = "0" * 40
    before = database_rows(helpdesk)

    answer = helpdesk.app.post(path, form, expect_errors=True)

    assert answer.status_int in (400, 403), answer.text[:500]
    assert database_rows(helpdesk) == before
