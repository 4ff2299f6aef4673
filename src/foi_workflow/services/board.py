"""Read-only listings of alerts: the supervisors' board (open alerts) and a sweep's new alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from ..domain import alerts as A
from ..labels import state_label
from ..storage.alert_tables import AlertRow
from ..storage.models import AgencyRow, CaseRow, StaffRow


@dataclass(frozen=True)
class BoardRow:
    agency_id: int
    agency_code: str
    agency_name: str
    case_no: str
    handler: str
    handler_name: str
    state: str
    kind: str
    level: str
    due: dt.date | None
    reason: str
    raised_on: dt.date
    sweep_id: int

    @property
    def rank(self) -> int:
        return A.rank(self.kind, self.level)

    @property
    def kind_label(self) -> str:
        return A.KIND_LABELS[A.Kind(self.kind)]

    @property
    def level_label(self) -> str:
        return A.LEVEL_LABELS[A.Level(self.level)]

    def to_dict(self) -> dict[str, Any]:
        return {"agency": self.agency_code, "agency_name": self.agency_name,
                "case_no": self.case_no, "handler": self.handler, "handler_name": self.handler_name,
                "state": self.state, "state_label": state_label(self.state),
                "kind": self.kind, "kind_label": self.kind_label,
                "level": self.level, "level_label": self.level_label, "urgency": self.rank,
                "due": self.due.isoformat() if self.due else None, "reason": self.reason,
                "raised_on": self.raised_on.isoformat()}


def _urgency():
    """The urgency rank of domain/alerts.py URGENCY as an SQL expression (for ORDER BY)."""
    return case(*[((AlertRow.kind == k.value) & (AlertRow.level == lvl.value), i)
                  for (k, lvl), i in A.URGENCY_RANK.items()], else_=len(A.URGENCY))


def _rows(session: Session, where: list, limit: int | None) -> list[BoardRow]:
    handler = aliased(StaffRow)
    q = (select(AlertRow.agency_id, AgencyRow.code, AgencyRow.name, CaseRow.case_no,
                CaseRow.handler, func.coalesce(handler.name, CaseRow.handler), CaseRow.state,
                AlertRow.kind, AlertRow.level, AlertRow.due, AlertRow.reason, AlertRow.raised_on,
                AlertRow.sweep_id)
         .join(CaseRow, CaseRow.id == AlertRow.case_id)
         .join(AgencyRow, AgencyRow.id == AlertRow.agency_id)
         .outerjoin(handler, handler.code == CaseRow.handler)
         .where(*where)
         .order_by(AgencyRow.code, _urgency(), AlertRow.due, CaseRow.case_no))
    if limit is not None:
        q = q.limit(limit)
    return [BoardRow(*r) for r in session.execute(q)]


def open_alerts(session: Session, agency_ids: Iterable[int] | None = None,
                limit: int | None = None) -> list[BoardRow]:
    """The board: open alerts per agency (by agency code), most urgent first, then by date."""
    where = [AlertRow.cleared_at.is_(None)]
    if agency_ids is not None:
        where.append(AlertRow.agency_id.in_(list(agency_ids)))
    return _rows(session, where, limit)


def sweep_alerts(session: Session, sweep_id: int, agency_ids: Iterable[int] | None = None,
                 limit: int | None = None) -> list[BoardRow]:
    """The alerts one sweep raised (its digest and artifact), most urgent first."""
    where = [AlertRow.sweep_id == sweep_id]
    if agency_ids is not None:
        where.append(AlertRow.agency_id.in_(list(agency_ids)))
    return _rows(session, where, limit)


def count_open(session: Session, agency_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Open alerts by level."""
    q = select(AlertRow.level, func.count()).where(AlertRow.cleared_at.is_(None))
    if agency_ids is not None:
        q = q.where(AlertRow.agency_id.in_(list(agency_ids)))
    return dict(session.execute(q.group_by(AlertRow.level)).tuples().all())


def by_agency(rows: Iterable[BoardRow]) -> list[tuple[str, str, list[BoardRow]]]:
    """(agency code, name, its rows) in the rows' order."""
    out: dict[str, tuple[str, str, list[BoardRow]]] = {}
    for r in rows:
        out.setdefault(r.agency_code, (r.agency_code, r.agency_name, []))[2].append(r)
    return list(out.values())
