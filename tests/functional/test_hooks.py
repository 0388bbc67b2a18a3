"""Every hook of the plugin contract fires when documented, with the documented arguments."""
import inspect
from pathlib import Path

import pytest

from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.plugin import hookspecs
from pyramid_helpdesk.plugin.context import HookContext
from pyramid_helpdesk.tickets.models import EventKind, Message, Ticket, TicketEvent, TicketStatus

HOOK_NAMES = sorted(name for name in dir(hookspecs) if name.startswith("helpdesk_"))


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_every_hook_is_documented_with_its_version(name):
    doc = inspect.getdoc(getattr(hookspecs, name))
    assert doc and len(doc) > 80, f"{name} needs a real docstring"
    assert ".. versionadded::" in doc
    for parameter in inspect.signature(getattr(hookspecs, name)).parameters:
        assert parameter in doc, f"{name}'s docstring does not explain {parameter!r}"


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_every_hook_has_a_test_that_names_it(name):
    tests = "".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    assert name in tests, f"no test calls or implements {name}"


def calls_named(calls, name):
    return [kwargs for hook, kwargs in calls if hook == name]


def test_creation_fires_created_with_the_ticket_its_event_and_the_context(helpdesk, staff):
    with helpdesk.recording_hooks() as calls:
        ticket = helpdesk.ticket(staff.user)
    (kwargs,) = calls_named(calls, "helpdesk_ticket_created")
    assert set(kwargs) == {"ticket", "event", "helpdesk"}
    assert kwargs["ticket"] is ticket and ticket.number
    assert isinstance(kwargs["event"], TicketEvent) and kwargs["event"].kind is EventKind.created
    context = kwargs["helpdesk"]
    assert isinstance(context, HookContext)
    assert context.dbsession is helpdesk.dbsession and context.settings is helpdesk.settings


def test_dispatch_and_take_fire_assigned_and_the_status_change(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    with helpdesk.recording_hooks() as calls:
        helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
        helpdesk.tickets.take(ticket, actor=staff.agent)
    assigned = calls_named(calls, "helpdesk_ticket_assigned")
    assert [k["event"].kind for k in assigned] == [EventKind.dispatched, EventKind.taken]
    (changed,) = calls_named(calls, "helpdesk_ticket_status_changed")
    assert (changed["event"].from_status, changed["event"].to_status) == (
        TicketStatus.new, TicketStatus.open)


def test_forward_fires_forwarded_for_people_and_outside_addresses(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    with helpdesk.recording_hooks() as calls:
        helpdesk.tickets.forward(ticket, actor=staff.firstline, person=staff.agent)
        helpdesk.tickets.forward(ticket, actor=staff.agent, address="vendor@example.net")
    forwarded = calls_named(calls, "helpdesk_ticket_forwarded")
    assert [k["event"].to_person_id for k in forwarded] == [staff.agent.id, None]
    assert forwarded[1]["event"].to_address == "vendor@example.net"
    assert not calls_named(calls, "helpdesk_ticket_assigned")


def test_replies_and_notes_fire_message_added_then_status_changed(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    helpdesk.tickets.dispatch(ticket, actor=staff.firstline, group=staff.network)
    helpdesk.tickets.resolve(ticket, actor=staff.agent)
    with helpdesk.recording_hooks() as calls:
        helpdesk.tickets.note(ticket, author=staff.agent, body="internal")
        helpdesk.tickets.reply(ticket, author=staff.user, body="Not fixed")
    names = [name for name, _ in calls if name.startswith("helpdesk_") and "register" not in name]
    assert names == ["helpdesk_message_added", "helpdesk_message_added",
                     "helpdesk_ticket_status_changed"]
    note, reply = calls_named(calls, "helpdesk_message_added")
    assert set(reply) == {"ticket", "message", "event", "helpdesk"}
    assert isinstance(reply["message"], Message) and reply["message"].body == "Not fixed"
    assert (note["event"].kind, reply["event"].kind) == (EventKind.noted, EventKind.replied)


def test_pending_resolve_close_and_reopen_fire_status_changed(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    with helpdesk.recording_hooks() as calls:
        helpdesk.tickets.set_pending(ticket, actor=staff.firstline)
        helpdesk.tickets.resolve(ticket, actor=staff.firstline)
        helpdesk.tickets.reopen(ticket, actor=staff.user)
        helpdesk.tickets.resolve(ticket, actor=staff.firstline)
        helpdesk.tickets.close(ticket, actor=staff.firstline)
    changes = [(k["event"].from_status.value, k["event"].to_status.value)
               for k in calls_named(calls, "helpdesk_ticket_status_changed")]
    assert changes == [("new", "pending"), ("pending", "resolved"), ("resolved", "open"),
                       ("open", "resolved"), ("resolved", "closed")]


def test_nudge_fires_nudged_with_the_count_already_updated(helpdesk, staff):
    ticket = helpdesk.ticket(staff.user)
    seen = []

    class Plugin:
        @hookimpl
        def helpdesk_ticket_nudged(self, ticket, event, helpdesk):
            seen.append((ticket.nudge_count, event.detail.get("message")))

    helpdesk.plugins.manager.register(Plugin(), name="nudge-watcher")
    try:
        helpdesk.tickets.nudge(ticket, actor=staff.firstline, message="Please call back")
    finally:
        helpdesk.plugins.manager.unregister(name="nudge-watcher")
    assert seen == [(1, "Please call back")]


def test_an_event_hook_may_change_the_ticket_inside_the_transaction(helpdesk, staff):
    class Escalate:
        @hookimpl
        def helpdesk_ticket_created(self, ticket, event, helpdesk):
            if "outage" in ticket.subject.lower():
                ticket.priority = "urgent"

    helpdesk.plugins.manager.register(Escalate(), name="escalate")
    try:
        ticket = helpdesk.ticket(staff.user, subject="Network outage in building 1")
    finally:
        helpdesk.plugins.manager.unregister(name="escalate")
    helpdesk.dbsession.commit()
    helpdesk.dbsession.expire(ticket)
    assert helpdesk.dbsession.get(Ticket, ticket.id).priority.value == "urgent"


def test_the_authenticate_hook_asks_plugin_backends_before_local_accounts(helpdesk, staff):
    class Directory:
        @hookimpl
        def helpdesk_authenticate(self, login, password, helpdesk):
            if login == "user@example.org" and password == "directory-password":
                from pyramid_helpdesk.people.services import find_by_email
                return find_by_email(helpdesk.dbsession, login)
            return None

    helpdesk.plugins.manager.register(Directory(), name="directory")
    try:
        helpdesk.login("user@example.org", "directory-password")
        helpdesk.logout()
        helpdesk.login("user@example.org")  # the local password still works after it
    finally:
        helpdesk.plugins.manager.unregister(name="directory")


def test_registration_hooks_give_channels_notifiers_and_commands(helpdesk):
    hook = helpdesk.plugins.hook
    channels = {c.name for result in hook.helpdesk_register_channels() for c in result}
    assert {"staff", "web"} <= channels
    notifiers = {n.name for result in hook.helpdesk_register_notifiers(settings=helpdesk.settings)
                 for n in result}
    assert {"log", "mailfile"} <= notifiers
    assert set(helpdesk.plugins.notifiers) == {"mailfile"}, "only the configured ones are active"
    assert hook.helpdesk_register_routing_strategies(settings=helpdesk.settings) == []
    assert hook.helpdesk_register_commands() == []
