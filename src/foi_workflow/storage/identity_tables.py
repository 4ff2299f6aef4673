"""Accounts' records: role and status changes, API tokens, failed sign-ins, the access log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base  # tables are declared on the shared metadata


class StaffChangeRow(Base):
    """Who changed an account, when and how (created, roles, deactivated, password, tokens)."""

    __tablename__ = "staff_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    change: Mapped[str] = mapped_column(String(30))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)  # never a password or a token
    by: Mapped[str] = mapped_column(String(40))                # the acting account's code
    operator: Mapped[str] = mapped_column(String(80), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ApiTokenRow(Base):
    """A personal API token: only its SHA-256 is stored; revocable, with an expiry."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists to tell tokens apart
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class SigninFailureRow(Base):
    """One failed sign-in for an account code (known or not): sign-in is throttled on these."""

    __tablename__ = "signin_failures"
    __table_args__ = (Index("ix_signin_failures_account_at", "account", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(60))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AccessLogRow(Base):
    """A read of a case, its applicant's personal data, a notice, a list or a report (PIPL)."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_case", "case_id"), Index("ix_access_log_at", "at"),
                      Index("ix_access_log_staff_at", "staff", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    staff: Mapped[str] = mapped_column(String(40))
    operator: Mapped[str] = mapped_column(String(80), default="")
    via: Mapped[str] = mapped_column(String(10), default="")
    action: Mapped[str] = mapped_column(String(40))
    agency_id: Mapped[int | None] = mapped_column(Integer)   # the agency whose data was read
    case_id: Mapped[int | None] = mapped_column(Integer)
    applicant_id: Mapped[int | None] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(80), default="")  # case or notice number
    outcome: Mapped[str] = mapped_column(String(10), default="ok")  # ok | refused | missing
