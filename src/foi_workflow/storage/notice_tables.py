"""The notice register tables: each issued notice with its number, file hashes and case event."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base  # tables are declared on the shared metadata


class NoticeTemplateRow(Base):
    """A version of a notice template: the exact sources it was rendered from (content-addressed).

    `version` is the SHA-256 of the template and every template it extends, includes or imports;
    a notice names its version, so it can be re-rendered after the files under templates/ change.
    """

    __tablename__ = "notice_templates"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    sources: Mapped[dict] = mapped_column(JSON)  # {template file name: source text}


class NoticeRow(Base):
    """An issued notice (文书): its number in the agency's yearly series, never changed or deleted.

    A corrected notice is a new row with its own number and `supersedes_id` pointing at the old
    one. `context` is everything the template was given (ID numbers masked); the HTML's hash is
    taken when the notice is issued, the PDF's and DOCX's when they are first rendered (with the
    `renderer` that made them); every later rendering must give the same bytes.
    """

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", "number", name="uq_notices_agency_year_number"),
        Index("ix_notices_case_event", "case_id", "event_seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    doc_no: Mapped[str] = mapped_column(String(260))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    event_seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    template: Mapped[str] = mapped_column(String(100))
    template_version: Mapped[str] = mapped_column(ForeignKey("notice_templates.version"))
    context: Mapped[dict] = mapped_column(JSON)
    html_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    docx_sha256: Mapped[str | None] = mapped_column(String(64))
    renderer: Mapped[str | None] = mapped_column(Text)
    # this notice's link of its agency's yearly chain (storage/chain.py; services/verify.py)
    chain: Mapped[str | None] = mapped_column(String(64))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(40))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    reason: Mapped[str] = mapped_column(Text, default="")  # why a corrected notice was issued
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
