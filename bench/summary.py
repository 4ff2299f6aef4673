"""`make bench`: the quick benches, one summary table, and the same rows as JSON in
bench/results/<commit>-<date>.json (compare two commits: python -m bench.summary --compare A.json B.json).

    .venv/bin/python -m bench.summary [--quick]

Each row: figure, its floor (measured in the same run), ratio, target, met or not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results")


def _run(module: str, *args: str) -> Any:
    done = subprocess.run([sys.executable, "-m", module, "--json", *args], capture_output=True, text=True)
    try:  # exit 1 = a target missed (the row says which); anything else: the bench's last line
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise BenchFailed(f"{module}: {lines[-1][:200]}", missing=done.returncode == 2) from None


class BenchFailed(Exception):
    def __init__(self, message: str, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing  # exit 2: something the bench needs is not there (PostgreSQL)


def _r(x: float, digits: int) -> float:
    return round(x, digits)


def _row(figure: str, build) -> list[dict[str, Any]]:
    """The rows of one bench, or one row saying why it could not run."""
    try:
        return build()
    except BenchFailed as exc:
        return [_failed(figure, str(exc))]


def _failed(figure: str, why: str) -> dict[str, Any]:
    return {"figure": figure, "value": None, "floor": "", "floor_value": None, "ratio": None,
            "target": "", "met": False, "error": why}


def rows(quick: bool) -> list[dict[str, Any]]:
    def cli_clock() -> list[dict[str, Any]]:
        c = _run("bench.cli_clock", "--runs", "5" if quick else "9")
        return [{"figure": "foi clock, wall s (median)", "value": c["median_s"], "floor": "python -c pass",
                 "floor_value": c["python_pass_median_s"], "ratio": c["ratio"], "target": "≤ 0.3 s",
                 "met": c["target_met"]},
                {"figure": "foi clock, no .pyc of ours, s", "value": c["nocache_median_s"],
                 "floor": "python -c pass", "floor_value": c["nocache_python_pass_median_s"],
                 "ratio": c["nocache_ratio"], "target": "—", "met": None},
                {"figure": "foi clock, text (rich), s", "value": c["text_median_s"],
                 "floor": "python -c pass", "floor_value": c["text_python_pass_median_s"],
                 "ratio": c["text_ratio"], "target": "—", "met": None}]

    def clock() -> list[dict[str, Any]]:
        k = _run("bench.clock", "--cases", "20000" if quick else "100000")
        return [{"figure": "reply_due, cases/s", "value": round(k["ours_rate_per_s"]),
                 "floor": "holidays.get_nth_working_day", "floor_value": round(k["peer_rate_per_s"]),
                 "ratio": round(k["ratio_ours_over_peer"], 1), "target": "≥ 50× peer",
                 "met": k["target_ratio_pass"] and k["target_rate_pass"]}]

    def notices() -> list[dict[str, Any]]:
        n = _run("bench.notices", "--notices", "10" if quick else "30", "--steps", "10" if quick else "40")
        r = n["render"]
        return [{"figure": "notice → DOCX, /s", "value": r["docx_per_s"], "floor": "bare python-docx",
                 "floor_value": r["baseline_docx_per_s"], "ratio": r["docx_ratio"], "target": "≥ 0.8×",
                 "met": n["docx_target_met"]},
                {"figure": "notice → PDF, /s", "value": r["pdf_per_s"], "floor": "bare fpdf2",
                 "floor_value": r["baseline_pdf_per_s"], "ratio": r["pdf_ratio"], "target": "—", "met": None}]

    def steps() -> list[dict[str, Any]]:
        args = ["--steps", "30" if quick else "120", "--bulk", "2000" if quick else "10000", "--no-prefect"]
        no_pg: str | None = None
        try:
            st = _run("bench.steps", *args)
        except BenchFailed as exc:
            if not exc.missing:
                raise
            no_pg = str(exc)  # PostgreSQL not up: the SQLite rows, and one row saying why
            st = _run("bench.steps", *args, "--no-postgres")
        name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        out = []
        for r in st["results"]:
            out.append({"figure": f"step, {name[r['database']]}, ms (median)", "value": _r(r["step_median_ms"], 2),
                        "floor": "same rows, hand-written SQL", "floor_value": _r(r["floor_median_ms"], 2),
                        "ratio": _r(r["ratio"], 2), "target": "≤ 2×", "met": r["ratio"] <= 2.0})
        for b in st["bulk"]:
            floor = "COPY, no checks" if b["database"] == "postgresql" else "executemany, no checks"
            out.append({"figure": f"bulk intake, {name[b['database']]}, /s", "value": round(b["per_second"]),
                        "floor": floor, "floor_value": round(b["floor_per_second"]),
                        "ratio": _r(b["ratio"], 2), "target": "≥ 0.5×", "met": b["ratio"] >= 0.5,
                        "split_seconds": b["split_seconds"]})
        if st.get("cli"):
            c = st["cli"]
            out.append({"figure": "foi case step, wall s (median)", "value": _r(c["median_s"], 3),
                        "max_s": _r(c["max_s"], 3),
                        "floor": "python -c pass", "floor_value": _r(c["python_pass_median_s"], 3),
                        "ratio": _r(c["median_s"] / c["python_pass_median_s"], 1), "target": "max < 2 s",
                        "met": c["max_s"] < 2.0})
        if no_pg:
            out.append(_failed("step and bulk intake, PostgreSQL", no_pg))
        return out

    return [*_row("foi clock", cli_clock), *_row("reply_due", clock), *_row("steps", steps),
            *_row("notices", notices)]


def commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except OSError:
        return "unknown"


def _load() -> list[float] | None:
    """The machine's load when the run ended (1, 5, 15 minutes): figures from a loaded machine
    compare by their ratios, not by their values."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def compare(old_path: str, new_path: str) -> int:
    """Two results files, figure by figure: value and ratio to the floor of each."""
    old, new = (json.loads(Path(p).read_text("utf-8")) for p in (old_path, new_path))
    before = {r["figure"]: r for r in old["rows"]}
    print(f"{'figure':<32} {'old value':>10} {'new value':>10} {'old ratio':>10} {'new ratio':>10}  target")
    for r in new["rows"]:
        o = before.get(r["figure"], {})
        print(f"{r['figure']:<32} {o.get('value')!s:>10} {r['value']!s:>10} {o.get('ratio')!s:>10} "
              f"{r['ratio']!s:>10}  {r['target']}")
    print(f"old: {old.get('commit')} {old.get('date')} load {old.get('load_average')}; "
          f"new: {new.get('commit')} {new.get('date')} load {new.get('load_average')}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.summary", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--compare", nargs=2, metavar=("OLD.json", "NEW.json"),
                    help="print two results files side by side (ratios: the machine's load cancels out)")
    args = ap.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    table = rows(args.quick)
    print(f"{'figure':<32} {'value':>9}  {'floor':<30} {'floor value':>11} {'ratio':>7}  {'target':<8} met")
    for t in table:
        met = "—" if t["met"] is None else ("yes" if t["met"] else "NO")
        print(f"{t['figure']:<32} {t['value']!s:>9}  {t['floor']:<30} {t['floor_value']!s:>11} "
              f"{t['ratio']!s:>7}  {t['target']:<8} {met}" + (f"  ({t['error']})" if t.get("error") else ""))
    for t in table:
        if t.get("split_seconds"):
            print(f"  {t['figure']}, where the time goes (s): "
                  + "; ".join(f"{k} {v}" for k, v in t["split_seconds"].items()))
    RESULTS.mkdir(exist_ok=True)
    name = f"{commit()}-{dt.date.today().isoformat()}.json"
    (RESULTS / name).write_text(json.dumps({"commit": commit(), "date": dt.datetime.now().isoformat(timespec="seconds"),
                                            "python": platform.python_version(), "machine": platform.machine(),
                                            "cpus": os.cpu_count(), "load_average": _load(),
                                            "quick": args.quick, "rows": table}, ensure_ascii=False, indent=1)
                                + "\n", encoding="utf-8")
    print(f"→ bench/results/{name}")
    return 0 if all(t["met"] is not False for t in table) else 1


if __name__ == "__main__":
    sys.exit(main())
