"""Benchmark: table 3 for every agency plus the roll-ups over 1,000,000 cases (100 agencies), against
one hand-written GROUP BY over the same data, on PostgreSQL and on SQLite. See bench/README.md.

    .venv/bin/python -m bench.stats                        # both databases, 1,000,000 cases
    .venv/bin/python -m bench.stats --cases 100000 --no-postgres
    .venv/bin/python -m bench.stats --json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

YEAR = 2025
FIRST_DAY = dt.date(2023, 1, 1)
SPAN_DAYS = 3 * 365          # receipt dates 2023-01-01 .. 2025-12-31
MAX_TARGET_RATIO = 1.5
MAX_PG_SECONDS = 5.0

HAND_WRITTEN = """
SELECT agency_id, applicant_kind,
       CASE WHEN closed_on >= :start AND closed_on <= :end THEN report_row END AS result_row,
       SUM(CASE WHEN received >= :start THEN 1 ELSE 0 END) AS new,
       SUM(CASE WHEN received < :start THEN 1 ELSE 0 END) AS carried_in,
       COUNT(*) AS n,
       SUM(CASE WHEN closed_on IS NULL OR closed_on > :end THEN 1 ELSE 0 END) AS carried_out
FROM cases
WHERE received <= :end AND (closed_on IS NULL OR closed_on >= :start)
GROUP BY agency_id, applicant_kind, result_row
"""


def _ensure_pg_database(url: str) -> None:
    from .scratch import require_postgres

    u = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    require_postgres(url.rsplit("/", 1)[0])  # one line and exit 2 when the server is not up
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": u.database}) is None:
            conn.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()


def _reset(url: str) -> None:
    from .scratch import fresh_schema

    fresh_schema(url)


def _agencies(conn) -> list[tuple[int, str, str, str, int | None]]:
    """1 city government, 9 district governments under it, 10 bodies under each district: 100."""
    rows: list[tuple[int, str, str, str, int | None]] = [(1, "city", "某市人民政府", "government", None)]
    for d in range(9):
        did = 2 + d * 11
        rows.append((did, f"d{d}", f"某市第{d + 1}区人民政府", "government", 1))
        for b in range(10):
            kind = ("department", "town", "subdistrict")[b % 3]
            rows.append((did + 1 + b, f"d{d}-b{b}", f"第{d + 1}区第{b + 1}机关", kind, did))
    conn.execute(text("INSERT INTO agencies (id, code, name, kind, parent_id, settings) "
                      "VALUES (:id, :code, :name, :kind, :parent, '{}')"),
                 [dict(id=i, code=c, name=n, kind=k, parent=p) for i, c, n, k, p in rows])
    return rows


def _load(url: str, n_cases: int) -> float:
    """Agencies, one applicant, n_cases cases inserted set-wise (INSERT … SELECT); seconds taken."""
    from foi_workflow.domain.outcomes import REPORT_ROWS
    from foi_workflow.domain.statistics.layout import APPLICANT_COLUMNS
    from foi_workflow.storage import db

    t0 = time.perf_counter()
    engine = db.get_engine(url)
    pg = engine.dialect.name == "postgresql"
    rows_sql = "ARRAY[" + ",".join(f"'{r}'" for r in REPORT_ROWS) + "]"
    kinds_sql = "ARRAY[" + ",".join(f"'{k}'" for k in APPLICANT_COLUMNS) + "]"
    with engine.begin() as conn:
        _agencies(conn)
        conn.execute(text("INSERT INTO applicants (id, kind, name, id_type, id_number, contact) "
                          "VALUES (1, 'other_org', '压力测试单位', '', '', '')"))
        # h1..h4: deterministic pseudo-random numbers from the case number g (Knuth's multiplicative hash)
        if pg:
            conn.execute(text(f"""
                INSERT INTO cases (id, case_no, agency_id, applicant_id, applicant_kind, handler, channel,
                    subject, received, rules, state, outcome, report_row, closed_on, provisional,
                    calendar_version, event_count, version)
                SELECT g, 'B-' || g, 1 + (h1 % 100), 1, ({kinds_sql})[(1 + h2 % 6)::int], 'bench', 'online', 's',
                    rec, 'ogi-2019', CASE WHEN open THEN 'in_process' ELSE 'closed' END,
                    CASE WHEN open THEN NULL ELSE 'x' END,
                    CASE WHEN open THEN NULL ELSE ({rows_sql})[(1 + h3 % {len(REPORT_ROWS)})::int] END,
                    CASE WHEN open THEN NULL ELSE rec + (h4 % 45)::int END, false, 'bench', 1, 1
                FROM (SELECT g, h1, h2, h3, h4, DATE '{FIRST_DAY}' + (h1 % {SPAN_DAYS})::int AS rec,
                             (h4 % 100) < 6 AS open
                      FROM (SELECT g, (g * 2654435761) % 4294967291 AS h1, (g * 40503) % 65521 AS h2,
                                   (g * 69069) % 32749 AS h3, (g * 1103515245 + 12345) % 2147483647 AS h4
                            FROM generate_series(1::bigint, :n) AS g) AS s) AS t
            """), {"n": n_cases})
            conn.execute(text("ANALYZE cases"))
        else:
            rows_case = " ".join(f"WHEN {i} THEN '{r}'" for i, r in enumerate(REPORT_ROWS))
            kinds_case = " ".join(f"WHEN {i} THEN '{k}'" for i, k in enumerate(APPLICANT_COLUMNS))
            conn.execute(text(f"""
                WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :n),
                h AS (SELECT g, (g * 2654435761) % 4294967291 AS h1, (g * 40503) % 65521 AS h2,
                             (g * 69069) % 32749 AS h3, (g * 1103515245 + 12345) % 2147483647 AS h4 FROM s),
                t AS (SELECT g, h1, h2, h3, h4, date('{FIRST_DAY}', '+' || (h1 % {SPAN_DAYS}) || ' days') AS rec,
                             (h4 % 100) < 6 AS open FROM h)
                INSERT INTO cases (id, case_no, agency_id, applicant_id, applicant_kind, handler, channel,
                    subject, received, rules, state, outcome, report_row, closed_on, provisional,
                    calendar_version, event_count, version)
                SELECT g, 'B-' || g, 1 + (h1 % 100), 1, CASE h2 % 6 {kinds_case} END, 'bench', 'online', 's',
                    rec, 'ogi-2019', CASE WHEN open THEN 'in_process' ELSE 'closed' END,
                    CASE WHEN open THEN NULL ELSE 'x' END,
                    CASE WHEN open THEN NULL ELSE CASE h3 % {len(REPORT_ROWS)} {rows_case} END END,
                    CASE WHEN open THEN NULL ELSE date(rec, '+' || (h4 % 45) || ' days') END, 0, 'bench', 1, 1
                FROM t
            """), {"n": n_cases})
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - t0


def _ours(url: str) -> dict[int, Any]:
    """Table 3 for every agency (services.statistics, SQL GROUP BY) plus every roll-up."""
    from foi_workflow.config import Settings
    from foi_workflow.domain.statistics.report import add_tables
    from foi_workflow.services import statistics
    from foi_workflow.storage.models import AgencyRow
    from foi_workflow.storage.uow import SqlUnitOfWork
    from sqlalchemy import select

    uow = SqlUnitOfWork(Settings.load(database_url=url))  # one transaction: the query behind the reports
    with uow:
        tables = statistics.table3_by_agency(uow.session, YEAR)
        parent = dict(uow.session.execute(select(AgencyRow.id, AgencyRow.parent_id)).all())
    rollups: dict[int, Any] = {}
    for a in sorted(tables, key=lambda a: -_depth(a, parent)):  # deepest first: children before parents
        total = tables[a]
        for child in (c for c, p in parent.items() if p == a):
            total = add_tables(total, rollups[child])
        rollups[a] = total
    return {"own": tables, "rollups": rollups, "n_rollups": sum(1 for a in parent if a in parent.values())}


def _depth(a: int, parent: dict[int, int | None]) -> int:
    d = 0
    while parent.get(a) is not None:
        a, d = parent[a], d + 1
    return d


def _hand_written(url: str) -> list[tuple]:
    from foi_workflow.storage import db

    with db.get_engine(url).connect() as conn:
        return conn.execute(text(HAND_WRITTEN), {"start": dt.date(YEAR, 1, 1), "end": dt.date(YEAR, 12, 31)}).all()


def _best(fn, repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def _verify(ours: dict[str, Any], baseline: list[tuple]) -> None:
    from foi_workflow.domain.statistics.checks import check_report
    from foi_workflow.domain.statistics.report import empty_table3, table4_with_totals, empty_table4
    from foi_workflow.services.statistics import _fold
    from foi_workflow.domain.statistics.report import with_totals

    expected: dict[int, Any] = {}
    _fold(baseline, expected)
    for a, t in ours["own"].items():
        if with_totals(expected.get(a, empty_table3())) != t:
            raise SystemExit(f"agency {a}: our table 3 differs from the hand-written GROUP BY")
    for a, t in ours["rollups"].items():
        failures = check_report({"year": YEAR, "table2": {}, "table3": t, "table4": table4_with_totals(empty_table4())})
        failures = [f for f in failures if not f.cell.startswith("table2")]
        if failures:
            raise SystemExit(f"roll-up {a}: {failures[0].text()}")


def run_one(url: str, n_cases: int, label: str) -> dict[str, Any]:
    _reset(url)
    load_s = _load(url, n_cases)
    _hand_written(url)  # warm the cache for both
    base_s, baseline = _best(lambda: _hand_written(url))
    ours_s, ours = _best(lambda: _ours(url))
    _verify(ours, baseline)
    total_new = ours["rollups"][1]["new"]["total"]
    return {"database": label, "cases": n_cases, "agencies": len(ours["own"]), "rollups": ours["n_rollups"],
            "load_s": round(load_s, 2), "hand_written_s": round(base_s, 3), "ours_s": round(ours_s, 3),
            "ratio": round(ours_s / base_s, 3), "new_in_year": total_new}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--pg", default=os.environ.get("FOI_BENCH_STATS_URL"),
                   help="a scratch PostgreSQL database (rebuilt); default: a new one, dropped after")
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument("--no-sqlite", action="store_true")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    results = []
    if not args.no_postgres:
        if args.pg:
            _ensure_pg_database(args.pg)
            results.append(run_one(args.pg, args.cases, "PostgreSQL"))
        else:
            from .scratch import pg_database

            with pg_database("stats") as url:
                results.append(run_one(url, args.cases, "PostgreSQL"))
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(run_one(f"sqlite:///{Path(tmp) / 'bench-stats.sqlite3'}", args.cases, "SQLite"))
    ok = True
    for r in results:
        target = r["ratio"] <= MAX_TARGET_RATIO and (r["database"] != "PostgreSQL" or r["ours_s"] <= MAX_PG_SECONDS)
        r["target_met"] = target
        ok = ok and target
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    else:
        for r in results:
            print(f"{r['database']}: {r['cases']:,} cases, {r['agencies']} agencies, {r['rollups']} roll-ups "
                  f"(loaded in {r['load_s']} s; {r['new_in_year']:,} new in {YEAR})")
            print(f"  hand-written GROUP BY  {r['hand_written_s']:.3f} s")
            print(f"  ours (table 3 + roll-ups) {r['ours_s']:.3f} s  ratio {r['ratio']:.2f}× "
                  f"(target ≤ {MAX_TARGET_RATIO}×{', ≤ 5 s' if r['database'] == 'PostgreSQL' else ''}) "
                  f"{'OK' if r['target_met'] else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
