"""The deadline sweep: raise and clear alerts set-wise in SQL, and close lapsed windows.

One sweep, for a legal day `today`:

1. Automatic closes. The cases whose correction window or fee-payment window ended before
   today are found with one indexed query each; each is then closed through
   services.cases.step (`correction_lapsed` / `fee_lapsed`, one transaction per case, request id
   derived from the case and the move, so a rerun closes nothing twice) by the agency's system
   actor, so that it gets its event and its notice like any other step.
2. Alerts, in ONE transaction, set-wise in SQL (no case is looked at in Python). The rules of
   domain/alerts.py become range predicates on the indexed date columns of `cases`, with the
   thresholds (today, and the last "due soon" day per lead time N) computed once in Python.
   Alerts are raised by INSERT … SELECT … ON CONFLICT DO NOTHING against the partial unique
   index (agency, case, kind, level) WHERE cleared_at IS NULL, so no sweep raises an open alert
   twice; they are cleared by UPDATE (`closed` when the case was closed, else `changed`).

   Full mode (the first sweep, a sweep of some agencies, after a change of calendar version or
   alert settings, a day earlier than the last sweep, or `full=True`): one UPDATE … FROM cases
   clears every open alert that no longer holds for its case, then one INSERT per rule raises
   every alert that holds and is not open.

   Incremental mode (the daily run, after a complete sweep of every agency) reads only what can
   have changed since the last sweep:
   a. the cases with history events the last sweep may not have seen (`_changed_since`), read
      once into a temporary table, are treated as in full mode;
   b. every other case changed only by the date. The open alerts whose level no longer follows
      from their own stored date (soon → today → overdue) are cleared straight from a small
      partial index on alerts (`ix_alerts_escalating_due`), without reading cases; the alerts
      to raise are read from the date bands whose level moved between the two sweep days
      (reply_due in [T0, T1] or (D0, D1], the other dates in [T0, T1]).
   A re-run on the same day has no bands: it costs the changed cases and a few statements.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from sqlalchemy import (Column, Date, Integer, MetaData, Table, and_, any_, case, cast, func, literal,
                        literal_column, not_, or_, select, text, true, union_all, update)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from .. import localtime
from ..domain import alerts as A
from ..domain.case import MOVE_LABELS, Role, State
from ..domain.errors import FoiError, InputError
from ..domain.settings import AgencySettings
from ..storage import db
from ..storage.alert_tables import ESCALATING, AlertRow, AlertSweepRow
from ..storage.models import AgencyRow, CaseEventRow, CaseRow, StaffRow
from . import cases as case_service
from . import directory

SYSTEM_NAME = "系统（期限督办）"
DEFAULT_N = AgencySettings().alert_working_days


# ----- the system actor --------------------------------------------------------------------------

def system_code(agency: AgencyRow) -> str:
    code = f"system-{agency.code}"
    return code if len(code) <= 40 else f"system-{agency.id}"


def system_actor(session: Session, agency: AgencyRow) -> str:
    """The agency's system actor (staff of role admin, created on first use): its staff code.

    It makes the moves the sweep and the calendar recompute make (domain/case.py allows admin
    for correction_lapsed, fee_lapsed and dates_recomputed only), so the history says who.
    """
    code = system_code(agency)
    row = session.scalar(select(StaffRow).where(StaffRow.code == code))
    if row is None:
        session.add(StaffRow(code=code, name=SYSTEM_NAME, role=Role.ADMIN.value,
                             agency_id=agency.id, active=True))
        session.flush()
    elif row.role != Role.ADMIN.value or row.agency_id != agency.id or not row.active:
        raise InputError("staff", "系统账户代码为 system-<机关代码>，须为本机关在职的管理员角色",
                         f"工作人员“{code}”已被占用")
    return code


def system_actors(agency_ids: Iterable[int], url: str | None = None) -> dict[int, str]:
    """System actor codes for these agencies (one short transaction)."""
    ids = sorted(set(agency_ids))
    if not ids:
        return {}
    with db.session_scope(url) as session:
        rows = session.scalars(select(AgencyRow).where(AgencyRow.id.in_(ids))).all()
        return {r.id: system_actor(session, r) for r in rows}


# ----- results -----------------------------------------------------------------------------------

@dataclass
class AutoClose:
    case_id: int
    case_no: str
    agency_id: int
    agency: str
    kind: str
    move: str
    ok: bool
    outcome: str | None = None
    error: str | None = None
    notice: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "move_label": MOVE_LABELS[self.move]}


@dataclass
class SweepResult:
    today: dt.date
    sweep_id: int | None = None
    mode: str = ""
    calendar_version: str = ""
    raised: dict[str, int] = field(default_factory=dict)  # "kind/level" -> count
    cleared: int = 0
    auto_closed: list[AutoClose] = field(default_factory=list)
    skipped: str | None = None

    @property
    def raised_total(self) -> int:
        return sum(self.raised.values())

    def to_dict(self) -> dict[str, Any]:
        return {"today": self.today.isoformat(), "sweep_id": self.sweep_id, "mode": self.mode,
                "calendar_version": self.calendar_version, "raised": self.raised,
                "raised_total": self.raised_total, "cleared": self.cleared,
                "auto_closed": [a.to_dict() for a in self.auto_closed], "skipped": self.skipped}


# ----- scope and thresholds ----------------------------------------------------------------------

def scope_ids(session: Session, agencies: Iterable[str] | None) -> list[int] | None:
    """Agency ids of the given codes and every body under them; None = all agencies."""
    if not agencies:
        return None
    out: set[int] = set()
    for code in agencies:
        out.update(directory.subtree_ids(session, directory.agency(session, code)))
    return sorted(out)


@dataclass(frozen=True)
class Thresholds:
    """The day of the sweep and, per alert lead time N in use, the last day of "due soon"."""

    today: dt.date
    default_n: int
    n_by_agency: dict[int, int]       # agencies whose N is not the default
    until: dict[int, dt.date]         # N -> soon_until(today, N)

    def groups(self) -> list[tuple[int, list[int] | None, list[int]]]:
        """(N, agency ids with it, or None for "every other agency", ids to leave out)."""
        by_n: dict[int, list[int]] = {}
        for agency_id, n in sorted(self.n_by_agency.items()):
            by_n.setdefault(n, []).append(agency_id)
        others = sorted(self.n_by_agency)
        return [(self.default_n, None, others)] + [(n, ids, []) for n, ids in sorted(by_n.items())]

    def as_json(self) -> dict[str, Any]:
        return {"default_n": self.default_n,
                "n_by_agency": {str(k): v for k, v in sorted(self.n_by_agency.items())},
                "until": {str(n): d.isoformat() for n, d in sorted(self.until.items())}}


def thresholds(session: Session, calendar, today: dt.date) -> Thresholds:
    n_by_agency = {}
    for agency_id, settings in session.execute(select(AgencyRow.id, AgencyRow.settings)):
        n = AgencySettings(**(settings or {})).alert_working_days
        if n != DEFAULT_N:
            n_by_agency[agency_id] = n
    ns = {DEFAULT_N, *n_by_agency.values()}
    return Thresholds(today, DEFAULT_N, n_by_agency,
                      {n: A.soon_until(calendar, today, n) for n in sorted(ns)})


# ----- the SQL ---------------------------------------------------------------------------------
# The functions below take `c`, the cases to read: the cases table itself, or the temporary
# table of the cases with new events (CHANGED: the same column names).

CASES = CaseRow.__table__
ALERTS = AlertRow.__table__
# the partial unique index (agency, case, kind, level) WHERE open arbitrates every INSERT below
_ARBITER = dict(index_elements=[ALERTS.c.agency_id, ALERTS.c.case_id, ALERTS.c.kind, ALERTS.c.level],
                index_where=ALERTS.c.cleared_at.is_(None))
_RAISE_COLUMNS = ["case_id", "agency_id", "kind", "level", "due", "reason", "sweep_id", "raised_on",
                  "raised_at"]
_RULE_COLUMNS = ("id", "agency_id", "state", "provisional",
                 *sorted({r.column for r in A.RULES}))


def _states(rule: A.AlertRule, c=CASES):
    values = [s.value for s in rule.states]
    return c.c.state == values[0] if len(values) == 1 else c.c.state.in_(values)


def _level_tests(rule: A.AlertRule, d, today, until) -> list[tuple[A.Level, Any]]:
    """(level, SQL test on the date d) for each dated level of the rule: domain.alerts.level_for."""
    tests = {A.Level.OVERDUE: d < today, A.Level.ENDED: d < today, A.Level.TODAY: d == today,
             A.Level.SOON: and_(d > today, d <= until)}
    return [(lvl, tests[lvl]) for lvl in rule.levels if lvl in tests]


def _upper(rule: A.AlertRule, col, today, until):
    """The range predicate that bounds the rule's candidates on its indexed date column."""
    if A.Level.SOON in rule.levels:
        return col <= until
    if A.Level.TODAY in rule.levels:
        return col <= today
    return col < today


def _until_by_agency(th: Thresholds, agency_id):
    """The last "due soon" day of the agency in column agency_id (a literal when N is common)."""
    default = literal(th.until[th.default_n], Date)
    groups = [(n, ids) for n, ids, _leave in th.groups() if ids]
    if not groups:
        return default
    return case(*[(agency_id.in_(ids), literal(th.until[n], Date)) for n, ids in groups],
                else_=default)


def _rule_selects(rule: A.AlertRule, th: Thresholds, c=CASES, where=(), band=None) -> list:
    """SELECT case_id, agency_id, kind, level, due, reason: the alerts this rule raises today.

    One SELECT per alert lead time N in use (range predicates on the rule's indexed date column).
    `where` narrows the candidates (the agency scope); `band(rule, col, n)` (the daily sweep)
    keeps only the dates whose level may have changed since the last sweep.
    """
    col, today = c.c[rule.column], literal(th.today, Date)
    out = []
    groups = th.groups() if A.Level.SOON in rule.levels else [(th.default_n, None, [])]
    for n, only, leave_out in groups:
        until = literal(th.until[n], Date)
        if rule.kind == A.Kind.PROVISIONAL:
            if band is not None:  # the flag does not depend on the day: only events change it
                return []
            cond = [_states(rule, c), c.c.provisional.is_(True)]
            level, why = literal(A.Level.INFO.value), literal(A.reason(rule.kind, A.Level.INFO, n))
        else:
            tests = _level_tests(rule, col, today, until)
            cond = [_states(rule, c), _upper(rule, col, today, until)]
            if band is not None:
                cond.append(band(rule, col, n))
            if len(tests) > 1:
                level = case(*[(t, lvl.value) for lvl, t in tests])
                why = case(*[(t, A.reason(rule.kind, lvl, n)) for lvl, t in tests])
            else:
                level = literal(tests[0][0].value)
                why = literal(A.reason(rule.kind, tests[0][0], n))
        if only is not None:
            cond.append(c.c.agency_id.in_(only))
        if leave_out:
            cond.append(c.c.agency_id.not_in(leave_out))
        out.append(select(c.c.id.label("case_id"), c.c.agency_id.label("agency_id"),
                          literal(rule.kind.value).label("kind"), level.label("level"),
                          col.label("due"), why.label("reason"))
                   .where(*cond, *where))
    return out


def _level_holds(rule: A.AlertRule, th: Thresholds):
    """SQL on an alerts row of this rule's kind: its level is the one its date has today."""
    a = ALERTS.c
    if rule.kind == A.Kind.PROVISIONAL:
        return a.level == A.Level.INFO.value
    tests = _level_tests(rule, a.due, literal(th.today, Date), _until_by_agency(th, a.agency_id))
    return or_(*[and_(a.level == lvl.value, t) for lvl, t in tests])


def _still_holds(th: Thresholds, c=CASES):
    """SQL on an open alert joined to its case: it still holds today (the same kind, the case in
    a state its rule watches, the same date, and the level that date has today)."""
    a = ALERTS.c
    out = []
    for rule in A.RULES:
        # null-safe: a date that became NULL (answer recorded, period paused) must read as "no"
        same_date = c.c[rule.column].is_not_distinct_from(a.due)
        if rule.kind == A.Kind.PROVISIONAL:
            same_date = and_(c.c.provisional.is_(True), same_date)
        out.append(and_(a.kind == rule.kind.value, _states(rule, c), same_date, _level_holds(rule, th)))
    return or_(*out)


def _escalated(th: Thresholds, since: dt.date):
    """SQL on alerts alone: an open alert dated in [since, today] whose level no longer follows
    from its date (soon → today → overdue as the days pass)."""
    a = ALERTS.c
    dated = [r for r in A.RULES if A.Level.TODAY in r.levels or A.Level.SOON in r.levels]
    return and_(ESCALATING, a.due >= literal(since, Date), a.due <= literal(th.today, Date),
                or_(*[and_(a.kind == r.kind.value, not_(_level_holds(r, th))) for r in dated]))


def _insert(session: Session):
    """INSERT … ON CONFLICT DO NOTHING on the open-alert unique index, in the dialect at hand."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(ALERTS)


def _raise(session: Session, selects: list, sweep: AlertSweepRow, now: dt.datetime) -> Counter:
    """Store the selected alerts not open yet: INSERT … SELECT … ON CONFLICT DO NOTHING (the
    unique index skips an alert already open, so no sweep raises anything twice). Several
    SELECTs go in as one UNION ALL (e.g. every rule over the cases with new events).
    Returns how many were raised per "kind/level" (counted by the database on PostgreSQL)."""
    if not selects:
        return Counter()
    stamp = (literal(sweep.id, Integer), literal(sweep.today, Date),
             literal(now, ALERTS.c.raised_at.type))
    if len(selects) == 1:
        rows = selects[0].add_columns(*stamp)
    else:  # "WHERE true": SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT
        u = union_all(*selects).subquery()
        rows = select(*u.c, *stamp).where(true())
    stmt = (_insert(session).from_select(_RAISE_COLUMNS, rows).on_conflict_do_nothing(**_ARBITER)
            .returning(ALERTS.c.kind, ALERTS.c.level))
    if session.get_bind().dialect.name == "postgresql":  # count in the database, send 8 rows
        ins = stmt.cte("raised")
        counts = select(ins.c.kind, ins.c.level, func.count()).group_by(ins.c.kind, ins.c.level)
        return Counter({f"{k}/{lvl}": n for k, lvl, n in session.execute(counts)})
    return Counter(f"{k}/{lvl}" for k, lvl in session.execute(stmt))


def _clear(session: Session, stmt, sweep: AlertSweepRow, now: dt.datetime, reason) -> int:
    stmt = (stmt.values(cleared_at=now, cleared_on=sweep.today, cleared_reason=reason)
            .execution_options(synchronize_session=False))
    n = session.execute(stmt).rowcount
    if n is None or n < 0:  # e.g. a driver that cannot count a WITH … UPDATE: never guess
        raise RuntimeError("the database did not report how many alerts were cleared")
    return n


def _clear_not_holding(session: Session, th: Thresholds, sweep: AlertSweepRow, now: dt.datetime,
                       c=CASES, where=()) -> int:
    """Clear the open alerts of the cases in `c` that no longer hold: one UPDATE … FROM `c`,
    joined on (agency, case), the prefix of the open-alert index; `closed` when the case was
    closed, else `changed`."""
    stmt = (update(ALERTS)
            .where(ALERTS.c.agency_id == c.c.agency_id, ALERTS.c.case_id == c.c.id,
                   ALERTS.c.cleared_at.is_(None), not_(_still_holds(th, c)), *where))
    return _clear(session, stmt, sweep, now,
                  case((c.c.state == State.CLOSED.value, "closed"), else_="changed"))


def _band(prev: AlertSweepRow, th: Thresholds):
    """band(rule, col, n): the dates whose level can differ between the last sweep and today."""
    t0, t1 = literal(prev.today, Date), literal(th.today, Date)

    def band(rule: A.AlertRule, col, n: int):
        if A.Level.SOON in rule.levels:
            d0 = literal(dt.date.fromisoformat(prev.thresholds["until"][str(n)]), Date)
            return or_(and_(col >= t0, col <= t1), and_(col > d0, col <= literal(th.until[n], Date)))
        if A.Level.TODAY in rule.levels:
            return and_(col >= t0, col <= t1)
        return and_(col >= t0, col < t1)
    return band


# The rule columns of the cases with history events since the last sweeps, read once into a
# temporary table for the two statements that use them (with fresh statistics, the planner
# probes the alerts index for a few cases and hash-joins for a busy day's tens of thousands).
CHANGED = Table("sweep_changed", MetaData(),
                *[Column(n, CASES.c[n].type, primary_key=(n == "id")) for n in _RULE_COLUMNS],
                prefixes=["TEMPORARY"], postgresql_on_commit="DROP")


def _load_changed(session: Session, changed) -> int:
    """Fill the temporary table with the cases that have the events `changed` selects; with
    statistics, so that both databases drive the joins from the smaller side. How many."""
    conn = session.connection()
    CHANGED.create(conn)
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:  # id = ANY(array): the primary key is walked in order, the heap read in order
        ids = select(func.array_agg(CaseEventRow.case_id)).where(changed).scalar_subquery()
        wanted = CASES.c.id == any_(cast(ids, ARRAY(Integer)))
    else:         # SQLite walks an IN (SELECT …) list in order by itself
        wanted = CASES.c.id.in_(select(CaseEventRow.case_id).where(changed))
    rows = select(*[CASES.c[n] for n in _RULE_COLUMNS]).where(wanted)
    n = session.execute(CHANGED.insert().from_select(list(_RULE_COLUMNS), rows)).rowcount
    if n:  # temporary tables are never analyzed by themselves
        session.execute(text(f"ANALYZE {'' if postgres else 'temp.'}{CHANGED.name}"))
    return n


def _event_mark(session: Session) -> tuple[int, str | None]:
    """The last history event this sweep can see and, on PostgreSQL, the oldest transaction
    still in progress in the same snapshot (its events may carry lower ids and commit later)."""
    if session.get_bind().dialect.name == "postgresql":
        mark, xmin = session.execute(text(
            "SELECT coalesce(max(id), 0), pg_snapshot_xmin(pg_current_snapshot())::text "
            "FROM case_events")).one()
        return mark, xmin
    return session.scalar(select(func.coalesce(func.max(CaseEventRow.id), 0))) or 0, None


def _changed_since(session: Session, last: list[AlertSweepRow]):
    """SQL on case_events: the events the last sweep may not have seen.

    SQLite lets one writer commit at a time, so every event the last sweep could not see has a
    higher id than its mark. On PostgreSQL a transaction in progress at the last sweep's
    snapshot may have taken a lower id and committed later: the events after the mark of the
    sweep before, written by a transaction no older than the oldest then in progress (its
    xmin), are read again (an overlap that is empty when nothing was in progress).
    """
    prev = last[0]
    newer = CaseEventRow.id > prev.event_mark
    if session.get_bind().dialect.name != "postgresql":
        return newer
    older = min(s.event_mark for s in last)
    if prev.event_xmin is None:
        return CaseEventRow.id > older
    xmin32 = int(prev.event_xmin) % 2**32  # a row's xmin is a 32-bit xid: compare their ages
    in_progress = (func.age(literal_column("case_events.xmin"))
                   <= func.age(literal_column(f"'{xmin32}'::xid")))
    return or_(newer, and_(CaseEventRow.id > older, in_progress))


def _previous_sweeps(session: Session) -> list[AlertSweepRow]:
    return list(session.scalars(select(AlertSweepRow).order_by(AlertSweepRow.id.desc()).limit(2)))


def _incremental_base(session: Session, th: Thresholds, calendar_version: str,
                      agency_scope: list[int] | None, full: bool) -> tuple[AlertSweepRow, Any] | None:
    """The last sweep and the events to re-read (SQL), when an incremental sweep is sound."""
    if full or agency_scope is not None:
        return None
    last = _previous_sweeps(session)
    if not last:
        return None
    prev = last[0]
    same_settings = (prev.thresholds.get("default_n") == th.default_n
                     and prev.thresholds.get("n_by_agency") == th.as_json()["n_by_agency"])
    if (prev.scope is not None or prev.calendar_version != calendar_version or not same_settings
            or prev.today > th.today or prev.finished_at is None):
        return None
    return prev, _changed_since(session, last)


def update_alerts(session: Session, *, today: dt.date, calendar, agency_scope: list[int] | None,
                  full: bool = False) -> tuple[AlertSweepRow, dict[str, int], int]:
    """Step 2 of the sweep, inside the caller's transaction: (sweep row, raised, cleared)."""
    th = thresholds(session, calendar, today)
    mark, xmin = _event_mark(session)
    base = _incremental_base(session, th, calendar.version, agency_scope, full)
    now = localtime.now()
    sweep = AlertSweepRow(today=today, mode="incremental" if base else "full", scope=agency_scope,
                          calendar_version=calendar.version, thresholds=th.as_json(),
                          event_mark=mark, event_xmin=xmin, started_at=now, raised=0, cleared=0,
                          auto_closed=0, summary={})
    session.add(sweep)
    session.flush()
    rules = A.RULES
    raised: Counter = Counter()
    if base is None:
        # every case in scope: clear what no longer holds, raise what is not open yet
        scope = [] if agency_scope is None else [CASES.c.agency_id.in_(agency_scope)]
        cleared = _clear_not_holding(session, th, sweep, now, CASES, scope)
        for r in rules:
            raised += _raise(session, _rule_selects(r, th, CASES, scope), sweep, now)
    else:
        prev, changed = base
        # 1. the cases with new history events, as in a full sweep
        cleared = 0
        if _load_changed(session, changed):
            cleared = _clear_not_holding(session, th, sweep, now, CHANGED)
            raised += _raise(session, [q for r in rules for q in _rule_selects(r, th, CHANGED)],
                             sweep, now)
        CHANGED.drop(session.connection())
        # 2. the other cases changed only by the date: escalate the open alerts by their own
        #    dates, and raise in the date bands whose level moved since the last sweep
        if prev.today < th.today:
            cleared += _clear(session, update(ALERTS).where(_escalated(th, prev.today)), sweep, now,
                              literal("changed"))
            band = _band(prev, th)
            for r in rules:
                raised += _raise(session, _rule_selects(r, th, CASES, band=band), sweep, now)
    raised = dict(sorted(raised.items()))
    sweep.raised, sweep.cleared = sum(raised.values()), cleared
    return sweep, raised, cleared


# ----- automatic closes ----------------------------------------------------------------------------

def lapsed_windows(session: Session, today: dt.date,
                   agency_scope: list[int] | None) -> list[tuple[int, str, int, str, str]]:
    """(case id, case no, agency id, agency code, kind) of open cases whose correction or fee
    window ended before today."""
    out = []
    for kind in A.AUTO_CLOSE_MOVES:
        rule = A.RULE_BY_KIND[kind]
        q = (select(CaseRow.id, CaseRow.case_no, CaseRow.agency_id, AgencyRow.code)
             .join(AgencyRow, AgencyRow.id == CaseRow.agency_id)
             .where(_states(rule), CASES.c[rule.column] < today))
        if agency_scope is not None:
            q = q.where(CaseRow.agency_id.in_(agency_scope))
        out += [(*r, kind.value) for r in session.execute(q.order_by(CaseRow.id))]
    return out


def auto_close(today: dt.date, agency_scope: list[int] | None, url: str | None = None) -> list[AutoClose]:
    """Close every lapsed window through services.cases.step, one transaction per case."""
    with db.session_scope(url) as session:
        lapsed = lapsed_windows(session, today, agency_scope)
    try:
        actors = system_actors((ag for _i, _n, ag, _c, _k in lapsed), url)
    except FoiError as err:  # the cases stay open and show on the board as `ended`
        return [AutoClose(i, no, ag, code, kind, A.AUTO_CLOSE_MOVES[A.Kind(kind)], ok=False,
                          error=err.text()) for i, no, ag, code, kind in lapsed]
    out = []
    for case_id, case_no, agency_id, agency_code, kind in lapsed:
        move = A.AUTO_CLOSE_MOVES[A.Kind(kind)]
        item = AutoClose(case_id, case_no, agency_id, agency_code, kind, move, ok=False)
        try:
            res = case_service.step(case_no, move, on=today, actor=actors[agency_id],
                                    request_id=f"auto-{move}-{case_id}", today=today, url=url)
            item.ok, item.outcome = True, res.outcome
        except FoiError as err:
            item.error = err.text()
        out.append(item)
    _attach_notices(out, url)
    return out


def _attach_notices(items: list[AutoClose], url: str | None) -> None:
    """The number of the notice each automatic close issued (when notices are issued on steps)."""
    done = [i for i in items if i.ok]
    if not done or not db.has_table("notices", url):
        return

    with db.session_scope(url) as session:
        notices = Table("notices", MetaData(), autoload_with=session.connection())
        cols = notices.c
        if "case_id" not in cols:
            return
        number = next((cols[c] for c in ("doc_no", "notice_no", "number") if c in cols), None)
        if number is None:
            return
        q = select(cols.case_id, number).where(cols.case_id.in_([i.case_id for i in done]))
        if "id" in cols:
            q = q.order_by(cols.id)
        found = {case_id: no for case_id, no in session.execute(q)}
    for i in done:
        i.notice = found.get(i.case_id)


# ----- the sweep -----------------------------------------------------------------------------------

def sweep(*, today: dt.date | None = None, agencies: Iterable[str] | None = None,
          full: bool = False, close_lapsed: bool = True, url: str | None = None) -> SweepResult:
    """Run the deadline sweep for `today` (default: today in Beijing time)."""
    today = today or localtime.today()
    with db.session_scope(url) as session:
        agency_scope = scope_ids(session, agencies)
    closes = auto_close(today, agency_scope, url) if close_lapsed else []
    with db.session_scope(url) as session:
        calendar = case_service.session_calendar(session)
        row, raised, cleared = update_alerts(session, today=today, calendar=calendar,
                                             agency_scope=agency_scope, full=full)
        result = SweepResult(today, row.id, row.mode, calendar.version, raised, cleared, closes)
        row.auto_closed = sum(1 for c in closes if c.ok)
        row.summary = {"raised": raised, "auto_closed": [c.to_dict() for c in closes]}
        row.finished_at = localtime.now()
    return result
