"""Mail in: a ticket per new message, follow-ups on their ticket, nothing lost or doubled."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from helpdesk_email.outgoing import thread_root_id
from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.intake.models import IntakeItem, IntakeStatus
from pyramid_helpdesk.notifications.models import Notification
from pyramid_helpdesk.people.services import find_by_email
from pyramid_helpdesk.tickets.models import Message, MessageKind, Ticket, TicketStatus

from .conftest import SERVICE, message


def count(helpdesk, model) -> int:
    return helpdesk.dbsession.scalar(select(func.count()).select_from(model))


def acknowledgements(helpdesk, ticket) -> list[str]:
    return list(helpdesk.dbsession.scalars(select(Notification.recipient).where(
        Notification.ticket_id == ticket.id, Notification.kind == "ticket_created")))


def only_ticket(helpdesk) -> Ticket:
    return helpdesk.dbsession.scalars(select(Ticket)).one()


def test_a_new_message_becomes_a_ticket_from_a_new_requester(helpdesk, staff, intake):
    outcome = intake(message(sender="Nora Newcomer <Nora@Example.net>", message_id="first"))

    ticket = only_ticket(helpdesk)
    assert (outcome.action, outcome.ticket_number) == ("created", ticket.number)
    assert (ticket.subject, ticket.channel, ticket.status) == (
        "Printer on floor 2 jams", "email", TicketStatus.new)
    assert ticket.requester.email == "nora@example.net"
    assert ticket.requester.name == "Nora Newcomer"
    (first,) = helpdesk.tickets.messages(ticket, include_internal=True)
    assert first.body.strip() == "Every second page jams."
    assert first.email_message_id == "first@mail.example.net"
    assert acknowledgements(helpdesk, ticket) == ["nora@example.net"]
    item = helpdesk.dbsession.scalars(select(IntakeItem)).one()
    assert (item.status, item.ticket_id) == (IntakeStatus.processed, ticket.id)


def test_the_same_message_delivered_twice_makes_one_ticket(helpdesk, staff, intake):
    raw = message(message_id="twice")
    first = intake(raw)
    again = intake(raw)
    assert (again.action, again.ticket_number) == ("duplicate", first.ticket_number)
    assert count(helpdesk, Ticket) == 1 and count(helpdesk, IntakeItem) == 1


def test_a_reply_to_our_notification_joins_its_ticket_and_reopens_it(helpdesk, staff, intake):
    intake(message())
    ticket = only_ticket(helpdesk)
    helpdesk.tickets.resolve(ticket, actor=staff.firstline)
    root = thread_root_id(ticket.number, "example.org")

    outcome = intake(message(subject="Re: something else entirely", body="Still jams.",
                             In_Reply_To=root, References=root))

    assert (outcome.action, outcome.ticket_number) == ("follow-up", ticket.number)
    assert count(helpdesk, Ticket) == 1
    assert ticket.status is TicketStatus.open, "a requester reply reopens a resolved ticket"
    assert helpdesk.tickets.messages(ticket, include_internal=False)[-1].body.strip() == \
        "Still jams."


def test_a_reply_threads_by_the_message_it_answers_and_by_the_subject_tag(helpdesk, staff,
                                                                           intake):
    intake(message(message_id="original"))
    ticket = only_ticket(helpdesk)
    by_header = intake(message(subject="new subject", In_Reply_To="<original@mail.example.net>"))
    by_tag = intake(message(subject=f"Re: [{ticket.number}] Printer on floor 2 jams"))
    assert by_header.ticket_number == by_tag.ticket_number == ticket.number
    assert count(helpdesk, Ticket) == 1


def test_a_stranger_quoting_a_ticket_number_gets_a_ticket_of_their_own(helpdesk, staff, intake):
    intake(message())
    ticket = only_ticket(helpdesk)
    outcome = intake(message(subject=f"Re: [{ticket.number}] let me in",
                             sender="stranger@example.net"))
    assert outcome.action == "created" and outcome.ticket_number != ticket.number
    assert [m.body.strip() for m in helpdesk.tickets.messages(ticket, True)] == \
        ["Every second page jams."]


def test_staff_cc_and_authorised_outsiders_may_reply_by_mail(helpdesk, staff, intake):
    intake(message(Cc="Colleague <colleague@example.org>"))
    ticket = only_ticket(helpdesk)
    assert [cc.email for cc in ticket.cc] == ["colleague@example.org"]
    helpdesk.tickets.forward(ticket, actor=staff.firstline, address="vendor@example.net")
    tag = f"Re: [{ticket.number}] Printer"
    for sender in ("colleague@example.org", "agent@example.org", "vendor@example.net"):
        assert intake(message(subject=tag, sender=sender)).action == "follow-up", sender
    replies = helpdesk.tickets.messages(ticket, include_internal=False)[1:]
    assert [r.author.email if r.author else r.author_address for r in replies] == [
        "colleague@example.org", "agent@example.org", "vendor@example.net"]
    assert ticket.first_response_at is not None, "the agent's mail is a staff response"


def test_replying_to_a_closed_ticket_opens_a_new_one_that_points_back(helpdesk, staff, intake):
    intake(message())
    old = only_ticket(helpdesk)
    helpdesk.tickets.resolve(old, actor=staff.firstline)
    helpdesk.tickets.close(old, actor=staff.firstline)
    outcome = intake(message(subject=f"Re: [{old.number}] again"))
    new = helpdesk.tickets.get(outcome.ticket_number)
    assert new.id != old.id
    assert f"closed ticket {old.number}" in helpdesk.tickets.messages(new, False)[0].body


@pytest.mark.parametrize("headers", [
    {"Auto_Submitted": "auto-replied"},
    {"Precedence": "bulk"},
    {"X_Auto_Response_Suppress": "All"},
    {"List_Id": "<staff.lists.example.org>"},
], ids=["auto-submitted", "bulk", "suppress", "list"])
def test_machine_written_mail_gets_a_ticket_but_no_automatic_reply(helpdesk, staff, intake,
                                                                   headers):
    intake(message(**headers))
    ticket = only_ticket(helpdesk)
    assert acknowledgements(helpdesk, ticket) == []


def test_automatic_replies_to_one_sender_are_rate_limited(helpdesk, staff, intake):
    for n in range(5):
        intake(message(subject=f"Question {n}"))
    tickets = helpdesk.dbsession.scalars(select(Ticket).order_by(Ticket.id)).all()
    assert [len(acknowledgements(helpdesk, t)) for t in tickets] == [1, 1, 1, 0, 0]


@pytest.mark.parametrize("raw, reason", [
    (message(sender=""), "no sender address"),
    (message(sender=f"Helpdesk <{SERVICE}>"), "mail loop"),
    (message(X_Helpdesk_Loop="example.org"), "mail loop"),
], ids=["no-sender", "from-ourselves", "loop-header"])
def test_a_message_that_cannot_become_a_ticket_is_quarantined_with_its_reason(
    helpdesk, staff, intake, raw, reason
):
    outcome = intake(raw)
    assert outcome.action == "quarantined" and reason in outcome.reason
    item = helpdesk.dbsession.scalars(select(IntakeItem)).one()
    assert item.status is IntakeStatus.quarantined and reason in item.reason
    assert count(helpdesk, Ticket) == 0


def test_a_crash_while_processing_quarantines_the_message_and_keeps_nothing_half_done(
    helpdesk, staff, intake
):
    class Broken:
        @hookimpl
        def helpdesk_ticket_created(self, ticket, event, helpdesk):
            raise ValueError("plugin bug")

    helpdesk.plugins.manager.register(Broken(), name="broken")
    try:
        outcome = intake(message())
    finally:
        helpdesk.plugins.manager.unregister(name="broken")
    assert outcome.action == "quarantined" and "plugin bug" in outcome.reason
    assert count(helpdesk, Ticket) == 0 and count(helpdesk, Message) == 0
    item = helpdesk.dbsession.scalars(select(IntakeItem)).one()
    # Once the cause is fixed, staff retry it and the ticket appears.
    from helpdesk_email.intake import MailIntake

    retried = MailIntake(helpdesk.tickets, helpdesk.registry.helpdesk_email).retry(item)
    assert retried.action == "created" and item.status is IntakeStatus.processed


def test_a_bounce_of_our_notification_is_noted_on_its_ticket(helpdesk, staff, intake):
    intake(message())
    ticket = only_ticket(helpdesk)
    root = thread_root_id(ticket.number, "example.org")
    bounce = message(subject="Undelivered Mail Returned to Sender",
                     sender="MAILER-DAEMON@mail.example.net",
                     body="550 no such user\n\nFinal-Recipient: rfc822; user@example.org\n",
                     References=root, Auto_Submitted="auto-replied", Return_Path="<>")
    outcome = intake(bounce)
    assert outcome.ticket_number == ticket.number
    note = helpdesk.tickets.messages(ticket, include_internal=True)[-1]
    assert note.kind is MessageKind.internal and "550 no such user" in note.body
    assert "Delivery to user@example.org failed" in note.body
    assert count(helpdesk, Ticket) == 1
    assert staff.user.undeliverable_since is not None
    # Staff see it on the ticket; mail from the address later shows it works again.
    helpdesk.dbsession.commit()
    helpdesk.login("firstline@example.org")
    page = helpdesk.app.get(f"/tickets/{ticket.number}")
    assert "mail to user@example.org bounces since" in page.text
    intake(message(subject=f"Re: [{ticket.number}] fixed my mailbox"))
    assert staff.user.undeliverable_since is None


def test_a_new_requester_known_by_address_keeps_their_account(helpdesk, staff, intake):
    intake(message(sender="USER@example.org"))
    assert only_ticket(helpdesk).requester_id == staff.user.id
    assert find_by_email(helpdesk.dbsession, "user@example.org").id == staff.user.id


def test_html_mail_keeps_sanitised_html_beside_its_text(helpdesk, staff, intake):
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "user@example.org", SERVICE, "Screenshot"
    mail["Message-ID"] = "<html-only@mail.example.net>"
    mail.set_content("<p>The <b>VPN</b> client says <i>error 809</i>."
                     "<script>alert(1)</script></p>", subtype="html")
    intake(mail.as_bytes())
    (first,) = helpdesk.tickets.messages(only_ticket(helpdesk), include_internal=True)
    assert "error 809" in first.body and "<b>" not in first.body
    assert "<b>VPN</b>" in first.body_html and "script" not in first.body_html
