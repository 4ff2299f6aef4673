"""The statistics tables: registers the cases do not hold, and locked annual figures.

Every row records who wrote it: the staff member (`recorded_by`, `locked_by`) and the operator
through whom the request came (the OS user, a token, a Prefect run; identity.Principal)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class DisclosureCellRow(Base):
    """One figure of proactive disclosure for an agency and year: a table-2 cell ("block.cell")
    or an item count of the older format ("items.<category>", "items.online"). Set, not added."""

    __tablename__ = "stat_disclosure_cells"
    __table_args__ = (UniqueConstraint("agency_id", "year", "key", name="uq_stat_disclosure_cell"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(60))
    value: Mapped[str] = mapped_column(String(40))  # exact decimal text (integers but one cell)
    recorded_by: Mapped[str] = mapped_column(String(40))
    operator: Mapped[str] = mapped_column(String(80), default="", server_default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ConsultationRow(Base):
    """Consultations (咨询) received on a day through one channel: a count, added up by year."""

    __tablename__ = "stat_consultations"
    __table_args__ = (Index("ix_stat_consultations_agency_on", "agency_id", "on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    on: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(40))
    operator: Mapped[str] = mapped_column(String(80), default="", server_default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class FeeRow(Base):
    """A fee collected outside the cases' own fee steps (e.g. 2008-era search and copying fees)."""

    __tablename__ = "stat_fees"
    __table_args__ = (Index("ix_stat_fees_agency_on", "agency_id", "on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    on: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(40))
    operator: Mapped[str] = mapped_column(String(80), default="", server_default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class NarrativeRow(Base):
    """The text an agency supplies for a narrative section of its annual report."""

    __tablename__ = "stat_narratives"
    __table_args__ = (UniqueConstraint("agency_id", "year", "section", name="uq_stat_narrative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(40))
    operator: Mapped[str] = mapped_column(String(80), default="", server_default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LockedReportRow(Base):
    """A published period: the agency's own figures for the year, frozen as published.

    `max_case_id` is the highest case id when the period was locked (ids only grow, cases are
    never deleted): a case above it was registered after the lock."""

    __tablename__ = "stat_locked_reports"
    __table_args__ = (UniqueConstraint("agency_id", "year", name="uq_stat_locked_report"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    figures: Mapped[dict] = mapped_column(JSON)
    max_case_id: Mapped[int] = mapped_column(Integer)
    locked_by: Mapped[str] = mapped_column(String(40))
    operator: Mapped[str] = mapped_column(String(80), default="", server_default="")
    locked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LockedCarryRow(Base):
    """A case the locked period carried over to the next year (its carried_out), by column."""

    __tablename__ = "stat_locked_carry"

    lock_id: Mapped[int] = mapped_column(ForeignKey("stat_locked_reports.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True, index=True)
    applicant_kind: Mapped[str] = mapped_column(String(20))


class UnlockRow(Base):
    """A locked year opened again (services/statistics.unlock_period): who locked it and when,
    who opened it, through whom, when and why, and the figures as they had been published."""

    __tablename__ = "stat_unlocks"
    __table_args__ = (Index("ix_stat_unlocks_agency_year", "agency_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    figures: Mapped[dict] = mapped_column(JSON)
    locked_by: Mapped[str] = mapped_column(String(40))
    locked_operator: Mapped[str] = mapped_column(String(80), default="", server_default="")
    locked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    unlocked_by: Mapped[str] = mapped_column(String(40))
    operator: Mapped[str] = mapped_column(String(80), default="", server_default="")
    unlocked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)


class StatVersionRow(Base):
    """Every value ever written to a set-not-added register entry — a narrative section or a
    proactive-disclosure figure — with who wrote it and when (issue 17: an overwrite keeps the
    earlier versions). The current value is also in its own table; this is its history."""

    __tablename__ = "stat_versions"
    __table_args__ = (Index("ix_stat_versions_entry", "agency_id", "year", "kind", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))   # "narrative" | "disclosure"
    key: Mapped[str] = mapped_column(String(60))    # the section, or the cell key
    value: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(40))
    operator: Mapped[str] = mapped_column(String(80), default="", server_default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
