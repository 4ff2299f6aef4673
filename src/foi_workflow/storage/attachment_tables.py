"""Attachments: the files provided with a reply (and other notices), kept in the file store by
their SHA-256 (storage/files.py); numbered per case from 1, never changed or deleted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class AttachmentRow(Base):
    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("case_id", "no", name="uq_attachments_case_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    no: Mapped[int] = mapped_column(Integer)                 # 附件序号 within the case
    name: Mapped[str] = mapped_column(String(200))           # the file's name as given
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    attached_by: Mapped[str] = mapped_column(String(40))     # the staff member's account code
    operator: Mapped[str] = mapped_column(String(80), default="")
    attached_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
