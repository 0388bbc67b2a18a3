"""``helpdesk mailgate`` and ``helpdesk-mailgate`` as an MTA runs them: one message on standard
input, an exit code; ``helpdesk mailqueue`` turning what the second journalled into tickets."""
from __future__ import annotations

import signal
import subprocess
import time

from sqlalchemy import select

from pyramid_helpdesk.intake.models import IntakeItem, IntakeStatus
from pyramid_helpdesk.tickets.models import Ticket
from tests.installation import HELPDESK, command_environment

from .conftest import SERVICE, message

FAST_MAILGATE = HELPDESK.with_name("helpdesk-mailgate")


def mailgate(installation, raw: bytes, ini=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(HELPDESK), "-c", str(ini or installation.ini), "mailgate"],
                          input=raw, capture_output=True, timeout=120,
                          cwd=installation.directory, env=command_environment())


def fast_mailgate(installation, raw: bytes, ini=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(FAST_MAILGATE), "-c", str(ini or installation.ini)],
                          input=raw, capture_output=True, timeout=120,
                          cwd=installation.directory, env=command_environment())


def mailqueue(installation, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(HELPDESK), "-c", str(installation.ini), "mailqueue", *args],
                          capture_output=True, text=True, timeout=120,
                          cwd=installation.directory, env=command_environment())


def email_ini(installation, **overrides):
    settings = {"helpdesk__plugins": "web email", "helpdesk__email__address": SERVICE}
    return installation.write_ini(**{**settings, **overrides})


def test_a_piped_message_becomes_a_ticket_and_exits_0(migrated, db):
    email_ini(migrated)
    done = mailgate(migrated, message(message_id="piped"))
    assert done.returncode == 0, done.stderr
    ticket = db().scalars(select(Ticket)).one()
    assert done.stdout.decode().strip() == f"created {ticket.number}"
    again = mailgate(migrated, message(message_id="piped"))
    assert (again.returncode, again.stdout.decode().strip()) == (0, f"duplicate {ticket.number}")


def test_an_unusable_message_is_quarantined_and_still_exits_0(migrated, db):
    email_ini(migrated)
    done = mailgate(migrated, message(sender=""))
    assert done.returncode == 0, done.stderr
    item = db().scalars(select(IntakeItem)).one()
    assert item.status is IntakeStatus.quarantined
    assert "no sender" in item.reason


def test_an_unreachable_database_exits_75_so_the_mta_retries(offline, tmp_path):
    ini = offline.write_ini(
        sqlalchemy__url=f"sqlite:///{tmp_path / 'missing-directory' / 'helpdesk.sqlite'}",
        helpdesk__plugins="web email", helpdesk__email__address=SERVICE)
    done = mailgate(offline, message(), ini=ini)
    assert done.returncode == 75
    assert "retry later" in done.stderr.decode()
    assert b"Traceback" not in done.stderr


def test_empty_input_is_refused_as_no_message(migrated):
    email_ini(migrated)
    done = mailgate(migrated, b"")
    assert done.returncode == 65
    assert "empty" in done.stderr.decode()


# -- helpdesk-mailgate: journal now, process in helpdesk mailqueue ------------------------


def items(db) -> list[tuple[str, IntakeStatus]]:
    return [(item.dedupe_key, item.status)
            for item in db().scalars(select(IntakeItem).order_by(IntakeItem.id))]


def test_the_fast_mailgate_journals_and_mailqueue_makes_the_ticket(migrated, db):
    email_ini(migrated)
    done = fast_mailgate(migrated, message(message_id="fast"))
    assert (done.returncode, done.stdout.decode()) == (0, "queued fast@mail.example.net\n")
    assert items(db) == [("fast@mail.example.net", IntakeStatus.received)]
    assert db().scalars(select(Ticket)).all() == []
    again = fast_mailgate(migrated, message(message_id="fast"))
    assert (again.returncode, again.stdout.decode()) == (0, "duplicate fast@mail.example.net\n")

    processed = mailqueue(migrated, "--once")
    assert (processed.returncode, processed.stdout) == (0, "1 created\n"), processed.stderr
    ticket = db().scalars(select(Ticket)).one()
    assert (ticket.subject, ticket.channel) == ("Printer on floor 2 jams", "email")
    assert items(db) == [("fast@mail.example.net", IntakeStatus.processed)]
    assert mailqueue(migrated, "--once").stdout == "nothing waiting\n"


def test_mailqueue_quarantines_what_cannot_become_a_ticket(migrated, db):
    email_ini(migrated)
    assert fast_mailgate(migrated, message(sender="", message_id="nobody")).returncode == 0
    assert fast_mailgate(migrated, message(message_id="somebody")).returncode == 0
    processed = mailqueue(migrated, "--once")
    assert processed.stdout == "1 created, 1 quarantined\n"
    assert items(db) == [("nobody@mail.example.net", IntakeStatus.quarantined),
                         ("somebody@mail.example.net", IntakeStatus.processed)]


def test_mailqueue_quarantines_a_message_that_trips_a_defect_and_goes_on(migrated, db):
    email_ini(migrated, helpdesk__plugins="web email tests.email_transports.fails_on_explode")
    for subject in ("Printer jams", "Explode", "VPN drops"):
        assert fast_mailgate(migrated, message(subject=subject)).returncode == 0
    processed = mailqueue(migrated, "--once")
    assert processed.stdout == "2 created, 1 quarantined\n"
    assert sorted(db().scalars(select(Ticket.subject))) == ["Printer jams", "VPN drops"]
    item = db().scalars(select(IntakeItem).where(
        IntakeItem.status == IntakeStatus.quarantined)).one()
    assert item.reason == "could not be processed: RuntimeError: a plugin defect"


def test_a_journalled_message_delivered_again_through_helpdesk_mailgate_is_processed(
        migrated, db):
    email_ini(migrated)
    assert fast_mailgate(migrated, message(message_id="both")).returncode == 0
    done = mailgate(migrated, message(message_id="both"))
    ticket = db().scalars(select(Ticket)).one()
    assert done.stdout.decode().strip() == f"created {ticket.number}"
    assert mailqueue(migrated, "--once").stdout == "nothing waiting\n"
    assert items(db) == [("both@mail.example.net", IntakeStatus.processed)]


def test_the_fast_mailgate_exits_75_when_the_database_is_unreachable(offline, tmp_path):
    ini = offline.write_ini(
        sqlalchemy__url=f"sqlite:///{tmp_path / 'missing-directory' / 'helpdesk.sqlite'}")
    done = fast_mailgate(offline, message(), ini=ini)
    assert done.returncode == 75
    assert "retry later" in done.stderr.decode()
    assert b"Traceback" not in done.stderr
    assert not (tmp_path / "missing-directory").exists()


def test_the_fast_mailgate_exits_75_without_its_configuration(offline, tmp_path):
    done = fast_mailgate(offline, message(), ini=tmp_path / "nowhere.ini")
    assert done.returncode == 75
    assert "no such configuration file" in done.stderr.decode()


def test_the_fast_mailgate_refuses_empty_input_as_no_message(migrated, db):
    email_ini(migrated)
    done = fast_mailgate(migrated, b"\n")
    assert done.returncode == 65
    assert "empty" in done.stderr.decode()
    assert items(db) == []


def ticket_count(db) -> int:
    with db() as session:  # closed at once: polled in a loop
        return len(session.scalars(select(Ticket.id)).all())


def test_mailqueue_running_makes_tickets_of_what_arrives_until_sigterm(migrated, db):
    email_ini(migrated)
    process = subprocess.Popen(
        [str(HELPDESK), "-c", str(migrated.ini), "mailqueue", "--interval", "0.2s"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=migrated.directory,
        env=command_environment())
    try:
        for count, subject in enumerate(("Printer jams", "VPN drops"), start=1):
            assert fast_mailgate(migrated, message(subject=subject)).returncode == 0
            deadline = time.monotonic() + 60
            while ticket_count(db) < count:
                assert time.monotonic() < deadline, "no ticket within 60 s"
                time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        output, errors = process.stdout.read(), process.stderr.read()
        process.stdout.close()
        process.stderr.close()
    assert (output, errors) == ("2 created\n", "")
    assert sorted(db().scalars(select(Ticket.subject))) == ["Printer jams", "VPN drops"]


def test_the_journal_function_stores_a_message_once(migrated, db):
    from helpdesk_email import spool

    raw = message(message_id="journal-once")
    assert spool.journal(migrated.database_url, raw) is True
    assert spool.journal(migrated.database_url, raw) is False
    assert items(db) == [("journal-once@mail.example.net", IntakeStatus.received)]
    assert db().scalars(select(IntakeItem.raw)).one() == raw


def test_mailqueue_killed_after_a_commit_then_run_again_makes_each_ticket_once(migrated, db):
    email_ini(migrated, helpdesk__email__batch_size="2", helpdesk__plugins=(
        "web email tests.email_transports.dies_after_second_commit"))
    for subject in ("Printer jams", "VPN drops", "New laptop"):
        assert fast_mailgate(migrated, message(subject=subject)).returncode == 0

    killed = mailqueue(migrated, "--once")  # dies once its first batch is committed
    assert killed.returncode == -signal.SIGKILL
    assert sorted(db().scalars(select(Ticket.subject))) == ["Printer jams", "VPN drops"]

    email_ini(migrated)
    done = mailqueue(migrated, "--once")
    assert (done.returncode, done.stdout) == (0, "1 created\n"), done.stderr
    assert sorted(db().scalars(select(Ticket.subject))) == [
        "New laptop", "Printer jams", "VPN drops"]
    assert [status for _key, status in items(db)] == [IntakeStatus.processed] * 3


def test_mailqueue_once_exits_75_when_the_database_is_unreachable(offline, tmp_path):
    email_ini(offline, sqlalchemy__url=f"sqlite:///{tmp_path / 'missing' / 'helpdesk.sqlite'}")
    done = mailqueue(offline, "--once")
    assert done.returncode == 75
    assert done.stderr.startswith("helpdesk mailqueue: database unreachable, retrying: ")
    assert "Traceback" not in done.stderr
