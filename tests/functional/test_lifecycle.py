"""The ticket lifecycle through the service every channel calls."""
import pytest
from sqlalchemy import select

from pyramid_helpdesk.errors import InvalidOperation, StaleTicket, TransitionNotAllowed
from pyramid_helpdesk.tickets.models import (
    EventKind,
    Message,
    MessageKind,
    TicketEvent,
    TicketStatus,
)
from pyramid_helpdesk.tickets.services import TRANSITIONS

S = TicketStatus


def events_of(helpdesk, ticket):
    return [e.kind for e in helpdesk.tickets.events(ticket)]


def ticket_in(helpdesk, staff, status):
    """A ticket brought to ``status`` through legal operations."""
    tickets = helpdesk.tickets
    ticket = helpdesk.ticket(staff.user, draft=status is S.draft)
    if status in (S.new, S.draft):
        return ticket
    tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    if status is S.pending:
        tickets.set_pending(ticket, actor=staff.agent)
    elif status in (S.resolved, S.closed):
        tickets.resolve(ticket, actor=staff.agent)
        if status is S.closed:
            tickets.close(ticket, actor=staff.agent)
    assert ticket.status is status
    return ticket


def run(helpdesk, staff, operation, ticket):
    """Perform ``operation`` as a plausible actor."""
    tickets = helpdesk.tickets
    actions = {
        "submit": lambda: tickets.submit(ticket, actor=staff.user),
        "edit": lambda: tickets.edit(ticket, actor=staff.user, subject="Printer jam, tray 2"),
        "dispatch": lambda: tickets.dispatch(ticket, actor=staff.firstline, group=staff.computing),
        "forward": lambda: tickets.forward(ticket, actor=staff.agent, person=staff.other_agent),
        "take": lambda: tickets.take(ticket, actor=staff.agent),
        "reply": lambda: tickets.reply(ticket, author=staff.agent, body="Try again now."),
        "requester reply": lambda: tickets.reply(ticket, author=staff.user, body="Still broken."),
        "note": lambda: tickets.note(ticket, author=staff.agent, body="Checked the switch."),
        "set pending": lambda: tickets.set_pending(ticket, actor=staff.agent),
        "resolve": lambda: tickets.resolve(ticket, actor=staff.agent),
        "close": lambda: tickets.close(ticket, actor=staff.agent),
        "reopen": lambda: tickets.reopen(ticket, actor=staff.user),
        "nudge": lambda: tickets.nudge(ticket, actor=staff.firstline),
        "change": lambda: tickets.change(ticket, actor=staff.agent, priority="high"),
        "merge": lambda: tickets.merge(ticket, into=helpdesk.ticket(staff.user),
                                       actor=staff.firstline),
    }
    return actions[operation]()


MATRIX = [(op, status) for op in TRANSITIONS for status in TicketStatus]


@pytest.mark.parametrize("operation,status", MATRIX, ids=[f"{o}-{s.value}" for o, s in MATRIX])
def test_every_operation_from_every_status_is_allowed_or_refused_as_the_table_says(
    helpdesk, staff, operation, status
):
    ticket = ticket_in(helpdesk, staff, status)
    before = len(events_of(helpdesk, ticket))
    if status in TRANSITIONS[operation] and (operation != "edit" or
                                            helpdesk.tickets.is_editable(ticket)):
        run(helpdesk, staff, operation, ticket)
        assert ticket.status is TRANSITIONS[operation][status]
        assert len(events_of(helpdesk, ticket)) == before + 1, "one event per operation"
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            run(helpdesk, staff, operation, ticket)
        assert status.value in str(refused.value)
        assert ticket.status is status
        assert len(events_of(helpdesk, ticket)) == before, "a refused operation records nothing"


def test_a_new_ticket_gets_a_number_waits_in_the_first_line_queue_and_records_its_creation(
    helpdesk, staff
):
    ticket = helpdesk.ticket(staff.user, subject="  Wi-Fi   down ", description="Floor 2",
                             cc=["Boss@Example.org", "user@example.org"])
    assert ticket.number == f"HD-{ticket.id:06d}"
    assert ticket.subject == "Wi-Fi down"
    assert ticket.status is S.new
    assert ticket.holder_group_id == staff.first_line_group.id
    assert ticket.holder_person_id is None
    assert [cc.email for cc in ticket.cc] == ["boss@example.org"], "requester is not their own CC"
    (event,) = helpdesk.tickets.events(ticket)
    assert (event.kind, event.to_status, event.to_group_id) == (
        EventKind.created, S.new, staff.first_line_group.id)
    (message,) = helpdesk.tickets.messages(ticket, include_internal=True)
    assert (message.body, message.author_id) == ("Floor 2", staff.user.id)


def test_dispatch_records_the_flow_from_holder_to_holder(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.tickets.forward(ticket, actor=staff.agent, group=staff.computing,
                             person=staff.other_agent, note="Cluster issue")
    dispatched, forwarded = helpdesk.tickets.events(ticket)[1:]
    assert (dispatched.from_group_id, dispatched.to_group_id) == (
        staff.first_line_group.id, staff.network.id)
    assert (dispatched.from_status, dispatched.to_status) == (S.new, S.open)
    assert dispatched.actor_id == staff.firstline.id
    assert (forwarded.from_group_id, forwarded.to_group_id, forwarded.to_person_id) == (
        staff.network.id, staff.computing.id, staff.other_agent.id)
    assert forwarded.detail == {"note": "Cluster issue"}
    assert ticket.holder_person_id == staff.other_agent.id


def test_take_keeps_the_group_and_makes_the_actor_the_holder(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    event = helpdesk.tickets.take(ticket, actor=staff.agent)
    assert (ticket.holder_group_id, ticket.holder_person_id) == (staff.network.id, staff.agent.id)
    assert event.kind is EventKind.taken


def test_a_requester_reply_reopens_a_resolved_ticket_and_clears_its_resolution(helpdesk, staff):
    ticket = ticket_in(helpdesk, staff, S.resolved)
    assert ticket.resolved_at is not None
    helpdesk.tickets.reply(ticket, author=staff.user, body="It broke again.")
    assert ticket.status is S.open
    assert ticket.resolved_at is None
    event = helpdesk.tickets.events(ticket)[-1]
    assert (event.kind, event.from_status, event.to_status) == (
        EventKind.replied, S.resolved, S.open)


def test_a_requester_reply_answers_a_pending_ticket(helpdesk, staff):
    ticket = ticket_in(helpdesk, staff, S.pending)
    helpdesk.tickets.reply(ticket, author=staff.user, body="Room 101.")
    assert ticket.status is S.open


def test_the_first_staff_reply_sets_the_first_response_time_once(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    helpdesk.tickets.reply(ticket, author=staff.user, body="Any news?")
    assert ticket.first_response_at is None, "the requester's own message is no response"
    helpdesk.tickets.reply(ticket, author=staff.firstline, body="Looking at it.")
    first = ticket.first_response_at
    assert first is not None
    helpdesk.tickets.reply(ticket, author=staff.firstline, body="Found it.")
    assert ticket.first_response_at == first


def test_internal_notes_are_staff_only(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    with pytest.raises(InvalidOperation):
        helpdesk.tickets.note(ticket, author=staff.user, body="Let me in")
    helpdesk.tickets.note(ticket, author=staff.firstline, body="Known outage")
    public = helpdesk.tickets.messages(ticket, include_internal=False)
    everything = helpdesk.tickets.messages(ticket, include_internal=True)
    assert [m.kind for m in everything] == [MessageKind.public, MessageKind.internal]
    assert [m.kind for m in public] == [MessageKind.public]


def test_forward_to_an_outside_address_authorises_it_without_changing_the_holder(
    helpdesk, staff
):
    ticket = helpdesk.ticket(staff.user)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    event = helpdesk.tickets.forward(ticket, actor=staff.agent, address="Vendor@Example.net")
    assert event.to_address == "vendor@example.net"
    assert ticket.holder_group_id == staff.network.id
    message = helpdesk.tickets.reply(ticket, author_address="vendor@example.net",
                                     body="Firmware 2.1 fixes it.")
    assert message.author_address == "vendor@example.net"


def test_nudging_counts_and_needs_a_holder(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.tickets.nudge(ticket, actor=staff.firstline, message="User is waiting")
    helpdesk.tickets.nudge(ticket, actor=staff.firstline)
    assert ticket.nudge_count == 2
    assert helpdesk.tickets.events(ticket)[-2].detail == {"message": "User is waiting"}


def test_nudging_an_unheld_ticket_is_refused(helpdesk, staff):
    staff.first_line_group.is_first_line = False
    helpdesk.dbsession.flush()
    ticket = helpdesk.ticket(staff.user)
    assert ticket.holder_group_id is None
    with pytest.raises(InvalidOperation):
        helpdesk.tickets.nudge(ticket, actor=staff.firstline)


@pytest.mark.parametrize("kwargs,message", [
    ({"subject": "   "}, "subject"),
    ({"channel": "carrier-pigeon"}, "channel"),
    ({"category": "astrology"}, "category"),
    ({"cc": ["not-an-address"]}, "e-mail address"),
])
def test_bad_creation_input_is_refused_with_a_clear_message(helpdesk, staff, kwargs, message):
    arguments = {"requester": staff.user, "subject": "Printer", "channel": "staff", **kwargs}
    with pytest.raises(InvalidOperation) as refused:
        helpdesk.tickets.create(**arguments)
    assert message in str(refused.value)


def test_dispatch_to_a_non_staff_person_or_to_nobody_is_refused(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    with pytest.raises(InvalidOperation):
        helpdesk.tickets.dispatch(ticket, actor=staff.firstline, person=staff.other_user)
    with pytest.raises(InvalidOperation):
        helpdesk.tickets.dispatch(ticket, actor=staff.firstline)
    assert ticket.status is S.new


def test_a_stale_version_is_refused_and_nothing_is_written(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    seen = ticket.version
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network,
                              expected_version=seen)
    with pytest.raises(StaleTicket) as refused:
        helpdesk.tickets.resolve(ticket, actor=staff.agent, expected_version=seen)
    assert ticket.number in str(refused.value)
    assert ticket.status is S.open
    assert events_of(helpdesk, ticket)[-1] is EventKind.dispatched


def test_a_concurrent_change_by_another_session_is_detected_at_write_time(helpdesk, staff):
    """Two staff load the same ticket; the second writer is told, not silently applied."""
    from sqlalchemy.orm import Session

    from pyramid_helpdesk.tickets.services import TicketService

    ticket = helpdesk.ticket(staff.user)
    helpdesk.dbsession.commit()
    other_session = Session(bind=helpdesk.connection, join_transaction_mode="create_savepoint",
                            expire_on_commit=False)
    other = TicketService(other_session, helpdesk.settings, helpdesk.plugins)
    theirs = other.get(ticket.number)
    firstline = other_session.get(type(staff.firstline), staff.firstline.id)
    other_session.commit()  # ends its read; the loaded objects stay in memory
    # The first writer changes the ticket and commits.
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.dbsession.commit()
    # The second writer still has the old version in memory.
    with pytest.raises(StaleTicket):
        other.resolve(theirs, actor=firstline)
    other_session.rollback()
    other_session.close()
    helpdesk.refresh(ticket)
    assert ticket.status is S.open


def test_every_message_and_event_belongs_to_its_ticket(helpdesk, staff):
    first = helpdesk.ticket(staff.user)
    second = helpdesk.ticket(staff.user)
    helpdesk.tickets.reply(first, author=staff.firstline, body="One")
    count = helpdesk.dbsession.scalars(
        select(Message).where(Message.ticket_id == second.id)).all()
    events = helpdesk.dbsession.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == second.id)).all()
    assert len(count) == 1 and len(events) == 1


def test_the_helpdesk_itself_may_add_an_internal_note(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    note = helpdesk.tickets.note(ticket, author=None, body="Delivery to user@example.org failed")
    assert (note.kind, note.author_id, note.author_address) == (MessageKind.internal, None, None)
    assert helpdesk.tickets.messages(ticket, include_internal=False)[-1].kind is MessageKind.public


def test_the_ticket_page_folds_quoted_history_and_keeps_it(helpdesk, staff):
    body = ("Still broken after the update.\n\n"
            "On Mon, 3 Nov 2026, Helpdesk wrote:\n> Try again now.\n")
    ticket = helpdesk.ticket(staff.user, description=body)
    helpdesk.login("user@example.org")
    page = helpdesk.app.get(f"/tickets/{ticket.number}")
    message = page.html.select_one("article.message")
    assert message.select_one("div.body").text.strip() == "Still broken after the update."
    assert "> Try again now." in message.select_one("details.quoted").text
