"""The ``rules`` routing strategy: the first matching rule decides."""
from __future__ import annotations

import logging

from pyramid_helpdesk.routing import RoutingDecision

from .book import RuleBook
from .rules import TicketFacts
from .targets import find_target_group, find_target_person, unknown_targets

log = logging.getLogger(__name__)


class RulesStrategy:
    """Route a new ticket by the first rule of the rules file whose conditions all hold.

    The decision names the rule's group, person and priority, with the reason
    ``rule '<name>' matched``. No rule matches: ``None``, the next strategy decides.
    A matching rule whose group or person no longer exists is logged as an error and
    the ticket passes on too (to the first-line queue if nothing else decides).
    """

    name = "rules"

    def __init__(self, book: RuleBook):
        self.book = book
        self._checked_version: str | None = None

    def route(self, ticket, proposal, helpdesk):
        """The decision of the first matching rule, or ``None``."""
        loaded = self.book.current()
        if loaded.version != self._checked_version:
            self._checked_version = loaded.version
            for unknown in unknown_targets(helpdesk.dbsession, loaded.rules):
                log.error("%s, line %s: %s", self.book.path, unknown.rule.line, unknown.reason())
        rule = loaded.rules.first_match(TicketFacts.of(ticket))
        if rule is None:
            return None
        group = find_target_group(helpdesk.dbsession, rule.group) if rule.group else None
        person = find_target_person(helpdesk.dbsession, rule.person) if rule.person else None
        if (rule.group and group is None) or (rule.person and person is None):
            missing = rule.group if rule.group and group is None else rule.person
            log.error("ticket %s: rule %r matched but names %r, which cannot receive "
                      "tickets; passing to the next strategy", ticket.number, rule.name, missing)
            return None
        return RoutingDecision(group=group, person=person, priority=rule.priority,
                               reason=f"rule {rule.name!r} matched")
