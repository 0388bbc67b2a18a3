"""Test a helpdesk, or a plugin, against a real app and a real database.

Use it as a pytest plugin: put ``pytest_plugins = ["pyramid_helpdesk.testing"]``
in your ``conftest.py`` and override ``helpdesk_test_settings`` to activate
your plugin::

    @pytest.fixture(scope="session")
    def helpdesk_test_settings():
        return {"helpdesk.plugins": "my_plugin", "helpdesk.routing": "my_strategy"}

    def test_my_strategy_routes_printers(helpdesk):
        user = helpdesk.person("user@example.org")
        ticket = helpdesk.tickets.create(requester=user, subject="Printer jam",
                                         channel="staff")
        assert ticket.holder_group.name == "Printing"

The database is migrated once per test session (SQLite in a temporary
directory, or ``HELPDESK_TEST_DATABASE_URL``); each test runs inside a
transaction that is rolled back at its end. Requests made through
``helpdesk.app`` (WebTest) go through the whole stack, pyramid_tm included:
what they commit is visible to the rest of the test, and gone afterwards.
"""
from __future__ import annotations

import contextlib
import os
import re
from typing import Any, Iterator

import pytest
import webtest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from .config import configure
from .db import get_engine
from .db.meta import Base
from .migrations import reset_database

TEST_PASSWORD = "secret"
TEST_SECRET = "test-secret-for-signed-cookies-0123456789abcdef"


def make_test_settings(database_url: str, directory: str, **overrides: str) -> dict[str, str]:
    """Settings for a test app: cheap password hashing, files under ``directory``."""
    settings = {
        "sqlalchemy.url": database_url,
        "here": directory,
        "helpdesk.session.secret": TEST_SECRET,
        "helpdesk.password.argon2_profile": "CHEAPEST",
        "helpdesk.notifiers": "mailfile",
        "helpdesk.mail.dir": os.path.join(directory, "mail"),
        "helpdesk.attachments.dir": os.path.join(directory, "attachments"),
        "helpdesk.base_url": "http://helpdesk.example.org",
    }
    settings.update(overrides)
    return settings


@contextlib.contextmanager
def throwaway_database(database_url: str, suffix: str, directory: str) -> Iterator[str]:
    """The URL of a new, empty database of the same kind as ``database_url``.

    SQLite: a file in ``directory``. PostgreSQL: ``<database>_<suffix>`` (plus the
    pytest-xdist worker) on the same server, dropped when the block ends.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{os.path.join(directory, suffix + '.sqlite')}"
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = f"{url.database}_{suffix}" + (f"_{worker}" if worker else "")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    try:
        with admin.connect() as connection:
            connection.execute(drop)
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(drop)
        admin.dispose()


def delete_all_rows(engine: Engine) -> None:
    """Empty every table (for tests that really commit)."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


class Helpdesk:
    """One test's view of the app: WebTest client, database session, factories."""

    def __init__(self, wsgi_app, connection):
        self.wsgi_app = wsgi_app
        self.registry = wsgi_app.registry
        self.connection = connection
        self.app = webtest.TestApp(wsgi_app, extra_environ={"HTTP_HOST": "helpdesk.example.org"})
        self.dbsession: Session = sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )()

    @property
    def settings(self):
        """The app's parsed settings."""
        return self.registry.helpdesk_settings

    @property
    def plugins(self):
        """The app's :class:`~pyramid_helpdesk.plugin.registry.PluginRegistry`."""
        return self.registry.helpdesk_plugins

    @property
    def tickets(self):
        """The lifecycle service on this test's session."""
        from .tickets.services import TicketService

        return TicketService(self.dbsession, self.settings, self.plugins)

    # -- factories -----------------------------------------------------------

    def person(self, email: str, role: str = "requester", name: str = "",
               password: str = TEST_PASSWORD, **profile: Any):
        """A person who can log in with ``password``, their profile complete (pass
        ``profile_completed=False`` for one the first-login page will stop)."""
        from .people.models import Role
        from .people.services import create_person

        profile.setdefault("profile_completed", True)
        return create_person(
            self.dbsession, email, name=name or email.split("@")[0].title(), role=Role(role),
            password=password, password_profile=self.settings.password_argon2_profile,
            **profile,
        )

    def group(self, name: str, *members, first_line: bool = False, email: str | None = None):
        """A service group with ``members`` (people)."""
        from .groups.services import add_member, create_group

        created = create_group(self.dbsession, name, first_line=first_line, email=email)
        for member in members:
            add_member(self.dbsession, created, member)
        return created

    def ticket(self, requester, subject: str = "Printer jam", channel: str = "staff", **kw):
        """A ticket created through the lifecycle service (flushed, so requests see it)."""
        ticket = self.tickets.create(requester=requester, subject=subject, channel=channel, **kw)
        self.dbsession.flush()
        return ticket

    def refresh(self, *objects) -> None:
        """Reload objects changed by requests made since they were loaded."""
        for obj in objects:
            self.dbsession.refresh(obj)

    # -- browsing ------------------------------------------------------------

    def csrf_token(self, path: str = "/login") -> str:
        """The CSRF token of the current browser session, read from a form."""
        page = self.app.get(path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, email: str, password: str = TEST_PASSWORD) -> str:
        """Log in through the login form; return the new CSRF token."""
        response = self.app.post("/login", {"login": email, "password": password,
                                            "csrf_token": self.csrf_token("/login")})
        assert response.status_int == 303, response.text
        return self.csrf_token("/")

    def logout(self) -> None:
        """Log out through the logout button."""
        self.app.post("/logout", {"csrf_token": self.csrf_token("/")})

    @contextlib.contextmanager
    def recording_hooks(self) -> Iterator[list[tuple[str, dict[str, Any]]]]:
        """Record every hook call (name and keyword arguments) made inside the block."""
        calls: list[tuple[str, dict[str, Any]]] = []
        manager = self.plugins.manager
        undo = manager.add_hookcall_monitoring(
            lambda name, impls, kwargs: calls.append((name, dict(kwargs))),
            lambda outcome, name, impls, kwargs: None,
        )
        try:
            yield calls
        finally:
            undo()


@contextlib.contextmanager
def counted_statements(bind) -> Iterator[list[str]]:
    """The SQL statements sent through ``bind`` (an engine or a connection) inside the
    block, in order: for tests that a page or an operation runs a fixed number."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(bind, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(bind, "before_cursor_execute", record)


def build_app(settings: dict[str, str], engine: Engine):
    """A WSGI app from ``settings`` whose database is ``engine``."""
    return configure(dict(settings), engine=engine).make_wsgi_app()


@contextlib.contextmanager
def bound_to(wsgi_app, connection) -> Iterator[None]:
    """Make every request of ``wsgi_app`` use ``connection`` (savepoints inside it)."""
    registry = wsgi_app.registry
    saved = registry["dbsession_factory"], registry["dbsession_writer_bind"]
    registry["dbsession_factory"] = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    registry["dbsession_writer_bind"] = connection
    try:
        yield
    finally:
        registry["dbsession_factory"], registry["dbsession_writer_bind"] = saved


@contextlib.contextmanager
def rolled_back(wsgi_app, engine: Engine) -> Iterator[Helpdesk]:
    """A :class:`Helpdesk` whose every change is rolled back at the end."""
    with engine.connect() as connection:
        outer = connection.begin()
        try:
            with bound_to(wsgi_app, connection):
                harness = Helpdesk(wsgi_app, connection)
                try:
                    yield harness
                finally:
                    harness.dbsession.close()
        finally:
            outer.rollback()


# -- pytest fixtures -------------------------------------------------------------------


@pytest.fixture(scope="session")
def helpdesk_database_url(tmp_path_factory) -> str:
    """``HELPDESK_TEST_DATABASE_URL``, else a SQLite file in a temporary directory."""
    url = os.environ.get("HELPDESK_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'helpdesk.sqlite'}"


@pytest.fixture(scope="session")
def helpdesk_test_settings() -> dict[str, str]:
    """Extra settings for the test app; override to activate your plugin."""
    return {}


@pytest.fixture(scope="session")
def helpdesk_engine(helpdesk_database_url) -> Iterator[Engine]:
    """The test database, migrated once per session."""
    engine = get_engine({"sqlalchemy.url": helpdesk_database_url})
    reset_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def helpdesk_directory(tmp_path_factory) -> str:
    """Where the test app keeps its files (mail, attachments)."""
    return str(tmp_path_factory.mktemp("helpdesk"))


@pytest.fixture(scope="session")
def helpdesk_app(helpdesk_engine, helpdesk_database_url, helpdesk_directory,
                 helpdesk_test_settings):
    """The WSGI app, built once per session."""
    settings = make_test_settings(helpdesk_database_url, helpdesk_directory,
                                  **helpdesk_test_settings)
    return build_app(settings, helpdesk_engine)


@pytest.fixture
def helpdesk(helpdesk_app, helpdesk_engine) -> Iterator[Helpdesk]:
    """A :class:`Helpdesk` for one test; everything it changes is rolled back."""
    with rolled_back(helpdesk_app, helpdesk_engine) as harness:
        yield harness
