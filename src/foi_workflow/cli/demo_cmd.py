"""`foi demo`: the main job end to end on the embedded SQLite database (make demo).

For now: the database is migrated, then the statutory clock runs over a realistic set of
applications of a district government, and every date is written with its explanation.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from ..domain.clock import ClockEvents, Consultation, compute_schedule
from ..labels import date_label, fmt_date

D = dt.date

SCENARIOS: list[tuple[str, ClockEvents]] = [
    ("2026年中秋节当天网上提交（条例2019）", ClockEvents(received=D(2026, 9, 25), channel="online")),
    ("春节前最后一个工作日收到，跨调休上班日", ClockEvents(received=D(2026, 2, 13))),
    ("征求第三方意见，10月9日答复", ClockEvents(
        received=D(2026, 9, 25),
        consultations=(Consultation("third_party", D(2026, 9, 29), answered=D(2026, 10, 9),
                                    party="某建筑公司"),))),
    ("经负责人批准延期20个工作日", ClockEvents(
        received=D(2026, 9, 25), extension_days=20, extension_approved=D(2026, 10, 28))),
    ("申请内容不明确：告知补正后收到补正，期限重新计算", ClockEvents(
        received=D(2026, 3, 2), correction_notice_sent=D(2026, 3, 6),
        correction_notice_delivered=D(2026, 3, 9), correction_received=D(2026, 3, 20))),
    ("已发出补正告知，等待申请人补正", ClockEvents(
        received=D(2026, 11, 16), correction_notice_sent=D(2026, 11, 19))),
    ("征求其他机关意见（条例2019不计入期限）", ClockEvents(
        received=D(2026, 4, 1),
        consultations=(Consultation("other_agency", D(2026, 4, 3), delivered=D(2026, 4, 7),
                                    answered=D(2026, 4, 20), party="区自然资源局"),))),
    ("收取信息处理费：收费通知至缴费不计入", ClockEvents(
        received=D(2026, 6, 1), fee_notice_sent=D(2026, 6, 5), fee_notice_delivered=D(2026, 6, 8),
        fee_paid=D(2026, 6, 15))),
    ("已答复送达：行政复议和行政诉讼期限", ClockEvents(
        received=D(2026, 7, 1), reply_delivered=D(2026, 7, 24))),
    ("2015年申请（条例2008：15个工作日，征求第三方意见）", ClockEvents(
        received=D(2015, 9, 28),
        consultations=(Consultation("third_party", D(2015, 10, 12), answered=D(2015, 10, 20)),))),
    ("新旧条例交替：2019年5月14日收到", ClockEvents(received=D(2019, 5, 14))),
    ("新旧条例交替：2019年5月15日收到", ClockEvents(received=D(2019, 5, 15))),
    ("年底收到：期限跨入尚未公布放假安排的2027年", ClockEvents(received=D(2026, 12, 20))),
]


def clock_demo(out: Path, console, url: str) -> None:
    """Print the clock scenarios and write every date with its explanation to out/."""
    from ..calendar_data.service import current_calendar

    calendar = current_calendar(url)
    console.print(f"工作日历：{calendar.version}（官方年度至 {calendar.last_official_year} 年）")
    console.print("[bold]法定期限计算演示[/bold]")
    results = []
    for n, (title, events) in enumerate(SCENARIOS, 1):
        schedule = compute_schedule(events, calendar)
        console.print(f"\n【{n}】{title}")
        console.print(f"    收到 {fmt_date(events.received)}，适用 {schedule.rules.short}")
        for key, due in schedule.keyed().items():
            mark = "  预估" if due.provisional else ""
            console.print(f"    {date_label(key):　<9}{fmt_date(due.date)}{mark}")
            for e in due.excluded:
                console.print(f"    {'':　<9}  · 不计算 {e.start:%m-%d} 次日至 {e.end:%m-%d}"
                              f"（{e.reason}，{e.working_days} 个工作日）")
            for note in due.notes:
                console.print(f"    {'':　<9}  · {note}")
        results.append({"scenario": title, **schedule.to_dict(explain=True)})
    out.mkdir(parents=True, exist_ok=True)
    path = out / "clock-demo.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", "utf-8")
    console.print(f"\n已写出 {len(results)} 个情形的全部期限及计算过程：{path}")


def demo(out: Path = typer.Option(Path("out"), "--out", help="输出目录")) -> None:
    """The clock part of the demo (the whole demo with flows: make demo)."""
    from rich.console import Console

    from ..storage import db
    from .common import settings

    url = settings().database_url
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"数据库：{db.database_url(url).split('@')[-1]}（版本 {db.upgrade(url)}）")
    clock_demo(out, console, url)
