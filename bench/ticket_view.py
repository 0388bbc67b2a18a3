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
is an error, not a sample. The measuring is ``bench/pagebench.py``'s; this
module says what is measured, and adds this process's CPU time per page and the
SELECT statements of a page (counted on the engine, read with each answer's
check): a figure the machine's load does not move.

Run with ``python -m bench.ticket_view`` (``--help``). Target: p95 <= 15 ms.
"""
from __future__ import annotations

import io
import re
import sys

from sqlalchemy import event

from . import pagebench
from .pagebench import Page, PageBench, PageRow
from .staffdata import FIRST_LINE_LOGIN, PASSWORD

MESSAGES = 20
OTHER_TICKETS = 15
TARGET_P95_MS = 15.0
MESSAGE = re.compile(r'<article id="message-')

#: The SELECT statements of the latest page, by database (``sqlite``, ``postgresql``).
STATEMENTS: dict[str, int] = {}
_since_check = {"database": "", "selects": 0}  # since the previous answer was checked


def _count_selects(conn, cursor, statement, parameters, context, executemany) -> None:
    _since_check["database"] = conn.dialect.name
    if statement.lstrip()[:6].upper() == "SELECT":
        _since_check["selects"] += 1


def _file(name: str):
    """A small text file to attach."""
    from pyramid_helpdesk.attachments.store import Upload

    return Upload(name, "text/plain", io.BytesIO(b"bench attachment\n" * 20))


def load(registry, messages: int) -> dict:
    """Staff, groups, a requester with other tickets and the measured ticket of
    ``messages`` messages; its number, for the path. From then on the SELECTs the
    app sends are counted for :data:`STATEMENTS`."""
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

        first_line = person(FIRST_LINE_LOGIN, Role.agent)
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
        for index in range(messages - 1):
            files = [_file(f"trace{index}.txt")] if index % 4 == 0 else []
            if index % 3 == 2:
                tickets.note(ticket, author=coordinator, body=f"Internal note {index}.",
                             attachments=files)
            else:
                author = (requester, agent, first_line)[index % 3]
                tickets.reply(ticket, author=author, attachments=files,
                              body=f"Message {index}.\n\nOn Monday someone wrote:\n> Earlier "
                                   "text\n> quoted again")
        number = ticket.number
    event.listen(registry["dbengine"], "before_cursor_execute", _count_selects)
    return {"number": number}


def all_messages(html: str) -> str | None:
    """``None`` when the page shows the :data:`MESSAGES` messages, else how many it shows;
    notes the page's SELECT statements in :data:`STATEMENTS`."""
    if _since_check["database"]:
        STATEMENTS[_since_check["database"]] = _since_check["selects"]
    _since_check["selects"] = 0
    shown = len(MESSAGE.findall(html))
    return None if shown == MESSAGES else f"{shown} messages instead of {MESSAGES}"


def verdicts(rows: list[PageRow]) -> list[str]:
    """The TARGETS.md line per database, with this process's CPU time per page and
    the page's SELECT statements."""
    return [f"{row.label}: p95 {row.figures.p95_ms:.2f} ms (target <= {TARGET_P95_MS:g} ms: "
            + ("meets" if row.figures.p95_ms <= TARGET_P95_MS else "ABOVE")
            + f" target); CPU time of this process per page: p50 {row.cpu.p50_ms:.2f} ms, "
            f"p95 {row.cpu.p95_ms:.2f} ms; {STATEMENTS.get(row.database, '?')} SELECT "
            "statements per page" for row in rows]


def messages_label(messages: int) -> str:
    """``20 messages``: the size of this bench."""
    return f"{messages} messages"


BENCH = PageBench(
    name="staff ticket view", prefix="ticket_view", load=load,
    pages=(Page("view", "staff ticket view", FIRST_LINE_LOGIN, "/staff/tickets/{number}",
                all_messages),),
    sizes=(MESSAGES,), verdicts=verdicts, size_label=messages_label)


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.ticket_view``."""
    return pagebench.main(BENCH, argv, module="ticket_view", doc=__doc__, requests=300,
                          warmup=30, choose_sizes=False)


if __name__ == "__main__":
    sys.exit(main())
