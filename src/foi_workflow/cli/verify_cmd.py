"""`foi verify`: the history's hash chains recomputed, any break named (no Prefect import)."""

from __future__ import annotations

from typing import Optional

import typer

from .common import AS_HELP, acting_or_scheduler, print_json, unit_of_work, user_errors


@user_errors
def verify(
    agency: Optional[str] = typer.Option(None, "--agency", help="只核对此机关及其下属机关"),
    actor: Optional[str] = typer.Option(None, "--as", help="核对人（督办人、负责人）；不给出时以系统身份核对全部机关；" + AS_HELP),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """核对办理记录：重新计算每件案件办理记录和每份文书的哈希链，列明断裂处；有断裂时退出码为 1。"""
    from ..services import verify as service

    uow = unit_of_work()
    result = service.verify(service.VerifyQuery(agency), uow, acting_or_scheduler(uow, actor))
    if as_json:
        print_json(result.to_dict())
    else:
        typer.echo(f"核对案件 {result.cases} 件、办理记录 {result.events} 条、文书 {result.notices} 件："
                   + ("哈希链完好。" if result.ok else f"发现 {len(result.breaks)} 处断裂："))
        for b in result.breaks:
            what = "案件" if b["what"] == "case" else "文书"
            typer.echo(f"  {what} {b['ref']}" + (f" 第 {b['seq']} 条" if b["what"] == "case" and b["seq"] else "")
                       + f"：{b['problem']}")
        typer.echo(f"链尾摘要：{result.heads_sha256}")
    if not result.ok:
        raise typer.Exit(1)
