"""Real servers for the e-mail transports: the ``helpdesk`` command and a Dovecot IMAP server.

Dovecot (Debian package ``dovecot-imapd``, installed by ``.ci/run``) is started
by :func:`tests.servers.running_dovecot`.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.email_intake.conftest import SERVICE
from tests.installation import HELPDESK, command_environment
from tests.servers import running_dovecot

PASSWORD = "imap-test-secret-7"
USERS = 200  # written before Dovecot starts: it rereads a changed passwd-file only lazily


def email_ini(installation, name="helpdesk.ini", **overrides):
    """The installation's ini with the e-mail channel active."""
    settings = {"helpdesk__plugins": "web email", "helpdesk__email__address": SERVICE}
    return installation.write_ini(name, **{**settings, **overrides})


def unreachable_database(installation) -> str:
    """A database URL that cannot be opened: a SQLite file in a missing directory."""
    return f"sqlite:///{installation.directory / 'missing-directory' / 'helpdesk.sqlite'}"


def helpdesk(installation, *args: str, ini: Path | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``helpdesk -c INI ARGS`` to its end."""
    return subprocess.run([str(HELPDESK), "-c", str(ini or installation.ini), *args],
                          capture_output=True, text=True, timeout=timeout,
                          cwd=installation.directory, env=command_environment())


# -- Dovecot ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def dovecot():
    """A Dovecot IMAP server for the whole session; ``dovecot.new_user()`` gives each test
    a user (and so a mailbox) of its own, whose password is :data:`PASSWORD`."""
    with running_dovecot({f"helpdesk{n}": PASSWORD for n in range(1, USERS + 1)}) as server:
        yield server
