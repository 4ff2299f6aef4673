"""Benchmark: one case step through the library (services.cases.step), end to end.

Run from the project root:

    .venv/bin/python -m bench.steps [--db URL] [--steps N] [--json] [--keep]

Always measures a fresh SQLite file in a temporary directory; with --db it measures that
database as well (e.g. postgresql://postgres@127.0.0.1:5432/test). Use a scratch database: the
schema is upgraded to the newest migration, and the rows the run writes (one agency with the code
bench-XXXXXX, its staff, cases, events, applicants and number series) are deleted at the end
unless --keep is given.

What one timed step is: a call of services.cases.step(case_no, move, ...) as the CLI and the
flows make it: open a session, load the case row and its history, replay it, look up the actor and
the agency, build the calendar, decide the move, insert the event, update the case row under its
version check, commit. The engine is created (and, for SQLite, the file opened) before timing.

Each case goes register → accept → acknowledge → extend → sign_off → reply → reply_delivered;
the six moves after register are timed (register is timed too, reported on its own). Cases are
added until at least N steps have been timed, after a few untimed warm-up cases. The garbage
collector stays on (as in the service). Reported: median, p90 and mean per step, in ms.
Target: median ≤ 5 ms on SQLite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from foi_workflow.domain.applicants import Applicant
from foi_workflow.services import cases, directory
from foi_workflow.storage import db
from foi_workflow.storage.models import (AgencyRow, ApplicantRow, CaseEventRow, CaseRow, NumberSeriesRow,
                                         StaffRow)

TARGET_SQLITE_MS = 5.0
TODAY = dt.date(2026, 11, 29)
RECEIVED = dt.date(2026, 3, 2)  # a Monday; every move below happens on a later working day
WARMUP_CASES = 3
# (move, who, days after receipt, data)
PATH: list[tuple[str, str, int, dict[str, Any]]] = [
    ("accept", "clerk", 1, {}),
    ("acknowledge", "clerk", 1, {}),
    ("extend", "head", 8, {"days": 10, "reasons": "需要调取档案"}),
    ("sign_off", "reviewer", 9, {"decision": "disclose"}),
    ("reply", "head", 10, {"outcome": "disclosed"}),
    ("reply_delivered", "clerk", 14, {}),
]


class Office:
    """A throwaway agency with a clerk, a reviewer and a head, all named bench-XXXXXX-…"""

    def __init__(self, url: str) -> None:
        self.url = url
        self.code = f"bench-{secrets.token_hex(3)}"
        self.staff = {role: f"{self.code}-{role}" for role in ("clerk", "reviewer", "head")}
        with db.session_scope(url) as s:
            directory.add_agency(s, self.code, "基准测试局", "government")
            for role, code in self.staff.items():
                directory.add_staff(s, code, role, role, self.code)

    def register(self) -> str:
        return cases.register(agency=self.code, applicant=Applicant("commercial", "某公司"),
                              channel="online", received=RECEIVED, subject="基准测试申请",
                              actor=self.staff["clerk"], today=TODAY, url=self.url).case_no

    def remove(self) -> None:
        with db.session_scope(self.url) as s:
            agency_id = s.scalar(select(AgencyRow.id).where(AgencyRow.code == self.code))
            case_ids = select(CaseRow.id).where(CaseRow.agency_id == agency_id)
            applicant_ids = list(s.scalars(select(CaseRow.applicant_id).where(CaseRow.agency_id == agency_id)))
            s.execute(delete(CaseEventRow).where(CaseEventRow.case_id.in_(case_ids)))
            s.execute(delete(CaseRow).where(CaseRow.agency_id == agency_id))
            s.execute(delete(ApplicantRow).where(ApplicantRow.id.in_(applicant_ids)))
            s.execute(delete(NumberSeriesRow).where(NumberSeriesRow.agency_id == agency_id))
            s.execute(delete(StaffRow).where(StaffRow.agency_id == agency_id))
            s.execute(delete(AgencyRow).where(AgencyRow.id == agency_id))


def run_case(office: Office, step_ms: list[float], register_ms: list[float]) -> None:
    t0 = time.perf_counter()
    case_no = office.register()
    register_ms.append((time.perf_counter() - t0) * 1000)
    for move, who, days, data in PATH:
        on = RECEIVED + dt.timedelta(days=days)
        t0 = time.perf_counter()
        cases.step(case_no, move, on=on, actor=office.staff[who], data=data, today=TODAY, url=office.url)
        step_ms.append((time.perf_counter() - t0) * 1000)


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
        register_ms: list[float] = []
        while len(step_ms) < steps:
            run_case(office, step_ms, register_ms)
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
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.steps", description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="also measure this database (a scratch one), e.g. postgresql://…")
    parser.add_argument("--steps", type=int, default=200, help="timed steps per database (default 200)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--keep", action="store_true", help="keep the rows written in --db")
    args = parser.parse_args(argv)

    results = []
    with tempfile.TemporaryDirectory(prefix="foi-bench-") as tmp:
        results.append(measure(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args.steps, keep=True))
        db.get_engine(results[0]["url"]).dispose()
    if args.db:
        results.append(measure(args.db, args.steps, keep=args.keep))

    sqlite_ok = results[0]["step_median_ms"] <= TARGET_SQLITE_MS
    if args.json:
        print(json.dumps({"python": platform.python_version(), "machine": platform.machine(),
                          "target_sqlite_median_ms": TARGET_SQLITE_MS, "sqlite_target_met": sqlite_ok,
                          "results": results}, ensure_ascii=False, indent=1))
    else:
        print(f"services.cases.step, one library step end to end (Python {platform.python_version()}, "
              f"{platform.machine()})")
        for r in results:
            print(f"  {r['database']:<10} {r['steps']} steps over {r['cases']} cases: "
                  f"median {r['step_median_ms']:.2f} ms, p90 {r['step_p90_ms']:.2f} ms, "
                  f"mean {r['step_mean_ms']:.2f} ms, min {r['step_min_ms']:.2f} ms; "
                  f"register median {r['register_median_ms']:.2f} ms")
        print(f"  target: SQLite median ≤ {TARGET_SQLITE_MS:.0f} ms — {'met' if sqlite_ok else 'NOT met'}")
    return 0 if sqlite_ok else 1


if __name__ == "__main__":
    sys.exit(main())
