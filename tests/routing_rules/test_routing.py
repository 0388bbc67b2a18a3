"""New tickets routed by the rules file: every condition, order, the recorded reason."""
from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

import pytest

from pyramid_helpdesk.routing import RoutingDecision
from pyramid_helpdesk.tickets.models import EventKind, Priority, TicketStatus

NETWORK_RULES = """\
[[rule]]
name = "outage"
keywords = ["outage", "断网"]
group = "Network"
priority = "urgent"

[[rule]]
name = "network"
category = "network"
group = "Network"

[[rule]]
name = "everything else"
group = "Computing"
"""


def routed(helpdesk, ticket):
    """The ticket's last event if routing dispatched it, else ``None``."""
    event = helpdesk.tickets.events(ticket)[-1]
    return event if event.kind is EventKind.dispatched else None


def reason(helpdesk, ticket) -> str | None:
    event = routed(helpdesk, ticket)
    return event.detail["reason"] if event else None


def test_the_first_matching_rule_wins_and_its_name_is_the_recorded_reason(
        helpdesk, staff, rules_file):
    rules_file.write(NETWORK_RULES)

    ticket = helpdesk.ticket(staff.user, subject="Outage in building 2", category="network")

    event = routed(helpdesk, ticket)
    assert (event.actor_id, event.to_group_id) == (None, staff.network.id)
    assert event.detail == {"reason": "rule 'outage' matched"}
    assert ticket.status is TicketStatus.open and ticket.priority is Priority.urgent


def test_rules_are_tried_in_order(helpdesk, staff, rules_file):
    rules_file.write(NETWORK_RULES)

    by_category = helpdesk.ticket(staff.user, subject="Slow cable", category="network")
    other = helpdesk.ticket(staff.user, subject="Laptop fan is loud", category="computing")

    assert reason(helpdesk, by_category) == "rule 'network' matched"
    assert by_category.priority is Priority.normal
    assert reason(helpdesk, other) == "rule 'everything else' matched"
    assert other.holder_group_id == staff.computing.id


def test_chinese_keywords_match_in_subject_and_body(helpdesk, staff, rules_file):
    rules_file.write(NETWORK_RULES)

    in_subject = helpdesk.ticket(staff.user, subject="三号楼断网了", category="general")
    in_body = helpdesk.ticket(staff.user, subject="求助", description="从早上开始整层楼断网。",
                              category="general")

    assert reason(helpdesk, in_subject) == reason(helpdesk, in_body) == "rule 'outage' matched"


@pytest.mark.parametrize("condition, ticket_fields, expected", [
    ('keywords = ["VPN"]', {"subject": "my vpn drops"}, True),
    ('keywords = ["VPN"]', {"subject": "printer"}, False),
    ("regex = 'ERP-\\d{3,}'", {"subject": "error ERP-1042 on login"}, True),
    ("regex = 'ERP-\\d{3,}'", {"subject": "ERP-12 is short"}, False),
    ("regex = '报销.*(失败|错误)'", {"subject": "求助", "description": "报销单提交失败"}, True),
    ("regex = '报销.*(失败|错误)'", {"subject": "报销成功"}, False),
    ('category = ["network", "accounts"]', {"category": "accounts"}, True),
    ('category = "network"', {"category": "general"}, False),
    ('channel = "web"', {"channel": "web"}, True),
    ('channel = "web"', {"channel": "staff"}, False),
    ('requester_domain = "example.org"', {}, True),  # user@lab.example.org: a subdomain
    ('requester_domain = "lab.example.org"', {}, True),
    ('requester_domain = "example.net"', {}, False),
    ('department = "Physics Lab"', {}, True),  # case and spaces do not matter
    ('department = "Chemistry"', {}, False),
])
def test_each_condition(helpdesk, staff, rules_file, condition, ticket_fields, expected):
    requester = helpdesk.person("user@lab.example.org", department="physics  lab")
    rules_file.write(f'[[rule]]\nname = "only"\n{condition}\ngroup = "Network"\n')
    fields = {"subject": "Something", "category": "general", **ticket_fields}

    ticket = helpdesk.ticket(requester, **fields)

    assert (reason(helpdesk, ticket) == "rule 'only' matched") is expected
    assert ticket.holder_group_id == (staff.network.id if expected
                                      else staff.first_line_group.id)


def test_all_conditions_of_a_rule_must_hold(helpdesk, staff, rules_file):
    rules_file.write('[[rule]]\nname = "lab wifi"\nkeywords = "wifi"\n'
                     'requester_domain = "example.net"\ngroup = "Network"\n')
    guest = helpdesk.person("guest@example.net")

    both = helpdesk.ticket(guest, subject="WiFi is slow")
    only_keyword = helpdesk.ticket(staff.user, subject="WiFi is slow")

    assert reason(helpdesk, both) == "rule 'lab wifi' matched"
    assert routed(helpdesk, only_keyword) is None


def test_a_rule_may_send_to_a_person_with_a_priority(helpdesk, staff, rules_file):
    rules_file.write('[[rule]]\nname = "vip"\nrequester_domain = "example.org"\n'
                     'person = "Agent@Example.org"\npriority = "high"\n')

    ticket = helpdesk.ticket(staff.user, subject="Please call me")

    event = routed(helpdesk, ticket)
    assert (event.to_person_id, event.to_group_id) == (staff.agent.id, None)
    assert ticket.priority is Priority.high


def test_without_a_matching_rule_the_ticket_stays_with_first_line(helpdesk, staff, rules_file):
    rules_file.write(NETWORK_RULES.split("[[rule]]\nname = \"everything else\"")[0])

    ticket = helpdesk.ticket(staff.user, subject="Laptop fan", category="computing")

    assert routed(helpdesk, ticket) is None
    assert (ticket.status, ticket.holder_group_id) == (TicketStatus.new,
                                                      staff.first_line_group.id)


def test_a_rule_naming_a_missing_group_is_logged_and_passes(helpdesk, staff, rules_file, caplog):
    rules_file.write('[[rule]]\nname = "typo"\nkeywords = "printer"\ngroup = "Netwrok"\n')

    with caplog.at_level(logging.ERROR, logger="helpdesk_rules"):
        ticket = helpdesk.ticket(staff.user, subject="Printer jam")

    assert routed(helpdesk, ticket) is None
    assert ticket.holder_group_id == staff.first_line_group.id
    messages = [record.getMessage() for record in caplog.records]
    assert any("line 1: rule 'typo': no group is called 'Netwrok'" in m for m in messages)
    assert any("rule 'typo' matched but names 'Netwrok'" in m for m in messages)


@dataclass
class ToAgent:
    """A later strategy: gives whatever reaches it to one agent."""

    name: str
    agent: object

    def route(self, ticket, proposal, helpdesk):
        return RoutingDecision(person=self.agent, reason="fallback")


@contextlib.contextmanager
def then(helpdesk, strategy):
    """``helpdesk.routing = rules <strategy>`` for the block."""
    saved = helpdesk.plugins.strategies
    helpdesk.plugins.strategies = [*saved, strategy]
    try:
        yield
    finally:
        helpdesk.plugins.strategies = saved


def test_a_later_strategy_refines_a_rule_and_decides_when_no_rule_matches(
        helpdesk, staff, rules_file):
    rules_file.write(NETWORK_RULES.split("[[rule]]\nname = \"everything else\"")[0])
    with then(helpdesk, ToAgent("fallback", staff.other_agent)):
        matched = helpdesk.ticket(staff.user, subject="Outage", category="network")
        passed = helpdesk.ticket(staff.user, subject="Laptop fan", category="computing")

    first = routed(helpdesk, matched)
    assert (first.to_group_id, first.to_person_id) == (staff.network.id, staff.other_agent.id)
    assert first.detail["reason"] == "rule 'outage' matched; fallback"
    assert reason(helpdesk, passed) == "fallback"


def test_a_changed_file_is_in_force_for_the_next_ticket(helpdesk, staff, rules_file):
    rules_file.write('[[rule]]\nname = "a"\nkeywords = "printer"\ngroup = "Network"\n')
    before = helpdesk.ticket(staff.user, subject="Printer jam")
    rules_file.write('[[rule]]\nname = "b"\nkeywords = "printer"\ngroup = "Computing"\n')
    after = helpdesk.ticket(staff.user, subject="Printer jam")

    assert reason(helpdesk, before) == "rule 'a' matched"
    assert (reason(helpdesk, after), after.holder_group_id) == ("rule 'b' matched",
                                                                 staff.computing.id)
