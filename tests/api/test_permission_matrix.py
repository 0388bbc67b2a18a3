"""Who may call what: every operation of the API document against eleven callers.

The ticket (``HD-…``) is ``user@``'s, copied to ``cc@`` (who has an account),
dispatched by first line to Network. It holds a public reply of the requester with
a file (``public_file``) and an internal note of Network's agent with a file
(``note_file``).

Callers: ``anon`` no credentials; ``req`` the ticket's requester, signed in
with the session and sending ``X-CSRF-Token``; ``other`` another requester;
``cc`` the copied address; ``holder`` an agent of Network, the group holding it;
``foreign`` an agent of another group (Computing); ``first`` a first-line agent;
``coord`` a coordinator in no group; ``admin`` an administrator in no group;
``read`` a read-scope token of the first-line agent; ``rtok`` a write-scope token
of the requester. Everyone but ``anon`` and ``req`` calls with a token of their
own (``Authorization: Bearer``).

The rules are the web UI's (``tickets/resources.py``, ``staff/resources.py``,
``tests/staff/test_permission_matrix.py``): requester, CCs and outside addresses
read and reply; the requester also resolves and reopens; first line, coordinators
and the holding group or person also note, manage, dispatch and read the history;
agents use the staff lookups. A ticket one may not see is 404, never 403; no
credentials is 401; a read token may not change anything (403). 409: allowed, but
not from the ticket's status (an open ticket cannot be reopened or closed).

Each row runs on its own world; each call inside a savepoint that is rolled back,
so that every cell starts from the same state. Every refusal is
``application/problem+json`` and changes no row of the database.
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import pytest

from pyramid_helpdesk.attachments.models import Attachment
from pyramid_helpdesk.attachments.store import Upload
from pyramid_helpdesk.db.meta import Base
from pyramid_helpdesk.people.models import Role
from pyramid_helpdesk.tickets.models import Message, MessageKind
from pyramid_helpdesk.tokens.services import TokenService

PREFIX = "/api/v1"

MATRIX = """
operation                 method anon req other cc  holder foreign first coord admin read rtok
getMe                     GET    401  200 200   200 200    200     200   200   200   200  200
listTickets               GET    401  200 200   200 200    200     200   200   200   200  200
createTicket              POST   401  201 201   201 201    201     201   201   201   403  201
getTicket                 GET    401  200 404   200 200    404     200   200   200   200  200
changeTicket              PATCH  401  403 404   403 200    404     200   200   200   403  403
listMessages              GET    401  200 404   200 200    404     200   200   200   200  200
addMessage/reply          POST   401  201 404   201 201    404     201   201   201   403  201
addMessage/note           POST   401  403 404   403 201    404     201   201   201   403  403
transitionTicket/resolve  POST   401  200 404   403 200    404     200   200   200   403  200
transitionTicket/reopen   POST   401  409 404   403 409    404     409   409   409   403  409
transitionTicket/pending  POST   401  403 404   403 200    404     200   200   200   403  403
transitionTicket/close    POST   401  403 404   403 409    404     409   409   409   403  403
transitionTicket/take     POST   401  403 404   403 200    404     200   200   200   403  403
dispatchTicket/group      POST   401  403 404   403 200    404     200   200   200   403  403
dispatchTicket/address    POST   401  403 404   403 200    404     200   200   200   403  403
listEvents                GET    401  403 404   403 200    404     200   200   200   200  403
listAttachments           GET    401  200 404   200 200    404     200   200   200   200  200
addAttachments            POST   401  201 404   201 201    404     201   201   201   403  201
downloadAttachment/public GET    401  200 404   200 200    404     200   200   200   200  200
downloadAttachment/note   GET    401  404 404   404 200    404     200   200   200   200  404
findPeople                GET    401  403 403   403 200    200     200   200   200   200  403
listGroups                GET    401  403 403   403 200    200     200   200   200   200  403
dutyNow                   GET    401  403 403   403 200    200     200   200   200   200  403
"""

#: Each caller: the ``staff`` fixture's person (or an extra one), and how they call.
CALLERS = {
    "anon": (None, "none"), "req": ("user", "session"), "other": ("other_user", "write"),
    "cc": ("cc", "write"), "holder": ("agent", "write"), "foreign": ("other_agent", "write"),
    "first": ("firstline", "write"), "coord": ("coordinator", "write"),
    "admin": ("admin", "write"), "read": ("firstline", "read"), "rtok": ("user", "write"),
}
READ_ONLY_DETAIL = "This token may only read (scope: read)."


def parse(matrix: str) -> dict[str, tuple[str, dict[str, int]]]:
    """``{row: (method, {caller: status})}`` from the table."""
    header, *rows = [line.split() for line in matrix.strip().splitlines()]
    assert header[2:] == list(CALLERS), header
    return {row[0]: (row[1], dict(zip(CALLERS, map(int, row[2:]), strict=True)))
            for row in rows}


ROWS = parse(MATRIX)


@dataclass
class World:
    """What the calls act on, and each caller's credentials."""

    staff: type
    ticket: object
    public_file: int
    note_file: int
    credentials: dict[str, dict[str, str]]


@dataclass
class Call:
    """One HTTP call of a row: JSON ``body``, or a multipart ``form`` with ``files``."""

    method: str
    path: str
    body: dict | None = None
    form: dict | None = None
    files: list | None = None


def call_for(row: str, w: World) -> Call:
    """The (valid) call of each row of the table."""
    s, number = w.staff, w.ticket.number
    ticket = f"/tickets/{number}"
    version = {"version": w.ticket.version}
    calls = {
        "getMe": Call("GET", "/me"),
        "listTickets": Call("GET", "/tickets"),
        "createTicket": Call("POST", "/tickets", {"subject": "Scanner offline"}),
        "getTicket": Call("GET", ticket),
        "changeTicket": Call("PATCH", ticket, {"priority": "high", **version}),
        "listMessages": Call("GET", ticket + "/messages"),
        "addMessage/reply": Call("POST", ticket + "/messages", {"body": "Tray 2?", **version}),
        "addMessage/note": Call("POST", ticket + "/messages",
                                {"body": "Tray 2 is worn.", "internal": True, **version}),
        "dispatchTicket/group": Call("POST", ticket + "/dispatch",
                                     {"group": s.computing.id, **version}),
        "dispatchTicket/address": Call("POST", ticket + "/dispatch",
                                       {"address": "supplier@example.net", "valid_days": 3}),
        "listEvents": Call("GET", ticket + "/events"),
        "listAttachments": Call("GET", ticket + "/attachments"),
        "addAttachments": Call("POST", ticket + "/attachments", form={"body": "The label"},
                               files=[("file", "label.png", b"\x89PNG label")]),
        "downloadAttachment/public": Call("GET", f"/attachments/{w.public_file}"),
        "downloadAttachment/note": Call("GET", f"/attachments/{w.note_file}"),
        "findPeople": Call("GET", "/people?q=user"),
        "listGroups": Call("GET", "/groups"),
        "dutyNow": Call("GET", "/duty/now"),
    }
    for operation in ("resolve", "reopen", "pending", "close", "take"):
        calls[f"transitionTicket/{operation}"] = Call(
            "POST", ticket + "/transitions", {"operation": operation, **version})
    return calls[row]


def send(helpdesk, call: Call, headers: dict[str, str]):
    """Make ``call`` with exactly ``headers`` (no cookie of an earlier call)."""
    app = helpdesk.app
    app.reset()
    path = PREFIX + call.path
    if call.files is not None:
        return app.post(path, call.form, headers=headers, upload_files=call.files,
                        expect_errors=True)
    if call.body is not None:
        method = {"POST": app.post_json, "PATCH": app.patch_json}[call.method]
        return method(path, call.body, headers=headers, expect_errors=True)
    return app.get(path, headers=headers, expect_errors=True)


def session_headers(helpdesk, email: str) -> dict[str, str]:
    """Sign in through the login form: the session cookie and the CSRF header."""
    helpdesk.app.reset()
    csrf = helpdesk.login(email)
    cookie = helpdesk.app.cookies["helpdesk_session"]
    helpdesk.app.reset()
    return {"Cookie": f"helpdesk_session={cookie}", "X-CSRF-Token": csrf}


@pytest.fixture
def world(helpdesk, staff, api_app) -> World:
    api_app.registry.helpdesk_api_rate_limit.reset()
    staff.cc = helpdesk.person("cc@example.org")
    staff.admin = helpdesk.person("admin@example.org", "admin")
    ticket = helpdesk.ticket(staff.user, subject="Plotter prints stripes",
                             description="Since the new cartridge.", cc=["cc@example.org"])
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    public = helpdesk.tickets.reply(ticket, author=staff.user, body="A photo of the stripes",
                                    attachments=[Upload("stripes.jpg", "image/jpeg",
                                                        io.BytesIO(b"\xff\xd8 stripes"))])
    note = helpdesk.tickets.note(ticket, author=staff.agent, body="Plotter log",
                                 attachments=[Upload("plotter.log", "text/plain",
                                                     io.BytesIO(b"head 3 worn"))])
    helpdesk.dbsession.flush()
    files = {a.message_id: a.id for a in helpdesk.dbsession.query(Attachment).filter(
        Attachment.ticket_id == ticket.id)}
    tokens = TokenService(helpdesk.dbsession, helpdesk.settings.tokens_max_active)
    credentials = {}
    for caller, (attribute, kind) in CALLERS.items():
        if kind == "none":
            credentials[caller] = {}
        elif kind == "session":
            credentials[caller] = session_headers(helpdesk, getattr(staff, attribute).email)
        else:
            _token, secret = tokens.create(getattr(staff, attribute), caller, kind)
            credentials[caller] = {"Authorization": f"Bearer {secret}"}
    helpdesk.dbsession.flush()
    return World(staff, ticket, files[public.id], files[note.id], credentials)


def database_rows(helpdesk) -> dict[str, list[str]]:
    """Every row of every table but the tokens' (a call records when a token was last
    used), to tell whether a call changed anything."""
    session = helpdesk.dbsession
    session.expire_all()
    return {table.name: sorted(map(repr, session.execute(table.select())))
            for table in Base.metadata.sorted_tables if table.name != "api_tokens"}


@contextlib.contextmanager
def undone(helpdesk):
    """Roll back whatever the calls inside the block change (a savepoint)."""
    savepoint = helpdesk.connection.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()
        helpdesk.dbsession.expire_all()


def assert_problem(answer, status: int) -> None:
    """An error answer is a problem document with its status."""
    assert answer.content_type == "application/problem+json", answer.text[:300]
    assert answer.json["status"] == status
    assert answer.json["title"]


@pytest.mark.parametrize("row", list(ROWS))
def test_each_operation_answers_each_caller_as_the_table_says(helpdesk, world, row):
    method, expected = ROWS[row]
    call = call_for(row, world)
    assert call.method == method, row
    wrong = []
    for caller, status in expected.items():
        with undone(helpdesk):
            before = database_rows(helpdesk) if method != "GET" or status >= 400 else None
            answer = send(helpdesk, call, world.credentials[caller])
            if answer.status_int != status:
                wrong.append(f"{caller}: {answer.status_int} {answer.text[:300]}")
                continue
            if status >= 400:
                assert_problem(answer, status)
                assert database_rows(helpdesk) == before, f"{row}: {caller} changed something"
            if caller == "read" and method != "GET":
                assert answer.json["detail"] == READ_ONLY_DETAIL
    assert not wrong, f"{row} ({method}) expected {expected}\n" + "\n".join(wrong)


def test_every_operation_of_the_document_has_a_row(helpdesk):
    spec = helpdesk.app.get(f"{PREFIX}/openapi.json").json
    operations = {(operation["operationId"], method.upper())
                  for item in spec["paths"].values()
                  for method, operation in item.items() if isinstance(operation, dict)
                  and "operationId" in operation}
    covered = {(row.split("/")[0], method) for row, (method, _cells) in ROWS.items()}
    assert operations == covered


def test_the_list_holds_the_ticket_exactly_for_those_who_may_open_it(helpdesk, world):
    for caller, status in ROWS["getTicket"][1].items():
        if caller == "anon":
            continue
        answer = send(helpdesk, Call("GET", "/tickets?limit=100"), world.credentials[caller])
        listed = world.ticket.number in [t["number"] for t in answer.json["items"]]
        assert listed == (status == 200), caller


def ticket_calls(spec: dict, w: World) -> list[Call]:
    """Every operation on one ticket (or a file of it), with a body the document refuses:
    the answer must not tell whether the body or the ticket was wrong."""
    calls = []
    for path, item in spec["paths"].items():
        if "{number}" not in path and "{attachment_id}" not in path:
            continue
        for method in item:
            if method in ("get", "post", "patch", "put", "delete"):
                concrete = path.replace("{number}", w.ticket.number).replace(
                    "{attachment_id}", str(w.note_file))
                body = None if method == "get" else {"unexpected": True}
                calls.append(Call(method.upper(), concrete, body))
    return calls


@pytest.mark.parametrize("caller", ["other", "foreign", "other-read"])
def test_a_ticket_one_may_not_see_is_404_at_every_address_and_method(helpdesk, world, caller):
    if caller == "other-read":  # a read token is refused a POST only where it may look
        _token, secret = TokenService(helpdesk.dbsession, 20).create(
            world.staff.other_user, "reader", "read")
        helpdesk.dbsession.flush()
        world.credentials[caller] = {"Authorization": f"Bearer {secret}"}
    spec = helpdesk.app.get(f"{PREFIX}/openapi.json").json
    calls = ticket_calls(spec, world)
    assert len(calls) == 10
    before = database_rows(helpdesk)
    for call in calls:
        answer = send(helpdesk, call, world.credentials[caller])
        assert answer.status_int == 404, (call, answer.text[:300])
        assert_problem(answer, 404)
        assert "HD-" not in answer.text and "Plotter" not in answer.text
    assert database_rows(helpdesk) == before


def test_a_ticket_that_does_not_exist_is_404_and_anonymous_callers_401(helpdesk, world):
    spec = helpdesk.app.get(f"{PREFIX}/openapi.json").json
    for call in ticket_calls(spec, world):
        missing = Call(call.method, call.path.replace(world.ticket.number, "HD-999999")
                       .replace(f"/attachments/{world.note_file}", "/attachments/999999"),
                       call.body)
        assert_problem(send(helpdesk, missing, world.credentials["first"]), 404)
        # Without credentials nothing tells an existing number from a missing one.
        assert_problem(send(helpdesk, missing, {}), 401)
        assert_problem(send(helpdesk, call, {}), 401)


def test_a_session_change_without_the_csrf_header_is_refused(helpdesk, world):
    headers = session_headers(helpdesk, world.staff.coordinator.email)
    bare = {"Cookie": headers["Cookie"]}
    wrong = {**bare, "X-CSRF-Token": "0" * 40}
    changes = [row for row, (method, _cells) in ROWS.items() if method != "GET"]
    before = database_rows(helpdesk)
    for row in changes:
        for sent in (bare, wrong):
            answer = send(helpdesk, call_for(row, world), sent)
            assert answer.status_int == 403, (row, answer.text[:300])
            assert_problem(answer, 403)
            assert "X-CSRF-Token" in answer.json["detail"]
    assert database_rows(helpdesk) == before
    # The same session with the header may do them (the coordinator's column).
    me = send(helpdesk, Call("GET", "/me"), bare).json
    assert (me["authenticated_by"], me["role"]) == ("session", "coordinator")
    created = send(helpdesk, call_for("createTicket", world), headers)
    assert created.status_int == 201


def test_the_requester_side_never_reads_an_internal_note_or_its_file(helpdesk, world):
    """What a requester reads of the ticket: never the internal note or its file."""
    for caller in ("req", "cc", "rtok"):
        headers = world.credentials[caller]
        messages = send(helpdesk, call_for("listMessages", world), headers).json["items"]
        assert [m["kind"] for m in messages] == ["public"] * len(messages)
        assert "Plotter log" not in str(messages)
        files = send(helpdesk, call_for("listAttachments", world), headers).json["items"]
        assert [f["id"] for f in files] == [world.public_file]
    kinds = {m.kind for m in helpdesk.dbsession.query(Message).filter_by(
        ticket_id=world.ticket.id)}
    assert kinds == {MessageKind.public, MessageKind.internal}


def test_an_address_no_record_can_have_is_a_problem_not_a_server_error(helpdesk, world):
    """Path values the document does not check before the ticket or file is looked up
    (a NUL byte PostgreSQL text cannot hold, ids beyond an integer column)."""
    first = world.credentials["first"]
    for path in ("/tickets/%00", "/tickets/HD-%00/messages", "/attachments/abc",
                 "/attachments/99999999999", "/attachments/%C2%B2"):
        assert_problem(send(helpdesk, Call("GET", path), first), 404)
        assert_problem(send(helpdesk, Call("GET", path), {}), 401)
    for cursor in ("99999999999999999999999", "%C2%B2", "-1"):
        answer = send(helpdesk, Call("GET", f"/tickets?cursor={cursor}"), first)
        assert_problem(answer, 400)
        assert "cursor" in answer.json["detail"]


def test_a_caller_over_the_rate_limit_is_told_when_to_retry(helpdesk, world, api_app):
    limit = api_app.registry.helpdesk_api_rate_limit
    token = next(t for t in TokenService(helpdesk.dbsession, 20).list_for(world.staff.user)
                 if t.name == "rtok")
    try:
        for _ in range(100_000):  # spend the token's allowance (helpdesk.ratelimit.api)
            if limit.hit(f"token:{token.id}") is not None:
                break
        answer = send(helpdesk, call_for("getTicket", world), world.credentials["rtok"])
        assert_problem(answer, 429)
        assert int(answer.headers["Retry-After"]) >= 1
        assert "try again" in answer.json["detail"]
        # The count is the token's: the same person's session still gets through.
        assert send(helpdesk, call_for("getTicket", world),
                    world.credentials["req"]).status_int == 200
    finally:
        limit.reset()


def test_a_former_agent_who_still_holds_a_ticket_is_told_why_they_cannot_take_it(
        helpdesk, world):
    """The ticket's ACL lets its holding person manage it; the service refuses a
    non-staff actor: a problem the document lists, not a server error."""
    agent = world.staff.agent
    helpdesk.tickets.take(world.ticket, actor=agent)
    agent.role = Role.requester
    helpdesk.dbsession.flush()
    before = database_rows(helpdesk)
    answer = send(helpdesk, call_for("transitionTicket/take", world),
                  world.credentials["holder"])
    assert_problem(answer, 422)
    assert answer.json["detail"] == "only staff can take a ticket"
    assert database_rows(helpdesk) == before
