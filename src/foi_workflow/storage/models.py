"""The tables: one mapped class per table, no behaviour beyond column definitions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class CalendarYearRow(Base):
    """A year's official holiday arrangement loaded by an administrator (append-only)."""

    __tablename__ = "calendar_years"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    reference: Mapped[str] = mapped_column(String(200))
    days_off: Mapped[dict] = mapped_column(JSON)
    make_up_workdays: Mapped[list] = mapped_column(JSON)
    replaces_official: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    source_sha256: Mapped[str] = mapped_column(String(64))
    loaded_by: Mapped[str] = mapped_column(String(100))
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    calendar_version: Mapped[str] = mapped_column(String(40))
