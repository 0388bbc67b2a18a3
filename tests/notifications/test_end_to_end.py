"""A staff member's choices, from the notifications page to what the worker sends:
dispatched a ticket through the staff console, an agent who chose "none" for
assignments gets no mail, one who chose chat gets a chat message instead."""
from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from pyramid_helpdesk.db import get_engine
from pyramid_helpdesk.groups.services import add_member, create_group
from pyramid_helpdesk.migrations import reset_database
from pyramid_helpdesk.notifications.delivery import deliver_due
from pyramid_helpdesk.notifications.models import Notification
from pyramid_helpdesk.people.models import Role
from pyramid_helpdesk.people.services import create_person
from pyramid_helpdesk.testing import (
    TEST_PASSWORD,
    Helpdesk,
    build_app,
    make_test_settings,
    throwaway_database,
)
from pyramid_helpdesk.tickets.models import Ticket
from pyramid_helpdesk.tickets.services import TicketService

from .conftest import people

HELPDESK = Path(sys.executable).with_name("helpdesk")
PAGE = "/profile/notifications"


def choose(desk, email_address: str, **choices: str) -> None:
    """Log in as ``email_address`` and save ``choices`` on the notifications page."""
    desk.login(email_address)
    form = desk.app.get(PAGE).forms["notifications-form"]
    for kind, choice in choices.items():
        form[f"kind.{kind}"] = choice
    form.submit(status=303)
    desk.logout()


def dispatch(desk, number: str, person_id: int) -> None:
    """First line hands the ticket to a staff member with the dispatch page."""
    form = desk.app.get(f"/staff/tickets/{number}/dispatch").forms["dispatch-person"]
    form["person"] = str(person_id)
    form.submit(status=303)


def test_an_agent_who_chose_none_gets_no_mail_when_a_ticket_is_dispatched_to_them(
        helpdesk_database_url, tmp_path):
    with throwaway_database(helpdesk_database_url, "prefs", str(tmp_path)) as url:
        engine = get_engine({"sqlalchemy.url": url})
        try:
            reset_database(engine)
            settings = make_test_settings(url, str(tmp_path), **{"helpdesk.plugins": "web"})
            app = build_app(settings, engine)
            with Session(engine) as session, session.begin():
                def person(address, role=Role.agent):
                    return create_person(session, address, name=address.split("@")[0].title(),
                                         role=role, password=TEST_PASSWORD,
                                         password_profile="CHEAPEST", profile_completed=True)
                firstline, quiet, keen = (person(f"{who}@example.org")
                                          for who in ("firstline", "quiet", "keen"))
                add_member(session, create_group(session, "First line", first_line=True),
                           firstline)
                tickets = TicketService(session, app.registry.helpdesk_settings,
                                        app.registry.helpdesk_plugins)
                user = person("user@example.org", Role.requester)
                numbers = [tickets.create(requester=user, subject=subject, channel="staff").number
                           for subject in ("Printer jam", "Projector dead")]
                ids = quiet.id, keen.id
            desk = Helpdesk(app, None)  # a browser: its requests commit, its session is unused
            choose(desk, "quiet@example.org", ticket_assigned="none")

            desk.login("firstline@example.org")
            for number, person_id in zip(numbers, ids, strict=True):
                dispatch(desk, number, person_id)

            ini = tmp_path / "helpdesk.ini"
            ini.write_text(f"""\
[app:main]
use = egg:pyramid_helpdesk
sqlalchemy.url = {url}
helpdesk.base_url = http://helpdesk.example.org
helpdesk.session.secret = prefs-test-secret-0123456789abcdef0123
helpdesk.password.argon2_profile = CHEAPEST
helpdesk.plugins = web
helpdesk.notifiers = mailfile
helpdesk.mail.dir = mail
helpdesk.attachments.dir = attachments
""")
            env = {**os.environ, "PYTHONWARNINGS": "ignore"}
            env.pop("HELPDESK_CONFIG", None)
            done = subprocess.run([str(HELPDESK), "-c", str(ini), "worker", "--once"],
                                  capture_output=True, text=True, env=env, timeout=120,
                                  check=False)
            assert done.returncode == 0, done.stderr

            mails = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                     for path in (tmp_path / "mail").glob("*-ticket_assigned.eml")]
            assert [(mail["To"], mail["Subject"]) for mail in mails] == [
                ("keen@example.org", f"Assigned: [{numbers[1]}] Projector dead")]
            assert len(list((tmp_path / "mail").glob("*-ticket_created.eml"))) == 2
            with Session(engine) as session:
                holders = session.scalars(select(Ticket.holder_person_id).where(
                    Ticket.number.in_(numbers)).order_by(Ticket.number)).all()
                assert holders == list(ids)  # both dispatched, one told
        finally:
            engine.dispose()


def test_an_agent_who_chose_chat_hears_from_the_robot_and_gets_no_mail(chat_desk):
    team = people(chat_desk)
    ticket = chat_desk.ticket(team.user, subject="Printer jam")
    choose(chat_desk, "agent@example.org", ticket_assigned="chat")

    chat_desk.login("firstline@example.org")
    dispatch(chat_desk, ticket.number, team.agent.id)
    report = deliver_due(chat_desk.dbsession, chat_desk.plugins.notifiers, batch_size=50,
                         max_attempts=3, backoff=timedelta(seconds=30))

    assert report.failed == report.retried == 0
    [message] = chat_desk.plugins.notifiers["robot"].delivered
    assert (message.kind, message.recipient, message.data["mobile"], message.data["name"]) == (
        "ticket_assigned", "agent@example.org", "13800005555", "Ann Agent")
    assert f"Ticket {ticket.number} is now with you." in message.body
    assert chat_desk.dbsession.scalars(select(Notification.notifier).where(
        Notification.ticket_id == ticket.id, Notification.kind == "ticket_assigned")).all() == [
        "robot"]
