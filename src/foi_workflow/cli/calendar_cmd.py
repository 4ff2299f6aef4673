"""`foi calendar`: show the working-day calendar and load a newly published year.

`show` is open to everyone (the calendar is public data); `load` and `recompute` act as an admin
of a top-level government (`--as CODE`, or the owner of `foi --token`), recorded with the
operator (the OS user).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import AS_HELP, acting, print_json, unit_of_work, user_errors

app = typer.Typer(no_args_is_help=True)

STATUS_LABELS = {"loaded": "已载入", "replaced": "已替换原官方安排", "unchanged": "内容与现有官方安排一致，未作修改"}
ADMIN_HELP = "办理人：最上级人民政府的管理员（账户代码）；" + AS_HELP


@app.command("load", help="载入国务院办公厅公布的年度放假安排文件（TOML/JSON），该年度随即成为官方年度"
                          "（限最上级人民政府的管理员）。")
@user_errors
def load(
    file: Path = typer.Argument(..., help="年度安排文件"),
    as_code: Optional[str] = typer.Option(None, "--as", help=ADMIN_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    from ..calendar_data.service import LoadYear, load_year

    uow = unit_of_work()
    who = acting(uow, as_code)
    result = load_year(LoadYear(file), uow, who)
    recomputed = None
    if result.status != "unchanged":  # open cases' dates follow the new calendar (with an event)
        from ..services.recompute import recompute_open_cases

        recomputed = recompute_open_cases(uow, who).to_dict()
    if as_json:
        print_json({**result.__dict__, "recomputed": recomputed})
        return
    typer.echo(f"{result.year} 年：{STATUS_LABELS[result.status]}")
    typer.echo(f"日历版本：{result.version_before} → {result.version_after}")
    if recomputed is not None:
        _echo_recomputed(recomputed)


def _echo_recomputed(report: dict) -> None:
    typer.echo(f"重新计算在办案件期限：检查 {report['checked']} 件，期限变化 {len(report['moved'])} 件"
               + (f"（{report['failed']} 件未成功）" if report["failed"] else ""))
    for m in report["moved"]:
        changes = "；".join(f"{k} {v['from']} → {v['to']}" for k, v in m["changed"].items())
        typer.echo(f"  {m['case_no']}：{changes}" + (f"（未成功：{m['error']}）" if not m["ok"] else ""))


@app.command("recompute", help="按现行工作日历重新计算全部在办案件的期限；期限变化的案件记入办理记录"
                               "（限最上级人民政府的管理员）。")
@user_errors
def recompute(
    as_code: Optional[str] = typer.Option(None, "--as", help=ADMIN_HELP),
    today: Optional[str] = typer.Option(None, "--today", help="以此日期为今天（演练用，默认今天或 FOI_TODAY）"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    from ..domain.parsing import parse_date
    from ..services.recompute import recompute_open_cases

    uow = unit_of_work()
    who = acting(uow, as_code)
    report = recompute_open_cases(uow, who, today=parse_date(today, "--today") if today else None).to_dict()
    if as_json:
        print_json(report)
    else:
        _echo_recomputed(report)


@app.command("show", help="列出各年度的状态（官方/预估）与依据；给出 YEAR 时列出该年的放假日与调休上班日。")
@user_errors
def show(
    year: Optional[int] = typer.Argument(None),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    from ..calendar_data.service import current_calendar
    from ..domain.errors import InputError
    from .common import settings

    cal = current_calendar(settings().database_url)
    if year is None:
        rows = [{"year": y, "official": a.official, "reference": a.reference or a.source}
                for y, a in sorted(cal.arrangements.items())]
        if as_json:
            print_json({"calendar_version": cal.version, "years": rows})
            return
        typer.echo(f"日历版本：{cal.version}")
        for r in rows:
            typer.echo(f"{r['year']}  {'官方' if r['official'] else '预估'}  {r['reference']}")
        return
    if year not in cal.arrangements:
        raise InputError("YEAR", f"工作日历覆盖 {min(cal.arrangements)}–{max(cal.arrangements)} 年",
                         f"{year} 年不在范围内")
    arr = cal.arrangements[year]
    data = {"calendar_version": cal.version, **arr.canonical(), "source": arr.source}
    if as_json:
        print_json(data)
        return
    typer.echo(f"{year} 年（{'官方' if arr.official else '预估'}）：{arr.reference or arr.source}")
    for day, name in sorted(arr.days_off.items()):
        typer.echo(f"  放假  {day.isoformat()}  {name}")
    for day in sorted(arr.make_up_workdays):
        typer.echo(f"  上班  {day.isoformat()}  调休上班日")
