"""How the helpdesk opens an SQLite database file (``pyramid_helpdesk.db.get_engine``)."""
from __future__ import annotations

from pyramid_helpdesk.db import get_engine


def test_a_database_file_is_in_wal_mode_with_every_commit_synced(tmp_path):
    engine = get_engine({"sqlalchemy.url": f"sqlite:///{tmp_path / 'helpdesk.sqlite'}"})
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA synchronous").scalar() == 2  # FULL: durable commits
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == 10000
    finally:
        engine.dispose()

