"""``duty_roster``: the first-line person on duty now (``pyramid_helpdesk.duty``).

The ticket goes to the first-line group and that person, whatever group an
earlier strategy proposed: put it last, as the catch-all after the strategies
that look for someone in a specialist group. It passes when nobody is on
duty, or when the person on duty is marked away or no longer active staff.
"""
from __future__ import annotations

from pyramid_helpdesk.duty.services import on_duty
from pyramid_helpdesk.groups.services import first_line_group
from pyramid_helpdesk.people.absences import is_away
from pyramid_helpdesk.routing import RoutingDecision

from .groups import today


class DutyRosterStrategy:
    """Give the ticket to whoever answers the duty phone now."""

    name = "duty_roster"

    def route(self, ticket, proposal, helpdesk):
        """The person on duty, or ``None`` when nobody available is."""
        duty = on_duty(helpdesk.dbsession, helpdesk.now, helpdesk.settings.timezone)
        if duty is None:
            return None
        person = duty.person
        if not (person.is_active and person.is_staff) \
                or is_away(helpdesk.dbsession, person.id, today(helpdesk)):
            return None
        return RoutingDecision(group=first_line_group(helpdesk.dbsession), person=person,
                               reason=f"on duty: {person.display_name}")
