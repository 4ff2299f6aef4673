"""The shared applicant record: found by its match key, or made; the latest details kept there,
each case's own details in case_contacts, its items in case_items."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.applicants import Applicant, Item
from .models import ApplicantRow, CaseContactRow, CaseItemRow

DETAIL_FIELDS = ("contact", "legal_representative", "contact_person", "phone", "address",
                 "postcode", "email")


def details(applicant: Applicant) -> dict[str, str]:
    return {"name": applicant.name, **{k: getattr(applicant, k) for k in DETAIL_FIELDS}}


def record(session: Session, applicant: Applicant) -> ApplicantRow:
    """The one applicant record for this identity document or credit code, with the details of
    this (the latest) application; made when new. Two intakes of one new applicant at once:
    the unique key lets one insert win and the other finds its row."""
    key = applicant.key
    values = {"kind": applicant.kind, "id_type": applicant.id_type, "id_number": applicant.id_number,
              **details(applicant)}
    if key is not None:
        row = session.scalar(select(ApplicantRow).where(ApplicantRow.match_key == key))
        if row is None:
            try:
                with session.begin_nested():
                    row = ApplicantRow(match_key=key, **values)
                    session.add(row)
            except IntegrityError:
                row = session.scalar(select(ApplicantRow).where(ApplicantRow.match_key == key))
                if row is None:
                    raise
        for column, value in values.items():
            setattr(row, column, value)
    else:
        row = ApplicantRow(match_key=None, **values)
        session.add(row)
    session.flush()
    return row


def case_rows(case_id: int, applicant: Applicant, items: Iterable[Item]) -> list[object]:
    """The case's own contact details and its items, as rows to add."""
    out: list[object] = [CaseContactRow(case_id=case_id, **details(applicant))]
    out.extend(CaseItemRow(case_id=case_id, n=n, description=i.description, document_no=i.document_no)
               for n, i in enumerate(items, 1))
    return out
