"""`foi clock` without Typer: the what-if calculator's work, and the fast path that runs it.

The console script (cli/launch.py) hands a `foi clock …` command line to fast() first: a
well-formed line (only the options below, each value in its plain form) runs here without
importing Typer, pydantic or SQLAlchemy (`foi clock` answers in about 0.1 s); anything else —
--help, an unknown or repeated option, a missing value, an odd form — returns None before any
output, and Typer (cli/clock_cmd.py, the one definition of the options' help texts) handles the
line as always, its messages included. tests/test_cli_clock.py keeps OPTIONS equal to the
Typer command's options and both paths' answers equal.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Optional

from ..domain.calendar import WorkingCalendar
from ..domain.clock import ClockEvents, Exclusion, Schedule, compute_schedule
from ..domain.errors import FoiError, InputError
from ..domain.parsing import parse_date, parse_interval
from ..domain.rulepacks import pack_by_id
from ..labels import METHOD_LABELS, date_label, fmt_date
from .common import EXIT_BAD_INPUT, error_line, print_json

MANUAL_EXCLUSION = "指定的不计算期间"
DEFAULT_URL = "sqlite:///foi.sqlite3"  # = storage.db.DEFAULT_URL (a test keeps them equal)
BATCH_KEYS = {"received", "rules", "exclude", "extension"}


def build_events(received: object, rules: object = None, exclude: Any = (),
                 extension: object = 0) -> ClockEvents:
    """Check the what-if inputs (as typed or as JSON) and turn them into clock events."""
    day = parse_date(received, "received")
    if rules is not None:
        if not isinstance(rules, str):
            raise InputError("rules", "可选规则：ogi-2019、ogi-2008", f"无效的规则：{rules!r}")
        pack_by_id(rules)
    if isinstance(extension, bool) or not isinstance(extension, int):
        raise InputError("extension", "延期为整数个工作日", f"无效的延期：{extension!r}")
    if not isinstance(exclude, (list, tuple)):
        raise InputError("exclude", "排除期间为 [开始日, 结束日] 的列表", f"无效的排除期间：{exclude!r}")
    exclusions = tuple(Exclusion(*parse_interval(item, "exclude"), MANUAL_EXCLUSION)
                       for item in exclude)
    return ClockEvents(received=day, rules=rules, extension_days=extension, exclusions=exclusions)


def _calendar() -> WorkingCalendar:
    import os

    from ..calendar_data.service import current_calendar

    # the what-if calculator stays light: the database URL alone, not the whole Settings, and no
    # SQLAlchemy when the database holds no loaded year (storage.db.DEFAULT_URL, not imported)
    return current_calendar(os.environ.get("FOI_DATABASE_URL") or DEFAULT_URL)


def render_text(schedule: Schedule, explain: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    pack = schedule.rules
    console.print(f"收到申请：{fmt_date(schedule.received)}")
    if schedule.effective_received != schedule.received:
        console.print(f"视为收到：{fmt_date(schedule.effective_received)}")
    console.print(f"适用规则：{pack.title}")
    console.print(f"工作日历：{schedule.calendar_version}")
    table = Table(show_lines=False)
    table.add_column("期限", overflow="fold")
    table.add_column("日期", no_wrap=True)
    table.add_column("状态", no_wrap=True)
    table.add_column("依据", overflow="fold")
    for key, due in schedule.keyed().items():
        status = "预估" if due.provisional else "确定"
        if due.date is None:
            status = "暂停计算"
        name = date_label(key) + (f"：{due.subject}" if due.subject else "")
        table.add_row(name, fmt_date(due.date), status, due.basis)
    console.print(table)
    if schedule.provisional:
        console.print("注意：标为“预估”的日期所涉年度的放假安排尚未公布，按法定节日预估，公布后将重新计算。")
    if not explain:
        return
    for key, due in schedule.keyed().items():
        console.print(f"\n【{date_label(key)}】{fmt_date(due.date)}")
        console.print(f"  依据：{due.basis}")
        console.print(f"  计算：自 {due.start.isoformat()} 次日起计 {due.length}{METHOD_LABELS[due.method]}")
        counted = due.counted_days()
        if counted:
            console.print("  计入的工作日：" + "、".join(
                f"{d:%m-%d}({i})" for i, d in enumerate(counted, 1)))
        skipped = due.skipped_days()
        if skipped:
            console.print("  非工作日：" + "、".join(f"{d:%m-%d} {why}" for d, why in skipped))
        for e in due.excluded:
            console.print(f"  不计算期间：{e.start.isoformat()} 次日至 {e.end.isoformat()}，"
                          f"{e.reason}，扣除 {e.working_days} 个工作日")
        for note in due.notes:
            console.print(f"  说明：{note}")


def _batch(explain: bool) -> int:
    calendar = _calendar()
    failures = 0
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError("line", "每行一个 JSON 对象", f"无法解析：{exc.msg}") from None
            if not isinstance(obj, dict):
                raise InputError("line", "每行一个 JSON 对象", "该行不是 JSON 对象")
            unknown = sorted(set(obj) - BATCH_KEYS)
            if unknown:
                raise InputError(unknown[0], "可用字段：" + "、".join(sorted(BATCH_KEYS)),
                                 f"未知的字段“{unknown[0]}”")
            events = build_events(obj.get("received"), obj.get("rules"),
                                  obj.get("exclude") or [], obj.get("extension") or 0)
            print_json({"line": n, **compute_schedule(events, calendar).to_dict(explain)})
        except FoiError as err:
            failures += 1
            print_json({"line": n, "error": err.as_dict()})
        sys.stdout.flush()
    return failures


def run(received: Optional[str], rules: Optional[str], exclude: list[str], extension: int,
        explain: bool, as_json: bool, batch: bool) -> int:
    """The command's work once its options are parsed: the exit status (a bad line of a batch
    makes it 2); bad input of a single question raises FoiError."""
    if batch:
        return EXIT_BAD_INPUT if _batch(explain) else 0
    if received is None:
        raise InputError("--received", "须给出收到申请日期（或使用 --batch）", "缺少 --received")
    events = build_events(received, rules, exclude, extension)
    schedule = compute_schedule(events, _calendar())
    if as_json:
        print_json(schedule.to_dict(explain))
    else:
        render_text(schedule, explain)
    return 0


# option → (parameter, kind): the Typer command's options (a test keeps them equal)
OPTIONS = {
    "--received": ("received", "text"),
    "--rules": ("rules", "text"),
    "--exclude": ("exclude", "list"),
    "--extension": ("extension", "int"),
    "--explain": ("explain", "flag"),
    "--json": ("as_json", "flag"),
    "--batch": ("batch", "flag"),
}


def parse_fast(argv: list[str]) -> Optional[dict[str, Any]]:
    """The options of a plain `foi clock` command line, or None when Typer should read it."""
    values: dict[str, Any] = {"received": None, "rules": None, "exclude": [], "extension": 0,
                              "explain": False, "as_json": False, "batch": False}
    seen: set[str] = set()
    args = iter(argv)
    for arg in args:
        flag, eq, inline = arg.partition("=")
        spec = OPTIONS.get(flag)
        if spec is None:
            return None  # --help, a positional argument, "--", an unknown option
        name, kind = spec
        if kind != "list" and name in seen:
            return None  # repeated: Typer's rule (the last one wins) applies
        seen.add(name)
        if kind == "flag":
            if eq:
                return None
            values[name] = True
            continue
        value = inline if eq else next(args, None)
        if value is None or value.startswith("-"):
            return None
        if kind == "int":
            if not (value.isascii() and value.isdigit()):
                return None
            values[name] = int(value)
        elif kind == "list":
            values[name].append(value)
        else:
            values[name] = value
    return values


def fast(argv: list[str]) -> Optional[int]:
    """Run `foi clock ARGV` without Typer when its line is plain; None (nothing printed) if not."""
    values = parse_fast(argv)
    if values is None:
        return None
    try:
        return run(**values)
    except FoiError as err:
        sys.stderr.write(error_line(err) + "\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # as Click answers it
        sys.stderr.write("\nAborted!\n")
        return 1
