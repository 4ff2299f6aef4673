"""Benchmark: one case step through the library (services.cases.step), end to end, and bulk
intake — each beside its floor measured in the same run.

Run from the project root (`make bench-steps`):

    .venv/bin/python -m bench.steps [--no-postgres] [--steps N] [--bulk N] [--json] [--no-cli] [--no-prefect]

Measures a fresh SQLite file in a temporary directory and a new PostgreSQL database
foi_bench_steps_<pid> on FOI_BENCH_PG (default postgresql://postgres@127.0.0.1:5432), dropped
afterwards however the run ends; without PostgreSQL it says so in one line and exits 2
(--no-postgres: SQLite only). The agency and its accounts are made through the account service,
as the first-run set-up makes them.

What one timed step is: a call of services.cases.step(Step(case_no, move, ...), uow, principal)
as the CLI, the flows and the web make it, the acting person's Principal resolved beforehand (as
a signed-in session holds it): begin a transaction, load the case row and its history, replay it,
check the policy on the case's agency, build the calendar, decide the move, insert the event,
update the case row under its version check, commit. The engine is created (and, for SQLite, the
file opened) before timing.

Each case goes register → accept → acknowledge → extend → sign_off → reply → reply_delivered;
the six moves after register are timed. Three of them (acknowledge, extend, reply) also register
a notice in the same transaction and are reported apart. Cases are added until at least N steps
that issue no notice have been timed, after a few untimed warm-up cases.

- **Floor of a step**: a twin case registered beside each timed case gets, after each move, the
  same rows the step wrote — its new event row and the case row's new columns, read back as
  stored — by hand-written SQL on a DBAPI connection opened before timing: one INSERT, one
  UPDATE … WHERE id = ? AND version = ?, one COMMIT. Target: step median ≤ 2× the floor's median.
  A few more cases run with timers (not part of the figure) to say where a step's time goes:
  statements sent, time inside the driver's execute, the commit, and the rest (Python).
- **Bulk intake** (`services.bulk.import_register`, all or nothing, by the agency's admin): N
  generated applications (default 20,000), a third with a three-event past history. **Floor**:
  the rows it wrote (applicants, cases, events, contacts, items — read back as stored, then
  removed) written again, ids and all, with no checks: COPY … FROM STDIN on PostgreSQL,
  executemany of a hand-written INSERT on SQLite, one transaction. Target: ours ≥ 0.5× the
  floor's rate. Then one more import of new lines with timers around the functions
  services.bulk calls says where the time goes: parsing, validation, domain, row building,
  SQL writes, the rest.
- **CLI step** (`foi case step … --json`, a new process each time, as staff run it): wall time of
  each of the six moves of one case on the SQLite file, beside `python -c pass`. Target < 2 s.
- **Prefect** (in this process, on a lean ephemeral backend, flows/runtime.py), interleaved so
  that load on the machine hits all alike: a bare flow run (no parameters, `return 1`); the
  trivial flow — `case_step_flow`'s signature and run-name template with the body replaced by a
  `return` (what Prefect itself spends on parameters, validation and naming); the six moves
  through `flows.steps.case_step_flow`; and the same moves as direct library calls. What our
  code adds to a flow run = median(step flow run) − median(trivial flow run), over the moves
  that issue no notice. Target ≤ 30 ms.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import datetime as dt
import json
import platform
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import delete, select

from foi_workflow.config import Settings
from foi_workflow.domain.applicants import Applicant
from foi_workflow.services import accounts, auth, cases
from foi_workflow.storage import db
from foi_workflow.storage.identity_tables import AccessLogRow, ApiTokenRow, StaffChangeRow
from foi_workflow.storage.models import (AgencyRow, ApplicantRow, CaseContactRow, CaseEventRow,
                                         CaseItemRow, CaseRow, NumberSeriesRow, StaffRoleRow, StaffRow)
from foi_workflow.storage.notice_tables import NoticeRow
from foi_workflow.storage.uow import SqlUnitOfWork

from .scratch import pg_database, require_postgres

TARGET_STEP_RATIO = 2.0   # a step ≤ 2× the same rows written by hand-written SQL
TARGET_BULK_RATIO = 0.5   # bulk intake ≥ 0.5× the rate of the same rows written with no checks
TARGET_CLI_S = 2.0
TARGET_FLOW_ADDED_MS = 30.0
TODAY = dt.date(2026, 11, 29)
RECEIVED = dt.date(2026, 3, 2)  # a Monday; every move below happens on a later working day
WARMUP_CASES = 3
# (move, who, days after receipt, data)
PATH: list[tuple[str, str, int, dict[str, Any]]] = [
    ("accept", "clerk", 1, {}),
    ("acknowledge", "clerk", 1, {}),
    ("extend", "head", 8, {"days": 10, "reasons": "需要调取档案"}),
    ("sign_off", "reviewer", 9, {"decision": "disclose"}),
    ("reply", "head", 10, {"outcome": "disclosed", "provided": "某地块规划许可文件全文",
                           "form": "electronic", "delivery": "online"}),
    ("reply_delivered", "clerk", 14, {}),
]



# every notice states the agency's contact; the fee notice how to pay (domain/settings.py)
from foi_workflow.domain.settings import AgencySettings as _AgencySettings  # noqa: E402

BENCH_CONTACT = _AgencySettings(contact_office="基准测试办公室", contact_phone="0000-0000000",
                                contact_address="基准测试地址", payee="基准测试收款单位", bank="基准测试银行",
                                account="0000", payment_method="窗口缴纳")

class Office:
    """A throwaway agency with a clerk, a reviewer, a head and an admin, all named bench-XXXXXX-…;
    `who[role]` is each one's Principal, `uow` the unit of work every timed call is given."""

    ROLES = ("clerk", "reviewer", "head", "admin")

    def __init__(self, url: str) -> None:
        self.url = url
        self.uow = SqlUnitOfWork(Settings.load(database_url=url))
        self.code = f"bench-{secrets.token_hex(3)}"
        self.staff = {role: f"{self.code}-{role}" for role in self.ROLES}
        with self.uow as uow:
            # the first-run set-up of this new agency tree (its admin is made last)
            setup = auth.bootstrap_principal(uow, operator="bench")
            accounts.add_agency(accounts.AddAgency(self.code, "基准测试局", "government", None,
                                                   BENCH_CONTACT), uow, setup)
            for role, code in self.staff.items():
                accounts.create_account(accounts.CreateAccount(code, f"基准测试{role}", self.code,
                                                               code.upper(), (role,)), uow, setup)
            self.who = {role: auth.principal_for(code, uow, operator="bench", via="cli")
                        for role, code in self.staff.items()}

    def register(self) -> str:
        return cases.register(cases.Register(self.code, Applicant("commercial", "某公司", "credit_code",
                                                                  BENCH_CREDIT_CODE, contact_person="王经理"),
                                             "online", RECEIVED, ("基准测试申请",), "electronic", "online"),
                              self.uow, self.who["clerk"], today=TODAY).case_no

    def remove(self) -> None:
        with self.uow as uow:
            s = uow.session
            agency_id = s.scalar(select(AgencyRow.id).where(AgencyRow.code == self.code))
            case_ids = select(CaseRow.id).where(CaseRow.agency_id == agency_id)
            staff_ids = select(StaffRow.id).where(StaffRow.agency_id == agency_id)
            applicant_ids = list(s.scalars(select(CaseRow.applicant_id).where(CaseRow.agency_id == agency_id)))
            s.execute(delete(NoticeRow).where(NoticeRow.agency_id == agency_id))
            s.execute(delete(CaseEventRow).where(CaseEventRow.case_id.in_(case_ids)))
            for table in (CaseContactRow, CaseItemRow):
                s.execute(delete(table).where(table.case_id.in_(case_ids)))
            s.execute(delete(CaseRow).where(CaseRow.agency_id == agency_id))
            # applicants are shared across cases: only those no other case still names
            s.execute(delete(ApplicantRow).where(ApplicantRow.id.in_(applicant_ids),
                                                 ~ApplicantRow.id.in_(select(CaseRow.applicant_id))))
            s.execute(delete(NumberSeriesRow).where(NumberSeriesRow.agency_id == agency_id))
            s.execute(delete(AccessLogRow).where(AccessLogRow.agency_id == agency_id))
            for table in (StaffRoleRow, StaffChangeRow, ApiTokenRow):
                s.execute(delete(table).where(table.staff_id.in_(staff_ids)))
            s.execute(delete(StaffRow).where(StaffRow.agency_id == agency_id))
            s.execute(delete(AgencyRow).where(AgencyRow.id == agency_id))


BENCH_CREDIT_CODE = "91140700MA0GRXQJ7Y"


def credit_code(i: int) -> str:
    """A distinct organisation credit code per line, with its GB 32100 check character."""
    from foi_workflow.domain.applicants import credit_code_check

    base17 = f"911407{i:011d}"
    return base17 + credit_code_check(base17)

def issues_notice(move: str, data: dict[str, Any]) -> bool:
    """Whether the move registers a notice in its transaction (notices/catalog.py)."""
    from foi_workflow.notices.catalog import kinds_for

    return bool(kinds_for(move, data))


def run_case(office: Office, step_ms: list[float], register_ms: list[float],
             notice_ms: list[float] | None = None, floor: "Floor | None" = None,
             floor_ms: list[float] | None = None) -> None:
    """Times the six moves: those that issue a notice go to notice_ms when it is given. With a
    floor, a twin case registered beside gets the same rows by hand-written SQL after each of
    the moves that issue nothing (timed into floor_ms)."""
    t0 = time.perf_counter()
    case_no = office.register()
    register_ms.append((time.perf_counter() - t0) * 1000)
    twin = office.register() if floor is not None else None
    for move, who, days, data in PATH:
        on = RECEIVED + dt.timedelta(days=days)
        t0 = time.perf_counter()
        cases.step(cases.Step(case_no, move, on, data), office.uow, office.who[who], today=TODAY)
        ms = (time.perf_counter() - t0) * 1000
        notice = issues_notice(move, data)
        (notice_ms if notice_ms is not None and notice else step_ms).append(ms)
        if floor is not None and twin is not None:
            rows = floor.rows_of(case_no, twin)  # untimed: the rows the step just wrote
            ms = floor.write(*rows)
            if not notice and floor_ms is not None:
                floor_ms.append(ms)


class Floor:
    """The floor of a step: the same rows — the new event and the case row's new columns —
    written by hand-written SQL (one INSERT, one UPDATE under the version check) in one
    transaction on a DBAPI connection of the same database, opened before timing. Writes the
    rows of case A's last step to its twin B, so that B stays a copy of A."""

    def __init__(self, url: str) -> None:
        from foi_workflow.storage.models import CaseEventRow, CaseRow

        self.engine = db.get_engine(url)
        self.pg = self.engine.dialect.name == "postgresql"
        self.raw = self.engine.raw_connection()
        self.event_cols = [c.name for c in CaseEventRow.__table__.columns if c.name != "id"]
        self.case_cols = self._updated_columns(CaseRow)
        mark = "%s" if self.pg else "?"
        q = (lambda c: f'"{c}"')
        self.insert = (f"INSERT INTO case_events ({', '.join(q(c) for c in self.event_cols)}) VALUES "
                       f"({', '.join([mark] * len(self.event_cols))})" + (" RETURNING id" if self.pg else ""))
        self.update = (f"UPDATE cases SET {', '.join(f'{q(c)} = {mark}' for c in self.case_cols)} "
                       f"WHERE id = {mark} AND version = {mark}")

    @staticmethod
    def _updated_columns(table) -> list[str]:
        """The columns a step's UPDATE sets: the stored derived columns, the alert marks, the version."""
        names = {c.name for c in table.__table__.columns}
        derived = ("state", "outcome", "report_row", "closed_on", "reply_delivered", "reply_due",
                   "correction_notice_due", "correction_window_end", "consultation_due",
                   "fee_payment_due", "delivery_unrecorded", "provisional", "calendar_version",
                   "event_count", "alert_since", "alert_event", "version")
        return [c for c in derived if c in names]

    def _fetch(self, sql: str, params: tuple) -> tuple:
        cur = self.raw.cursor()
        try:
            cur.execute(sql, params)
            return cur.fetchone()
        finally:
            cur.close()

    def rows_of(self, case_no: str, twin_no: str) -> tuple[tuple, tuple]:
        """A's last event and A's updated columns, as stored, for the twin (untimed reads)."""
        mark = "%s" if self.pg else "?"
        a_id = self._fetch(f"SELECT id FROM cases WHERE case_no = {mark}", (case_no,))[0]
        b_id, b_version = self._fetch(f"SELECT id, version FROM cases WHERE case_no = {mark}", (twin_no,))
        cols = ", ".join(f'"{c}"' for c in self.event_cols)
        ev = list(self._fetch(f"SELECT {cols} FROM case_events WHERE case_id = {mark} "
                              f"ORDER BY seq DESC LIMIT 1", (a_id,)))
        ev[self.event_cols.index("case_id")] = b_id
        case = list(self._fetch(f"SELECT {', '.join(self.case_cols)} FROM cases WHERE id = {mark}", (a_id,)))
        self.raw.rollback()
        if self.pg:
            from psycopg.types.json import Json

            ev = [Json(v) if isinstance(v, (dict, list)) else v for v in ev]
            case = [Json(v) if isinstance(v, (dict, list)) else v for v in case]
        return tuple(ev), (*case, b_id, b_version)

    def write(self, event: tuple, case: tuple) -> float:
        """One transaction: the event row, then the case row under its version check; ms."""
        t0 = time.perf_counter()
        cur = self.raw.cursor()
        cur.execute(self.insert, event)
        if self.pg:
            cur.fetchone()
        cur.execute(self.update, case)
        if cur.rowcount != 1:
            raise SystemExit("floor: the twin case's version moved")
        cur.close()
        self.raw.commit()
        return (time.perf_counter() - t0) * 1000

    def close(self) -> None:
        self.raw.close()


def measure(url: str, steps: int, keep: bool) -> dict[str, Any]:
    revision = db.upgrade(url)
    engine = db.get_engine(url)
    with engine.connect():
        pass  # the pool holds an open connection before timing
    office = Office(url)
    floor = Floor(url)
    try:
        scratch: list[float] = []
        for _ in range(WARMUP_CASES):
            run_case(office, scratch, [], [], floor, [])
        step_ms: list[float] = []
        notice_ms: list[float] = []
        register_ms: list[float] = []
        floor_ms: list[float] = []
        while len(step_ms) < steps:
            run_case(office, step_ms, register_ms, notice_ms, floor, floor_ms)
        split = step_split(office, engine)
    finally:
        floor.close()
        if not keep:
            office.remove()
    ordered = sorted(step_ms)
    median, floor_median = statistics.median(step_ms), statistics.median(floor_ms)
    return {
        "database": engine.dialect.name,
        "revision": revision,
        "steps": len(step_ms),
        "cases": len(register_ms),
        "step_median_ms": median,
        "step_p90_ms": ordered[int(0.9 * (len(ordered) - 1))],
        "step_mean_ms": statistics.fmean(step_ms),
        "step_min_ms": ordered[0],
        "floor_median_ms": floor_median,
        "ratio": median / floor_median,
        "register_median_ms": statistics.median(register_ms),
        "notice_steps": len(notice_ms),
        "notice_step_median_ms": statistics.median(notice_ms),
        "split": split,
    }


def step_split(office: Office, engine, cases_n: int = 3) -> dict[str, float]:
    """Where a step's time goes (moves that issue nothing, a few extra cases, not part of the
    figure): the statements it sends and the time spent inside the driver's execute (the
    database and the round trips), the commit, and the rest (Python: ORM, policy, domain)."""
    from sqlalchemy import event

    inside = {"sql": 0.0, "statements": 0, "commit": 0.0}
    started: list[float] = []

    def before(*_a: Any) -> None:
        started.append(time.perf_counter())

    def after(*_a: Any) -> None:
        inside["sql"] += time.perf_counter() - started.pop()
        inside["statements"] += 1

    totals: list[float] = []
    sql: list[float] = []
    statements: list[int] = []
    commits: list[float] = []
    original_commit = engine.dialect.do_commit

    def timed_commit(dbapi_conn: Any) -> None:
        t0 = time.perf_counter()
        original_commit(dbapi_conn)
        inside["commit"] += time.perf_counter() - t0

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    engine.dialect.do_commit = timed_commit
    try:
        for _ in range(cases_n):
            case_no = office.register()
            for move, who, days, data in PATH:
                inside.update(sql=0.0, statements=0, commit=0.0)
                t0 = time.perf_counter()
                cases.step(cases.Step(case_no, move, RECEIVED + dt.timedelta(days=days), data), office.uow,
                           office.who[who], today=TODAY)
                if not issues_notice(move, data):
                    totals.append(time.perf_counter() - t0)
                    sql.append(inside["sql"])
                    statements.append(inside["statements"])
                    commits.append(inside["commit"])
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
        engine.dialect.do_commit = original_commit
    total, in_sql, commit = (statistics.median(x) * 1000 for x in (totals, sql, commits))
    return {"statements": statistics.median(statements), "step_ms": round(total, 2),
            "driver_execute_ms": round(in_sql, 2), "commit_ms": round(commit, 2),
            "python_ms": round(total - in_sql - commit, 2)}


# ----- bulk intake ------------------------------------------------------------------------------

def bulk_lines(office: Office, n: int, first: int = 0) -> list[str]:
    """N applications of the documented JSON-lines format; every third with a past history."""
    clerk, reviewer, head = office.staff["clerk"], office.staff["reviewer"], office.staff["head"]
    history = [{"move": "accept", "on": "2026-03-03", "actor": clerk},
               {"move": "sign_off", "on": "2026-03-05", "actor": reviewer,
                "data": {"decision": "disclose"}},
               {"move": "reply", "on": "2026-03-10", "actor": head,
                "data": {"outcome": "disclosed", "provided": "某地块规划许可文件全文", "form": "electronic",
                         "delivery": "online"}}]
    lines = []
    for i in range(first, first + n):  # applicants i: new ones unless an earlier run made them
        person = i % 2 == 0
        applicant = ({"kind": "natural_person", "name": f"申请人{i}", "id_type": "passport",
                      "id_number": f"E{i:08d}"} if person else
                     {"kind": "commercial", "name": f"某公司{i}", "credit_code": credit_code(i),
                      "contact_person": "王经理"})
        lines.append(json.dumps({"agency": office.code, "received": "2026-03-02", "channel": "online",
                                 "subject": f"基准测试申请（{i}）", "handler": clerk,
                                 "form": "electronic", "delivery": "online",
                                 "applicant": applicant, "events": history if i % 3 == 0 else [],
                                 "request_id": f"{office.code}-bulk-{i}"}, ensure_ascii=False))
    return lines


BULK_TABLES = ("applicants", "cases", "case_events", "case_contacts", "case_items")  # in insert order


def _bulk_rows(url: str, agency_code: str) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every row the import wrote (the agency's cases and what hangs on them), as stored."""
    engine = db.get_engine(url)
    pg = engine.dialect.name == "postgresql"
    mark = "%s" if pg else "?"
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(f"SELECT id FROM agencies WHERE code = {mark}", (agency_code,))
        agency_id = cur.fetchone()[0]
        where = {"applicants": f"id IN (SELECT applicant_id FROM cases WHERE agency_id = {mark})",
                 "cases": f"agency_id = {mark}"}
        out = {}
        for table in BULK_TABLES:
            cond = where.get(table, f"case_id IN (SELECT id FROM cases WHERE agency_id = {mark})")
            cur.execute(f"SELECT * FROM {table} WHERE {cond}", (agency_id,))
            cols = [d[0] for d in cur.description]
            out[table] = (cols, [tuple(r) for r in cur.fetchall()])
        cur.close()
        raw.rollback()
    finally:
        raw.close()
    return out


def _delete_bulk_rows(url: str, rows: dict[str, tuple[list[str], list[tuple]]]) -> None:
    """Remove exactly the rows read by _bulk_rows (children first), so the floor can write them."""
    engine = db.get_engine(url)
    pg = engine.dialect.name == "postgresql"
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if pg:  # case events are append-only for the application (a trigger): the bench's superuser
            cur.execute("SET LOCAL session_replication_role = replica")  # passes it in its own database
        case_ids = [r[0] for r in rows["cases"][1]]
        app_ids = [r[0] for r in rows["applicants"][1]]
        for table, key, ids in (("case_items", "case_id", case_ids), ("case_contacts", "case_id", case_ids),
                                ("case_events", "case_id", case_ids), ("cases", "id", case_ids),
                                ("applicants", "id", app_ids)):
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                marks = ", ".join(["%s" if pg else "?"] * len(chunk))
                cur.execute(f"DELETE FROM {table} WHERE {key} IN ({marks})", chunk)
        cur.close()
        raw.commit()
    finally:
        raw.close()


def bulk_floor(url: str, rows: dict[str, tuple[list[str], list[tuple]]]) -> float:
    """The floor of bulk intake: the same rows, ids and all, with no checks — COPY … FROM STDIN on
    PostgreSQL, executemany of a hand-written INSERT on SQLite — in one transaction; seconds."""
    engine = db.get_engine(url)
    pg = engine.dialect.name == "postgresql"
    raw = engine.raw_connection()
    try:
        if pg:
            from psycopg.types.json import Json
        t0 = time.perf_counter()
        cur = raw.cursor()
        for table in BULK_TABLES:
            cols, data = rows[table]
            names = ", ".join(f'"{c}"' for c in cols)
            if pg:
                with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for r in data:
                        copy.write_row([Json(v) if isinstance(v, (dict, list)) else v for v in r])
            else:
                cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(cols))})", data)
        cur.close()
        raw.commit()
        return time.perf_counter() - t0
    finally:
        raw.close()


class _Split:
    """Where bulk intake's time goes: perf_counter around the functions services.bulk calls,
    patched in that module's namespace for one extra (untimed) run — a few µs per line."""

    GROUPS = {  # name in services.bulk → group
        "_check_line": "checks",            # the whole line check; the groups below are inside it
        "transition": "domain",             # the domain's move (register, then each past event)
        "derived_columns": "domain",        # the stored columns: the statutory clock's dates
        "insert_rows": "sql",               # the set-wise writes (COPY / executemany)
        "_write": "write",                  # row building + numbers + ids + the writes
        "_not_yet_imported": "lookups",     # request ids already stored
    }

    def __init__(self) -> None:
        from foi_workflow.services import bulk

        self.bulk = bulk
        self.spent: dict[str, float] = {}
        self.saved: dict[str, Any] = {}

    def __enter__(self) -> "_Split":
        import json as json_module

        for name in (*self.GROUPS, "json"):
            self.saved[name] = getattr(self.bulk, name)
        for name in self.GROUPS:
            setattr(self.bulk, name, self._timed(name, self.saved[name]))
        loads = self._timed("json.loads", json_module.loads)
        self.bulk.json = type("TimedJson", (), {"loads": staticmethod(loads),
                                                "JSONDecodeError": json_module.JSONDecodeError})
        return self

    def __exit__(self, *exc: Any) -> None:
        for name, value in self.saved.items():
            setattr(self.bulk, name, value)

    def _timed(self, name: str, fn):
        spent = self.spent

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t0
        return timed

    def shares(self, total: float) -> dict[str, float]:
        """Seconds per part: parsing, checks (validation), domain, row building, SQL writes, the rest."""
        g = self.spent
        domain = g.get("transition", 0.0) + g.get("derived_columns", 0.0)
        parsing = g.get("json.loads", 0.0)
        checks = g.get("_check_line", 0.0) - domain - parsing
        sql = g.get("insert_rows", 0.0)
        build = g.get("_write", 0.0) - sql
        rest = total - parsing - checks - domain - build - sql
        return {"parsing (json.loads)": parsing, "validation (line checks, applicants, actors)": checks,
                "domain (transition + derived dates)": domain,
                "row building, numbers, ids (_write)": build, "SQL writes (insert_rows)": sql,
                "lookups, directory, commit (the rest)": rest}


def measure_bulk(url: str, n: int, keep: bool) -> dict[str, Any]:
    """Ours (timed), the same rows written again with no checks (the floor), then one more import
    of new lines with the split timers on (not part of the figure)."""
    from foi_workflow.services.bulk import ImportRegister, import_register

    db.upgrade(url)
    engine = db.get_engine(url)
    office = Office(url)
    split_office: Office | None = None
    try:
        lines = bulk_lines(office, n)
        t0 = time.perf_counter()
        report = import_register(ImportRegister(lines, all_or_nothing=True), office.uow,
                                 office.who["admin"], today=TODAY)
        seconds = time.perf_counter() - t0
        if report.errors or report.imported != n:
            raise SystemExit(f"bulk intake failed: {report.imported} of {n} imported, "
                             f"first errors {report.errors[:3]}")
        rows = _bulk_rows(url, office.code)
        _delete_bulk_rows(url, rows)
        floor_s = bulk_floor(url, rows)
        written = sum(len(r) for _c, r in rows.values())
        split_office = Office(url)
        split_lines = bulk_lines(split_office, n, first=n)  # new applicants, as in the timed run
        with _Split() as split:
            t0 = time.perf_counter()
            import_register(ImportRegister(split_lines, all_or_nothing=True), split_office.uow,
                            split_office.who["admin"], today=TODAY)
            split_total = time.perf_counter() - t0
    finally:
        if not keep:
            office.remove()
            if split_office is not None:
                split_office.remove()
    return {"database": engine.dialect.name, "applications": n, "rows_written": written,
            "seconds": seconds, "per_second": n / seconds,
            "floor_seconds": floor_s, "floor_per_second": n / floor_s,
            "ratio": floor_s / seconds,  # ours' rate / the floor's rate
            "split_total_seconds": split_total,
            "split_seconds": {k: round(v, 3) for k, v in split.shares(split_total).items()}}


# ----- the CLI ----------------------------------------------------------------------------------

def measure_cli(url: str) -> dict[str, Any]:
    """Wall time of `foi case step` in a new process, for each move of one case, after one
    untimed step of another case that writes the byte-code caches (into a temporary
    PYTHONPYCACHEPREFIX, as an installed package has them)."""
    foi = Path(sys.executable).with_name("foi")
    office = Office(url)
    case_no, warm = office.register(), office.register()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(FOI_DATABASE_URL=url, FOI_TODAY=TODAY.isoformat(),
               PYTHONPYCACHEPREFIX=str(Path(db.database_url(url)[len("sqlite:///"):]).parent / "pycache"))

    def argv_of(no: str, move: str, who: str, on: dt.date, data: dict[str, Any]) -> list[str]:
        return [str(foi), "case", "step", no, move, "--as", office.staff[who], "--on", on.isoformat(),
                "--json"] + [a for k, v in data.items() for a in ("--data", f"{k}={v}")]

    move, who, days, data = PATH[0]
    subprocess.run(argv_of(warm, move, who, RECEIVED + dt.timedelta(days=days), data), env=env,
                   capture_output=True)
    walls, floor = [], []
    for move, who, days, data in PATH:
        on = RECEIVED + dt.timedelta(days=days)
        argv = argv_of(case_no, move, who, on, data)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], env=env, capture_output=True)
        floor.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        walls.append(time.perf_counter() - t0)
        if done.returncode != 0:
            raise SystemExit(f"foi case step {move} failed: {done.stderr or done.stdout}")
    return {"moves": len(walls), "median_s": statistics.median(walls), "max_s": max(walls),
            "python_pass_median_s": statistics.median(floor)}


# ----- Prefect ----------------------------------------------------------------------------------

def measure_prefect(url: str, home: Path, cases_n: int) -> dict[str, Any]:
    """Trivial flow vs the step flow vs the direct call, all in this process on one backend."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from flows.runtime import lean_run, settings_overrides

    # the flow runs build their Settings from these (no FOI_* written into os.environ)
    with lean_run(home), settings_overrides(database_url=url, today=TODAY):
        t0 = time.perf_counter()
        from prefect import flow

        import flows.steps as steps
        imported = time.perf_counter() - t0

        @flow(name="bench-trivial")
        def bare() -> int:
            return 1

        @flow(name="bench-trivial-step", flow_run_name="step-{case_no}-{move}")
        def trivial(case_no: str, move: str, staff: str, on: str,
                    data: Optional[dict[str, Any]] = None,
                    request_id: Optional[str] = None) -> dict[str, Any]:
            """case_step_flow's signature and run name, with the body replaced by a return."""
            return {"case_no": case_no, "seq": 0, "kind": move, "state": "", "outcome": None,
                    "reply_due": None, "provisional": False, "repeated": False}

        t0 = time.perf_counter()
        bare()  # the first run starts the ephemeral backend
        start = time.perf_counter() - t0
        office = Office(url)
        bare_ms: list[float] = []
        trivial_ms: list[float] = []
        flow_ms: list[float] = []
        direct_ms: list[float] = []
        notice_flow_ms: list[float] = []  # moves whose flow run also renders the notice's files
        for i in range(cases_n + 1):
            warm = i == 0
            flow_case, direct_case = office.register(), office.register()
            for move, who, days, data in PATH:
                on = RECEIVED + dt.timedelta(days=days)
                tb = time.perf_counter()
                bare()
                t0 = time.perf_counter()
                trivial(case_no=flow_case, move=move, staff=office.staff[who], on=on.isoformat(),
                        data=data)
                t1 = time.perf_counter()
                steps.case_step_flow(case_no=flow_case, move=move, staff=office.staff[who],
                                     on=on.isoformat(), data=data)
                t2 = time.perf_counter()
                cases.step(cases.Step(direct_case, move, on, data), office.uow, office.who[who],
                           today=TODAY)
                t3 = time.perf_counter()
                if not warm and not issues_notice(move, data):
                    bare_ms.append((t0 - tb) * 1000)
                    trivial_ms.append((t1 - t0) * 1000)
                    flow_ms.append((t2 - t1) * 1000)
                    direct_ms.append((t3 - t2) * 1000)
                elif not warm:
                    notice_flow_ms.append((t2 - t1) * 1000)
    trivial_med, flow_med = statistics.median(trivial_ms), statistics.median(flow_ms)
    return {"import_s": imported, "backend_start_s": start, "runs": len(flow_ms),
            "bare_flow_median_ms": statistics.median(bare_ms), "trivial_flow_median_ms": trivial_med, "step_flow_median_ms": flow_med,
            "direct_step_median_ms": statistics.median(direct_ms),
            "notice_flow_runs": len(notice_flow_ms),
            "notice_step_flow_median_ms": statistics.median(notice_flow_ms),
            "added_by_our_code_ms": flow_med - trivial_med}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.steps", description=__doc__.split("\n")[0])
    parser.add_argument("--no-postgres", action="store_true",
                        help="SQLite only (default: also a new PostgreSQL database on FOI_BENCH_PG, dropped after)")
    parser.add_argument("--steps", type=int, default=200, help="timed steps per database (default 200)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--bulk", type=int, default=20000,
                        help="applications for the bulk intake rate (default 20000; 0 skips it)")
    parser.add_argument("--flow-cases", type=int, default=8,
                        help="cases (six moves each) through the flows (default 8)")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI wall-time measurement")
    parser.add_argument("--no-prefect", action="store_true", help="skip the Prefect measurement")
    args = parser.parse_args(argv)
    if not args.no_postgres:
        require_postgres()  # before anything runs: one line and exit 2 when it is not up

    results, bulk = [], []
    cli: dict[str, Any] | None = None
    prefect: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory(prefix="foi-bench-") as tmp:
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        results.append(measure(sqlite_url, args.steps, keep=True))
        if args.bulk:
            bulk.append(measure_bulk(sqlite_url, args.bulk, keep=True))
        if not args.no_cli:
            cli = measure_cli(sqlite_url)
        if not args.no_postgres:
            with pg_database("steps") as pg_url:
                results.append(measure(pg_url, args.steps, keep=True))
                if args.bulk:
                    bulk.append(measure_bulk(pg_url, args.bulk, keep=True))
        if not args.no_prefect:
            prefect = measure_prefect(sqlite_url, Path(tmp) / "prefect", args.flow_cases)
        db.get_engine(sqlite_url).dispose()

    checks = {}
    for r in results:
        checks[f"direct step, {r['database']} ≤ {TARGET_STEP_RATIO:g}× hand-written SQL"] = r["ratio"] <= TARGET_STEP_RATIO
    for b in bulk:
        checks[f"bulk intake, {b['database']} ≥ {TARGET_BULK_RATIO:g}× the unchecked writes"] = (
            b["ratio"] >= TARGET_BULK_RATIO)
    if cli:
        checks[f"CLI step < {TARGET_CLI_S:.0f} s"] = cli["max_s"] < TARGET_CLI_S
    if prefect:
        checks[f"flow run added ≤ {TARGET_FLOW_ADDED_MS:.0f} ms"] = (
            prefect["added_by_our_code_ms"] <= TARGET_FLOW_ADDED_MS)
    if args.json:
        print(json.dumps({"python": platform.python_version(), "machine": platform.machine(),
                          "results": results, "bulk": bulk, "cli": cli, "prefect": prefect,
                          "targets_met": checks}, ensure_ascii=False, indent=1))
    else:
        print(f"services.cases.step, one library step end to end (Python {platform.python_version()}, "
              f"{platform.machine()})")
        for r in results:
            print(f"  {r['database']:<10} {r['steps']} steps that issue no notice, over {r['cases']} cases: "
                  f"median {r['step_median_ms']:.2f} ms (p90 {r['step_p90_ms']:.2f}, min {r['step_min_ms']:.2f}); "
                  f"the same rows by hand-written SQL in one transaction: median {r['floor_median_ms']:.2f} ms "
                  f"→ {r['ratio']:.2f}×; register median {r['register_median_ms']:.2f} ms; "
                  f"{r['notice_steps']} steps that register a notice: median {r['notice_step_median_ms']:.2f} ms")
            sp = r["split"]
            print(f"    where a step's time goes (a few more, with timers): {sp['statements']:g} statements, "
                  f"{sp['driver_execute_ms']} ms in the driver's execute, commit {sp['commit_ms']} ms, "
                  f"Python (ORM, policy, domain) {sp['python_ms']} ms of {sp['step_ms']} ms")
        for b in bulk:
            print(f"bulk intake  {b['database']:<10} {b['applications']:,} applications ({b['rows_written']:,} rows) "
                  f"in {b['seconds']:.2f} s: {b['per_second']:,.0f}/s; the same rows with no checks "
                  f"({'COPY' if b['database'] == 'postgresql' else 'executemany'}): {b['floor_seconds']:.2f} s = "
                  f"{b['floor_per_second']:,.0f}/s → {b['ratio']:.2f}× the floor")
            print("    where the time goes (a run with timers): " + "; ".join(
                f"{k} {v:.2f} s" for k, v in b["split_seconds"].items()))
        if cli:
            print(f"CLI step     `foi case step` in a new process, {cli['moves']} moves: "
                  f"median {cli['median_s']:.2f} s, max {cli['max_s']:.2f} s (`python -c pass` "
                  f"{cli['python_pass_median_s']:.3f} s)")
        if prefect:
            p = prefect
            print(f"Prefect      import {p['import_s']:.1f} s, ephemeral backend start {p['backend_start_s']:.1f} s; "
                  f"{p['runs']} moves that issue no notice, each as: bare flow (no parameters) median {p['bare_flow_median_ms']:.1f} ms, "
                  f"trivial flow (the step flow's signature, body `return`) median {p['trivial_flow_median_ms']:.1f} ms, "
                  f"step flow median {p['step_flow_median_ms']:.1f} ms, direct step median "
                  f"{p['direct_step_median_ms']:.2f} ms → our code adds "
                  f"{p['added_by_our_code_ms']:.1f} ms per flow run "
                  f"({p['step_flow_median_ms'] / p['trivial_flow_median_ms']:.2f}× the trivial flow); "
                  f"{p['notice_flow_runs']} step flows that also render their notice's PDF and DOCX: "
                  f"median {p['notice_step_flow_median_ms']:.1f} ms")
        for name, ok in checks.items():
            print(f"  target: {name} — {'met' if ok else 'NOT met'}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
