"""Real servers for the e-mail transports: the ``helpdesk`` command and a Dovecot IMAP server.

Dovecot (Debian package ``dovecot-imapd``, installed by ``.ci/run``) runs as a
child of the test session with its own configuration, ``base_dir`` and
Maildirs under a temporary directory: the machine's own Dovecot service, if
any, is neither needed nor touched.
"""
from __future__ import annotations

import contextlib
import imaplib
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.email_intake.conftest import SERVICE
from tests.installation import HELPDESK, command_environment

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "imap-test-secret-7"
USERS = 200  # written before Dovecot starts: it rereads a changed passwd-file only lazily
_users = itertools.count(1)


def free_ports(count: int) -> list[int]:
    """Loopback ports free now (all held open together, so they differ)."""
    with contextlib.ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]


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

DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


@dataclass
class Dovecot:
    """A running Dovecot; each test gets its own user (and so its own Maildir).

    ``port`` offers IMAP with optional STARTTLS (plain login allowed), ``imaps_port``
    IMAP over TLS; the certificate, for 127.0.0.1, is its own CA (``ca_file``).
    """

    root: Path
    port: int
    imaps_port: int

    @property
    def ca_file(self) -> Path:
        return self.root / "cert.pem"

    def new_user(self) -> str:
        """A user of its own (empty mailbox) for one test; the password is :data:`PASSWORD`."""
        number = next(_users)
        if number > USERS:
            pytest.fail(f"the test Dovecot has only {USERS} users: raise USERS")
        return f"helpdesk{number}"

    @contextlib.contextmanager
    def imap(self, user: str):
        """A logged-in IMAP client, as a person reading the mailbox would use."""
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        try:
            client.login(user, PASSWORD)
            yield client
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture(scope="session")
def dovecot():
    """A Dovecot IMAP server on a free loopback port for the whole session."""
    if not os.path.exists(DOVECOT):
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd; .ci/run does)")
    # Not under pytest's temporary directory: that is private to root, and the mail
    # processes run as nobody, the login processes as dovenull.
    root = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
    root.chmod(0o755)
    mail = root / "mail"
    mail.mkdir()
    nobody = pwd.getpwnam("nobody")
    os.chown(mail, nobody.pw_uid, nobody.pw_gid)
    _self_signed_certificate(root)
    port, imaps_port = free_ports(2)
    conf = root / "dovecot.conf"
    conf.write_text(DOVECOT_CONF.format(root=root, port=port, imaps_port=imaps_port))
    server = Dovecot(root, port, imaps_port)
    passwd = root / "passwd"
    passwd.write_text("".join(f"helpdesk{n}:{{PLAIN}}{PASSWORD}\n" for n in range(1, USERS + 1)))
    passwd.chmod(0o644)
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    try:
        _wait_for_banner(process, port, server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
        shutil.rmtree(root, ignore_errors=True)


def _self_signed_certificate(root: Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60)


def _wait_for_banner(process: subprocess.Popen, port: int, server: Dovecot) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            pytest.fail(f"Dovecot exited with {process.returncode}: {output}{server.log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
                if connection.recv(200).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"Dovecot did not greet on 127.0.0.1:{port} within 30 s: {server.log()}")
