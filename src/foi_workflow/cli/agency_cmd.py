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
    contact_office: str = typer.Option("", "--contact-office", help="联系机构（每份告知书载明）"),
    contact_person: str = typer.Option("", "--contact-person", help="联系人"),
    contact_phone: str = typer.Option("", "--contact-phone", help="联系电话"),
    contact_address: str = typer.Option("", "--contact-address", help="通信地址"),
    contact_postcode: str = typer.Option("", "--contact-postcode", help="邮政编码（6位）"),
    contact_email: str = typer.Option("", "--contact-email", help="电子邮箱"),
    contact_hours: str = typer.Option("", "--contact-hours", help="办公时间（申请指南所载）"),
    doc_code: str = typer.Option("", "--doc-code", help="机关代字（1–10个汉字；发文字号写作 代字〔年份〕序号号）"),
    payee: str = typer.Option("", "--payee", help="收款单位（收费通知书载明）"),
    bank: str = typer.Option("", "--bank", help="开户银行"),
    account: str = typer.Option("", "--account", help="银行账号"),
    payment_method: str = typer.Option("", "--payment-method", help="缴费方式"),
    actor: Optional[str] = typer.Option(None, "--as", help=AS_HELP + "（管理员；尚无管理员时为初始设置）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..domain.settings import AgencySettings
    from ..services import accounts

    defaults = AgencySettings()
    settings = AgencySettings(
        contact_office=contact_office, contact_person=contact_person, contact_phone=contact_phone,
        contact_address=contact_address, contact_postcode=contact_postcode, contact_email=contact_email,
        contact_hours=contact_hours, doc_code=doc_code, payee=payee, bank=bank, account=account,
        payment_method=payment_method, correction_period_working_days=(defaults.correction_period_working_days
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


@app.command("contact", help="设置机关的联系方式（每份告知书载明）和缴费信息（收费通知书载明）；未给出的项保持不变。")
@user_errors
def contact(
    code: str = typer.Argument(..., help="机关代码"),
    contact_office: Optional[str] = typer.Option(None, "--office", help="联系机构"),
    contact_person: Optional[str] = typer.Option(None, "--person", help="联系人"),
    contact_phone: Optional[str] = typer.Option(None, "--phone", help="联系电话"),
    contact_address: Optional[str] = typer.Option(None, "--address", help="通信地址"),
    contact_postcode: Optional[str] = typer.Option(None, "--postcode", help="邮政编码（6位）"),
    contact_email: Optional[str] = typer.Option(None, "--email", help="电子邮箱"),
    contact_hours: Optional[str] = typer.Option(None, "--hours", help="办公时间（申请指南所载，如 工作日 9:00–12:00，13:30–17:30）"),
    payee: Optional[str] = typer.Option(None, "--payee", help="收款单位"),
    bank: Optional[str] = typer.Option(None, "--bank", help="开户银行"),
    account: Optional[str] = typer.Option(None, "--account", help="银行账号"),
    payment_method: Optional[str] = typer.Option(None, "--payment-method", help="缴费方式"),
    doc_code: Optional[str] = typer.Option(None, "--doc-code",
                                           help="机关代字（1–10个汉字，如 榆政信公；发文字号写作 榆政信公〔2026〕3号）"),
    actor: Optional[str] = typer.Option(None, "--as", help=AS_HELP + "（管理员；尚无管理员时为初始设置）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from dataclasses import asdict

    from ..domain.settings import CONTACT_FIELDS, NOTICE_FIELDS, PAYMENT_REQUIRED
    from ..services import accounts

    given = {k: v for k, v in dict(
        contact_office=contact_office, contact_person=contact_person, contact_phone=contact_phone,
        contact_address=contact_address, contact_postcode=contact_postcode, contact_email=contact_email,
        contact_hours=contact_hours, payee=payee, bank=bank, account=account, payment_method=payment_method,
        doc_code=doc_code).items() if v is not None}
    uow = unit_of_work()
    who = acting(uow, actor, bootstrap=True)
    with uow:
        settings = accounts.set_agency_contact(accounts.SetAgencyContact(code, given), uow, who)
    out = {k: v for k, v in asdict(settings).items() if k in (*CONTACT_FIELDS, *PAYMENT_REQUIRED, *NOTICE_FIELDS)}
    if as_json:
        print_json(out)
        return
    missing = settings.missing_contact()
    typer.echo(f"已设置 {code} 的联系方式和缴费信息" + (f"；尚缺 {missing}，不能出具告知书" if missing else ""))


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
