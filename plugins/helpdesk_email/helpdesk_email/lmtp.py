"""``helpdesk lmtp``: an LMTP listener for an MTA's ``lmtp:`` transport (Postfix).

Each message is stored through the one intake pipeline
(:func:`~helpdesk_email.commands.store_messages`) by a store process
(:mod:`.store_workers`, ``--processes``, default 2), together with the messages
of other sessions that arrived meanwhile (a group commit, up to
``helpdesk.email.batch_size`` in one transaction), then answered once per
recipient, as LMTP requires: ``250`` once it is committed
(as a ticket, a follow-up, a recognised duplicate or in quarantine), ``451``
when it could not be stored now, so the MTA keeps it and retries. The message
is stored once whatever the number of recipients: they all name the helpdesk.
"""
from __future__ import annotations

import asyncio
import logging
import signal
import socket
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable

import click

from .settings import read_intake_settings
from .store_workers import STORE_PROCESSES, store_in_process, store_pool

log = logging.getLogger(__name__)

# How long a free store process waits for its share of the messages on their way
# (see GroupCommit) before it takes those waiting.
LINGER_SECONDS = 0.005
DRAIN_SECONDS = 30  # on SIGTERM, how long messages being stored get to finish
RETRY_LATER = "451 4.3.0 The message could not be stored now, try again later"


class GroupCommit:
    """Stores the messages of all LMTP sessions in shared transactions (group commit).

    Messages that arrive while the store processes are busy wait and go
    together, up to ``batch_size`` in one transaction. A batch takes at most
    its share of the messages in flight, divided by the processes: those
    waiting or being stored, or, when more, the sessions that have begun a
    message (``open_transactions()``, MAIL accepted and no answer to DATA yet).
    A free process waits up to ``LINGER_SECONDS`` for that share: the senders
    of a batch just answered send their next messages at once, and they are
    stored in balanced batches instead of one alone followed by all the others
    (each transaction's commit is a disk flush, so small batches cost most). A
    lone session's message has no one to wait for and goes at once.

    Each sender is answered only after the transaction holding its message is
    committed. A batch that fails is stored again message by message
    (:func:`~helpdesk_email.commands.store_messages`), so one bad message fails
    alone. If a store process dies, the messages it held are answered with the
    failure (the MTA retries them) and ``new_pool()`` gives the processes that
    store from then on.
    """

    def __init__(self, pool: Executor, new_pool: Callable[[], Executor], processes: int,
                 batch_size: int, open_transactions: Callable[[], int] = lambda: 0):
        self.pool = pool
        self.new_pool = new_pool
        self.processes = processes
        self.batch_size = batch_size
        self.waiting: list[tuple[bytes, asyncio.Future]] = []
        self.running = 0  # batches being stored
        self.storing = 0  # messages in them
        self.open_transactions = open_transactions
        self._linger: asyncio.TimerHandle | None = None

    async def store(self, raw: bytes):
        """The outcome of ``raw`` once committed; raises what storing it raised."""
        stored = asyncio.get_running_loop().create_future()
        self.waiting.append((raw, stored))
        self._dispatch()
        return await stored

    def _dispatch(self, lingered: bool = False) -> None:
        while self.waiting and self.running < self.processes:
            in_flight = max(len(self.waiting) + self.storing, self.open_transactions())
            share = min(self.batch_size, -(-in_flight // self.processes))
            if not lingered and len(self.waiting) < share:
                if self._linger is None:
                    self._linger = asyncio.get_running_loop().call_later(
                        LINGER_SECONDS, self._linger_over)
                return
            if self._linger is not None:
                self._linger.cancel()
                self._linger = None
            batch, self.waiting = self.waiting[:share], self.waiting[share:]
            self.running += 1
            self.storing += len(batch)
            pool, done = self._submit([raw for raw, _ in batch])
            done.add_done_callback(
                lambda task, batch=batch, pool=pool: self._answer(batch, task, pool))

    def _linger_over(self) -> None:
        self._linger = None
        self._dispatch(lingered=True)

    def _submit(self, raws: list[bytes]) -> tuple[Executor, asyncio.Future]:
        """Hand ``raws`` to a store process: the pool it went to, and its future."""
        loop = asyncio.get_running_loop()
        try:
            return self.pool, loop.run_in_executor(self.pool, store_in_process, raws)
        except BrokenProcessPool:  # a process died while idle
            self._replace(self.pool)
            return self.pool, loop.run_in_executor(self.pool, store_in_process, raws)

    def _replace(self, broken: Executor) -> None:
        """New store processes instead of ``broken`` (once, however many batches it failed)."""
        if broken is not self.pool:
            return
        log.error("a store process stopped unexpectedly; starting new ones")
        self.pool = self.new_pool()
        broken.shutdown(wait=False)

    def _answer(self, batch, task: asyncio.Future, pool: Executor) -> None:
        self.running -= 1
        self.storing -= len(batch)
        error = task.exception()
        if isinstance(error, BrokenProcessPool):
            self._replace(pool)
        results = [error] * len(batch) if error else task.result()
        for (_raw, stored), result in zip(batch, results, strict=True):
            if stored.done():  # the session went away meanwhile
                continue
            if isinstance(result, BaseException):
                stored.set_exception(result)
            else:
                stored.set_result(result)
        self._dispatch()


class IntakeHandler:
    """The aiosmtpd handler: store each message, answer with its fate."""

    def __init__(self, store: GroupCommit):
        self.store = store
        self.in_flight: set[asyncio.Future] = set()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        from sqlalchemy.exc import DBAPIError

        from .intake import TemporaryFailure

        raw = envelope.original_content or envelope.content
        stored = asyncio.ensure_future(self.store.store(raw))
        self.in_flight.add(stored)
        try:
            outcome = await stored
        except (TemporaryFailure, DBAPIError) as exc:
            reason = exc.orig if isinstance(exc, DBAPIError) else exc
            log.warning("message from %s not stored, the client will retry: %s",
                        envelope.mail_from, _first_line(reason))
            return RETRY_LATER
        except Exception as exc:  # a defect: keep the message at the MTA rather than bounce it
            log.error("message from %s not stored, the client will retry",
                      envelope.mail_from, exc_info=exc)
            return RETRY_LATER
        finally:
            self.in_flight.discard(stored)
        log.info("message from %s: %s", envelope.mail_from, outcome)
        return f"250 2.0.0 Stored: {outcome}"

    async def drain(self, timeout: float) -> None:
        """Wait for the messages being stored, so their senders get an answer."""
        if self.in_flight:
            await asyncio.wait(set(self.in_flight), timeout=timeout)


async def serve(env, host: str, port: int, size_limit: int, batch_size: int,
                processes: int = STORE_PROCESSES) -> None:
    """Listen until SIGTERM or SIGINT, then let the messages being stored finish."""
    from .lmtp_server import HelpdeskLMTP  # aiosmtpd: imported only by this command

    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    # Started (and their ini read) before listening: the first messages wait for nothing.
    try:
        pool = store_pool(env, processes)
    except Exception as exc:  # noqa: BLE001 - one line, as for any other start-up error
        raise click.ClickException(f"cannot start the store processes: {exc}") from None
    connections: set[HelpdeskLMTP] = set()
    group = GroupCommit(pool, lambda: store_pool(env, processes, wait=False),
                        processes, batch_size,
                        lambda: sum(connection.in_transaction for connection in connections))
    handler = IntakeHandler(group)
    hostname = socket.gethostname()  # not getfqdn(): that may wait on DNS
    try:
        server = await loop.create_server(
            lambda: HelpdeskLMTP(handler, connections=connections, hostname=hostname,
                                 data_size_limit=size_limit, ident="helpdesk LMTP"),
            host, port)
    except OSError as exc:
        pool.shutdown()
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}"
                                   ) from None
    try:
        bound_host, bound_port = server.sockets[0].getsockname()[:2]
        click.echo(f"listening on {bound_host}:{bound_port}")
        await stopping.wait()
    finally:
        server.close()
        await handler.drain(DRAIN_SECONDS)
        for connection in list(connections):
            connection.say_goodbye()
        await server.wait_closed()
        group.pool.shutdown(wait=True)
    click.echo("stopped")


@click.command("lmtp")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8024, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port, printed once listening).")
@click.option("--processes", type=click.IntRange(1, 64), default=STORE_PROCESSES,
              show_default=True,
              help="Store processes: batches stored side by side (on SQLite, one parses "
                   "while another writes).")
@click.pass_obj
def lmtp(env, host, port, processes):
    """Receive mail over LMTP (Postfix lmtp: transport); stop with SIGTERM."""
    intake = read_intake_settings(env.settings)  # also checks the ini
    asyncio.run(serve(env, host, port, intake.max_message_size, intake.batch_size,
                      processes))


def _first_line(reason) -> str:
    text = str(reason).strip()
    return text.splitlines()[0] if text else type(reason).__name__
