"""What event and question hooks receive as ``helpdesk``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from ..notifications.services import Outbox
    from ..settings import HelpdeskSettings


@dataclass(frozen=True)
class HookContext:
    """The database session, the settings, the outbox and the time of the change."""

    dbsession: Session
    settings: "HelpdeskSettings"
    outbox: "Outbox"
    now: datetime
