"""Alembic migrations: the same scripts on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

SCRIPT_LOCATION = "pyramid_helpdesk:migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An alembic configuration that runs on ``connection``."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    return MigrationContext.configure(connection).get_current_revision()


def reset_database(engine: Engine) -> None:
    """Drop everything and migrate to the newest revision (tests and benchmarks only)."""
    from ..db.meta import Base

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
