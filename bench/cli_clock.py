"""Benchmark: `foi clock` wall time in a new process, beside its floor `python -c pass`.

    .venv/bin/python -m bench.cli_clock [--runs N] [--json]

Median of N runs (default 7) of the console script `foi clock --received 2026-09-25 --json`
against a database file that does not exist (nothing loaded: the shipped calendar), interleaved
with as many runs of the floor `python -c pass`, in three settings:

- **cached** (the target): byte-code caches written by one untimed run first, as an installed
  package has them; they go to a temporary PYTHONPYCACHEPREFIX, never into the source tree.
- **text**: the same, printing the table (rich) instead of JSON.
- **no cache of our code**: PYTHONDONTWRITEBYTECODE=1 and no prefix, as this machine's
  environment runs it: the installed libraries have their caches, the project's modules
  (an editable install) are compiled from source on every run.

Target: cached median ≤ 0.3 s.
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
QUESTION = ["clock", "--received", "2026-09-25"]


def _wall(argv: list[str], env: dict[str, str], cwd: str) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.strip()[:300]}")
    return wall


def _series(cmd: list[str], env: dict[str, str], cwd: str, runs: int) -> tuple[list[float], list[float]]:
    _wall(cmd, env, cwd)  # untimed: writes the byte-code caches where they may be written
    _wall([sys.executable, "-c", "pass"], env, cwd)
    clock, floor = [], []
    for _ in range(runs):
        floor.append(_wall([sys.executable, "-c", "pass"], env, cwd))
        clock.append(_wall(cmd, env, cwd))
    return clock, floor


def measure(runs: int) -> dict:
    foi = str(Path(sys.executable).with_name("foi"))
    if not Path(foi).exists():
        raise SystemExit(f"缺少：控制台脚本 {foi}（先运行 make venv）/ the foi console script is missing")
    out: dict = {"figure": "foi clock wall time", "runs": runs}
    with tempfile.TemporaryDirectory(prefix="foi-bench-clock-") as tmp:
        base = {k: v for k, v in os.environ.items()
                if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
        base["FOI_DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'none.sqlite3'}"  # never created
        cached = {**base, "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")}
        uncached = {**base, "PYTHONDONTWRITEBYTECODE": "1"}
        for label, cmd, env in (("", [foi, *QUESTION, "--json"], cached),
                                ("text_", [foi, *QUESTION], cached),
                                ("nocache_", [foi, *QUESTION, "--json"], uncached)):
            clock, floor = _series(cmd, env, tmp, runs)
            med, fl = statistics.median(clock), statistics.median(floor)
            out.update({f"{label}median_s": round(med, 3), f"{label}max_s": round(max(clock), 3),
                        f"{label}python_pass_median_s": round(fl, 3), f"{label}ratio": round(med / fl, 1)})
    out.update({"target_s": TARGET_S, "target_met": out["median_s"] <= TARGET_S})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.cli_clock", description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    r = measure(args.runs)
    if args.json:
        print(json.dumps(r, ensure_ascii=False))
    else:
        print(f"`foi clock --json` in a new process, median of {r['runs']}: {r['median_s']} s "
              f"(max {r['max_s']} s); `python -c pass` {r['python_pass_median_s']} s; "
              f"target ≤ {TARGET_S} s — " + ("met" if r["target_met"] else "NOT met"))
        print(f"  text output (rich table): {r['text_median_s']} s; without byte-code caches of the "
              f"project's modules (PYTHONDONTWRITEBYTECODE=1): {r['nocache_median_s']} s "
              f"(`python -c pass` {r['nocache_python_pass_median_s']} s)")
    return 0 if r["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
