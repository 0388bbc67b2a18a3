"""The database: engine, session factory and ``request.dbsession``.

One request-scoped session, joined to the request's transaction manager
(pyramid_tm) through zope.sqlalchemy; nothing in the helpdesk commits by hand.
"""
import threading

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from ..settings import SettingsError, resolve_env

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def get_engine(settings, prefix="sqlalchemy."):
    """Create the engine named by ``sqlalchemy.url``; SQLite gets WAL and foreign keys."""
    engine = sqlalchemy.engine_from_config(settings, prefix)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine):
    """WAL with synced commits, foreign keys, a busy timeout, and explicit BEGIN so
    savepoints work.

    Writers begin with ``BEGIN IMMEDIATE`` (execution option ``sqlite_begin``),
    so two writers never fail on a stale read snapshot. Inside one process
    they queue on a lock instead of SQLite's busy handler, which polls with
    sleeps of up to 100 ms; between processes the busy timeout still applies.
    """
    write_lock = threading.Lock()
    # Rows flushed together go in as one multi-row INSERT, not one statement a row
    # (executemany): each statement on a table with a full-text trigger makes SQLite
    # open a statement savepoint, at which FTS5 writes out what it has indexed, so a
    # row at a time costs the index twice as much (bench/README.md, phase 6).
    engine.dialect.use_insertmanyvalues_wo_returning = True

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            # Every commit synced: mail answered 250 (or a mailgate's exit 0) and a
            # ticket number shown survive a power failure, not only a crash.
            cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode == "IMMEDIATE":
            write_lock.acquire()
            connection.info[_HOLDS_WRITE_LOCK] = True
        connection.exec_driver_sql(f"BEGIN {mode}")

    def release(info):
        if info.pop(_HOLDS_WRITE_LOCK, False):
            write_lock.release()

    event.listen(engine, "commit", lambda connection: release(connection.info))
    event.listen(engine, "rollback", lambda connection: release(connection.info))
    event.listen(engine.pool, "checkin", lambda dbapi, record: release(record.info))
    event.listen(engine.pool, "invalidate", lambda dbapi, record, exc: release(record.info))


_HOLDS_WRITE_LOCK = "helpdesk_holds_write_lock"


def holds_write_lock(dbsession) -> bool:
    """Whether ``dbsession``'s transaction holds SQLite's write lock (it began with
    ``BEGIN IMMEDIATE``, see :func:`writer_engine`): no other transaction can insert
    until it ends, so it may choose new rows' ids itself. Begins the transaction."""
    return bool(dbsession.connection().info.get(_HOLDS_WRITE_LOCK))


def writer_engine(engine):
    """The same engine, whose transactions take the write lock at once on SQLite."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(sqlite_begin="IMMEDIATE")


def get_session_factory(engine):
    """A session factory bound to ``engine``."""
    return sessionmaker(bind=engine, class_=Session, expire_on_commit=False)


def get_tm_session(session_factory, transaction_manager, request=None, **kwargs):
    """A session joined to ``transaction_manager``: committed or aborted with it."""
    import zope.sqlalchemy

    dbsession = session_factory(**kwargs)
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    if request is not None:
        dbsession.info["request"] = request
    return dbsession


def _dbsession(request):
    """``request.dbsession``: writers bind to the engine that takes the write lock at once."""
    registry = request.registry
    kwargs = {}
    if request.method in UNSAFE_METHODS:
        kwargs["bind"] = registry["dbsession_writer_bind"]
    return get_tm_session(registry["dbsession_factory"], request.tm, request, **kwargs)


def includeme(config):
    """Set up pyramid_tm, pyramid_retry and ``request.dbsession``."""
    settings = config.get_settings()
    settings.setdefault("tm.manager_hook", "pyramid_tm.explicit_manager")
    settings.setdefault("retry.attempts", 3)
    config.include("pyramid_tm")
    config.include("pyramid_retry")

    if "sqlalchemy.url" not in settings:
        raise SettingsError("sqlalchemy.url", "a database URL")
    settings["sqlalchemy.url"] = resolve_env("sqlalchemy.url", settings["sqlalchemy.url"])
    engine = config.registry.get("dbengine") or get_engine(settings)
    config.registry["dbengine"] = engine
    config.registry["dbsession_factory"] = get_session_factory(engine)
    config.registry["dbsession_writer_bind"] = writer_engine(engine)
    config.add_request_method(_dbsession, "dbsession", reify=True)
