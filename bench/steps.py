"""Benchmark: one case step through the library (services.cases.step), end to end.

Run from the project root (`make bench-steps`):

    .venv/bin/python -m bench.steps [--db URL] [--steps N] [--bulk N] [--json] [--keep]

Always measures a fresh SQLite file in a temporary directory; with --db it measures that
database as well (e.g. postgresql://postgres@127.0.0.1:5432/test). Use a scratch database: the
schema is upgraded to the newest migration, and the rows the run writes (one agency with the code
bench-XXXXXX, its accounts, cases, events, applicants and number series) are deleted at the end
unless --keep is given. The agency and its accounts are made through the account service, as
the first-run set-up makes them.

What one timed step is: a call of services.cases.step(Step(case_no, move, ...), uow, principal)
as the CLI, the flows and the web make it, the acting person's Principal resolved beforehand (as
a signed-in session holds it): begin a transaction, load the case row and its history, replay it,
check the policy on the case's agency, build the calendar, decide the move, insert the event,
update the case row under its version check, commit. The engine is created (and, for SQLite, the
file opened) before timing.

Each case goes register → accept → acknowledge → extend → sign_off → reply → reply_delivered;
the six moves after register are timed (register is timed too, reported on its own). Three of
them (acknowledge, extend, reply) also register a notice in the same transaction — the next
number of the agency's series and the rendered HTML — and are reported apart. Cases are added
until at least N steps that issue no notice have been timed, after a few untimed warm-up cases.
The garbage collector stays on (as in the service). Reported: median, p90 and mean per step, in
ms. Target: median ≤ 5 ms on SQLite for the steps that issue no notice; the notice steps'
median is printed beside it.

Then, in the same run (each can be skipped):
- **bulk intake** (`services.bulk.import_register`, all or nothing, by the agency's admin): N generated applications
  (default 20,000), a third of them with a three-event past history, into the fresh SQLite file
  and into --db. Reported: applications per second. Target ≥ 5,000/s on both databases.
- **CLI step** (`foi case step … --json`, a new process each time, as staff run it): wall time of
  each of the six moves of one case on the SQLite file, median and max. Target < 2 s: the CLI
  calls the library directly and never starts Prefect.
- **Prefect** (in this process, on a lean ephemeral backend, flows/runtime.py), interleaved so
  that load on the machine hits all alike: a bare flow run (no parameters, `return 1`); the
  trivial flow — `case_step_flow`'s signature and run-name template with the body replaced by a
  `return` (what Prefect itself spends on parameters, validation and naming); the six moves
  through `flows.steps.case_step_flow` (given the staff code; the flow resolves the Principal and
builds its Settings and unit of work); and the same moves as direct library calls. What our
  code adds to a flow run = median(step flow run) − median(trivial flow run), over the moves
  that issue no notice. Target ≤ 30 ms. The flows of the notice moves also write the notice's
  PDF and DOCX inside the run (issue 4); their median is printed apart.
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

TARGET_SQLITE_MS = 5.0
TARGET_BULK_PER_S = 5000
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
             notice_ms: list[float] | None = None) -> None:
    """Times the six moves: those that issue a notice go to notice_ms when it is given."""
    t0 = time.perf_counter()
    case_no = office.register()
    register_ms.append((time.perf_counter() - t0) * 1000)
    for move, who, days, data in PATH:
        on = RECEIVED + dt.timedelta(days=days)
        t0 = time.perf_counter()
        cases.step(cases.Step(case_no, move, on, data), office.uow, office.who[who], today=TODAY)
        ms = (time.perf_counter() - t0) * 1000
        (notice_ms if notice_ms is not None and issues_notice(move, data) else step_ms).append(ms)


def measure(url: str, steps: int, keep: bool) -> dict[str, Any]:
    revision = db.upgrade(url)
    engine = db.get_engine(url)
    with engine.connect():
        pass  # the pool holds an open connection before timing
    office = Office(url)
    try:
        scratch: list[float] = []
        for _ in range(WARMUP_CASES):
            run_case(office, scratch, [])
        step_ms: list[float] = []
        notice_ms: list[float] = []
        register_ms: list[float] = []
        while len(step_ms) < steps:
            run_case(office, step_ms, register_ms, notice_ms)
    finally:
        if not keep:
            office.remove()
    ordered = sorted(step_ms)
    return {
        "database": engine.dialect.name,
        "url": engine.url.render_as_string(hide_password=True),
        "revision": revision,
        "steps": len(step_ms),
        "cases": len(register_ms),
        "step_median_ms": statistics.median(step_ms),
        "step_p90_ms": ordered[int(0.9 * (len(ordered) - 1))],
        "step_mean_ms": statistics.fmean(step_ms),
        "step_min_ms": ordered[0],
        "register_median_ms": statistics.median(register_ms),
        "notice_steps": len(notice_ms),
        "notice_step_median_ms": statistics.median(notice_ms),
    }


# ----- bulk intake ------------------------------------------------------------------------------

def bulk_lines(office: Office, n: int) -> list[str]:
    """N applications of the documented JSON-lines format; every third with a past history."""
    clerk, reviewer, head = office.staff["clerk"], office.staff["reviewer"], office.staff["head"]
    history = [{"move": "accept", "on": "2026-03-03", "actor": clerk},
               {"move": "sign_off", "on": "2026-03-05", "actor": reviewer,
                "data": {"decision": "disclose"}},
               {"move": "reply", "on": "2026-03-10", "actor": head,
                "data": {"outcome": "disclosed", "provided": "某地块规划许可文件全文", "form": "electronic",
                         "delivery": "online"}}]
    lines = []
    for i in range(n):
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


def measure_bulk(url: str, n: int, keep: bool) -> dict[str, Any]:
    from foi_workflow.services.bulk import ImportRegister, import_register

    db.upgrade(url)
    engine = db.get_engine(url)
    office = Office(url)
    try:
        lines = bulk_lines(office, n)
        t0 = time.perf_counter()
        report = import_register(ImportRegister(lines, all_or_nothing=True), office.uow,
                                 office.who["admin"], today=TODAY)
        seconds = time.perf_counter() - t0
        if report.errors or report.imported != n:
            raise SystemExit(f"bulk intake failed: {report.imported} of {n} imported, "
                             f"first errors {report.errors[:3]}")
    finally:
        if not keep:
            office.remove()
    return {"database": engine.dialect.name, "applications": n, "seconds": seconds,
            "per_second": n / seconds}


# ----- the CLI ----------------------------------------------------------------------------------

def measure_cli(url: str) -> dict[str, Any]:
    """Wall time of `foi case step` in a new process, for each move of one case."""
    foi = Path(sys.executable).with_name("foi")
    office = Office(url)
    case_no = office.register()
    env = {**os.environ, "FOI_DATABASE_URL": url, "FOI_TODAY": TODAY.isoformat()}
    walls = []
    for move, who, days, data in PATH:
        on = RECEIVED + dt.timedelta(days=days)
        argv = [str(foi), "case", "step", case_no, move, "--as", office.staff[who], "--on", on.isoformat(),
                "--json"] + [a for k, v in data.items() for a in ("--data", f"{k}={v}")]
        t0 = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        walls.append(time.perf_counter() - t0)
        if done.returncode != 0:
            raise SystemExit(f"foi case step {move} failed: {done.stderr or done.stdout}")
    return {"moves": len(walls), "median_s": statistics.median(walls), "max_s": max(walls)}


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
    parser.add_argument("--db", help="also measure this database (a scratch one), e.g. postgresql://…")
    parser.add_argument("--steps", type=int, default=200, help="timed steps per database (default 200)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--keep", action="store_true", help="keep the rows written in --db")
    parser.add_argument("--bulk", type=int, default=20000,
                        help="applications for the bulk intake rate (default 20000; 0 skips it)")
    parser.add_argument("--flow-cases", type=int, default=8,
                        help="cases (six moves each) through the flows (default 8)")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI wall-time measurement")
    parser.add_argument("--no-prefect", action="store_true", help="skip the Prefect measurement")
    args = parser.parse_args(argv)

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
        if args.db:
            results.append(measure(args.db, args.steps, keep=args.keep))
            if args.bulk:
                bulk.append(measure_bulk(args.db, args.bulk, keep=args.keep))
        if not args.no_prefect:
            prefect = measure_prefect(sqlite_url, Path(tmp) / "prefect", args.flow_cases)
        db.get_engine(sqlite_url).dispose()

    checks = {"direct step, SQLite median ≤ 5 ms": results[0]["step_median_ms"] <= TARGET_SQLITE_MS}
    for b in bulk:
        checks[f"bulk intake, {b['database']} ≥ {TARGET_BULK_PER_S:,}/s"] = b["per_second"] >= TARGET_BULK_PER_S
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
                  f"median {r['step_median_ms']:.2f} ms, p90 {r['step_p90_ms']:.2f} ms, "
                  f"mean {r['step_mean_ms']:.2f} ms, min {r['step_min_ms']:.2f} ms; "
                  f"register median {r['register_median_ms']:.2f} ms; {r['notice_steps']} steps that "
                  f"register a notice (HTML rendered in the transaction): median "
                  f"{r['notice_step_median_ms']:.2f} ms")
        for b in bulk:
            print(f"bulk intake  {b['database']:<10} {b['applications']:,} applications in "
                  f"{b['seconds']:.2f} s: {b['per_second']:,.0f}/s")
        if cli:
            print(f"CLI step     `foi case step` in a new process, {cli['moves']} moves: "
                  f"median {cli['median_s']:.2f} s, max {cli['max_s']:.2f} s")
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
