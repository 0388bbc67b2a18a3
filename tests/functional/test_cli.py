"""The ``helpdesk`` command, run as an operator runs it: a real process on a real ini file.

Each test gets its own empty database of the session's backend (a SQLite file,
or ``<test database>_cli`` on PostgreSQL, created and dropped around the test).
"""
from __future__ import annotations

import email
import email.policy
import threading
from importlib.metadata import version

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select

from pyramid_helpdesk.cli import CommandEnv
from pyramid_helpdesk.demo import DEMO_PASSWORD, PEOPLE
from pyramid_helpdesk.groups.models import ServiceGroup
from pyramid_helpdesk.migrations import alembic_config
from pyramid_helpdesk.notifications.models import DeliveryStatus, Notification
from pyramid_helpdesk.people.models import Person, Role
from pyramid_helpdesk.people.passwords import verify_password
from pyramid_helpdesk.testing import (
    Helpdesk,
)
from pyramid_helpdesk.tickets.models import Ticket
from tests.installation import COUNT_COMMAND, NO_CONFIG, Installation


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


# -- db --------------------------------------------------------------------------------


def test_an_operator_migrates_a_new_database_and_sees_its_revision(installation):
    assert installation.ok("db", "current").strip() == "empty (run: helpdesk db upgrade)"

    assert installation.ok("db", "upgrade").strip() == "database at head"

    assert installation.ok("db", "current").strip() == head_revision()
    assert installation.ok("db", "upgrade").strip() == "database at head"  # again: no-op
    assert installation.ok("db", "current").strip() == head_revision()


def test_the_ini_file_may_come_from_helpdesk_config(migrated):
    output = migrated.ok("db", "current", config=NO_CONFIG,
                         env={"HELPDESK_CONFIG": str(migrated.ini)})
    assert output.strip() == head_revision()


# -- people and groups -------------------------------------------------------------------


def test_an_admin_account_is_added_with_a_password_option(migrated, db):
    output = migrated.ok("user", "add", "Admin@Example.org", "--name", "Desk Admin",
                         "--role", "admin", "--password", "correct horse")

    assert output.strip() == "added admin@example.org (admin)"
    person = db().scalars(select(Person)).one()
    assert (person.email, person.name, person.role) == ("admin@example.org", "Desk Admin",
                                                        Role.admin)
    assert verify_password(person.password_hash, "correct horse", "CHEAPEST")
    assert not verify_password(person.password_hash, "wrong horse", "CHEAPEST")


def test_a_password_is_read_from_standard_input_with_a_dash(migrated, db):
    migrated.ok("user", "add", "agent@example.org", "--role", "agent", "--password", "-",
                stdin="from a pipe\n")

    person = db().scalars(select(Person).where(Person.email == "agent@example.org")).one()
    assert person.role is Role.agent
    assert verify_password(person.password_hash, "from a pipe", "CHEAPEST")


def test_an_address_already_in_use_is_refused_in_one_line(migrated, db):
    migrated.ok("user", "add", "user@example.org", "--password", "first-password")

    line = migrated.fails("user", "add", "USER@example.org", "--password", "second-password")

    assert line == "Error: user@example.org already has an account"
    person = db().scalars(select(Person)).one()
    assert verify_password(person.password_hash, "first-password", "CHEAPEST")


@pytest.mark.parametrize("args, expected", [
    (("not-an-address", "--password", "long enough"), "not an e-mail address"),
    (("user@example.org", "--password", "abc"), "the password is too short"),
])
def test_a_bad_address_or_password_is_refused_in_one_line(migrated, db, args, expected):
    assert expected in migrated.fails("user", "add", *args)
    assert db().scalar(select(func.count()).select_from(Person)) == 0


def test_a_first_line_group_is_added_with_its_members(migrated, db):
    migrated.ok("user", "add", "firstline@example.org", "--role", "coordinator",
                "--password", "desk-password")
    migrated.ok("user", "add", "agent@example.org", "--role", "agent",
                "--password", "desk-password")

    output = migrated.ok("group", "add", "Service desk", "--first-line",
                         "--description", "Phone and triage", "--email", "desk@example.org",
                         "--member", "firstline@example.org", "--member", "agent@example.org")

    assert output.strip() == "added group Service desk with 2 member(s)"
    group = db().scalars(select(ServiceGroup)).one()
    assert group.is_first_line
    assert (group.description, group.email) == ("Phone and triage", "desk@example.org")
    assert sorted(m.email for m in group.members) == ["agent@example.org",
                                                      "firstline@example.org"]


def test_a_group_with_an_unknown_member_is_not_added_at_all(migrated, db):
    line = migrated.fails("group", "add", "Network", "--member", "nobody@example.org")

    assert line == "Error: no person with address nobody@example.org"
    assert db().scalar(select(func.count()).select_from(ServiceGroup)) == 0


def test_a_requester_cannot_be_a_group_member(migrated, db):
    migrated.ok("user", "add", "user@example.org", "--password", "user-password")

    line = migrated.fails("group", "add", "Network", "--member", "user@example.org")

    assert line == "Error: user@example.org is not staff and cannot join a group"
    assert db().scalar(select(func.count()).select_from(ServiceGroup)) == 0


def test_there_is_only_one_first_line_group(migrated):
    migrated.ok("group", "add", "Service desk", "--first-line")

    line = migrated.fails("group", "add", "Second desk", "--first-line")

    assert line == "Error: there is a first-line group already"


# -- demo ---------------------------------------------------------------------------------


def test_demo_data_loads_once_and_its_four_accounts_log_in(migrated, db):
    first = migrated.ok("demo")
    again = migrated.ok("demo")

    assert first.startswith("demo data: 11 new record(s)")
    assert again.startswith("demo data: 0 new record(s)")
    assert f"password '{DEMO_PASSWORD}'" in again
    session = db()
    assert sorted(session.scalars(select(Person.email))) == [
        "admin@example.org", "firstline@example.org", "secondline@example.org",
        "user@example.org",
    ]
    assert session.scalar(select(func.count()).select_from(Ticket)) == 3
    assert session.scalar(select(func.count()).select_from(ServiceGroup)) == 4

    from pyramid.paster import get_app

    app = get_app(str(migrated.ini))
    engine = app.registry["dbengine"]
    try:
        with engine.connect() as connection:
            browser = Helpdesk(app, connection)
            for address, name, _role in PEOPLE:
                browser.login(address, DEMO_PASSWORD)
                assert name in browser.app.get("/").text
                browser.logout()
            wrong = browser.app.post("/login", {
                "login": "admin@example.org", "password": "not-demo",
                "csrf_token": browser.csrf_token("/login"),
            }, status=400)
            assert "Wrong e-mail address or password." in wrong.text
            browser.dbsession.close()
    finally:
        engine.dispose()


def test_demo_if_empty_leaves_a_database_with_people_alone(migrated, db):
    migrated.ok("user", "add", "admin@example.net", "--role", "admin",
                "--password", "mine-password")

    output = migrated.ok("demo", "--if-empty")

    assert output.strip() == "the database has people already: demo data not loaded"
    assert list(db().scalars(select(Person.email))) == ["admin@example.net"]


def test_demo_if_empty_loads_an_empty_database(migrated, db):
    assert migrated.ok("demo", "--if-empty").startswith("demo data: 11 new record(s)")
    assert migrated.ok("demo", "--if-empty").strip() == \
        "the database has people already: demo data not loaded"
    assert db().scalar(select(func.count()).select_from(Person)) == len(PEOPLE)


# -- plugins and worker ------------------------------------------------------------------


def plugin_listing(output: str) -> dict[str, tuple[str, list[str]]]:
    """``helpdesk plugins`` output as ``{name: (version, [hook, ...])}``."""
    listing: dict[str, tuple[str, list[str]]] = {}
    hooks: list[str] = []
    for line in output.splitlines():
        if line.startswith("    "):
            hooks.append(line.strip())
        else:
            name, plugin_version = line.split("  ")
            hooks = []
            listing[name] = (plugin_version, hooks)
    return listing


def test_plugins_lists_the_web_plugin_with_its_version_and_hooks(offline):
    listing = plugin_listing(offline.ok("plugins"))

    assert listing["web"] == (version("helpdesk_web"), ["helpdesk_register_channels"])
    assert listing["pyramid_helpdesk.notifications.backends"] == (
        version("pyramid_helpdesk"), ["helpdesk_register_notifiers"])


def test_plugins_lists_the_core_defaults_first_then_the_plugins_in_listed_order(offline):
    from pyramid_helpdesk.plugin.manager import DEFAULT_PLUGINS

    offline.write_ini(helpdesk__plugins="email web")

    names = list(plugin_listing(offline.ok("plugins")))

    assert names == [*DEFAULT_PLUGINS, "email", "web"]


def test_the_worker_delivers_queued_notifications_as_mail_files(migrated, db):
    migrated.ok("demo")
    pending = db().scalar(select(func.count()).select_from(Notification)
                          .where(Notification.status == DeliveryStatus.pending))
    assert pending > 0

    output = migrated.ok("worker", "--once")

    assert output.strip() == f"sent {pending}, to retry 0, failed 0"
    files = sorted(migrated.mail_dir.glob("*.eml"))
    assert len(files) == pending
    recipients = set()
    for path in files:
        mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert mail["From"] == "helpdesk@example.org"
        assert mail["To"].endswith("@example.org")
        assert "http://helpdesk.example.org/tickets/" in mail.get_content()
        recipients.add(mail["To"])
    assert "user@example.org" in recipients
    assert db().scalar(select(func.count()).select_from(Notification)
                       .where(Notification.status != DeliveryStatus.sent)) == 0

    assert migrated.ok("worker", "--once").strip() == "sent 0, to retry 0, failed 0"
    assert len(list(migrated.mail_dir.glob("*.eml"))) == pending


def test_a_plugin_adds_a_sub_command(migrated):
    config = migrated.write_ini("with-command.ini",
                                helpdesk__plugins=f"web {COUNT_COMMAND}")
    migrated.ok("user", "add", "agent@example.org", "--role", "agent",
                "--password", "desk-password",
                config=config)
    migrated.ok("user", "add", "user@example.org", "--password", "user-password", config=config)

    assert "count-people" in migrated.ok("--help", config=config)
    assert "count-people" in migrated.ok("--help", "-c", str(config), config=NO_CONFIG)
    assert "count-people" in migrated.ok("--help", config=NO_CONFIG,
                                         env={"HELPDESK_CONFIG": str(config)})
    assert migrated.ok("count-people", config=config).strip() == "2 people"
    assert migrated.ok("count-people", "--role", "agent", config=config).strip() == "1 people"
    listing = plugin_listing(migrated.ok("plugins", config=config))
    assert listing[COUNT_COMMAND] == ("-", ["helpdesk_register_commands"])


def test_without_the_plugin_its_sub_command_does_not_exist(migrated):
    assert "count-people" not in migrated.ok("--help")
    done = migrated.run("count-people")
    assert done.returncode != 0
    assert "No such command 'count-people'" in done.stderr
    assert "Traceback" not in done.stderr


# -- what an operator sees when something is wrong ---------------------------------------


def test_a_missing_config_file_is_one_line(offline):
    line = offline.fails("db", "current", config=offline.directory / "nope.ini")
    assert line == f"Error: no such configuration file: {offline.directory / 'nope.ini'}"


def test_a_malformed_config_file_is_one_line(offline):
    broken = offline.directory / "broken.ini"
    broken.write_text(offline.ini.read_text() + "this line is not a setting\n")

    line = offline.fails("db", "current", config=broken)

    assert line.startswith(f"Error: cannot read {broken}: ")
    assert "this line is not a setting" in line


@pytest.mark.parametrize("args", [("db", "current"), ("worker", "--once"), ("plugins",)])
def test_a_bad_setting_value_is_one_line_naming_the_key(offline, args):
    config = offline.write_ini("bad.ini", helpdesk__worker__batch_size="zero")

    line = offline.fails(*args, config=config)

    assert line == ("helpdesk: setting helpdesk.worker.batch_size: expected a whole number > 0, "
                    "got 'zero'")


def test_an_unknown_plugin_is_one_line_naming_it(offline):
    config = offline.write_ini("bad.ini", helpdesk__plugins="web no_such_helpdesk_plugin")

    line = offline.fails("db", "current", config=config)

    assert line.startswith("helpdesk: plugin 'no_such_helpdesk_plugin': ")


@pytest.mark.parametrize("url, reason", [
    ("postgresql+psycopg://postgres@127.0.0.1:1/helpdesk_test_h2_nowhere", "Connection refused"),
    ("sqlite:////nonexistent-directory/helpdesk.sqlite", "unable to open database file"),
])
@pytest.mark.parametrize("args", [("db", "upgrade"), ("user", "add", "user@example.org",
                                                      "--password", "user-password")])
def test_an_unreachable_database_is_one_line(tmp_path, url, reason, args):
    installation = Installation(tmp_path, url)
    installation.write_ini()

    line = installation.fails(*args)

    assert line.startswith("Error: database unreachable: ")
    assert reason in line


def test_demo_joins_an_existing_first_line_group_instead_of_adding_a_second(migrated, db):
    migrated.ok("group", "add", "Service Desk", "--first-line")

    migrated.ok("demo")

    session = db()
    (first_line,) = session.scalars(
        select(ServiceGroup).where(ServiceGroup.first_line_flag.is_(True))).all()
    assert first_line.name == "Service Desk"
    assert [m.email for m in first_line.members] == ["firstline@example.org"]


def test_a_command_transaction_holds_the_write_lock_it_is_given(migrated):
    # helpdesk fetchmail's and helpdesk lmtp's store processes on one SQLite file share
    # one such lock: a writer waits on it rather than on SQLite's busy timeout.
    lock = threading.Lock()
    env = CommandEnv(str(migrated.ini), write_lock=lock)
    try:
        with env.transaction():
            assert lock.locked()
        assert not lock.locked()
        with pytest.raises(RuntimeError), env.transaction():
            raise RuntimeError("rolled back")
        assert not lock.locked()
    finally:
        env.close()
