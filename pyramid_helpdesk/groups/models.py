"""Service groups and their members; one group is the first line."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db.meta import Base
from ..db.types import UTCDateTime, utcnow
from ..people.models import Person


class GroupMembership(Base):
    """A person's membership of a service group."""

    __tablename__ = "group_memberships"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("service_groups.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ServiceGroup(Base):
    """A team tickets can be dispatched to (network, computing, ERP...)."""

    __tablename__ = "service_groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    # True for the first-line group, NULL for every other: the unique
    # constraint then allows one first-line group on every database.
    first_line_flag: Mapped[bool | None] = mapped_column("is_first_line", Boolean, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[Person]] = relationship(
        secondary="group_memberships", order_by=Person.id
    )

    @property
    def is_first_line(self) -> bool:
        """True for the group that receives undispatched tickets."""
        return bool(self.first_line_flag)

    @is_first_line.setter
    def is_first_line(self, value: bool) -> None:
        self.first_line_flag = True if value else None

    def __repr__(self) -> str:
        return f"<ServiceGroup {self.id} {self.name}>"
