"""The suite runs every database test on SQLite, and on PostgreSQL too when
``HELPDESK_TEST_DATABASE_URL`` is set (``.ci/run`` sets it)."""
import os

import pytest

pytest_plugins = ["pyramid_helpdesk.testing", "tests.installation"]

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("HELPDESK_TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session", params=BACKENDS)
def helpdesk_database_url(request, tmp_path_factory) -> str:
    """Each database backend in turn."""
    if request.param == "postgresql":
        return os.environ["HELPDESK_TEST_DATABASE_URL"]
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'helpdesk.sqlite'}"


@pytest.fixture(scope="session")
def helpdesk_test_settings():
    """The suite runs with the web channel shipped in plugins/."""
    return {"helpdesk.plugins": "web"}


@pytest.fixture
def staff(helpdesk):
    """A first-line group with a coordinator, a network group with an agent, a requester."""
    people = {
        "firstline": helpdesk.person("firstline@example.org", "agent"),
        "coordinator": helpdesk.person("coordinator@example.org", "coordinator"),
        "agent": helpdesk.person("agent@example.org", "agent"),
        "other_agent": helpdesk.person("other-agent@example.org", "agent"),
        "user": helpdesk.person("user@example.org"),
        "other_user": helpdesk.person("other-user@example.org"),
    }
    people["first_line_group"] = helpdesk.group("First line", people["firstline"],
                                                first_line=True)
    people["network"] = helpdesk.group("Network", people["agent"])
    people["computing"] = helpdesk.group("Computing", people["other_agent"])
    return type("Staff", (), people)
