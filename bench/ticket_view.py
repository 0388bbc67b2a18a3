"""The staff view of one ticket: its latency with a 20-message conversation.

For each database (a SQLite file, and the PostgreSQL server given with
``--database-url``, where a database of its own is created beside the one named
and dropped afterwards), a freshly migrated database receives a few staff
members, groups, a requester with other tickets, and the measured ticket: 20
messages (public replies by both sides, internal notes, files), a dispatch, a
take, a priority change, a nudge and an outside authorisation. The app is
configured in this process with the settings of the HTTP rows and the page is
fetched through WebTest (the whole Pyramid stack: session, security, the
statements, the template) by a first-line member logged in once through the
login form. Every answer must be a 200 showing all 20 messages; anything else
is an error, not a sample.

Run with ``python -m bench.ticket_view`` (``--help``). Target: p95 <= 15 ms.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .database import check_disposable, public_url, server_version, sqlite_url
from .service import service_settings
from .stats import Figures, Row

MESSAGES = 20
OTHER_TICKETS = 15
TARGET_P95_MS = 15.0
FIRST_LINE = "firstline@bench.example.org"
PASSWORD = "bench-password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
MESSAGE = re.compile(r'<article id="message-')


@dataclass
class ViewRow:
    """The latency of the ticket view on one database."""

    database: str
    version: str
    figures: Figures
    cpu: Figures  # this process's CPU time per page (the machine's load left out)
    notes: list[str]

    @property
    def label(self) -> str:
        return f"staff ticket view, {MESSAGES} messages ({self.database})"


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _file(name: str):
    """A small text file to attach."""
    from pyramid_helpdesk.attachments.store import Upload

    return Upload(name, "text/plain", io.BytesIO(b"bench attachment\n" * 20))


def load(registry) -> str:
    """Staff, groups, a requester with other tickets and the measured ticket; its number."""
    import transaction

    from pyramid_helpdesk.db import get_tm_session
    from pyramid_helpdesk.groups.services import add_member, create_group
    from pyramid_helpdesk.people.models import Role
    from pyramid_helpdesk.people.services import create_person
    from pyramid_helpdesk.tickets.services import TicketService

    settings, plugins = registry.helpdesk_settings, registry.helpdesk_plugins
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        dbsession = get_tm_session(registry["dbsession_factory"], manager,
                                   bind=registry["dbsession_writer_bind"])

        def person(email, role=Role.requester, **profile):
            return create_person(dbsession, email, name=email.split("@")[0].title(), role=role,
                                 password=PASSWORD,
                                 password_profile=settings.password_argon2_profile,
                                 profile_completed=True, **profile)

        first_line = person(FIRST_LINE, Role.agent)
        agent = person("agent@bench.example.org", Role.agent)
        coordinator = person("coordinator@bench.example.org", Role.coordinator)
        requester = person("requester@bench.example.org", department="Physics",
                           phone="+86 10 5550 0199", locale="en")
        add_member(dbsession, create_group(dbsession, "First line", first_line=True),
                   first_line)
        network = create_group(dbsession, "Network")
        add_member(dbsession, network, agent)
        tickets = TicketService(dbsession, settings, plugins)
        for index in range(OTHER_TICKETS):
            tickets.create(requester=requester, subject=f"Earlier request {index}",
                           channel="web", description="Earlier.")
        ticket = tickets.create(requester=requester, subject="VPN drops every hour",
                                channel="web", description="The VPN drops every hour.",
                                cc=["colleague@bench.example.org"],
                                attachments=[_file("vpn.log")])
        tickets.dispatch(ticket, actor=first_line, group=network)
        tickets.take(ticket, actor=agent)
        tickets.change(ticket, actor=first_line, priority="high", category="network")
        tickets.forward(ticket, actor=agent, address="vendor@bench.example.org",
                        note="Please look at the logs.")
        tickets.nudge(ticket, actor=first_line)
        for index in range(MESSAGES - 1):
            files = [_file(f"trace{index}.txt")] if index % 4 == 0 else []
            if index % 3 == 2:
                tickets.note(ticket, author=coordinator, body=f"Internal note {index}.",
                             attachments=files)
            else:
                author = (requester, agent, first_line)[index % 3]
                tickets.reply(ticket, author=author, attachments=files,
                              body=f"Message {index}.\n\nOn Monday someone wrote:\n> Earlier "
                                   "text\n> quoted again")
        return ticket.number


def _logged_in(app):
    """A WebTest client of ``app`` logged in as the first-line member."""
    import webtest

    client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "127.0.0.1"})
    token = CSRF.search(client.get("/login").text).group(1)
    answer = client.post("/login", {"login": FIRST_LINE, "password": PASSWORD,
                                    "csrf_token": token})
    if answer.status_int != 303:
        raise RuntimeError(f"{FIRST_LINE} could not log in: {answer.status}")
    return client


def _fetch(client, path: str) -> str | None:
    """GET ``path``; ``None`` when it is the full page, else what was wrong."""
    answer = client.get(path, expect_errors=True)
    if answer.status_int != 200:
        return f"GET {path} -> {answer.status}"
    shown = len(MESSAGE.findall(answer.text))
    if shown != MESSAGES:
        return f"GET {path} -> {shown} messages instead of {MESSAGES}"
    return None


@contextlib.contextmanager
def loaded(url: str, directory: Path) -> Iterator[tuple]:
    """A fresh database at ``url`` with the ticket; the client, the path and the engine."""
    from pyramid_helpdesk.config import configure
    from pyramid_helpdesk.migrations import reset_database

    check_disposable(url)
    directory.mkdir(parents=True, exist_ok=True)
    config = configure(service_settings(url, directory), here=str(directory))
    engine = config.registry["dbengine"]
    try:
        reset_database(engine)
        number = load(config.registry)
        yield _logged_in(config.make_wsgi_app()), f"/staff/tickets/{number}", engine
    finally:
        engine.dispose()


def measure(url: str | None, workdir: Path, requests: int, warmup: int) -> ViewRow:
    """The view's latency on one database (``None``: a SQLite file in ``workdir``)."""
    from pyramid_helpdesk.testing import throwaway_database

    workdir.mkdir(parents=True, exist_ok=True)
    base = url or sqlite_url(workdir)
    with throwaway_database(base, "ticket_view_bench", str(workdir)) as target, \
            loaded(target, workdir / "files") as (client, path, engine):
        for _ in range(warmup):
            _fetch(client, path)
        latencies, cpu, problems = [], [], []
        started = time.perf_counter()
        for _ in range(requests):
            before, before_cpu = time.perf_counter(), time.thread_time()
            problem = _fetch(client, path)
            if problem is None:
                latencies.append(time.perf_counter() - before)
                cpu.append(time.thread_time() - before_cpu)
            else:
                problems.append(problem)
        seconds = time.perf_counter() - started
        figures = Figures.from_latencies(latencies, len(problems), seconds)
        row = ViewRow(engine.dialect.name, server_version(engine), figures,
                      Figures.from_latencies(cpu, 0, seconds), problems[:5])
    _log(f"  {row.label}: p50 {figures.p50_ms:.2f} ms, p95 {figures.p95_ms:.2f} ms, "
         f"{figures.errors} error(s); CPU p50 {row.cpu.p50_ms:.2f} ms, "
         f"p95 {row.cpu.p95_ms:.2f} ms")
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ticket_view",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url",
                        default=os.environ.get("HELPDESK_BENCH_DATABASE_URL") or None,
                        help="PostgreSQL too: a database <name>_ticket_view_bench is created "
                             "on that server and dropped afterwards; default "
                             "$HELPDESK_BENCH_DATABASE_URL")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--requests", type=int, default=300,
                        help="timed GETs per database (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=30,
                        help="untimed GETs first (default %(default)s)")
    args = parser.parse_args(argv)
    urls = ([] if args.skip_sqlite else [None]) + (
        [args.database_url] if args.database_url else [])
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-ticket-view-") as workdir:
        rows = [measure(url, Path(workdir) / str(index), args.requests, args.warmup)
                for index, url in enumerate(urls)]
    from .report import format_table

    where = ", ".join(f"{row.database}: {row.version}" for row in rows)
    if args.database_url:
        where += f" (server of {public_url(args.database_url)})"
    print(f"\nstaff ticket view: {args.requests} timed GETs per database after "
          f"{args.warmup} untimed; {where}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs\n")
    print(format_table([Row(f"ticket_view_{r.database}", r.label, [r.figures], r.notes)
                        for r in rows], unit="pages/s"))
    print()
    for row in rows:
        meets = "meets" if row.figures.p95_ms <= TARGET_P95_MS else "ABOVE"
        print(f"{row.label}: p95 {row.figures.p95_ms:.2f} ms (target <= {TARGET_P95_MS:g} ms: "
              f"{meets} target); CPU time of this process per page: p50 "
              f"{row.cpu.p50_ms:.2f} ms, p95 {row.cpu.p95_ms:.2f} ms")
        for note in row.notes:
            print(f"note: {row.label}: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
