"""The supervisors' board (what holds today) and a sweep's raises, as every entry point reads them.

    read(BoardQuery(agency=..., today=..., limit=...), uow, principal) -> Board
    raised_by(sweep_id, uow, principal, limit=...) -> list[BoardRow]   (a sweep's digest, artifact)

Each read checks the policy (Action.BOARD_READ) for every agency it shows — a supervisor or a
head reads their agency and the bodies under it, a clerk or reviewer only their own agency, the
scheduler every agency — and records itself in the access log (action "board.read", the
agency's id; no personal data). The SQL helpers below (open_alerts, count_open, sweep_alerts)
take a session and agency ids that the caller has already checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import case, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from ..domain import alerts as A
from ..domain.errors import InputError
from ..domain.identity import Principal
from ..domain.policy import Action, PermissionDenied, allowed, authorize
from ..labels import state_label
from ..storage.alert_tables import AlertMarkRow, AlertRaiseRow, AlertSweepRow
from ..storage.models import AgencyRow, CaseEventRow, CaseRow, StaffRow
from ..storage.uow import UnitOfWork
from . import access
from . import cases as case_service
from . import sweep as sweep_service

ACTION = "board.read"
MAX_LIMIT = 100_000
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
                limit: int | None = None, *, today: dt.date) -> list[BoardRow]:
    """The board: the alerts that hold today, per agency (by code), most urgent first, by date."""
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


def count_open(session: Session, agency_ids: Iterable[int] | None = None, *,
               today: dt.date) -> dict[str, int]:
    """The alerts that hold today, by level."""
    u, _th, _cal = _holding(session, today, agency_ids)
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


# ----- the reads (use cases) -----------------------------------------------------------------------

@dataclass(frozen=True)
class BoardQuery:
    """The board on a day: an agency and the bodies under it that the person may read (default:
    the person's own agency; the scheduler's: every agency), at most `limit` rows."""

    agency: str | None = None
    today: dt.date | None = None
    limit: int | None = None


@dataclass(frozen=True)
class Board:
    title: str
    today: dt.date
    rows: list[BoardRow]
    counts: dict[str, int]              # every alert that holds, by level (not only those listed)
    last_sweep: dict[str, Any] | None   # the last sweep of the agency shown (or of any agency)
    agency: str | None                  # the agency shown with the bodies under it; None: every agency

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def groups(self) -> list[tuple[str, str, list[BoardRow]]]:
        return by_agency(self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {"scope": self.title, "today": self.today.isoformat(), "last_sweep": self.last_sweep,
                "open": self.counts,
                "agencies": [{"code": c, "name": n, "alerts": [r.to_dict() for r in items]}
                             for c, n, items in self.groups()]}


def _parents(session: Session) -> dict[int, int | None]:
    return dict(session.execute(select(AgencyRow.id, AgencyRow.parent_id)).tuples().all())


def _path(parents: dict[int, int | None], agency_id: int) -> tuple[int, ...]:
    path: list[int] = []
    current: int | None = agency_id
    while current is not None and current not in path:
        path.append(current)
        current = parents.get(current)
    return tuple(path)


def readable(session: Session, principal: Principal, root_id: int,
             parents: dict[int, int | None] | None = None) -> list[int]:
    """The agency `root_id` and the bodies under it whose board this person may read."""
    parents = _parents(session) if parents is None else parents
    children: dict[int | None, list[int]] = {}
    for id_, parent in parents.items():
        children.setdefault(parent, []).append(id_)
    out, todo = [], [root_id]
    while todo:
        id_ = todo.pop()
        if allowed(principal, Action.BOARD_READ, _path(parents, id_)):
            out.append(id_)
        todo.extend(children.get(id_, []))
    return sorted(out)


def _last_sweep(session: Session, agency_id: int | None) -> dict[str, Any] | None:
    if agency_id is None:
        last = session.scalar(select(AlertSweepRow).order_by(AlertSweepRow.id.desc()).limit(1))
    else:
        mark = session.get(AlertMarkRow, agency_id)
        last = session.get(AlertSweepRow, mark.sweep_id) if mark is not None else None
    if last is None:
        return None
    return {"sweep_id": last.id, "today": last.today.isoformat(), "mode": last.mode,
            "finished_at": last.finished_at.isoformat() if last.finished_at else None}


def _check_limit(limit: int | None) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                              or not 1 <= limit <= MAX_LIMIT):
        raise InputError("limit", f"条数为1–{MAX_LIMIT}的整数", f"无效的条数“{limit}”")


def read(q: BoardQuery, uow: UnitOfWork, principal: Principal) -> Board:
    """The board (one transaction of `uow`): the alerts that hold on the day in the agencies
    this person may read, most urgent first; the read is recorded in the access log, a
    refused one too (in a transaction of its own)."""
    _check_limit(q.limit)
    denied: PermissionDenied | None = None
    with uow:
        session = uow.session
        today = q.today or uow.settings.legal_today()
        root = None
        if q.agency is not None:
            root = uow.directory.agency_by_code(q.agency) if isinstance(q.agency, str) else None
            if root is None:
                shown = q.agency if isinstance(q.agency, str) and q.agency.isprintable() else repr(q.agency)
                raise InputError("agency", "须为已登记的机关代码", f"未知的机关“{shown[:60]}”")
        elif not sweep_service.installation_wide(principal):
            root = uow.directory.agency_by_id(principal.agency_id) if principal.agency_id else None
        parents = _parents(session)
        try:
            if root is None:
                authorize(principal, Action.BOARD_READ, None, sweep_service.ALL_AGENCIES)
            else:
                authorize(principal, Action.BOARD_READ, _path(parents, root.id), root.code)
        except PermissionDenied as err:
            denied = err
        if denied is None:
            ids = None if root is None else readable(session, principal, root.id, parents)
            if root is None:
                title = sweep_service.ALL_AGENCIES
            elif q.agency is None:
                title = f"{root.name}（{principal.name}）"
            else:
                title = root.name
            board = Board(title, today, open_alerts(session, ids, q.limit, today=today),
                          count_open(session, ids, today=today),
                          _last_sweep(session, None if root is None else root.id),
                          None if root is None else root.code)
            access.record(uow, principal, ACTION, agency_id=None if root is None else root.id,
                          target="" if root is None else root.code)
            return board
    access.record_refused(uow, principal, ACTION, agency_id=None if root is None else root.id,
                          target="" if root is None else root.code, outcome="refused")
    raise denied


def raised_by(sweep_id: int, uow: UnitOfWork, principal: Principal, *,
              limit: int | None = None) -> list[BoardRow]:
    """The alerts one sweep raised in the agencies this person may read (its digest, the flow's
    artifact), most urgent first; recorded in the access log."""
    _check_limit(limit)
    with uow:
        session = uow.session
        if sweep_service.installation_wide(principal):
            authorize(principal, Action.BOARD_READ, None, sweep_service.ALL_AGENCIES)
            ids = None
        else:
            authorize(principal, Action.BOARD_READ, uow.directory.agency_path(principal.agency_id)
                      if principal.agency_id else None)
            ids = readable(session, principal, principal.agency_id)
        rows = sweep_alerts(session, sweep_id, ids, limit)
        access.record(uow, principal, ACTION, agency_id=principal.agency_id or None,
                      target=f"sweep:{sweep_id}")
        return rows
