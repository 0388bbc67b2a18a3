"""Helpers for the staff console's tests: tickets made at chosen times, pages read."""
import html
import re
from datetime import datetime, timedelta, timezone

import pytest

from pyramid_helpdesk.tickets.services import TicketService

# The number cell of a row: its bulk-action inputs, then the link to the staff ticket view.
NUMBER_CELL = re.compile(
    r'<td[^>]*>(?:<input[^>]*>)*<a\s+id="number-\d+" href="/staff/tickets/([^"]+)">\1</a></td>')
NEXT_PAGE = re.compile(r'<a rel="next"\s+href="([^"]+)"')
PREVIOUS_PAGE = re.compile(r'<a rel="prev"\s+href="([^"]+)"')


def service_at(helpdesk, moment: datetime) -> TicketService:
    """The lifecycle service of this test, with its clock stopped at ``moment``."""
    return TicketService(helpdesk.dbsession, helpdesk.settings, helpdesk.plugins,
                         clock=lambda: moment)


def minutes_ago(minutes: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(minutes=minutes)


def listed(page) -> list[str]:
    """The ticket numbers of a list page, in the order shown."""
    return NUMBER_CELL.findall(page.text)


def next_page(page) -> str | None:
    """The address of the "next page" link, if there is one."""
    match = NEXT_PAGE.search(page.text)
    return html.unescape(match.group(1)) if match else None


def previous_page(page) -> str | None:
    """The address of the "previous page" link, if there is one."""
    match = PREVIOUS_PAGE.search(page.text)
    return html.unescape(match.group(1)) if match else None


@pytest.fixture
def make_ticket(helpdesk, staff):
    """``make_ticket(subject, minutes_ago=..., at=..., **create_kwargs)``: a ticket
    created at ``at`` (or that many minutes ago) by ``staff.user`` unless told."""
    def make(subject="Printer jam", minutes=0, at=None, requester=None, channel="staff",
             **kwargs):
        moment = at or minutes_ago(minutes)
        ticket = service_at(helpdesk, moment).create(
            requester=requester or staff.user, subject=subject, channel=channel, **kwargs)
        helpdesk.dbsession.flush()
        return ticket
    return make
