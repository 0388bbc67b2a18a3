"""Apps with a test-only API route (``/api/probe``, :mod:`.api_probe`), and helpers to
create tokens through the page and to call the API with them."""
from __future__ import annotations

import re

import pytest

from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back
from pyramid_helpdesk.tokens.services import TokenService

PROBE = "tests.tokens.api_probe"
SETTINGS = {"helpdesk.plugins": f"web {PROBE}"}


@pytest.fixture(scope="session")
def token_app(helpdesk_engine, helpdesk_database_url, tmp_path_factory):
    """The app with the probe route and the default limits."""
    settings = make_test_settings(helpdesk_database_url, str(tmp_path_factory.mktemp("tokens")),
                                  **SETTINGS)
    return build_app(settings, helpdesk_engine)


@pytest.fixture
def helpdesk(token_app, helpdesk_engine):
    """A rolled-back helpdesk on the probe app, its API counters at zero."""
    token_app.registry.helpdesk_api_rate_limit.reset()
    with rolled_back(token_app, helpdesk_engine) as harness:
        yield harness


@pytest.fixture
def tokens(helpdesk):
    """The token service on the test's session."""
    return TokenService(helpdesk.dbsession, helpdesk.settings.tokens_max_active)


def new_token(helpdesk, person, scope="write", name="script", expires_in=None):
    """A token of ``person`` made by the service (flushed); ``(token, secret)``."""
    service = TokenService(helpdesk.dbsession, helpdesk.settings.tokens_max_active)
    token, secret = service.create(person, name, scope, expires_in)
    helpdesk.dbsession.flush()
    return token, secret


def shown_secret(page) -> str | None:
    """The secret a page shows in its "token created" box, if any."""
    match = re.search(r'id="token-secret"[^>]*\svalue="([^"]+)"', page.text)
    return match.group(1) if match else None


def bearer(secret: str) -> dict[str, str]:
    """The header that presents ``secret``."""
    return {"Authorization": f"Bearer {secret}"}
