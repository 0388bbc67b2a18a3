"""``helpdesk fetchmail`` against a real Dovecot: every unseen message stored exactly once."""
from __future__ import annotations

import re
import signal
import subprocess
import threading

import pytest
from sqlalchemy import select

from helpdesk_email.fetchmail import Mailbox, MailboxPoller, imap_folder, uid_set
from pyramid_helpdesk.intake.models import IntakeItem
from pyramid_helpdesk.tickets.models import Message, Ticket
from tests.email_intake.conftest import message
from tests.installation import HELPDESK, command_environment

from .conftest import PASSWORD, email_ini, helpdesk, unreachable_database

SEEN = r"\Seen"


def mailbox_ini(installation, dovecot, user, name="helpdesk.ini", **overrides):
    """An ini whose mailbox ``main`` is ``user``'s INBOX on the test Dovecot."""
    settings = {
        "helpdesk__email__imap__mailboxes": "main",
        "helpdesk__email__imap__main__host": "127.0.0.1",
        "helpdesk__email__imap__main__port": str(dovecot.port),
        "helpdesk__email__imap__main__security": "none",
        "helpdesk__email__imap__main__username": user,
        "helpdesk__email__imap__main__password": PASSWORD,
    }
    return email_ini(installation, name, **{**settings, **overrides})


def put(dovecot, user, *raws: bytes, flags: str = "") -> None:
    """Deliver messages into the user's INBOX, as the mail server would."""
    with dovecot.imap(user) as imap:
        for raw in raws:
            status, _ = imap.append("INBOX", f"({flags})" if flags else None, None,
                                    raw.replace(b"\n", b"\r\n"))
            assert status == "OK"


def flags_by_subject(dovecot, user, folder="INBOX") -> dict[str, set[str]]:
    """The flags of each message in ``folder``, by subject (read without changing them)."""
    with dovecot.imap(user) as imap:
        status, count = imap.select(imap_folder(folder), readonly=True)
        assert status == "OK", folder
        if count == [b"0"]:
            return {}
        status, data = imap.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        found = {}
        for item in data:
            if isinstance(item, tuple):
                flags = set(re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1).decode().split())
                flags.discard(r"\Recent")  # a property of this session, not of the message
                subject = item[1].decode().split(":", 1)[1].strip()
                found[subject] = flags
        return found


def tickets_by_subject(db) -> list[str]:
    return sorted(db().scalars(select(Ticket.subject)))


def mails(*subjects: str) -> list[bytes]:
    return [message(subject=s, message_id=f"{s.lower().replace(' ', '-')}") for s in subjects]


def test_once_stores_every_unseen_message_as_a_ticket_and_marks_it_seen(migrated, db,
                                                                         dovecot):
    user = dovecot.new_user()
    put(dovecot, user, *mails("Printer jams", "VPN drops", "New laptop"))
    put(dovecot, user, message(subject="Read by a colleague already"), flags=SEEN)
    mailbox_ini(migrated, dovecot, user)

    first = helpdesk(migrated, "fetchmail", "--once")
    assert (first.returncode, first.stdout) == (0, "main: 3 stored, 0 left\n"), first.stderr
    assert tickets_by_subject(db) == ["New laptop", "Printer jams", "VPN drops"]
    assert flags_by_subject(dovecot, user) == {
        "Printer jams": {SEEN}, "VPN drops": {SEEN}, "New laptop": {SEEN},
        "Read by a colleague already": {SEEN}}

    second = helpdesk(migrated, "fetchmail", "--once")
    assert (second.returncode, second.stdout) == (0, "main: 0 stored, 0 left\n")
    assert len(tickets_by_subject(db)) == 3


def test_a_batch_is_fetched_with_one_imap_command(migrated, db, dovecot):
    user = dovecot.new_user()
    put(dovecot, user, *mails("Printer jams", "VPN drops", "New laptop", "Disk full"))
    mailbox_ini(migrated, dovecot, user, helpdesk__email__batch_size="3")

    done = helpdesk(migrated, "fetchmail", "--once")
    assert (done.returncode, done.stdout) == (0, "main: 4 stored, 0 left\n"), done.stderr
    assert len(tickets_by_subject(db)) == 4
    # The fetchmail session fetched four messages with two commands (batches of 3 and 1)
    # and marked them seen with two more.
    session = next(text for text in dovecot.commands_received(user) if "BODY.PEEK[]" in text)
    commands = [line.split(" ", 4)[2:4] for line in session.splitlines()]  # time, tag, ...
    assert commands.count(["UID", "FETCH"]) == 2, session
    assert commands.count(["UID", "STORE"]) == 2, session


def test_stored_messages_move_to_the_processed_folder_which_is_created(migrated, db,
                                                                       dovecot):
    user = dovecot.new_user()
    put(dovecot, user, *mails("Printer jams", "VPN drops"))
    mailbox_ini(migrated, dovecot, user, helpdesk__email__imap__main__processed_folder="已处理")

    done = helpdesk(migrated, "fetchmail", "--once")
    assert (done.returncode, done.stdout) == (0, "main: 2 stored, 0 left\n"), done.stderr
    assert tickets_by_subject(db) == ["Printer jams", "VPN drops"]
    assert flags_by_subject(dovecot, user) == {}
    assert flags_by_subject(dovecot, user, "已处理") == {"Printer jams": {SEEN},
                                                       "VPN drops": {SEEN}}


def test_an_unreachable_database_exits_75_and_leaves_every_message_unseen(migrated, db,
                                                                           dovecot):
    user = dovecot.new_user()
    put(dovecot, user, *mails("Printer jams", "VPN drops"))
    down = mailbox_ini(migrated, dovecot, user, name="down.ini",
                       sqlalchemy__url=unreachable_database(migrated))

    failed = helpdesk(migrated, "fetchmail", "--once", ini=down)
    assert (failed.returncode, failed.stdout) == (75, "main: 0 stored, 2 left\n")
    assert failed.stderr.startswith("helpdesk fetchmail: main: cannot store a message now")
    assert len(failed.stderr.splitlines()) == 1
    assert flags_by_subject(dovecot, user) == {"Printer jams": set(), "VPN drops": set()}

    mailbox_ini(migrated, dovecot, user)
    done = helpdesk(migrated, "fetchmail", "--once")
    assert (done.returncode, done.stdout) == (0, "main: 2 stored, 0 left\n"), done.stderr
    assert tickets_by_subject(db) == ["Printer jams", "VPN drops"]


def test_killed_mid_batch_then_run_again_stores_every_message_exactly_once(migrated, db,
                                                                            dovecot):
    user = dovecot.new_user()
    put(dovecot, user, *mails("Printer jams", "VPN drops", "New laptop"))
    # This helpdesk stores two messages per transaction and dies the moment its second
    # ticket is committed: the first batch is stored, and the IMAP server not yet told.
    dying = mailbox_ini(migrated, dovecot, user, name="dying.ini", helpdesk__plugins=(
        "web email tests.email_transports.dies_after_second_commit"),
        helpdesk__email__batch_size="2")

    killed = helpdesk(migrated, "fetchmail", "--once", "--processes", "1", ini=dying)
    assert killed.returncode == -signal.SIGKILL
    assert tickets_by_subject(db) == ["Printer jams", "VPN drops"]
    assert flags_by_subject(dovecot, user) == {
        "Printer jams": set(), "VPN drops": set(), "New laptop": set()}

    mailbox_ini(migrated, dovecot, user)
    done = helpdesk(migrated, "fetchmail", "--once")
    assert (done.returncode, done.stdout) == (0, "main: 3 stored, 0 left\n"), done.stderr
    assert tickets_by_subject(db) == ["New laptop", "Printer jams", "VPN drops"]
    assert len(db().scalars(select(IntakeItem)).all()) == 3
    assert all(flags == {SEEN} for flags in flags_by_subject(dovecot, user).values())


def test_store_processes_store_batches_side_by_side_and_replies_after_their_message(
        migrated, db, dovecot):
    user = dovecot.new_user()
    ann, bob = "Ann Lab <ann.lab@example.org>", "Bob Lab <bob.lab@example.org>"
    put(dovecot, user,
        message(subject="Printer jams", sender=ann, message_id="printer",
                Cc="cy.lab@example.org"),
        message(subject="VPN drops", sender=bob, message_id="vpn"),
        # Batch-mates of the two above in a shared transaction would not be side by side;
        # these come in the next batch, which is stored beside the first one...
        message(subject="Re: Printer jams", sender="Cy Lab <cy.lab@example.org>",
                message_id="printer-reply", In_Reply_To="<printer@mail.example.net>"),
        message(subject="New laptop", sender="Di Lab <di.lab@example.org>"),
        message(subject="Disk full", sender="Ed Lab <ed.lab@example.org>"),
        message(subject="VPN drops again", sender=bob),
        message(subject="Scanner", sender="Fay Lab <fay.lab@example.org>"))
    mailbox_ini(migrated, dovecot, user, helpdesk__email__batch_size="2",
                helpdesk__plugins="web email tests.email_transports.notes_store_process")

    done = helpdesk(migrated, "fetchmail", "--once", "--processes", "2")
    assert (done.returncode, done.stdout) == (0, "main: 7 stored, 0 left\n"), done.stderr
    # ...except the reply, which waited for the ticket it answers, and Bob's second
    # message, which waited for his first (both would add his account).
    reply = db().scalars(select(Message).where(
        Message.email_message_id == "printer-reply@mail.example.net")).one()
    assert reply.ticket.subject == "Printer jams"
    assert tickets_by_subject(db) == ["Disk full", "New laptop", "Printer jams", "Scanner",
                                      "VPN drops", "VPN drops again"]
    assert all(flags == {SEEN} for flags in flags_by_subject(dovecot, user).values())
    stored_by = {line.split(" ", 1)[1]: int(line.split(" ", 1)[0]) for line in
                 (migrated.directory / "store-processes.txt").read_text().splitlines()}
    assert len(set(stored_by.values())) == 2  # two store processes took the batches


def test_a_store_process_that_dies_loses_nothing_and_the_next_run_stores_the_rest(
        migrated, db, dovecot):
    user = dovecot.new_user()
    subjects = ["Printer jams", "VPN drops", "New laptop", "Disk full", "Scanner", "Badge"]
    put(dovecot, user, *[message(subject=s, sender=f"User {n} <user{n}@example.org>",
                                 message_id=f"m{n}") for n, s in enumerate(subjects)])
    # A store process dies the moment its second ticket is committed.
    dying = mailbox_ini(migrated, dovecot, user, name="dying.ini", helpdesk__plugins=(
        "web email tests.email_transports.dies_after_second_commit"),
        helpdesk__email__batch_size="2")

    failed = helpdesk(migrated, "fetchmail", "--once", "--processes", "2", ini=dying)
    assert failed.returncode == 75, failed.stderr
    assert "the store process stopped" in failed.stderr
    stored_first = tickets_by_subject(db)
    unseen = [s for s, flags in flags_by_subject(dovecot, user).items() if not flags]
    assert unseen and set(stored_first) | set(unseen) == set(subjects)

    mailbox_ini(migrated, dovecot, user)
    done = helpdesk(migrated, "fetchmail", "--once")
    assert done.returncode == 0, done.stderr
    assert tickets_by_subject(db) == sorted(subjects)  # each exactly once
    assert len(db().scalars(select(IntakeItem)).all()) == len(subjects)
    assert all(flags == {SEEN} for flags in flags_by_subject(dovecot, user).values())


def test_store_processes_that_cannot_start_leave_every_message_unseen(migrated, db, dovecot):
    user = dovecot.new_user()
    put(dovecot, user, *mails("Printer jams", "VPN drops", "New laptop"))
    broken = mailbox_ini(migrated, dovecot, user, name="broken.ini", helpdesk__plugins=(
        "web email tests.email_transports.fails_in_store_processes"),
        helpdesk__email__batch_size="2")

    failed = helpdesk(migrated, "fetchmail", "--once", ini=broken)
    assert (failed.returncode, failed.stdout) == (75, "main: 0 stored, 3 left\n")
    assert failed.stderr.splitlines()[-1] == (
        "helpdesk fetchmail: main: cannot start the store processes, the messages stay "
        "unseen: RuntimeError: PluginLoadError: plugin "
        "'tests.email_transports.fails_in_store_processes': fails to import: "
        "RuntimeError: this plugin cannot be loaded in a store process")
    assert tickets_by_subject(db) == []
    assert all(flags == set() for flags in flags_by_subject(dovecot, user).values())

    done = helpdesk(migrated, "fetchmail", "--once", "--processes", "1", ini=broken)
    assert (done.returncode, done.stdout) == (0, "main: 3 stored, 0 left\n"), done.stderr
    assert tickets_by_subject(db) == ["New laptop", "Printer jams", "VPN drops"]


def test_a_message_already_delivered_by_mailgate_is_not_stored_twice(migrated, db, dovecot):
    user = dovecot.new_user()
    raw = message(subject="Printer jams", message_id="both-ways")
    put(dovecot, user, raw)
    mailbox_ini(migrated, dovecot, user)
    piped = subprocess.run([str(HELPDESK), "-c", str(migrated.ini), "mailgate"], input=raw,
                           capture_output=True, timeout=120, cwd=migrated.directory,
                           env=command_environment())
    assert piped.returncode == 0, piped.stderr

    done = helpdesk(migrated, "fetchmail", "--once")
    assert (done.returncode, done.stdout) == (0, "main: 1 stored, 0 left\n"), done.stderr
    assert tickets_by_subject(db) == ["Printer jams"]
    assert flags_by_subject(dovecot, user) == {"Printer jams": {SEEN}}


def test_imaps_and_starttls_mailboxes_check_the_server_certificate(migrated, db, dovecot):
    imaps_user, starttls_user = dovecot.new_user(), dovecot.new_user()
    put(dovecot, imaps_user, *mails("Printer jams"))
    put(dovecot, starttls_user, *mails("VPN drops"))
    box = "helpdesk__email__imap__"
    email_ini(migrated, **{
        f"{box}mailboxes": "secure upgraded",
        f"{box}secure__host": "127.0.0.1", f"{box}secure__port": str(dovecot.imaps_port),
        f"{box}secure__security": "ssl", f"{box}secure__ca_file": str(dovecot.ca_file),
        f"{box}secure__username": imaps_user, f"{box}secure__password": PASSWORD,
        f"{box}upgraded__host": "127.0.0.1", f"{box}upgraded__port": str(dovecot.port),
        f"{box}upgraded__security": "starttls", f"{box}upgraded__ca_file": str(dovecot.ca_file),
        f"{box}upgraded__username": starttls_user, f"{box}upgraded__password": PASSWORD,
    })
    done = helpdesk(migrated, "fetchmail", "--once")
    assert (done.returncode, done.stdout) == (
        0, "secure: 1 stored, 0 left\nupgraded: 1 stored, 0 left\n"), done.stderr
    assert tickets_by_subject(db) == ["Printer jams", "VPN drops"]

    # Without the test CA, the self-signed certificate is refused: nothing is sent.
    untrusted = mailbox_ini(migrated, dovecot, imaps_user, name="untrusted.ini", **{
        f"{box}main__port": str(dovecot.imaps_port), f"{box}main__security": "ssl"})
    put(dovecot, imaps_user, *mails("New laptop"))
    refused = helpdesk(migrated, "fetchmail", "--once", ini=untrusted)
    assert refused.returncode == 75
    assert "certificate verify failed" in refused.stderr
    assert flags_by_subject(dovecot, imaps_user)["New laptop"] == set()


def test_a_wrong_password_is_reported_without_showing_it(migrated, dovecot):
    user = dovecot.new_user()
    put(dovecot, user, *mails("Printer jams"))
    mailbox_ini(migrated, dovecot, user,
                helpdesk__email__imap__main__password="not-the-password-42")
    done = helpdesk(migrated, "fetchmail", "--once")
    assert (done.returncode, done.stdout) == (75, "main: 0 stored, 0 left\n")
    assert done.stderr.startswith(f"helpdesk fetchmail: main: IMAP 127.0.0.1:{dovecot.port}: ")
    assert "Authentication failed" in done.stderr
    assert "not-the-password-42" not in done.stderr + done.stdout
    assert flags_by_subject(dovecot, user) == {"Printer jams": set()}


def test_the_loop_polls_again_until_sigterm(migrated, db, dovecot):
    user = dovecot.new_user()
    put(dovecot, user, *mails("Printer jams"))
    mailbox_ini(migrated, dovecot, user)
    process = subprocess.Popen(
        [str(HELPDESK), "-c", str(migrated.ini), "fetchmail", "--interval", "0.2s"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=migrated.directory,
        env=command_environment())
    try:
        assert process.stdout.readline() == "main: 1 stored, 0 left\n"
        put(dovecot, user, *mails("VPN drops"))  # arrives while the command waits
        assert process.stdout.readline() == "main: 1 stored, 0 left\n"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        errors = process.stderr.read()
        process.stdout.close()
        process.stderr.close()
    assert errors == ""
    assert tickets_by_subject(db) == ["Printer jams", "VPN drops"]


@pytest.mark.parametrize(("key", "value", "error"), [
    ("host", "", "host: expected the IMAP server's host name, got ''"),
    ("security", "tls", "security: expected ssl, starttls or none, got 'tls'"),
    ("port", "imaps", "port: expected a port number, got 'imaps'"),
    ("password", "", "password: expected the IMAP password"),  # never shown
])
def test_a_wrong_mailbox_setting_is_named_in_one_line(offline, key, value, error):
    settings = {"host": "imap.example.org", "username": "helpdesk",
                "password": "secret-password-1", key: value}
    email_ini(offline, helpdesk__email__imap__mailboxes="main",
              **{f"helpdesk__email__imap__main__{k}": v for k, v in settings.items()})
    assert offline.fails("fetchmail", "--once") == (
        f"helpdesk: setting helpdesk.email.imap.main.{error}")


class AnsweringServer:
    """Stands in for a server's FETCH answer, as imaplib hands it over."""

    def __init__(self, data):
        self.data = data
        self.asked = []

    def uid(self, *args):
        self.asked.append(args)
        return "OK", self.data


def test_a_fetch_answer_is_read_whatever_the_order_of_its_items():
    # RFC 3501 lets the server name the UID before or after the message, answer in its
    # own order, add updates of other messages, and leave out a message expunged meanwhile.
    server = AnsweringServer([
        (b"2 (BODY[] {5}", b"two\r\n"), b" UID 12)",
        b"7 (FLAGS (\\Seen))",
        (b"1 (UID 11 BODY[] {5}", b"one\r\n"), b")",
    ])
    mailbox = Mailbox("main", "imap.example.org", 143, "none", "helpdesk", "secret-1")
    poller = MailboxPoller(None, mailbox, threading.Event())
    fetched = poller._fetch(server, [b"11", b"12", b"13"])
    assert fetched == {b"11": b"one\r\n", b"12": b"two\r\n"}
    assert list(fetched) == [b"11", b"12"]  # in the order asked for
    assert server.asked == [("FETCH", "11:13", "(UID BODY.PEEK[])")]


def test_a_uid_set_names_runs_of_uids_as_ranges():
    assert uid_set([b"9", b"3", b"4", b"5", b"7", b"6", b"12", b"11"]) == "3:7,9,11:12"
    assert uid_set([b"42"]) == "42"
