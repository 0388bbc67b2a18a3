"""Routing rules: read from TOML text, checked, compiled once, matched against tickets.

A rules file is a list of ``[[rule]]`` tables. Each has a ``name``, conditions
(all must hold) and actions (at least one). :func:`parse_rules` turns the text
into a :class:`RuleSet` or raises :class:`RulesError` naming the line and the
reason. Matching lower-cases a ticket's text once (:class:`TicketFacts`) and
asks each rule in order; the first rule whose conditions all hold wins.
"""
from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from typing import Any, Iterable

from pyramid_helpdesk.errors import ConfigurationError
from pyramid_helpdesk.settings import parse_email
from pyramid_helpdesk.tickets.models import Priority

#: The conditions a rule may set, cheapest to check first.
CONDITIONS = ("category", "channel", "requester_domain", "department", "keywords", "regex")
#: What a matching rule decides.
ACTIONS = ("group", "person", "priority")
KEYS = ("name", *CONDITIONS, *ACTIONS)

_RULE_HEADER = re.compile(r"^\s*\[\[\s*rule\s*\]\]")
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")
_KEY_LINE = r"^\s*(?:{key}|\"{key}\"|'{key}')\s*="


class RulesError(ConfigurationError):
    """The rules text cannot be used: ``line`` (1-based, or ``None``) and ``reason``."""

    def __init__(self, line: int | None, reason: str):
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}" if line else reason)


@dataclass(frozen=True)
class TicketFacts:
    """What rules look at, computed once per ticket (text lower-cased once)."""

    category: str
    channel: str
    requester_domain: str
    department: str
    text: str  # subject and body as written, for regular expressions
    lowered: str  # the same, lower-cased, for keywords

    @classmethod
    def of(cls, ticket) -> "TicketFacts":
        """The facts of a ticket (its requester is loaded with it)."""
        text = f"{ticket.subject}\n{ticket.description or ''}"
        requester = ticket.requester
        return cls(
            category=(ticket.category or "").lower(),
            channel=ticket.channel.lower(),
            requester_domain=requester.email.rpartition("@")[2].lower(),
            department=" ".join((requester.department or "").split()).lower(),
            text=text,
            lowered=text.lower(),
        )


@dataclass(frozen=True)
class Check:
    """One condition of a rule tried on a ticket, for the dry run: did it hold, and on what
    (the keyword found, the text the expression matched, or the ticket's value)."""

    condition: str
    held: bool
    found: str


@dataclass(frozen=True)
class Rule:
    """One compiled rule: conditions as lower-cased tuples and compiled patterns."""

    name: str
    line: int | None
    category: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    requester_domain: tuple[str, ...] = ()
    department: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    regex: tuple[re.Pattern, ...] = ()
    group: str | None = None
    person: str | None = None
    priority: Priority | None = None

    def matches(self, facts: TicketFacts) -> bool:
        """True when every condition the rule sets holds for ``facts``."""
        if self.category and facts.category not in self.category:
            return False
        if self.channel and facts.channel not in self.channel:
            return False
        if self.requester_domain and not _in_domains(facts.requester_domain,
                                                     self.requester_domain):
            return False
        if self.department and facts.department not in self.department:
            return False
        if self.keywords and not any(word in facts.lowered for word in self.keywords):
            return False
        return not self.regex or any(p.search(facts.text) for p in self.regex)

    def explain(self, facts: TicketFacts) -> list[Check]:
        """Each condition the rule sets, tried on ``facts`` (for the dry run)."""
        checks = []
        for condition, wanted, value in (
            ("category", self.category, facts.category),
            ("channel", self.channel, facts.channel),
            ("department", self.department, facts.department),
        ):
            if wanted:
                checks.append(Check(condition, value in wanted, value))
        if self.requester_domain:
            checks.append(Check("requester_domain",
                                _in_domains(facts.requester_domain, self.requester_domain),
                                facts.requester_domain))
        if self.keywords:
            found = next((word for word in self.keywords if word in facts.lowered), "")
            checks.append(Check("keywords", bool(found), found))
        if self.regex:
            match = next(filter(None, (p.search(facts.text) for p in self.regex)), None)
            checks.append(Check("regex", match is not None, match.group(0) if match else ""))
        return checks

    def actions(self) -> dict[str, str]:
        """The actions the rule sets, by name (for pages)."""
        values = {"group": self.group, "person": self.person,
                  "priority": self.priority.value if self.priority else None}
        return {name: value for name, value in values.items() if value}

    def conditions(self) -> dict[str, tuple[str, ...]]:
        """The conditions the rule sets, by name, as written (for pages)."""
        values = {name: getattr(self, name) for name in CONDITIONS}
        values["regex"] = tuple(p.pattern for p in self.regex)
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class RuleSet:
    """The rules of one version of the file, in order."""

    rules: tuple[Rule, ...]

    def first_match(self, facts: TicketFacts) -> Rule | None:
        """The first rule that matches, or ``None``."""
        for rule in self.rules:
            if rule.matches(facts):
                return rule
        return None

    def group_names(self) -> set[str]:
        """Every group a rule names."""
        return {rule.group for rule in self.rules if rule.group}

    def person_emails(self) -> set[str]:
        """Every person (e-mail address) a rule names."""
        return {rule.person for rule in self.rules if rule.person}


def _in_domains(domain: str, domains: tuple[str, ...]) -> bool:
    """``lab.example.org`` is in ``example.org``; ``badexample.org`` is not."""
    return any(domain == d or domain.endswith("." + d) for d in domains)


def parse_rules(text: str, categories: Iterable[str] | None = None,
                channels: Iterable[str] | None = None) -> RuleSet:
    """Compile the rules of ``text``, or raise :class:`RulesError` at the first problem.

    ``categories`` and ``channels``, when given, are the names rules may use.
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = _TOML_POSITION.search(message)
        line = None
        if position:
            line = int(position.group(1)) if position.group(1) else len(text.splitlines())
        raise RulesError(line, "not valid TOML: " + _TOML_POSITION.sub("", message)) from None
    lines = text.splitlines()
    for key in document:
        if key != "rule":
            raise RulesError(_key_line(lines, 0, len(lines), key),
                             f"unknown top-level key {key!r}: write each rule as [[rule]]")
    tables = document.get("rule", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise RulesError(_key_line(lines, 0, len(lines), "rule"),
                         "write each rule as a [[rule]] table")
    headers = [n for n, line in enumerate(lines) if _RULE_HEADER.match(line)]
    if len(headers) != len(tables):  # rules written inline: no line per rule
        headers = []
    known = {"category": _name_set(categories), "channel": _name_set(channels)}
    seen: dict[str, int | None] = {}
    compiled = []
    for index, table in enumerate(tables):
        block = _Block(lines, headers, index)
        rule = _compile(table, block, known, index + 1)
        if rule.name in seen:
            first = seen[rule.name]
            where = f" (first at line {first})" if first else ""
            raise RulesError(block.line("name"), f"duplicate rule name {rule.name!r}{where}")
        seen[rule.name] = rule.line
        compiled.append(rule)
    return RuleSet(tuple(compiled))


@dataclass(frozen=True)
class _Block:
    """The lines of one ``[[rule]]`` table, to point errors at a key's line."""

    lines: list[str]
    headers: list[int]
    index: int

    @property
    def start(self) -> int | None:
        """The 1-based line of the rule's ``[[rule]]`` header."""
        return self.headers[self.index] + 1 if self.headers else None

    def line(self, key: str) -> int | None:
        """The line of ``key`` inside the rule, else the rule's header line."""
        if not self.headers:
            return None
        end = self.headers[self.index + 1] if self.index + 1 < len(self.headers) else len(
            self.lines)
        return _key_line(self.lines, self.headers[self.index], end, key) or self.start


def _key_line(lines: list[str], start: int, end: int, key: str) -> int | None:
    """The 1-based line in ``lines[start:end]`` where ``key = ...`` is written."""
    pattern = re.compile(_KEY_LINE.format(key=re.escape(key)))
    for number in range(start, end):
        if pattern.match(lines[number]):
            return number + 1
    return None


def _name_set(names: Iterable[str] | None) -> frozenset[str] | None:
    return None if names is None else frozenset(name.lower() for name in names)


def _compile(table: dict[str, Any], block: _Block, known: dict[str, frozenset[str] | None],
             position: int) -> Rule:
    """One rule, checked: name, known keys, values, at least one action."""
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RulesError(block.line("name"), f"rule {position} needs a name (name = \"...\")")
    name = name.strip()

    def fail(key: str, reason: str):
        raise RulesError(block.line(key), f"rule {name!r}: {reason}")

    for key in table:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(KEYS)})"
            fail(key, f"unknown key {key!r}{hint}")
    values: dict[str, Any] = {}
    for key in CONDITIONS:
        if key in table:
            words = _words(table[key])
            if words is None:
                fail(key, f"{key} must be a text or a list of texts, none empty")
            values[key] = words
    values["category"] = _lowered(values.get("category", ()))
    values["channel"] = _lowered(values.get("channel", ()))
    values["keywords"] = _lowered(values.get("keywords", ()))
    values["department"] = tuple(" ".join(d.split()).lower() for d in values.get("department", ()))
    values["requester_domain"] = tuple(d.lower().lstrip("@") for d in
                                       values.get("requester_domain", ()))
    for key, allowed in known.items():
        for value in values[key]:
            if allowed is not None and value not in allowed:
                fail(key, f"unknown {key} {value!r} (known: {', '.join(sorted(allowed))})")
    patterns = []
    for pattern in values.get("regex", ()):
        try:
            patterns.append(re.compile(pattern, re.IGNORECASE))
        except re.error as exc:
            fail("regex", f"bad regular expression '{pattern}': {exc}")
    values["regex"] = tuple(patterns)

    for key in ACTIONS:
        if key in table and (not isinstance(table[key], str) or not table[key].strip()):
            fail(key, f"{key} must be a non-empty text")
    if not any(key in table for key in ACTIONS):
        fail("name", "no action: set group, person or priority")
    person = table.get("person")
    if person is not None:
        try:
            person = parse_email(person).lower()
        except ValueError:
            fail("person", f"person must be an e-mail address, got {person!r}")
    priority = table.get("priority")
    if priority is not None:
        try:
            priority = Priority(priority.strip().lower())
        except ValueError:
            fail("priority", f"unknown priority {priority!r} "
                             f"(known: {', '.join(p.value for p in Priority)})")
    group = table["group"].strip() if "group" in table else None
    return Rule(name=name, line=block.start, group=group, person=person, priority=priority,
                **values)


def _words(value: Any) -> tuple[str, ...] | None:
    """A text or a list of texts, stripped; ``None`` when it is neither or one is empty."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        return None
    if not all(isinstance(item, str) and item.strip() for item in items):
        return None
    return tuple(item.strip() for item in items)


def _lowered(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(word.lower() for word in words)
