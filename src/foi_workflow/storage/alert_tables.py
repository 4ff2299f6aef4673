"""The deadline alert tables: alerts raised by the sweep, cleared when the case moves on."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text,
                        text)
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.alerts import Level
from .models import Base, CaseRow  # tables are declared on the shared metadata

OPEN = text("cleared_at IS NULL")
# The open alerts whose level moves on with the days (soon → today → overdue): the daily sweep
# finds the ones to clear by their date in this small partial index. Its queries repeat this
# predicate word for word, with the values inline (SQLite and generic plans prove a partial index
# usable only from the literal predicate, never from bound parameters).
ESCALATING_LEVELS = (Level.TODAY.value, Level.SOON.value)
ESCALATING = text("cleared_at IS NULL AND level IN ({})".format(
    ", ".join(f"'{v}'" for v in ESCALATING_LEVELS)))


class AlertSweepRow(Base):
    """One run of the deadline sweep: its day, scope, mode, counts, and the event mark it read."""

    __tablename__ = "alert_sweeps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    today: Mapped[dt.date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(20))          # full | incremental
    scope: Mapped[list | None] = mapped_column(JSON)       # agency ids, or NULL for all
    calendar_version: Mapped[str] = mapped_column(String(40))
    thresholds: Mapped[dict] = mapped_column(JSON)         # {"<N>": "<soon_until>", ...}, per-agency N
    event_mark: Mapped[int] = mapped_column(Integer)       # max(case_events.id) when it started
    # PostgreSQL: the oldest transaction in progress in that snapshot (pg_snapshot_xmin); its
    # events may commit later with lower ids, so the next sweep re-reads them (services/sweep.py)
    event_xmin: Mapped[str | None] = mapped_column(String(20))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    raised: Mapped[int] = mapped_column(Integer, default=0)
    cleared: Mapped[int] = mapped_column(Integer, default=0)
    auto_closed: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)


class AlertRow(Base):
    """A deadline alert on a case: open until the case moves on (cleared_at set, never deleted).

    Derived rows, written only by the sweep's set-wise INSERT … SELECT from the cases it has just
    read (and its UPDATEs), in its own transaction. case_id, agency_id and sweep_id therefore
    carry no FOREIGN KEY: on PostgreSQL each checked key costs a trigger and a row lock on the
    referenced row per alert (measured: 87,000 raised alerts took 2.7 s with the three keys,
    0.7 s without). Cases, agencies and sweeps are never deleted, so the references hold.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        # One open alert per case, kind and level: a repeated sweep raises nothing twice (the
        # arbiter of the sweep's INSERT … ON CONFLICT DO NOTHING). agency_id leads so that the
        # same index serves the board (open alerts of some agencies); a case never changes
        # agency and its alerts copy its agency_id, so this is uniqueness per case.
        Index("uq_alerts_open_agency_case_kind_level", "agency_id", "case_id", "kind", "level",
              unique=True, postgresql_where=OPEN, sqlite_where=OPEN),
        Index("ix_alerts_escalating_due", "due", postgresql_where=ESCALATING,
              sqlite_where=ESCALATING),
        # a sweep's alerts (digest, artifact): rows are appended in sweep order, so PostgreSQL
        # keeps a BRIN summary (no entry per row to write); SQLite a B-tree
        Index("ix_alerts_sweep", "sweep_id", postgresql_using="brin"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer)     # cases.id (no FOREIGN KEY: see above)
    agency_id: Mapped[int] = mapped_column(Integer)   # agencies.id, the case's agency
    kind: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(20))
    due: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    sweep_id: Mapped[int] = mapped_column(Integer)    # alert_sweeps.id of the sweep that raised it
    raised_on: Mapped[dt.date] = mapped_column(Date)
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    cleared_on: Mapped[dt.date | None] = mapped_column(Date)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    cleared_reason: Mapped[str | None] = mapped_column(String(20))  # closed | changed


class AlertRecipientRow(Base):
    """A member of staff who gets the sweep's digest by e-mail (their agency and bodies under it)."""

    __tablename__ = "alert_recipients"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# Indexes on the cases table for the sweep's range predicates (the open reply_due index
# ix_cases_open_reply_due(state, reply_due) is the cases table's own). The other date columns
# are NULL for most cases, so partial indexes stay small.
def _partial_date_index(name: str, column) -> Index:
    where = column.is_not(None)
    return Index(name, column, postgresql_where=where, sqlite_where=where)


CASE_INDEXES = (
    Index("ix_cases_state_correction_notice_due", CaseRow.state, CaseRow.correction_notice_due),
    _partial_date_index("ix_cases_consultation_due", CaseRow.consultation_due),
    _partial_date_index("ix_cases_correction_window_end", CaseRow.correction_window_end),
    _partial_date_index("ix_cases_fee_payment_due", CaseRow.fee_payment_due),
    Index("ix_cases_provisional", CaseRow.state, postgresql_where=CaseRow.provisional,
          sqlite_where=CaseRow.provisional),
)
