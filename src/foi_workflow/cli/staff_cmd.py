"""`foi staff`: register staff with their role and agency, and list them."""

from __future__ import annotations

from typing import Any, Optional

import typer

from .agency_cmd import db_session
from .common import print_json, user_errors

app = typer.Typer(no_args_is_help=True)


def _staff_dict(staff: Any, agency: Any) -> dict[str, Any]:
    from ..labels import role_label

    return {"code": staff.code, "name": staff.name, "role": staff.role,
            "role_label": role_label(staff.role), "agency": agency.code,
            "agency_name": agency.name, "active": bool(staff.active)}


@app.command("add", help="登记工作人员：代码、姓名、角色、所属机关。")
@user_errors
def add(
    code: str = typer.Argument(..., help="工作人员代码（至多40位），办理案件时以 --as 指明"),
    name: str = typer.Argument(..., help="姓名"),
    role: str = typer.Option(..., "--role", help="角色：clerk（承办人）、reviewer（保密审查人）、"
                                                 "head（负责人）、supervisor（督办人）、admin（管理员）"),
    agency: str = typer.Option(..., "--agency", help="所属机关代码"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..services import directory

    with db_session() as session:
        row = directory.add_staff(session, code, name, role, agency)
        out = _staff_dict(row, directory.agency(session, agency))
    if as_json:
        print_json(out)
        return
    typer.echo(f"已登记工作人员：{out['code']} {out['name']}（{out['role_label']}，"
               f"{out['agency']} {out['agency_name']}）")


@app.command("list", help="列出工作人员（--agency 只列该机关的）。")
@user_errors
def list_(
    agency: Optional[str] = typer.Option(None, "--agency", help="机关代码"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..services import directory, queries

    with db_session() as session:
        agency_id = directory.agency(session, agency).id if agency else None
        rows = [_staff_dict(s, a) for s, a in queries.staff_list(session, agency_id)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("没有登记的工作人员。")
        return
    from rich.console import Console
    from rich.table import Table

    from ..labels import CASE_FIELD_LABELS as F

    table = Table(show_lines=False)
    table.add_column(F["code"], no_wrap=True)
    table.add_column("姓名", overflow="fold")
    table.add_column(F["role"], no_wrap=True)
    table.add_column(F["agency"], overflow="fold")
    table.add_column(F["active"], no_wrap=True)
    for r in rows:
        table.add_row(r["code"], r["name"], r["role_label"], f"{r['agency']} {r['agency_name']}",
                      "是" if r["active"] else "否")
    Console(highlight=False, soft_wrap=True).print(table)
