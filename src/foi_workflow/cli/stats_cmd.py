"""`foi stats`: annual statistics, registers, checks and the annual report.

Every command that touches the database acts as a member of staff (`--as CODE`, with the OS
user recorded as operator, or the owner of `foi --token` / FOI_TOKEN): report reads are
permissioned and logged, register writes need the agency's own clerk, head or admin, locks its
own head or admin (domain/policy.py). `foi stats check` reads only a file.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional

import typer

from .common import EXIT_BAD_INPUT, acting, print_json, unit_of_work, user_errors

app = typer.Typer(no_args_is_help=True)
disclosure_app = typer.Typer(no_args_is_help=True)
consultation_app = typer.Typer(no_args_is_help=True)
fee_app = typer.Typer(no_args_is_help=True)
narrative_app = typer.Typer(no_args_is_help=True)
app.add_typer(disclosure_app, name="disclosure",
              help="主动公开登记簿：表二各项数字及旧格式各类信息条数（add 设定、import 批量导入）。")
app.add_typer(consultation_app, name="consultation", help="咨询登记簿：按渠道登记咨询人次（add、import）。")
app.add_typer(fee_app, name="fee", help="收费登记簿：案件以外收取的费用（add、import）。")
app.add_typer(narrative_app, name="narrative", help="年度报告叙述部分（一、五、六）的正文。")

FORMATS = ("text", "json", "csv", "docx", "pdf", "xlsx", "legacy-2008")
FORMAT_HELP = ("输出格式：text（终端）、json（代码）、csv、docx、pdf、xlsx（表二至表四，每表一个工作表）、"
               "legacy-2008（2008年格式文本）")
#: Formats written only to a file (--out): binary documents.
FILE_FORMATS = ("docx", "pdf", "xlsx")
READER_HELP = "查阅人（工作人员账户代码；或用 foi --token）：查阅记入访问日志"
WRITER_HELP = "登记人：本机关的承办人、负责人或管理员（工作人员账户代码；或用 foi --token）；操作人另行记录"
LOCKER_HELP = "办理人：该机关的负责人或管理员（工作人员账户代码；或用 foi --token）；操作人另行记录"


def _read(path: str, field: str = "FILE") -> str:
    from ..domain.errors import InputError

    if path == "-":
        import sys

        return sys.stdin.read()
    p = Path(path)
    if not p.is_file():
        raise InputError(field, "须为可读取的文件（- 表示标准输入）", f"找不到文件“{path}”")
    try:
        return p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(field, "文件须为 UTF-8 编码", f"无法读取“{path}”") from None


def _echo_failures(failures: list[Any]) -> None:
    for f in failures:
        typer.echo(f"核对未通过：{f.text()}", err=True)


def render_check_legacy(year: int) -> None:
    """The 2008 format only for the years of the 2008 rules (checked before anything is read)."""
    from ..domain.errors import InputError
    from ..domain.statistics.layout import LAST_2008_RULES_YEAR

    if year > LAST_2008_RULES_YEAR:
        raise InputError("--format", f"2008年格式只用于{LAST_2008_RULES_YEAR}年及以前（2008年《条例》施行期间）",
                         f"{year}年应使用现行格式")


def render(report: Any, fmt: str) -> bytes:
    """A report in one of FORMATS, as bytes."""
    from ..documents import annual_report as out
    from ..domain.errors import InputError
    from ..domain.statistics.legacy import render_text

    if fmt == "json":
        return (json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n").encode()
    if fmt == "csv":
        return out.render_csv([report]).encode()
    if fmt == "text":
        return out.render_text(report).encode()
    if fmt == "docx":
        return out.render_docx(report)
    if fmt == "pdf":
        return out.render_pdf(report)
    if fmt == "xlsx":
        return out.render_xlsx(report)
    if fmt == "legacy-2008":
        render_check_legacy(report.year)
        return render_text(out.legacy_report(report)).encode()
    raise InputError("--format", FORMAT_HELP, f"未知的格式“{fmt}”")


@app.command("annual", help="年度报告：按案件统计表三（SQL汇总），连同表二、表四、登记簿与叙述部分；"
                             "每份报告都经核对。")
@user_errors
def annual(
    year: int = typer.Option(..., "--year", help="年度"),
    agency: Optional[str] = typer.Option(None, "--agency", help="机关代码（省略：查阅人所在机关）"),
    rollup: bool = typer.Option(False, "--rollup", help="汇总本机关及所辖全部机关（须有权查阅所辖各机关）"),
    fmt: str = typer.Option("text", "--format", help=FORMAT_HELP),
    out: Optional[str] = typer.Option(None, "--out", help="输出文件（docx、pdf、xlsx 必须给出）"),
    as_json: bool = typer.Option(False, "--json", help="同 --format json"),
    actor: Optional[str] = typer.Option(None, "--as", help=READER_HELP),
) -> None:
    from ..domain.errors import InputError
    from ..services import statistics

    fmt = "json" if as_json else fmt
    if fmt not in FORMATS:
        raise InputError("--format", FORMAT_HELP, f"未知的格式“{fmt}”")
    if fmt in FILE_FORMATS and not out:
        raise InputError("--out", "docx、pdf、xlsx 须写入文件：用 --out 指明", "未给出输出文件")
    if fmt == "legacy-2008":
        render_check_legacy(year)
    uow = unit_of_work()
    report, failures = statistics.report_for(statistics.ReadReport(year, agency, rollup), uow,
                                             acting(uow, actor))
    mine = [f for f in failures if rollup or f.report.startswith(report.agency + " ")]
    if mine:
        _echo_failures(mine)
        typer.echo("错误：年度报告未通过核对，未输出（见上列各项）", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    data = render(report, fmt)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_bytes(data)
        typer.echo(f"已生成：{out}（{report.agency}{year}年度，{'汇总' if report.rollup else '本机关'}，已核对）")
    else:
        typer.echo(data.decode(), nl=False)


@app.command("check", help="核对年度报告（JSON，annual-report-2021.md 的代码；可为多份报告的列表，"
                            "或 2008 年格式）：逐项列出未通过的单元格、规则和数字。")
@user_errors
def check(
    file: str = typer.Argument(..., help="JSON 文件（- 表示标准输入）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..domain.errors import InputError
    from ..domain.statistics.checks import check_many

    text = _read(file)
    try:
        obj = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InputError("FILE", "须为 JSON（一份报告的对象，或报告的列表）", f"第{exc.lineno}行无法解析：{exc.msg}") from None
    reports = obj if isinstance(obj, list) else [obj]
    failures = check_many(reports)
    if as_json:
        print_json({"reports": len(reports), "ok": not failures, "failures": [f.as_dict() for f in failures]})
    elif failures:
        for f in failures:
            typer.echo(f.text())
        typer.echo(f"共 {len(failures)} 项未通过核对。")
    else:
        typer.echo(f"核对通过：{len(reports)} 份报告。")
    if failures:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command("lock", help="锁定已公布的年度：本机关及所辖机关的数字不再随旧案件的修改而变化，"
                           "下一年度的上年结转取自锁定的数字。")
@user_errors
def lock(
    year: int = typer.Option(..., "--year", help="已结束的年度"),
    agency: str = typer.Option(..., "--agency", help="机关代码（所辖机关一并锁定）"),
    actor: Optional[str] = typer.Option(None, "--as", help=LOCKER_HELP),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..services import statistics

    uow = unit_of_work()
    done = statistics.lock_period(statistics.LockPeriod(year, agency), uow, acting(uow, actor))
    if as_json:
        print_json({"year": year, "locked": done})
    elif done:
        typer.echo(f"已锁定{year}年度：{'、'.join(done)}")
    else:
        typer.echo(f"{year}年度此前均已锁定，未作改动。")


@app.command("locks", help="列出机关已锁定的年度。")
@user_errors
def locks(
    agency: str = typer.Option(..., "--agency", help="机关代码"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
    actor: Optional[str] = typer.Option(None, "--as", help=READER_HELP),
) -> None:
    from ..services import statistics

    uow = unit_of_work()
    rows = statistics.locked_years(agency, uow, acting(uow, actor))
    if as_json:
        print_json([{"year": r.year, "locked_by": r.locked_by, "operator": r.operator,
                     "locked_at": r.locked_at.isoformat()} for r in rows])
        return
    if not rows:
        typer.echo("没有已锁定的年度。")
    for r in rows:
        via = f"（操作人 {r.operator}）" if r.operator else ""
        typer.echo(f"{r.year}年度：{r.locked_by} 于 {r.locked_at.isoformat(timespec='minutes')} 锁定{via}")


# ----- registers ------------------------------------------------------------------------------

def _cells(items: list[str]) -> dict[str, str]:
    from ..domain.errors import InputError

    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError("CELLS", "登记项写作 项目=数值，如 regulations.issued=3、items.policies=57",
                             f"无法识别“{item}”")
        out[key.strip()] = value.strip()
    return out


@disclosure_app.command("add", help="设定主动公开数字：项目=数值，可多项（如 regulations.issued=3 "
                                    "fees.amount_10k_yuan=1.25 items.policies=57）。")
@user_errors
def disclosure_add(
    cells: list[str] = typer.Argument(..., help="项目=数值"),
    agency: str = typer.Option(..., "--agency", help="机关代码"),
    year: int = typer.Option(..., "--year", help="年度"),
    actor: Optional[str] = typer.Option(None, "--as", help=WRITER_HELP),
) -> None:
    from ..services import stat_registers

    values = _cells(cells)
    uow = unit_of_work()
    n = stat_registers.set_disclosure(stat_registers.SetDisclosure(agency, year, values), uow,
                                      acting(uow, actor))
    typer.echo(f"已登记 {n} 项主动公开数字（{agency}，{year}年度）")


@consultation_app.command("add", help="登记咨询：日期、渠道、人次。")
@user_errors
def consultation_add(
    agency: str = typer.Option(..., "--agency", help="机关代码"),
    on: str = typer.Option(..., "--on", help="日期 YYYY-MM-DD"),
    channel: str = typer.Option(..., "--channel", help="渠道：on_site（现场）、phone（电话）、online（网上）、letter（信函）"),
    count: int = typer.Option(1, "--count", help="人次"),
    note: str = typer.Option("", "--note", help="备注"),
    actor: Optional[str] = typer.Option(None, "--as", help=WRITER_HELP),
) -> None:
    from ..services import stat_registers

    uow = unit_of_work()
    stat_registers.add_consultation(stat_registers.AddConsultation(agency, on, channel, count, note), uow,
                                    acting(uow, actor))
    typer.echo(f"已登记咨询 {count} 人次（{agency}，{on}）")


@fee_app.command("add", help="登记收费：日期、种类、金额（元）。案件的信息处理费由案件自动统计，不在此登记。")
@user_errors
def fee_add(
    agency: str = typer.Option(..., "--agency", help="机关代码"),
    on: str = typer.Option(..., "--on", help="收费日期 YYYY-MM-DD"),
    kind: str = typer.Option(..., "--kind", help="种类：processing（信息处理费）、search（检索费）、"
                                                 "copying（复印费）、mailing（邮寄费）"),
    amount: str = typer.Option(..., "--amount", help="金额（元，至多两位小数）"),
    note: str = typer.Option("", "--note", help="备注"),
    actor: Optional[str] = typer.Option(None, "--as", help=WRITER_HELP),
) -> None:
    from ..services import stat_registers

    uow = unit_of_work()
    stat_registers.add_fee(stat_registers.AddFee(agency, on, kind, amount, note), uow, acting(uow, actor))
    typer.echo(f"已登记收费 {amount} 元（{agency}，{on}）")


def _import(kind: str, file: str, actor: str | None, as_json: bool) -> None:
    from ..services import stat_registers

    uow = unit_of_work()
    who = acting(uow, actor)
    text = _read(file)
    report = stat_registers.import_records(
        stat_registers.ImportRecords(kind, text, csv_format=file.lower().endswith(".csv")), uow, who)
    if as_json:
        print_json(report.as_dict())
    else:
        for e in report.errors:
            typer.echo(f"第{e['line']}行：{e['field']}：{e['message']}（依据：{e['rule']}）", err=True)
        if report.errors:
            typer.echo(f"共 {len(report.errors)} 行有误，未导入任何记录。", err=True)
        else:
            typer.echo(f"已导入 {report.imported} 条记录。")
    if report.errors:
        raise typer.Exit(EXIT_BAD_INPUT)


IMPORT_HELP = "批量导入：每行一个 JSON 对象，或带表头的 CSV（.csv）；任一行有误则整批不导入。"
FILE_HELP = "文件（- 表示标准输入）"


@disclosure_app.command("import", help=IMPORT_HELP + " 字段：agency、year、cells（或 CSV：agency,year,key,value）。")
@user_errors
def disclosure_import(file: str = typer.Argument(..., help=FILE_HELP),
                      actor: Optional[str] = typer.Option(None, "--as", help=WRITER_HELP),
                      as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    _import("disclosure", file, actor, as_json)


@consultation_app.command("import", help=IMPORT_HELP + " 字段：agency、on、channel、count、note。")
@user_errors
def consultation_import(file: str = typer.Argument(..., help=FILE_HELP),
                        actor: Optional[str] = typer.Option(None, "--as", help=WRITER_HELP),
                        as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    _import("consultation", file, actor, as_json)


@fee_app.command("import", help=IMPORT_HELP + " 字段：agency、on、kind、amount_yuan、note。")
@user_errors
def fee_import(file: str = typer.Argument(..., help=FILE_HELP),
               actor: Optional[str] = typer.Option(None, "--as", help=WRITER_HELP),
               as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    _import("fee", file, actor, as_json)


@narrative_app.command("set", help="设定叙述部分正文：overview（一、总体情况）、problems（五、存在的主要问题及改进情况）、"
                                   "other（六、其他需要报告的事项）。")
@user_errors
def narrative_set(
    section: str = typer.Argument(..., help="overview、problems 或 other"),
    agency: str = typer.Option(..., "--agency", help="机关代码"),
    year: int = typer.Option(..., "--year", help="年度"),
    text: Optional[str] = typer.Option(None, "--text", help="正文"),
    file: Optional[str] = typer.Option(None, "--file", help="正文文件（UTF-8）"),
    actor: Optional[str] = typer.Option(None, "--as", help=WRITER_HELP),
) -> None:
    from ..domain.errors import InputError
    from ..services import stat_registers

    if (text is None) == (file is None):
        raise InputError("--text", "正文用 --text 或 --file 给出（只给一个）", "未给出或同时给出")
    body = text if text is not None else _read(file, "--file")
    uow = unit_of_work()
    stat_registers.set_narrative(stat_registers.SetNarrative(agency, year, section, body), uow,
                                 acting(uow, actor))
    typer.echo(f"已保存叙述部分“{section}”（{agency}，{year}年度）")


@app.command("history", help="登记簿的历次版本：叙述部分（narrative）和主动公开数据（disclosure）每次改写前后的值、"
                             "改写人和时间，最新的在前（改写不丢失先前的版本）。")
@user_errors
def history(
    agency: str = typer.Option(..., "--agency", help="机关代码"),
    year: int = typer.Option(..., "--year", help="年度"),
    kind: Optional[str] = typer.Option(None, "--kind", help="narrative 或 disclosure（默认两者）"),
    key: Optional[str] = typer.Option(None, "--key", help="叙述部分（如 overview）或数据项（如 rules.made）"),
    actor: Optional[str] = typer.Option(None, "--as", help="查看人（工作人员账户代码）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..services import stat_registers

    uow = unit_of_work()
    rows = stat_registers.versions(stat_registers.Versions(agency, year, kind, key), uow, acting(uow, actor))
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo(f"{agency} {year}年度没有登记簿版本记录")
    for r in rows:
        shown = "".join(c if c.isprintable() else " " for c in r["value"])  # no control sequences
        value = shown if len(shown) <= 60 else shown[:60] + "…"
        typer.echo(f"{r['recorded_at'][:19]}  {stat_registers.VERSION_KINDS[r['kind']]} {r['key']}  "
                   f"{r['recorded_by']}（{r['operator']}）：{value}")
