"""Drafts and requester edits through the lifecycle service."""
import io

import pytest

from pyramid_helpdesk.attachments.store import Upload
from pyramid_helpdesk.errors import InvalidOperation
from pyramid_helpdesk.tickets.models import EventKind, TicketStatus

S = TicketStatus


def upload(name: str, data: bytes = b"log line\n") -> Upload:
    return Upload(name, "text/plain", io.BytesIO(data))


def test_a_draft_has_no_number_no_holder_and_fires_no_hook(helpdesk, staff):
    with helpdesk.recording_hooks() as calls:
        draft = helpdesk.ticket(staff.user, subject="VPN", description="half written",
                                channel="web", draft=True)
    assert (draft.status, draft.number, draft.holder_group_id) == (S.draft, None, None)
    assert [e.kind for e in helpdesk.tickets.events(draft)] == [EventKind.drafted]
    assert [name for name, _ in calls if name.startswith("helpdesk_ticket")] == []


def test_submitting_a_draft_numbers_creates_and_routes_it_now(helpdesk, staff):
    draft = helpdesk.ticket(staff.user, subject="VPN", channel="web", draft=True)
    with helpdesk.recording_hooks() as calls:
        helpdesk.tickets.submit(draft, actor=staff.user)
    assert draft.number == f"HD-{draft.id:06d}"
    assert (draft.status, draft.holder_group_id) == (S.new, staff.first_line_group.id)
    (created,) = [kwargs for name, kwargs in calls if name == "helpdesk_ticket_created"]
    assert created["event"].detail["draft"] is True
    assert [e.kind for e in helpdesk.tickets.events(draft)] == [EventKind.drafted,
                                                                EventKind.created]


def test_an_edit_records_old_and_new_values_and_fires_the_edited_hook(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, subject="Printer jam", description="Tray 1",
                             channel="web", attachments=[upload("old.txt")])
    (old_file,) = helpdesk.tickets.attachments(ticket)
    with helpdesk.recording_hooks() as calls:
        event = helpdesk.tickets.edit(
            ticket, actor=staff.user, subject="Printer jam on floor 2", description="Tray 2",
            cc=["colleague@example.org"], add_attachments=[upload("new.txt", b"new")],
            remove_attachments=[old_file.id],
        )
    assert event.kind is EventKind.edited
    assert event.detail == {
        "subject": ["Printer jam", "Printer jam on floor 2"],
        "description": ["Tray 1", "Tray 2"],
        "cc": [[], ["colleague@example.org"]],
        "attachments_added": ["new.txt"],
        "attachments_removed": ["old.txt"],
    }
    assert [a.filename for a in helpdesk.tickets.attachments(ticket)] == ["new.txt"]
    assert helpdesk.tickets.description_message(ticket).body == "Tray 2"
    (edited,) = [kwargs for name, kwargs in calls if name == "helpdesk_ticket_edited"]
    assert edited["changes"] is event.detail


def test_an_edit_that_changes_nothing_records_nothing(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, subject="Printer jam", channel="web")
    assert helpdesk.tickets.edit(ticket, actor=staff.user, subject=" Printer  jam ") is None
    assert [e.kind for e in helpdesk.tickets.events(ticket)] == [EventKind.created]


def test_the_first_staff_reply_ends_editing(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, channel="web")
    helpdesk.tickets.reply(ticket, author=staff.user, body="More details")
    assert helpdesk.tickets.is_editable(ticket), "the requester's own reply does not end it"
    helpdesk.tickets.reply(ticket, author=staff.firstline, body="Looking into it")
    assert not helpdesk.tickets.is_editable(ticket)
    with pytest.raises(InvalidOperation, match="reply instead"):
        helpdesk.tickets.edit(ticket, actor=staff.user, subject="Changed")


def test_only_the_requester_edits(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user, channel="web")
    with pytest.raises(InvalidOperation, match="only the requester"):
        helpdesk.tickets.edit(ticket, actor=staff.other_user, subject="Mine now")
    assert ticket.subject == "Printer jam"
