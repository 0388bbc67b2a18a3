"""The roster page, the coordinator's forms, and ``/duty/now`` for the telephone system."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import forbidden_view_config, view_config

from ..db.types import utcnow
from ..i18n import _
from . import services
from .forms import parse_date, parse_weeks, people_by_id
from .services import WEEK, DutyRefused, monday_of

ROSTER_TEMPLATE = "pyramid_helpdesk:templates/duty/roster.pt"
#: The roster shows the two weeks before this one and eight from this one.
WEEKS_BEFORE = 2
WEEKS_SHOWN = 10


def _roster_page(request, form: dict | None = None, error: DutyRefused | None = None) -> dict:
    """What the roster page shows; ``form`` keeps a refused form's input."""
    dbsession = request.dbsession
    today = utcnow().astimezone(request.helpdesk_settings.timezone).date()
    this_monday = monday_of(today)
    can_coordinate = bool(request.has_permission("coordinate"))
    members = services.first_line_members(dbsession) if can_coordinate else []
    defaults = {"start": (this_monday + WEEK).isoformat(), "weeks": "8",
                "people": [str(person.id) for person in members],
                "week_a": "", "week_b": "", "day": "", "person": "", "note": ""}
    return {
        "weeks": services.calendar(dbsession, this_monday - WEEKS_BEFORE * WEEK, WEEKS_SHOWN),
        "this_monday": this_monday,
        "today": today,
        "can_coordinate": can_coordinate,
        "members": members,
        "form": {**defaults, **(form or {})},
        "error": error.message if error else None,
        "error_field": error.field if error else None,
    }


def _refused(request, error: DutyRefused) -> dict:
    """Show the roster again with the refused form's input and its field marked."""
    request.response.status = 400
    form = {key: request.POST.get(key, "") for key in ("start", "weeks", "week_a", "week_b",
                                                          "day", "person", "note")}
    if "people" in request.POST:
        form["people"] = request.POST.getall("people")
    return _roster_page(request, form, error)


def _done(request, message) -> HTTPSeeOther:
    request.session.flash(request.localizer.translate(message))
    return HTTPSeeOther(request.route_path("duty.roster"))


@view_config(route_name="duty.roster", renderer=ROSTER_TEMPLATE, permission="staff",
             request_method="GET")
def roster(request):
    """The duty calendar: two weeks back, eight ahead, with each day's change."""
    return _roster_page(request)


@view_config(route_name="duty.generate", renderer=ROSTER_TEMPLATE, permission="coordinate",
             request_method="POST")
def generate(request):
    """Put the chosen members on duty in turn from a Monday, one week each."""
    post = request.POST
    try:
        start = parse_date(post.get("start", ""), "start")
        weeks = parse_weeks(post.get("weeks", ""))
        people = people_by_id(request.dbsession, post.getall("people"), "people")
        services.generate(request.dbsession, start, weeks, people)
    except DutyRefused as error:
        return _refused(request, error)
    return _done(request, _("Rotation of ${weeks} weeks from ${start} saved.",
                            mapping={"weeks": weeks, "start": start.isoformat()}))


@view_config(route_name="duty.swap", renderer=ROSTER_TEMPLATE, permission="coordinate",
             request_method="POST")
def swap(request):
    """Exchange the people of two weeks."""
    try:
        week_a = parse_date(request.POST.get("week_a", ""), "week_a")
        week_b = parse_date(request.POST.get("week_b", ""), "week_b")
        services.swap(request.dbsession, week_a, week_b)
    except DutyRefused as error:
        return _refused(request, error)
    return _done(request, _("Weeks of ${a} and ${b} swapped.",
                            mapping={"a": week_a.isoformat(), "b": week_b.isoformat()}))


@view_config(route_name="duty.override", renderer=ROSTER_TEMPLATE, permission="coordinate",
             request_method="POST")
def override(request):
    """Put someone else on duty for one day (a rest day covered by a student...)."""
    post = request.POST
    try:
        day = parse_date(post.get("day", ""), "day")
        people = people_by_id(request.dbsession, [post.get("person", "")], "person")
        if not people:
            raise DutyRefused(_("Choose a person."), "person")
        services.set_override(request.dbsession, day, people[0], post.get("note", ""))
    except DutyRefused as error:
        return _refused(request, error)
    return _done(request, _("${name} is on duty on ${date}.",
                            mapping={"name": people[0].display_name, "date": day.isoformat()}))


@view_config(route_name="duty.override_delete", renderer=ROSTER_TEMPLATE,
             permission="coordinate", request_method="POST")
def override_delete(request):
    """Give a day back to the week's person."""
    try:
        day = parse_date(request.POST.get("remove", ""), "remove")
        services.remove_override(request.dbsession, day)
    except DutyRefused as error:
        error.field = "remove"
        return _refused(request, error)
    return _done(request, _("The change on ${date} was removed.",
                            mapping={"date": day.isoformat()}))


@view_config(route_name="duty.now", renderer="json", permission="duty.now",
             request_method="GET")
def now(request):
    """Who answers the duty phone now: name, office extension and the period;
    nothing else about them (no address, no personal phone)."""
    request.response.cache_control = "no-store"
    duty = services.on_duty(request.dbsession, utcnow(), request.helpdesk_settings.timezone)
    if duty is None:
        return {"name": None, "extension": None, "since": None, "until": None}
    return {"name": services.public_name(duty.person), "extension": duty.extension,
            "since": duty.since.isoformat(), "until": duty.until.isoformat()}


@forbidden_view_config(route_name="duty.now", renderer="json")
def now_refused(request):
    """No login redirect for a telephone system: 401 without credentials, else 403."""
    request.response.cache_control = "no-store"
    if request.identity is None:
        request.response.status = 401
        request.response.headers["WWW-Authenticate"] = 'Bearer realm="helpdesk"'
        return {"error": "a staff session or the duty token is needed"}
    request.response.status = 403
    return {"error": "forbidden"}
