"""Each recipient hears of a notification the way they chose for its kind: e-mail,
chat (through the active chat robots, falling back to e-mail without one) or not at
all; account mails and kinds nobody chooses for always go by e-mail."""
from sqlalchemy import select

from pyramid_helpdesk.notifications.models import Notification
from pyramid_helpdesk.notifications.preferences import PREFERENCE_KINDS, choice_for
from pyramid_helpdesk.notifications.services import Outbox
from pyramid_helpdesk.testing import counted_statements

from .chat_plugin import EventHook, RecordingChat
from .conftest import people


class Mailer:
    """An e-mail notifier that declares no medium (e-mail by default)."""

    name = "mailer"

    def deliver(self, message):
        pass


NOTIFIERS = {"mailer": Mailer(), "robot": RecordingChat(), "events": EventHook()}


def sent(outbox, kind, *recipients, **kw):
    """``(notifier, recipient, data)`` of the rows one enqueue adds."""
    rows = outbox.enqueue(kind, recipients, "[HD-000042] Printer jam", "Look at it.\n",
                          data={"ticket": "HD-000042"}, **kw)
    return sorted((row.notifier, row.recipient, row.data) for row in rows)


def prefer(person, **choices):
    person.notification_preferences = choices


def test_a_person_who_chose_none_gets_no_row(helpdesk):
    agent = helpdesk.person("agent@example.org", "agent", phone="13800005555")
    prefer(agent, ticket_nudged="none")
    outbox = Outbox(helpdesk.dbsession, NOTIFIERS)

    assert sent(outbox, "ticket_nudged", "agent@example.org") == []
    assert outbox.queued["agent@example.org", "ticket_nudged"] == 0
    # The other kinds still come by e-mail.
    assert sent(outbox, "ticket_assigned", "agent@example.org") == [
        ("mailer", "agent@example.org", {"ticket": "HD-000042"})]


def test_chat_goes_to_the_chat_robots_with_the_mobile_and_name_and_not_by_mail(helpdesk):
    agent = helpdesk.person("Agent@Example.org", "agent", name="Ann Agent",
                            phone="13800005555")
    prefer(agent, ticket_assigned="chat")
    outbox = Outbox(helpdesk.dbsession, NOTIFIERS)

    assert sent(outbox, "ticket_assigned", "agent@example.org", "outside@example.net") == [
        ("mailer", "outside@example.net", {"ticket": "HD-000042"}),
        ("robot", "agent@example.org",
         {"ticket": "HD-000042", "mobile": "13800005555", "name": "Ann Agent"}),
    ]


def test_chat_falls_back_to_mail_without_an_active_chat_robot(helpdesk):
    agent = helpdesk.person("agent@example.org", "agent", phone="13800005555")
    prefer(agent, ticket_assigned="chat")

    assert sent(Outbox(helpdesk.dbsession, {"mailer": Mailer(), "events": EventHook()}),
                "ticket_assigned", "agent@example.org") == [
        ("mailer", "agent@example.org", {"ticket": "HD-000042"})]


def test_chat_is_for_staff_with_a_phone_number(helpdesk):
    requester = helpdesk.person("user@example.org", phone="010-5555 0100")
    no_phone = helpdesk.person("no-phone@example.org", "agent", phone="")
    for person in (requester, no_phone):
        prefer(person, message_public="chat")

    assert sent(Outbox(helpdesk.dbsession, NOTIFIERS), "message_public",
                "user@example.org", "no-phone@example.org") == [
        ("mailer", "no-phone@example.org", {"ticket": "HD-000042"}),
        ("mailer", "user@example.org", {"ticket": "HD-000042"})]


def test_event_notifiers_never_get_rows_from_the_outbox(helpdesk):
    rows = sent(Outbox(helpdesk.dbsession, NOTIFIERS), "account_verify", "new@example.net")
    assert [notifier for notifier, *_ in rows] == ["mailer"]


def test_kinds_nobody_chooses_for_ignore_stored_preferences(helpdesk):
    person = helpdesk.person("user@example.org")
    prefer(person, password_reset="none", account_verify="chat", plugin_kind="none")
    outbox = Outbox(helpdesk.dbsession, NOTIFIERS)

    for kind in ("password_reset", "account_verify", "plugin_kind"):
        assert kind not in PREFERENCE_KINDS
        assert choice_for(person, kind) == "email"
        assert sent(outbox, kind, "user@example.org") == [
            ("mailer", "user@example.org", {"ticket": "HD-000042"})]


def test_a_list_of_names_makes_every_notifier_an_email_one(helpdesk):
    agent = helpdesk.person("agent@example.org", "agent", phone="13800005555")
    prefer(agent, ticket_nudged="chat", ticket_assigned="none")
    outbox = Outbox(helpdesk.dbsession, ["mailfile", "log"])

    assert outbox.notifier_names == ("mailfile", "log")
    assert [n for n, *_ in sent(outbox, "ticket_nudged", "agent@example.org")] == [
        "log", "mailfile"]
    assert sent(outbox, "ticket_assigned", "agent@example.org") == []


def test_an_unknown_stored_value_means_email(helpdesk):
    agent = helpdesk.person("agent@example.org", "agent")
    prefer(agent, ticket_nudged="pigeon")
    assert [n for n, *_ in sent(Outbox(helpdesk.dbsession, NOTIFIERS), "ticket_nudged",
                                "agent@example.org")] == ["mailer"]


def test_the_outbox_reads_preferences_once_or_not_at_all(helpdesk):
    agent = helpdesk.person("agent@example.org", "agent", phone="13800005555")
    prefer(agent, ticket_nudged="none")
    helpdesk.dbsession.flush()
    outbox = Outbox(helpdesk.dbsession, NOTIFIERS)
    recipients = ["agent@example.org", *(f"agent-{n}@example.org" for n in range(20))]

    with counted_statements(helpdesk.connection) as unknown:
        rows = outbox.enqueue("ticket_nudged", recipients, "Reminder", "Look.\n")
    with counted_statements(helpdesk.connection) as known:
        outbox.enqueue("ticket_nudged", recipients, "Reminder", "Look.\n", people=[agent])
    with counted_statements(helpdesk.connection) as account_mail:
        outbox.enqueue("password_reset", recipients, "Reset", "Link.\n")

    assert len(rows) == 20
    assert len(unknown) == 1 and unknown[0].lstrip().upper().startswith("SELECT")
    assert known == [] and account_mail == []


def test_the_composer_reads_preferences_with_the_languages_of_the_recipients(
        chat_desk):
    """A ticket dispatched to an agent who chose chat: the composer's one query of the
    recipients gives the outbox what it needs, and the robot gets the row."""
    team = people(chat_desk)
    prefer(team.agent, ticket_assigned="chat")
    ticket = chat_desk.ticket(team.user, subject="Printer jam")

    with counted_statements(chat_desk.connection) as statements:
        chat_desk.tickets.dispatch(ticket, actor=team.firstline, person=team.agent)
        chat_desk.dbsession.flush()

    rows = chat_desk.dbsession.scalars(select(Notification).where(
        Notification.ticket_id == ticket.id, Notification.kind == "ticket_assigned")).all()
    assert [(row.notifier, row.recipient, row.data) for row in rows] == [
        ("robot", "agent@example.org",
         {"ticket": ticket.number, "mobile": "13800005555", "name": "Ann Agent"})]
    # One read of the recipients (the holder): language, preferences, phone, name.
    people_reads = [s for s in statements if "FROM people" in s]
    assert len(people_reads) == 1, people_reads
    assert "people.notification_preferences, people.phone" in people_reads[0]


def test_a_password_reset_arrives_whatever_the_person_chose(helpdesk):
    helpdesk.registry.helpdesk_rate_limits.reset()
    person = helpdesk.person("user@example.org")
    prefer(person, password_reset="none", **dict.fromkeys(PREFERENCE_KINDS, "none"))
    helpdesk.dbsession.flush()

    helpdesk.app.post("/password/forgot", {"email": "user@example.org",
                                           "csrf_token": helpdesk.csrf_token("/password/forgot")})

    assert helpdesk.dbsession.scalars(select(Notification.kind).where(
        Notification.recipient == "user@example.org")).all() == ["password_reset"]
