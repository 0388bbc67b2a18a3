"""Real servers on loopback for the tests: Dovecot (IMAP) and OpenLDAP (slapd).

Each runs as a child of the test session with its own configuration, data and
TLS certificate under a temporary directory: the machine's own services, if
any, are neither needed nor touched. Use them from session-scoped fixtures::

    @pytest.fixture(scope="session")
    def dovecot():
        with running_dovecot({"alice@example.org": "a password"}) as server:
            yield server

Without the Debian package (``dovecot-imapd``; ``slapd`` and ``ldap-utils``,
which ``.ci/run`` installs) the fixture skips, saying what to install.
"""
from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
START_TIMEOUT = 30  # seconds a server may take to answer after it was started


def free_ports(count: int) -> list[int]:
    """Loopback ports free now (all held open together, so they differ)."""
    with contextlib.ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]


def self_signed_certificate(directory: Path) -> None:
    """``cert.pem`` and ``key.pem`` in ``directory``: a certificate for 127.0.0.1 that is its
    own CA (give ``cert.pem`` to clients as the CA file)."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem"),
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60)


def _stop(process: subprocess.Popen, how: signal.Signals) -> None:
    """Stop a server with the signal it expects, and wait for it."""
    process.send_signal(how)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout:
        process.stdout.close()


def _wait_for_greeting(process: subprocess.Popen, port: int, greeting: bytes, name: str,
                       log) -> None:
    """Wait until the server accepts connections on ``port`` (and sends ``greeting``)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            pytest.fail(f"{name} exited with {process.returncode}: {output}{log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
                if not greeting or connection.recv(200).startswith(greeting):
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"{name} did not answer on 127.0.0.1:{port} within {START_TIMEOUT} s: {log()}")


# -- Dovecot --------------------------------------------------------------------------------

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
# Tests fail logins on purpose: answer them at once, and slow no later login down.
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
mail_location = maildir:{root}/mail/%u/Maildir
# What each session's client sent, for tests that count IMAP commands.
rawlog_dir = {root}/rawlog/%u
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
    """A running Dovecot whose users are those of ``passwords`` (user name -> password).

    ``port`` offers IMAP with optional STARTTLS (plain login allowed), ``imaps_port``
    IMAP over TLS; the certificate, for 127.0.0.1, is its own CA (``ca_file``).
    """

    root: Path
    port: int
    imaps_port: int
    passwords: Mapping[str, str]
    _unused: Iterator[str] = field(init=False, repr=False)

    def __post_init__(self):
        self._unused = iter(self.passwords)

    @property
    def ca_file(self) -> Path:
        return self.root / "cert.pem"

    def new_user(self) -> str:
        """A user no test had yet (so an empty mailbox of its own)."""
        user = next(self._unused, None)
        if user is None:
            pytest.fail(f"the test Dovecot has only {len(self.passwords)} users: add more")
        return user

    @contextlib.contextmanager
    def imap(self, user: str):
        """A logged-in IMAP client, as a person reading the mailbox would use."""
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        try:
            client.login(user, self.passwords[user])
            yield client
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def commands_received(self, user: str) -> list[str]:
        """What the clients of ``user``'s sessions sent, one string per session."""
        return [path.read_text(errors="replace")
                for path in sorted((self.root / "rawlog" / user).glob("*.in"))]


@contextlib.contextmanager
def running_dovecot(passwords: Mapping[str, str]) -> Iterator[Dovecot]:
    """A Dovecot IMAP server on free loopback ports, its passwd-file holding ``passwords``.

    Dovecot rereads a changed passwd-file only lazily: every user is written before it starts.
    """
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
    for user in passwords:  # Dovecot writes a session's rawlog only into a directory there
        rawlog = root / "rawlog" / user
        rawlog.mkdir(parents=True)
        os.chown(rawlog, nobody.pw_uid, nobody.pw_gid)
    self_signed_certificate(root)
    port, imaps_port = free_ports(2)
    conf = root / "dovecot.conf"
    conf.write_text(DOVECOT_CONF.format(root=root, port=port, imaps_port=imaps_port))
    server = Dovecot(root, port, imaps_port, passwords)
    passwd = root / "passwd"
    passwd.write_text("".join(f"{user}:{{PLAIN}}{password}\n"
                              for user, password in passwords.items()), encoding="utf-8")
    passwd.chmod(0o644)
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    try:
        _wait_for_greeting(process, port, b"* OK", "Dovecot", server.log)
        yield server
    finally:
        _stop(process, signal.SIGTERM)
        shutil.rmtree(root, ignore_errors=True)


# -- OpenLDAP -------------------------------------------------------------------------------

SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {root}/slapd.pid
argsfile {root}/slapd.args
TLSCertificateFile {root}/cert.pem
TLSCertificateKeyFile {root}/key.pem
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "cn=admin,{suffix}"
rootpw {root_password}
directory {root}/data
{access}
"""


@dataclass
class Slapd:
    """A running OpenLDAP server.

    ``port`` offers LDAP with optional StartTLS, ``ldaps_port`` LDAP over TLS; the
    certificate, for 127.0.0.1, is its own CA (``ca_file``).
    """

    root: Path
    port: int
    ldaps_port: int
    suffix: str

    @property
    def ca_file(self) -> Path:
        return self.root / "cert.pem"

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://127.0.0.1:{self.ldaps_port}"

    def log(self) -> str:
        path = self.root / "slapd.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def running_slapd(suffix: str, ldif: str, access: str) -> Iterator[Slapd]:
    """An OpenLDAP server on free loopback ports serving ``suffix``, loaded with ``ldif``
    (which must hold the suffix's own entry), with the ``access`` rules of slapd.conf(5)."""
    if not os.path.exists(SLAPD):
        pytest.skip("OpenLDAP is not installed (apt-get install slapd ldap-utils; .ci/run does)")
    root = Path(tempfile.mkdtemp(prefix="helpdesk-slapd-"))
    (root / "data").mkdir()
    self_signed_certificate(root)
    conf = root / "slapd.conf"
    conf.write_text(SLAPD_CONF.format(root=root, suffix=suffix, access=access,
                                      root_password=os.urandom(12).hex()))
    (root / "data.ldif").write_text(ldif, encoding="utf-8")
    loaded = subprocess.run([SLAPADD, "-f", str(conf), "-l", str(root / "data.ldif")],
                            capture_output=True, text=True, timeout=60)
    if loaded.returncode:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"slapadd failed: {loaded.stderr}")
    port, ldaps_port = free_ports(2)
    server = Slapd(root, port, ldaps_port, suffix)
    with open(root / "slapd.log", "wb") as log:
        process = subprocess.Popen(
            [SLAPD, "-f", str(conf), "-d", "0",
             "-h", f"ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{ldaps_port}/"],
            stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_greeting(process, port, b"", "slapd", server.log)
        yield server
    finally:
        _stop(process, signal.SIGINT)
        shutil.rmtree(root, ignore_errors=True)
