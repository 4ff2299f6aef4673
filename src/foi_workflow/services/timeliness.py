"""时效统计: the year's late replies and late correction notices, and the open cases past due.

    read(TimelinessQuery(year, agency=..., today=...), uow, principal) -> dict

The rule of what is late lives in domain/timeliness.py; this module only gathers the rows.
Read like the board (Action.BOARD_READ for every agency shown: a supervisor or head reads their
agency and the bodies under it, a clerk or reviewer their own) and recorded in the access log
(action "timeliness.read"; ids and codes only, no personal data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..domain import timeliness as T
from ..domain.case import State
from ..domain.errors import InputError
from ..domain.identity import Principal
from ..domain.policy import Action, PermissionDenied, authorize
from ..storage.models import AgencyRow, CaseEventRow, CaseRow
from ..storage.uow import UnitOfWork
from . import access
from . import board as board_service

ACTION = "timeliness.read"
FIRST_YEAR = 2008  # the first year of the Regulations (2008-05-01)


@dataclass(frozen=True)
class TimelinessQuery:
    year: int
    agency: str | None = None      # None: the reader's own agency
    today: dt.date | None = None   # the day "open and overdue" is read on (default: today)


def _check_year(year: Any, today: dt.date) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= today.year:
        raise InputError("year", f"须为 {FIRST_YEAR} 年至今年（{today.year}）之间的年份", f"年份“{year}”不在范围内")
    return year


def read(q: TimelinessQuery, uow: UnitOfWork, principal: Principal) -> dict[str, Any]:
    denied: PermissionDenied | None = None
    with uow:
        session = uow.session
        today = q.today or uow.settings.legal_today()
        year = _check_year(q.year, today)
        if q.agency is not None:
            root = uow.directory.agency_by_code(q.agency) if isinstance(q.agency, str) else None
            if root is None:
                shown = q.agency[:60] if isinstance(q.agency, str) and q.agency.isprintable() else "?"
                raise InputError("agency", "须为已登记的机关代码", f"未知的机关“{shown}”")
        else:
            root = uow.directory.agency_by_id(principal.agency_id) if principal.agency_id else None
            if root is None:
                raise InputError("agency", "须指明机关代码", "请指明要统计的机关")
        parents = board_service._parents(session)
        try:
            authorize(principal, Action.BOARD_READ, board_service._path(parents, root.id), root.code)
        except PermissionDenied as err:
            denied = err
        if denied is None:
            ids = board_service.readable(session, principal, root.id, parents)
            result = _gather(session, ids, year, today)
            access.record(uow, principal, ACTION, agency_id=root.id, target=f"{root.code}:{year}")
            return {"year": year, "today": today.isoformat(), "agency": root.code, "agency_name": root.name,
                    "agencies": result, "total": _total(result)}
    access.record_refused(uow, principal, ACTION, agency_id=root.id, target=f"{root.code}:{year}",
                          outcome="refused")
    raise denied


def _gather(session, ids: list[int], year: int, today: dt.date) -> list[dict[str, Any]]:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    agencies = {a.id: T.AgencyTimeliness(a.code, a.name)
                for a in session.scalars(select(AgencyRow).where(AgencyRow.id.in_(ids)).order_by(AgencyRow.code))}
    for case_no, agency_id, outcome, closed_on, reply_due in session.execute(
            select(CaseRow.case_no, CaseRow.agency_id, CaseRow.outcome, CaseRow.closed_on, CaseRow.reply_due)
            .where(CaseRow.agency_id.in_(ids), CaseRow.closed_on.between(start, end))
            .order_by(CaseRow.case_no)):
        agencies[agency_id].add_reply(case_no, outcome, closed_on, reply_due)
    for case_no, agency_id, data in session.execute(
            select(CaseRow.case_no, CaseRow.agency_id, CaseEventRow.data)
            .join(CaseRow, CaseRow.id == CaseEventRow.case_id)
            .where(CaseEventRow.kind == "request_correction", CaseEventRow.on.between(start, end),
                   CaseRow.agency_id.in_(ids))
            .order_by(CaseRow.case_no, CaseEventRow.seq)):
        agencies[agency_id].add_correction_notice(case_no, bool((data or {}).get("late")))
    for case_no, agency_id in session.execute(
            select(CaseRow.case_no, CaseRow.agency_id)
            .where(CaseRow.agency_id.in_(ids), CaseRow.state != State.CLOSED.value,
                   CaseRow.reply_due < today, CaseRow.received <= end)
            .order_by(CaseRow.reply_due, CaseRow.case_no)):
        agencies[agency_id].open_overdue.append(case_no)
    return [_as_dict(a) for a in agencies.values()]


def _as_dict(a: T.AgencyTimeliness) -> dict[str, Any]:
    share = a.on_time_share
    return {"agency": a.code, "agency_name": a.name, "replies": a.replies,
            "replies_late": len(a.replies_late), "late_cases": a.replies_late,
            "on_time_share": None if share is None else round(share, 4),
            "correction_notices": a.correction_notices,
            "correction_notices_late": len(a.correction_notices_late),
            "late_correction_cases": a.correction_notices_late,
            "open_overdue": len(a.open_overdue), "open_overdue_cases": a.open_overdue}


def _total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("replies", "replies_late", "correction_notices", "correction_notices_late", "open_overdue")
    total = {k: sum(r[k] for r in rows) for k in keys}
    total["on_time_share"] = (round((total["replies"] - total["replies_late"]) / total["replies"], 4)
                              if total["replies"] else None)
    return total
