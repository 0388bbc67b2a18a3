"""A batch writes its rows with one flush at the end: what it stores is still exactly what
each message would have stored alone, and a row that fails only when written still
costs its own message alone."""
from __future__ import annotations

import contextlib
from email.message import EmailMessage

from sqlalchemy import select

from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.attachments.models import Attachment
from pyramid_helpdesk.intake.models import IntakeItem, IntakeStatus
from pyramid_helpdesk.notifications.models import Notification
from pyramid_helpdesk.people.models import Person
from pyramid_helpdesk.testing import counted_statements
from pyramid_helpdesk.tickets.models import Message, Ticket, TicketCC

from .conftest import message


def ingest_many(helpdesk, *raws: bytes) -> list[str]:
    from helpdesk_email.intake import MailIntake

    outcomes = MailIntake(helpdesk.tickets, helpdesk.registry.helpdesk_email).ingest_many(raws)
    helpdesk.dbsession.flush()
    return [outcome.action for outcome in outcomes]


class Corrupt:
    """Gives a ticket named "Corrupt" a priority that passes in Python and fails only
    when its row is written."""

    @hookimpl
    def helpdesk_ticket_created(self, ticket, event, helpdesk):
        if ticket.subject == "Corrupt":
            ticket.priority = "not a priority"


@contextlib.contextmanager
def corrupting(helpdesk):
    """:class:`Corrupt` registered for the block."""
    helpdesk.plugins.manager.register(Corrupt(), name="corrupt")
    try:
        yield
    finally:
        helpdesk.plugins.manager.unregister(name="corrupt")


def test_a_message_whose_rows_fail_only_when_written_is_quarantined_alone(helpdesk, staff):
    """The hook's bad value passes while the message is stored and fails at the batch's
    flush: the batch is processed again, one savepoint per message."""
    with corrupting(helpdesk):
        outcomes = ingest_many(helpdesk, message(subject="Printer jams", message_id="f-1"),
                               message(subject="Corrupt", message_id="f-2"),
                               message(subject="VPN drops", message_id="f-3"))

    assert outcomes == ["created", "quarantined", "created"]
    assert sorted(helpdesk.dbsession.scalars(select(Ticket.subject))) == [
        "Printer jams", "VPN drops"]
    assert len(helpdesk.dbsession.scalars(select(Message.id)).all()) == 2
    items = helpdesk.dbsession.scalars(select(IntakeItem).order_by(IntakeItem.id)).all()
    assert [item.status for item in items] == [
        IntakeStatus.processed, IntakeStatus.quarantined, IntakeStatus.processed]
    assert "not a priority" in items[1].reason
    assert items[0].ticket_id is not None and items[2].ticket_id is not None


def test_a_cc_who_wrote_earlier_in_the_batch_is_linked_to_their_account(helpdesk, staff):
    outcomes = ingest_many(
        helpdesk,
        message(subject="Projector", message_id="cc-1", sender="Ada <ada@example.net>"),
        message(subject="Projector again", message_id="cc-2", sender="Bo <bo@example.net>",
                Cc="Ada <ada@example.net>"))

    assert outcomes == ["created", "created"]
    ada = helpdesk.dbsession.scalars(select(Person).where(
        Person.email == "ada@example.net")).one()
    (entry,) = helpdesk.dbsession.scalars(select(TicketCC)).all()
    assert (entry.email, entry.person_id) == ("ada@example.net", ada.id)


def test_replies_within_a_batch_follow_its_tickets_and_files_keep_their_message(
        helpdesk, staff):
    with_file = EmailMessage()
    with_file["From"], with_file["To"] = "Cy <cy@example.net>", "helpdesk@example.org"
    with_file["Subject"], with_file["Message-ID"] = "Scanner log", "<file-1@example.net>"
    with_file.set_content("The log is attached.")
    with_file.add_attachment(b"error 42\n", maintype="text", subtype="plain",
                             filename="scanner.log")
    reply = message(subject="Re: Scanner log", body="Any news?", message_id="file-2",
                    sender="Cy <cy@example.net>", In_Reply_To="<file-1@example.net>")

    assert ingest_many(helpdesk, with_file.as_bytes(), reply) == ["created", "follow-up"]
    (ticket,) = helpdesk.dbsession.scalars(select(Ticket)).all()
    first, second = helpdesk.dbsession.scalars(
        select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id)).all()
    assert second.body.strip() == "Any news?"
    (attachment,) = helpdesk.dbsession.scalars(select(Attachment)).all()
    assert (attachment.filename, attachment.message_id, attachment.ticket_id) == (
        "scanner.log", first.id, ticket.id)


def test_ccs_are_acknowledged_in_their_language_without_a_read_of_their_own(helpdesk, staff):
    """A batch reads the accounts of its messages' CCs with its senders': a CC with an
    account gets the acknowledgement in the language they chose, one without in the
    default, and neither the ticket's CCs nor the acknowledgements read them again."""
    from helpdesk_email.intake import MailIntake

    helpdesk.person("mei@example.net", locale="zh_CN")
    helpdesk.dbsession.flush()
    raws = [message(subject=f"Printer {n}", message_id=f"cc-lang-{n}",
                    sender=f"Sender {n} <sender-{n}@example.net>",
                    Cc="Mei <mei@example.net>, Colleague <colleague@example.net>")
            for n in range(3)]
    intake = MailIntake(helpdesk.tickets, helpdesk.registry.helpdesk_email)
    with counted_statements(helpdesk.connection.engine) as statements:
        assert [o.action for o in intake.ingest_many(raws)] == ["created"] * 3
        helpdesk.dbsession.flush()

    mei = helpdesk.dbsession.scalars(select(Person.id).where(
        Person.email == "mei@example.net")).one()
    entries = helpdesk.dbsession.scalars(select(TicketCC).order_by(TicketCC.email)).all()
    assert [(entry.email, entry.person_id) for entry in entries] == [
        ("colleague@example.net", None)] * 3 + [("mei@example.net", mei)] * 3
    bodies = dict(helpdesk.dbsession.execute(select(Notification.recipient, Notification.body)
                                             .where(Notification.kind == "ticket_created")).all())
    assert "您的请求已受理" in bodies["mei@example.net"]
    assert "Your request has been received" in bodies["colleague@example.net"]
    reads = [s for s in statements if "FROM people" in s and "people.email IN" in s]
    assert len(reads) == 1, reads  # the batch's one read of its addresses


def test_after_a_failed_batch_a_cc_is_linked_to_the_account_written_again(helpdesk, staff):
    """The batch fails at its flush and each message is processed again alone: the CC
    who wrote earlier in the batch is linked to the account written the second time, not
    to the one rolled back with the batch."""
    with corrupting(helpdesk):
        outcomes = ingest_many(
            helpdesk,
            message(subject="Projector", message_id="again-1", sender="Ada <ada@example.net>"),
            message(subject="Projector too", message_id="again-2", sender="Bo <bo@example.net>",
                    Cc="Ada <ada@example.net>"),
            message(subject="Corrupt", message_id="again-3"))

    assert outcomes == ["created", "created", "quarantined"]
    ada = helpdesk.dbsession.scalars(select(Person).where(
        Person.email == "ada@example.net")).one()
    (entry,) = helpdesk.dbsession.scalars(select(TicketCC)).all()
    assert (entry.email, entry.person_id) == ("ada@example.net", ada.id)
