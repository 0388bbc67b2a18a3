"""The IMAP rows: ``helpdesk fetchmail``'s pass over the corpus in a real Dovecot mailbox.

TARGETS.md's ingestion row names LMTP or IMAP. This row measures the IMAP way in: the
corpus is appended to a mailbox of a Dovecot started for the run on a loopback port
(the tests' launcher, :func:`tests.servers.running_dovecot`; Debian's
``dovecot-imapd``), then one pass of :class:`helpdesk_email.fetchmail.MailboxPoller`
(what ``helpdesk fetchmail --once`` runs for each mailbox, without the process's
start-up) fetches, stores in batches of ``helpdesk.email.batch_size`` and marks every
unseen message, timed from its first command to its logout. As the command does by
default, it stores in two store processes (started during the untimed warm-up pass):
side by side on PostgreSQL, taking turns to write on SQLite. The outcomes are those it
logs for each message, reconciled with the database as the other ingest rows are.

Each message's latency is that of its batch: from the moment the batch is handed to the
store to the moment its results are back, committed.
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Iterator, Sequence

from .database import server_version
from .mail import (
    LMTP_INI,
    LONE_LF,
    OUTCOMES,
    IngestResult,
    _account,
    _database_counts,
    _fresh_database,
    _sample,
    intake_settings,
    settle,
)
from .mailcorpus import CorpusMessage
from .stats import Figures

PASSWORD = "bench-imap-password"
USERS = ("bench-sqlite", "bench-postgresql")  # a mailbox a row (a new Dovecot a repeat)


def dovecot_missing() -> str | None:
    """Why the IMAP rows cannot run here, or ``None``."""
    from tests.servers import DOVECOT

    if not os.path.exists(DOVECOT):
        return "Dovecot is not installed (apt-get install dovecot-imapd)"
    return None


@contextlib.contextmanager
def running_dovecot() -> Iterator:
    """A Dovecot on loopback with the mailboxes of ``USERS``, stopped afterwards."""
    from tests.servers import running_dovecot as launch

    with launch({user: PASSWORD for user in USERS}) as server:
        yield server


class _Outcomes(logging.Handler):
    """The outcome fetchmail logs for each stored message, with the time it logged it."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.logged: list[tuple[float, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "%s: UID %s: %s":  # MailboxPoller._store_batch, one stored message
            self.logged.append((time.perf_counter(), record.args[2].action))


class _TimedStore:
    """The poller's store, noting each message's latency: its batch's, from the moment
    the batch is handed over to the moment its results are back (committed)."""

    def __init__(self, store):
        self.store = store
        self.capacity = store.capacity
        self.latencies: list[float] = []

    def submit(self, raws: list[bytes]):
        handed = time.perf_counter()
        stored = self.store.submit(raws)
        stored.add_done_callback(lambda _done: self.latencies.extend(
            [time.perf_counter() - handed] * len(raws)))
        return stored

    def failed(self, error: BaseException) -> None:
        self.store.failed(error)


def _fill(dovecot, user: str, messages: Sequence[CorpusMessage]) -> None:
    """Append ``messages`` to ``user``'s INBOX, unseen, as the mail server delivers them."""
    with dovecot.imap(user) as imap:
        for message in messages:
            status, _ = imap.append("INBOX", None, None, LONE_LF.sub(b"\r\n", message.raw))
            if status != "OK":
                raise RuntimeError(f"Dovecot refused message {message.seq}: {status}")


def _ini(url: str, directory: Path, dovecot, user: str, batch: int) -> Path:
    settings = {k: v for k, v in intake_settings(url, str(directory)).items() if k != "here"}
    settings.update({
        "helpdesk.email.batch_size": str(batch),
        "helpdesk.email.imap.mailboxes": "main",
        "helpdesk.email.imap.main.host": "127.0.0.1",
        "helpdesk.email.imap.main.port": str(dovecot.port),
        "helpdesk.email.imap.main.security": "none",
        "helpdesk.email.imap.main.username": user,
        "helpdesk.email.imap.main.password": PASSWORD,
    })
    ini = directory / "fetchmail.ini"
    ini.write_text(LMTP_INI.format(settings="\n".join(
        f"{key} = {value.replace('%', '%%')}" for key, value in settings.items())))
    return ini


def run_imap(url: str, directory: Path, corpus: Sequence[CorpusMessage],
             warmup: Sequence[CorpusMessage], dovecot, user: str,
             batch: int = 50) -> IngestResult:
    """One fetchmail pass over ``warmup`` (untimed), then over ``corpus`` (timed), from
    ``user``'s mailbox on ``dovecot`` into a fresh database at ``url``."""
    from helpdesk_email.fetchmail import MailboxPoller, read_fetch_settings
    from helpdesk_email.store_workers import STORE_PROCESSES, StoreProcesses
    from pyramid_helpdesk.cli import CommandEnv

    registry = _fresh_database(url, directory)
    engine = registry["dbengine"]
    env = CommandEnv(str(_ini(url, directory, dovecot, user, batch)))
    mailbox = read_fetch_settings(env.settings.raw).mailboxes[0]
    stores = StoreProcesses(env, STORE_PROCESSES)  # as helpdesk fetchmail by default
    store = _TimedStore(stores)
    poller = MailboxPoller(env, mailbox, threading.Event(), batch, store)
    outcomes = _Outcomes()
    logger = logging.getLogger("helpdesk_email.fetchmail")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.INFO)
    logger.propagate = False  # to this handler alone, not to the console's
    logger.addHandler(outcomes)
    samples: list[str] = []
    try:
        _fill(dovecot, user, warmup)
        poller.poll()
        settle(engine)
        _fill(dovecot, user, corpus)
        before = _database_counts(engine)
        outcomes.logged.clear()
        store.latencies.clear()
        started = time.perf_counter()
        report = poller.poll()
        seconds = time.perf_counter() - started
        errors = 0
        if report.error or report.left:
            errors += 1
            _sample(samples, f"fetchmail pass: {report}")
        latencies = list(store.latencies)
        answered = Counter(action for _at, action in outcomes.logged)
        database, lost, discrepancies = _account(engine, before, corpus, answered, samples)
        return IngestResult(
            Figures.from_latencies(latencies, errors + discrepancies, seconds),
            server_version(engine), {k: answered[k] for k in OUTCOMES}, database, lost,
            samples, statements=None, extra={"mailbox_user": user, "batch": batch})
    finally:
        logger.removeHandler(outcomes)
        logger.setLevel(level)
        logger.propagate = propagate
        stores.close()
        env.engine.dispose()
        engine.dispose()
