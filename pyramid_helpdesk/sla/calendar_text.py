"""How the calendar reads to people: a day's reason, the weekly hours and the next
opening, translated with a ``translate`` function (``request.localizer.translate``
or a notification's own)."""
from __future__ import annotations

from datetime import datetime

from ..i18n import _
from .calendar import CalendarUnknown, DayInfo, period_text

WEEKDAYS = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
            _("Saturday"), _("Sunday"))
#: The names ``chinesecalendar`` gives its holidays.
HOLIDAY_NAMES = {name: message for name, message in (
    ("New Year's Day", _("New Year's Day")),
    ("Spring Festival", _("Spring Festival")),
    ("Tomb-sweeping Day", _("Tomb-sweeping Day")),
    ("Labour Day", _("Labour Day")),
    ("Dragon Boat Festival", _("Dragon Boat Festival")),
    ("National Day", _("National Day")),
    ("Mid-autumn Festival", _("Mid-autumn Festival")),
    ("Anti-Fascist 70th Day", _("Anti-Fascist 70th Day")),
)}


def day_reason(info: DayInfo, translate) -> str:
    """Why ``info``'s day is working or closed, in the reader's language."""
    name = translate(HOLIDAY_NAMES[info.name]) if info.name in HOLIDAY_NAMES else info.name
    if info.kind == "weekly":
        reason = _("weekday") if info.date.weekday() < 5 else _("weekly hours")
    elif info.kind == "closed":
        reason = _("weekend") if info.date.weekday() >= 5 else _("no service hours")
    elif info.kind == "holiday":
        reason = _("holiday: ${name}", mapping={"name": name}) if name else _("holiday")
    elif info.kind == "makeup":
        reason = (_("make-up working day for ${name}", mapping={"name": name}) if name
                  else _("make-up working day"))
    else:
        reason = (_("other hours: ${name}", mapping={"name": name}) if name
                  else _("other hours"))
    text = translate(reason)
    if info.source == "file":
        return translate(_("${reason} (calendar file)", mapping={"reason": text}))
    return text


def weekly_hours(calendar, translate) -> list[tuple[str, str]]:
    """``(weekday, "08:00-17:00")`` for each day with service hours, Monday first."""
    return [(translate(WEEKDAYS[day]), period_text(periods))
            for day, periods in enumerate(calendar.hours.periods) if periods]


def opening_text(opening: datetime, zone, translate) -> str:
    """``Monday 2026-10-08 08:00`` in the desk's time zone."""
    local = opening.astimezone(zone)
    return translate(_("${weekday} ${date} ${time}", mapping={
        "weekday": translate(WEEKDAYS[local.weekday()]),
        "date": f"{local:%Y-%m-%d}", "time": f"{local:%H:%M}"}))


def hours_summary(calendar, translate) -> list[str]:
    """The weekly hours, days with equal hours joined: ``Monday–Friday 08:00-17:00``."""
    runs: list[tuple[int, int, tuple]] = []
    for day, periods in enumerate(calendar.hours.periods):
        if runs and runs[-1][2] == periods and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day, periods)
        else:
            runs.append((day, day, periods))
    lines = []
    for first, last, periods in runs:
        if not periods:
            continue
        days = translate(WEEKDAYS[first]) if first == last else translate(_(
            "${first}–${last}", mapping={"first": translate(WEEKDAYS[first]),
                                         "last": translate(WEEKDAYS[last])}))
        lines.append(f"{days} {period_text(periods)}")
    return lines


def service_notice(calendar, now: datetime, translate) -> dict:
    """What the portal says about service: the hours, the zone, whether the desk is
    open, and when closed the next opening (``None`` when the calendar cannot tell)."""
    try:
        is_open = calendar.is_open(now)
        opening = None if is_open else opening_text(calendar.next_opening(now), calendar.zone,
                                                    translate)
    except CalendarUnknown:
        is_open, opening = calendar.hours.is_open(now, calendar.zone), None
    return {"hours": hours_summary(calendar, translate), "zone": calendar.zone.key,
            "open": is_open, "opening": opening}
