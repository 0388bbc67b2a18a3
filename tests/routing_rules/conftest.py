"""A helpdesk routing by the ``rules`` plugin (``helpdesk.routing = rules``).

The rules file is shared by the session's app; each test writes the rules it
needs with ``rules_file.write(...)`` and the file is emptied again afterwards.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from pyramid_helpdesk.testing import build_app, make_test_settings, rolled_back


class RulesFile:
    """The app's rules file, written the way a coordinator's save writes it."""

    def __init__(self, path: Path):
        self.path = path

    def write(self, text: str) -> None:
        """Replace the file (a new file moved into place, as the plugin saves)."""
        temporary = self.path.with_suffix(".new")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(self.path)

    def read(self) -> str:
        return self.path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def rules_directory(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("rules-app")
    (directory / "rules.toml").write_text("", encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def rules_app(helpdesk_engine, helpdesk_database_url, rules_directory):
    """The app with ``helpdesk.plugins = web rules`` and ``helpdesk.routing = rules``;
    the rules file's path is relative to the ini file's directory."""
    settings = make_test_settings(
        helpdesk_database_url, str(rules_directory),
        **{"helpdesk.plugins": "web rules", "helpdesk.routing": "rules",
           "helpdesk.rules.file": "rules.toml",
           "helpdesk.categories": "general network computing accounts printing"},
    )
    return build_app(settings, helpdesk_engine)


@pytest.fixture
def rules_file(rules_directory):
    """The rules file, emptied after the test."""
    rules = RulesFile(rules_directory / "rules.toml")
    yield rules
    rules.write("")


@pytest.fixture
def helpdesk(rules_app, helpdesk_engine, rules_file):
    """The shared fixtures (``staff``) on the rules-routing app; rolled back after."""
    with rolled_back(rules_app, helpdesk_engine) as harness:
        yield harness
