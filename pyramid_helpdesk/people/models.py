"""People: requesters and staff, with their role, locale and profile."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db.meta import Base
from ..db.types import UTCDateTime, utcnow


class Role(str, enum.Enum):
    """What a person may do; each role includes the ones before it."""

    requester = "requester"
    agent = "agent"
    coordinator = "coordinator"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def includes(self, other: "Role") -> bool:
        """True when this role has every right of ``other``."""
        return self.rank >= other.rank


class Person(Base):
    """Someone who asks for help, gives it, or both."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, validate_strings=True), default=Role.requester
    )
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Where the password is checked: "local" (argon2 hash above) or the name of the
    # authentication backend that created the account (e.g. "ldap", "imap").
    auth_source: Mapped[str] = mapped_column(String(32), default="local", server_default="local")
    # A self-registered account works only once its address is verified;
    # accounts created by staff, the command line or a directory count as verified.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(String(16))
    department: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    #: How this person wants to hear of each notification kind: ``{"ticket_assigned":
    #: "chat", "ticket_nudged": "none"}``; a kind not listed goes by e-mail.
    notification_preferences: Mapped[dict[str, str] | None] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    profile_completed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when mail to this address bounced; cleared when mail from it arrives again.
    undeliverable_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_staff(self) -> bool:
        """Agents, coordinators and admins are staff."""
        return self.role.includes(Role.agent)

    @property
    def display_name(self) -> str:
        """The name, or the address when no name is known."""
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.email} {self.role.value}>"
