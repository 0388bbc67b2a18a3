"""The ``helpdesk`` command: database, people, groups, demo data, plugins, worker.

Every sub-command loads the ini file given with ``-c/--config`` (default: the
``HELPDESK_CONFIG`` environment variable, else ``development.ini``), so the
settings and plugins are validated exactly as the web app validates them.
Plugins add sub-commands through ``helpdesk_register_commands``. Errors are
one line on standard error and a non-zero exit.
"""
from __future__ import annotations

import configparser
import contextlib
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import click

from .duty.cli import duty
from .errors import ConfigurationError, DomainError
from .reports.cli import reports
from .sla.cli import calendar
from .tokens.cli import token

MIN_PASSWORD_LENGTH = 8


@dataclass
class CommandEnv:
    """What a sub-command works with: the parsed settings, the plugins, and database
    transactions; the full web application only when a command asks for ``registry``.

    The ini file is read, its settings validated and its plugins loaded exactly as
    the web app does, but without building the Pyramid app, so that commands an
    MTA runs for every message (``helpdesk mailgate``) start quickly.
    """

    config_uri: str
    # Held around every transaction when set: processes that write one SQLite file
    # share one, so that a writer waits on it, woken at once, rather than on SQLite's
    # busy timeout, which sleeps and looks again.
    write_lock: Any = field(default=None, repr=False)
    _settings: Any = field(default=None, repr=False)
    _plugins: Any = field(default=None, repr=False)
    _engine: Any = field(default=None, repr=False)
    _app: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def settings(self):
        """The parsed :class:`~pyramid_helpdesk.settings.HelpdeskSettings`."""
        if self._settings is None:
            self._load()
        return self._settings

    @property
    def plugins(self):
        """The :class:`~pyramid_helpdesk.plugin.registry.PluginRegistry` of the ini file."""
        if self._plugins is None:
            self._load()
        return self._plugins

    @property
    def engine(self):
        """The database engine (``sqlalchemy.url``)."""
        if self._engine is None:
            from .db import get_engine

            self._engine = get_engine(self.settings.raw)
        return self._engine

    @property
    def registry(self):
        """The Pyramid registry of the full web app (built on first use)."""
        if self._app is None:
            from pyramid.paster import bootstrap

            self._app = self._reading(lambda: bootstrap(self.config_uri))
        return self._app["registry"]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """A database session committed when the block ends without error."""
        from sqlalchemy.orm import Session

        from .db import writer_engine

        with self.write_lock or contextlib.nullcontext():
            with Session(writer_engine(self.engine), expire_on_commit=False) as dbsession:
                with dbsession.begin():
                    yield dbsession

    def tickets(self, dbsession):
        """A :class:`~pyramid_helpdesk.tickets.services.TicketService` on ``dbsession``."""
        from .tickets.services import TicketService

        return TicketService(dbsession, self.settings, self.plugins)

    def close(self) -> None:
        if self._app is not None:
            self._app["closer"]()
        if self._engine is not None:
            self._engine.dispose()

    def _load(self) -> None:
        from plaster import parse_uri
        from plaster_pastedeploy import Loader

        from .plugin.manager import load_plugins
        from .plugin.registry import PluginRegistry
        from .settings import parse_settings, resolve_env

        # The PasteDeploy loader directly: plaster's own lookup scans every installed
        # distribution's entry points, a cost every mail delivery would pay.
        loader = Loader(parse_uri(self.config_uri))
        raw = self._reading(lambda: dict(loader.get_settings("app:main")))
        self._reading(loader.setup_logging)
        raw.setdefault("here", os.path.dirname(os.path.abspath(self.config_uri.split("#")[0])))
        if "sqlalchemy.url" not in raw:
            from .settings import SettingsError

            raise SettingsError("sqlalchemy.url", "a database URL")
        raw["sqlalchemy.url"] = resolve_env("sqlalchemy.url", raw["sqlalchemy.url"])
        settings = parse_settings(raw)
        manager, _plugins = load_plugins(settings)
        self._plugins = PluginRegistry.collect(manager, settings)
        self._settings = settings

    def _reading(self, load):
        """Run ``load`` on the ini file; a missing or malformed file is one clear line."""
        try:
            return load()
        except FileNotFoundError:
            raise click.ClickException(f"no such configuration file: {self.config_uri}") from None
        except configparser.Error as exc:  # a malformed ini file
            reason = " ".join(str(exc).split())
            raise click.ClickException(f"cannot read {self.config_uri}: {reason}") from None
        except LookupError as exc:  # no [app:main] section
            raise click.ClickException(f"cannot load {self.config_uri}: {exc}") from None


def command_env(ctx: click.Context) -> CommandEnv:
    """The context's :class:`CommandEnv`, created from ``--config`` on first use."""
    root = ctx.find_root()
    if root.obj is None:
        root.obj = CommandEnv(root.params.get("config_uri") or "development.ini")
        root.call_on_close(root.obj.close)
    return root.obj


class HelpdeskGroup(click.Group):
    """The root command; plugin sub-commands are looked up once the ini is known."""

    def _plugin_commands(self, ctx) -> dict[str, click.Command]:
        hook = command_env(ctx).plugins.hook
        return {command.name: command
                for result in hook.helpdesk_register_commands() for command in result or ()}

    def get_command(self, ctx, name):
        return super().get_command(ctx, name) or self._plugin_commands(ctx).get(name)

    def list_commands(self, ctx):
        names = set(super().list_commands(ctx))
        with contextlib.suppress(Exception, SystemExit):
            names |= set(self._plugin_commands(ctx))
        return sorted(names)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ConfigurationError as exc:  # the same line pserve prints
            click.echo(f"helpdesk: {exc}", err=True)
            sys.exit(1)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        except Exception as exc:
            from sqlalchemy.exc import OperationalError

            if isinstance(exc, OperationalError):
                raise click.ClickException(
                    f"database unreachable: {str(exc.orig).strip().splitlines()[0]}"
                ) from None
            raise


@click.group(cls=HelpdeskGroup, add_help_option=False)
@click.option("-c", "--config", "config_uri", envvar="HELPDESK_CONFIG",
              default="development.ini", show_default=True, is_eager=True,
              help="The ini file (env HELPDESK_CONFIG).")
# --config is read before --help, so the help lists the plugins' sub-commands.
@click.help_option("--help", is_eager=False)
@click.pass_context
def main(ctx, config_uri):
    """Manage a pyramid_helpdesk installation."""
    command_env(ctx)


# -- db -------------------------------------------------------------------------


@main.group()
def db():
    """Database migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
@click.pass_obj
def db_upgrade(env: CommandEnv, revision):
    """Upgrade the database schema to REVISION (default: the newest)."""
    from alembic import command

    from .migrations import alembic_config

    with env.engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
    click.echo(f"database at {revision}")


@db.command("current")
@click.pass_obj
def db_current(env: CommandEnv):
    """Print the database's schema revision."""
    from .migrations import current_revision

    with env.engine.connect() as connection:
        click.echo(current_revision(connection) or "empty (run: helpdesk db upgrade)")


# -- people and groups ------------------------------------------------------------


@main.group()
def user():
    """People."""


@user.command("add")
@click.argument("email")
@click.option("--name", default="", help="Full name.")
@click.option("--role", type=click.Choice(["requester", "agent", "coordinator", "admin"]),
              default="requester", show_default=True)
@click.option("--password", help="Password (else asked for; '-' reads it from stdin).")
@click.option("--no-password", is_flag=True, help="No local password (directory login).")
@click.pass_obj
def user_add(env: CommandEnv, email, name, role, password, no_password):
    """Add a person who can log in."""
    from .people.models import Role
    from .people.services import create_person

    if no_password:
        password = None
    elif password == "-":
        password = sys.stdin.readline().rstrip("\n")
    elif password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(
            f"the password is too short ({MIN_PASSWORD_LENGTH} characters at least)")
    with env.transaction() as dbsession:
        person = create_person(dbsession, email, name=name, role=Role(role), password=password,
                               password_profile=env.settings.password_argon2_profile,
                               profile_completed=bool(name))
        click.echo(f"added {person.email} ({role})")


@main.group()
def group():
    """Service groups."""


@group.command("add")
@click.argument("name")
@click.option("--description", default="")
@click.option("--email", default=None, help="The group's own address, if it has one.")
@click.option("--first-line", is_flag=True, help="This group receives undispatched tickets.")
@click.option("--member", "members", multiple=True, help="A staff member's e-mail (repeat).")
@click.pass_obj
def group_add(env: CommandEnv, name, description, email, first_line, members):
    """Add a service group with its members."""
    from .groups.services import add_member, create_group
    from .people.services import find_by_email

    with env.transaction() as dbsession:
        created = create_group(dbsession, name, description=description, email=email,
                               first_line=first_line)
        for address in members:
            person = find_by_email(dbsession, address)
            if person is None:
                raise click.ClickException(f"no person with address {address}")
            add_member(dbsession, created, person)
        click.echo(f"added group {created.name} with {len(members)} member(s)")


main.add_command(duty)  # the roster's commands live with the roster (pyramid_helpdesk/duty)
main.add_command(calendar)  # the business calendar's checks (pyramid_helpdesk/sla)
main.add_command(token)  # personal API tokens (pyramid_helpdesk/tokens)
main.add_command(reports)  # the reports' summary (pyramid_helpdesk/reports)


# -- demo, plugins, worker -------------------------------------------------------------


@main.command()
@click.option("--if-empty", is_flag=True, help="Only when the database has no people yet.")
@click.pass_obj
def demo(env: CommandEnv, if_empty):
    """Load fictional demo people, groups and tickets (safe to run again)."""
    from sqlalchemy import select

    from .demo import DEMO_PASSWORD, load_demo
    from .people.models import Person

    with env.transaction() as dbsession:
        if if_empty and dbsession.scalar(select(Person.id).limit(1)) is not None:
            click.echo("the database has people already: demo data not loaded")
            return
        created = load_demo(dbsession, env.tickets(dbsession), env.settings)
    click.echo(f"demo data: {created} new record(s); every demo login uses password "
               f"'{DEMO_PASSWORD}'")


@main.command()
@click.pass_obj
def plugins(env: CommandEnv):
    """List the loaded plugins (core defaults, then as listed), versions and hooks."""
    from .plugin.manager import DEFAULT_PLUGINS, plugin_version

    manager = env.plugins.manager
    order = {name: rank for rank, name in enumerate([*DEFAULT_PLUGINS, *env.settings.plugins])}
    for name, plugin in sorted(manager.list_name_plugin(), key=lambda item: order[item[0]]):
        hooks = sorted(impl.name for impl in manager.get_hookcallers(plugin) or ())
        click.echo(f"{name}  {plugin_version(plugin)}")
        for hook in hooks:
            click.echo(f"    {hook}")


@main.command()
@click.option("--once", is_flag=True, help="Do what is due now, then exit.")
@click.pass_obj
def worker(env: CommandEnv, once):
    """Run the plugins' background tasks (the e-mail journal), check service-level
    targets, and deliver queued notifications through the active notifiers."""
    from .db.types import utcnow
    from .notifications.delivery import DeliveryReport, deliver_due
    from .reports.summary import compact as compact_report_summary
    from .sla.check import check_targets
    from .sla.clock import calendar_for

    settings = env.settings
    notifiers = env.plugins.notifiers
    log = logging.getLogger("pyramid_helpdesk.worker")
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    total = DeliveryReport()
    while not stopping:
        # The plugins' tasks first: what they queue (an acknowledgement) goes out in this pass.
        tasks_handled = sum(run_worker_task(task, env, log) for task in env.plugins.worker_tasks)
        # Then warnings and breaches, committed, so that their mail goes out in this pass.
        with env.transaction() as dbsession:
            checked = check_targets(dbsession, calendar_for(settings), settings, env.plugins,
                                    utcnow())
        if checked.warnings or checked.breaches:
            log.info("service-level warnings %s, breaches %s", checked.warnings,
                     checked.breaches)
        with env.transaction() as dbsession:  # the reports' summary catches up
            compact_report_summary(dbsession)
        with env.transaction() as dbsession:
            report = deliver_due(dbsession, notifiers, batch_size=settings.worker_batch_size,
                                 max_attempts=settings.worker_max_attempts,
                                 backoff=settings.worker_backoff)
        total.sent += report.sent
        total.retried += report.retried
        total.failed += report.failed
        if report.handled:
            log.info("delivered %s, retrying %s, failed %s",
                     report.sent, report.retried, report.failed)
        if report.handled or tasks_handled:
            continue
        if once:
            break
        time.sleep(settings.worker_poll_interval.total_seconds())
    click.echo(f"sent {total.sent}, to retry {total.retried}, failed {total.failed}")


def run_worker_task(task, env: CommandEnv, log: logging.Logger) -> int:
    """One pass of a plugin's worker task: how many items it handled.

    An unreachable database stops the worker as it does in the worker's own
    steps; any other failure is logged and the task counts as having handled
    nothing (it is tried again on the next pass, the other tasks still run).
    """
    from sqlalchemy.exc import InterfaceError, OperationalError

    try:
        handled = task.run(env)
    except (OperationalError, InterfaceError):
        raise
    except Exception:
        log.exception("worker task %s failed", task.name)
        return 0
    if handled:
        log.info("worker task %s handled %s", task.name, handled)
    return handled or 0


def run() -> None:
    """Console-script entry point."""
    main(prog_name="helpdesk")
