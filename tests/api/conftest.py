"""A helpdesk with the JSON API active (``helpdesk.plugins = web api``)."""
from __future__ import annotations

import pytest

from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back


@pytest.fixture(scope="session")
def api_app(helpdesk_engine, helpdesk_database_url, tmp_path_factory):
    """The app with the API plugin; responses are validated against the document."""
    settings = make_test_settings(
        helpdesk_database_url, str(tmp_path_factory.mktemp("api-app")),
        **{"helpdesk.plugins": "web api",
           "helpdesk.api.validate_responses": "true"},
    )
    return build_app(settings, helpdesk_engine)


@pytest.fixture
def helpdesk(api_app, helpdesk_engine):
    """The shared fixtures (``staff``) on the API-enabled app; rolled back after."""
    with rolled_back(api_app, helpdesk_engine) as harness:
        yield harness


@pytest.fixture
def session_api(helpdesk, staff):
    """Call the API as a signed-in browser would: the session cookie and X-CSRF-Token."""

    def signed_in(email: str) -> dict[str, str]:
        token = helpdesk.login(email)
        return {"X-CSRF-Token": token}

    return signed_in
