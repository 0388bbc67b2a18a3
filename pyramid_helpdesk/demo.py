"""Fictional demo data for ``helpdesk demo`` and ``make run``: safe to load twice.

Every name and address here is invented; ``example.org`` is reserved for examples.
"""
from __future__ import annotations

from sqlalchemy import func, select

from .groups.services import add_member, create_group, find_group, first_line_group
from .people.models import Role
from .people.services import create_person, find_by_email
from .tickets.models import Ticket

DEMO_PASSWORD = "demo"

PEOPLE = (
    ("admin@example.org", "Avery Admin", Role.admin),
    ("firstline@example.org", "Frankie Firstline", Role.coordinator),
    ("secondline@example.org", "Sam Secondline", Role.agent),
    ("user@example.org", "Uma User", Role.requester),
)

GROUPS = (
    ("First line", "Service desk: phone, triage and dispatch", True, ("firstline@example.org",)),
    ("Network", "Campus network, Wi-Fi and VPN", False, ("secondline@example.org",)),
    ("Computing", "Clusters, storage and scientific software", False, ()),
    ("ERP", "The administrative ERP system", False, ()),
)

TICKETS = (
    ("Cannot connect to the Wi-Fi in building 3", "network",
     "Since this morning my laptop does not see the institute Wi-Fi on the second floor."),
    ("Request a new mailbox for a visiting student", "accounts",
     "A visiting student arrives next Monday and needs an institute e-mail address."),
    ("Cluster job stuck in the queue", "computing",
     "My job has been waiting for two days although the queue looks empty."),
)


def load_demo(dbsession, tickets, settings) -> int:
    """Create what is missing of the demo data; return how many records were added."""
    added = 0
    people = {}
    for email, name, role in PEOPLE:
        person = find_by_email(dbsession, email)
        if person is None:
            person = create_person(dbsession, email, name=name, role=role,
                                   password=DEMO_PASSWORD,
                                   password_profile=settings.password_argon2_profile,
                                   department="Demo Institute", profile_completed=True)
            added += 1
        people[email] = person
    for name, description, first_line, members in GROUPS:
        group = find_group(dbsession, name)
        if group is None and first_line:
            group = first_line_group(dbsession)  # the institute's own, if it has one
        if group is None:
            group = create_group(dbsession, name, description=description, first_line=first_line)
            added += 1
        for email in members:
            add_member(dbsession, group, people[email])
    requester = people["user@example.org"]
    has_tickets = dbsession.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.requester_id == requester.id)
    )
    if not has_tickets:
        added += _demo_tickets(dbsession, tickets, people, settings)
    return added


def _demo_tickets(dbsession, tickets, people, settings) -> int:
    """Three tickets in different places of the lifecycle."""
    requester = people["user@example.org"]
    firstline = people["firstline@example.org"]
    secondline = people["secondline@example.org"]
    categories = set(settings.categories)
    created = []
    for subject, category, description in TICKETS:
        created.append(tickets.create(
            requester=requester, subject=subject, description=description, channel="staff",
            actor=firstline, category=category if category in categories else None,
        ))
    wifi, mailbox, _cluster = created
    tickets.dispatch(wifi, actor=firstline, group=find_group(dbsession, "Network"),
                     person=secondline, note="Please check the access points on floor 2.")
    tickets.reply(mailbox, author=firstline, body="Which department hosts the student?")
    tickets.set_pending(mailbox, actor=firstline)
    return len(created)
