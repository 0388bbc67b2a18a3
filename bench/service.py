"""Service level: ``TicketService.create``, one committed transaction per ticket.

The app is configured in this process exactly as the web server configures it
(the same settings as the HTTP rows, ``helpdesk.plugins = web``), on a freshly
migrated database with a first-line group and one requester. Each ticket is
one transaction, as a web request makes it: a session joined to a transaction
manager, bound to the writer engine (``BEGIN IMMEDIATE`` on SQLite), the
requester loaded, the ticket created through the web channel, then commit.
The latency of a ticket includes its commit.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from pyramid_helpdesk.migrations import reset_database

from .database import check_disposable, server_version
from .scenarios import DESCRIPTION, subject
from .sites import PASSWORD, REQUESTER, SECRET
from .stats import Figures

MAX_ERROR_SAMPLES = 5


@dataclass
class ServiceResult:
    figures: Figures
    database_version: str
    error_samples: list[str] = field(default_factory=list)


def service_settings(url: str, directory: Path) -> dict[str, str]:
    """The same settings as the web server's ini (bench/sites.py)."""
    return {
        "sqlalchemy.url": url,
        "helpdesk.session.secret": SECRET,
        "helpdesk.plugins": "web",
        "helpdesk.notifiers": "mailfile",
        "helpdesk.password.argon2_profile": "CHEAPEST",
        "helpdesk.mail.dir": str(directory / "mail"),
        "helpdesk.attachments.dir": str(directory / "attachments"),
    }


def run_service(url: str, directory: Path, *, count: int, warmup: int = 0) -> ServiceResult:
    """Create ``warmup`` then ``count`` (measured) tickets on a fresh database at ``url``."""
    import transaction

    from pyramid_helpdesk.config import configure
    from pyramid_helpdesk.db import get_tm_session
    from pyramid_helpdesk.groups.services import create_group
    from pyramid_helpdesk.people.models import Person
    from pyramid_helpdesk.people.services import create_person
    from pyramid_helpdesk.tickets.services import TicketService

    check_disposable(url)
    directory.mkdir(parents=True, exist_ok=True)
    registry = configure(service_settings(url, directory), here=str(directory)).registry
    engine = registry["dbengine"]
    settings, plugins = registry.helpdesk_settings, registry.helpdesk_plugins
    factory, writer = registry["dbsession_factory"], registry["dbsession_writer_bind"]
    manager = transaction.TransactionManager(explicit=True)
    try:
        reset_database(engine)
        with manager:
            dbsession = get_tm_session(factory, manager, bind=writer)
            create_group(dbsession, "First line", first_line=True)
            requester_id = create_person(
                dbsession, REQUESTER, name="Bench Requester", password=PASSWORD,
                password_profile=settings.password_argon2_profile,
            ).id

        latencies: list[float] = []
        errors = 0
        samples: list[str] = []
        started = 0.0
        for seq in range(-warmup, count):
            if seq == 0:
                started = time.perf_counter()
            before = time.perf_counter()
            try:
                with manager:
                    dbsession = get_tm_session(factory, manager, bind=writer)
                    TicketService(dbsession, settings, plugins).create(
                        requester=dbsession.get(Person, requester_id), subject=subject(0, seq),
                        description=DESCRIPTION, channel="web",
                    )
            except Exception as exc:  # noqa: BLE001 - counted and shown, never hidden
                errors += 1
                if len(samples) < MAX_ERROR_SAMPLES:
                    samples.append(repr(exc))
                continue
            if seq >= 0:
                latencies.append(time.perf_counter() - before)
        seconds = time.perf_counter() - started if count else 0.0
        return ServiceResult(Figures.from_latencies(latencies, errors, seconds),
                             server_version(engine), samples)
    finally:
        engine.dispose()
