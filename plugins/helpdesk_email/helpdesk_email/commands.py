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
    """Ingest one message in its own transaction; commit failures surface as exceptions.

    A conflict with a transaction that ran at the same time (two messages of a
    new sender stored at once, on PostgreSQL, or two replies to one ticket) is
    tried once more: the second attempt finds what the other one wrote.
    """
    def store():
        with env.transaction() as dbsession:
            return mail_intake(env, dbsession).ingest(raw)

    return _once_more_on_conflict(store)


def _once_more_on_conflict(store):
    """``store()``, tried once more after a conflict with a transaction that ran at the
    same moment: a unique key it wrote too (an IntegrityError), or a ticket it changed
    (a reply to the same ticket, :class:`~pyramid_helpdesk.errors.StaleTicket`)."""
    from sqlalchemy.exc import IntegrityError

    from pyramid_helpdesk.errors import StaleTicket

    try:
        return store()
    except Exception as exc:
        cause = exc.__cause__ if exc.__cause__ is not None else exc
        if not isinstance(cause, (IntegrityError, StaleTicket)):
            raise
        log.info("a concurrent transaction wrote the same key or ticket; trying again")
    return store()


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
        from .intake import parse_batch
        from .settings import read_intake_settings

        # Before the transaction: another store process may be writing meanwhile.
        parsed = parse_batch(raws, read_intake_settings(env.settings).max_message_size,
                             env.settings.attachments_max_size)
        try:
            with env.transaction() as dbsession:
                return mail_intake(env, dbsession).ingest_many(raws, parsed)
        except Exception as exc:  # noqa: BLE001 - answered below, message by message
            if _unreachable(exc):
                return [exc] * len(raws)
            log.warning("a batch of %d messages could not be stored together (%s: %s); "
                        "storing them one by one", len(raws), type(exc).__name__, exc)
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
@click.option("--now", is_flag=True, help="Make the ticket at once and print its number.")
@click.pass_obj
def mailgate(env, now):
    """Store one message from standard input (an MTA pipe); exit 75 asks for a retry.

    It is journalled, and helpdesk worker makes the ticket; with --now the ticket
    is made in this process.
    """
    if not now:  # the quick command declined (the plugin listed under another name)
        from .spool import journal_input

        sys.exit(journal_input(env.settings.raw["sqlalchemy.url"]))
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


def process_journal(env, batch_size: int) -> list:
    """Process one batch of journalled messages in one transaction: their outcomes.

    When the batch fails on a defect, its messages are processed one by one
    (once more after a unique-key conflict with a concurrent transaction), and
    one that still fails alone is quarantined with the error, so that it
    neither blocks the queue nor is lost. An unreachable database is raised.
    """
    try:
        with env.transaction() as dbsession:
            return mail_intake(env, dbsession).process_journalled(batch_size)
    except Exception as exc:
        if _unreachable(exc):
            raise
        log.warning("journalled messages could not be processed together; "
                    "processing them one by one", exc_info=True)
    with env.transaction() as dbsession:
        waiting = [item_id for item_id, _raw in
                   mail_intake(env, dbsession).journal.waiting(batch_size)]
    outcomes = []
    for item_id in waiting:
        def process(item_id=item_id):
            with env.transaction() as dbsession:
                return mail_intake(env, dbsession).process_journalled(1, item_id)

        try:
            outcomes += _once_more_on_conflict(process)
        except Exception as exc:
            if _unreachable(exc):
                raise
            outcomes.append(_quarantine_waiting(env, item_id, exc))
    return outcomes


def _quarantine_waiting(env, item_id: int, exc: Exception):
    """Quarantine journalled item ``item_id`` that fails with ``exc``, naming the error."""
    from pyramid_helpdesk.intake.models import IntakeStatus
    from pyramid_helpdesk.intake.services import Fate

    from .intake import Outcome

    log.error("journalled message %s could not be processed", item_id, exc_info=exc)
    reason = f"could not be processed: {type(exc).__name__}: {exc}"
    with env.transaction() as dbsession:
        journal = mail_intake(env, dbsession).journal
        if journal.waiting(1, item_id):
            journal.finish_many([Fate(item_id, IntakeStatus.quarantined, None, reason)])
    return Outcome("quarantined", None, reason)


@click.command("mailqueue")
@click.option("--once", is_flag=True, help="Process what is waiting now, then exit.")
@click.option("--interval", metavar="DURATION", default="1s", show_default=True,
              help="Pause between looks at the journal when nothing waits.")
@click.pass_obj
def mailqueue(env, once, interval):
    """Turn the messages helpdesk mailgate journalled into tickets; stop with SIGTERM.

    helpdesk worker does this too; this loop is for mail in a process of its own.
    """
    import signal
    import threading

    from pyramid_helpdesk.settings import parse_duration

    from .settings import read_intake_settings

    try:
        pause = parse_duration(interval)
    except ValueError:
        raise click.BadParameter("expected a duration such as 1s", param_hint="--interval"
                                 ) from None
    batch_size = read_intake_settings(env.settings).batch_size
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    total: dict[str, int] = {}
    while not stopping.is_set():
        try:
            outcomes = process_journal(env, batch_size)
        except Exception as exc:
            if not _unreachable(exc):
                raise
            click.echo(f"helpdesk mailqueue: database unreachable, retrying: "
                       f"{_first_line(exc)}", err=True)
            if once:
                sys.exit(EX_TEMPFAIL)
            outcomes = []
        for outcome in outcomes:
            log.info("journalled message: %s", outcome)
            total[outcome.action] = total.get(outcome.action, 0) + 1
        if outcomes:
            continue
        if once or stopping.wait(pause.total_seconds()):
            break
    click.echo(", ".join(f"{n} {action}" for action, n in sorted(total.items()))
               or "nothing waiting")


def _first_line(exc: BaseException) -> str:
    reason = getattr(exc, "orig", None) or exc
    text = str(reason).strip()
    return text.splitlines()[0] if text else type(exc).__name__
