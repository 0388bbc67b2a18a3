"""``email-journal``: the ``helpdesk worker`` task that turns journalled messages into
tickets, follow-ups or quarantined items (what ``helpdesk mailgate`` stored)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JournalTask:
    """Processes up to ``batch_size`` journalled messages a pass (``helpdesk.email.batch_size``)."""

    batch_size: int
    name: str = "email-journal"

    def run(self, env) -> int:
        """One batch of :func:`~helpdesk_email.commands.process_journal`, its outcomes
        logged; how many messages it processed. An unreachable database is raised."""
        from .commands import process_journal

        outcomes = process_journal(env, self.batch_size)
        for outcome in outcomes:
            log.info("journalled message: %s", outcome)
        return len(outcomes)
