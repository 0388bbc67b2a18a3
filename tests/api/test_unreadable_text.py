"""Text no part of the helpdesk can hold is a 400 problem, never a server error:
a script sends bytes that are not UTF-8, JSON escapes for a NUL or a lone surrogate,
or JSON nested deeper than Python parses (found by hand against a running site)."""
from __future__ import annotations

import http.client

import pytest
from webtest.http import StopableWSGIServer

from pyramid_helpdesk.tickets.models import Message, Ticket
from pyramid_helpdesk.tokens.services import TokenService


@pytest.fixture
def auth(helpdesk, staff):
    """A write token of the agent's."""
    _token, secret = TokenService(helpdesk.dbsession, 20).create(staff.agent, "qa", "write")
    helpdesk.dbsession.flush()
    return {"Authorization": f"Bearer {secret}"}


def _post(helpdesk, path, body: bytes, headers, content_type="application/json"):
    return helpdesk.app.post(path, body, headers={**headers, "Content-Type": content_type},
                             expect_errors=True)


@pytest.mark.parametrize("body, field", [
    (b'{"subject": "a\\u0000b"}', "subject"),
    (b'{"subject": "a\\ud800b"}', "subject"),
    (b'{"subject": "ok", "cc": ["x\\udfff@example.org"]}', "cc/0"),
    (b'{"subject": "ok", "requester": {"email": "n@example.org", "name": "\\u0000"}}',
     "requester/name"),
])
def test_a_nul_or_a_lone_surrogate_in_json_text_is_400_naming_the_field(
        helpdesk, auth, body, field):
    before = helpdesk.dbsession.query(Ticket).count()
    response = _post(helpdesk, "/api/v1/tickets", body, auth)
    assert response.status_int == 400
    assert response.content_type == "application/problem+json"
    assert response.json["errors"][0]["field"] == field
    assert helpdesk.dbsession.query(Ticket).count() == before


def test_a_body_that_is_not_utf8_is_400(helpdesk, auth):
    response = _post(helpdesk, "/api/v1/tickets", '{"subject": "café"}'.encode("latin-1"), auth)
    assert response.status_int == 400
    assert response.json["detail"] == "The body is not UTF-8."


def test_json_nested_too_deeply_is_400(helpdesk, auth):
    body = b'{"subject": ' + b"[" * 3_000 + b"]" * 3_000 + b"}"  # under 10 KB: no temp file
    response = _post(helpdesk, "/api/v1/tickets", body, auth)
    assert response.status_int == 400
    assert response.content_type == "application/problem+json"


def test_a_query_string_that_is_not_utf8_or_holds_a_nul_is_400(helpdesk, auth):
    bad = helpdesk.app.get("/api/v1/people?q=%ff%fe", headers=auth, expect_errors=True)
    assert bad.status_int == 400
    assert bad.json["detail"] == "The query string is not UTF-8."
    nul = helpdesk.app.get("/api/v1/tickets?requester=a%00@example.org", headers=auth,
                           expect_errors=True)
    assert nul.status_int == 400
    assert nul.json["errors"][0]["field"] == "requester"


def test_a_nul_in_an_upload_form_field_is_400_and_saves_nothing(helpdesk, auth, staff):
    ticket = helpdesk.ticket(staff.user)
    helpdesk.dbsession.flush()
    before = helpdesk.dbsession.query(Message).count()
    response = helpdesk.app.post(
        f"/api/v1/tickets/{ticket.number}/attachments", {"body": "a\x00b"},
        upload_files=[("file", "note.txt", b"hello")], headers=auth, expect_errors=True)
    assert response.status_int == 400
    assert response.json["errors"][0]["field"] == "body"
    assert helpdesk.dbsession.query(Message).count() == before


def test_ordinary_unicode_still_goes_through(helpdesk, auth):
    created = _post(helpdesk, "/api/v1/tickets",
                    '{"subject": "打印机 😀 \\u202e"}'.encode(), auth)
    assert created.status_int == 201
    assert created.json["subject"] == "打印机 😀 \u202e"



def test_a_path_that_is_not_utf8_is_400_on_the_api(helpdesk, auth):
    # Found by hand: /api/v1/tickets/%ff was waitress' bare 500 (the bearer check
    # decoded the path in pyramid_tm's tween, outside every error view).
    api = helpdesk.app.get("/api/v1/tickets/%ff", headers=auth, expect_errors=True)
    assert api.status_int == 400
    assert api.json["detail"] == "The path is not UTF-8."



def test_a_path_that_is_not_utf8_is_400_through_a_real_server(api_app):
    # WebTest decodes the path itself; waitress hands it over as it came.
    server = StopableWSGIServer.create(api_app)
    try:
        connection = http.client.HTTPConnection(server.adj.host, server.adj.port)
        connection.request("GET", "/api/v1/tickets/%ff")
        response = connection.getresponse()
        body = response.read()
        connection.close()
    finally:
        server.shutdown()
    assert response.status == 400
    assert response.getheader("Content-Type") == "application/problem+json"
    assert b"The path is not UTF-8." in body
