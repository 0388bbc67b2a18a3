"""The ``helpdesk`` sub-commands of the e-mail channel."""
from __future__ import annotations

import sys

import click

EX_DATAERR = 65  # not a message at all: the MTA bounces it
EX_TEMPFAIL = 75  # could not be stored now: the MTA keeps it and retries


def mail_intake(env, dbsession):
    """A :class:`~helpdesk_email.intake.MailIntake` on ``dbsession``."""
    from .intake import MailIntake
    from .settings import read_intake_settings

    return MailIntake(env.tickets(dbsession), read_intake_settings(env.settings))


def store_message(env, raw: bytes):
    """Ingest one message in its own transaction; commit failures surface as exceptions."""
    with env.transaction() as dbsession:
        return mail_intake(env, dbsession).ingest(raw)


@click.command("mailgate")
@click.pass_obj
def mailgate(env):
    """Store one message from standard input (an MTA pipe); exit 75 asks for a retry."""
    from sqlalchemy.exc import DBAPIError

    from .intake import TemporaryFailure

    raw = sys.stdin.buffer.read()
    if not raw.strip():
        click.echo("helpdesk mailgate: standard input is empty, no message to store", err=True)
        sys.exit(EX_DATAERR)
    try:
        outcome = store_message(env, raw)
    except (TemporaryFailure, DBAPIError) as exc:
        reason = exc.orig if isinstance(exc, DBAPIError) else exc
        first_line = str(reason).strip().splitlines()[0] if str(reason).strip() else ""
        click.echo(f"helpdesk mailgate: cannot store the message now, retry later: "
                   f"{first_line}", err=True)
        sys.exit(EX_TEMPFAIL)
    click.echo(str(outcome))
