"""Times on pages: stored in UTC, shown in the helpdesk's time zone."""
from __future__ import annotations

from datetime import datetime


def local_time(request, moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """``moment`` (UTC) as wall-clock time in ``helpdesk.timezone``; ``""`` for ``None``."""
    if moment is None:
        return ""
    return moment.astimezone(request.helpdesk_settings.timezone).strftime(pattern)


def includeme(config):
    """Add ``request.local_time(moment, pattern)`` for templates."""
    config.add_request_method(local_time, "local_time")
