"""bench/sweep: the deadline sweep over 1,000,000 open cases, beside a plain indexed count of them.

    .venv/bin/python -m bench.sweep                          # SQLite (temp file) and PostgreSQL
    .venv/bin/python -m bench.sweep --cases 200000 --skip-postgres
    .venv/bin/python -m bench.sweep --json     # PostgreSQL: a new database foi_bench_sweep_<pid>, dropped after

See bench/README.md ("bench/sweep.py") for the data, what is timed and the targets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from foi_workflow.calendar_data import build_calendar
from foi_workflow.domain.alerts import soon_until
from foi_workflow.domain.outcomes import OUTCOMES
from foi_workflow.services import auth
from foi_workflow.services import sweep as sweep_service
from foi_workflow.storage import db
from foi_workflow.storage.uow import SqlUnitOfWork

from .scratch import fresh_schema

DAY1 = dt.date(2026, 11, 16)  # a Monday
COLUMNS = ("id", "case_no", "agency_id", "applicant_id", "applicant_kind", "handler", "channel",
           "subject", "received", "rules", "state", "reply_due", "correction_notice_due",
           "correction_window_end", "consultation_due", "fee_payment_due", "provisional",
           "calendar_version", "event_count", "version", "alert_since", "alert_event")
EVENT_COLUMNS = ("case_id", "seq", "kind", '"on"', "actor", "data", "basis", "request_id",
                 "recorded_at")
AGENCIES = 20
SPREAD = 45  # reply_due spreads over 45 working days (-4 .. +40): see bench/README.md
OPEN = "('received', 'awaiting_correction', 'in_process')"
TARGET_SECONDS, TARGET_RATIO = 3.0, 3.0


def generate(n: int, seed: int):
    """Open cases whose dates spread over the weeks around DAY1, as a busy year would have."""
    cal = build_calendar()
    rnd = random.Random(seed)
    t = DAY1.toordinal()
    work = [d for d in range(t - 60, t + 90) if cal.is_working_day(dt.date.fromordinal(d))]
    i0 = next(i for i, d in enumerate(work) if d >= t)

    def wd(offset: int) -> dt.date:
        return dt.date.fromordinal(work[i0 + offset])

    version = cal.version
    for i in range(1, n + 1):
        r = rnd.random()
        reply = wd(rnd.randint(-4, 40))
        cnd = cwe = cons = fee = None
        if r < 0.10:
            state = "received"
            cnd = wd(rnd.randint(-3, 7))
        elif r < 0.15:
            state, reply = "awaiting_correction", None
            cwe = wd(rnd.randint(2, 15))  # no window ends before day 2: no auto-closes
        else:
            state = "in_process"
            if rnd.random() < 0.04:
                cons = wd(rnd.randint(-2, 15))
            elif rnd.random() < 0.01:
                fee = wd(rnd.randint(2, 20))
        provisional = reply is not None and reply.year >= 2027
        received = (reply or DAY1) - dt.timedelta(days=28)
        yield (i, f"b{i % AGENCIES}-2026-{i:07d}", i % AGENCIES + 1, 1, "natural_person", "c1",
               "online", "bench", received, "ogi-2019", state, reply, cnd, cwe, cons, fee,
               provisional, version, 1, 1, None, 0)


def _is_pg(url: str) -> bool:
    return db.get_engine(url).dialect.name == "postgresql"


def _insert_cases(url: str, rows) -> None:
    """Set-wise insert of generated case rows (COPY on PostgreSQL, executemany on SQLite)."""
    if _is_pg(url):
        raw = db.get_engine(url).raw_connection()
        try:
            with raw.cursor() as cur:
                with cur.copy(f"COPY cases ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
    else:
        con = sqlite3.connect(db.database_url(url)[len("sqlite:///"):])
        con.executemany(f"INSERT INTO cases ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                        ((*r[:8], r[8].isoformat(), r[9], r[10], *(d.isoformat() if d else None for d in r[11:16]),
                          int(r[16]), *r[17:]) for r in rows))
        con.commit()
        con.close()


def setup(url: str, n: int, seed: int) -> float:
    """A fresh schema with AGENCIES agencies, one clerk, one applicant and n open cases."""
    t0 = time.perf_counter()
    url = db.database_url(url)
    engine = db.get_engine(url)
    fresh_schema(url)
    with engine.begin() as conn:
        for a in range(1, AGENCIES + 1):
            conn.execute(text("INSERT INTO agencies (id, code, name, kind, parent_id, settings) "
                              "VALUES (:i, :c, :n, 'department', NULL, '{}')"),
                         {"i": a, "c": f"b{a - 1}", "n": f"基准机关{a}"})
        conn.execute(text("INSERT INTO staff (id, code, name, agency_id, active, kind, identifier) "
                          "VALUES (1, 'c1', '承办人', 1, true, 'person', 'BENCH-C1')"))
        conn.execute(text("INSERT INTO staff_roles (staff_id, role) VALUES (1, 'clerk')"))
        conn.execute(text("INSERT INTO applicants (id, kind, name, id_type, id_number, contact) "
                          "VALUES (1, 'natural_person', '某人', '', '', '')"))
    _insert_cases(url, generate(n, seed))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("agencies", "staff", "applicants", "cases"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
            conn.execute(text("VACUUM ANALYZE cases"))
    else:
        con = sqlite3.connect(url[len("sqlite:///"):])
        con.execute("ANALYZE")
        con.close()
    return time.perf_counter() - t0


# ----- the baselines: plain indexed counts --------------------------------------------------------

def _best(url: str, sql: str, params: dict[str, Any]) -> tuple[float, int]:
    """Run one plain SQL count three times (warm); the best time and the count."""
    engine = db.get_engine(url)
    best, n = float("inf"), 0
    for _ in range(3):
        with engine.connect() as conn:
            t0 = time.perf_counter()
            n = conn.execute(text(sql), params).scalar_one()
            best = min(best, time.perf_counter() - t0)
    return best, n


def open_count(url: str) -> tuple[float, int]:
    """THE baseline: one plain indexed count over the same rows, the open cases."""
    return _best(url, f"SELECT count(*) FROM cases WHERE state IN {OPEN}", {})


def band_count(url: str, t0: dt.date, d0: dt.date, t1: dt.date, d1: dt.date) -> tuple[float, int]:
    """A stricter baseline, shown beside: the rows the daily sweep reads by date — the bands whose
    level moved between the two days (none when both are the same day), counted in one statement."""
    if t0 >= t1:
        return 0.0, 0
    return _best(url, f"""SELECT
        (SELECT count(*) FROM cases WHERE state IN {OPEN} AND ((reply_due >= :t0 AND reply_due <= :t1)
                                                                OR (reply_due > :d0 AND reply_due <= :d1)))
      + (SELECT count(*) FROM cases WHERE state = 'received' AND correction_notice_due >= :t0
                                      AND correction_notice_due <= :t1)
      + (SELECT count(*) FROM cases WHERE consultation_due >= :t0 AND consultation_due <= :t1)
      + (SELECT count(*) FROM cases WHERE correction_window_end >= :t0 AND correction_window_end < :t1)
      + (SELECT count(*) FROM cases WHERE fee_payment_due >= :t0 AND fee_payment_due < :t1)""",
                 {"t0": t0, "t1": t1, "d0": d0, "d1": d1})


# ----- the days -----------------------------------------------------------------------------------

def timed_sweep(url: str, day: dt.date) -> tuple[float, sweep_service.SweepResult]:
    """One sweep of every agency, as the scheduled flow runs it (the scheduler principal)."""
    uow = SqlUnitOfWork(url=url)
    who = auth.scheduler_principal(operator="bench")
    t0 = time.perf_counter()
    result = sweep_service.sweep(sweep_service.Sweep(today=day), uow, who)
    return time.perf_counter() - t0, result


def maintain(url: str) -> None:
    """What autovacuum (or a nightly job) does between two days: fresh statistics and visibility,
    so that the plain count is as fast as it gets (the stricter baseline)."""
    if _is_pg(url):
        with db.get_engine(url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE cases"))
            conn.execute(text("VACUUM ANALYZE case_events"))
    else:
        con = sqlite3.connect(db.database_url(url)[len("sqlite:///"):])
        con.execute("ANALYZE")
        con.close()


def _add_events(conn, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(text(f"INSERT INTO case_events ({', '.join(EVENT_COLUMNS)}) VALUES (:case_id, "
                          "(SELECT event_count FROM cases WHERE id = :case_id), :kind, :on, 'c1', '{}', "
                          "'bench', NULL, :at)"), rows)


def _new_reply_tracks(conn, pg: bool, kind: str, on: dt.date) -> None:
    """The reply track of the cases stepped by `kind` events on `on` starts at that event, as
    services.cases.step records a step that moves the reply date (alert_since, alert_event)."""
    obj = "json_build_object" if pg else "json_object"
    conn.execute(text(f"UPDATE cases SET alert_since = {obj}('reply', e.id), alert_event = e.id "
                      "FROM case_events e WHERE e.case_id = cases.id AND e.kind = :k AND e.\"on\" = :on"),
                 {"k": kind, "on": on})


def day2_changes(url: str, n: int, seed: int, on: dt.date) -> int:
    """Light day: 1% of the cases get a step (an event; reply_due moves 7 days on: a new track)."""
    rnd = random.Random(seed + 1)
    ids = sorted(rnd.sample(range(1, n + 1), max(1, n // 100)))
    engine = db.get_engine(url)
    pg = _is_pg(url)
    plus7 = "reply_due + 7" if pg else "date(reply_due, '+7 days')"
    now = dt.datetime.now(dt.timezone.utc)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE cases SET reply_due = {plus7}, version = version + 1, "
                          "event_count = 2 WHERE id = :i AND reply_due IS NOT NULL"),
                     [{"i": i} for i in ids])
        _add_events(conn, [{"case_id": i, "kind": "extend", "on": on, "at": now} for i in ids])
        _new_reply_tracks(conn, pg, "extend", on)
    return len(ids)


def busy_day_changes(url: str, n: int, seed: int, on: dt.date) -> dict[str, int]:
    """A full day's work at the bench's steady state: as many cases are answered (closed) as
    reach a reply_due each working day (n / SPREAD), chosen among the cases due within five
    working days or overdue; as many new applications arrive (received today: correction
    notice due in 7, reply in 20 working days); a received case in eleven is accepted; 1% get
    a 20-working-day extension (a new reply track). Every step records an event, as
    services.cases.step does."""
    cal = build_calendar()
    rnd = random.Random(seed + 2)
    pg = _is_pg(url)

    def wd_after(day: dt.date, k: int) -> dt.date:
        return dt.date.fromordinal(cal.nth_working_day_after(day.toordinal(), k))

    def wd(k: int) -> dt.date:
        return wd_after(on, k)

    engine = db.get_engine(url)
    now = dt.datetime.now(dt.timezone.utc)
    with engine.connect() as conn:
        near = conn.execute(text("SELECT id FROM cases WHERE state IN ('received', 'in_process') "
                                 "AND reply_due <= :d ORDER BY id"), {"d": wd(5)}).scalars().all()
        received = conn.execute(text("SELECT id FROM cases WHERE state = 'received' ORDER BY id")).scalars().all()
        in_process = {i: d if isinstance(d, dt.date) else dt.date.fromisoformat(d)
                      for i, d in conn.execute(text("SELECT id, reply_due FROM cases WHERE state = "
                                                    "'in_process' AND reply_due > :t ORDER BY id"), {"t": on})}
        top = conn.execute(text("SELECT max(id) FROM cases")).scalar_one()
    answered = sorted(rnd.sample(near, min(len(near), n // SPREAD)))
    taken = set(answered)
    accepted = sorted(rnd.sample([i for i in received if i not in taken], min(len(received), n // 110)))
    taken.update(accepted)
    extended = sorted(rnd.sample([i for i in in_process if i not in taken],
                                 min(len(in_process), n // 100)))
    new = n // SPREAD
    with engine.begin() as conn:
        conn.execute(text("UPDATE cases SET state = 'closed', outcome = 'disclosed', report_row = :row, "
                          "closed_on = :on, reply_delivered = :on, version = version + 1, "
                          "event_count = event_count + 1 WHERE id = :i"),
                     [{"i": i, "on": on, "row": OUTCOMES["disclosed"].report_row} for i in answered])
        conn.execute(text("UPDATE cases SET state = 'in_process', correction_notice_due = NULL, "
                          "version = version + 1, event_count = event_count + 1 WHERE id = :i"),
                     [{"i": i} for i in accepted])
        conn.execute(text("UPDATE cases SET reply_due = :d, version = version + 1, "
                          "event_count = event_count + 1 WHERE id = :i"),
                     [{"i": i, "d": wd_after(in_process[i], 20)} for i in extended])
    version = cal.version
    reply, cnd = wd(20), wd(7)
    _insert_cases(url, ((top + k, f"n{(top + k) % AGENCIES}-2026-{top + k:07d}", (top + k) % AGENCIES + 1, 1,
                         "natural_person", "c1", "online", "bench", on, "ogi-2019", "received", reply, cnd,
                         None, None, None, reply.year >= 2027, version, 1, 1, None, 0) for k in range(1, new + 1)))
    with engine.begin() as conn:
        _add_events(conn, [{"case_id": i, "kind": "reply", "on": on, "at": now} for i in answered]
                    + [{"case_id": i, "kind": "accept", "on": on, "at": now} for i in accepted]
                    + [{"case_id": i, "kind": "extend", "on": on, "at": now} for i in extended]
                    + [{"case_id": top + k, "kind": "register", "on": on, "at": now}
                       for k in range(1, new + 1)])
        _new_reply_tracks(conn, pg, "extend", on)
        obj = "json_build_object" if pg else "json_object"  # a new case: every track starts
        conn.execute(text(f"UPDATE cases SET alert_since = {obj}('reply', e.id, 'correction_notice', e.id), "
                          "alert_event = e.id FROM case_events e WHERE e.case_id = cases.id "
                          "AND e.kind = 'register' AND e.\"on\" = :on"), {"on": on})
    return {"answered": len(answered), "accepted": len(accepted), "extended": len(extended), "new": new}


def run_one(label: str, url: str, n: int, seed: int) -> dict[str, Any]:
    cal = build_calendar()
    day2 = dt.date.fromordinal(cal.nth_working_day_after(DAY1.toordinal(), 1))
    day3 = dt.date.fromordinal(cal.nth_working_day_after(DAY1.toordinal(), 2))
    until = {d: soon_until(cal, d, 3) for d in (DAY1, day2, day3)}
    out: dict[str, Any] = {"database": label, "cases": n, "load_s": round(setup(url, n, seed), 1)}
    runs: list[dict[str, Any]] = []
    out["runs"] = runs

    def run(name: str, day: dt.date, prev: dt.date | None, daily: bool) -> sweep_service.SweepResult:
        count_s, count_rows = open_count(url)
        band_s, band_rows = band_count(url, prev, until[prev], day, until[day]) if prev else (0.0, 0)
        spent, result = timed_sweep(url, day)
        runs.append({"name": name, "daily": daily, "mode": result.mode, "sweep_s": round(spent, 4),
                     "raised": result.raised_total, "open_count_s": round(count_s, 4),
                     "open_rows": count_rows, "ratio": round(spent / count_s, 2),
                     "band_count_s": round(band_s, 4), "band_rows": band_rows,
                     "band_ratio": round(spent / band_s, 2) if band_s else None})
        return result

    run("day 1, first sweep (raises every alert that holds)", DAY1, None, daily=False)
    again = run("day 1 again (nothing new)", DAY1, DAY1, daily=True)
    assert again.raised_total == 0, "a re-run raised alerts twice"
    out["day2_changed_cases"] = day2_changes(url, n, seed, day2)
    maintain(url)
    run(f"day 2, {out['day2_changed_cases']:,} cases stepped", day2, DAY1, daily=True)
    again = run("day 2 again (nothing new)", day2, day2, daily=True)
    assert again.raised_total == 0, "a re-run raised alerts twice"
    out["day3_work"] = busy_day_changes(url, n, seed, day3)
    maintain(url)
    run("day 3, a full day's work", day3, day2, daily=True)
    daily = [r for r in runs if r["daily"]]
    out["target_seconds_met"] = max(r["sweep_s"] for r in daily) <= TARGET_SECONDS
    out["target_ratio_met"] = max(r["ratio"] for r in daily) <= TARGET_RATIO
    return out


def report(r: dict[str, Any]) -> None:
    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    ok = lambda b: "met" if b else "MISSED"  # noqa: E731
    w = r["day3_work"]
    print(f"[{r['database']}] {r['cases']:,} open cases on day 1 (loaded in {r['load_s']} s); day 3's work: "
          f"{w['answered']:,} answered, {w['new']:,} new, {w['accepted']:,} accepted, {w['extended']:,} extended")
    print("  baseline: SELECT count(*) FROM cases WHERE state IN (open states), best of 3, measured "
          "just before each sweep")
    for x in r["runs"]:
        band = (f"; {x['band_ratio']}x the count of its date bands ({ms(x['band_count_s'])}, "
                f"{x['band_rows']:,} rows)" if x["band_ratio"] else "")
        mark = f" ({ok(x['ratio'] <= TARGET_RATIO)})" if x["daily"] else ""
        print(f"  {x['name']}: sweep {ms(x['sweep_s'])} [{x['mode']}], raised {x['raised']:,}; "
              f"count {ms(x['open_count_s'])} ({x['open_rows']:,} rows) -> {x['ratio']}x{mark}{band}")
    print(f"  targets (daily sweeps): <= {TARGET_SECONDS:.0f} s {ok(r['target_seconds_met'])}; "
          f"<= {TARGET_RATIO:.0f}x the plain count {ok(r['target_ratio_met'])}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--db", default=os.environ.get("FOI_BENCH_DATABASE_URL"),
                   help="a scratch PostgreSQL database (rebuilt); default: a new one, dropped after")
    p.add_argument("--skip-postgres", action="store_true")
    p.add_argument("--skip-sqlite", action="store_true")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if not args.skip_postgres:  # before anything runs: one line and exit 2 when it is not up
        from .scratch import require_postgres

        require_postgres(args.db.rsplit("/", 1)[0] if args.db else None)
    results = []
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(run_one("sqlite", f"sqlite:///{Path(tmp) / 'bench-sweep.sqlite3'}",
                                   args.cases, args.seed))
    if not args.skip_postgres:
        if args.db:
            results.append(run_one("postgresql", args.db, args.cases, args.seed))
        else:
            from .scratch import pg_database

            with pg_database("sweep") as url:
                results.append(run_one("postgresql", url, args.cases, args.seed))
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    else:
        for r in results:
            report(r)
    ok = all(r["target_seconds_met"] and r["target_ratio_met"] for r in results
             if r["database"] == "postgresql") and all(r["target_ratio_met"] for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
