"""The applicant portal's records (services/portal.py, docs/portal.md): query codes (only their
SHA-256), one-time codes, fingerprints of submissions, and the hits the rate limits count.

No personal data in clear here: a query code, a one-time code, a client address and an
applicant's identity key are stored only as SHA-256 digests.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base  # tables are declared on the shared metadata


class PortalCodeRow(Base):
    """A case's query code (查询码): the SHA-256 of a 80-bit random code shown once to the
    applicant. A case may have more than one (a resubmitted form gets its own, see
    services/portal.py); each is revocable by deleting its row."""

    __tablename__ = "portal_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    request_id: Mapped[str] = mapped_column(String(64), default="")   # the form that got it
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class PortalOneTimeRow(Base):
    """A one-time code: used once, then marked. purpose "challenge" (a solved submission
    challenge cannot be replayed); later "login" (a code sent by e-mail or SMS) and
    "consultation" (a third party's link) use the same table."""

    __tablename__ = "portal_one_time"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class PortalSubmissionRow(Base):
    """The fingerprint of an online submission (SHA-256 of its normalised content): the same
    application sent again within the window gets the case it made, not a second case."""

    __tablename__ = "portal_submissions"
    __table_args__ = (UniqueConstraint("agency_id", "fingerprint", name="uq_portal_submissions_fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    request_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PortalHitRow(Base):
    """One counted attempt (a submission, a failed look-up) by a bucket: the SHA-256 of a client
    address, an applicant's identity key or a case number. The rate limits count these."""

    __tablename__ = "portal_hits"
    __table_args__ = (Index("ix_portal_hits_bucket_at", "bucket", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(80))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
