"""``helpdesk mailgate`` as an MTA runs it: one message on standard input, an exit code."""
from __future__ import annotations

import subprocess

from sqlalchemy import select

from pyramid_helpdesk.intake.models import IntakeItem, IntakeStatus
from pyramid_helpdesk.tickets.models import Ticket
from tests.installation import HELPDESK, command_environment

from .conftest import SERVICE, message


def mailgate(installation, raw: bytes, ini=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(HELPDESK), "-c", str(ini or installation.ini), "mailgate"],
                          input=raw, capture_output=True, timeout=120,
                          cwd=installation.directory, env=command_environment())


def email_ini(installation, **overrides):
    return installation.write_ini(helpdesk__plugins="web email",
                                  helpdesk__email__address=SERVICE, **overrides)


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
