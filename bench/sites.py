"""The two servers the HTTP rows drive: the real helpdesk and the floor app.

Each is a context manager that prepares its own directory (ini file, SQLite
database, people) under a directory the caller owns and removes, serves on a
free loopback port, and stops the server on the way out.
"""
from __future__ import annotations

import contextlib
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .process import HOST, REPO, run_command, script, serving

REQUESTER = "requester@bench.example.org"
PASSWORD = "bench-password"
SECRET = "bench-only-session-secret-0123456789abcdef"
THREADS = 8

HELPDESK_INI = """\
# Written by the benchmark harness (bench/sites.py); removed with its directory.
[app:main]
use = egg:pyramid_helpdesk

sqlalchemy.url = sqlite:///{database}

helpdesk.site_name = Bench Helpdesk
helpdesk.base_url = http://{host}:{port}
helpdesk.session.secret = {secret}
helpdesk.plugins = web api
helpdesk.notifiers = mailfile
# The API row must measure the API, not its rate limit.
helpdesk.ratelimit.api = 1000000/minute
helpdesk.password.argon2_profile = CHEAPEST
helpdesk.mail.dir = {directory}/mail
helpdesk.attachments.dir = {directory}/attachments

[server:main]
use = egg:waitress#main
listen = {host}:{port}
threads = {threads}

"""


# Quiet logging for the servers the harness starts (warnings and errors only).
LOGGING = """\
[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s
"""
HELPDESK_INI += LOGGING


@dataclass
class Site:
    """A running server and the SQLite table where its POSTs land."""

    name: str
    port: int
    database: Path
    table: str
    log: Path

    @property
    def api_token(self) -> str:
        """The requester's API token (the helpdesk site only)."""
        return (self.database.parent / "api-token").read_text().strip()

    def log_size(self) -> int:
        """Where the server's log ends now (to read what a row added to it)."""
        return self.log.stat().st_size if self.log.exists() else 0

    def log_since(self, offset: int, limit: int = 6000) -> str:
        """The end of what the server logged after ``offset`` (tracebacks of errors)."""
        with open(self.log, "rb") as log:
            log.seek(offset)
            text = log.read().decode("utf-8", "replace")
        return text[-limit:]

    def count_rows(self) -> int:
        """Rows in the table now (read with the stdlib, beside the server)."""
        with contextlib.closing(sqlite3.connect(self.database, timeout=30)) as connection:
            return connection.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]


def write_helpdesk_ini(directory: Path, port: int, threads: int = THREADS) -> Path:
    """The app's ini: SQLite in ``directory``, the web channel, cheap hashing, mail to files."""
    path = directory / "helpdesk.ini"
    path.write_text(HELPDESK_INI.format(database=directory / "helpdesk.sqlite", host=HOST,
                                        port=port, secret=SECRET, directory=directory,
                                        threads=threads))
    return path


def prepare_helpdesk(ini: Path) -> None:
    """Migrate, then add a first-line group and the requester, with the ``helpdesk`` command."""
    helpdesk = script("helpdesk")
    run_command([helpdesk, "-c", str(ini), "db", "upgrade"], cwd=ini.parent)
    run_command([helpdesk, "-c", str(ini), "group", "add", "First line", "--first-line"],
                cwd=ini.parent)
    run_command([helpdesk, "-c", str(ini), "user", "add", REQUESTER, "--name", "Bench Requester",
                 "--password", "-"], cwd=ini.parent, input=PASSWORD + "\n")
    created = run_command([helpdesk, "-c", str(ini), "token", "create", "--person", REQUESTER,
                           "--name", "bench", "--scope", "write"], cwd=ini.parent)
    (ini.parent / "api-token").write_text(created.strip().splitlines()[-1])


@contextlib.contextmanager
def helpdesk_site(directory: Path, threads: int = THREADS) -> Iterator[Site]:
    """The real helpdesk under waitress (``pserve``), ready for :data:`REQUESTER` to log in."""
    directory.mkdir(parents=True, exist_ok=True)

    def command(port: int) -> list[str]:
        ini = write_helpdesk_ini(directory, port, threads)
        if not (directory / "helpdesk.sqlite").exists():
            prepare_helpdesk(ini)
        return [script("pserve"), str(ini)]

    log = directory / "server.log"
    with serving(command, cwd=directory, log_path=log) as port:
        yield Site("helpdesk", port, directory / "helpdesk.sqlite", "tickets", log)


@contextlib.contextmanager
def floor_site(directory: Path, threads: int = THREADS) -> Iterator[Site]:
    """The floor app (:mod:`bench.floor_app`) under waitress."""
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "floor.sqlite"

    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "bench.floor_app", "--port", str(port),
                "--database", str(database), "--threads", str(threads)]

    log = directory / "server.log"
    with serving(command, cwd=REPO, log_path=log) as port:
        yield Site("floor", port, database, "floor_ticket", log)
