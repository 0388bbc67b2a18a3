"""Import every model so that ``Base.metadata`` is complete (alembic, tests)."""
from .attachments.models import Attachment
from .db.meta import Base
from .duty.models import DutyOverride, DutyWeek
from .groups.models import GroupMembership, ServiceGroup
from .intake.models import IntakeItem, IntakeStatus
from .notifications.models import DeliveryStatus, Notification, NotificationAttempt
from .people.absences import Absence
from .people.models import Person, Role
from .reports.models import ReportChange, ReportDay, ReportMonth
from .routing.turns import RoutingTurn
from .tickets.models import (
    EventKind,
    ExternalAuthorization,
    Message,
    MessageKind,
    Priority,
    Rating,
    Ticket,
    TicketCC,
    TicketEvent,
    TicketStatus,
)
from .tokens.models import ApiToken, TokenScope

__all__ = [
    "Absence", "ApiToken", "Attachment", "Base", "DeliveryStatus", "EventKind",
    "ExternalAuthorization", "IntakeItem", "IntakeStatus", "DutyOverride", "DutyWeek",
    "GroupMembership", "Message", "MessageKind", "Notification", "NotificationAttempt",
    "Person", "Priority", "Rating", "ReportChange", "ReportDay", "ReportMonth", "Role",
    "RoutingTurn", "ServiceGroup", "Ticket", "TicketCC", "TicketEvent", "TicketStatus",
    "TokenScope",
]
