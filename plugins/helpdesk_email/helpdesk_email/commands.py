"""The ``helpdesk`` sub-commands of the e-mail channel."""
from __future__ import annotations

import logging
import sys
from typing import Sequence

import click

log = logging.getLogger(__name__)

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


def store_messages(env, raws: Sequence[bytes]) -> list:
    """Ingest several messages in one transaction (a group commit): one outcome each.

    A place in the result holds the exception instead when that message could
    not be stored. When the database cannot be reached, that is every place;
    when one message trips over another database error or a defect, each
    message is tried again in its own transaction, so that the bad one holds
    back no other. Nothing is reported stored before its transaction is
    committed.
    """
    if len(raws) > 1:
        try:
            with env.transaction() as dbsession:
                return mail_intake(env, dbsession).ingest_many(raws)
        except Exception as exc:  # noqa: BLE001 - answered below, message by message
            if _unreachable(exc):
                return [exc] * len(raws)
            log.warning("a batch of %d messages could not be stored together; "
                        "storing them one by one", len(raws), exc_info=True)
    results = []
    for raw in raws:
        try:
            results.append(store_message(env, raw))
        except Exception as exc:  # noqa: BLE001 - handed to the caller, message by message
            results.append(exc)
    return results


def _unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be used now (down, locked, gone)."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    cause = exc.__cause__ if exc.__cause__ is not None else exc
    return isinstance(cause, (OperationalError, InterfaceError))


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
