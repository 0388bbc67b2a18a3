"""Staff change priority and category, and merge a duplicate into another ticket."""
import pytest

from pyramid_helpdesk.errors import InvalidOperation, StaleTicket
from pyramid_helpdesk.tickets.models import (
    EventKind,
    ExternalAuthorization,
    Priority,
    TicketEvent,
    TicketStatus,
)


def events(helpdesk, ticket, kind):
    return [e for e in helpdesk.tickets.events(ticket) if e.kind is kind]


def test_change_records_old_and_new_values_and_fires_helpdesk_ticket_changed(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    with helpdesk.recording_hooks() as calls:
        event = helpdesk.tickets.change(ticket, actor=staff.agent, priority="urgent",
                                        category=helpdesk.settings.categories[0])
    assert ticket.priority is Priority.urgent
    assert event.kind is EventKind.changed and event.actor_id == staff.agent.id
    assert event.detail == {"priority": ["normal", "urgent"],
                            "category": [None, helpdesk.settings.categories[0]]}
    (kwargs,) = [kw for hook, kw in calls if hook == "helpdesk_ticket_changed"]
    assert kwargs["ticket"] is ticket and kwargs["changes"] == event.detail


def test_change_without_a_difference_records_nothing(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    assert helpdesk.tickets.change(ticket, actor=staff.agent, priority="normal") is None
    assert events(helpdesk, ticket, EventKind.changed) == []


@pytest.mark.parametrize("arguments", [{"priority": "someday"}, {"category": "no-such"}])
def test_change_refuses_unknown_values(helpdesk, staff, arguments):
    ticket = helpdesk.ticket(staff.user)
    with pytest.raises(InvalidOperation):
        helpdesk.tickets.change(ticket, actor=staff.agent, **arguments)


def test_only_staff_change_and_a_stale_version_is_refused(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    with pytest.raises(InvalidOperation):
        helpdesk.tickets.change(ticket, actor=staff.user, priority="high")
    with pytest.raises(StaleTicket):
        helpdesk.tickets.change(ticket, actor=staff.agent, priority="high",
                                expected_version=ticket.version - 1)


def test_merge_moves_messages_files_cc_and_access_and_closes_the_duplicate(helpdesk, staff):
    tickets = helpdesk.tickets
    target = helpdesk.ticket(staff.user, subject="Printer jam", description="Tray 2 jams.")
    duplicate = helpdesk.ticket(staff.other_user, subject="Printer again",
                                description="Same printer.", cc=["lab@example.org"])
    tickets.reply(duplicate, author=staff.agent, body="Looking at it.")
    tickets.forward(duplicate, actor=staff.firstline, address="vendor@example.net")
    with helpdesk.recording_hooks() as calls:
        event = tickets.merge(duplicate, into=target, actor=staff.firstline)

    assert duplicate.status is TicketStatus.closed and duplicate.merged_into_id == target.id
    assert event.detail == {"into": target.number}
    assert [m.body for m in tickets.messages(target, include_internal=True)] == [
        "Tray 2 jams.", "Same printer.", "Looking at it."]
    assert tickets.messages(duplicate, include_internal=True) == []
    assert sorted(cc.email for cc in target.cc) == ["lab@example.org", "other-user@example.org"]
    assert duplicate.cc == []
    access = helpdesk.dbsession.query(ExternalAuthorization).one()
    assert access.ticket_id == target.id
    (on_target,) = events(helpdesk, target, EventKind.merged)
    assert on_target.detail == {"from": duplicate.number, "messages": 2,
                                "cc_added": ["other-user@example.org", "lab@example.org"]}
    (kwargs,) = [kw for hook, kw in calls if hook == "helpdesk_ticket_merged"]
    assert kwargs["ticket"] is duplicate and kwargs["into"] is target
    assert isinstance(kwargs["event"], TicketEvent)


def test_the_number_of_a_merged_ticket_leads_to_its_target(helpdesk, staff):
    tickets = helpdesk.tickets
    first, second, third = (helpdesk.ticket(staff.user) for _ in range(3))
    tickets.merge(first, into=second, actor=staff.firstline)
    tickets.merge(second, into=third, actor=staff.firstline)
    assert tickets.get(first.number) is first
    assert tickets.get(first.number, follow_merges=True) is third


@pytest.mark.parametrize("target_state", ["itself", "closed"])
def test_merge_refuses_itself_and_a_closed_target(helpdesk, staff, target_state):
    tickets = helpdesk.tickets
    duplicate = helpdesk.ticket(staff.user)
    target = duplicate if target_state == "itself" else helpdesk.ticket(staff.user)
    if target_state == "closed":
        tickets.resolve(target, actor=staff.agent)
        tickets.close(target, actor=staff.agent)
    with pytest.raises(InvalidOperation):
        tickets.merge(duplicate, into=target, actor=staff.firstline)
    assert duplicate.status is TicketStatus.new


def test_merge_checks_the_target_version_the_actor_saw(helpdesk, staff):
    tickets = helpdesk.tickets
    duplicate, target = helpdesk.ticket(staff.user), helpdesk.ticket(staff.user)
    with pytest.raises(StaleTicket):
        tickets.merge(duplicate, into=target, actor=staff.firstline,
                      into_version=target.version - 1)
