"""What the staff lists call "due soon", and whose clock runs.

Each ticket's due time is stored (``tickets.due_at``), kept by the service-level
clock (``pyramid_helpdesk/sla/clock.py``) from the policies of
``helpdesk.sla.targets`` and the business calendar; the lists and counts read it
through the ``(status, due_at)`` index.
"""
from __future__ import annotations

from datetime import timedelta

from ..tickets.models import TicketStatus

#: A ticket due within this much wall-clock time is "due soon".
NEAR = timedelta(minutes=30)
#: The statuses in which the clock runs: a ticket waiting for its requester is never late.
RUNNING = (TicketStatus.new, TicketStatus.open)
