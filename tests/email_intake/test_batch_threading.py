"""Replies inside a batch find their tickets as they would one message at a time: the
tickets and messages a batch may refer to are read once when it begins, and what the
batch itself stores is found without writing it first."""
from __future__ import annotations

from sqlalchemy import select

from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.notifications.models import Notification
from pyramid_helpdesk.testing import counted_statements
from pyramid_helpdesk.tickets.models import ExternalAuthorization, Message, Ticket

from .conftest import message


def ingest_many(helpdesk, *raws: bytes) -> list[tuple[str, str | None]]:
    from helpdesk_email.intake import MailIntake

    outcomes = MailIntake(helpdesk.tickets, helpdesk.registry.helpdesk_email).ingest_many(raws)
    helpdesk.dbsession.flush()
    return [(outcome.action, outcome.ticket_number) for outcome in outcomes]


def bodies(helpdesk, number: str) -> list[str]:
    ticket = helpdesk.tickets.get(number)
    return [body.strip() for body in helpdesk.dbsession.scalars(
        select(Message.body).where(Message.ticket_id == ticket.id).order_by(Message.id))]


def test_replies_find_tickets_of_their_batch_and_of_earlier_ones(helpdesk, staff):
    [(_created, older)] = ingest_many(helpdesk, message(subject="VPN drops", message_id="old-1"))

    outcomes = ingest_many(
        helpdesk,
        message(subject="Printer jams", message_id="new-1"),
        message(subject="Re: VPN drops", body="Still dropping.", message_id="old-2",
                In_Reply_To="<old-1@mail.example.net>"),
        # Refers to both: the message stored later (in this batch) decides.
        message(subject="Re: both", body="Both at once.", message_id="new-2",
                References="<old-1@mail.example.net> <new-1@mail.example.net>"),
        message(subject=f"Re: [{older}] VPN", body="By its number.", message_id="old-3"),
        message(subject="Re: Re: Printer jams", body="A reply to the reply.",
                message_id="new-3", In_Reply_To="<new-2@mail.example.net>"),
        message(subject="Toner", message_id="toner-1",
                References="<unknown@mail.example.net>"))

    newer = outcomes[0][1]
    toner = helpdesk.dbsession.scalars(select(Ticket.number).where(
        Ticket.subject == "Toner")).one()
    assert outcomes == [("created", newer), ("follow-up", older), ("follow-up", newer),
                        ("follow-up", older), ("follow-up", newer), ("created", toner)]
    assert bodies(helpdesk, older) == ["Every second page jams.", "Still dropping.",
                                       "By its number."]
    assert bodies(helpdesk, newer) == ["Every second page jams.", "Both at once.",
                                       "A reply to the reply."]


def test_a_reply_in_a_batch_to_a_merged_ticket_joins_its_target(helpdesk, staff):
    ingest_many(helpdesk, message(subject="Printer jams", message_id="m-first"),
                message(subject="Printer still jams", message_id="m-second"))
    target, duplicate = helpdesk.dbsession.scalars(select(Ticket).order_by(Ticket.id)).all()
    helpdesk.tickets.merge(duplicate, into=target, actor=staff.firstline)

    assert ingest_many(
        helpdesk,
        message(subject=f"Re: [{duplicate.number}] Printer still jams", message_id="m-3"),
        message(subject="Re: jams", message_id="m-4", In_Reply_To="<m-second@mail.example.net>"),
    ) == [("follow-up", target.number), ("follow-up", target.number)]


def test_in_a_batch_strangers_get_their_own_ticket_and_cc_and_outsiders_may_reply(
        helpdesk, staff):
    [(_action, forwarded)] = ingest_many(helpdesk, message(message_id="f-1"))
    ticket = helpdesk.tickets.get(forwarded)
    helpdesk.tickets.forward(ticket, actor=staff.firstline, address="vendor@example.net")
    helpdesk.dbsession.flush()

    outcomes = ingest_many(
        helpdesk,
        message(subject="Projector", message_id="p-1", Cc="Colleague <colleague@example.net>"),
        message(subject="Re: Projector", body="From the colleague in CC.", message_id="p-2",
                sender="colleague@example.net", In_Reply_To="<p-1@mail.example.net>"),
        message(subject="Re: Projector", body="From a stranger.", message_id="p-3",
                sender="stranger@example.net", In_Reply_To="<p-1@mail.example.net>"),
        message(subject="Re: Printer", body="From the vendor.", message_id="f-2",
                sender="vendor@example.net", In_Reply_To="<f-1@mail.example.net>"),
        message(subject="Re: Printer", body="From a stranger too.", message_id="f-3",
                sender="stranger@example.net", In_Reply_To="<f-1@mail.example.net>"))

    projector = outcomes[0][1]
    assert [action for action, _number in outcomes] == [
        "created", "follow-up", "created", "follow-up", "created"]
    assert outcomes[1][1] == projector and outcomes[3][1] == forwarded
    assert len({projector, forwarded, outcomes[2][1], outcomes[4][1]}) == 4
    assert bodies(helpdesk, projector)[1:] == ["From the colleague in CC."]
    assert bodies(helpdesk, forwarded)[1:] == ["From the vendor."]


def test_an_address_a_hook_authorised_earlier_in_the_batch_may_reply(helpdesk, staff):
    """A plugin grants an outside address on a ticket when its requester writes; the
    outsider's reply in the same batch finds the grant, which is not written yet."""
    class GrantVendor:
        @hookimpl
        def helpdesk_message_added(self, ticket, message, event, helpdesk):
            if "vendor" in message.body:
                helpdesk.dbsession.add(ExternalAuthorization(
                    ticket_id=ticket.id, email="vendor@example.net", created_at=helpdesk.now,
                    expires_at=helpdesk.now.replace(year=helpdesk.now.year + 1)))

    [(_created, number)] = ingest_many(helpdesk, message(subject="Broken part", message_id="v-1"))
    helpdesk.plugins.manager.register(GrantVendor(), name="grant-vendor")
    try:
        outcomes = ingest_many(
            helpdesk,
            message(subject="Re: Broken part", body="Please ask the vendor.", message_id="v-2",
                    In_Reply_To="<v-1@mail.example.net>"),
            message(subject="Re: Broken part", body="The part ships today.", message_id="v-3",
                    sender="vendor@example.net", In_Reply_To="<v-1@mail.example.net>"))
    finally:
        helpdesk.plugins.manager.unregister(name="grant-vendor")

    assert outcomes == [("follow-up", number), ("follow-up", number)]
    assert bodies(helpdesk, number)[1:] == ["Please ask the vendor.", "The part ships today."]


def test_replies_within_and_across_batches_add_no_statement_of_their_own(helpdesk, staff):
    """A batch of 40 new messages and 10 replies (5 to messages of the batch, 5 to an
    earlier batch's) reads what the replies refer to with two queries, tells the first
    line's agent of each reply without reading their account again, writes everything
    with one flush, and numbers its new tickets without a gap."""
    from helpdesk_email.intake import MailIntake

    earlier = ingest_many(helpdesk, *[
        message(subject=f"Earlier {n}", message_id=f"earlier-{n}",
                sender=f"Earlier {n} <earlier-{n}@example.net>") for n in range(5)])
    raws = [message(subject=f"Laptop {n} will not boot", message_id=f"laptop-{n}",
                    sender=f"Sender {n} <sender-{n}@example.net>") for n in range(40)]
    raws += [message(subject=f"Re: Laptop {n}", body="Still broken.", message_id=f"again-{n}",
                     sender=f"Sender {n} <sender-{n}@example.net>",
                     In_Reply_To=f"<laptop-{n}@mail.example.net>") for n in range(5)]
    raws += [message(subject=f"Re: Earlier {n}", body="Any news?", message_id=f"later-{n}",
                     sender=f"Earlier {n} <earlier-{n}@example.net>",
                     In_Reply_To=f"<earlier-{n}@mail.example.net>") for n in range(5)]
    intake = MailIntake(helpdesk.tickets, helpdesk.registry.helpdesk_email)
    with counted_statements(helpdesk.connection.engine) as statements:
        outcomes = intake.ingest_many(raws)
        helpdesk.dbsession.flush()

    numbers = [number for _action, number in earlier]
    assert [(o.action, o.ticket_number) for o in outcomes[40:]] == [
        ("follow-up", o.ticket_number) for o in outcomes[:5]] + [
        ("follow-up", number) for number in numbers]
    ids = helpdesk.dbsession.scalars(select(Ticket.id).where(
        Ticket.number.in_([o.ticket_number for o in outcomes[:40]])).order_by(Ticket.id)).all()
    assert ids == list(range(ids[0], ids[0] + 40))
    assert [o.ticket_number for o in outcomes[:40]] == [
        helpdesk.dbsession.get(Ticket, ticket_id).number for ticket_id in ids]

    told = helpdesk.dbsession.scalars(select(Notification.data).where(
        Notification.recipient == "firstline@example.org",
        Notification.kind == "message_public")).all()
    assert sorted(data["ticket"] for data in told) == sorted(o.ticket_number for o in outcomes[40:])

    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    threads = [s for s in reads if "email_message_id" in s or "FROM tickets" in s]
    assert len(threads) <= 3, threads  # the messages referred to, their tickets (and CCs)
    # One INSERT per table for the whole batch: no flush before the batch's end.
    for table in ("tickets", "messages", "ticket_events", "notifications"):
        inserts = [s for s in statements if s.lstrip().startswith(f"INSERT INTO {table} ")]
        assert len(inserts) == 1, (table, len(inserts))
