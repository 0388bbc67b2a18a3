"""``/staff/absences``: staff mark themselves away, coordinators mark anyone away.

Every staff member sees the current and upcoming absences and removes their
own; coordinators (admins included) add and remove anyone's.
"""
from __future__ import annotations

from datetime import date

from pyramid.authorization import DENY_ALL, Allow
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..db.types import utcnow
from ..i18n import _
from . import absences
from .absences import Absence, AbsenceRefused
from .models import Person, Role

TEMPLATE = "pyramid_helpdesk:templates/people/absences.pt"
FIELDS = ("person", "first_day", "last_day", "note")


class AbsenceRoot:
    """The context of the absence pages: staff read and add their own, coordinators all."""

    __acl__ = [
        (Allow, f"role:{Role.agent.value}", "staff"),
        (Allow, f"role:{Role.coordinator.value}", ("staff", "coordinate")),
        DENY_ALL,
    ]

    def __init__(self, request):
        self.request = request


def _today(request) -> date:
    return utcnow().astimezone(request.helpdesk_settings.timezone).date()


def _page(request, form: dict | None = None, error: AbsenceRefused | None = None) -> dict:
    """What the page shows; ``form`` keeps a refused form's input."""
    today = _today(request)
    can_coordinate = bool(request.has_permission("coordinate"))
    defaults = {"person": str(request.identity.id), "first_day": today.isoformat(),
                "last_day": today.isoformat(), "note": ""}
    return {
        "absences": absences.current_and_upcoming(request.dbsession, today),
        "today": today,
        "can_coordinate": can_coordinate,
        "staff": absences.active_staff(request.dbsession) if can_coordinate else [],
        "form": {**defaults, **(form or {})},
        "error": error.message if error else None,
        "error_field": error.field if error else None,
    }


def _parse_day(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise AbsenceRefused(_("Give a date as YYYY-MM-DD."), field) from None


def _who(request) -> Person:
    """The person to mark away: oneself, or (coordinators) the one chosen."""
    raw = request.POST.get("person", "").strip()
    if not raw or raw == str(request.identity.id):
        return request.identity
    if not request.has_permission("coordinate"):
        raise HTTPForbidden()
    person = request.dbsession.get(Person, int(raw)) if raw.isdigit() else None
    if person is None:
        raise AbsenceRefused(_("Choose a person from the list."), "person")
    return person


@view_config(route_name="absences.list", renderer=TEMPLATE, permission="staff",
             request_method="GET")
def absence_list(request):
    """Current and upcoming absences, and the form to add one."""
    return _page(request)


@view_config(route_name="absences.add", renderer=TEMPLATE, permission="staff",
             request_method="POST")
def absence_add(request):
    """Mark oneself (or, for a coordinator, anyone) away; a refusal keeps the input."""
    post = request.POST
    try:
        person = _who(request)
        first_day = _parse_day(post.get("first_day", ""), "first_day")
        last_day = _parse_day(post.get("last_day", ""), "last_day")
        absences.add_absence(request.dbsession, person, first_day, last_day,
                             post.get("note", ""), by=request.identity, today=_today(request))
    except AbsenceRefused as error:
        request.response.status = 400
        return _page(request, {key: post.get(key, "") for key in FIELDS}, error)
    request.session.flash(request.localizer.translate(_(
        "${name} is away from ${first} to ${last}.",
        mapping={"name": person.display_name, "first": first_day.isoformat(),
                 "last": last_day.isoformat()})))
    return HTTPSeeOther(request.route_path("absences.list"))


@view_config(route_name="absences.delete", permission="staff", request_method="POST")
def absence_delete(request):
    """Remove an absence: one's own, or any for a coordinator."""
    absence = request.dbsession.get(Absence, int(request.matchdict["id"]))
    if absence is None:
        raise HTTPNotFound()
    if absence.person_id != request.identity.id and not request.has_permission("coordinate"):
        raise HTTPForbidden()
    absences.remove_absence(request.dbsession, absence.id)
    request.session.flash(request.localizer.translate(_(
        "The absence of ${name} was removed.", mapping={"name": absence.person.display_name})))
    return HTTPSeeOther(request.route_path("absences.list"))
