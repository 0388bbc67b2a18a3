"""Helpers for the reports' tests: tickets with their SLA columns set directly."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A local Asia/Shanghai time ``YYYY-MM-DD HH:MM`` as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(timezone.utc)


@pytest.fixture
def make_ticket(helpdesk, staff):
    """``make_ticket(created=..., **columns)``: a ticket by ``staff.user`` whose report
    columns (times, holder, channel...) are then set directly, as the SLA clock would."""
    def make(created: datetime, subject: str = "Printer jam", **columns):
        ticket = helpdesk.ticket(staff.user, subject=subject)
        ticket.created_at = created
        for name, value in columns.items():
            setattr(ticket, name, value)
        helpdesk.dbsession.flush()
        return ticket
    return make


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
