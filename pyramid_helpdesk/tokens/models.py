"""An API token: a secret shown once, stored as its SHA-256 digest, read or write scope."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db.meta import Base
from ..db.types import UTCDateTime, utcnow
from ..people.models import Person


class TokenScope(str, enum.Enum):
    """What a token may do: ``read`` answers safe methods only, ``write`` everything."""

    read = "read"
    write = "write"


class TokenStatus(str, enum.Enum):
    """Where a token stands at a given moment (computed, not stored)."""

    active = "active"
    expired = "expired"
    revoked = "revoked"


class ApiToken(Base):
    """A person's personal token for ``/api/v1`` (``Authorization: Bearer <token>``)."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_person_id_created_at", "person_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    #: The first characters of the secret, shown in lists so an owner can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    #: Hex SHA-256 of the whole secret (a random 256-bit value needs no slow hash).
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[TokenScope] = mapped_column(
        Enum(TokenScope, native_enum=False, length=16, validate_strings=True)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined")

    def status_at(self, now: datetime) -> TokenStatus:
        """Revoked (whatever its expiry), else expired once ``expires_at`` is past."""
        if self.revoked_at is not None:
            return TokenStatus.revoked
        if self.expires_at is not None and self.expires_at <= now:
            return TokenStatus.expired
        return TokenStatus.active

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}... person={self.person_id}>"
