"""The calendar page ``/staff/calendar``: staff read it, admins edit the calendar file.

It shows the weekly hours, the next 60 days (working or closed, and why) and the
calendar file. A save is checked first (a refused text comes back with its line
and reason, status 400), then written atomically; every process follows the file
on its next request (:class:`~.calendar.LiveCalendar`).
"""
from __future__ import annotations

from datetime import timedelta

from pyramid.authorization import DENY_ALL, Allow
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..db.types import utcnow
from ..i18n import _
from ..people.models import Role
from .calendar import CalendarUnknown, period_text
from .calendar_file import CalendarFileError, text_version, write_calendar_file
from .calendar_text import WEEKDAYS, day_reason, opening_text, weekly_hours

TEMPLATE = "pyramid_helpdesk:templates/sla/calendar.pt"
DAYS_SHOWN = 60
#: The largest calendar file the page accepts.
MAX_FILE_SIZE = 64 * 1024


class CalendarRoot:
    """The context of the calendar page: staff read it, admins change it."""

    __acl__ = [
        (Allow, f"role:{Role.agent.value}", "staff"),
        (Allow, f"role:{Role.admin.value}", "admin"),
        DENY_ALL,
    ]

    def __init__(self, request):
        self.request = request


def upcoming_days(request, count: int = DAYS_SHOWN) -> list[dict]:
    """The next ``count`` local days: working or not, hours, reason (or unknown)."""
    calendar = request.calendar
    translate = request.localizer.translate
    today = utcnow().astimezone(calendar.zone).date()
    rows = []
    for offset in range(count):
        day = today + timedelta(days=offset)
        row = {"date": day, "weekday": translate(WEEKDAYS[day.weekday()]), "today": offset == 0}
        try:
            info = calendar.day(day)
        except CalendarUnknown:
            row.update(state="unknown", hours="", reason=translate(
                _("no calendar data for ${year}: add the year to the calendar file",
                  mapping={"year": day.year})))
        else:
            row.update(state="working" if info.working else "closed",
                       hours=period_text(info.periods) if info.working else "",
                       reason=day_reason(info, translate))
        rows.append(row)
    return rows


def _page(request, text: str | None = None, version: str | None = None,
          error: str | None = None, error_line: int | None = None) -> dict:
    """What the page shows; ``text`` keeps a refused edit."""
    live = request.registry.helpdesk_calendar
    calendar = request.calendar
    translate = request.localizer.translate
    now = utcnow()
    try:
        opening = None if calendar.is_open(now) else opening_text(
            calendar.next_opening(now), calendar.zone, translate)
    except CalendarUnknown:
        opening = None
    current = calendar.file.text
    return {
        "weekly": weekly_hours(calendar, translate),
        "zone": calendar.zone.key,
        "source": live.source,
        "path": live.path,
        "opening": opening,
        "days": upcoming_days(request),
        "text": current if text is None else text,
        "version": version or text_version(current),
        "can_edit": bool(live.path) and bool(request.has_permission("admin")),
        "error": error,
        "error_line": error_line,
    }


@view_config(route_name="calendar.edit", renderer=TEMPLATE, permission="staff",
             request_method="GET")
def calendar_page(request):
    """The weekly hours, the next 60 days and the calendar file."""
    return _page(request)


@view_config(route_name="calendar.edit", renderer=TEMPLATE, permission="admin",
             request_method="POST")
def save_calendar(request):
    """Check and save the calendar file; refused text comes back with its line."""
    live = request.registry.helpdesk_calendar
    text = request.POST.get("text", "")
    version = request.POST.get("version", "")
    translate = request.localizer.translate
    refusal = None
    if not live.path:
        refusal = translate(_("No calendar file is configured (helpdesk.calendar.file)."))
    elif len(text.encode("utf-8")) > MAX_FILE_SIZE:
        refusal = translate(_("The calendar file may hold at most 64 KB."))
    elif version != text_version(request.calendar.file.text):
        request.response.status = 409
        return _page(request, text, version, translate(_(
            "Someone saved the calendar file since you opened it: compare with the current "
            "file (reload the page), then save again.")))
    if refusal:
        request.response.status = 400
        return _page(request, text, version, refusal)
    try:
        write_calendar_file(live.path, text)
    except CalendarFileError as error:
        request.response.status = 400
        return _page(request, text, version, translate(_(
            "Line ${line}: ${reason}", mapping={"line": error.line,
                                                "reason": translate(error.reason)})), error.line)
    request.session.flash(translate(_("Calendar saved.")))
    return HTTPSeeOther(request.route_path("calendar.edit"))
