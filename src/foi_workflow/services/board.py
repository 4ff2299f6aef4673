"""Read-only listings of alerts: the supervisors' board (what holds today) and a sweep's raises."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import case, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from .. import localtime
from ..domain import alerts as A
from ..labels import state_label
from ..storage.alert_tables import AlertRaiseRow, AlertSweepRow
from ..storage.models import AgencyRow, CaseEventRow, CaseRow, StaffRow
from . import cases as case_service
from . import sweep as sweep_service

CHUNK = 5000  # ids per IN list


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
    since: dt.date | None  # the day the alert began to hold (or the sweep's day, for raises)

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
                "since": self.since.isoformat() if self.since else None}


def _urgency(kind, level):
    """The urgency rank of domain/alerts.py URGENCY as an SQL expression (for ORDER BY)."""
    return case(*[((kind == k.value) & (level == lvl.value), i)
                  for (k, lvl), i in A.URGENCY_RANK.items()], else_=len(A.URGENCY))


def _holding(session: Session, today: dt.date, agency_ids: Iterable[int] | None):
    """(subquery of the alerts that hold on `today`, thresholds, calendar): every rule's SELECT
    per alert lead time N in use, over the agencies asked for."""
    calendar = case_service.session_calendar(session)
    th = sweep_service.thresholds(session, calendar, today)
    every = set(session.scalars(select(AgencyRow.id)))
    ids = every if agency_ids is None else set(agency_ids) & every
    by_n: dict[int, list[int]] = {}
    for a in sorted(ids):
        by_n.setdefault(th.n_for(a), []).append(a)
    c = CaseRow.__table__.c
    selects = []
    for n, group in sorted(by_n.items()) or [(th.default_n, [])]:
        where = [] if group and set(group) >= every else [c.agency_id.in_(group)]
        for rule in A.RULES:
            for level in rule.levels:
                selects.append(select(c.id.label("case_id"), c.agency_id.label("agency_id"),
                                      literal(rule.kind.value).label("kind"),
                                      literal(level.value).label("level"), c[rule.column].label("due"))
                               .where(*sweep_service.at_level(rule, level, today, th.until[n]), *where))
    return union_all(*selects).subquery("holding"), th, calendar


def open_alerts(session: Session, agency_ids: Iterable[int] | None = None,
                limit: int | None = None, today: dt.date | None = None) -> list[BoardRow]:
    """The board: the alerts that hold today, per agency (by code), most urgent first, by date."""
    today = today or localtime.today()
    u, th, calendar = _holding(session, today, agency_ids)
    handler = aliased(StaffRow)
    q = (select(AgencyRow.id, AgencyRow.code, AgencyRow.name, CaseRow.case_no, CaseRow.handler,
                func.coalesce(handler.name, CaseRow.handler), CaseRow.state, u.c.kind, u.c.level,
                u.c.due, CaseRow.alert_since)
         .select_from(u)
         .join(CaseRow, CaseRow.id == u.c.case_id)
         .join(AgencyRow, AgencyRow.id == u.c.agency_id)
         .outerjoin(handler, handler.code == CaseRow.handler)
         .order_by(AgencyRow.code, _urgency(u.c.kind, u.c.level), u.c.due, CaseRow.case_no))
    if limit is not None:
        q = q.limit(limit)
    found = session.execute(q).all()
    started_on = _event_days(session, [(r.alert_since or {}).get(r.kind) for r in found])
    out = []
    for agency_id, code, name, case_no, who, who_name, state, kind, level, due, since in found:
        n = th.n_for(agency_id)
        days = [d for d in (A.level_since(calendar, kind, level, due, n),
                            started_on.get((since or {}).get(kind))) if d is not None]
        out.append(BoardRow(agency_id, code, name, case_no, who, who_name, state, kind, level, due,
                            A.reason(kind, level, n), max(days) if days else None))
    return out


def _event_days(session: Session, event_ids: list[int | None]) -> dict[int, dt.date]:
    """The legal day of each step (case_events.id): when an alert's track started."""
    out: dict[int, dt.date] = {}
    wanted = sorted({i for i in event_ids if i})
    for i in range(0, len(wanted), CHUNK):
        q = select(CaseEventRow.id, CaseEventRow.on).where(CaseEventRow.id.in_(wanted[i:i + CHUNK]))
        out.update(dict(session.execute(q).tuples().all()))
    return out


def count_open(session: Session, agency_ids: Iterable[int] | None = None,
               today: dt.date | None = None) -> dict[str, int]:
    """The alerts that hold today, by level."""
    u, _th, _cal = _holding(session, today or localtime.today(), agency_ids)
    return dict(session.execute(select(u.c.level, func.count()).group_by(u.c.level)).tuples().all())


def sweep_alerts(session: Session, sweep_id: int, agency_ids: Iterable[int] | None = None,
                 limit: int | None = None) -> list[BoardRow]:
    """The alerts one sweep raised (its digest and artifact), most urgent first, with the cases'
    dates as they are now. With a limit, only the (agency, urgency) groups needed are read."""
    sweep = session.get(AlertSweepRow, sweep_id)
    if sweep is None:
        return []
    q = (select(AlertRaiseRow.kind, AlertRaiseRow.level, AlertRaiseRow.case_ids, AgencyRow.code)
         .join(AgencyRow, AgencyRow.id == AlertRaiseRow.agency_id)
         .where(AlertRaiseRow.sweep_id == sweep_id))
    if agency_ids is not None:
        q = q.where(AlertRaiseRow.agency_id.in_(list(agency_ids)))
    groups = sorted(session.execute(q), key=lambda g: (g.code, A.rank(g.kind, g.level)))
    raised: list[tuple[int, str, str]] = []
    for g in groups:
        if limit is not None and len(raised) >= limit:
            break
        raised += [(case_id, g.kind, g.level) for case_id in g.case_ids]
    n_by_agency = {int(a): n for a, n in sweep.thresholds.get("n_by_agency", {}).items()}
    default_n = sweep.thresholds.get("default_n", sweep_service.DEFAULT_N)
    handler = aliased(StaffRow)
    c = CaseRow.__table__.c
    dates = sorted({r.column for r in A.RULES})
    cases: dict[int, Any] = {}
    ids = sorted({case_id for case_id, _k, _l in raised})
    for i in range(0, len(ids), CHUNK):
        q = (select(c.id, c.agency_id, c.case_no, c.handler, c.state, *[c[d] for d in dates],
                    AgencyRow.code, AgencyRow.name, func.coalesce(handler.name, c.handler).label("who"))
             .join(AgencyRow, AgencyRow.id == c.agency_id)
             .outerjoin(handler, handler.code == c.handler)
             .where(c.id.in_(ids[i:i + CHUNK])))
        cases.update({row.id: row for row in session.execute(q)})
    out = []
    for case_id, kind, level in raised:
        row = cases[case_id]
        n = n_by_agency.get(row.agency_id, default_n)
        out.append(BoardRow(row.agency_id, row.code, row.name, row.case_no, row.handler, row.who,
                            row.state, kind, level, getattr(row, A.RULE_BY_KIND[A.Kind(kind)].column),
                            A.reason(kind, level, n), sweep.today))
    out.sort(key=lambda r: (r.agency_code, r.rank, r.due or dt.date.max, r.case_no))
    return out if limit is None else out[:limit]


def by_agency(rows: Iterable[BoardRow]) -> list[tuple[str, str, list[BoardRow]]]:
    """(agency code, name, its rows) in the rows' order."""
    out: dict[str, tuple[str, str, list[BoardRow]]] = {}
    for r in rows:
        out.setdefault(r.agency_code, (r.agency_code, r.agency_name, []))[2].append(r)
    return list(out.values())
