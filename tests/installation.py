"""A helpdesk installation on disk for tests that run the ``helpdesk`` command.

Each test gets its own empty database of the session's backend (a SQLite file,
or ``<test database>_cli`` on PostgreSQL, created and dropped around the test).
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from pyramid_helpdesk.db import get_engine
from pyramid_helpdesk.testing import TEST_SECRET, reset_database, throwaway_database

HELPDESK = Path(sys.executable).with_name("helpdesk")
REPOSITORY = Path(__file__).resolve().parents[1]
COUNT_COMMAND = "tests.functional.sample_plugins.count_command"
NO_CONFIG = Path()


@pytest.fixture
def cli_database_url(helpdesk_database_url, tmp_path):
    """An empty database of the session's backend for one test, dropped afterwards."""
    with throwaway_database(helpdesk_database_url, "cli", str(tmp_path)) as url:
        yield url


@dataclass
class Installation:
    """A helpdesk installation in a directory: its ini file, database and mail."""

    directory: Path
    database_url: str

    def write_ini(self, name: str = "helpdesk.ini", **overrides: str) -> Path:
        """Write an ini file; ``overrides`` use ``__`` for dots (``helpdesk__plugins``)."""
        settings = {
            "use": "egg:pyramid_helpdesk",
            "sqlalchemy.url": self.database_url,
            "helpdesk.site_name": "Test Institute Helpdesk",
            "helpdesk.base_url": "http://helpdesk.example.org",
            "helpdesk.session.secret": TEST_SECRET,
            "helpdesk.password.argon2_profile": "CHEAPEST",
            "helpdesk.plugins": "web",
            "helpdesk.notifiers": "mailfile",
            "helpdesk.mail.dir": "mail",
            "helpdesk.mail.sender": "helpdesk@example.org",
            "helpdesk.attachments.dir": "attachments",
        }
        settings.update({key.replace("__", "."): value for key, value in overrides.items()})
        lines = ["[app:main]", *(f"{key} = {value}" for key, value in settings.items())]
        path = self.directory / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    @property
    def ini(self) -> Path:
        return self.directory / "helpdesk.ini"

    @property
    def mail_dir(self) -> Path:
        return self.directory / "mail"

    def run(self, *args: str, config: Path | None = None, stdin: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """Run ``helpdesk -c <ini> ARGS`` and return the finished process.

        ``config=NO_CONFIG`` leaves ``-c`` out (the ini then comes from the environment).
        """
        command = [str(HELPDESK)]
        if config is not NO_CONFIG:
            command += ["-c", str(config or self.ini)]
        return subprocess.run(
            [*command, *args], input=stdin, capture_output=True, text=True, timeout=120,
            cwd=self.directory, env={**command_environment(), **(env or {})},
        )

    def ok(self, *args: str, **kw) -> str:
        """Run a command that must succeed; return its standard output."""
        done = self.run(*args, **kw)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        return done.stdout

    def fails(self, *args: str, **kw) -> str:
        """Run a command that must fail with one line on stderr; return that line."""
        done = self.run(*args, **kw)
        assert done.returncode != 0, done.stdout
        assert "Traceback" not in done.stderr, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        return lines[0]

    def engine(self):
        """An engine on the installation's database (dispose it after use)."""
        return get_engine({"sqlalchemy.url": self.database_url})


def command_environment() -> dict[str, str]:
    """The environment of a ``helpdesk`` process: no warnings, the sample plugins importable."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"HELPDESK_CONFIG", "PYTHONPATH"}}
    env["PYTHONWARNINGS"] = "ignore"
    env["PYTHONPATH"] = str(REPOSITORY)
    return env


@pytest.fixture
def installation(cli_database_url, tmp_path):
    """An installation with an ini file and an empty database."""
    installation = Installation(tmp_path, cli_database_url)
    installation.write_ini()
    return installation


@pytest.fixture
def offline(tmp_path):
    """An installation for commands that fail, or succeed, before touching the database."""
    installation = Installation(tmp_path, f"sqlite:///{tmp_path / 'helpdesk.sqlite'}")
    installation.write_ini()
    return installation


@pytest.fixture
def migrated(installation):
    """The installation with its schema at the newest revision (set up in-process)."""
    engine = installation.engine()
    try:
        reset_database(engine)
    finally:
        engine.dispose()
    return installation


@pytest.fixture
def db(installation):
    """``db()`` opens a session on the installation's database, to read what commands wrote."""
    engine = installation.engine()
    sessions = []

    def query():
        session = Session(engine)
        sessions.append(session)
        return session

    yield query
    for session in sessions:
        session.close()
    engine.dispose()
