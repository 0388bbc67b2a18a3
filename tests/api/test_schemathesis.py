"""Property-based calls generated from the OpenAPI document (schemathesis): whatever
a client sends, valid or not, the API never answers with a server error, and every
answer matches the document (the app validates its own responses: a mismatch would
be a 500)."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from pyramid_helpdesk.tokens.services import TokenService


@pytest.fixture
def api_schema(helpdesk, staff):
    """The document of the app under test, whose requests share this test's
    rolled-back transaction; some tickets exist to act on."""
    for subject in ("VPN 断开", "Printer jam"):
        helpdesk.ticket(staff.user, subject=subject)
    helpdesk.dbsession.flush()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", helpdesk.wsgi_app)


@pytest.fixture
def bearer(helpdesk, staff) -> dict[str, str]:
    """A write token of a first-line member (who may do everything the API offers)."""
    _token, secret = TokenService(helpdesk.dbsession, 20).create(staff.firstline, "fuzz", "write")
    helpdesk.dbsession.flush()
    return {"Authorization": f"Bearer {secret}", "Host": "helpdesk.example.org"}


def _fuzz(operation, headers: dict[str, str], answered: dict[str, set[int]]) -> None:
    """Up to 15 generated calls of one operation; the status codes seen are kept."""

    @given(case=operation.as_strategy())
    @settings(max_examples=15, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case):
        response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
        answered.setdefault(operation.label, set()).add(response.status_code)

    call()


def test_no_generated_call_makes_a_server_error(helpdesk, api_schema, bearer):
    assert helpdesk.app.get("/api/v1/me", headers=bearer).json["authenticated_by"] == "token"
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 16  # every operation of the document
    answered: dict[str, set[int]] = {}
    for operation in operations:
        _fuzz(operation, bearer, answered)
    # The calls were authenticated and reached the views, not only the validation.
    assert 200 in answered["GET /tickets"]
    assert 201 in answered["POST /tickets"]
    assert 200 in answered["GET /groups"]
