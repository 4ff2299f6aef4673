"""The tables: one mapped class per table, no behaviour beyond column definitions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, false, text)
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
    loaded_by: Mapped[str] = mapped_column(String(100))   # the admin's account code
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    calendar_version: Mapped[str] = mapped_column(String(40))
    operator: Mapped[str] = mapped_column(String(80), default="")  # how the load reached the system


class AgencyRow(Base):
    """A government or a body under it (department, town, sub-district), with its settings."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)


class StaffRow(Base):
    """An account: one person (or an agency's system actor) in one agency; roles in staff_roles."""

    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("identifier", name="uq_staff_identifier"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    kind: Mapped[str] = mapped_column(String(10), default="person", server_default="person")
    # the person's staff number or mobile (domain/identity.py): one account per person
    identifier: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2id; never in clear
    password_set_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    deactivated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class StaffRoleRow(Base):
    """A role an account holds in its agency (one or more per account)."""

    __tablename__ = "staff_roles"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class ApplicantRow(Base):
    """One applicant, shared by all their cases: recognised by `match_key` (the identity
    document or credit code, normalised: domain/applicants.match_key); the details are the
    latest given (each case keeps its own in case_contacts)."""

    __tablename__ = "applicants"
    __table_args__ = (UniqueConstraint("match_key", name="uq_applicants_match_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    id_type: Mapped[str] = mapped_column(String(20), default="")
    id_number: Mapped[str] = mapped_column(String(40), default="")  # never shown unmasked
    contact: Mapped[str] = mapped_column(String(200), default="")
    # None: nothing to recognise by (never shared). Compared for equality only (issue 17: HMAC).
    match_key: Mapped[str | None] = mapped_column(String(128))
    legal_representative: Mapped[str] = mapped_column(String(100), default="", server_default="")
    contact_person: Mapped[str] = mapped_column(String(100), default="", server_default="")
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    address: Mapped[str] = mapped_column(String(200), default="", server_default="")
    postcode: Mapped[str] = mapped_column(String(6), default="", server_default="")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")


class CaseContactRow(Base):
    """The applicant's name and contact details as given in this case's application: the
    case's notices go here, whatever the applicant gives in later applications."""

    __tablename__ = "case_contacts"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(200), default="", server_default="")
    legal_representative: Mapped[str] = mapped_column(String(100), default="", server_default="")
    contact_person: Mapped[str] = mapped_column(String(100), default="", server_default="")
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    address: Mapped[str] = mapped_column(String(200), default="", server_default="")
    postcode: Mapped[str] = mapped_column(String(6), default="", server_default="")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")


class CaseItemRow(Base):
    """One item an application asks for (Art 29), numbered from 1 within its case."""

    __tablename__ = "case_items"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    document_no: Mapped[str] = mapped_column(String(100), default="", server_default="")


class NumberSeriesRow(Base):
    """The last number issued in an agency's series for a year (case numbers, notices)."""

    __tablename__ = "number_series"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class CaseRow(Base):
    """A case: its history lives in case_events; the other columns are derived from it."""

    __tablename__ = "cases"
    __table_args__ = (
        # the sweep's and the board's reply ranges, read from the index alone: agency_id and id
        # (PostgreSQL; SQLite keeps the rowid in every index) ride along
        Index("ix_cases_open_reply_due", "state", "reply_due", "agency_id", postgresql_include=["id"]),
        # the cases stepped since a sweep's mark (services/sweep.py)
        Index("ix_cases_alert_event", "alert_event"),
        Index("ix_cases_agency_state", "agency_id", "state"),
        # 我的待办 and the case lists: an agency's open cases by reply_due (migration 0018)
        Index("ix_cases_open_agency_due", "agency_id", "reply_due",
              postgresql_where=text("state <> 'closed'"), sqlite_where=text("state <> 'closed'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(60), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    applicant_kind: Mapped[str] = mapped_column(String(20))  # table-3 column, at receipt
    handler: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(Text)
    received: Mapped[dt.date] = mapped_column(Date, index=True)
    rules: Mapped[str] = mapped_column(String(20))
    # derived from the history
    state: Mapped[str] = mapped_column(String(30))
    outcome: Mapped[str | None] = mapped_column(String(40))
    report_row: Mapped[str | None] = mapped_column(String(40))
    closed_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    reply_delivered: Mapped[dt.date | None] = mapped_column(Date)
    reply_due: Mapped[dt.date | None] = mapped_column(Date)
    correction_notice_due: Mapped[dt.date | None] = mapped_column(Date)
    correction_window_end: Mapped[dt.date | None] = mapped_column(Date)
    consultation_due: Mapped[dt.date | None] = mapped_column(Date)
    fee_payment_due: Mapped[dt.date | None] = mapped_column(Date)
    # the correction or fee window's end counted on the sending date while the notice's receipt
    # is not recorded (then correction_window_end / fee_payment_due stay NULL: no automatic close)
    delivery_unrecorded: Mapped[dt.date | None] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    calendar_version: Mapped[str] = mapped_column(String(40))
    # alert kind -> case_events.id of the step from which the kind's current date holds
    # (domain/alerts.track_since), and the largest of them: the sweep raises an alert again only
    # on a track started after its last mark (services/sweep.py); 0/missing: before any sweep
    alert_since: Mapped[dict | None] = mapped_column(JSON)
    alert_event: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    event_count: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)  # optimistic lock: +1 per step
    # the last link of the case's history chain (storage/chain.py): deleting the newest event shows
    chain_head: Mapped[str | None] = mapped_column(String(64))


class CaseEventRow(Base):
    """One entry of a case's append-only history, numbered per case without gaps."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_events_seq"),
                      # the year's review/litigation records and paid fees (statistics)
                      Index("ix_case_events_kind_on", "kind", "on"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    on: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(JSON)
    basis: Mapped[str] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # who made the request reach the system (web, token:<code>, os:<user>, prefect:<run>)
    operator: Mapped[str] = mapped_column(String(80), default="", server_default="")
    backdated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # this event's link of the case's hash chain (storage/chain.py; checked by services/verify.py)
    chain: Mapped[str | None] = mapped_column(String(64))


# The other table modules declare on Base.metadata; importing them here makes `models` the one
# place that holds the whole schema (Alembic and the tests compare against it).
from . import alert_tables, attachment_tables, identity_tables, notice_tables, statistics_tables  # noqa: E402,F401,I001
from . import portal_tables  # noqa: E402,F401,I001
