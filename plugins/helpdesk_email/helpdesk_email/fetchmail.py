"""``helpdesk fetchmail``: poll IMAP mailboxes into the intake pipeline.

Configured in the ini file::

    helpdesk.email.imap.mailboxes = main
    helpdesk.email.imap.interval = 60s
    helpdesk.email.imap.main.host = imap.example.org
    helpdesk.email.imap.main.security = ssl         ; ssl | starttls | none
    helpdesk.email.imap.main.port = 993             ; default: 993 for ssl, else 143
    helpdesk.email.imap.main.username = helpdesk
    helpdesk.email.imap.main.password = env:HELPDESK_IMAP_PASSWORD
    helpdesk.email.imap.main.folder = INBOX
    helpdesk.email.imap.main.processed_folder = Processed   ; optional
    helpdesk.email.imap.main.ca_file = /etc/ssl/imap-ca.pem  ; optional

Only unseen messages are fetched, with ``BODY.PEEK[]`` so that fetching marks
nothing. They are stored in batches of ``helpdesk.email.batch_size`` (default
50), one committed transaction per batch
(:func:`~helpdesk_email.commands.store_messages`), by ``--processes`` store
processes side by side (default 2; :mod:`.batching` keeps a message out of a
batch stored beside one it depends on); only then is each marked ``\\Seen``
and, when a processed folder is set, moved there. A crash between the two
leaves the message unseen: the next run fetches it again and the intake
journal recognises its Message-ID, so nothing is lost and nothing is stored
twice. When a message cannot be stored now (database unreachable, a store
process died) no batch is begun, the message stays unseen, and the next pass
retries.
"""
from __future__ import annotations

import base64
import imaplib
import logging
import re
import signal
import ssl
import sys
import threading
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from datetime import timedelta

import click

from pyramid_helpdesk.settings import (
    parse_duration,
    parse_port,
    parse_required,
    parse_words,
    read_setting,
)

from .commands import EX_TEMPFAIL, store_messages
from .settings import read_intake_settings

log = logging.getLogger(__name__)

SECURITY_PORTS = {"ssl": 993, "starttls": 143, "none": 143}
IMAP_TIMEOUT = 60  # seconds for any one exchange with the IMAP server
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_LITERAL_HEADER = re.compile(rb"\bBODY\[\]", re.IGNORECASE)
_UID = re.compile(rb"\bUID (\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Mailbox:
    """One IMAP mailbox to poll, from ``helpdesk.email.imap.<name>.*``."""

    name: str
    host: str
    port: int
    security: str
    username: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    processed_folder: str = ""
    ca_file: str = ""


@dataclass(frozen=True)
class FetchSettings:
    mailboxes: tuple[Mailbox, ...]
    interval: timedelta


def read_fetch_settings(raw) -> FetchSettings:
    """Parse the ``helpdesk.email.imap.*`` keys; a wrong value raises naming the key."""
    names = read_setting(raw, "helpdesk.email.imap.mailboxes", "", _mailbox_names,
                         "one or more mailbox names (letters, digits, - and _)")
    return FetchSettings(
        mailboxes=tuple(_read_mailbox(raw, name) for name in names),
        interval=read_setting(raw, "helpdesk.email.imap.interval", "60s", parse_duration,
                              "a duration such as 60s"),
    )


def _read_mailbox(raw, name: str) -> Mailbox:
    prefix = f"helpdesk.email.imap.{name}."

    def setting(key, default, parse, expected):
        return read_setting(raw, prefix + key, default, parse, expected)

    security = setting("security", "ssl", _security, "ssl, starttls or none")
    return Mailbox(
        name=name,
        host=setting("host", "", parse_required, "the IMAP server's host name"),
        port=setting("port", str(SECURITY_PORTS[security]), parse_port, "a port number"),
        security=security,
        username=setting("username", "", parse_required, "the IMAP login name"),
        password=setting("password", "", _required_secret, "the IMAP password"),
        folder=setting("folder", "INBOX", parse_required, "a folder name"),
        processed_folder=setting("processed_folder", "", str.strip, "a folder name"),
        ca_file=setting("ca_file", "", str.strip, "a file of CA certificates"),
    )


def _mailbox_names(raw: str) -> tuple[str, ...]:
    names = parse_words(raw)
    if not names or not all(_NAME.match(name) for name in names):
        raise ValueError(raw)
    return names


def _security(raw: str) -> str:
    value = raw.strip().lower()
    if value not in SECURITY_PORTS:
        raise ValueError(raw)
    return value


def _required_secret(raw: str) -> str:
    if not raw:
        raise ValueError("(hidden)")
    return raw


# -- one pass over one mailbox --------------------------------------------------------


class MailboxError(Exception):
    """The IMAP server could not be reached or refused an operation (one line, no secret)."""


@dataclass
class PassReport:
    """What one pass did in one mailbox."""

    name: str
    stored: int = 0
    left: int = 0
    error: str = ""

    def __str__(self) -> str:
        return f"{self.name}: {self.stored} stored, {self.left} left"


class InThisProcess:
    """Batches stored in this process, one at a time (SQLite, or a pass of one batch)."""

    capacity = 1  # batches stored at once

    def __init__(self, env):
        self.env = env

    def submit(self, raws: list[bytes]) -> Future:
        """Store ``raws`` in one transaction now: a done future of one result per message."""
        stored: Future = Future()
        stored.set_result(store_messages(self.env, raws))
        return stored

    def failed(self, error: BaseException) -> None:
        """Nothing to restart here."""


class MailboxPoller:
    """Fetches a mailbox's unseen messages, stores each, then marks or moves it.

    Batches go to ``store``: :class:`InThisProcess`, or store processes
    (:class:`~helpdesk_email.store_workers.StoreProcesses`) that store several
    side by side, cut so that messages that depend on each other are stored one
    after the other (:class:`~helpdesk_email.batching.BatchPlanner`). A pass of
    one batch is stored in this process.
    """

    def __init__(self, env, mailbox: Mailbox, stopping: threading.Event, batch_size: int = 50,
                 store=None):
        self.env = env
        self.mailbox = mailbox
        self.stopping = stopping
        self.batch_size = batch_size
        self.here = InThisProcess(env)
        self.store = store or self.here

    def poll(self) -> PassReport:
        """One pass; errors are reported in the result, never raised."""
        report = PassReport(self.mailbox.name)
        imap = None
        try:
            imap = self._connect()
            uids = self._unseen(imap)
            report.left = len(uids)
            self._store_all(imap, uids, report)
        except MailboxError as exc:
            report.error = str(exc)
        except (imaplib.IMAP4.error, OSError) as exc:
            report.error = self._describe(exc)
        finally:
            if imap is not None:
                self._logout(imap)
        return report

    def _store_all(self, imap: imaplib.IMAP4, uids: list[bytes], report: PassReport) -> None:
        """Fetch, store and mark ``uids``, up to ``store.capacity`` batches at once.

        Messages are fetched a batch at a time (one IMAP command each) while fewer
        than ``capacity`` batches' worth wait; each stored batch is marked as soon
        as it is committed. After a message that could not be stored, or once
        ``stopping`` is set, no batch is begun: those being stored are finished
        and marked, the rest stay unseen for the next pass.
        """
        from .batching import BatchPlanner, Fetched, conflict_keys

        store = self.store if len(uids) > self.batch_size else self.here
        domain = read_intake_settings(self.env.settings).message_id_domain
        planner = BatchPlanner(self.batch_size)
        unfetched = list(uids)
        storing: dict[Future, list[Fetched]] = {}
        while True:
            going_on = not (report.error or self.stopping.is_set())
            while going_on and unfetched and len(planner.waiting) < (
                    self.batch_size * store.capacity):
                asked, unfetched = unfetched[:self.batch_size], unfetched[self.batch_size:]
                fetched = self._fetch(imap, asked)
                report.left -= len(asked) - len(fetched)  # gone meanwhile
                for uid, raw in fetched.items():  # one batch at a time needs no keys
                    keys = conflict_keys(raw, domain) if store.capacity > 1 else frozenset()
                    planner.add(Fetched(uid, raw, keys))
            while going_on and len(storing) < store.capacity:
                batch = planner.take()
                if not batch:
                    break
                try:
                    storing[store.submit([message.raw for message in batch])] = batch
                except Exception as exc:  # noqa: BLE001 - reported; the messages stay unseen
                    report.error = (f"cannot start the store processes, the messages stay "
                                    f"unseen: {type(exc).__name__}: {_first_line(exc)}")
                    going_on = False
            if not storing:
                return
            done, _ = wait(storing, return_when=FIRST_COMPLETED)
            for future in done:
                batch = storing.pop(future)
                planner.done(batch)
                self._stored(imap, store, [message.uid for message in batch], future, report)

    def _stored(self, imap: imaplib.IMAP4, store, uids: list[bytes], future: Future,
                report: PassReport) -> None:
        """Report what became of a batch and mark (or move) the messages stored: only
        now, as they are committed. One that was not stored stays unseen and sets
        ``report.error``."""
        from sqlalchemy.exc import DBAPIError

        from .intake import TemporaryFailure

        error = future.exception()
        if error is not None:  # the store process died: nothing of the batch is known stored
            store.failed(error)
            results = [TemporaryFailure(f"the store process stopped: {type(error).__name__}")
                       ] * len(uids)
        else:
            results = future.result()
        stored = []
        for uid, result in zip(uids, results, strict=True):
            if isinstance(result, (TemporaryFailure, DBAPIError)):
                reason = result.orig if isinstance(result, DBAPIError) else result
                report.error = (f"cannot store a message now, it stays unseen: "
                                f"{_first_line(reason)}")
            elif isinstance(result, Exception):  # a defect: keep the message, keep polling
                log.error("%s: UID %s could not be stored", self.mailbox.name, uid.decode(),
                          exc_info=result)
                report.error = (f"a message could not be stored, it stays unseen: "
                                f"{type(result).__name__}: {_first_line(result)}")
            else:
                log.info("%s: UID %s: %s", self.mailbox.name, uid.decode(), result)
                stored.append(uid)
        if stored:
            self._done_with(imap, stored)
            report.stored += len(stored)
            report.left -= len(stored)

    # -- IMAP ----------------------------------------------------------------------

    def _connect(self) -> imaplib.IMAP4:
        box = self.mailbox
        context = None
        if box.security != "none":
            context = ssl.create_default_context(cafile=box.ca_file or None)
        if box.security == "ssl":
            imap = imaplib.IMAP4_SSL(box.host, box.port, ssl_context=context,
                                     timeout=IMAP_TIMEOUT)
        else:
            imap = imaplib.IMAP4(box.host, box.port, timeout=IMAP_TIMEOUT)
        try:
            if box.security == "starttls":
                imap.starttls(ssl_context=context)
            imap.login(box.username, box.password)
            self._select(imap)
        except BaseException:
            self._logout(imap)
            raise
        return imap

    def _select(self, imap: imaplib.IMAP4) -> None:
        box = self.mailbox
        if box.processed_folder:
            folder = imap_folder(box.processed_folder)
            status, found = imap.list('""', folder)
            if status == "OK" and found == [None]:
                self._ok(imap.create(folder), f"create folder {box.processed_folder!r}")
                imap.subscribe(folder)
        self._ok(imap.select(imap_folder(box.folder)), f"select folder {box.folder!r}")

    def _unseen(self, imap: imaplib.IMAP4) -> list[bytes]:
        data = self._ok(imap.uid("SEARCH", "UNSEEN"), "search unseen messages")
        return [uid for line in data if line for uid in line.split()]

    def _fetch(self, imap: imaplib.IMAP4, uids: list[bytes]) -> dict[bytes, bytes]:
        """The bytes of the messages ``uids`` by UID, in their order, fetched with one
        command and without setting ``\\Seen``; a message gone meanwhile is left out."""
        data = self._ok(imap.uid("FETCH", uid_set(uids), "(UID BODY.PEEK[])"),
                        "fetch messages")
        found: dict[bytes, bytes] = {}
        for index, item in enumerate(data):
            if not (isinstance(item, tuple) and _LITERAL_HEADER.search(item[0])):
                continue  # the end of a response, or another update the server sent
            # The server may name the UID before the message or after it.
            after = data[index + 1] if index + 1 < len(data) else b""
            uid = _UID.search(item[0]) or _UID.search(after if isinstance(after, bytes) else b"")
            if uid:
                found[uid.group(1)] = item[1]
        return {uid: found[uid] for uid in uids if uid in found}

    def _done_with(self, imap: imaplib.IMAP4, uids: list[bytes]) -> None:
        """Mark stored messages seen and, if configured, move them to the processed folder."""
        message_set = uid_set(uids)
        self._ok(imap.uid("STORE", message_set, "+FLAGS.SILENT", r"(\Seen)"),
                 "mark messages seen")
        if not self.mailbox.processed_folder:
            return
        folder = imap_folder(self.mailbox.processed_folder)
        if "MOVE" in imap.capabilities:
            self._ok(imap.uid("MOVE", message_set, folder), "move messages")
            return
        self._ok(imap.uid("COPY", message_set, folder), "copy messages")
        self._ok(imap.uid("STORE", message_set, "+FLAGS.SILENT", r"(\Deleted)"),
                 "delete messages")
        if "UIDPLUS" in imap.capabilities:
            self._ok(imap.uid("EXPUNGE", message_set), "expunge messages")
        else:  # also expunges anything else flagged \Deleted in this folder
            self._ok(imap.expunge(), "expunge messages")

    def _ok(self, response, doing: str) -> list:
        status, data = response
        if status != "OK":
            text = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")
            raise MailboxError(self._where(f"cannot {doing}: {text or status}"))
        return data

    @staticmethod
    def _logout(imap: imaplib.IMAP4) -> None:
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            pass  # the connection is gone already: nothing more to tidy

    def _describe(self, exc: Exception) -> str:
        if isinstance(exc, imaplib.IMAP4.error):
            text = exc.args[0] if exc.args else str(exc)
            if isinstance(text, bytes):
                text = text.decode(errors="replace")
        else:
            text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return self._where(_first_line(text))

    def _where(self, text: str) -> str:
        text = text.replace(self.mailbox.password, "***") if self.mailbox.password else text
        return f"IMAP {self.mailbox.host}:{self.mailbox.port}: {text}"


def uid_set(uids: list[bytes]) -> str:
    """``uids`` as an IMAP sequence set, runs of consecutive UIDs as ranges
    (``3:7,9``): a batch of new mail is one short range, not a long list."""
    numbers = sorted({int(uid) for uid in uids})
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return ",".join(str(first) if first == last else f"{first}:{last}" for first, last in runs)


def imap_folder(name: str) -> str:
    """A folder name as an IMAP quoted string, in IMAP's modified UTF-7 (RFC 3501, 5.1.3)."""
    encoded, pending = [], []

    def flush():
        if pending:
            utf16 = "".join(pending).encode("utf-16-be")
            encoded.append("&" + base64.b64encode(utf16).decode().rstrip("=").replace("/", ",")
                           + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            encoded.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    text = "".join(encoded)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- the command --------------------------------------------------------------------


@click.command("fetchmail")
@click.option("--once", is_flag=True, help="Poll every mailbox once, then exit.")
@click.option("--interval", metavar="DURATION", default=None,
              help="Pause between passes, e.g. 30s or 5m "
                   "(default: helpdesk.email.imap.interval, else 60s).")
@click.option("--processes", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Store processes: batches stored side by side (on SQLite, one parses "
                   "while another writes); 1 stores in this process.")
@click.pass_obj
def fetchmail(env, once, interval, processes):
    """Store the unseen messages of the configured IMAP mailboxes; exit 75 to retry."""
    from .store_workers import StoreProcesses

    settings = read_fetch_settings(env.settings.raw)
    pause = settings.interval
    if interval is not None:
        try:
            pause = parse_duration(interval)
        except ValueError:
            raise click.BadParameter("expected a duration such as 60s",
                                     param_hint="--interval") from None
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    batch_size = read_intake_settings(env.settings).batch_size
    store = StoreProcesses(env, processes) if processes > 1 else None
    pollers = [MailboxPoller(env, box, stopping, batch_size, store)
               for box in settings.mailboxes]
    try:
        failed = _poll_until_stopped(pollers, once, pause, stopping)
    finally:
        if store is not None:
            store.close()
    if once and failed:
        sys.exit(EX_TEMPFAIL)


def _poll_until_stopped(pollers: list[MailboxPoller], once: bool, pause: timedelta,
                        stopping: threading.Event) -> bool:
    """Pass over every mailbox, once or until ``stopping``, printing what each pass did;
    whether the last round had an error."""
    while True:
        failed = False
        for poller in pollers:
            if stopping.is_set():
                break
            report = poller.poll()
            failed |= bool(report.error)
            if once or report.stored or report.error:
                click.echo(str(report))
            if report.error:
                click.echo(f"helpdesk fetchmail: {report.name}: {report.error}", err=True)
        if once or stopping.wait(pause.total_seconds()):
            return failed


def _first_line(reason) -> str:
    text = str(reason).strip()
    return text.splitlines()[0] if text else type(reason).__name__
