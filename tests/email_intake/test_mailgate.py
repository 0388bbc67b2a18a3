"""``helpdesk mailgate`` as an MTA runs it: one message on standard input, an exit code.

Without options it journals the message (a quick command of the ``helpdesk``
launcher, without SQLAlchemy); ``helpdesk worker`` or ``helpdesk mailqueue``
then turns the journal into tickets. ``helpdesk mailgate --now`` does both in
one process.
"""
from __future__ import annotations

import email
import email.policy
import signal
import subprocess
import time

from sqlalchemy import select

from pyramid_helpdesk.intake.models import IntakeItem, IntakeStatus
from pyramid_helpdesk.tickets.models import Ticket
from tests.installation import HELPDESK, command_environment

from .conftest import SERVICE, message


def mailgate(installation, raw: bytes, *args: str, ini=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(HELPDESK), "-c", str(ini or installation.ini), "mailgate", *args],
                          input=raw, capture_output=True, timeout=120,
                          cwd=installation.directory, env=command_environment())


def helpdesk(installation, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(HELPDESK), "-c", str(installation.ini), *args],
                          capture_output=True, text=True, timeout=120,
                          cwd=installation.directory, env=command_environment())


def mailqueue(installation, *args: str) -> subprocess.CompletedProcess:
    return helpdesk(installation, "mailqueue", *args)


def email_ini(installation, **overrides):
    settings = {"helpdesk__plugins": "web email", "helpdesk__email__address": SERVICE}
    return installation.write_ini(**{**settings, **overrides})


def items(db) -> list[tuple[str, IntakeStatus]]:
    return [(item.dedupe_key, item.status)
            for item in db().scalars(select(IntakeItem).order_by(IntakeItem.id))]


def unreachable_ini(installation, tmp_path):
    return email_ini(installation, sqlalchemy__url=(
        f"sqlite:///{tmp_path / 'missing-directory' / 'helpdesk.sqlite'}"))


# -- helpdesk mailgate: journal now, the worker makes the ticket -------------------------


def test_a_piped_message_is_journalled_and_the_worker_makes_the_ticket_and_acknowledges_it(
        migrated, db):
    email_ini(migrated)
    done = mailgate(migrated, message(message_id="piped"))
    assert (done.returncode, done.stdout.decode()) == (0, "queued piped@mail.example.net\n")
    assert items(db) == [("piped@mail.example.net", IntakeStatus.received)]
    assert db().scalars(select(Ticket)).all() == []
    again = mailgate(migrated, message(message_id="piped"))
    assert (again.returncode, again.stdout.decode()) == (0, "duplicate piped@mail.example.net\n")

    worked = helpdesk(migrated, "worker", "--once")
    assert worked.returncode == 0, worked.stderr
    ticket = db().scalars(select(Ticket)).one()
    assert (ticket.subject, ticket.channel) == ("Printer on floor 2 jams", "email")
    assert items(db) == [("piped@mail.example.net", IntakeStatus.processed)]
    # The acknowledgement queued while the journal was processed went out in that run.
    assert worked.stdout == "sent 1, to retry 0, failed 0\n"
    acknowledgement, = (email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                        for path in migrated.mail_dir.glob("*.eml"))
    assert acknowledgement["To"] == "user@example.org"
    assert acknowledgement["Subject"].startswith(f"[{ticket.number}]")
    assert helpdesk(migrated, "worker", "--once").stdout == "sent 0, to retry 0, failed 0\n"


# What the quick command must not import: each costs every piped message its import time.
HEAVY = ("click", "pluggy", "pyramid", "sqlalchemy", "chameleon", "helpdesk_email.plugin")
REPORT_IMPORTS = (
    "import atexit, sys\n"
    "atexit.register(lambda: print(' '.join(sorted(n for n in {heavy!r} if n in sys.modules)),"
    " file=sys.stderr))\n"
    "sys.argv = ['helpdesk', '-c', {ini!r}, 'mailgate']\n"
    "from pyramid_helpdesk.launcher import run\n"
    "run()\n")


def test_a_piped_message_is_journalled_without_importing_the_framework(migrated, db):
    email_ini(migrated)
    code = REPORT_IMPORTS.format(heavy=HEAVY, ini=str(migrated.ini))
    done = subprocess.run([str(HELPDESK.with_name("python")), "-c", code],
                          input=message(message_id="light"), capture_output=True, timeout=120,
                          cwd=migrated.directory, env=command_environment())
    assert (done.returncode, done.stdout.decode()) == (0, "queued light@mail.example.net\n")
    assert done.stderr.decode().strip() == ""  # none of HEAVY was imported
    assert items(db) == [("light@mail.example.net", IntakeStatus.received)]


def test_the_ini_file_may_name_the_plugin_by_its_module(migrated, db):
    email_ini(migrated, helpdesk__plugins="web helpdesk_email.plugin")
    done = mailgate(migrated, message(message_id="dotted"))
    assert (done.returncode, done.stdout.decode()) == (0, "queued dotted@mail.example.net\n")
    assert items(db) == [("dotted@mail.example.net", IntakeStatus.received)]


def test_under_another_plugin_name_the_full_command_journals_the_message_the_same_way(
        migrated, db):
    email_ini(migrated, helpdesk__plugins="web tests.email_intake.email_by_another_name")
    done = mailgate(migrated, message(message_id="aliased"))
    assert (done.returncode, done.stdout.decode()) == (0, "queued aliased@mail.example.net\n")
    again = mailgate(migrated, message(message_id="aliased"))
    assert (again.returncode, again.stdout.decode()) == (
        0, "duplicate aliased@mail.example.net\n")
    assert items(db) == [("aliased@mail.example.net", IntakeStatus.received)]
    assert mailgate(migrated, b"").returncode == 65


def test_the_ini_file_is_found_as_the_helpdesk_command_finds_it(migrated, db):
    email_ini(migrated)
    env = command_environment()
    for number, command in enumerate((["--config", str(migrated.ini)],
                                      [f"--config={migrated.ini}"],
                                      [f"-c{migrated.ini}"],
                                      [])):  # HELPDESK_CONFIG
        done = subprocess.run(
            [str(HELPDESK), *command, "mailgate"], input=message(message_id=f"ini-{number}"),
            capture_output=True, timeout=120, cwd=migrated.directory,
            env={**env, "HELPDESK_CONFIG": str(migrated.ini)} if not command else env)
        assert (done.returncode, done.stdout.decode()) == (
            0, f"queued ini-{number}@mail.example.net\n"), done.stderr
    assert len(items(db)) == 4


def test_without_the_email_plugin_there_is_no_mailgate_command(migrated, db):
    migrated.write_ini(helpdesk__plugins="web")
    done = mailgate(migrated, message())
    assert done.returncode == 2
    assert "No such command 'mailgate'" in done.stderr.decode()
    assert b"Traceback" not in done.stderr
    assert items(db) == []


def test_an_unreachable_database_exits_75_so_the_mta_retries(offline, tmp_path):
    ini = unreachable_ini(offline, tmp_path)
    for args in ((), ("--now",)):
        done = mailgate(offline, message(), *args, ini=ini)
        assert done.returncode == 75, args
        assert done.stderr.decode().startswith(
            "helpdesk mailgate: cannot store the message now, retry later: "), args
        assert b"Traceback" not in done.stderr
    assert not (tmp_path / "missing-directory").exists()


def test_a_missing_configuration_file_exits_75_so_the_mta_retries(offline, tmp_path):
    done = mailgate(offline, message(), ini=tmp_path / "nowhere.ini")
    assert done.returncode == 75
    assert "no such configuration file" in done.stderr.decode()


def test_empty_input_is_refused_as_no_message(migrated, db):
    email_ini(migrated)
    for args in ((), ("--now",)):
        done = mailgate(migrated, b"\n", *args)
        assert done.returncode == 65, args
        assert done.stderr.decode() == (
            "helpdesk mailgate: standard input is empty, no message to store\n"), args
    assert items(db) == []


# -- helpdesk mailgate --now: the ticket at once -------------------------------------------


def test_with_now_a_piped_message_becomes_a_ticket_at_once(migrated, db):
    email_ini(migrated)
    done = mailgate(migrated, message(message_id="piped"), "--now")
    assert done.returncode == 0, done.stderr
    ticket = db().scalars(select(Ticket)).one()
    assert done.stdout.decode() == f"created {ticket.number}\n"
    again = mailgate(migrated, message(message_id="piped"), "--now")
    assert (again.returncode, again.stdout.decode()) == (0, f"duplicate {ticket.number}\n")


def test_with_now_an_unusable_message_is_quarantined_and_still_exits_0(migrated, db):
    email_ini(migrated)
    done = mailgate(migrated, message(sender=""), "--now")
    assert done.returncode == 0, done.stderr
    item = db().scalars(select(IntakeItem)).one()
    assert item.status is IntakeStatus.quarantined
    assert "no sender" in item.reason


def test_a_journalled_message_delivered_again_with_now_is_processed(migrated, db):
    email_ini(migrated)
    assert mailgate(migrated, message(message_id="both")).returncode == 0
    done = mailgate(migrated, message(message_id="both"), "--now")
    ticket = db().scalars(select(Ticket)).one()
    assert done.stdout.decode() == f"created {ticket.number}\n"
    assert mailqueue(migrated, "--once").stdout == "nothing waiting\n"
    assert items(db) == [("both@mail.example.net", IntakeStatus.processed)]


# -- helpdesk mailqueue: the journal in a process of its own -------------------------------


def test_mailqueue_makes_the_ticket_of_a_journalled_message(migrated, db):
    email_ini(migrated)
    assert mailgate(migrated, message(message_id="queued")).returncode == 0
    processed = mailqueue(migrated, "--once")
    assert (processed.returncode, processed.stdout) == (0, "1 created\n"), processed.stderr
    ticket = db().scalars(select(Ticket)).one()
    assert (ticket.subject, ticket.channel) == ("Printer on floor 2 jams", "email")
    assert items(db) == [("queued@mail.example.net", IntakeStatus.processed)]
    assert mailqueue(migrated, "--once").stdout == "nothing waiting\n"


def test_mailqueue_quarantines_what_cannot_become_a_ticket(migrated, db):
    email_ini(migrated)
    assert mailgate(migrated, message(sender="", message_id="nobody")).returncode == 0
    assert mailgate(migrated, message(message_id="somebody")).returncode == 0
    processed = mailqueue(migrated, "--once")
    assert processed.stdout == "1 created, 1 quarantined\n"
    assert items(db) == [("nobody@mail.example.net", IntakeStatus.quarantined),
                         ("somebody@mail.example.net", IntakeStatus.processed)]


def test_mailqueue_quarantines_a_message_that_trips_a_defect_and_goes_on(migrated, db):
    email_ini(migrated, helpdesk__plugins="web email tests.email_transports.fails_on_explode")
    for subject in ("Printer jams", "Explode", "VPN drops"):
        assert mailgate(migrated, message(subject=subject)).returncode == 0
    processed = mailqueue(migrated, "--once")
    assert processed.stdout == "2 created, 1 quarantined\n"
    assert sorted(db().scalars(select(Ticket.subject))) == ["Printer jams", "VPN drops"]
    item = db().scalars(select(IntakeItem).where(
        IntakeItem.status == IntakeStatus.quarantined)).one()
    assert item.reason == "could not be processed: RuntimeError: a plugin defect"


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
            assert mailgate(migrated, message(subject=subject)).returncode == 0
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
        assert mailgate(migrated, message(subject=subject)).returncode == 0

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
