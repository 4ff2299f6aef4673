"""`make bench`: the quick benches, one summary table, and the same rows as JSON in
bench/results/<date>-<commit>.json (compare two commits by diffing two such files).

    .venv/bin/python -m bench.summary [--quick]

Each row: figure, its floor (measured in the same run), ratio, target, met or not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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
        raise BenchFailed(f"{module}: {lines[-1][:200]}") from None


class BenchFailed(Exception):
    pass


def _row(figure: str, build) -> list[dict[str, Any]]:
    """The rows of one bench, or one row saying why it could not run."""
    try:
        return build()
    except BenchFailed as exc:
        return [{"figure": figure, "value": None, "floor": "", "floor_value": None, "ratio": None,
                 "target": "", "met": False, "error": str(exc)}]


def rows(quick: bool) -> list[dict[str, Any]]:
    def cli_clock() -> list[dict[str, Any]]:
        c = _run("bench.cli_clock", "--runs", "5" if quick else "9")
        return [{"figure": "foi clock, wall s (median)", "value": c["median_s"], "floor": "python -c pass",
                 "floor_value": c["python_pass_median_s"], "ratio": c["ratio"], "target": "≤ 0.3 s",
                 "met": c["target_met"]}]

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

    return [*_row("foi clock", cli_clock), *_row("reply_due", clock), *_row("notices", notices)]


def commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.summary", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    args = ap.parse_args(argv)
    table = rows(args.quick)
    print(f"{'figure':<28} {'value':>10}  {'floor':<30} {'floor value':>11} {'ratio':>7}  {'target':<10} met")
    for t in table:
        met = "—" if t["met"] is None else ("yes" if t["met"] else "NO")
        print(f"{t['figure']:<28} {t['value']!s:>10}  {t['floor']:<30} {t['floor_value']!s:>11} "
              f"{t['ratio']!s:>7}  {t['target']:<10} {met}" + (f"  ({t['error']})" if t.get("error") else ""))
    RESULTS.mkdir(exist_ok=True)
    name = f"{dt.date.today().isoformat()}-{commit()}.json"
    (RESULTS / name).write_text(json.dumps({"python": platform.python_version(), "machine": platform.machine(),
                                            "quick": args.quick, "rows": table}, ensure_ascii=False, indent=1)
                                + "\n", encoding="utf-8")
    print(f"→ bench/results/{name}")
    return 0 if all(t["met"] is not False for t in table) else 1


if __name__ == "__main__":
    sys.exit(main())
