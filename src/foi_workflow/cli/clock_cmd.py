"""`foi clock`: the what-if calculator of statutory dates, single or batch (JSON lines).

The Typer command; the work (and the fast path the console script takes for a plain command
line) is in cli/clock_core.py.
"""

from __future__ import annotations

from typing import Optional

import typer

from .clock_core import (BATCH_KEYS, DEFAULT_URL, MANUAL_EXCLUSION, build_events,  # noqa: F401
                         render_text, run)
from .common import user_errors


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
    status = run(received, rules, exclude, extension, explain, as_json, batch)
    if status:
        raise typer.Exit(status)
