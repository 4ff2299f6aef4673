"""`foi clock`: the what-if calculator of statutory dates, single or batch (JSON lines)."""

from __future__ import annotations

import json
import sys
from typing import Any, Optional

import typer

from ..domain.calendar import WorkingCalendar
from ..domain.clock import ClockEvents, Exclusion, Schedule, compute_schedule
from ..domain.errors import FoiError, InputError
from ..domain.parsing import parse_date, parse_interval
from ..domain.rulepacks import pack_by_id
from ..labels import METHOD_LABELS, date_label, fmt_date
from .common import EXIT_BAD_INPUT, print_json, user_errors

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


@user_errors
def clock(
    received: Optional[str] = typer.Option(None, "--received", help="收到申请日期 YYYY-MM-DD"),
    rules: Optional[str] = typer.Option(None, "--rules", help="ogi-2019 或 ogi-2008；默认按收到日期"),
    exclude: list[str] = typer.Option([], "--exclude", help="不计算期间 开始日:结束日（开始日当天计入），可多次"),
    extension: int = typer.Option(0, "--extension", help="经批准延长的工作日数"),
    explain: bool = typer.Option(False, "--explain", help="显示每个日期的计算过程"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
    batch: bool = typer.Option(False, "--batch", help="从标准输入逐行读取 JSON，逐行输出结果"),
) -> None:
    if batch:
        failures = _batch(explain)
        raise typer.Exit(EXIT_BAD_INPUT if failures else 0)
    if received is None:
        raise InputError("--received", "须给出收到申请日期（或使用 --batch）", "缺少 --received")
    events = build_events(received, rules, exclude, extension)
    schedule = compute_schedule(events, _calendar())
    if as_json:
        print_json(schedule.to_dict(explain))
    else:
        render_text(schedule, explain)
