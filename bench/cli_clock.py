"""Benchmark: `foi clock` wall time in a new process, beside its floor `python -c pass`.

    .venv/bin/python -m bench.cli_clock [--runs N] [--json]

Median of N runs (default 7) of `foi clock --received 2026-09-25 --json` against a database file
that does not exist (nothing loaded: the shipped calendar), after one untimed run that writes the
byte-code caches; the same number of `python -c pass` runs interleaved. Bytecode writing is
allowed in the children (PYTHONDONTWRITEBYTECODE unset): a user's installation has its caches.
Target: median ≤ 0.3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 0.3


def _wall(argv: list[str], env: dict[str, str], cwd: str) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.strip()[:300]}")
    return wall


def measure(runs: int) -> dict:
    foi = str(Path(sys.executable).with_name("foi"))
    with tempfile.TemporaryDirectory(prefix="foi-bench-clock-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["FOI_DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'none.sqlite3'}"  # never created
        cmd = [foi, "clock", "--received", "2026-09-25", "--json"]
        _wall(cmd, env, tmp)  # untimed: byte-code caches
        clock, floor = [], []
        for _ in range(runs):
            floor.append(_wall([sys.executable, "-c", "pass"], env, tmp))
            clock.append(_wall(cmd, env, tmp))
    med, base = statistics.median(clock), statistics.median(floor)
    return {"figure": "foi clock wall time", "runs": runs, "median_s": round(med, 3),
            "max_s": round(max(clock), 3), "python_pass_median_s": round(base, 3),
            "ratio": round(med / base, 1), "target_s": TARGET_S, "target_met": med <= TARGET_S}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.cli_clock", description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    r = measure(args.runs)
    if args.json:
        print(json.dumps(r, ensure_ascii=False))
    else:
        print(f"`foi clock` in a new process, median of {r['runs']}: {r['median_s']} s (max {r['max_s']} s); "
              f"`python -c pass` {r['python_pass_median_s']} s; target ≤ {TARGET_S} s — "
              + ("met" if r["target_met"] else "NOT met"))
    return 0 if r["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
