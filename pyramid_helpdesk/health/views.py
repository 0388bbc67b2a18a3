"""``/healthz``: the process answers; ``/readyz``: and the database does too."""
import logging

from pyramid.view import view_config
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)


@view_config(route_name="health.live", renderer="json", permission="public")
def live(request):
    """Always 200 while the process serves requests."""
    return {"status": "ok"}


@view_config(route_name="health.ready", renderer="json", permission="public")
def ready(request):
    """200 when the database answers a query, 503 otherwise."""
    try:
        with request.registry["dbengine"].connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("readiness check failed: %s", exc)
        request.response.status = 503
        return {"status": "unavailable", "database": "unreachable"}
    return {"status": "ok", "database": "ok"}
