"""Service hours, the business calendar and its admin page.

``includeme`` puts the configured calendar on the registry
(``registry.helpdesk_calendar``, a :class:`~.calendar.LiveCalendar` that follows
the calendar file) and gives each request one snapshot of it, ``request.calendar``.
"""
from ..i18n import _
from .calendar import LiveCalendar


def includeme(config):
    """Build the calendar from the settings (a broken calendar file stops start-up),
    add ``request.calendar`` and the calendar page."""
    config.registry.helpdesk_calendar = LiveCalendar.from_settings(
        config.registry.helpdesk_settings)
    config.add_request_method(lambda request: request.registry.helpdesk_calendar.current(),
                              "calendar", reify=True)
    config.add_route("calendar.edit", "/staff/calendar", factory=".views.CalendarRoot")
    config.add_console_link("calendar.edit", _("Calendar"), "staff", section="calendar")
    config.scan(".views")
