"""Fresh, migrated databases for the service-level rows."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, make_url, text

from .process import BenchError

# The benchmark drops and recreates the schema of the database it is given.
# It refuses a database whose name does not say it is there for benchmarks.
BENCH_MARKER = "bench"


def sqlite_url(directory: Path) -> str:
    """A new SQLite file in ``directory`` (a temporary directory the caller removes)."""
    return f"sqlite:///{directory / 'service.sqlite'}"


def check_disposable(url: str) -> None:
    """Refuse a non-SQLite database whose name lacks ``bench``: its schema is dropped."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return
    if BENCH_MARKER not in (parsed.database or ""):
        raise BenchError(f"refusing to wipe database {parsed.database!r}: the benchmark drops "
                         f"its schema, so its name must contain {BENCH_MARKER!r} "
                         "(e.g. helpdesk_bench)")


def public_url(url: str) -> str:
    """``url`` without its password, for reports."""
    return make_url(url).render_as_string(hide_password=True)


def server_version(engine: Engine) -> str:
    """The database server's version string."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            return connection.execute(text("SHOW server_version")).scalar_one()
        if connection.dialect.name == "sqlite":
            return "SQLite " + connection.execute(text("SELECT sqlite_version()")).scalar_one()
        return connection.dialect.name
