"""The floor: the least a Pyramid app can do to accept a ticket.

Pyramid + pyramid_tm + zope.sqlalchemy + SQLite (WAL, ``synchronous=FULL``
and a busy timeout, as the helpdesk configures SQLite), one table, one
ORM row inserted per ``POST /tickets/new``, answered with a 303 to the new
row, as the helpdesk answers. No sessions, CSRF, security policy, templates
or plugins: what the helpdesk adds on top of this is what the ratio measures.

Serve it with ``python -m bench.floor_app --port 6544 --database /tmp/floor.sqlite``
(waitress, 8 threads), or through PasteDeploy with ``use = call:bench.floor_app:main``
and ``floor.database = /path/to/file.sqlite``.
"""
from __future__ import annotations

import argparse
from datetime import datetime, timezone

import zope.sqlalchemy
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPSeeOther
from sqlalchemy import String, Text, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class FloorTicket(Base):
    """The one table."""

    __tablename__ = "floor_ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


def make_engine(path: str):
    """A SQLite engine on ``path`` in WAL mode, with the table created."""
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    Base.metadata.create_all(engine)
    return engine


def create(request):
    """Insert one row and redirect to it."""
    row = FloorTicket(subject=request.POST.get("subject", "").strip()[:255],
                      description=request.POST.get("description", ""),
                      created_at=datetime.now(timezone.utc).replace(tzinfo=None))
    request.dbsession.add(row)
    request.dbsession.flush()
    return HTTPSeeOther(f"/tickets/{row.id}")


def ready(request):
    """200 once the server answers."""
    request.response.text = "ok"
    return request.response


def make_app(database: str):
    """The WSGI app storing rows in the SQLite file ``database``."""
    engine = make_engine(database)
    session_factory = sessionmaker(bind=engine, expire_on_commit=False)

    def dbsession(request):
        session = session_factory()
        zope.sqlalchemy.register(session, transaction_manager=request.tm)
        return session

    config = Configurator(settings={"tm.manager_hook": "pyramid_tm.explicit_manager"})
    config.include("pyramid_tm")
    config.add_request_method(dbsession, "dbsession", reify=True)
    config.add_route("tickets.new", "/tickets/new")
    config.add_route("health.ready", "/readyz")
    config.add_view(create, route_name="tickets.new", request_method="POST")
    config.add_view(ready, route_name="health.ready", request_method="GET")
    return config.make_wsgi_app()


def main(global_config, **settings):
    """PasteDeploy app factory; ``floor.database`` names the SQLite file."""
    return make_app(settings["floor.database"])


def serve(argv: list[str] | None = None) -> None:
    """Serve the floor app under waitress until terminated."""
    import waitress

    parser = argparse.ArgumentParser(prog="python -m bench.floor_app", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True, help="The SQLite file (created).")
    parser.add_argument("--threads", type=int, default=8)
    options = parser.parse_args(argv)
    waitress.serve(make_app(options.database), host=options.host, port=options.port,
                   threads=options.threads)


if __name__ == "__main__":
    serve()
