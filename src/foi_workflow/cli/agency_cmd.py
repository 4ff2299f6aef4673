"""`foi agency`: register agencies in their hierarchy (government → department, town, sub-district)."""

from __future__ import annotations

from typing import Any, Optional

import typer

from .common import AS_HELP, acting, print_json, unit_of_work, user_errors

app = typer.Typer(no_args_is_help=True)


def _agency_dict(row: Any, depth: int = 0, parent: str | None = None) -> dict[str, Any]:
    from ..labels import agency_kind_label

    return {"code": row.code, "name": row.name, "kind": row.kind,
            "kind_label": agency_kind_label(row.kind), "parent": parent, "depth": depth,
            "settings": dict(row.settings or {})}


@app.command("add", help="登记机关：代码、名称、类别；下属机关以 --parent 指明上级机关。")
@user_errors
def add(
    code: str = typer.Argument(..., help="机关代码（字母、数字、-、_，至多40位），用作案件编号前缀"),
    name: str = typer.Argument(..., help="机关名称"),
    kind: str = typer.Option(..., "--kind", help="类别：government（人民政府）、department（政府部门）、"
                                                 "town（镇）、subdistrict（街道办事处）"),
    parent: Optional[str] = typer.Option(None, "--parent", help="上级机关代码"),
    correction_days: Optional[int] = typer.Option(
        None, "--correction-days", help="补正期限（工作日，1–60；默认15）"),
    weekend_online_next_day: bool = typer.Option(
        False, "--weekend-online-next-day", help="非工作日网上（传真）提交的，视为下一工作日收到"),
    no_fee_exclusion: bool = typer.Option(
        False, "--no-fee-exclusion", help="收费通知至缴费期间计入答复期限（默认不计入）"),
    alert_days: Optional[int] = typer.Option(
        None, "--alert-days", help="答复期限到期提醒提前量（工作日，1–20；默认3）"),
    backdate_days: Optional[int] = typer.Option(
        None, "--backdate-days", help="事项登记晚于其日期超过N个工作日的，标为补录（0–20；默认3）"),
    actor: Optional[str] = typer.Option(None, "--as", help=AS_HELP + "（管理员；尚无管理员时为初始设置）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..domain.settings import AgencySettings
    from ..services import accounts

    defaults = AgencySettings()
    settings = AgencySettings(
        correction_period_working_days=(defaults.correction_period_working_days
                                        if correction_days is None else correction_days),
        weekend_online_receipt_next_working_day=weekend_online_next_day,
        exclude_fee_time=not no_fee_exclusion,
        alert_working_days=defaults.alert_working_days if alert_days is None else alert_days,
        backdate_working_days=defaults.backdate_working_days if backdate_days is None else backdate_days,
    )
    uow = unit_of_work()
    who = acting(uow, actor, bootstrap=True)
    with uow:
        row = accounts.add_agency(accounts.AddAgency(code, name, kind, parent, settings), uow, who)
    out = _agency_dict(row, parent=parent)
    if as_json:
        print_json(out)
        return
    where = f"，上级机关 {parent}" if parent else ""
    typer.echo(f"已登记机关：{out['code']} {out['name']}（{out['kind_label']}{where}）")


@app.command("list", help="按上下级缩进列出已登记的机关及其设置。")
@user_errors
def list_(as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    from ..services import views

    uow = unit_of_work()
    rows = views.agency_tree(uow, None)
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("尚未登记机关（用 foi agency add 登记）。")
        return
    from rich.console import Console
    from rich.table import Table

    from ..domain.settings import AgencySettings
    from ..labels import AGENCY_SETTING_LABELS, CASE_FIELD_LABELS as F

    defaults = AgencySettings().__dict__
    table = Table(show_lines=False)
    table.add_column(F["code"], no_wrap=True)
    table.add_column(F["name"], overflow="fold")
    table.add_column(F["kind"], no_wrap=True)
    table.add_column("非默认" + F["settings"], overflow="fold")
    for r in rows:
        changed = "；".join(f"{AGENCY_SETTING_LABELS.get(k, k)}：{_setting_text(v)}"
                           for k, v in r["settings"].items() if defaults.get(k) != v)
        indent = "   " * (r["depth"] - 1) + "└─ " if r["depth"] else ""
        table.add_row(indent + r["code"], r["name"], r["kind_label"], changed)
    Console(highlight=False, soft_wrap=True).print(table)


def _setting_text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)
