"""What the member-choosing strategies share: which group, and which day."""
from __future__ import annotations

from datetime import date

from pyramid_helpdesk.groups.models import ServiceGroup
from pyramid_helpdesk.groups.services import find_group


def group_to_share(proposal, helpdesk, configured: str) -> ServiceGroup | None:
    """The group an earlier strategy chose, else the group called ``configured``, if any."""
    if proposal is not None and proposal.group is not None:
        return proposal.group
    if configured:
        return find_group(helpdesk.dbsession, configured)
    return None


def today(helpdesk) -> date:
    """The helpdesk's local date at the time of the change (absences are by day)."""
    return helpdesk.now.astimezone(helpdesk.settings.timezone).date()
