"""The deadline alert tables: sweeps, the alerts each sweep raised, each agency's last sweep."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, CaseRow  # tables are declared on the shared metadata


class AlertSweepRow(Base):
    """One run of the deadline sweep: its day, scope, thresholds, the event mark it read, counts."""

    __tablename__ = "alert_sweeps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    today: Mapped[dt.date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(20))          # first | daily (per agency: see summary)
    scope: Mapped[list | None] = mapped_column(JSON)       # agency ids, or NULL for all
    calendar_version: Mapped[str] = mapped_column(String(40))
    thresholds: Mapped[dict] = mapped_column(JSON)         # default N, N per agency, soon_until per N
    event_mark: Mapped[int] = mapped_column(Integer)       # max(case_events.id) it saw (all committed)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    raised: Mapped[int] = mapped_column(Integer, default=0)
    auto_closed: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)


class AlertRaiseRow(Base):
    """The alerts one sweep raised in one agency at one kind and level: the cases, by id.

    An alert is raised once: by the first sweep on whose day it holds and that had not seen it
    hold (services/sweep.py). Whether it holds now is read from the case (services/board.py),
    so nothing is written when an alert escalates or clears; this table is the record of what
    was raised when, what the digests and artifacts list, and it is never updated.
    """

    __tablename__ = "alert_raises"
    __table_args__ = (Index("ix_alert_raises_sweep", "sweep_id", "agency_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sweep_id: Mapped[int] = mapped_column(ForeignKey("alert_sweeps.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    kind: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer)
    case_ids: Mapped[list] = mapped_column(JSON)  # cases.id of each alert raised


class AlertMarkRow(Base):
    """Where the sweep left each agency: the day, its last "due soon" day and the event mark.

    The next sweep raises in that agency what became due since that day (the date bands between
    the two days) and what steps after that mark started (case tracks, domain/alerts.py).
    """

    __tablename__ = "alert_marks"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    sweep_id: Mapped[int] = mapped_column(ForeignKey("alert_sweeps.id"))
    today: Mapped[dt.date] = mapped_column(Date)
    soon_days: Mapped[int] = mapped_column(Integer)          # the agency's N then
    soon_until: Mapped[dt.date] = mapped_column(Date)        # the last day of "due soon" then
    event_mark: Mapped[int] = mapped_column(Integer)


class AlertRecipientRow(Base):
    """A member of staff who gets the sweep's digest by e-mail (their agency and bodies under it)."""

    __tablename__ = "alert_recipients"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# Indexes on the cases table for the sweep's range predicates (the open reply_due index
# ix_cases_open_reply_due is the cases table's own). Each carries what the sweep reads (state,
# agency_id; id on PostgreSQL, the rowid on SQLite), so that its ranges are read from the index
# alone. The other date columns are NULL for most cases, so
# partial indexes stay small.
def _partial_date_index(name: str, column) -> Index:
    where = column.is_not(None)
    return Index(name, column, CaseRow.state, CaseRow.agency_id, postgresql_include=["id"],
                 postgresql_where=where, sqlite_where=where)


CASE_INDEXES = (
    Index("ix_cases_state_correction_notice_due", CaseRow.state, CaseRow.correction_notice_due,
          CaseRow.agency_id, postgresql_include=["id"]),
    _partial_date_index("ix_cases_consultation_due", CaseRow.consultation_due),
    _partial_date_index("ix_cases_correction_window_end", CaseRow.correction_window_end),
    _partial_date_index("ix_cases_fee_payment_due", CaseRow.fee_payment_due),
    _partial_date_index("ix_cases_delivery_unrecorded", CaseRow.delivery_unrecorded),
    # `provisional = 1` on SQLite, as SQLAlchemy writes the sweep's test (a partial index is used
    # only for its predicate word for word); PostgreSQL reads `provisional = true` as the column
    Index("ix_cases_provisional", CaseRow.state, CaseRow.agency_id, postgresql_include=["id"], postgresql_where=text("provisional"),
          sqlite_where=text("provisional = 1")),
)
