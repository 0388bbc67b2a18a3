"""The rules file: read and compiled once, re-read when it changes, saved atomically.

Every process that routes tickets keeps a :class:`RuleBook` on the file named
by ``helpdesk.rules.file``. Before each use the book compares the file's
identity (inode, modification time in nanoseconds, size) with the one it
compiled; a save from the coordinators' page (a new file moved into place) or
an edit by hand is picked up by every process at its next ticket.
"""
from __future__ import annotations

import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from typing import Iterable

from .rules import RulesError, RuleSet, parse_rules

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Loaded:
    """One compiled version of the file: its identity, text, rules, and (for a version
    edited by hand into something invalid) the error that kept the previous rules."""

    version: str
    text: str
    rules: RuleSet
    error: RulesError | None = None


class RuleBook:
    """The rules of one file, compiled, cached and kept current."""

    def __init__(self, path: str, categories: Iterable[str]):
        self.path = path
        self.categories = tuple(categories)
        self._loaded: Loaded | None = None
        self._lock = threading.Lock()

    def version(self) -> str:
        """The file's identity now: changes whenever the file is replaced or written."""
        stat = os.stat(self.path)
        return f"{stat.st_ino}-{stat.st_mtime_ns}-{stat.st_size}"

    def current(self) -> Loaded:
        """The rules of the file as it is now (compiled again only if it changed).

        A file made invalid behind the helpdesk's back keeps the last valid rules
        in force (logged as an error, shown on the rules page) rather than stop routing.
        """
        loaded = self._loaded
        version = self.version()
        if loaded is not None and loaded.version == version:
            return loaded
        with self._lock:
            if self._loaded is None or self._loaded.version != version:
                self._loaded = self._load(version)
            return self._loaded

    def _load(self, version: str) -> Loaded:
        text = self.read_text()
        try:
            return Loaded(version, text, self.parse(text))
        except RulesError as error:
            if self._loaded is None:
                raise
            log.error("%s: %s; the previous rules stay in force", self.path, error)
            return Loaded(version, text, self._loaded.rules, error)

    def read_text(self) -> str:
        """The file's text."""
        with open(self.path, encoding="utf-8") as file:
            return file.read()

    def parse(self, text: str, channels: Iterable[str] | None = None) -> RuleSet:
        """Compile ``text`` with this helpdesk's categories (and ``channels`` if given)."""
        return parse_rules(text, categories=self.categories, channels=channels)

    def save(self, text: str) -> None:
        """Replace the file with ``text`` atomically (a temporary file moved into place):
        a process reading it sees the old rules or the new, never half of them."""
        directory = os.path.dirname(os.path.abspath(self.path))
        descriptor, temporary = tempfile.mkstemp(prefix=".rules-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            if os.path.exists(self.path):
                os.chmod(temporary, os.stat(self.path).st_mode & 0o777)
            os.replace(temporary, self.path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
