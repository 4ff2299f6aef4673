"""The deadline sweep: close lapsed windows, and raise the alerts that became new, set-wise in SQL.

    sweep(Sweep(today=..., agencies=(...)), uow, principal) -> SweepResult

Who sweeps: a person with Action.SWEEP_RUN (a supervisor or admin) over their own agency and
the bodies under it (or the given agencies among those), or the installation's scheduler
(services/auth.scheduler_principal: scheduled flows, `foi sweep` run by the server's operator)
over every agency. The legal day comes from the caller, else the settings (FOI_TODAY in drills).

Alerts are derived (domain/alerts.py): one holds on a day when a case's stored date and state
put it at a level, and services/board.py reads them from the cases. The sweep writes only what
it raised: one `alert_raises` row per agency, kind and level with the case ids, one
`alert_sweeps` row, and where it left each agency (`alert_marks`). Nothing is written when an
alert escalates (soon → today → overdue) or clears (the case moved on): the board reads that
from the case.

One sweep, for a legal day `today`:

1. Automatic closes. The cases whose correction window or fee-payment window ended before
   today are found with one indexed query each; each is then closed through
   services.cases.step (`correction_lapsed` / `fee_lapsed`, one transaction per case, request id
   derived from the case and the move, so a rerun closes nothing twice) by the agency's system
   actor (services/auth.system_principal, role system), so that it gets its event and its
   notice like any other step; the event records the sweep's operator (the flow run, the OS
   user).
2. Raising, in ONE transaction and ONE statement (INSERT … SELECT … GROUP BY): an alert is new
   when it holds today and the agency's last sweep (day T0, "due soon" until D0, event mark M)
   did not see it hold, which is one of
   a. its date crossed into its level since T0 — the date bands [T0, today] (overdue, today),
      (D0, D] (soon) and [T0, today) (ended windows), range predicates on the indexed date
      columns of `cases`;
   b. a step after M started its track (cases.alert_since: the step from which the kind's date
      holds, kept by services.cases.step; cases.alert_event, the latest of them) — the cases
      with alert_event > M are one range of ix_cases_alert_event, read once.
   An agency never swept before gets every alert that holds. So every alert is raised once,
   by the first sweep on whose day it holds; a re-run on the same day raises nothing.
   On PostgreSQL the sweep first takes `LOCK TABLE case_events IN SHARE MODE`: it waits for the
   steps in progress to commit and holds new ones until it commits (a fraction of a second), so
   every event up to its mark is one it saw.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from sqlalchemy import Date, Integer, and_, func, literal, not_, or_, select, text, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import localtime
from ..domain import alerts as A
from ..domain.case import MOVE_LABELS, State
from ..domain.errors import FoiError, InputError
from ..domain.identity import Principal
from ..domain.policy import Action, authorize
from ..domain.settings import AgencySettings
from ..storage.alert_tables import AlertMarkRow, AlertRaiseRow, AlertSweepRow
from ..storage.models import AgencyRow, CaseEventRow, CaseRow
from ..storage.notice_tables import NoticeRow
from ..storage.numbering import wait_for_events
from ..storage.uow import UnitOfWork
from . import auth
from . import cases as case_service

DEFAULT_N = AgencySettings().alert_working_days
ALL_AGENCIES = "全部机关"


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
    auto_closed: list[AutoClose] = field(default_factory=list)
    skipped: str | None = None
    scope: list[str] | None = None  # the agencies swept with the bodies under them; None: every agency
    by: str = ""                    # who ran it (account code; "system": the scheduler)

    @property
    def raised_total(self) -> int:
        return sum(self.raised.values())

    def to_dict(self) -> dict[str, Any]:
        return {"today": self.today.isoformat(), "sweep_id": self.sweep_id, "mode": self.mode,
                "calendar_version": self.calendar_version, "raised": self.raised,
                "raised_total": self.raised_total,
                "auto_closed": [a.to_dict() for a in self.auto_closed], "skipped": self.skipped,
                "scope": self.scope, "by": self.by}


# ----- the command, its scope, the thresholds ----------------------------------------------------

@dataclass(frozen=True)
class Sweep:
    """Run the deadline sweep for a legal day (default: the settings' legal today)."""

    today: dt.date | None = None
    agencies: tuple[str, ...] = ()   # these agencies and the bodies under them; (): all the principal may
    close_lapsed: bool = True
    working_days_only: bool = False  # on the schedule: a non-working day is skipped


@dataclass(frozen=True)
class Scope:
    roots: list[str] | None   # agency codes swept with the bodies under them; None: every agency
    ids: list[int] | None     # the agency ids swept; None: every agency


def installation_wide(principal: Principal) -> bool:
    """The installation's scheduler (services/auth.scheduler_principal): no agency of its own."""
    return principal.is_system and not principal.agency_path


def scope_for(uow: UnitOfWork, principal: Principal, agencies: Iterable[str] = ()) -> Scope:
    """The agencies a sweep by this principal covers, each checked against the policy
    (Action.SWEEP_RUN): the given agencies and every body under them, or by default the
    person's own agency and the bodies under it — the scheduler's default is every agency."""
    codes = list(dict.fromkeys([agencies] if isinstance(agencies, str) else agencies or ()))
    if not codes:
        if installation_wide(principal):
            authorize(principal, Action.SWEEP_RUN, None, ALL_AGENCIES)
            return Scope(None, None)
        own = uow.directory.agency_by_id(principal.agency_id) if principal.agency_id else None
        if own is None:  # no agency (a set-up principal): only the scheduler sweeps everything
            authorize(principal, Action.SWEEP_RUN, None, ALL_AGENCIES)  # refused (the rule)
            raise InputError("agency", "须为已登记的机关代码", "办理人所在的机关未登记")
        codes = [own.code]
    ids: set[int] = set()
    for code in codes:
        found = uow.directory.agency_by_code(code) if isinstance(code, str) else None
        if found is None:
            shown = code if isinstance(code, str) and code.isprintable() else repr(code)
            raise InputError("agency", "须为已登记的机关代码", f"未知的机关“{shown[:60]}”")
        authorize(principal, Action.SWEEP_RUN, uow.directory.agency_path(found.id), found.code)
        ids.update(uow.directory.subtree_ids(found.id))
    return Scope(codes, sorted(ids))


@dataclass(frozen=True)
class Thresholds:
    """The day of the sweep and, per alert lead time N in use, the last day of "due soon"."""

    today: dt.date
    default_n: int
    n_by_agency: dict[int, int]       # agencies whose N is not the default
    until: dict[int, dt.date]         # N -> soon_until(today, N)

    def n_for(self, agency_id: int) -> int:
        return self.n_by_agency.get(agency_id, self.default_n)

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

CASES = CaseRow.__table__


def _states(rule: A.AlertRule, c=CASES):
    values = [s.value for s in rule.states]
    return c.c.state == values[0] if len(values) == 1 else c.c.state.in_(values)


def at_level(rule: A.AlertRule, level: A.Level, today: dt.date, until: dt.date, c=CASES) -> list:
    """SQL: the case is at `level` of the rule on `today` ("due soon" until `until`) — the rule's
    states and one range of its indexed date column (domain.alerts.level_for), or the flag.
    `c`: the cases table, or a selection of its rows with the same column names."""
    col = c.c[rule.column]
    if level == A.Level.INFO:  # the partial index's own predicate (storage/alert_tables.py)
        return [_states(rule, c), c.c.provisional == True]  # noqa: E712
    t, d = literal(today, Date), literal(until, Date)
    dated = {A.Level.OVERDUE: [col < t], A.Level.ENDED: [col < t], A.Level.TODAY: [col == t],
             A.Level.SOON: [col > t, col <= d]}
    return [_states(rule, c), *dated[level]]


def newly_by_date(rule: A.AlertRule, level: A.Level, last: tuple[dt.date, dt.date],
                  today: dt.date, until: dt.date, c=CASES) -> list | None:
    """SQL, added to at_level(): the date had the case at another level on the last sweep's day
    t0 ("due soon" until d0) — a band of dates; [] when every date at the level today is new by
    date, None when none can be (the same day again, or the provisional flag)."""
    t0, d0 = last
    if today <= t0 or level == A.Level.INFO:
        return None
    col = c.c[rule.column]
    if level in (A.Level.OVERDUE, A.Level.ENDED):      # not yet past on t0
        return [col >= literal(t0, Date)]
    if level == A.Level.TODAY:                         # it was after t0 then
        return []
    if until <= d0:                                    # soon: beyond the soon window of t0
        return None
    return [col > literal(max(d0, today), Date)]


_STEPPED_COLUMNS = ("id", "agency_id", "state", "provisional", "alert_since",
                    *sorted({r.column for r in A.RULES}))


def stepped_since(mark: int, name: str, today: dt.date, until: dt.date):
    """The cases whose alert tracks changed at a step after event `mark` (one range of
    ix_cases_alert_event) and that may be at some level today (a date no later than `until`,
    the latest "due soon" day in use, or the provisional flag): read once per sweep, a
    materialized CTE that each rule and level then tests."""
    c = CASES.c
    may_hold = [c.provisional == True]  # noqa: E712
    for rule in A.RULES:
        if rule.kind != A.Kind.PROVISIONAL:
            last = until if A.Level.SOON in rule.levels else today
            may_hold.append(c[rule.column] <= literal(last, Date))
    return (select(*[c[n] for n in _STEPPED_COLUMNS])
            .where(c.alert_event > mark, c.state != State.CLOSED.value, or_(*may_hold))
            .cte(name).prefix_with("MATERIALIZED"))


def new_track(rule: A.AlertRule, mark: int, c) -> Any:
    """SQL on a stepped case: the kind's own track started after event `mark`."""
    return func.coalesce(c.c.alert_since[rule.kind.value].as_integer(), 0) > mark


def _json_agg(session: Session, column):
    name = "json_agg" if session.get_bind().dialect.name == "postgresql" else "json_group_array"
    return getattr(func, name)(column)


# ----- where each agency was left -----------------------------------------------------------------

@dataclass(frozen=True)
class Group:
    """Agencies swept alike: the same N today and the same last sweep (day, soon_until, mark)."""

    ids: tuple[int, ...]
    n: int
    last: tuple[dt.date, dt.date, int] | None   # None: never swept, every alert that holds is new


def groups(session: Session, th: Thresholds, agency_ids: list[int]) -> list[Group]:
    m = AlertMarkRow.__table__.c
    marks = {a: tuple(rest) for a, *rest in session.execute(
        select(m.agency_id, m.today, m.soon_until, m.event_mark).where(m.agency_id.in_(agency_ids)))}
    by: dict[tuple, list[int]] = {}
    for a in agency_ids:
        by.setdefault((th.n_for(a), marks.get(a)), []).append(a)
    return [Group(tuple(ids), n, last) for (n, last), ids in sorted(by.items(), key=lambda kv: kv[1])]


def _agency_filter(ids: tuple[int, ...], every: set[int], c=CASES) -> list:
    return [] if set(ids) >= every else [c.c.agency_id.in_(ids)]


def new_alert_selects(session: Session, th: Thresholds, g: Group, every: set[int], mark: int,
                      stepped: dict[int, Any]) -> list:
    """SELECT agency_id, kind, level, count, case ids: the alerts new today in one group of
    agencies (module docstring). Per rule and level: those newly at the level by date (a range
    of the rule's index), and the stepped cases at it on a track started after the group's mark
    (read once, `stepped`: one CTE per mark; none when no event was recorded since: `mark`)."""
    until = th.until[g.n]

    def raised(rule: A.AlertRule, level: A.Level, cond: list, c=CASES):
        # grouped by an expression, not the column: SQLite would otherwise walk the agency
        # index to save a sort, instead of the rule's date range
        agency = c.c.agency_id + 0
        return (select(agency.label("agency_id"), literal(rule.kind.value).label("kind"),
                       literal(level.value).label("level"), func.count().label("n"),
                       _json_agg(session, c.c.id).label("ids"))
                .where(*cond, *_agency_filter(g.ids, every, c)).group_by(agency))

    out = []
    s = None
    if g.last is not None and mark > g.last[2]:
        s = stepped.get(g.last[2])
        if s is None:
            s = stepped[g.last[2]] = stepped_since(g.last[2], f"stepped{len(stepped)}", th.today,
                                                   max(th.until.values()))
    for rule in A.RULES:
        for level in rule.levels:
            if g.last is None:
                out.append(raised(rule, level, at_level(rule, level, th.today, until)))
                continue
            by_date = newly_by_date(rule, level, g.last[:2], th.today, until)
            if by_date is not None:
                out.append(raised(rule, level, [*at_level(rule, level, th.today, until), *by_date]))
            if s is not None and by_date != []:  # the others at the level: on a new track
                in_band = newly_by_date(rule, level, g.last[:2], th.today, until, s)
                out.append(raised(rule, level, [*at_level(rule, level, th.today, until, s),
                                                *([] if in_band is None else [not_(and_(*in_band))]),
                                                new_track(rule, g.last[2], s)], s))
    return out


def _prepare(session: Session) -> None:
    """Wait for the steps in progress (storage/numbering.py); on PostgreSQL without JIT: many
    short index ranges, compiling them to machine code costs more than it saves."""
    wait_for_events(session)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def raise_alerts(session: Session, *, today: dt.date, calendar,
                 agency_scope: list[int] | None) -> tuple[AlertSweepRow, dict[str, int]]:
    """Step 2 of the sweep, inside the caller's transaction: (sweep row, raised per kind/level)."""
    _prepare(session)
    th = thresholds(session, calendar, today)
    mark = session.scalar(select(func.coalesce(func.max(CaseEventRow.id), 0))) or 0
    every = set(session.scalars(select(AgencyRow.id)))
    ids = sorted(every if agency_scope is None else set(agency_scope) & every)
    gs = groups(session, th, ids)
    sweep = AlertSweepRow(today=today, mode="full" if any(g.last is None for g in gs) else "incremental",
                          scope=agency_scope, calendar_version=calendar.version,
                          thresholds=th.as_json(), event_mark=mark, started_at=localtime.now(),
                          raised=0, auto_closed=0, summary={})
    session.add(sweep)
    session.flush()
    stepped: dict[int, Any] = {}
    selects = [q for g in gs for q in new_alert_selects(session, th, g, every, mark, stepped)]
    raised: Counter = Counter()
    if selects:
        u = union_all(*selects).subquery("new_alerts")
        rows = select(literal(sweep.id, Integer), u.c.agency_id, u.c.kind, u.c.level, u.c.n, u.c.ids)
        stmt = (AlertRaiseRow.__table__.insert()
                .from_select(["sweep_id", "agency_id", "kind", "level", "count", "case_ids"], rows)
                .returning(AlertRaiseRow.kind, AlertRaiseRow.level, AlertRaiseRow.count))
        for kind, level, n in session.execute(stmt):
            raised[f"{kind}/{level}"] += n
    _leave_marks(session, sweep, th, gs, mark)
    raised = dict(sorted(raised.items()))
    sweep.raised = sum(raised.values())
    return sweep, raised


def _leave_marks(session: Session, sweep: AlertSweepRow, th: Thresholds, gs: list[Group],
                 mark: int) -> None:
    """Where this sweep leaves each agency: one statement per group. A sweep for a day before
    the agency's last keeps that day (what it raised stays raised) and moves only the mark."""
    table = AlertMarkRow.__table__
    for g in gs:
        values: dict[str, Any] = {"sweep_id": sweep.id, "event_mark": mark}
        if g.last is None or th.today >= g.last[0]:
            values.update(today=th.today, soon_days=g.n, soon_until=th.until[g.n])
        if g.last is None:
            session.execute(table.insert(), [{"agency_id": a, **values} for a in g.ids])
        else:
            session.execute(update(table).where(table.c.agency_id.in_(g.ids)).values(**values))


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
             .where(_states(rule), CaseRow.__table__.c[rule.column] < today))
        if agency_scope is not None:
            q = q.where(CaseRow.agency_id.in_(agency_scope))
        out += [(*r, kind.value) for r in session.execute(q.order_by(CaseRow.id))]
    return out


def system_actor(uow: UnitOfWork, agency_id: int, *, operator: str) -> Principal:
    """The agency's system actor (services/auth.system_principal: role system, created on first
    use), in a transaction of its own; it makes the automatic closes in that agency."""
    try:
        with uow:
            return auth.system_principal(uow, agency_id, operator=operator)
    except IntegrityError:  # created by a concurrent sweep meanwhile
        with uow:
            return auth.system_principal(uow, agency_id, operator=operator)


def auto_close(uow: UnitOfWork, principal: Principal, today: dt.date,
               agency_scope: list[int] | None) -> list[AutoClose]:
    """Close every lapsed window through services.cases.step, one transaction per case, each by
    its agency's system actor; the operator recorded is the sweep's (a flow run, the OS user)."""
    with uow:
        lapsed = lapsed_windows(uow.session, today, agency_scope)
    operator = principal.operator or "system"
    actors: dict[int, Principal | FoiError] = {}
    for agency_id in sorted({ag for _i, _n, ag, _c, _k in lapsed}):
        try:
            actors[agency_id] = system_actor(uow, agency_id, operator=operator)
        except FoiError as err:  # that agency's cases stay open and show on the board as `ended`
            actors[agency_id] = err
    out, seqs = [], {}
    for case_id, case_no, agency_id, agency_code, kind in lapsed:
        move = A.AUTO_CLOSE_MOVES[A.Kind(kind)]
        item = AutoClose(case_id, case_no, agency_id, agency_code, kind, move, ok=False)
        actor = actors[agency_id]
        try:
            if isinstance(actor, FoiError):
                raise actor
            res = case_service.step(case_service.Step(case_no, move, today, {},
                                                      request_id=f"auto-{move}-{case_id}"),
                                    uow, actor, today=today)
            item.ok, item.outcome = True, res.outcome
            seqs[case_id] = res.seq
        except FoiError as err:
            item.error = err.text()
        out.append(item)
    _attach_notices(uow, out, seqs)
    return out


def _attach_notices(uow: UnitOfWork, items: list[AutoClose], seqs: dict[int, int]) -> None:
    """The number of the notice each automatic close issued (the close's own event)."""
    if not seqs:
        return
    ids = sorted(seqs)
    found: dict[tuple[int, int], str] = {}
    with uow:
        for i in range(0, len(ids), 5000):
            q = (select(NoticeRow.case_id, NoticeRow.event_seq, NoticeRow.doc_no)
                 .where(NoticeRow.case_id.in_(ids[i:i + 5000])).order_by(NoticeRow.id))
            found.update({(c, seq): no for c, seq, no in uow.session.execute(q)})
    for item in items:
        if item.ok:
            item.notice = found.get((item.case_id, seqs[item.case_id]))


# ----- the sweep -----------------------------------------------------------------------------------

def sweep(cmd: Sweep, uow: UnitOfWork, principal: Principal) -> SweepResult:
    """Run the deadline sweep (module docstring) over the agencies this principal may sweep
    (scope_for): the automatic closes, one transaction each, then the raising in one."""
    today = cmd.today or uow.settings.legal_today()
    with uow:
        scope = scope_for(uow, principal, cmd.agencies)
        if cmd.working_days_only and not A.is_sweep_day(case_service.session_calendar(uow.session), today):
            return SweepResult(today, skipped="非工作日", scope=scope.roots, by=principal.code)
    closes = auto_close(uow, principal, today, scope.ids) if cmd.close_lapsed else []
    with uow:
        session = uow.session
        calendar = case_service.session_calendar(session)
        row, raised = raise_alerts(session, today=today, calendar=calendar, agency_scope=scope.ids)
        result = SweepResult(today, row.id, row.mode, calendar.version, raised, closes,
                             scope=scope.roots, by=principal.code)
        row.auto_closed = sum(1 for c in closes if c.ok)
        row.summary = {"raised": raised, "auto_closed": [c.to_dict() for c in closes],
                       "scope": scope.roots, "by": principal.code, "operator": principal.operator}
        row.finished_at = localtime.now()
    return result
