"""Annual statistics from the database: table 3 by GROUP BY in SQL, table 4 and fees from the case
histories, the registers, roll-ups over a government's bodies, and locking a published period.

Counting rules (annual-report-2021.md, domain/statistics/report.py) are applied in SQL over the
cases' derived columns (received, closed_on, report_row, applicant_kind): one query groups every
agency's cases by (agency, applicant column, result row) for the year. A roll-up is the sum of
the per-agency tables of the agency and every body under it.

Locking (lock_period): an agency's figures for a year are stored as published, together with
the cases it carried over (carried_out) and the highest case id at that moment. A locked year is
then always served from the stored figures. For the later years, facts recorded after the lock
but dated inside the locked period are counted in the first open year: a carried-over case
closed later with a back date counts as closed on the first day after the locked year; a case
registered after the lock with an earlier receipt date counts as received on that day (and, if
already closed, closed on it). So the next year's carried_in is exactly the locked carried_out
and every check still holds.

Who may (domain/policy.py RULES): reading a report (REPORT_READ, logged in the access log as
"report.read") — one's own agency, and for a head, supervisor or admin the bodies under it, so
a government's roll-up needs that; writing registers and narratives (STATS_WRITE,
services/stat_registers.py) — a clerk, head or admin of the agency itself; locking a year
(STATS_LOCK) — the agency's own head or admin, for the agency and the bodies under it. Every
use case is `use_case(cmd, uow, principal)` and runs in one transaction of the unit of work;
"this year" is the settings' legal today. The session-level functions (table3_by_agency, …)
are the queries behind them, for the benchmark and the tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping, Sequence

from sqlalchemy import and_, case, func, insert, literal_column, or_, select
from sqlalchemy.orm import Session

from .. import localtime
from ..domain.errors import InputError
from ..domain.identity import Principal
from ..domain.policy import Action, PermissionDenied, authorize
from ..domain.statistics.checks import CheckFailure, check_report, check_rollup
from ..domain.statistics.layout import APPLICANT_COLUMNS, TABLE2_KEYS
from ..domain.statistics.report import (AnnualReport, RemedyRecord, Table3, count_table4,
                                        empty_table3, from_json, roll_up, table2_from_cells,
                                        with_carried_in, with_totals, year_bounds)
from ..storage.models import AgencyRow, CaseEventRow, CaseRow
from ..storage.statistics_tables import (ConsultationRow, DisclosureCellRow, FeeRow, LockedCarryRow,
                                         LockedReportRow, NarrativeRow, UnlockRow)
from ..storage.uow import UnitOfWork
from . import access, directory

CASE_FEE_KIND = "processing"   # fees the cases collect themselves (fee_notice → fee_paid)


@dataclass(frozen=True)
class _Lock:
    id: int
    agency_id: int
    year: int
    max_case_id: int
    locked_at: dt.datetime
    figures: Mapping[str, Any]


def _locks(session: Session, year: int, agency_ids: Sequence[int] | None
           ) -> tuple[dict[int, _Lock], dict[int, _Lock]]:
    """(locked this year, latest lock of an earlier year) by agency id."""
    t = LockedReportRow.__table__
    q = select(t.c.id, t.c.agency_id, t.c.year, t.c.max_case_id, t.c.locked_at).where(t.c.year <= year)
    if agency_ids is not None:
        q = q.where(t.c.agency_id.in_(list(agency_ids)))
    this: dict[int, _Lock] = {}
    before: dict[int, _Lock] = {}
    rows = session.execute(q).all()
    figures_for = {r.id for r in rows if r.year == year}
    figures = dict(session.execute(select(t.c.id, t.c.figures).where(t.c.id.in_(figures_for))).all()) \
        if figures_for else {}
    for r in rows:
        lock = _Lock(r.id, r.agency_id, r.year, r.max_case_id, r.locked_at, figures.get(r.id, {}))
        if r.year == year:
            this[r.agency_id] = lock
        elif r.agency_id not in before or before[r.agency_id].year < r.year:
            before[r.agency_id] = lock
    return this, before


def _effective(lock_ids: Sequence[int] | None, boundary_year: int | None):
    """(FROM clause, effective receipt date, effective closing date) for counting.

    Without a lock the stored dates; after a locked year, facts recorded later but dated inside
    it move to the first day after it (see the module docstring)."""
    c = CaseRow.__table__
    if not lock_ids:
        return c, c.c.received, c.c.closed_on
    lk, carry = LockedReportRow.__table__, LockedCarryRow.__table__
    boundary = dt.date(boundary_year, 12, 31)
    first = dt.date(boundary_year + 1, 1, 1)
    frm = (c.join(lk, and_(lk.c.agency_id == c.c.agency_id, lk.c.id.in_(list(lock_ids))))
           .outerjoin(carry, and_(carry.c.case_id == c.c.id, carry.c.lock_id == lk.c.id)))
    late_registered = c.c.id > lk.c.max_case_id
    received = case((and_(c.c.received <= boundary, late_registered), first), else_=c.c.received)
    closed = case((and_(c.c.closed_on <= boundary, or_(carry.c.case_id.is_not(None), late_registered)),
                   first), else_=c.c.closed_on)
    return frm, received, closed


def _count_query(year: int, agency_ids: Sequence[int] | None, lock_ids: Sequence[int] | None = None,
                 boundary_year: int | None = None):
    """One GROUP BY: per (agency, applicant column, result row) the new, carried_in, result and
    carried_out counts of `year` (result row NULL for cases not closed in the year)."""
    c = CaseRow.__table__
    start, end = year_bounds(year)
    frm, received, closed = _effective(lock_ids, boundary_year)
    result_row = case((and_(closed >= start, closed <= end), c.c.report_row), else_=None)
    q = (select(c.c.agency_id, c.c.applicant_kind, result_row.label("result_row"),
                func.sum(case((received >= start, 1), else_=0)).label("new"),
                func.sum(case((received < start, 1), else_=0)).label("carried_in"),
                func.count().label("n"),
                func.sum(case((or_(closed.is_(None), closed > end), 1), else_=0)).label("carried_out"))
         .select_from(frm)
         .where(received <= end, or_(closed.is_(None), closed >= start))
         .group_by(c.c.agency_id, c.c.applicant_kind, literal_column("result_row")))
    if agency_ids is not None:
        q = q.where(c.c.agency_id.in_(list(agency_ids)))
    return q


def _fold(rows: Iterable[Any], tables: dict[int, Table3]) -> None:
    for agency_id, kind, row, new, carried_in, n, carried_out in rows:
        t = tables.get(agency_id)
        if t is None:
            t = tables[agency_id] = empty_table3()
        t["new"][kind] += int(new)
        t["carried_in"][kind] += int(carried_in)
        t["carried_out"][kind] += int(carried_out)
        if row is not None:
            t[row][kind] += int(n)


def table3_by_agency(session: Session, year: int, agency_ids: Sequence[int] | None = None
                     ) -> dict[int, Table3]:
    """Table 3 of `year` for each agency (None: every agency), counted in SQL; locked years
    come from their stored figures."""
    this, before = _locks(session, year, agency_ids)
    ids = list(agency_ids) if agency_ids is not None else \
        list(session.scalars(select(AgencyRow.id)))
    tables: dict[int, Table3] = {}
    plain = [a for a in ids if a not in this and a not in before]
    if plain:
        _fold(session.execute(_count_query(year, None if len(plain) == len(ids) and agency_ids is None
                                           else plain)).all(), tables)
    by_boundary: dict[int, list[_Lock]] = {}
    for a in ids:
        if a not in this and a in before:
            by_boundary.setdefault(before[a].year, []).append(before[a])
    for boundary_year, locks in sorted(by_boundary.items()):
        _fold(session.execute(_count_query(year, [lk.agency_id for lk in locks], [lk.id for lk in locks],
                                           boundary_year)).all(), tables)
    out: dict[int, Table3] = {}
    for a in ids:
        if a in this:
            out[a] = {r: dict(c) for r, c in this[a].figures["table3"].items()}
            continue
        t = with_totals(tables.get(a, empty_table3()))
        if a in before and before[a].year == year - 1:
            # the next year's carried_in comes from the locked figures
            locked_out = _locked_carried_out(session, before[a])
            t = with_carried_in(AnnualReport(year, "", table3=t), locked_out).table3
        out[a] = t
    return out


def _locked_carried_out(session: Session, lock: _Lock) -> dict[str, int]:
    figures = lock.figures or session.scalar(select(LockedReportRow.figures)
                                             .where(LockedReportRow.id == lock.id))
    return {col: int(figures["table3"]["carried_out"][col]) for col in APPLICANT_COLUMNS}


# ----- table 4, fees, registers ---------------------------------------------------------------

def table4_by_agency(session: Session, year: int, agency_ids: Sequence[int],
                     before: Mapping[int, _Lock] | None = None) -> dict[int, dict[str, dict[str, int]]]:
    """Table 4 from the `record_remedy` events (domain.statistics.report.count_table4 rules).
    A remedy recorded after a lock with a date inside the locked period counts as of the day
    after it."""
    e, c = CaseEventRow.__table__, CaseRow.__table__
    _start, end = year_bounds(year)
    q = (select(c.c.agency_id, e.c.case_id, e.c.data["kind"].as_string(), e.c.data["result"].as_string(),
                e.c.on, e.c.seq, e.c.recorded_at)
         .select_from(e.join(c, c.c.id == e.c.case_id))
         .where(e.c.kind == "record_remedy", e.c.on <= end, c.c.agency_id.in_(list(agency_ids))))
    records: dict[int, list[RemedyRecord]] = {a: [] for a in agency_ids}
    for agency_id, case_id, kind, result, on, seq, recorded_at in session.execute(q):
        lock = (before or {}).get(agency_id)
        if lock is not None and on <= dt.date(lock.year, 12, 31) and _aware(recorded_at) > _aware(lock.locked_at):
            on = dt.date(lock.year + 1, 1, 1)
        records[agency_id].append(RemedyRecord(case_id, kind, result, on, seq))
    return {a: count_table4(rs, year) for a, rs in records.items()}


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def fees_by_agency(session: Session, year: int, agency_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Fees collected in the year, in fen by kind: the cases' paid fees plus the fee register."""
    start, end = year_bounds(year)
    e, notice, c = CaseEventRow.__table__, CaseEventRow.__table__.alias("notice"), CaseRow.__table__
    out: dict[int, dict[str, int]] = {a: {} for a in agency_ids}
    q = (select(c.c.agency_id, notice.c.data)
         .select_from(e.join(c, c.c.id == e.c.case_id)
                      .join(notice, and_(notice.c.case_id == e.c.case_id, notice.c.kind == "fee_notice")))
         .where(e.c.kind == "fee_paid", e.c.on >= start, e.c.on <= end, c.c.agency_id.in_(list(agency_ids))))
    for agency_id, data in session.execute(q):
        # 2008 cost fees count under their kinds (search, copying, mailing); 109号 fees as processing
        parts = data.get("costs") or {CASE_FEE_KIND: data["amount"]}
        for kind, yuan in parts.items():
            out[agency_id][kind] = out[agency_id].get(kind, 0) + int(yuan) * 100
    f = FeeRow.__table__
    q = (select(f.c.agency_id, f.c.kind, func.sum(f.c.amount_fen))
         .where(f.c.on >= start, f.c.on <= end, f.c.agency_id.in_(list(agency_ids)))
         .group_by(f.c.agency_id, f.c.kind))
    for agency_id, kind, fen in session.execute(q):
        out[agency_id][kind] = out[agency_id].get(kind, 0) + int(fen)
    return out


def fee_notices_by_agency(session: Session, year: int, agency_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Section 六: the fee notices issued in the year (by the notice's date), as (count, total fen)."""
    start, end = year_bounds(year)
    e, c = CaseEventRow.__table__, CaseRow.__table__
    out = {a: (0, 0) for a in agency_ids}
    q = (select(c.c.agency_id, func.count(), func.sum(e.c.data["amount"].as_integer()))
         .select_from(e.join(c, c.c.id == e.c.case_id))
         .where(e.c.kind == "fee_notice", e.c.on >= start, e.c.on <= end, c.c.agency_id.in_(list(agency_ids)))
         .group_by(c.c.agency_id))
    for agency_id, n, yuan in session.execute(q):
        out[agency_id] = (int(n), int(yuan or 0) * 100)
    return out


def consultations_by_agency(session: Session, year: int, agency_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    start, end = year_bounds(year)
    t = ConsultationRow.__table__
    out: dict[int, dict[str, int]] = {a: {} for a in agency_ids}
    q = (select(t.c.agency_id, t.c.channel, func.sum(t.c.count))
         .where(t.c.on >= start, t.c.on <= end, t.c.agency_id.in_(list(agency_ids)))
         .group_by(t.c.agency_id, t.c.channel))
    for agency_id, channel, n in session.execute(q):
        out[agency_id][channel] = int(n)
    return out


def disclosure_by_agency(session: Session, year: int, agency_ids: Sequence[int]) -> dict[int, dict[str, Decimal]]:
    t = DisclosureCellRow.__table__
    out: dict[int, dict[str, Decimal]] = {a: {} for a in agency_ids}
    q = select(t.c.agency_id, t.c.key, t.c.value).where(t.c.year == year, t.c.agency_id.in_(list(agency_ids)))
    for agency_id, key, value in session.execute(q):
        out[agency_id][key] = Decimal(value)
    return out


def narratives_by_agency(session: Session, year: int, agency_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    t = NarrativeRow.__table__
    out: dict[int, dict[str, str]] = {a: {} for a in agency_ids}
    q = select(t.c.agency_id, t.c.section, t.c.text).where(t.c.year == year, t.c.agency_id.in_(list(agency_ids)))
    for agency_id, section, text in session.execute(q):
        out[agency_id][section] = text
    return out


def _table2_cells(cells: Mapping[str, Decimal]) -> dict[str, Any]:
    return {k: (v if k == "fees.amount_10k_yuan" else int(v)) for k, v in cells.items() if k in TABLE2_KEYS}


def _legacy_items(cells: Mapping[str, Decimal]) -> dict[str, int]:
    return {k.split(".", 1)[1]: int(v) for k, v in cells.items() if k.startswith("items.")}


# ----- whole reports --------------------------------------------------------------------------

@dataclass
class ReportSet:
    """Every agency's own report for a year, the roll-ups, and what the checks found."""

    year: int
    own: dict[str, AnnualReport] = field(default_factory=dict)      # by agency code
    rollups: dict[str, AnnualReport] = field(default_factory=dict)  # agencies with bodies under them
    failures: list[CheckFailure] = field(default_factory=list)

    def report(self, code: str, rollup: bool = False) -> AnnualReport:
        return (self.rollups if rollup else self.own)[code]


@dataclass(frozen=True)
class BuildReports:
    """Every report of `year` for `root` and every body under it (None: every agency)."""

    year: int
    root: str | None = None
    check: bool = True


@dataclass(frozen=True)
class ReadReport:
    """One report: an agency's own, or its roll-up (the agency and every body under it).
    No agency: the acting person's own agency (the scheduler: the only top-level one)."""

    year: int
    agency: str | None = None
    rollup: bool = False


YEAR_RULE = "年度须在2008年至今年之间"
READ = "report.read"  # the access log's action for every report read


def check_year(year: Any, today: dt.date) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not 2008 <= year <= today.year:
        raise InputError("year", YEAR_RULE, f"无效的年度 {year}")
    return year


def _agencies(session: Session) -> dict[int, AgencyRow]:
    return {r.id: r for r in session.scalars(select(AgencyRow))}


def _authorize_read(uow: UnitOfWork, principal: Principal, ids: Sequence[int],
                    by_id: Mapping[int, AgencyRow]) -> None:
    """Every agency whose figures the read shows: a roll-up needs each body under it (REPORT_READ:
    one's own agency; a head, supervisor or admin also the bodies under it)."""
    for a in ids:
        authorize(principal, Action.REPORT_READ, uow.directory.agency_path(a), by_id[a].code)


def _target(year: int, rollup: bool = False, what: str = "") -> str:
    return f"{year}{' rollup' if rollup else ''}{what}"


def _logged_read(uow: UnitOfWork, principal: Principal, work: Callable[[dict[str, Any]], Any]) -> Any:
    """Run a read in one transaction; a refusal is logged (in a transaction of its own) and raised."""
    refused: dict[str, Any] = {}
    try:
        with uow:
            return work(refused)
    except PermissionDenied:
        access.record_refused(uow, principal, READ, outcome="refused", **refused)
        raise


def build_reports(cmd: BuildReports, uow: UnitOfWork, principal: Principal) -> ReportSet:
    """Reports of the year for the root and every body under it (None: every agency), each
    agency's own figures, the roll-up of every agency that has bodies under it, every check run.
    The person must be allowed to read the report of every agency included."""

    def work(refused: dict[str, Any]) -> ReportSet:
        session = uow.session
        year = check_year(cmd.year, uow.settings.legal_today())
        by_id = _agencies(session)
        if cmd.root is not None:
            root = directory.agency(session, cmd.root)
            refused["agency_id"] = root.id
            ids, roots = directory.subtree_ids(session, root), [root.id]
        else:
            ids = sorted(by_id)
            roots = [a for a in ids if by_id[a].parent_id is None]
        target = _target(year, what=" all")
        refused["target"] = target
        _authorize_read(uow, principal, ids, by_id)
        out = _build(session, year, ids, by_id, check=cmd.check, everything=cmd.root is None)
        for a in roots:
            access.record(uow, principal, READ, agency_id=a, target=target)
        return out

    return _logged_read(uow, principal, work)


def report_for(cmd: ReadReport, uow: UnitOfWork, principal: Principal
               ) -> tuple[AnnualReport, list[CheckFailure]]:
    """One report and what its checks found: an agency's own (its own figures only), or its
    roll-up (the agency and every body under it: the person must be allowed to read them all)."""

    def work(refused: dict[str, Any]) -> tuple[AnnualReport, list[CheckFailure]]:
        session = uow.session
        year = check_year(cmd.year, uow.settings.legal_today())
        by_id = _agencies(session)
        if cmd.agency:
            row = directory.agency(session, cmd.agency)
        elif principal.agency_id in by_id:
            row = by_id[principal.agency_id]
        else:
            row = directory.agency(session, _only_root(session))
        refused.update(agency_id=row.id, target=_target(year, cmd.rollup))
        ids = directory.subtree_ids(session, row) if cmd.rollup else [row.id]
        _authorize_read(uow, principal, ids, by_id)
        reports = _build(session, year, ids, by_id, check=True)
        access.record(uow, principal, READ, agency_id=row.id, target=_target(year, cmd.rollup))
        code = row.code
        if cmd.rollup and code not in reports.rollups:
            return (roll_up([reports.own[code]], year=year, agency=row.name, agency_code=code,
                            narrative=reports.own[code].narrative), reports.failures)
        return reports.report(code, cmd.rollup), reports.failures

    return _logged_read(uow, principal, work)


def _build(session: Session, year: int, ids: Sequence[int], by_id: Mapping[int, AgencyRow], *,
           check: bool = True, everything: bool = False) -> ReportSet:
    """The reports of `year` for the agencies `ids` (everything: every agency there is)."""
    ids = list(ids)
    this, before = _locks(session, year, ids)
    t3 = table3_by_agency(session, year, None if everything else ids)
    open_ids = [a for a in ids if a not in this]
    t4 = table4_by_agency(session, year, open_ids, before) if open_ids else {}
    fees = fees_by_agency(session, year, open_ids) if open_ids else {}
    notices = fee_notices_by_agency(session, year, open_ids) if open_ids else {}
    cons = consultations_by_agency(session, year, open_ids) if open_ids else {}
    disc = disclosure_by_agency(session, year, open_ids) if open_ids else {}
    narr = narratives_by_agency(session, year, ids)
    out = ReportSet(year)
    for a in ids:
        row = by_id[a]
        if a in this:
            rep = replace(from_json(this[a].figures), locked=True)
        else:
            rep = AnnualReport(year, row.name, row.code, table2=table2_from_cells(_table2_cells(disc[a])),
                               table3=t3[a], table4=t4[a], fees_fen=fees[a], consultations=cons[a],
                               fee_notices=notices[a][0], fee_notices_fen=notices[a][1],
                               legacy_items=_legacy_items(disc[a]), narrative=narr[a])
        out.own[row.code] = rep
    members_of = set(ids)
    children: dict[int, list[int]] = {}
    for a in ids:
        p = by_id[a].parent_id
        if p is not None and p in members_of:
            children.setdefault(p, []).append(a)
    for a in ids:
        if a not in children:
            continue
        members = _subtree(a, children)
        row = by_id[a]
        parts = [out.own[by_id[m].code] for m in sorted(members, key=lambda m: by_id[m].code)]
        out.rollups[row.code] = roll_up(parts, year=year, agency=row.name, agency_code=row.code,
                                        narrative=narr[a])
    if check:
        out.failures = _check_all(session, out, ids, by_id, children)
    return out


def _subtree(a: int, children: Mapping[int, list[int]]) -> list[int]:
    out, todo = [], [a]
    while todo:
        x = todo.pop()
        out.append(x)
        todo.extend(children.get(x, []))
    return out


def _check_all(session: Session, out: ReportSet, ids: Sequence[int], by_id: Mapping[int, AgencyRow],
               children: Mapping[int, list[int]]) -> list[CheckFailure]:
    """The checks of annual-report-2021.md on every report, carried_in against last year's
    carried_out (stored or counted), and each roll-up against the sum of its parts."""
    failures: list[CheckFailure] = []
    prev_t3 = table3_by_agency(session, out.year - 1, ids) if out.year > 2008 else {}
    for a in ids:
        code = by_id[a].code
        rep = out.own[code].to_json()
        prev = {"year": out.year - 1, "table3": prev_t3[a]} if a in prev_t3 else None
        failures.extend(check_report(rep, prev))
    for code, rollup in out.rollups.items():
        a = next(i for i in ids if by_id[i].code == code)
        members = _subtree(a, children)
        prev = None
        if prev_t3:
            tables = [prev_t3[m] for m in members]
            prev = {"year": out.year - 1,
                    "table3": {r: {c: sum(t[r][c] for t in tables) for c in tables[0][r]} for r in tables[0]}}
        failures.extend(check_report(rollup.to_json(), prev))
        failures.extend(check_rollup(rollup.to_json(), [out.own[by_id[m].code].to_json() for m in members]))
    return failures


def _only_root(session: Session) -> str:
    roots = list(session.scalars(select(AgencyRow.code).where(AgencyRow.parent_id.is_(None))))
    if len(roots) != 1:
        raise InputError("agency", "有多个（或没有）最上级机关时须用 --agency 指明机关",
                         f"最上级机关：{'、'.join(roots) or '无'}")
    return roots[0]


# ----- locking --------------------------------------------------------------------------------

@dataclass(frozen=True)
class LockPeriod:
    """Lock a finished year for an agency and every body under it."""

    year: int
    agency: str


@dataclass(frozen=True)
class LockInfo:
    year: int
    locked_by: str      # the staff member
    operator: str       # through whom (os:<user>, token:<code>, prefect:<run>)
    locked_at: dt.datetime


def _lock_target(uow: UnitOfWork, principal: Principal, agency: str, year: Any) -> tuple[AgencyRow, int]:
    """The agency whose year is locked or opened (its own head or admin: Action.STATS_LOCK) and
    the year, checked."""
    root = directory.agency(uow.session, agency)
    authorize(principal, Action.STATS_LOCK, uow.directory.agency_path(root.id), root.code)
    if isinstance(year, bool) or not isinstance(year, int) or year < 2008:
        raise InputError("year", YEAR_RULE, f"无效的年度 {year}")
    return root, year


def lock_period(cmd: LockPeriod, uow: UnitOfWork, principal: Principal) -> list[str]:
    """Lock the year for the agency and every body under it (those already locked stay as they
    are), in one transaction, recording who (and through whom). Only the agency's own head or
    admin may (Action.STATS_LOCK). Refused when the figures fail a check, or when a later year is
    already locked. Returns the codes newly locked."""
    with uow:
        session = uow.session
        root, year = _lock_target(uow, principal, cmd.agency, cmd.year)
        if year >= uow.settings.legal_today().year:
            raise InputError("year", "只能锁定已结束的年度", f"{year}年尚未结束")
        ids = directory.subtree_ids(session, root)
        later = session.execute(select(AgencyRow.code, LockedReportRow.year)
                                .join(AgencyRow, AgencyRow.id == LockedReportRow.agency_id)
                                .where(LockedReportRow.agency_id.in_(ids), LockedReportRow.year > year)).first()
        if later is not None:
            raise InputError("year", "须按年度顺序锁定：已锁定更晚年度后不能再锁定更早年度",
                             f"{later[0]} 已锁定 {later[1]} 年")
        by_id = _agencies(session)
        reports = _build(session, year, ids, by_id, check=True)
        if reports.failures:
            raise InputError("year", "数字未通过年度报告核对的不能锁定", reports.failures[0].text())
        this, before = _locks(session, year, ids)
        max_case_id = session.scalar(select(func.max(CaseRow.id))) or 0
        now = localtime.now()
        done = []
        for a in ids:
            if a in this:
                continue
            code = by_id[a].code
            figures = replace(reports.own[code], locked=True).to_json()
            lock = LockedReportRow(agency_id=a, year=year, figures=figures, max_case_id=max_case_id,
                                   locked_by=principal.code, operator=principal.operator[:80], locked_at=now)
            session.add(lock)
            session.flush()
            _store_carry(session, lock.id, a, year, before.get(a))
            carried = session.scalar(select(func.count()).select_from(LockedCarryRow)
                                     .where(LockedCarryRow.lock_id == lock.id))
            if carried != figures["table3"]["carried_out"]["total"]:  # the same rules, counted twice
                raise RuntimeError(f"{code} {year}: {carried} carried-over cases stored, "
                                   f"{figures['table3']['carried_out']['total']} counted")
            done.append(code)
        return done


UNLOCK_REASON_RULE = "解锁年度数据须写明理由（5–500字），如更正已公开报告中的错误"


@dataclass(frozen=True)
class UnlockPeriod:
    """Open a locked year again for an agency and every body under it, with the reason."""

    year: int
    agency: str
    reason: str


def unlock_period(cmd: UnlockPeriod, uow: UnitOfWork, principal: Principal) -> list[str]:
    """Open the locked year of the agency and every body under it, in one transaction: the
    agency's own head or admin (Action.STATS_LOCK, "锁定或解锁"), with a reason. Each released
    lock is kept in stat_unlocks — who locked it and when, who opened it, through whom, when,
    why, and the figures as published — so what was published stays on record. Refused when a
    later year is locked (unlock in reverse order: the later year counted on this one's
    carry-over). Returns the codes opened."""
    with uow:
        session = uow.session
        root, year = _lock_target(uow, principal, cmd.agency, cmd.year)
        reason = (cmd.reason or "").strip() if isinstance(cmd.reason, str) else ""
        if not 5 <= len(reason) <= 500:
            raise InputError("reason", UNLOCK_REASON_RULE, "未填写理由" if not reason else f"共 {len(reason)} 字")
        ids = directory.subtree_ids(session, root)
        locks = list(session.scalars(select(LockedReportRow).where(LockedReportRow.agency_id.in_(ids),
                                                                   LockedReportRow.year == year)))
        if not locks:
            raise InputError("year", "只能解锁已锁定的年度", f"{root.code} 及下级机关均未锁定{year}年")
        later = session.execute(select(AgencyRow.code, LockedReportRow.year)
                                .join(AgencyRow, AgencyRow.id == LockedReportRow.agency_id)
                                .where(LockedReportRow.agency_id.in_(ids), LockedReportRow.year > year)).first()
        if later is not None:
            raise InputError("year", "须按年度倒序解锁：更晚年度已锁定的，先解锁更晚年度",
                             f"{later[0]} 已锁定 {later[1]} 年")
        by_id = _agencies(session)
        now = localtime.now()
        done = []
        for lock in sorted(locks, key=lambda x: by_id[x.agency_id].code):
            session.add(UnlockRow(agency_id=lock.agency_id, year=year, figures=lock.figures,
                                  locked_by=lock.locked_by, locked_operator=lock.operator or "",
                                  locked_at=lock.locked_at, unlocked_by=principal.code,
                                  operator=principal.operator[:80], unlocked_at=now, reason=reason))
            session.execute(LockedCarryRow.__table__.delete().where(LockedCarryRow.lock_id == lock.id))
            session.delete(lock)
            done.append(by_id[lock.agency_id].code)
        session.flush()
        return done


@dataclass(frozen=True)
class UnlockInfo:
    year: int
    locked_by: str
    locked_at: dt.datetime
    unlocked_by: str
    operator: str
    unlocked_at: dt.datetime
    reason: str


def unlocks(agency: str, uow: UnitOfWork, principal: Principal) -> list[UnlockInfo]:
    """The agency's years opened again, newest first (a report read: REPORT_READ)."""
    with uow:
        row = directory.agency(uow.session, agency)
        authorize(principal, Action.REPORT_READ, uow.directory.agency_path(row.id), row.code)
        return [UnlockInfo(r.year, r.locked_by, localtime.as_local(r.locked_at), r.unlocked_by, r.operator,
                           localtime.as_local(r.unlocked_at), r.reason)
                for r in uow.session.scalars(select(UnlockRow).where(UnlockRow.agency_id == row.id)
                                             .order_by(UnlockRow.unlocked_at.desc(), UnlockRow.id.desc()))]


def _store_carry(session: Session, lock_id: int, agency_id: int, year: int, previous: _Lock | None) -> None:
    """Store the cases carried out of the locked year, set-wise (INSERT … SELECT)."""
    c = CaseRow.__table__
    _start, end = year_bounds(year)
    if previous is None:
        frm, received, closed = _effective(None, None)
    else:
        frm, received, closed = _effective([previous.id], previous.year)
    q = (select(literal_column(str(int(lock_id))), c.c.id, c.c.applicant_kind).select_from(frm)
         .where(c.c.agency_id == agency_id, received <= end, or_(closed.is_(None), closed > end)))
    session.execute(insert(LockedCarryRow.__table__).from_select(["lock_id", "case_id", "applicant_kind"], q))


def locked_years(agency: str, uow: UnitOfWork, principal: Principal) -> list[LockInfo]:
    """The agency's locked years with who locked them (a report read: REPORT_READ, logged)."""

    def work(refused: dict[str, Any]) -> list[LockInfo]:
        session = uow.session
        row = directory.agency(session, agency)
        refused.update(agency_id=row.id, target="locks")
        authorize(principal, Action.REPORT_READ, uow.directory.agency_path(row.id), row.code)
        out = [LockInfo(r.year, r.locked_by, r.operator, localtime.as_local(r.locked_at)) for r in session.scalars(
            select(LockedReportRow).where(LockedReportRow.agency_id == row.id).order_by(LockedReportRow.year))]
        access.record(uow, principal, READ, agency_id=row.id, target="locks")
        return out

    return _logged_read(uow, principal, work)
