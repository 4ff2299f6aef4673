"""Read-only queries for listings (agencies, staff, cases): each takes a Session and writes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.case import State
from ..storage.models import AgencyRow, ApplicantRow, CaseRow, StaffRow


@dataclass(frozen=True)
class AgencyNode:
    row: AgencyRow
    depth: int
    parent_code: str | None


def agency_tree(session: Session) -> list[AgencyNode]:
    """Every agency, depth-first from the top-level ones, children ordered by code."""
    rows = session.scalars(select(AgencyRow).order_by(AgencyRow.code)).all()
    by_id = {r.id: r for r in rows}
    children: dict[int | None, list[AgencyRow]] = {}
    for r in rows:
        parent = r.parent_id if r.parent_id in by_id else None
        children.setdefault(parent, []).append(r)
    out: list[AgencyNode] = []
    todo = [(r, 0) for r in reversed(children.get(None, []))]
    seen: set[int] = set()
    while todo:
        row, depth = todo.pop()
        if row.id in seen:  # pragma: no cover - a cycle cannot be created through directory
            continue
        seen.add(row.id)
        parent = by_id.get(row.parent_id) if row.parent_id is not None else None
        out.append(AgencyNode(row, depth, parent.code if parent else None))
        todo.extend((c, depth + 1) for c in reversed(children.get(row.id, [])))
    return out


def find_agency(session: Session, code: str) -> AgencyRow | None:
    return session.scalar(select(AgencyRow).where(AgencyRow.code == code))


def agency_by_id(session: Session, agency_id: int) -> AgencyRow | None:
    return session.get(AgencyRow, agency_id)


def staff_list(session: Session, agency_id: int | None = None) -> list[tuple[StaffRow, AgencyRow]]:
    """Staff with their agency, ordered by agency code then staff code."""
    q = (select(StaffRow, AgencyRow).join(AgencyRow, StaffRow.agency_id == AgencyRow.id)
         .order_by(AgencyRow.code, StaffRow.code))
    if agency_id is not None:
        q = q.where(StaffRow.agency_id == agency_id)
    return [(s, a) for s, a in session.execute(q).all()]


def staff_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    codes = sorted(set(codes))
    if not codes:
        return {}
    return dict(session.execute(select(StaffRow.code, StaffRow.name)
                                .where(StaffRow.code.in_(codes))).tuples().all())


def count_cases(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CaseRow)) or 0


def applicant(session: Session, applicant_id: int) -> ApplicantRow | None:
    return session.get(ApplicantRow, applicant_id)


def cases(session: Session, *, agency_ids: Iterable[int] | None = None, state: str | None = None,
          open_only: bool = False, due_by: dt.date | None = None) -> list[tuple[CaseRow, AgencyRow]]:
    """Cases with their agency, by stored reply_due (undated last), then case number.

    due_by keeps the cases whose stored reply_due is on or before that day (overdue included).
    """
    q = select(CaseRow, AgencyRow).join(AgencyRow, CaseRow.agency_id == AgencyRow.id)
    if agency_ids is not None:
        q = q.where(CaseRow.agency_id.in_(list(agency_ids)))
    if state is not None:
        q = q.where(CaseRow.state == state)
    if open_only:
        q = q.where(CaseRow.state != State.CLOSED.value)
    if due_by is not None:
        q = q.where(CaseRow.reply_due.is_not(None), CaseRow.reply_due <= due_by)
    q = q.order_by(CaseRow.reply_due.is_(None), CaseRow.reply_due, CaseRow.case_no)
    return [(c, a) for c, a in session.execute(q).all()]
