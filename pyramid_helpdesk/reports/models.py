"""The reports' summary: what the figures count, per UTC day and per month.

Each row says how many tickets (or ratings) count towards one ``item`` of one
``figure`` on one day: ``("channel", 2026-11-03, "web", 412)``, ``("resolution",
2026-11-03, "7168", 9)`` (the bucket of business seconds from 7168 up to 7296)...
:mod:`.summary` defines every figure and reads them. Three tables:

- ``report_changes``: what the database triggers of migration 0014 append when a
  ticket or a rating is written (+1 for what it counts towards now, -1 for what it
  counted towards before); never updated, so concurrent writers never wait on
  each other;
- ``report_days`` and ``report_months``: the changes added up per day and per
  calendar month (``month`` is its first day), by ``helpdesk worker`` (or
  ``helpdesk reports compact``).

A figure over a range is the sum of the three (months inside the range, days of
the months it only partly covers, changes not yet added up), plus the tickets of
the hours before the first and after the last UTC midnight of the range, read
directly.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db.meta import Base
from ..tickets.models import Ticket


class ReportDay(Base):
    """A day's count of one item of one figure."""

    __tablename__ = "report_days"

    figure: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # UTC
    item: Mapped[str] = mapped_column(String(64), primary_key=True)  # "" for none
    total: Mapped[int] = mapped_column(Integer)


class ReportMonth(Base):
    """A calendar month's count (the sum of its days)."""

    __tablename__ = "report_months"

    figure: Mapped[str] = mapped_column(String(16), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day (UTC)
    item: Mapped[str] = mapped_column(String(64), primary_key=True)
    total: Mapped[int] = mapped_column(Integer)


class ReportChange(Base):
    """A change written by a trigger, not yet added to the days and months."""

    __tablename__ = "report_changes"
    __table_args__ = (Index("ix_report_changes_figure_day", "figure", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    figure: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    item: Mapped[str] = mapped_column(String(64))
    total: Mapped[int] = mapped_column(Integer)  # +n or -n


# The percentiles' last step reads the values of one bucket in the range from an
# index of (value, moment) alone (index-only on PostgreSQL, covering on SQLite).
Index("ix_tickets_first_response_seconds",
      Ticket.first_response_business_seconds, Ticket.created_at)
Index("ix_tickets_resolution_seconds", Ticket.resolution_business_seconds, Ticket.resolved_at)
