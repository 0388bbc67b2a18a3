"""Several messages in one transaction (LMTP's group commit, a fetchmail batch): each one
becomes exactly what it would have become alone."""
from __future__ import annotations

import gc

import pytest
from sqlalchemy import select

from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.intake.models import IntakeItem, IntakeStatus
from pyramid_helpdesk.tickets.models import Message, Ticket

from .conftest import message


def ingest_many(helpdesk, *raws: bytes):
    from helpdesk_email.intake import MailIntake

    outcomes = MailIntake(helpdesk.tickets, helpdesk.registry.helpdesk_email).ingest_many(raws)
    helpdesk.dbsession.flush()
    return [(outcome.action, outcome.ticket_number) for outcome in outcomes]


def items(helpdesk) -> list[tuple[str, IntakeStatus]]:
    return [(item.dedupe_key, item.status) for item in helpdesk.dbsession.scalars(
        select(IntakeItem).order_by(IntakeItem.id))]


def test_a_batch_threads_dedupes_and_quarantines_within_itself(helpdesk, staff):
    first = message(subject="VPN drops", message_id="batch-first")
    reply = message(subject="Re: VPN drops", body="It happens every hour.",
                    message_id="batch-reply", In_Reply_To="<batch-first@mail.example.net>")
    outcomes = ingest_many(helpdesk, first, reply, first, message(sender=""),
                           message(subject="Printer jams", message_id="batch-other"))

    tickets = {t.subject: t for t in helpdesk.dbsession.scalars(select(Ticket))}
    vpn, printer = tickets["VPN drops"].number, tickets["Printer jams"].number
    assert outcomes == [("created", vpn), ("follow-up", vpn), ("duplicate", vpn),
                        ("quarantined", None), ("created", printer)]
    assert len(tickets) == 2
    bodies = helpdesk.dbsession.scalars(select(Message.body).where(
        Message.ticket_id == tickets["VPN drops"].id).order_by(Message.id)).all()
    assert [body.strip() for body in bodies] == ["Every second page jams.",
                                                 "It happens every hour."]
    statuses = [status for _key, status in items(helpdesk)]
    assert statuses == [IntakeStatus.processed, IntakeStatus.processed,
                        IntakeStatus.quarantined, IntakeStatus.processed]


def test_a_message_of_an_earlier_batch_is_a_duplicate_in_the_next(helpdesk, staff):
    raw = message(message_id="batch-again")
    [(action, number)] = ingest_many(helpdesk, raw)
    assert action == "created"
    assert ingest_many(helpdesk, message(message_id="batch-new"), raw) == [
        ("created", helpdesk.dbsession.scalars(select(Ticket.number).where(
            Ticket.number != number)).one()), ("duplicate", number)]
    assert [key for key, _status in items(helpdesk)] == [
        "batch-again@mail.example.net", "batch-new@mail.example.net"]


def test_a_batch_files_every_ticket_with_the_first_line_group(helpdesk, staff):
    ingest_many(helpdesk, message(message_id="group-1"), message(message_id="group-2"))
    groups = set(helpdesk.dbsession.scalars(select(Ticket.holder_group_id)))
    assert groups == {staff.first_line_group.id}


def test_a_message_that_fails_while_stored_is_quarantined_alone(helpdesk, staff):
    class Broken:
        @hookimpl
        def helpdesk_ticket_created(self, ticket, event, helpdesk):
            if ticket.subject == "Explode":
                raise ValueError("plugin bug")

    helpdesk.plugins.manager.register(Broken(), name="broken")
    try:
        outcomes = ingest_many(helpdesk, message(subject="Printer jams"),
                               message(subject="Explode"), message(subject="VPN drops"))
    finally:
        helpdesk.plugins.manager.unregister(name="broken")
    assert [action for action, _number in outcomes] == ["created", "quarantined", "created"]
    subjects = sorted(helpdesk.dbsession.scalars(select(Ticket.subject)))
    assert subjects == ["Printer jams", "VPN drops"]
    assert [status for _key, status in items(helpdesk)] == [
        IntakeStatus.processed, IntakeStatus.quarantined, IntakeStatus.processed]
    reason = helpdesk.dbsession.scalars(select(IntakeItem.reason).where(
        IntakeItem.status == IntakeStatus.quarantined)).one()
    assert reason == "could not be processed: ValueError: plugin bug"


def test_a_batch_that_only_quarantines_is_kept_when_its_transaction_commits(helpdesk, staff):
    """Through a transaction manager (as the web app's sessions are), a batch whose
    messages all wait for staff writes nothing but the journal: it is committed all the
    same, not taken for a read-only transaction and rolled back."""
    import transaction

    from helpdesk_email.intake import MailIntake
    from pyramid_helpdesk.db import get_tm_session
    from pyramid_helpdesk.tickets.services import TicketService

    registry = helpdesk.registry
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        dbsession = get_tm_session(registry["dbsession_factory"], manager,
                                   bind=registry["dbsession_writer_bind"])
        tickets = TicketService(dbsession, helpdesk.settings, helpdesk.plugins)
        outcomes = MailIntake(tickets, registry.helpdesk_email).ingest_many(
            [message(sender="", message_id="only-1"), message(sender="", message_id="only-2")])

    assert [outcome.action for outcome in outcomes] == ["quarantined", "quarantined"]
    assert items(helpdesk) == [("only-1@mail.example.net", IntakeStatus.quarantined),
                               ("only-2@mail.example.net", IntakeStatus.quarantined)]


def test_the_garbage_collector_is_paused_for_a_batch_and_running_again_after(
        helpdesk, staff, monkeypatch):
    from helpdesk_email.intake import MailIntake

    seen = []

    class Watching:
        @hookimpl
        def helpdesk_ticket_created(self, ticket, event, helpdesk):
            seen.append(gc.isenabled())

    helpdesk.plugins.manager.register(Watching(), name="watching")
    try:
        assert gc.isenabled()
        ingest_many(helpdesk, message(message_id="gc-1"), message(message_id="gc-2"))
        assert gc.isenabled()
        gc.disable()  # paused already by someone else: left paused
        ingest_many(helpdesk, message(message_id="gc-3"))
        assert not gc.isenabled()
    finally:
        gc.enable()
        helpdesk.plugins.manager.unregister(name="watching")
    assert seen == [False, False, False]

    def failing(self, raws, parsed):
        raise RuntimeError("defect")

    monkeypatch.setattr(MailIntake, "_ingest_many", failing)
    with pytest.raises(RuntimeError):
        ingest_many(helpdesk, message(message_id="gc-4"))
    assert gc.isenabled()


def test_a_batch_parsed_before_its_transaction_is_not_parsed_again(helpdesk, staff,
                                                                   monkeypatch):
    # A store process parses its batch before it takes its turn to write (while another
    # process writes): then nothing is parsed in the transaction, and a message that
    # could not be parsed beforehand is decided (quarantined) in it as always.
    from helpdesk_email import intake
    from helpdesk_email.intake import MailIntake, parse_batch
    from helpdesk_email.parsing import parse_message

    settings = helpdesk.registry.helpdesk_email
    raws = [message(subject="Printer jams", message_id="parsed-1"),
            message(subject="VPN drops", message_id="parsed-2"), b"no header at all\n"]
    parsed = parse_batch(raws, settings.max_message_size, 2_000_000)
    assert [found and found.subject for found in parsed] == ["Printer jams", "VPN drops", None]
    calls = []

    def counted(raw, **options):
        calls.append(raw)
        return parse_message(raw, **options)

    monkeypatch.setattr(intake, "parse_message", counted)
    outcomes = MailIntake(helpdesk.tickets, settings).ingest_many(raws, parsed)
    assert [outcome.action for outcome in outcomes] == ["created", "created", "quarantined"]
    assert calls and set(calls) == {raws[2]}  # only the one that could not be parsed
