"""`foi notice`: list, show and re-render the notices issued for cases; issue a corrected notice.

Every command acts as a member of staff (`--as CODE`, or the owner of `foi --token`): reading a
notice needs the right to read its agency's notices and is recorded in the access log (a notice
names its applicant); a notice one may not read is answered like an unknown one. Reads and writes
go through notices.register (no Prefect). `render` makes the files again from the register and
checks them against the hashes recorded for the notice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import AS_HELP, acting, print_json, settings, unit_of_work, user_errors

app = typer.Typer(no_args_is_help=True)
KEY_HELP = "文书编号（如 yuci-bgs-2026-N00001）、发文字号或登记序号"


@app.command("list", help="列出有权查阅的已出具文书（按案件、机关、年度筛选）；每件均记入访问日志。")
@user_errors
def list_(
    case_no: Optional[str] = typer.Option(None, "--case", help="案件编号"),
    agency: Optional[str] = typer.Option(None, "--agency", help="机关代码"),
    year: Optional[int] = typer.Option(None, "--year", help="年度"),
    as_code: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..notices import register

    uow = unit_of_work()
    who = acting(uow, as_code)
    rows = register.list_notices(register.NoticeQuery(case_no, agency, year), uow, who)
    if as_json:
        print_json([r.to_dict() for r in rows])
        return
    if not rows:
        typer.echo("没有符合条件的文书")
        return
    for r in rows:
        mark = f"（已被更正为 {'、'.join(r.superseded_by)}）" if r.superseded_by else ""
        typer.echo(f"{r.key}  {r.doc_no}  {r.issued_on.isoformat()}  {r.kind_label}  "
                   f"{r.case_no}  主送：{r.addressee}{mark}")
    typer.echo(f"共 {len(rows)} 件")


@app.command("show", help="查看一件文书的登记内容（编号、案件、模板版本、文件哈希、更正关系）。")
@user_errors
def show(
    key: str = typer.Argument(..., help=KEY_HELP),
    as_code: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..notices import register
    from ..notices.catalog import FIELD_LABELS as F

    uow = unit_of_work()
    rec = register.show(key, uow, acting(uow, as_code))
    if as_json:
        print_json(rec.to_dict())
        return
    d = rec.to_dict()
    for field, label in F.items():
        value = d.get(field)
        if field == "superseded_by":
            value = "、".join(value) if value else None
        if value in (None, ""):
            continue
        typer.echo(f"{label}：{value}")


@app.command("render", help="按登记内容重新生成文书文件（PDF、DOCX、HTML）并核对哈希，写入目录。")
@user_errors
def render(
    key: str = typer.Argument(..., help=KEY_HELP),
    out: Optional[Path] = typer.Option(None, "--out", help="输出目录（默认 FOI_NOTICES_DIR，未设置时为 ./notices）"),
    formats: str = typer.Option("pdf,docx,html", "--format", help="格式，逗号分隔：pdf、docx、html"),
    as_code: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..notices import register

    from ..documents import fonts

    fonts.check(settings())  # a font file the settings name is missing or lacks characters
    uow = unit_of_work()
    who = acting(uow, as_code)
    folder = out if out is not None else (uow.settings.notices_dir or Path("notices"))
    result = register.render(register.RenderRequest(
        key, folder, tuple(f.strip() for f in formats.split(",") if f.strip())), uow, who)
    if as_json:
        print_json(result.to_dict())
        return
    for fmt, path in result.files.items():
        state = "首次生成，已登记哈希" if fmt in result.recorded else "与登记一致"
        typer.echo(f"{path}（{state}；SHA-256 {result.sha256[fmt][:16]}…）")


@app.command("reissue", help="出具更正文书（限本机关负责人）：取新的文书编号，原文书保留并标明已被更正。")
@user_errors
def reissue(
    key: str = typer.Argument(..., help=KEY_HELP),
    reason: str = typer.Option(..., "--reason", help="更正原因"),
    on: Optional[str] = typer.Option(None, "--on", help="出具日期 YYYY-MM-DD（默认今天）"),
    as_code: Optional[str] = typer.Option(None, "--as", help="出具人（本机关负责人的账户代码）；" + AS_HELP),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..domain.parsing import parse_date
    from ..notices import register

    uow = unit_of_work()
    who = acting(uow, as_code)
    rec = register.reissue(register.Reissue(key, reason, parse_date(on, "on") if on else None), uow, who)
    if as_json:
        print_json(rec.to_dict())
        return
    typer.echo(f"已出具更正文书：{rec.key}（{rec.doc_no}），更正 {rec.supersedes}")
