"""``helpdesk mailgate``: journal one message from an MTA pipe, fast, with the driver alone.

An MTA runs a pipe command once per message, so its start-up is paid for every
message. ``helpdesk mailgate`` is a quick command of the ``helpdesk`` launcher
(:mod:`pyramid_helpdesk.launcher`): it imports nothing but the standard library
and the database driver (``sqlite3`` or ``psycopg``): no click, no SQLAlchemy,
no Pyramid, no plugins. It reads ``sqlalchemy.url`` and ``helpdesk.plugins``
from the ini file, writes the raw bytes into the intake journal
(``intake_items``, status ``received``) with one ``INSERT ... ON CONFLICT DO
NOTHING`` and exits:

- 0 once the message is committed in the journal (it is then safely stored;
  a second delivery of it is recognised by its Message-ID, or its digest);
- 75 (``EX_TEMPFAIL``) when it could not be stored now (database unreachable,
  unreadable ini file): the MTA keeps the message and retries;
- 65 (``EX_DATAERR``) when standard input holds no message.

``helpdesk worker`` (or the dedicated ``helpdesk mailqueue``) turns journalled
messages into tickets, follow-ups or quarantined items
(:meth:`helpdesk_email.intake.MailIntake.process_journalled`).
``helpdesk mailgate --now`` does both steps in one process, for when a ticket
number is wanted at once.
"""
from __future__ import annotations

import configparser
import hashlib
import os
import re
import sys
from datetime import datetime, timezone

EX_DATAERR = 65
EX_TEMPFAIL = 75
CHANNEL = "email"
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,990})>")
_HEADER_LINE = re.compile(r"^(From |[\041-\071\073-\176]*:)")  # as email.feedparser's


class SpoolError(Exception):
    """The message could not be journalled now; the text says why, in one line."""


def header_message_id(raw: bytes) -> str | None:
    """The Message-ID of ``raw`` from its header block alone (no body parsing).

    The first ``Message-ID`` header, read as the standard library's compat32
    parser reads it: its lines unfolded, the header block ending at the first
    line that is not a header. A block with 8-bit bytes goes to that parser
    itself (importing it costs a pipe command more than the scan).
    """
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    if not head.isascii():
        import email.parser
        import email.policy

        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
        match = _MESSAGE_ID.search(str(headers.get("message-id", "")))
        return match.group(1) if match else None
    value = None
    for line in head.decode("ascii").splitlines():
        if line[:1] in (" ", "\t"):
            if value is not None:
                value += line
            continue
        if value is not None:
            break  # the Message-ID header and its continuation lines are read
        if not _HEADER_LINE.match(line):
            break  # the header block ends here
        name, _, rest = line.partition(":")
        if name.lower() == "message-id":
            value = rest
    match = _MESSAGE_ID.search(value or "")
    return match.group(1) if match else None


def dedupe_key(raw: bytes) -> tuple[str, str]:
    """The journal key of ``raw`` (its Message-ID, else ``sha256:<digest>``) and its digest."""
    sha256 = hashlib.sha256(raw).hexdigest()
    return (header_message_id(raw) or f"sha256:{sha256}")[:1000], sha256


def gate_settings(config_uri: str) -> dict[str, str]:
    """``sqlalchemy.url`` and ``helpdesk.plugins`` of the ini file's app section
    (``file.ini#name``, default main), read as PasteDeploy reads them (``%(here)s``)."""
    path, _, name = config_uri.partition("#")
    path = os.path.abspath(path)
    parser = configparser.ConfigParser(
        defaults={"here": os.path.dirname(path), "__file__": path})
    try:
        if not parser.read(path, encoding="utf-8"):
            raise SpoolError(f"no such configuration file: {config_uri}")
        return {key: parser.get(f"app:{name or 'main'}", key, fallback="")
                for key in ("sqlalchemy.url", "helpdesk.plugins")}
    except configparser.Error as exc:
        raise SpoolError(f"cannot read {config_uri}: {' '.join(str(exc).split())}") from None


def email_plugin_active(settings: dict[str, str]) -> bool:
    """Whether ``helpdesk.plugins`` names this plugin: ``email``, or a dotted path in
    ``helpdesk_email`` (other names are left to the full ``helpdesk`` command)."""
    names = re.split(r"[\s,]+", settings.get("helpdesk.plugins", ""))
    return any(name == "email" or name.split(".")[0] == "helpdesk_email" for name in names)


def database_url(settings: dict[str, str]) -> str:
    """``sqlalchemy.url`` of ``settings``, resolved when written ``env:NAME``."""
    url = settings["sqlalchemy.url"].strip()
    if url.startswith("env:"):
        name = url[4:].strip()
        url = os.environ.get(name, "")
        if not url:
            raise SpoolError(f"sqlalchemy.url: the environment variable {name} is not set")
    return url


def journal(url: str, raw: bytes, now: datetime | None = None) -> bool:
    """Commit ``raw`` to the intake journal at ``url``; False when it was there already."""
    key, sha256 = dedupe_key(raw)
    row = (CHANNEL, key, sha256, len(raw), raw, now or datetime.now(timezone.utc))
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme == "sqlite":
        return _journal_sqlite(url, row)
    if scheme in ("postgresql", "postgres"):
        return _journal_postgresql(url, row)
    raise SpoolError(f"unsupported database {scheme!r} (sqlite or postgresql)")


_INSERT = ("INSERT INTO intake_items (channel, dedupe_key, sha256, size, raw, status, summary, "
           "attempts, received_at) VALUES ({0}, {0}, {0}, {0}, {0}, 'received', '', 0, {0}) "
           "ON CONFLICT (channel, dedupe_key) DO NOTHING")


def _journal_sqlite(url: str, row: tuple) -> bool:
    import sqlite3

    path = url.split("///", 1)[1].split("?", 1)[0] if "///" in url else ""
    if not path or path == ":memory:":
        raise SpoolError("sqlalchemy.url: a SQLite database file is needed")
    # Stored as SQLAlchemy stores UTCDateTime on SQLite: naive UTC text.
    received = row[-1].astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    try:
        # mode=rw: a missing database is an error, never a new empty file.
        connection = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=10,
                                     isolation_level=None)
        try:
            connection.execute("PRAGMA synchronous=FULL")  # exit 0 once it is on disk
            inserted = connection.execute(_INSERT.format("?"), (*row[:-1], received)).rowcount
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise SpoolError(f"database: {exc}") from None
    return inserted == 1


def _journal_postgresql(url: str, row: tuple) -> bool:
    """The INSERT through psycopg (its import is most of this command's time)."""
    import psycopg

    conninfo = "postgresql://" + url.split("://", 1)[1]
    try:
        with psycopg.connect(conninfo, connect_timeout=10) as connection:
            inserted = connection.execute(_INSERT.format("%s"), row).rowcount
    except psycopg.Error as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise SpoolError(f"database: {reason}") from None
    return inserted == 1


def quick_mailgate(config_uri: str, args: list[str]) -> int | None:
    """``helpdesk [-c INI] mailgate``: journal the message on standard input; the exit code.

    ``None`` (left to the full ``helpdesk`` command) when other words follow
    (``--now``, ``--help``), or when the app section does not itself activate this
    plugin and name the database (it may inherit them: ``use = config:...``).
    """
    if args:
        return None
    try:
        settings = gate_settings(config_uri)
        if not (email_plugin_active(settings) and settings["sqlalchemy.url"].strip()):
            return None
        url = database_url(settings)
    except SpoolError as exc:
        return _retry_later(exc)
    return journal_input(url)


def journal_input(url: str) -> int:
    """Journal the message on standard input in the database at ``url``, print
    ``queued <key>`` or ``duplicate <key>``; the exit code (0, 65 or 75)."""
    raw = sys.stdin.buffer.read()
    if not raw.strip():
        print("helpdesk mailgate: standard input is empty, no message to store",
              file=sys.stderr)
        return EX_DATAERR
    try:
        new = journal(url, raw)
    except SpoolError as exc:
        return _retry_later(exc)
    print(f"{'queued' if new else 'duplicate'} {dedupe_key(raw)[0]}")
    return 0


def _retry_later(exc: SpoolError) -> int:
    print(f"helpdesk mailgate: cannot store the message now, retry later: {exc}",
          file=sys.stderr)
    return EX_TEMPFAIL
