"""After a calendar load: recompute every open case's dates, record an event where they moved.

    recompute_open_cases(uow, principal, today=...)   # Action.CALENDAR_MANAGE: an admin of a
                                                      # top-level government, or the scheduler

The open cases whose stored dates were computed with another calendar version are found with
one query, their histories read set-wise (chunks of CHUNK cases) and replayed; the new dates
are the schedule under the calendar in force. A case whose stored dates (or their provisional
mark) changed gets a `dates_recomputed` event through services.cases.step (one transaction,
request id from the case and the calendar version, so a rerun records nothing twice) by the
agency's system actor (services/auth.system_principal), with the operator naming who asked for
it; that step also stores the new dates. The others only have their calendar_version brought
up to date (one UPDATE per chunk, guarded by the case version).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update

from ..domain.case import State, replay
from ..domain.errors import FoiError
from ..domain.identity import Principal
from ..domain.policy import Action, authorize
from ..storage.models import AgencyRow, CaseEventRow, CaseRow
from ..storage.uow import UnitOfWork
from . import auth, directory
from . import cases as case_service

CHUNK = 2000
# The stored dates an event reports on (derived columns of services.cases), and the mark.
WATCHED = ("reply_due", "correction_notice_due", "correction_window_end", "consultation_due",
           "fee_payment_due", "delivery_unrecorded", "provisional")


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.date) else v


@dataclass
class Moved:
    case_id: int
    case_no: str
    agency: str
    before: dict[str, Any]
    after: dict[str, Any]
    ok: bool = True
    error: str | None = None

    @property
    def changed(self) -> dict[str, tuple[Any, Any]]:
        return {k: (self.before[k], self.after[k]) for k in WATCHED if self.before[k] != self.after[k]}

    def to_dict(self) -> dict[str, Any]:
        return {"case_no": self.case_no, "agency": self.agency, "ok": self.ok, "error": self.error,
                "changed": {k: {"from": a, "to": b} for k, (a, b) in self.changed.items()}}


@dataclass
class RecomputeReport:
    calendar_version: str
    checked: int = 0
    unchanged: int = 0
    moved: list[Moved] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"calendar_version": self.calendar_version, "checked": self.checked,
                "unchanged": self.unchanged, "moved": [m.to_dict() for m in self.moved],
                "failed": sum(1 for m in self.moved if not m.ok)}


def _operator(principal: Principal) -> str:
    """The operator recorded on the system actor's events: who asked for the recompute."""
    if principal.is_system:
        return principal.operator or principal.code
    return f"{principal.operator}/{principal.code}"[:80]


def recompute_open_cases(uow: UnitOfWork, principal: Principal, *,
                         today: dt.date | None = None) -> RecomputeReport:
    """Bring every open case's dates to the calendar in force (see the module docstring)."""
    authorize(principal, Action.CALENDAR_MANAGE, None, "工作日历")
    today = today or uow.settings.legal_today()
    todo: list[Moved] = []
    with uow:
        session = uow.session
        calendar = case_service.session_calendar(session)
        report = RecomputeReport(calendar.version)
        agencies = {a.id: a for a in session.scalars(select(AgencyRow))}
        settings = {i: directory.agency_settings(a) for i, a in agencies.items()}
        stale = session.execute(
            select(CaseRow.id, CaseRow.version).where(CaseRow.state != State.CLOSED.value,
                                                      CaseRow.calendar_version != calendar.version)
            .order_by(CaseRow.id)).all()
        report.checked = len(stale)
        for start in range(0, len(stale), CHUNK):
            chunk = dict(stale[start:start + CHUNK])
            rows = {r.id: r for r in session.scalars(select(CaseRow).where(CaseRow.id.in_(chunk)))}
            history: dict[int, list] = {}
            for ev in session.scalars(select(CaseEventRow).where(CaseEventRow.case_id.in_(chunk))
                                      .order_by(CaseEventRow.case_id, CaseEventRow.seq)):
                history.setdefault(ev.case_id, []).append(case_service._event(ev))
            same: list[int] = []
            for case_id, row in rows.items():
                case = replay(history.get(case_id, []))
                derived = case_service.derived_columns(
                    case, case.schedule(calendar, settings[row.agency_id]))
                before = {k: _iso(getattr(row, k)) for k in WATCHED}
                after = {k: _iso(derived[k]) for k in WATCHED}
                if before == after:
                    same.append(case_id)
                else:
                    todo.append(Moved(case_id, row.case_no, agencies[row.agency_id].code,
                                      before, after))
            if same:  # guarded by the version read above: a concurrent step wins
                session.connection().execute(
                    update(CaseRow.__table__)
                    .where(CaseRow.id == bindparam("cid"), CaseRow.version == bindparam("ver"))
                    .values(calendar_version=calendar.version),
                    [{"cid": i, "ver": chunk[i]} for i in same])
            report.unchanged += len(same)
        agency_of = {a.code: a.id for a in agencies.values()}
        operator = _operator(principal)
        actors = {aid: auth.system_principal(uow, aid, operator=operator)
                  for aid in sorted({agency_of[m.agency] for m in todo})}
    for m in todo:
        try:
            case_service.step(
                case_service.Step(m.case_no, "dates_recomputed", today,
                                  {"calendar_version": report.calendar_version, "previous": m.before},
                                  f"recalc-{report.calendar_version}-{m.case_id}"),
                uow, actors[agency_of[m.agency]], today=today)
        except FoiError as err:
            m.ok, m.error = False, err.text()
        report.moved.append(m)
    return report


def moves_under(session, calendar) -> tuple[int, list[Moved]]:
    """A dry run (reads only): (how many open cases were compared, those whose stored dates would
    move under `calendar`, with the dates before and after). For the calendar-load preview
    (calendar_data/service.preview_year); the caller holds the permission."""
    agencies = {a.id: a for a in session.scalars(select(AgencyRow))}
    settings = {i: directory.agency_settings(a) for i, a in agencies.items()}
    ids = list(session.scalars(select(CaseRow.id).where(CaseRow.state != State.CLOSED.value)
                               .order_by(CaseRow.id)))
    out: list[Moved] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        rows = session.scalars(select(CaseRow).where(CaseRow.id.in_(chunk)).order_by(CaseRow.id)).all()
        history: dict[int, list] = {}
        for ev in session.scalars(select(CaseEventRow).where(CaseEventRow.case_id.in_(chunk))
                                  .order_by(CaseEventRow.case_id, CaseEventRow.seq)):
            history.setdefault(ev.case_id, []).append(case_service._event(ev))
        for row in rows:
            case = replay(history.get(row.id, []))
            derived = case_service.derived_columns(case, case.schedule(calendar, settings[row.agency_id]))
            before = {k: _iso(getattr(row, k)) for k in WATCHED}
            after = {k: _iso(derived[k]) for k in WATCHED}
            if before != after:
                out.append(Moved(row.id, row.case_no, agencies[row.agency_id].code, before, after))
    return len(ids), out
