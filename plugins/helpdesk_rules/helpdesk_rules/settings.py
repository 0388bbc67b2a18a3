"""The ``helpdesk.rules.*`` settings: where the rules file is, and opening it at start-up."""
from __future__ import annotations

import os

from pyramid_helpdesk.errors import ConfigurationError
from pyramid_helpdesk.settings import HelpdeskSettings, parse_required, read_setting

from .book import RuleBook
from .rules import RulesError

FILE_KEY = "helpdesk.rules.file"


def rules_path(settings: HelpdeskSettings) -> str:
    """The rules file's path (required; relative to the ini file's directory)."""
    raw = settings.raw
    path = read_setting(raw, FILE_KEY, "", parse_required, "the path of a TOML rules file")
    return os.path.join(str(raw.get("here") or os.getcwd()), path)


def open_rule_book(settings: HelpdeskSettings) -> RuleBook:
    """The rule book of the configured file, compiled now: a missing file or an invalid
    rule stops start-up with one line naming the key, the file, the line and the reason."""
    book = RuleBook(rules_path(settings), settings.categories)
    try:
        book.current()
    except OSError as exc:
        raise ConfigurationError(
            f"setting {FILE_KEY}: cannot read {book.path}: {exc.strerror}") from None
    except RulesError as exc:
        raise ConfigurationError(f"setting {FILE_KEY}: {book.path}, {exc}") from None
    return book
