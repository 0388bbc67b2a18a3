"""The migrations build exactly the schema the models describe, and can be undone."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from pyramid_helpdesk.db import get_engine
from pyramid_helpdesk.migrations import alembic_config, current_revision
from pyramid_helpdesk.models import Base
from pyramid_helpdesk.staff.search import schema_name_is_modelled
from pyramid_helpdesk.testing import throwaway_database


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


PLUGIN_TABLES = ("phone_", "ix_phone_")  # tests/phone compares them with helpdesk_phone


def core_name(name, type_, parent_names) -> bool:
    """Reflected names compared with the core's models: not the search tables, nor a
    plugin's."""
    return schema_name_is_modelled(name, type_, parent_names) \
        and not (name or "").startswith(PLUGIN_TABLES)


def core_object(obj, name, type_, reflected, compare_to) -> bool:
    """Modelled objects compared: not those of a plugin's table (in the metadata
    when the plugin was imported)."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
    return not (table or "").startswith(PLUGIN_TABLES)


def schema_differences(connection) -> list:
    """What ``alembic revision --autogenerate`` would put in a new migration."""
    context = MigrationContext.configure(connection, opts={
        "compare_type": True, "compare_server_default": True,
        "include_name": core_name, "include_object": core_object,
    })
    return compare_metadata(context, Base.metadata)


def migrate(engine, action, revision) -> None:
    with engine.begin() as connection:
        action(alembic_config(connection), revision)


@pytest.fixture
def throwaway_engine(helpdesk_database_url, tmp_path):
    """An empty database of the session's backend, gone after the test."""
    with throwaway_database(helpdesk_database_url, "mig", str(tmp_path)) as url:
        engine = get_engine({"sqlalchemy.url": url})
        try:
            yield engine
        finally:
            engine.dispose()


def test_the_migrated_test_database_matches_the_models_exactly(helpdesk_engine):
    with helpdesk_engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        assert schema_differences(connection) == []


def test_the_newest_migration_is_the_only_head():
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    numbers = [revision.revision for revision in script.walk_revisions()]
    assert head_revision() == max(numbers), "revisions are numbered 0001, 0002..."
    assert sorted(numbers) == [f"{n:04d}" for n in range(1, len(numbers) + 1)]


def test_an_empty_database_is_migrated_down_to_nothing_and_up_again(throwaway_engine):
    with throwaway_engine.connect() as connection:
        assert current_revision(connection) is None

    migrate(throwaway_engine, command.upgrade, "head")
    with throwaway_engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        assert set(Base.metadata.tables) <= set(inspect(connection).get_table_names())

    migrate(throwaway_engine, command.downgrade, "base")
    with throwaway_engine.connect() as connection:
        assert current_revision(connection) is None
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}

    migrate(throwaway_engine, command.upgrade, "head")
    with throwaway_engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        assert schema_differences(connection) == []


def test_each_revision_can_be_undone_and_redone_on_its_own(throwaway_engine):
    migrate(throwaway_engine, command.upgrade, "head")
    script = ScriptDirectory.from_config(alembic_config())
    for revision in script.walk_revisions():  # newest first
        below = revision.down_revision or "base"
        migrate(throwaway_engine, command.downgrade, below)
        with throwaway_engine.connect() as connection:
            assert current_revision(connection) == (revision.down_revision or None)
        migrate(throwaway_engine, command.upgrade, revision.revision)
        migrate(throwaway_engine, command.downgrade, below)
    with throwaway_engine.connect() as connection:
        assert current_revision(connection) is None
    migrate(throwaway_engine, command.upgrade, "head")
    with throwaway_engine.connect() as connection:
        assert schema_differences(connection) == []


def test_data_written_by_the_app_fits_the_migrated_schema(throwaway_engine):
    """A row the models write reads back the same after a fresh migration."""
    from sqlalchemy.orm import Session

    from pyramid_helpdesk.people.models import Person, Role

    migrate(throwaway_engine, command.upgrade, "head")
    with Session(throwaway_engine) as dbsession:
        dbsession.add(Person(email="agent@example.org", name="Desk Agent", role=Role.agent))
        dbsession.commit()
    with Session(throwaway_engine) as dbsession:
        person = dbsession.query(Person).one()
        assert (person.email, person.role, person.is_active) == (
            "agent@example.org", Role.agent, True)
