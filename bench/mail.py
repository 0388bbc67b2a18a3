"""The e-mail rows: parse only, batch ingestion (in process, over LMTP), mailgate cold start.

All rows read the same deterministic corpus (bench/mailcorpus.py).

- **parse only**: ``parse_message`` over every message, in this process.
- **stdlib compat32 parse**: the reference TARGETS.md states its e-mail target against
  (the stdlib's parser with ``compat32`` and explicit decoding, "~7,000/s"), over the
  same corpus: how this machine compares with the target's; no helpdesk code runs.
- **ingest**: ``MailIntake.ingest_many`` of the corpus in batches (``--mail-batch``,
  default 50) on a fresh migrated database, the app configured in this
  process with ``helpdesk.plugins = web email``; one transaction per batch,
  committed, as LMTP's group commit and fetchmail store them (a batch of 1 is
  what ``helpdesk mailgate`` does): a zope ``TransactionManager(explicit=True)``
  and a session from ``get_tm_session`` bound to the registry's writer bind
  (``BEGIN IMMEDIATE`` on SQLite). Afterwards the outcomes are added up and
  checked against the database: every message must be a ticket, a follow-up,
  a quarantined item or a duplicate (0 lost), and only the redeliveries of the
  corpus may be duplicates (0 duplicated).
- **ingest via helpdesk lmtp**: a ``helpdesk -c <ini> lmtp --port 0`` process on such
  a fresh database; ``--lmtp-clients`` concurrent LMTP connections of this process
  (threads, ``smtplib.LMTP``) deliver the corpus dealt round-robin, with CRLF line
  ends, as an MTA does; timed from the first send to the last answer, each message
  from its MAIL to the answer to its DATA. Reconciled with the database like ingest.
- **mailgate cold start**: ``helpdesk -c <ini> mailgate < message`` as a new
  process, one message each, on a migrated SQLite database (the quick command:
  journal only), after which one ``helpdesk mailqueue --once`` must turn every
  journalled message into a ticket; then the same with ``helpdesk mailgate --now``
  (journal and ticket in one process).

Latencies are per message and include the commit of its batch (ingest, LMTP) or the
whole process (mailgate). Nothing here asserts a speed.
"""
from __future__ import annotations

import contextlib
import email
import email.header
import email.policy
import math
import re
import smtplib
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .database import check_disposable, server_version
from .mailcorpus import SEED, CorpusMessage, generate
from .process import HOST, BenchError, child_env, run_command, script, stop
from .sites import LOGGING, SECRET
from .stats import Figures, percentile

SERVICE = "helpdesk@example.org"
WARMUP_SEED = SEED + 1
MAX_ERROR_SAMPLES = 5
DRAIN_GRACE = 40.0  # seconds helpdesk lmtp gets after SIGTERM (it drains for up to 30)
OUTCOMES = ("created", "follow-up", "quarantined", "duplicate")
# Agents of the ingest rows' first-line group: the composer tells them of each follow-up.
FIRST_LINE_AGENTS = ("Ada Agent", "Bo Agent", "Cy Agent")
# Messages piped to mailgate: ordinary first messages, so that every run does the same work.
MAILGATE_KINDS = ("plain_utf8", "utf8_qp", "utf8_base64", "gb2312_gbk", "alternative")


def warmup_corpus(count: int) -> list[CorpusMessage]:
    """Untimed messages sent before a row (another seed, so other Message-IDs)."""
    return generate(count, seed=WARMUP_SEED) if count else []


def intake_settings(url: str, directory: Path) -> dict[str, str]:
    """The test app's settings with the e-mail channel (tests/email_intake/conftest.py)."""
    from pyramid_helpdesk.testing import make_test_settings

    return make_test_settings(url, str(directory), **{
        "helpdesk.plugins": "web email", "helpdesk.email.address": SERVICE})


def _sample(samples: list[str], text: str) -> None:
    if len(samples) < MAX_ERROR_SAMPLES:
        samples.append(text)


# -- parse only -------------------------------------------------------------------------


@dataclass
class ParseResult:
    figures: Figures
    wrong: int                       # generated messages parsed to another subject/sender/files
    error_samples: list[str] = field(default_factory=list)


def _check(message: CorpusMessage, parsed) -> str | None:
    """What ``parsed`` got wrong about a generated ``message`` (templates are not checked)."""
    if message.subject is None:
        return None
    if parsed.subject != message.subject:
        return f"subject {parsed.subject!r}, expected {message.subject!r}"
    if (parsed.from_address or "").lower() != (message.sender or "").lower():
        return f"sender {parsed.from_address!r}, expected {message.sender!r}"
    names = sorted(a.filename for a in parsed.attachments if a.content_type != "text/rfc822-headers"
                   and a.content_type != "message/delivery-status")
    if names != sorted(message.attachments):
        return f"attachments {names}, expected {sorted(message.attachments)}"
    return None


def run_parse(corpus: Sequence[CorpusMessage], warmup: Sequence[CorpusMessage] = (),
              max_part_size: int | None = None) -> ParseResult:
    """``parse_message`` over ``warmup`` (untimed), then over ``corpus`` (timed, checked)."""
    from helpdesk_email.parsing import parse_message

    if max_part_size is None:
        from pyramid_helpdesk.settings import parse_settings

        max_part_size = parse_settings(
            intake_settings("sqlite://", Path("."))).attachments_max_size
    for message in warmup:
        parse_message(message.raw, max_part_size=max_part_size)
    latencies: list[float] = []
    parsed_messages = []
    errors = 0
    samples: list[str] = []
    started = time.perf_counter()
    for message in corpus:
        before = time.perf_counter()
        try:
            parsed = parse_message(message.raw, max_part_size=max_part_size)
        except Exception as exc:  # noqa: BLE001 - counted and shown, never hidden
            errors += 1
            _sample(samples, f"message {message.seq} ({message.kind}): {exc!r}")
            continue
        latencies.append(time.perf_counter() - before)
        parsed_messages.append((message, parsed))
    seconds = time.perf_counter() - started
    wrong = 0
    for message, parsed in parsed_messages:  # checked after the clock stopped
        problem = _check(message, parsed)
        if problem:
            wrong += 1
            _sample(samples, f"message {message.seq} ({message.kind}): {problem}")
    return ParseResult(Figures.from_latencies(latencies, errors + wrong, seconds), wrong,
                       samples)


def _stdlib_parse(raw: bytes) -> None:
    """What TARGETS.md calls the stdlib's compat32 parse with explicit decoding: the
    message parsed with ``policy.compat32``, its Subject and From decoded (RFC 2047),
    and every text part's payload decoded with its declared charset."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    for name in ("Subject", "From"):
        for chunk, charset in email.header.decode_header(str(message.get(name, ""))):
            if isinstance(chunk, bytes):
                _decode(chunk, charset)
    for part in message.walk():
        if not part.is_multipart() and part.get_content_maintype() == "text":
            _decode(part.get_payload(decode=True) or b"", part.get_content_charset())


def _decode(data: bytes, charset: str | None) -> str:
    try:
        return data.decode(charset or "ascii", "replace")
    except LookupError:  # a charset Python does not know
        return data.decode("latin-1")


def run_stdlib_parse(corpus: Sequence[CorpusMessage],
                     warmup: Sequence[CorpusMessage] = ()) -> Figures:
    """The reference the e-mail target is written against (TARGETS.md: "~7,000/s with
    compat32 and explicit decoding"): :func:`_stdlib_parse` over ``warmup`` (untimed),
    then over ``corpus`` (timed). It tells how this machine and corpus compare with the
    target's; nothing of the helpdesk runs."""
    for message in warmup:
        _stdlib_parse(message.raw)
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    for message in corpus:
        before = time.perf_counter()
        try:
            _stdlib_parse(message.raw)
        except Exception:  # noqa: BLE001 - counted: the reference must not stop the run
            errors += 1
            continue
        latencies.append(time.perf_counter() - before)
    return Figures.from_latencies(latencies, errors, time.perf_counter() - started)


# -- ingest -----------------------------------------------------------------------------


@dataclass
class IngestResult:
    figures: Figures
    database_version: str
    outcomes: dict[str, int]        # what ingest() answered, by action
    database: dict[str, int]        # what the database holds afterwards (this row only)
    lost: int                       # messages that became nothing
    error_samples: list[str] = field(default_factory=list)
    statements: int | None = 0      # SQL statements of the timed phase (None: not counted)
    extra: dict = field(default_factory=dict)  # what else the row knows (in the JSON)

    def summary(self) -> str:
        o = self.outcomes
        accounted = sum(o.get(k, 0) for k in OUTCOMES)
        return (f"{o.get('created', 0)} tickets + {o.get('follow-up', 0)} follow-ups + "
                f"{o.get('quarantined', 0)} quarantined + {o.get('duplicate', 0)} duplicates "
                f"= {accounted} of {accounted + self.lost} messages ({self.lost} lost)")

    def as_dict(self) -> dict:
        messages = sum(self.outcomes.values()) + self.lost
        return {"outcomes": self.outcomes, "database": self.database, "lost": self.lost,
                "summary": self.summary(), "statements": self.statements,
                "statements_per_message": round(self.statements / messages, 2)
                if messages and self.statements is not None else None, **self.extra}


def _database_counts(engine) -> dict[str, int]:
    from sqlalchemy import func, select

    from pyramid_helpdesk.intake.models import IntakeItem
    from pyramid_helpdesk.tickets.models import Message, Ticket

    with engine.connect() as connection:
        counts = {f"items_{status.value}": n for status, n in connection.execute(
            select(IntakeItem.status, func.count()).group_by(IntakeItem.status))}
        counts["items"] = sum(counts.values())
        counts["tickets"] = connection.scalar(select(func.count()).select_from(Ticket))
        counts["messages"] = connection.scalar(select(func.count()).select_from(Message))
    return counts


def settle(engine) -> None:
    """Bring the fresh database's statistics to where autovacuum keeps a desk in use, once
    the warm-up has stored its messages: on PostgreSQL, ``ANALYZE``.

    A backend plans each foreign-key check once, at its first use, and keeps the plan
    until the table's statistics change. Planned on the empty tables of a fresh
    database, every check of the timed part is a scan of the whole referenced table
    (a third of the server's time in 2,000 messages). After ``ANALYZE`` of the
    warmed-up tables (autovacuum's own trigger: 50 rows and a tenth of the table
    changed) they are index lookups, as on any table in use. SQLite needs nothing:
    ``helpdesk db upgrade`` leaves it without statistics, as in an installation.
    """
    from sqlalchemy import text

    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))


def _fresh_database(url: str, directory: Path):
    """The registry of the app configured in this process on ``url``, whose schema is
    dropped and migrated again, with a first-line group of ``FIRST_LINE_AGENTS``."""
    import transaction

    from pyramid_helpdesk.config import configure
    from pyramid_helpdesk.db import get_tm_session
    from pyramid_helpdesk.groups.services import add_member, create_group
    from pyramid_helpdesk.migrations import reset_database
    from pyramid_helpdesk.people.models import Role
    from pyramid_helpdesk.people.services import create_person

    check_disposable(url)
    directory.mkdir(parents=True, exist_ok=True)
    registry = configure(intake_settings(url, directory), here=str(directory)).registry
    factory, writer = registry["dbsession_factory"], registry["dbsession_writer_bind"]
    manager = transaction.TransactionManager(explicit=True)
    try:
        reset_database(registry["dbengine"])
        with manager:
            dbsession = get_tm_session(factory, manager, bind=writer)
            group = create_group(dbsession, "First line", first_line=True)
            for name in FIRST_LINE_AGENTS:
                address = f"{name.split()[0].lower()}.agent@example.org"
                add_member(dbsession, group,
                           create_person(dbsession, address, name=name, role=Role.agent))
    except BaseException:
        registry["dbengine"].dispose()
        raise
    return registry


def batches(messages: Sequence[CorpusMessage], size: int) -> list[list[CorpusMessage]]:
    """``messages`` in order, cut into batches of ``size`` (the last may be shorter)."""
    return [list(messages[i:i + size]) for i in range(0, len(messages), size)]


def run_ingest(url: str, directory: Path, corpus: Sequence[CorpusMessage],
               warmup: Sequence[CorpusMessage] = (), batch: int = 50) -> IngestResult:
    """Ingest ``warmup`` (untimed) then ``corpus`` (timed) on a fresh database at ``url``,
    ``batch`` messages per transaction."""
    import transaction
    from sqlalchemy import event

    from helpdesk_email.intake import MailIntake
    from pyramid_helpdesk.db import get_tm_session
    from pyramid_helpdesk.tickets.services import TicketService

    registry = _fresh_database(url, directory)
    engine = registry["dbengine"]
    settings, plugins = registry.helpdesk_settings, registry.helpdesk_plugins
    intake_config = registry.helpdesk_email
    factory, writer = registry["dbsession_factory"], registry["dbsession_writer_bind"]
    manager = transaction.TransactionManager(explicit=True)

    def ingest(raws: list[bytes]):
        with manager:
            dbsession = get_tm_session(factory, manager, bind=writer)
            return MailIntake(TicketService(dbsession, settings, plugins),
                              intake_config).ingest_many(raws)

    try:
        for messages in batches(warmup, batch):
            ingest([message.raw for message in messages])
        settle(engine)
        before = _database_counts(engine)

        outcomes: Counter[str] = Counter()
        latencies: list[float] = []
        errors = 0
        samples: list[str] = []
        statements = [0]

        def count_statement(*_args) -> None:
            statements[0] += 1

        event.listen(engine, "before_cursor_execute", count_statement)
        started = time.perf_counter()
        for messages in batches(corpus, batch):
            begun = time.perf_counter()
            try:
                answers = ingest([message.raw for message in messages])
            except Exception as exc:  # noqa: BLE001 - counted and shown, never hidden
                errors += len(messages)
                _sample(samples, f"messages {messages[0].seq}-{messages[-1].seq}: {exc!r}")
                continue
            # Each message of a batch is answered when its batch is committed.
            latencies += [time.perf_counter() - begun] * len(messages)
            outcomes.update(outcome.action for outcome in answers)
        seconds = time.perf_counter() - started
        event.remove(engine, "before_cursor_execute", count_statement)

        database, lost, discrepancies = _account(engine, before, corpus, outcomes, samples)
        errors += discrepancies
        return IngestResult(Figures.from_latencies(latencies, errors, seconds),
                            server_version(engine), {k: outcomes[k] for k in OUTCOMES},
                            database, lost, samples, statements[0])
    finally:
        engine.dispose()


def _account(engine, before: dict[str, int], corpus: Sequence[CorpusMessage],
             outcomes: Counter, samples: list[str]) -> tuple[dict[str, int], int, int]:
    """What the database gained since ``before``, the messages lost and the errors of
    :func:`_reconcile`."""
    after = _database_counts(engine)
    database = {key: after.get(key, 0) - before.get(key, 0)
                for key in sorted(set(after) | set(before))}
    lost = len(corpus) - sum(outcomes[k] for k in OUTCOMES)
    return database, lost, _reconcile(corpus, outcomes, database, samples)


def _reconcile(corpus: Sequence[CorpusMessage], outcomes: Counter, database: dict,
               samples: list[str]) -> int:
    """Compare the answers with the database and the corpus; one error per discrepancy."""
    redeliveries = sum(1 for m in corpus if m.kind == "redelivery")
    checks = [
        ("unknown outcomes", sum(n for k, n in outcomes.items() if k not in OUTCOMES), 0),
        ("tickets in the database vs 'created' answers",
         database.get("tickets", 0), outcomes["created"]),
        ("processed items vs tickets + follow-ups",
         database.get("items_processed", 0), outcomes["created"] + outcomes["follow-up"]),
        ("quarantined items vs 'quarantined' answers",
         database.get("items_quarantined", 0), outcomes["quarantined"]),
        ("items left 'received'", database.get("items_received", 0), 0),
        ("journalled items vs messages minus duplicates",
         database.get("items", 0), len(corpus) - outcomes["duplicate"]),
        ("duplicates vs redeliveries in the corpus", outcomes["duplicate"], redeliveries),
    ]
    errors = 0
    for label, got, expected in checks:
        if got != expected:
            errors += abs(got - expected)
            _sample(samples, f"{label}: {got}, expected {expected}")
    return errors


# -- ingest over LMTP ---------------------------------------------------------------------

LMTP_INI = """\
# Written by the benchmark harness (bench/mail.py); removed with its directory.
[app:main]
use = egg:pyramid_helpdesk

{settings}

""" + LOGGING
LISTENING = re.compile(r"^listening on (\S+):(\d+)$", re.MULTILINE)
LONE_LF = re.compile(rb"(?<!\r)\n")
RETRIED_BATCH = b"could not be stored together"  # helpdesk lmtp's warning, batch stored one by one
LMTP_STARTUP_SECONDS = 60.0


def crlf(raw: bytes) -> bytes:
    """``raw`` with CRLF line ends, as an MTA sends a message stored with LF ones:
    ``smtplib`` sends bytes as they are, and aiosmtpd refuses a line without its CR."""
    return LONE_LF.sub(b"\r\n", raw)


def _lmtp_ini(url: str, directory: Path) -> Path:
    """An ini with the settings of :func:`intake_settings` (``%`` escaped for PasteDeploy)."""
    settings = {k: v for k, v in intake_settings(url, str(directory)).items() if k != "here"}
    ini = directory / "lmtp.ini"
    ini.write_text(LMTP_INI.format(settings="\n".join(
        f"{key} = {value.replace('%', '%%')}" for key, value in settings.items())))
    return ini


def _start_lmtp(ini: Path, log_path: Path) -> tuple[subprocess.Popen, int]:
    """``helpdesk -c <ini> lmtp --port 0`` in its own process group; it and its port."""
    env = {**child_env(), "PYTHONUNBUFFERED": "1"}
    with open(log_path, "ab") as log:
        process = subprocess.Popen([script("helpdesk"), "-c", str(ini), "lmtp", "--port", "0"],
                                   cwd=ini.parent, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    deadline = time.monotonic() + LMTP_STARTUP_SECONDS
    while True:
        found = LISTENING.search(log_path.read_text(errors="replace"))
        if found:
            return process, int(found.group(2))
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise BenchError(f"helpdesk lmtp did not start (exit {process.returncode}):\n"
                             + log_path.read_text(errors="replace")[-2000:])
        time.sleep(0.05)


@dataclass
class _Delivery:
    """What one LMTP client made of its messages."""

    latencies: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    first_send: float = math.inf
    last_answer: float = 0.0


def _send(client: smtplib.LMTP, message: CorpusMessage, payload: bytes,
          delivery: _Delivery) -> None:
    """MAIL, RCPT and DATA of one message; its outcome, or an error, into ``delivery``."""
    sender = message.sender if message.sender and message.sender.isascii() else ""
    begun = time.perf_counter()
    delivery.first_send = min(delivery.first_send, begun)
    for command, argument in (("mail", sender), ("rcpt", SERVICE)):
        code, reply = getattr(client, command)(argument)
        if code != 250:
            client.rset()
            raise smtplib.SMTPResponseException(code, reply)
    code, reply = client.data(payload)
    answered = time.perf_counter()
    delivery.last_answer = max(delivery.last_answer, answered)
    text = reply.decode("utf-8", "replace")
    if code != 250:
        raise smtplib.SMTPResponseException(code, reply)
    delivery.latencies.append(answered - begun)
    delivery.outcomes[text.partition("Stored: ")[2].split(" ", 1)[0] or text] += 1


def _connect(port: int) -> smtplib.LMTP:
    """A new LMTP connection to the helpdesk, greeted (LHLO)."""
    client = smtplib.LMTP(HOST, port, timeout=120)
    client.ehlo()
    return client


def _client(client: smtplib.LMTP, port: int, messages: Sequence[CorpusMessage],
            start: threading.Barrier, delivery: _Delivery) -> None:
    """Wait for the other clients, then deliver ``messages`` in turn on ``client`` (after
    a broken connection, on a new one)."""
    payloads = [crlf(message.raw) for message in messages]
    start.wait()
    for number, (message, payload) in enumerate(zip(messages, payloads, strict=True)):
        try:
            _send(client, message, payload, delivery)
        except (smtplib.SMTPException, OSError) as exc:
            delivery.last_answer = max(delivery.last_answer, time.perf_counter())
            delivery.errors += 1
            _sample(delivery.samples, f"message {message.seq} ({message.kind}): {exc!r}")
            if not isinstance(exc, (smtplib.SMTPServerDisconnected, OSError)):
                continue
            client.close()
            try:
                client = _connect(port)
            except (smtplib.SMTPException, OSError) as again:
                delivery.errors += len(messages) - number - 1  # the rest go undelivered
                _sample(delivery.samples, f"reconnecting: {again!r}")
                return
    with contextlib.suppress(smtplib.SMTPException, OSError):
        client.quit()


def deliver(port: int, messages: Sequence[CorpusMessage], clients: int) -> _Delivery:
    """``messages`` dealt round-robin to ``clients`` concurrent LMTP connections (threads,
    connected and greeted before any sends); the deliveries added up."""
    count = max(1, min(clients, len(messages)))
    deliveries = [_Delivery() for _ in range(count)]
    connections: list[smtplib.LMTP] = []
    try:
        for _ in range(count):
            connections.append(_connect(port))
    except (smtplib.SMTPException, OSError) as exc:
        for connection in connections:
            connection.close()
        raise BenchError(f"cannot open an LMTP connection to helpdesk lmtp: {exc!r}") from exc
    start = threading.Barrier(count)
    threads = [threading.Thread(target=_client, name=f"lmtp-client-{n}", daemon=True,
                                args=(connections[n], port, messages[n::count], start,
                                      deliveries[n]))
               for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = _Delivery(first_send=min(d.first_send for d in deliveries),
                      last_answer=max(d.last_answer for d in deliveries))
    for delivery in deliveries:
        total.latencies += delivery.latencies
        total.outcomes.update(delivery.outcomes)
        total.errors += delivery.errors
        for sample in delivery.samples:
            _sample(total.samples, sample)
    return total


def run_lmtp(url: str, directory: Path, corpus: Sequence[CorpusMessage],
             warmup: Sequence[CorpusMessage] = (), clients: int = 20) -> IngestResult:
    """A ``helpdesk lmtp`` process on a fresh database at ``url``; ``clients`` LMTP
    connections deliver ``warmup`` (untimed), then ``corpus`` (timed, from the first send
    to the last answer); then the server is stopped and the database reconciled."""
    registry = _fresh_database(url, directory)
    engine = registry["dbengine"]
    log_path = directory / "lmtp.log"
    try:
        version = server_version(engine)
        process, port = _start_lmtp(_lmtp_ini(url, directory), log_path)
        try:
            deliver(port, warmup, clients)
            settle(engine)
            before = _database_counts(engine)
            log_offset = log_path.stat().st_size
            delivery = deliver(port, corpus, clients)
        finally:
            stop(process, grace=DRAIN_GRACE)
        log = log_path.read_bytes()
        samples = delivery.samples
        errors = delivery.errors
        if process.returncode != 0:
            errors += 1
            last = (log.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1]
            _sample(samples, f"helpdesk lmtp exited with {process.returncode}: {last}")
        database, lost, discrepancies = _account(engine, before, corpus, delivery.outcomes,
                                                 samples)
        seconds = max(0.0, delivery.last_answer - delivery.first_send)
        return IngestResult(
            Figures.from_latencies(delivery.latencies, errors + discrepancies, seconds),
            version, {k: delivery.outcomes[k] for k in OUTCOMES}, database, lost, samples,
            statements=None,
            extra={"clients": clients, "batches_retried_one_by_one":
                   log.count(RETRIED_BATCH, log_offset)})
    finally:
        engine.dispose()


# -- mailgate cold start -----------------------------------------------------------------

MAILGATE_INI = """\
# Written by the benchmark harness (bench/mail.py); removed with its directory.
[app:main]
use = egg:pyramid_helpdesk

sqlalchemy.url = sqlite:///{directory}/helpdesk.sqlite

helpdesk.site_name = Bench Helpdesk
helpdesk.base_url = http://helpdesk.example.org
helpdesk.session.secret = {secret}
helpdesk.plugins = web email
helpdesk.email.address = {service}
helpdesk.notifiers = mailfile
helpdesk.password.argon2_profile = CHEAPEST
helpdesk.mail.dir = {directory}/mail
helpdesk.attachments.dir = {directory}/attachments

""" + LOGGING


@dataclass
class MailgateResult:
    figures: Figures
    outputs: list[str]                  # what mailgate printed, one line per run
    python_startup_ms: float            # p50 of `python -I -c pass`, the floor of a process
    error_samples: list[str] = field(default_factory=list)
    queue_seconds: float | None = None  # helpdesk mailqueue --once after helpdesk mailgate


def mailgate_messages(corpus: Sequence[CorpusMessage], count: int) -> list[CorpusMessage]:
    """``count`` distinct ordinary messages of the corpus (any, if too few are ordinary)."""
    ordinary = [m for m in corpus if m.kind in MAILGATE_KINDS]
    chosen = ordinary[:count]
    return chosen + [m for m in corpus if m not in chosen][:count - len(chosen)]


def _wall(args: list[str], *, raw: bytes, cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run(args, input=raw, capture_output=True, cwd=cwd, env=child_env(),
                          timeout=120)
    return time.perf_counter() - started, done


def _installation(directory: Path) -> Path:
    """A migrated SQLite helpdesk with a first-line group in ``directory``; its ini."""
    directory.mkdir(parents=True, exist_ok=True)
    ini = directory / "mailgate.ini"
    ini.write_text(MAILGATE_INI.format(directory=directory, secret=SECRET, service=SERVICE))
    helpdesk = script("helpdesk")
    run_command([helpdesk, "-c", str(ini), "db", "upgrade"], cwd=directory)
    run_command([helpdesk, "-c", str(ini), "group", "add", "First line", "--first-line"],
                cwd=directory)
    return ini


def _pipe_each(command: list[str], messages: Sequence[CorpusMessage], warmup: int,
               directory: Path) -> tuple[list[float], list[str], int, list[str]]:
    """Run ``command`` once per message on its standard input: wall times (after
    ``warmup`` runs), outputs, errors (exit code other than 0) and their samples."""
    latencies: list[float] = []
    outputs: list[str] = []
    errors = 0
    samples: list[str] = []
    for number, message in enumerate(messages):
        seconds, done = _wall(command, raw=message.raw, cwd=directory)
        if done.returncode != 0:
            errors += 1
            reason = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1]
            _sample(samples, f"message {message.seq}: exit {done.returncode}: {reason}")
            continue
        if number >= warmup:
            latencies.append(seconds)
            outputs.append(done.stdout.decode("utf-8", "replace").strip())
    return latencies, outputs, errors, samples


def _python_startup_ms(directory: Path, runs: int) -> float:
    startup = sorted(_wall([sys.executable, "-I", "-c", "pass"], raw=b"", cwd=directory)[0]
                     for _ in range(max(3, runs)))
    return percentile(startup, 0.50) * 1000


def run_mailgate(directory: Path, corpus: Sequence[CorpusMessage], *, runs: int,
                 warmup: int = 1) -> MailgateResult:
    """Pipe one message to a new ``helpdesk mailgate`` (journal only), ``warmup`` + ``runs``
    times; then one ``helpdesk mailqueue --once`` must make a ticket of each (an error per
    message it does not: ``queue_seconds`` is its wall time)."""
    ini = _installation(directory)
    messages = mailgate_messages(corpus, warmup + runs)
    latencies, outputs, errors, samples = _pipe_each(
        [script("helpdesk"), "-c", str(ini), "mailgate"], messages, warmup, directory)
    queue_seconds, done = _wall([script("helpdesk"), "-c", str(ini), "mailqueue", "--once"],
                                raw=b"", cwd=directory)
    summary = done.stdout.decode("utf-8", "replace").strip()
    expected = f"{len(messages) - errors} created"
    if done.returncode != 0 or summary != expected:
        errors += len(messages) - errors
        _sample(samples, f"helpdesk mailqueue --once: exit {done.returncode}, {summary!r}, "
                         f"expected {expected!r}")
    return MailgateResult(Figures.from_latencies(latencies, errors, sum(latencies)), outputs,
                          _python_startup_ms(directory, runs), samples, queue_seconds)


def run_mailgate_now(directory: Path, corpus: Sequence[CorpusMessage], *, runs: int,
                     warmup: int = 1) -> MailgateResult:
    """Pipe one message to a new ``helpdesk mailgate --now`` process (journal and ticket),
    ``warmup`` + ``runs`` times."""
    ini = _installation(directory)
    latencies, outputs, errors, samples = _pipe_each(
        [script("helpdesk"), "-c", str(ini), "mailgate", "--now"],
        mailgate_messages(corpus, warmup + runs), warmup, directory)
    return MailgateResult(Figures.from_latencies(latencies, errors, sum(latencies)), outputs,
                          _python_startup_ms(directory, runs), samples)
