"""``helpdesk lmtp`` as Postfix's ``lmtp:`` transport drives it, through ``smtplib.LMTP``."""
from __future__ import annotations

import contextlib
import os
import select
import signal
import smtplib
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select as sql_select

from helpdesk_email.store_workers import STORE_PROCESSES
from pyramid_helpdesk.tickets.models import Ticket
from tests.email_intake.conftest import message
from tests.installation import HELPDESK, command_environment

from .conftest import email_ini, unreachable_database

RECIPIENTS = ["helpdesk@example.org", "it-support@example.org"]


@contextlib.contextmanager
def lmtp_server(installation, ini):
    """``helpdesk lmtp --port 0`` running; yields (process, port) once it listens.

    On leaving, the server is sent SIGTERM (unless it stopped) and waited for; its
    standard error is then in ``process.errors``.
    """
    process = subprocess.Popen(
        [str(HELPDESK), "-c", str(ini), "lmtp", "--port", "0"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, cwd=installation.directory,
        env=command_environment())
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline() if ready else ""
        if not line.startswith("listening on 127.0.0.1:"):
            process.kill()
            pytest.fail(f"helpdesk lmtp did not start: {line!r} {process.stderr.read()}")
        yield process, int(line.rsplit(":", 1)[1])
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        process.errors = process.stderr.read()  # what it logged, once it has stopped
        process.stdout.close()
        process.stderr.close()


def on_the_wire(raw: bytes) -> bytes:
    """Mail travels with CRLF line ends (smtplib sends bytes as they are)."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def deliver(port: int, raw: bytes, recipients=RECIPIENTS) -> list[tuple[int, str]]:
    """One LMTP transaction; the replies after DATA, one per recipient."""
    with smtplib.LMTP("127.0.0.1", port, timeout=60) as client:
        return transaction(client, raw, recipients)


def transaction(client: smtplib.LMTP, raw: bytes, recipients=RECIPIENTS):
    client.ehlo("mx.example.net")
    assert client.mail("postmaster@example.net")[0] == 250
    for recipient in recipients:
        assert client.rcpt(recipient)[0] == 250
    # smtplib reads one reply after DATA, as in SMTP; LMTP sends one per recipient.
    replies = [client.data(on_the_wire(raw))]
    replies += [client.getreply() for _ in recipients[1:]]
    return [(code, text.decode()) for code, text in replies]


def ticket_count(db) -> int:
    return db().scalar(sql_select(func.count()).select_from(Ticket))


def test_a_message_for_two_recipients_becomes_one_ticket_and_each_gets_250(migrated, db):
    ini = email_ini(migrated)
    with lmtp_server(migrated, ini) as (process, port):
        replies = deliver(port, message(message_id="lmtp-first"))
        ticket = db().scalars(sql_select(Ticket)).one()
        assert replies == [(250, f"2.0.0 Stored: created {ticket.number}")] * 2
        assert ticket.subject == "Printer on floor 2 jams"

        again = deliver(port, message(message_id="lmtp-first"))
        assert again == [(250, f"2.0.0 Stored: duplicate {ticket.number}")] * 2
        assert ticket_count(db) == 1


def test_messages_of_concurrent_sessions_are_each_stored_once_and_answered(migrated, db):
    ini = email_ini(migrated)
    sent = [message(subject=f"Request {n}", message_id=f"lmtp-many-{n}") for n in range(40)]
    with lmtp_server(migrated, ini) as (process, port):
        with ThreadPoolExecutor(max_workers=10) as clients:
            replies = list(clients.map(lambda raw: deliver(port, raw, RECIPIENTS[:1]), sent))
        tickets = {t.subject: t.number for t in db().scalars(sql_select(Ticket))}
        expected = [[(250, f"2.0.0 Stored: created {tickets[f'Request {n}']}")]
                    for n in range(40)]
        assert replies == expected
        again = deliver(port, sent[7], RECIPIENTS[:1])
        assert again == [(250, f"2.0.0 Stored: duplicate {tickets['Request 7']}")]
    assert ticket_count(db) == 40


def test_a_message_that_trips_a_defect_fails_alone_with_451(migrated, db):
    ini = email_ini(migrated, helpdesk__plugins=(
        "web email tests.email_transports.fails_on_explode"))
    subjects = ["Printer jams", "Explode", "VPN drops", "New laptop"]
    with lmtp_server(migrated, ini) as (process, port):
        with ThreadPoolExecutor(max_workers=4) as clients:
            replies = dict(zip(subjects, clients.map(
                lambda subject: deliver(port, message(subject=subject), RECIPIENTS[:1]),
                subjects), strict=True))
    assert [code for code, _ in replies.pop("Explode")] == [451]
    assert all(answer[0][0] == 250 for answer in replies.values())
    stored = sorted(t.subject for t in db().scalars(sql_select(Ticket)))
    assert stored == ["New laptop", "Printer jams", "VPN drops"]


def test_an_unreachable_database_answers_451_to_each_recipient_so_postfix_retries(offline):
    ini = email_ini(offline, sqlalchemy__url=unreachable_database(offline))
    with lmtp_server(offline, ini) as (process, port):
        replies = deliver(port, message())
    assert [code for code, _ in replies] == [451, 451]
    assert all(text.startswith("4.3.0 ") for _, text in replies)
    assert process.returncode == 0
    assert "not stored, the client will retry" in process.errors
    assert "Traceback" not in process.errors


def test_store_processes_that_cannot_start_stop_the_listener_with_one_line(migrated):
    email_ini(migrated, helpdesk__plugins="web email tests.email_transports."
              "fails_in_store_processes")
    assert migrated.fails("lmtp", "--port", "0") == (
        "Error: cannot start the store processes: PluginLoadError: plugin "
        "'tests.email_transports.fails_in_store_processes': fails to import: "
        "RuntimeError: this plugin cannot be loaded in a store process")


def test_an_oversized_message_gets_552_per_recipient_and_the_session_goes_on(migrated, db):
    ini = email_ini(migrated, helpdesk__attachments__max_size="4KB")  # messages up to 8 KB
    huge = message(body="A line of a very long log file.\n" * 1000)
    with lmtp_server(migrated, ini) as (process, port), \
            smtplib.LMTP("127.0.0.1", port, timeout=60) as client:
        assert [code for code, _ in transaction(client, huge)] == [552, 552]
        assert client.rset()[0] == 250
        code, text = client.mail("postmaster@example.net", ["SIZE=20000"])
        assert (code, text) == (552, b"5.3.4 Message too big for this helpdesk")
        assert client.rset()[0] == 250
        assert [code for code, _ in transaction(client, message())] == [250, 250]
    assert ticket_count(db) == 1


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_closes_open_sessions_with_421_and_exits_0(migrated, signum):
    ini = email_ini(migrated)
    with lmtp_server(migrated, ini) as (process, port), \
            smtplib.LMTP("127.0.0.1", port, timeout=60) as client:
        assert client.ehlo("mx.example.net")[0] == 250
        process.send_signal(signum)
        assert process.wait(timeout=60) == 0
        assert client.getreply() == (421, b"4.3.2 Service shutting down")
    assert process.returncode == 0


def store_processes(server: subprocess.Popen) -> list[int]:
    """The process ids of the listener's store processes (not multiprocessing's helper)."""
    found = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True)
    pids = [int(pid) for pid in found.stdout.split()]
    return [pid for pid in pids if "resource_tracker" not in
            Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")]


def test_a_store_process_that_dies_is_replaced_and_no_message_is_lost(migrated, db):
    ini = email_ini(migrated)
    with lmtp_server(migrated, ini) as (process, port):
        assert deliver(port, message(subject="Before"), RECIPIENTS[:1])[0][0] == 250
        workers = store_processes(process)
        assert len(workers) == STORE_PROCESSES
        os.kill(workers[0], signal.SIGKILL)
        # The death is noticed at once or by the first batch after it: that batch
        # is answered 451 and sent again, as an MTA does.
        answers = []
        for _ in range(3):
            answers.append(deliver(port, message(subject="After", message_id="lmtp-after"),
                                   RECIPIENTS[:1])[0][0])
            if answers[-1] == 250:
                break
        assert answers[-1] == 250 and set(answers[:-1]) <= {451}
        assert deliver(port, message(subject="Later"), RECIPIENTS[:1])[0][0] == 250
        assert workers[0] not in store_processes(process)
    assert process.returncode == 0
    assert sorted(t.subject for t in db().scalars(sql_select(Ticket))) == [
        "After", "Before", "Later"]


def test_the_store_processes_end_when_the_listener_is_killed(migrated):
    ini = email_ini(migrated)
    with lmtp_server(migrated, ini) as (process, _port):
        workers = store_processes(process)
        assert len(workers) == STORE_PROCESSES
        process.kill()
    for _ in range(100):
        if not any(Path(f"/proc/{pid}").exists() for pid in workers):
            break
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
