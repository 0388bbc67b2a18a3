"""The probes a load balancer asks: is the process alive, is the database reachable."""
from __future__ import annotations

import pytest
import webtest

from pyramid_helpdesk.db import get_engine
from pyramid_helpdesk.testing import build_app, make_test_settings

UNREACHABLE = "postgresql+psycopg://postgres:probe-secret@127.0.0.1:1/nothing"


def test_the_liveness_probe_answers_ok(helpdesk):
    response = helpdesk.app.get("/healthz", status=200)

    assert response.content_type == "application/json"
    assert response.json == {"status": "ok"}


def test_the_readiness_probe_answers_ok_when_the_database_answers(helpdesk):
    response = helpdesk.app.get("/readyz", status=200)

    assert response.json == {"status": "ok", "database": "ok"}


def test_the_probes_need_no_login_and_no_csrf_token(helpdesk, staff):
    """A signed-in browser and an anonymous probe get the same answer."""
    anonymous = helpdesk.app.get("/readyz", status=200).json
    helpdesk.login("user@example.org")

    assert helpdesk.app.get("/readyz", status=200).json == anonymous


@pytest.fixture(params=["postgresql", "sqlite"])
def unreachable_database(request, tmp_path):
    """An app whose database cannot be reached: nothing listens on port 1, or the
    SQLite file's directory does not exist."""
    if request.param == "postgresql":
        url = UNREACHABLE + "?connect_timeout=2"
    else:
        url = f"sqlite:///{tmp_path / 'no-such-directory' / 'helpdesk.sqlite'}"
    engine = get_engine({"sqlalchemy.url": url})
    app = build_app(make_test_settings(url, str(tmp_path)), engine)
    yield webtest.TestApp(app, extra_environ={"HTTP_HOST": "helpdesk.example.org"})
    engine.dispose()


def test_the_readiness_probe_answers_503_when_the_database_is_unreachable(unreachable_database):
    response = unreachable_database.get("/readyz", status=503)

    assert response.json == {"status": "unavailable", "database": "unreachable"}
    assert "probe-secret" not in response.text
    assert "127.0.0.1" not in response.text


def test_the_process_stays_alive_while_the_database_is_unreachable(unreachable_database):
    unreachable_database.get("/readyz", status=503)

    assert unreachable_database.get("/healthz", status=200).json == {"status": "ok"}
