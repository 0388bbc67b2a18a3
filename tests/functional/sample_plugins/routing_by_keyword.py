"""A routing strategy: a ticket whose subject mentions a keyword goes to a group.

The rules come from the plugin's own setting, ``helpdesk.keyword_routing.rules``,
written ``keyword:Group name`` separated by semicolons, e.g.
``vpn:Network; printer:Printing``.
"""
from __future__ import annotations

from pyramid_helpdesk import hookimpl
from pyramid_helpdesk.groups.services import find_group
from pyramid_helpdesk.routing import RoutingDecision
from pyramid_helpdesk.settings import read_setting

RULES_KEY = "helpdesk.keyword_routing.rules"


def parse_rules(raw: str) -> tuple[tuple[str, str], ...]:
    """``vpn:Network; printer:Printing`` -> ``(("vpn", "Network"), ("printer", "Printing"))``."""
    rules = []
    for item in filter(None, (part.strip() for part in raw.split(";"))):
        keyword, group = item.split(":", 1)  # ValueError when the colon is missing
        if not keyword.strip() or not group.strip():
            raise ValueError(item)
        rules.append((keyword.strip().lower(), group.strip()))
    return tuple(rules)


class KeywordStrategy:
    name = "keyword"

    def __init__(self, rules):
        self.rules = rules

    def route(self, ticket, proposal, helpdesk):
        subject = ticket.subject.lower()
        for keyword, group_name in self.rules:
            if keyword in subject:
                group = find_group(helpdesk.dbsession, group_name)
                if group is not None:
                    return RoutingDecision(
                        group=group, reason=f"subject mentions {keyword!r}: {group.name}"
                    )
        return None


@hookimpl
def helpdesk_register_routing_strategies(settings):
    rules = read_setting(settings.raw, RULES_KEY, "", parse_rules,
                         "rules such as 'vpn:Network; printer:Printing'")
    return [KeywordStrategy(rules)]
