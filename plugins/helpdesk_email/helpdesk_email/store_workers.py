"""Processes that store ``helpdesk lmtp``'s and ``helpdesk fetchmail``'s batches, each with
its own database connection.

Storing a batch is Python work (parsing, the lifecycle, the ORM) between waits for
the database. In threads of the listener's process, two batches would take turns
holding the interpreter lock; in processes of their own they run side by side, on
as many cores as there are, while the listener keeps answering its sessions.

Each process reads the ini file once (:func:`_start`), as every ``helpdesk``
command does, and then stores what it is handed with
:func:`~helpdesk_email.commands.store_messages`. Ctrl-C is left to the listener
(see :func:`_start`), which lets the batches being stored finish before it shuts
the processes down.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Sequence

from .intake import TemporaryFailure, temporary_failure

log = logging.getLogger(__name__)

PARENT_CHECK_SECONDS = 1.0  # how often a store process looks whether its listener lives
STORE_PROCESSES = 2  # batches stored at once by default (on SQLite, one parsed, one written)

_env = None  # the CommandEnv of this store process (set by _start)


def _is_sqlite(settings) -> bool:
    """Whether the ini's database is SQLite (one writer at a time)."""
    from sqlalchemy.engine import make_url

    return make_url(settings.raw["sqlalchemy.url"]).get_backend_name() == "sqlite"


class StoreProcesses:
    """Store processes for a caller that hands over batches and waits for them
    (``helpdesk fetchmail``): started with the first batch, and started anew for
    the next one when a process died (the batches it held fail with
    :class:`~concurrent.futures.process.BrokenProcessPool`).

    On SQLite, which writes one transaction at a time, they take turns with a
    shared lock: one parses its batch while the other writes.
    """

    def __init__(self, env, processes: int):
        self.env = env
        self.capacity = processes  # batches stored at once
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, raws: Sequence[bytes]) -> Future:
        """Store ``raws`` in one transaction in a store process: the future of one result
        per message, as :func:`store_in_process` gives them."""
        if self._pool is None:
            self._pool = store_pool(self.env, self.capacity)
        try:
            return self._pool.submit(store_in_process, raws)
        except BrokenProcessPool:  # a process died after the last batch
            self.close()
            self._pool = store_pool(self.env, self.capacity)
            return self._pool.submit(store_in_process, raws)

    def failed(self, error: BaseException) -> None:
        """A batch failed with ``error``: if a process died, the next batch starts new ones."""
        if isinstance(error, BrokenProcessPool):
            log.error("a store process stopped unexpectedly; starting new ones")
            self.close()

    def close(self) -> None:
        """Stop the processes (after the batches they hold)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def store_pool(env, processes: int, wait: bool = True) -> ProcessPoolExecutor:
    """``processes`` store processes for the ini file of ``env`` (a
    :class:`~pyramid_helpdesk.cli.CommandEnv`). With ``wait``, all are started and
    ready (their ini read, their plugins loaded) when this returns, and one that
    cannot start raises what it raised; without, they start with the first batches
    handed to them. On SQLite their transactions take turns with a lock they share
    (``CommandEnv.write_lock``). If one of them dies, the pool is broken and its
    processes are stopped: a lock it held goes with them."""
    context = multiprocessing.get_context("spawn")
    lock = context.Lock() if processes > 1 and _is_sqlite(env.settings) else None
    pool = ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=_start,
                               initargs=(env.config_uri, os.getpid(), lock))
    if not wait:
        return pool
    try:
        for ready in [pool.submit(_ready) for _ in range(processes)]:
            ready.result()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    return pool


def store_in_process(raws: Sequence[bytes]) -> list:
    """In a store process: :func:`~helpdesk_email.commands.store_messages`, with each
    failure turned into one the listener can receive (a database error becomes
    :class:`~helpdesk_email.intake.TemporaryFailure` with its first line; any other
    a ``RuntimeError`` naming it, already logged here with its traceback)."""
    from .commands import store_messages

    return [_sendable(result) for result in store_messages(_env, raws)]


def _start(config_uri: str, listener: int, write_lock=None) -> None:
    """Initialise a store process. Ctrl-C (SIGINT to the terminal's whole process
    group) is left to the listener, which lets the batches being stored finish;
    SIGTERM ends the process (the pool itself stops its processes with it), its
    batch rolled back and answered 451 by the listener. The process also ends by
    itself if the listener ends without stopping it."""
    global _env
    from pyramid_helpdesk.cli import CommandEnv

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with, args=(listener,), daemon=True,
                     name="end-with-listener").start()
    _env = CommandEnv(config_uri, write_lock=write_lock)


def _end_with(listener: int) -> None:
    """Exit once the process ``listener`` (the parent) is gone, killed say, even
    before this one started: the queue this process reads from
    stays open while its siblings live, so it would wait for work forever. A batch
    it was storing is rolled back with the connection; its senders had no answer."""
    while os.getppid() == listener:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _ready() -> bool:
    """Load the ini's settings and plugins and import what storing needs, so that the
    first message does not wait for it."""
    from . import commands, intake  # noqa: F401 - imported for their import time

    try:
        _env.plugins  # noqa: B018 - loads settings and plugins
    except Exception as exc:  # as one the caller can receive, whatever its class
        raise RuntimeError(f"{type(exc).__name__}: {exc}") from None
    return True


def _sendable(result):
    """``result`` as it can cross to the listener (see :func:`store_in_process`)."""
    if not isinstance(result, BaseException) or isinstance(result, TemporaryFailure):
        return result
    from sqlalchemy.exc import DBAPIError

    if isinstance(result, DBAPIError):
        return temporary_failure(result)
    log.error("a message could not be stored", exc_info=result)
    return RuntimeError(f"{type(result).__name__}: {result}")
