"""Alembic migrations: the same scripts on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

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
