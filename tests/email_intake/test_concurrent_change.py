"""A reply to a ticket that another transaction changes at the same moment (two store
processes of ``helpdesk lmtp`` each storing a reply to it) is stored again, never
quarantined: the conflict is the moment's, not the message's."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from pyramid_helpdesk.intake.models import IntakeItem, IntakeStatus
from pyramid_helpdesk.tickets.models import Message, Ticket

from .conftest import message


def intake(helpdesk):
    from helpdesk_email.intake import MailIntake

    return MailIntake(helpdesk.tickets, helpdesk.registry.helpdesk_email)


def changed_by_another_transaction(helpdesk, ticket: Ticket) -> None:
    """What a concurrent commit does to the row: a new version the session has not seen."""
    helpdesk.dbsession.execute(update(Ticket.__table__).where(Ticket.__table__.c.id == ticket.id)
                               .values(version=Ticket.__table__.c.version + 1))


def opened(helpdesk, message_id: str) -> Ticket:
    outcome = intake(helpdesk).ingest(message(subject="VPN drops", message_id=message_id))
    helpdesk.dbsession.flush()
    return helpdesk.dbsession.scalar(select(Ticket).where(Ticket.number == outcome.ticket_number))


def reply_to(message_id: str, reply_id: str) -> bytes:
    return message(subject="Re: VPN drops", body="It happens every hour.",
                   message_id=reply_id, In_Reply_To=f"<{message_id}@mail.example.net>")


def quarantined(helpdesk) -> int:
    return helpdesk.dbsession.scalar(select(func.count()).select_from(IntakeItem).where(
        IntakeItem.status == IntakeStatus.quarantined))


def test_a_lone_reply_to_a_ticket_changed_meanwhile_is_a_temporary_failure(helpdesk, staff):
    from helpdesk_email.intake import TemporaryFailure

    ticket = opened(helpdesk, "change-1")
    changed_by_another_transaction(helpdesk, ticket)
    with pytest.raises(TemporaryFailure, match=f"ticket {ticket.number} was changed by "
                                                "another transaction at the same moment"):
        intake(helpdesk).ingest(reply_to("change-1", "change-1-reply"))
    assert quarantined(helpdesk) == 0


def test_in_a_batch_the_reply_is_stored_again_with_the_ticket_as_it_is_now(helpdesk, staff):
    ticket = opened(helpdesk, "change-2")
    changed_by_another_transaction(helpdesk, ticket)
    outcomes = intake(helpdesk).ingest_many([
        reply_to("change-2", "change-2-reply"),
        message(subject="Printer jams", message_id="change-2-other")])
    helpdesk.dbsession.flush()
    assert [outcome.action for outcome in outcomes] == ["follow-up", "created"]
    assert outcomes[0].ticket_number == ticket.number
    assert helpdesk.dbsession.scalars(select(Message.body).where(
        Message.ticket_id == ticket.id).order_by(Message.id)).all()[-1] == (
        "It happens every hour.")
    assert quarantined(helpdesk) == 0
