"""The groups and people rules name, looked up in the database.

Names are checked against the database, not at start-up (the database may not
be migrated yet, and coordinators rename groups while the helpdesk runs), but
when a coordinator checks or saves rules (refused with the line), on the rules
page (listed as problems), when a process first uses a version of the file
(logged as errors), and when a matching rule names something that is gone
(logged; the ticket passes to the next strategy).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pyramid_helpdesk.groups.models import ServiceGroup
from pyramid_helpdesk.people.models import Person

from .rules import Rule, RuleSet


@dataclass(frozen=True)
class Unknown:
    """A rule that names a group, or a person, that cannot receive tickets."""

    rule: Rule
    action: str  # "group" or "person"
    value: str

    def reason(self) -> str:
        """What is wrong, naming the rule (its line is ``rule.line``)."""
        what = ("no group is called" if self.action == "group"
                else "no active staff member has the address")
        return f"rule {self.rule.name!r}: {what} {self.value!r}"


def find_target_group(dbsession: Session, name: str) -> ServiceGroup | None:
    """The group called ``name``."""
    return dbsession.scalars(select(ServiceGroup).where(ServiceGroup.name == name)).first()


def find_target_person(dbsession: Session, email: str) -> Person | None:
    """The active staff member with this address (requesters cannot hold tickets)."""
    person = dbsession.scalars(select(Person).where(Person.email == email)).first()
    return person if person is not None and person.is_active and person.is_staff else None


def unknown_targets(dbsession: Session, rules: RuleSet) -> list[Unknown]:
    """Every group or person the rules name that does not exist (two queries)."""
    groups, emails = rules.group_names(), rules.person_emails()
    known_groups = set(dbsession.scalars(
        select(ServiceGroup.name).where(ServiceGroup.name.in_(groups)))) if groups else set()
    known_people = {person.email for person in dbsession.scalars(
        select(Person).where(Person.email.in_(emails))) if person.is_active and person.is_staff
    } if emails else set()
    unknown = []
    for rule in rules.rules:
        if rule.group and rule.group not in known_groups:
            unknown.append(Unknown(rule, "group", rule.group))
        if rule.person and rule.person not in known_people:
            unknown.append(Unknown(rule, "person", rule.person))
    return unknown
