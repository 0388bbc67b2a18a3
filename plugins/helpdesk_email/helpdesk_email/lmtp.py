"""``helpdesk lmtp``: an LMTP listener for an MTA's ``lmtp:`` transport (Postfix).

Each message is stored through the one intake pipeline
(:func:`~helpdesk_email.commands.store_messages`) in a worker thread, together
with the messages of other sessions that arrived meanwhile (a group commit, up
to ``helpdesk.email.batch_size`` in one transaction), then answered once per
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
from concurrent.futures import ThreadPoolExecutor

import click

from .commands import store_messages
from .settings import read_intake_settings

log = logging.getLogger(__name__)

STORE_THREADS = 2  # transactions at the same time; messages arriving meanwhile wait and go together
DRAIN_SECONDS = 30  # on SIGTERM, how long messages being stored get to finish
RETRY_LATER = "451 4.3.0 The message could not be stored now, try again later"


class GroupCommit:
    """Stores the messages of all LMTP sessions in shared transactions (group commit).

    A message is handed to a store thread at once when one is free; messages
    that arrive while every thread is busy wait and go together, up to
    ``batch_size`` in one transaction. Each sender is answered only after the
    transaction holding its message is committed. A batch that fails is
    stored again message by message (:func:`store_messages`), so one bad
    message fails alone.
    """

    def __init__(self, env, executor: ThreadPoolExecutor, threads: int, batch_size: int):
        self.env = env
        self.executor = executor
        self.threads = threads
        self.batch_size = batch_size
        self.waiting: list[tuple[bytes, asyncio.Future]] = []
        self.running = 0

    async def store(self, raw: bytes):
        """The outcome of ``raw`` once committed; raises what storing it raised."""
        stored = asyncio.get_running_loop().create_future()
        self.waiting.append((raw, stored))
        self._dispatch()
        return await stored

    def _dispatch(self) -> None:
        while self.waiting and self.running < self.threads:
            batch, self.waiting = (self.waiting[:self.batch_size],
                                   self.waiting[self.batch_size:])
            self.running += 1
            done = asyncio.get_running_loop().run_in_executor(
                self.executor, store_messages, self.env, [raw for raw, _ in batch])
            done.add_done_callback(lambda task, batch=batch: self._answer(batch, task))

    def _answer(self, batch, task: asyncio.Future) -> None:
        self.running -= 1
        error = task.exception()
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


async def serve(env, host: str, port: int, size_limit: int, batch_size: int) -> None:
    """Listen until SIGTERM or SIGINT, then let the messages being stored finish."""
    from .lmtp_server import HelpdeskLMTP  # aiosmtpd: imported only by this command

    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    executor = ThreadPoolExecutor(max_workers=STORE_THREADS, thread_name_prefix="lmtp-store")
    handler = IntakeHandler(GroupCommit(env, executor, STORE_THREADS, batch_size))
    connections: set[HelpdeskLMTP] = set()
    hostname = socket.gethostname()  # not getfqdn(): that may wait on DNS
    try:
        server = await loop.create_server(
            lambda: HelpdeskLMTP(handler, connections=connections, hostname=hostname,
                                 data_size_limit=size_limit, ident="helpdesk LMTP"),
            host, port)
    except OSError as exc:
        executor.shutdown()
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
        executor.shutdown(wait=True)
    click.echo("stopped")


@click.command("lmtp")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8024, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port, printed once listening).")
@click.pass_obj
def lmtp(env, host, port):
    """Receive mail over LMTP (Postfix lmtp: transport); stop with SIGTERM."""
    intake = read_intake_settings(env.settings)  # also checks the ini
    asyncio.run(serve(env, host, port, intake.max_message_size, intake.batch_size))


def _first_line(reason) -> str:
    text = str(reason).strip()
    return text.splitlines()[0] if text else type(reason).__name__
