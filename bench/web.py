"""Benchmark: the workbench under 50 signed-in staff on 1,000,000 cases (PostgreSQL).

    make bench-web                                    # = .venv/bin/python -m bench.web
    .venv/bin/python -m bench.web --cases 20000 --duration 20
    .venv/bin/python -m bench.web --json

What it does, in one run:
1. Creates the database foi_bench_web on FOI_BENCH_PG (default postgresql://postgres@127.0.0.1:5432),
   migrated to the newest schema; dropped at the end however the run ends (--keep keeps it).
2. Makes 100 agencies with their staff through the account services, registers and steps ~140
   template cases through services.cases, and loads --cases cases set-wise (INSERT … SELECT from
   generate_series, cloned from the templates; bench/web_data.py says how and what the
   distribution is), then VACUUM ANALYZE.
3. Serves the workbench as production does — `foi web` in its own process (uvicorn, one
   worker) with FOI_TODAY=2026-11-30 and FOI_WEB_BENCH_PROBE=1, which adds the bare endpoints
   of web/bench_probe.py (never set in production).
4. --users (50) simulated staff, each its own httpx.AsyncClient with its own session, sign in
   through the sign-in form (not timed) and then, for --duration seconds, loop with a random
   think time (uniform 0–2×--think s) between requests: 我的待办 (GET /), the bare inbox query,
   a case page of one of their agency's open cases (GET /cases/<no>), the bare case query, and
   a step: accepting one of their agency's received cases (the case page is fetched for the form's
   CSRF token and event count, then POST /cases/<no>/moves/accept, the 303 timed).
5. Prints p50/p95 per request kind and the ratios page p95 / bare p95, the errors (any status
   or redirect other than the one expected), and the web worker's resident memory
   (/proc/<pid>/status: VmRSS sampled twice a second, its maximum, and VmHWM).

Targets: page p95 ≤ 3× the bare endpoint's p95 (inbox and case page), step p95 ≤ 50 ms, no
errors, the worker's resident memory ≤ 200 MB. Exit 1 when one is missed, 2 when PostgreSQL is
not up (one line, no traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from bench.scratch import _admin, missing, pg_database

DB_NAME = "foi_bench_web"
TARGET_RATIO = 3.0
TARGET_STEP_MS = 50.0
TARGET_RSS_MB = 200.0
PASSWORD = "bench-web-Passw0rd-9"
KINDS = ("inbox page", "inbox bare", "case page", "case bare", "step")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SEEN = re.compile(r'action="/cases/[^"]+/moves/accept">.*?name="seen" value="(\d+)"', re.S)


def postgres_server() -> str:
    """FOI_BENCH_PG's server when PostgreSQL answers there; otherwise one line and exit 2."""
    from bench.scratch import pg_server

    server = pg_server()
    engine = _admin(server)
    try:
        with engine.connect():
            return server
    except Exception as exc:  # noqa: BLE001 - any failure to connect is "PostgreSQL not up"
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        where = server.split("@")[-1]
        raise missing(f"PostgreSQL 未在 {where} 运行（bench/web 需要它：建库 {DB_NAME} 并装载案件）/ PostgreSQL not "
                      f"reachable at {where} ({reason}); 启动它，或设 FOI_BENCH_PG=postgresql://user@host:port") from None
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_s(pid: int) -> float:
    """The process's CPU time so far (user + system), from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def rss_kb(pid: int) -> dict[str, int]:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


@contextmanager
def server(url: str, port: int, log_dir: str, today: str) -> Iterator[subprocess.Popen]:
    foi = Path(sys.executable).parent / "foi"
    env = {**os.environ, "FOI_DATABASE_URL": url, "FOI_TODAY": today, "FOI_WEB_BENCH_PROBE": "1",
           "FOI_WEB_SECRET": secrets.token_urlsafe(32), "FOI_WEB_SESSION_MINUTES": "120",
           "FOI_FILES_DIR": str(Path(log_dir) / "files")}
    log = open(Path(log_dir) / "server.log", "wb")
    proc = subprocess.Popen([str(foi), "web", "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit("foi web 未能启动：" + (Path(log_dir) / "server.log").read_text()[-400:])
            try:
                if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("foi web 60 秒内未响应")
            time.sleep(0.2)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


class Stats:
    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = {k: [] for k in KINDS}
        self.errors: list[str] = []
        self.steps_skipped = 0


async def simulate(base: str, people: list[dict[str, Any]], duration: float, think: float, today: str,
                   stats: Stats, on_start=lambda: None) -> None:
    """Every person signs in (not timed), then all start together (on_start is called then)."""
    import httpx

    # an idle connection is dropped by the client before uvicorn's keep-alive timeout (5 s) closes
    # it, as browsers do (otherwise a request sent as the server closes it fails as a ReadError)
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4, keepalive_expiry=2.0)

    async def timed(kind: str, call, expect: int, check=None):
        t0 = time.perf_counter()
        try:
            r = await call()
        except httpx.HTTPError as exc:
            stats.errors.append(f"{kind}: {type(exc).__name__}")
            return None
        ms = (time.perf_counter() - t0) * 1000
        if r.status_code != expect or (check is not None and not check(r)):
            stats.errors.append(f"{kind}: HTTP {r.status_code} {r.headers.get('location', '')}")
            return r
        stats.ms[kind].append(ms)
        return r

    async def pause(rng: random.Random):
        await asyncio.sleep(rng.uniform(0, 2 * think))

    async def person(i: int, p: dict[str, Any], signed: asyncio.Event, start: asyncio.Event):
        rng = random.Random(i)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60, follow_redirects=False) as c:
            page = await c.get("/login")
            r = await c.post("/login", data={"csrf": CSRF.search(page.text).group(1), "code": p["code"],
                                             "password": PASSWORD, "next": "/"})
            if r.status_code != 303:
                stats.errors.append(f"sign-in {p['code']}: HTTP {r.status_code}")
                return
            signed.set()
            await start.wait()
            await pause(rng)
            stop = time.monotonic() + duration
            pool = list(p["received"])
            while time.monotonic() < stop:
                await timed("inbox page", lambda: c.get("/"), 200, lambda r: "我的待办" in r.text)
                await pause(rng)
                await timed("inbox bare", lambda: c.get(f"/_bench/inbox/{p['agency_id']}"), 200)
                await pause(rng)
                if p["open"]:
                    no = rng.choice(p["open"])
                    await timed("case page", lambda: c.get(f"/cases/{no}"), 200, lambda r: no in r.text)
                    await pause(rng)
                    await timed("case bare", lambda: c.get(f"/_bench/cases/{no}"), 200,
                                lambda r: r.json()["case_no"] == no)
                    await pause(rng)
                if not pool:
                    stats.steps_skipped += 1
                    continue
                no = pool.pop()
                page = await timed("case page", lambda: c.get(f"/cases/{no}"), 200, lambda r: no in r.text)
                seen = SEEN.search(page.text) if page is not None else None
                if seen is None:
                    stats.errors.append(f"step {no}: no accept form on the case page")
                    continue
                await pause(rng)
                form = {"csrf": CSRF.search(page.text).group(1), "on": today, "seen": seen.group(1),
                        "request_id": secrets.token_hex(8)}
                await timed("step", lambda: c.post(f"/cases/{no}/moves/accept", data=form), 303,
                            lambda r: r.headers.get("location", "").endswith(f"/cases/{no}"))
                await pause(rng)

    signed = [asyncio.Event() for _ in people]
    start = asyncio.Event()
    tasks = [asyncio.create_task(person(i, p, signed[i], start)) for i, p in enumerate(people)]
    deadline = time.monotonic() + 600
    while not all(s.is_set() for s in signed) and time.monotonic() < deadline:
        if all(t.done() for t in tasks):
            break
        await asyncio.sleep(0.1)
    on_start()
    start.set()
    await asyncio.gather(*tasks)


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=float, default=120.0, help="seconds of load after every user signed in")
    ap.add_argument("--think", type=float, default=5.0,
                    help="mean think time between one person's requests, s (uniform 0–2×; default 5)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", action="store_true", help=f"keep the database {DB_NAME}")
    ap.add_argument("--reuse", action="store_true",
                    help=f"use {DB_NAME} as an earlier --keep run left it (no set-up or load; kept after)")
    ap.add_argument("--verbose", action="store_true", help="the set-up's and each load statement's time")
    args = ap.parse_args(argv)
    if args.cases < 1000 or args.users < 1 or args.users > 200:
        raise SystemExit("--cases ≥ 1000，--users 1–200")
    try:
        import httpx  # noqa: F401 - comes with Prefect
    except ImportError:
        raise missing("httpx（随 Prefect 安装）/ httpx is needed") from None
    srv = postgres_server()
    from bench import web_data

    out: dict[str, Any] = {"cases": args.cases, "users": args.users, "duration_s": args.duration,
                           "think_s": args.think}
    with pg_database("web", srv, name=DB_NAME, reuse=args.reuse, keep=args.keep or args.reuse) as url, \
            tempfile.TemporaryDirectory(prefix="foi-bench-web-") as tmp:
        t0 = time.perf_counter()
        have = web_data.loaded_cases(url) if args.reuse else 0
        if have:  # a database kept by an earlier run (its received cases partly accepted already)
            args.cases = have
            office = web_data.office(url)
            out.update(directory_s=0.0, setup_s=0.0, load_s=0.0, reused=True)
        else:
            office = web_data.directory(url, users=args.users, password=PASSWORD)
            out["directory_s"] = round(time.perf_counter() - t0, 1)
            tpl = web_data.templates(url)
            out["setup_s"] = round(time.perf_counter() - t0, 1)
            t0 = time.perf_counter()
            web_data.load(url, office, tpl, args.cases)
            out["load_s"] = round(time.perf_counter() - t0, 1)
        out["cases"] = args.cases
        if args.verbose:
            print(f"directory {out['directory_s']} s, templates {out['setup_s'] - out['directory_s']:.1f} s",
                  file=sys.stderr)
            for what, s in web_data.TIMES:
                print(f"{s:8.2f} s  {what}", file=sys.stderr)
        people = web_data.work(url, office, args.users)
        out["inbox_rows"] = [min(len(p["open"]) for p in people), max(len(p["open"]) for p in people)]
        print(f"数据：{args.cases:,} 件案件，设置 {out['setup_s']} s，装载 {out['load_s']} s；"
              f"每人待办 {out['inbox_rows'][0]}–{out['inbox_rows'][1]} 件", file=sys.stderr)
        port = free_port()
        stats = Stats()
        with server(url, port, tmp, web_data.TODAY.isoformat()) as proc:
            samples: list[int] = []
            stop = False

            async def sample():
                while not stop:
                    kb = rss_kb(proc.pid).get("VmRSS")
                    if kb:
                        samples.append(kb)
                    await asyncio.sleep(0.5)

            mark: dict[str, Any] = {}

            def started() -> None:  # every person signed in: the measured part begins
                mark.update(t=time.perf_counter(), cpu=cpu_s(proc.pid), load=loadavg())

            async def run():
                nonlocal stop
                sampler = asyncio.create_task(sample())
                try:
                    await simulate(f"http://127.0.0.1:{port}", people, args.duration, args.think,
                                   web_data.TODAY.isoformat(), stats, started)
                finally:
                    stop = True
                    await sampler

            asyncio.run(run())
            out["run_s"] = round(time.perf_counter() - mark["t"], 1)
            out["worker_cpu_s"] = round(cpu_s(proc.pid) - mark["cpu"], 1)
            out["loadavg"] = [mark["load"], loadavg()]
            mem = rss_kb(proc.pid)
        if stats.errors:  # the server's own lines about them (no personal data: paths only)
            lines = (Path(tmp) / "server.log").read_text(errors="replace").splitlines()
            for line in [ln for ln in lines if "error" in ln.lower()][-5:]:
                print("foi web: " + line[:200], file=sys.stderr)
        out["rss_max_mb"] = round(max(samples) / 1024, 1) if samples else None
        out["hwm_mb"] = round(mem.get("VmHWM", 0) / 1024, 1) or None
    rows = {}
    for k in KINDS:
        v = stats.ms[k]
        rows[k] = {"n": len(v), "p50": pct(v, 50), "p95": pct(v, 95)}
    out["figures"] = rows
    out["errors"] = len(stats.errors)
    out["error_examples"] = sorted(set(stats.errors))[:5]
    out["steps_skipped"] = stats.steps_skipped

    def ratio(page: str, bare: str) -> float | None:
        a, b = rows[page]["p95"], rows[bare]["p95"]
        return round(a / b, 2) if a and b else None

    out["ratio_inbox"] = ratio("inbox page", "inbox bare")
    out["ratio_case"] = ratio("case page", "case bare")
    peak = max(x for x in (out["rss_max_mb"], out["hwm_mb"]) if x is not None) if (out["rss_max_mb"] or out["hwm_mb"]) else None
    checks = {
        "inbox page p95 ≤ 3× bare": out["ratio_inbox"] is not None and out["ratio_inbox"] <= TARGET_RATIO,
        "case page p95 ≤ 3× bare": out["ratio_case"] is not None and out["ratio_case"] <= TARGET_RATIO,
        "step p95 ≤ 50 ms": rows["step"]["p95"] is not None and rows["step"]["p95"] <= TARGET_STEP_MS,
        "no errors": out["errors"] == 0,
        "worker RSS ≤ 200 MB": peak is not None and peak <= TARGET_RSS_MB,
    }
    out["targets"] = checks
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        f = lambda x: "—" if x is None else f"{x:.1f}"  # noqa: E731
        print(f"bench/web: {args.cases:,} cases on PostgreSQL, {args.users} signed-in staff, {args.duration:g} s, "
              f"think 0–{2 * args.think:g} s; inbox {out['inbox_rows'][0]}–{out['inbox_rows'][1]} open cases each")
        print(f"{'request':<12}{'n':>7}{'p50 ms':>10}{'p95 ms':>10}")
        for k in KINDS:
            r = rows[k]
            print(f"{k:<12}{r['n']:>7}{f(r['p50']):>10}{f(r['p95']):>10}")
        print(f"ratio p95 inbox page / bare: {out['ratio_inbox']}×   case page / bare: {out['ratio_case']}×   "
              f"(target ≤ {TARGET_RATIO:g}×)")
        print(f"step p95: {f(rows['step']['p95'])} ms (target ≤ {TARGET_STEP_MS:g} ms); errors: {out['errors']}"
              + (f" e.g. {out['error_examples'][0]}" if out["error_examples"] else "")
              + (f"; steps skipped (no received case left): {stats.steps_skipped}" if stats.steps_skipped else ""))
        print(f"web worker memory: VmRSS max {out['rss_max_mb']} MB, VmHWM {out['hwm_mb']} MB (target ≤ {TARGET_RSS_MB:g} MB)")
        total = sum(r["n"] for r in rows.values())
        print(f"requests: {total} in {out['run_s']} s after sign-in = {total / max(out['run_s'], 0.1):.1f}/s; "
              f"web worker CPU {out['worker_cpu_s']} s = {1000 * out['worker_cpu_s'] / max(total, 1):.1f} ms per "
              f"request; machine load average {out['loadavg'][0]} → {out['loadavg'][1]} ({os.cpu_count()} CPUs)")
        print("targets: " + "; ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in checks.items()))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
