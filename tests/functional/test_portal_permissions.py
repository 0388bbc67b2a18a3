"""The portal's permission matrix: who may open a ticket page, reply, mark it resolved,
reopen it and download its files, and what everyone else gets.

``ok``: allowed (200, or 303 back to the ticket after a change);
``hidden``: 404, the same answer as for a ticket that does not exist;
``refused``: 403 (allowed to read, not to do this; or anonymous and posting);
``login``: 303 to the login page (anonymous, reading).
"""
from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from pyramid_helpdesk.attachments.store import Upload
from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.tickets.delegation import make_token, revoke
from pyramid_helpdesk.tickets.models import ExternalAuthorization, Message, TicketStatus

ACTIONS = ("view", "reply", "resolve", "reopen", "download")
MATRIX = {
    #                         view       reply      resolve    reopen     download
    "requester":             ("ok",     "ok",      "ok",      "ok",      "ok"),
    "cc":                    ("ok",     "ok",      "refused", "refused", "ok"),
    "other requester":       ("hidden", "hidden",  "hidden",  "hidden",  "hidden"),
    "delegate":              ("ok",     "ok",      "refused", "refused", "ok"),
    "expired delegate":      ("login",  "refused", "refused", "refused", "login"),
    "revoked delegate":      ("login",  "refused", "refused", "refused", "login"),
    "other ticket delegate": ("login",  "refused", "refused", "refused", "login"),
    "anonymous":             ("login",  "refused", "refused", "refused", "login"),
}
EXPECTED_STATUS = {"ok": (200, 303), "hidden": (404,), "refused": (403,), "login": (303,)}
OUTSIDE = "supplier@example.net"


class World:
    """The ticket everyone tries, its file, and the outside authorisations."""

    def __init__(self, helpdesk, staff):
        self.helpdesk = helpdesk
        self.ticket = helpdesk.ticket(
            staff.user, subject="Projector flickers", cc=["colleague@example.org"],
            attachments=[Upload("flicker.txt", "text/plain", io.BytesIO(b"50 Hz"))])
        self.other = helpdesk.ticket(staff.other_user, subject="Scanner jams")
        helpdesk.person("colleague@example.org")
        for ticket in (self.ticket, self.other):
            helpdesk.tickets.forward(ticket, actor=staff.firstline, address=OUTSIDE)
        (self.file,) = helpdesk.tickets.attachments(self.ticket)
        helpdesk.dbsession.flush()

    def authorization(self, ticket) -> ExternalAuthorization:
        return self.helpdesk.dbsession.scalars(select(ExternalAuthorization).where(
            ExternalAuthorization.ticket_id == ticket.id)).one()

    def follow_link(self, ticket) -> None:
        """The outside address follows the link of its mail about ``ticket``."""
        token = make_token(self.helpdesk.settings, self.authorization(ticket))
        self.helpdesk.app.get(f"/delegate/{token}", status=303)


def become(world: World, staff, actor: str) -> str:
    """Make the test's browser ``actor``; return a CSRF token of its session."""
    helpdesk = world.helpdesk
    emails = {"requester": "user@example.org", "cc": "colleague@example.org",
              "other requester": "other-user@example.org"}
    if actor in emails:
        return helpdesk.login(emails[actor])
    if actor.endswith("delegate"):
        world.follow_link(world.other if actor == "other ticket delegate" else world.ticket)
        authorization = world.authorization(world.ticket)
        if actor == "expired delegate":
            authorization.expires_at = utcnow() - timedelta(seconds=1)
        elif actor == "revoked delegate":
            revoke(helpdesk.tickets, authorization, actor=staff.coordinator)
        helpdesk.dbsession.flush()
    return helpdesk.csrf_token("/login")


def act(world: World, action: str, token: str):
    """Do ``action`` on the ticket; return the response, whatever its status."""
    app, ticket = world.helpdesk.app, world.ticket
    base = f"/tickets/{ticket.number}"
    if action == "view":
        return app.get(base, expect_errors=True)
    if action == "download":
        return app.get(f"/attachments/{world.file.id}/flicker.txt", expect_errors=True)
    fields = {"csrf_token": token, "expected_version": str(ticket.version)}
    if action == "reply":
        fields["body"] = "Any news?"
    return app.post(f"{base}/{action}", fields, expect_errors=True)


def message_count(helpdesk, ticket) -> int:
    return helpdesk.dbsession.scalar(
        select(func.count()).select_from(Message).where(Message.ticket_id == ticket.id))


@pytest.fixture
def world(helpdesk, staff) -> World:
    return World(helpdesk, staff)


@pytest.mark.parametrize("actor", MATRIX)
@pytest.mark.parametrize("action", ACTIONS)
def test_the_permission_matrix(helpdesk, staff, world, actor, action):
    if action == "reopen":
        helpdesk.tickets.resolve(world.ticket, actor=staff.firstline)
        helpdesk.dbsession.flush()
    token = become(world, staff, actor)
    status_before, messages_before = world.ticket.status, message_count(helpdesk, world.ticket)
    expected = MATRIX[actor][ACTIONS.index(action)]

    response = act(world, action, token)

    assert response.status_int in EXPECTED_STATUS[expected], (actor, action, response.status)
    if expected == "login":
        assert urlsplit(response.headers["Location"]).path == "/login"
    if expected == "ok" and response.status_int == 303:
        assert urlsplit(response.headers["Location"]).path == f"/tickets/{world.ticket.number}"
    if expected == "ok" and action == "view":
        assert "Projector flickers" in response.text
    if expected == "ok" and action == "download":
        assert response.body == b"50 Hz"
    if expected != "ok":
        assert "Projector flickers" not in response.text
        assert "50 Hz" not in response.text
    helpdesk.refresh(world.ticket)
    changed = {"reply": message_count(helpdesk, world.ticket) != messages_before,
               "resolve": world.ticket.status is TicketStatus.resolved,
               "reopen": world.ticket.status is TicketStatus.open}
    if action in changed:
        assert changed[action] is (expected == "ok"), (actor, action)
    else:
        assert world.ticket.status is status_before


@pytest.fixture
def draft(helpdesk, staff):
    """A draft with a file, naming a CC who must not see it before it is submitted."""
    draft = helpdesk.ticket(staff.user, subject="Half-written request", channel="web",
                            cc=["colleague@example.org"], draft=True,
                            attachments=[Upload("notes.txt", "text/plain", io.BytesIO(b"todo"))])
    helpdesk.person("colleague@example.org")
    helpdesk.dbsession.flush()
    return draft


@pytest.mark.parametrize("email, status", [
    ("user@example.org", 200),
    ("colleague@example.org", 404),
    ("other-user@example.org", 404),
    ("firstline@example.org", 404),
    (None, 303),
], ids=["requester", "cc", "other-requester", "first-line", "anonymous"])
def test_a_draft_and_its_files_are_its_requester_s_alone(helpdesk, staff, draft, email, status):
    if email:
        helpdesk.login(email)
    (attachment,) = helpdesk.tickets.attachments(draft)

    response = helpdesk.app.get(f"/attachments/{attachment.id}/notes.txt", status=status)

    assert (response.body == b"todo") is (status == 200)
    if status == 404:
        assert "Half-written request" not in helpdesk.app.get("/").text
