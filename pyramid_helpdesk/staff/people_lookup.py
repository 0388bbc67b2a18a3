"""Finding the person on the phone: by e-mail, name or phone (``staff.people``).

Staff type a fragment; the e-mail matches as a prefix, the name and the phone
number anywhere in them, ignoring case. At most :data:`MAX_RESULTS` active
people come back, the best first: the exact address, then addresses that begin
with the fragment, then the others by name. The ``people`` table has no index
for substrings; one bounded statement reads it (see ``docs/staff.md``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from pyramid.view import view_config
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..people.models import Person

MAX_RESULTS = 10
MIN_QUERY = 2
MAX_QUERY = 100
TEMPLATE = "pyramid_helpdesk:templates/staff/people.pt"


@dataclass(frozen=True)
class PersonMatch:
    """What the lookup shows of a person."""

    id: int
    name: str
    email: str
    phone: str
    department: str


def find_people(dbsession: Session, text: str, limit: int = MAX_RESULTS) -> list[PersonMatch]:
    """Active people whose address starts with ``text`` or whose name or phone
    contains it (case-insensitive); none for fewer than :data:`MIN_QUERY` characters."""
    needle = " ".join(text.split()).lower()[:MAX_QUERY]
    if len(needle) < MIN_QUERY:
        return []
    email_prefix = Person.email.startswith(needle, autoescape=True)
    rank = case((Person.email == needle, 0), (email_prefix, 1), else_=2)
    query = (
        select(Person.id, Person.name, Person.email, Person.phone, Person.department)
        .where(Person.is_active.is_(True))
        .where(email_prefix
               | func.lower(Person.name).contains(needle, autoescape=True)
               | func.lower(Person.phone).contains(needle, autoescape=True))
        .order_by(rank, Person.name, Person.id)
        .limit(limit)
    )
    return [PersonMatch(*row) for row in dbsession.execute(query)]


def wants_json(request) -> bool:
    """``format=json``, or an Accept header that prefers JSON to HTML."""
    if request.GET.get("format") == "json":
        return True
    offers = request.accept.acceptable_offers(["text/html", "application/json"])
    return bool(offers) and offers[0][0] == "application/json"


@view_config(route_name="staff.people", renderer=TEMPLATE, permission="staff",
             request_method="GET")
def people_lookup(request):
    """The matches as JSON for the new-ticket form's script, or as a page."""
    text = request.GET.get("q", "").strip()
    matches = find_people(request.dbsession, text)
    request.response.vary = ("Accept",)
    if wants_json(request):
        request.response.content_type = "application/json"
        request.response.json_body = [asdict(match) for match in matches]
        return request.response
    return {"q": text, "matches": matches, "too_short": 0 < len(text) < MIN_QUERY,
            "min_query": MIN_QUERY}
