"""Outside delegates: a forwarded ticket opens to its outside address through a signed,
expiring, revocable link, and to nothing else."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from pyramid_helpdesk.db.types import utcnow
from pyramid_helpdesk.notifications.models import Notification
from pyramid_helpdesk.tickets.delegation import SALT, revoke
from pyramid_helpdesk.tickets.models import (
    EventKind,
    ExternalAuthorization,
    Message,
    MessageKind,
    TicketStatus,
)

OUTSIDE = "supplier@example.net"
NOTE = "Supplier contract ends in May"


@pytest.fixture
def ticket(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, subject="Plotter prints stripes",
                             description="Since the new cartridge.")
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.tickets.note(ticket, author=staff.agent, body=NOTE)
    helpdesk.tickets.forward(ticket, actor=staff.agent, address="Supplier@Example.net",
                             note="Could you have a look?")
    helpdesk.dbsession.flush()
    return ticket


@pytest.fixture
def authorization(helpdesk, ticket) -> ExternalAuthorization:
    return helpdesk.dbsession.scalars(select(ExternalAuthorization).where(
        ExternalAuthorization.ticket_id == ticket.id)).one()


def forward_mail(helpdesk) -> str:
    """The body of the forward notification to the outside address."""
    return helpdesk.dbsession.scalars(select(Notification.body).where(
        Notification.recipient == OUTSIDE, Notification.kind == "ticket_forwarded")).one()


def link_path(helpdesk) -> str:
    """The path of the delegate link in the forward mail."""
    url = re.search(r"http://helpdesk\.example\.org/delegate/\S+", forward_mail(helpdesk))
    assert url, forward_mail(helpdesk)
    return urlsplit(url.group(0)).path


def test_the_forward_mail_carries_a_link_and_says_until_when_it_works(
        helpdesk, ticket, authorization):
    body = forward_mail(helpdesk)

    until = authorization.expires_at.astimezone(helpdesk.settings.timezone)
    assert f"valid until {until:%Y-%m-%d %H:%M} (Asia/Shanghai)" in body
    assert "Could you have a look?" in body
    # What the link names (its signature holds the second it was made, so its text
    # changes with the second).
    token = link_path(helpdesk).removeprefix("/delegate/")
    payload = URLSafeTimedSerializer(helpdesk.settings.session_secret, salt=SALT).loads(token)
    assert payload == {"id": authorization.id, "email": authorization.email}


def test_the_link_opens_the_ticket_and_the_delegate_replies_as_the_address(
        helpdesk, ticket):
    opened = helpdesk.app.get(link_path(helpdesk), status=303)
    assert urlsplit(opened.headers["Location"]).path == f"/tickets/{ticket.number}"

    page = opened.follow()
    assert "Plotter prints stripes" in page.text
    assert NOTE not in page.text, "a delegate reads the public conversation only"
    assert "resolve-form" not in page.forms
    form = page.forms["reply-form"]
    form["body"] = "Replace the print head."
    form.submit(status=303)

    message = helpdesk.dbsession.scalars(select(Message).where(
        Message.ticket_id == ticket.id, Message.kind == MessageKind.public
    ).order_by(Message.id.desc())).first()
    assert (message.body, message.author_id, message.author_address) == (
        "Replace the print head.", None, OUTSIDE)


def test_the_link_opens_its_own_ticket_and_no_other(helpdesk, staff, ticket):
    other = helpdesk.ticket(staff.user, subject="Keyboard missing keys")
    helpdesk.app.get(link_path(helpdesk), status=303)

    helpdesk.app.get(f"/tickets/{other.number}", status=303)  # to the login page
    token = helpdesk.csrf_token(f"/tickets/{ticket.number}")
    helpdesk.app.post(f"/tickets/{other.number}/reply", {"body": "Hi", "csrf_token": token},
                      status=403)


def test_an_expired_link_says_so_and_opens_nothing(helpdesk, ticket, authorization):
    authorization.expires_at = utcnow() - timedelta(minutes=1)
    helpdesk.dbsession.flush()

    page = helpdesk.app.get(link_path(helpdesk), status=410)

    assert "This link has expired or was withdrawn." in page.text
    helpdesk.app.get(f"/tickets/{ticket.number}", status=303)


def test_revoking_closes_the_ticket_to_a_browser_that_already_opened_it(
        helpdesk, staff, ticket, authorization):
    helpdesk.app.get(link_path(helpdesk), status=303)
    helpdesk.app.get(f"/tickets/{ticket.number}", status=200)
    token = helpdesk.csrf_token(f"/tickets/{ticket.number}")

    assert revoke(helpdesk.tickets, authorization, actor=staff.coordinator) is True
    helpdesk.dbsession.flush()

    helpdesk.app.get(f"/tickets/{ticket.number}", status=303)
    helpdesk.app.post(f"/tickets/{ticket.number}/reply", {"body": "Still there?",
                                                          "csrf_token": token}, status=403)
    helpdesk.app.get(link_path(helpdesk), status=410)


def test_a_revocation_is_recorded_in_the_flow_once(helpdesk, staff, ticket, authorization):
    assert revoke(helpdesk.tickets, authorization, actor=staff.coordinator) is True
    assert revoke(helpdesk.tickets, authorization, actor=staff.coordinator) is False

    noted = [e for e in helpdesk.tickets.events(ticket) if e.kind is EventKind.noted]
    assert noted[-1].detail == {"revoked_authorization": authorization.id, "address": OUTSIDE}
    assert noted[-1].actor_id == staff.coordinator.id
    assert noted[-1].message.body == f"Outside access for {OUTSIDE} revoked."
    assert noted[-1].message.kind is MessageKind.internal
    assert len([e for e in noted if e.detail]) == 1


OTHER_SECRET = URLSafeTimedSerializer("another-secret-of-at-least-32-characters", salt=SALT)


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    lambda token: "not-a-token",
    lambda token: OTHER_SECRET.dumps({"id": 1, "email": OUTSIDE}),
], ids=["mangled", "garbage", "another-secret"])
def test_a_forged_link_is_not_found(helpdesk, ticket, tamper):
    token = link_path(helpdesk).rsplit("/", 1)[1]
    helpdesk.app.get(f"/delegate/{tamper(token)}", status=404)
    helpdesk.app.get(f"/tickets/{ticket.number}", status=303)


def test_a_link_names_its_address_too(helpdesk, ticket, authorization):
    """A token signed for one authorisation's id but another address opens nothing."""
    forged = URLSafeTimedSerializer(helpdesk.settings.session_secret, salt=SALT).dumps(
        {"id": authorization.id, "email": "someone-else@example.net"})
    helpdesk.app.get(f"/delegate/{forged}", status=404)


def test_a_coordinator_revokes_from_the_ticket_page(helpdesk, staff, ticket, authorization):
    helpdesk.login("coordinator@example.org")
    page = helpdesk.app.get(f"/tickets/{ticket.number}")
    (entry,) = page.html.select("section.outside li")
    assert OUTSIDE in entry.get_text()

    revoke_form = next(form for form in page.forms.values()
                       if form.action == f"/delegates/{authorization.id}/revoke")
    done = revoke_form.submit(status=303)

    assert f"Access for {OUTSIDE} is revoked." in done.follow().text
    helpdesk.refresh(authorization)
    assert authorization.revoked_at is not None


@pytest.mark.parametrize("email", ["agent@example.org", "user@example.org"])
def test_only_coordinators_may_revoke(helpdesk, staff, ticket, authorization, email):
    token = helpdesk.login(email)

    helpdesk.app.post(f"/delegates/{authorization.id}/revoke", {"csrf_token": token},
                      status=403)

    helpdesk.refresh(authorization)
    assert authorization.revoked_at is None


def test_a_signed_in_stranger_with_the_link_replies_as_the_delegate(helpdesk, staff, ticket):
    helpdesk.login("other-user@example.org")
    helpdesk.app.get(link_path(helpdesk), status=303)
    page = helpdesk.app.get(f"/tickets/{ticket.number}", status=200)

    form = page.forms["reply-form"]
    form["body"] = "Forwarded to our technician."
    form.submit(status=303)

    message = helpdesk.dbsession.scalars(select(Message).where(
        Message.ticket_id == ticket.id).order_by(Message.id.desc())).first()
    assert (message.author_id, message.author_address) == (None, OUTSIDE)
    helpdesk.refresh(ticket)
    assert ticket.status is TicketStatus.open
