"""`foi board`: the supervisors' table of deadline alerts, per agency, by urgency.

Also `foi sweep` (run the deadline sweep now, without Prefect) and `foi notify` (who gets the
sweep's e-mail digest). Each acts as a Principal (cli/common.py `acting`: `--as CODE` with the
OS user as operator, or a token); `foi sweep` without `--as` or a token runs as the
installation's scheduler with the OS user as operator, as the scheduled flow does. No Prefect
import here.
"""

from __future__ import annotations

from typing import Any, Optional

import typer

from .common import AS_HELP, acting, acting_or_scheduler, print_json, unit_of_work, user_errors

notify_app = typer.Typer(no_args_is_help=True)


def _day(uow: Any, text: str | None) -> Any:
    from ..domain.parsing import parse_date

    return parse_date(text, "--today") if text else uow.settings.legal_today()


@user_errors
def board(
    agency: Optional[str] = typer.Option(None, "--agency", help="机关代码（含其有权查看的下属机关；默认为查看人所在机关）"),
    actor: Optional[str] = typer.Option(None, "--as", help="查看人（工作人员账户代码）：督办人、负责人可看本机关及下属机关，"
                                                           "承办人、审查人只看本机关；查看记入访问日志；" + AS_HELP),
    limit: Optional[int] = typer.Option(None, "--limit", help="最多列出的提醒条数"),
    today: Optional[str] = typer.Option(None, "--today", help="按哪一天显示 YYYY-MM-DD（默认今天，北京时间）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """督办看板：every deadline alert that holds today, a table per agency, most urgent first."""
    from ..services import board as board_service

    uow = unit_of_work()
    who = acting(uow, actor)
    result = board_service.read(board_service.BoardQuery(agency, _day(uow, today), limit), uow, who)
    if as_json:
        print_json(result.to_dict())
        return
    _print_board(result.title, result.today, result.groups(), result.counts, result.last_sweep, limit)


def _print_board(title: str, day: Any, groups: list, counts: dict[str, int], last: dict | None,
                 limit: int | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from ..domain import alerts as A
    from ..labels import state_label

    console = Console(highlight=False, soft_wrap=True)
    when = f"最近一次扫描：{last['today']}（{'增量' if last['mode'] == 'incremental' else '全量'}）" \
        if last else "尚未扫描（foi sweep 或定时部署 deadline-sweep）"
    total = sum(counts.values())
    console.print(f"督办看板 · {title} · {day.isoformat()} 提醒 {total} 条 · {when}")
    if not groups:
        console.print("没有未处理的督办提醒。")
        return
    for code, name, items in groups:
        table = Table(title=f"{name}（{code}）", title_justify="left", show_lines=False)
        for col in ("紧急程度", "案件编号", "承办人", "期限", "原因"):
            table.add_column(col, overflow="fold", no_wrap=col != "原因")
        for r in items:
            style = {A.Level.OVERDUE: "bold red", A.Level.ENDED: "bold red",
                     A.Level.TODAY: "yellow"}.get(A.Level(r.level), "")
            table.add_row(r.level_label, r.case_no, r.handler_name,
                          r.due.isoformat() if r.due else "—",
                          f"{r.reason}（{state_label(r.state)}"
                          + (f"；{r.since.isoformat()} 起）" if r.since else "）"),
                          style=style)
        console.print(table)
    shown = sum(len(items) for _c, _n, items in groups)
    if limit is not None and shown < total:
        console.print(f"（仅列出 {shown} 条，共 {total} 条）")


@user_errors
def timeliness(
    year: int = typer.Option(..., "--year", help="统计年度（按答复日期、补正告知发出日期计）"),
    agency: Optional[str] = typer.Option(None, "--agency", help="机关代码（含其有权查看的下属机关；默认为查看人所在机关）"),
    actor: Optional[str] = typer.Option(None, "--as", help="查看人（工作人员账户代码），权限同督办看板；" + AS_HELP),
    today: Optional[str] = typer.Option(None, "--today", help="“仍未答复且已逾期”按哪一天计 YYYY-MM-DD（默认今天）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """时效统计：the year's replies given after reply_due and correction notices sent after the 7th
    working day (lapses that stay visible), and the open cases past reply_due."""
    from ..services import timeliness as service

    uow = unit_of_work()
    who = acting(uow, actor)
    result = service.read(service.TimelinessQuery(year, agency, _day(uow, today)), uow, who)
    if as_json:
        print_json(result)
        return
    from rich.console import Console
    from rich.table import Table

    import sys

    # a pipe or a file gets the whole table (rich would cut it to 80 columns)
    console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 120)
    table = Table(title=f"时效统计 · {result['agency_name']} · {result['year']}年（逾期未答复截至 {result['today']}）",
                  title_justify="left")
    for col in ("机关", "答复", "逾期答复", "按期率", "补正告知", "逾期告知", "逾期未答复"):
        table.add_column(col, justify="left" if col == "机关" else "right", no_wrap=True)

    def share(v: Any) -> str:
        return "—" if v is None else f"{v * 100:.1f}%"

    for r in result["agencies"]:
        table.add_row(r["agency_name"], str(r["replies"]), str(r["replies_late"]),
                      share(r["on_time_share"]), str(r["correction_notices"]),
                      str(r["correction_notices_late"]), str(r["open_overdue"]))
    t = result["total"]
    table.add_row("合计", str(t["replies"]), str(t["replies_late"]), share(t["on_time_share"]),
                  str(t["correction_notices"]), str(t["correction_notices_late"]), str(t["open_overdue"]))
    console.print(table)
    for r in result["agencies"]:
        for label, key in (("逾期答复", "late_cases"), ("逾期发出补正告知", "late_correction_cases"),
                           ("逾期未答复", "open_overdue_cases")):
            if r[key]:
                console.print(f"{r['agency_name']} {label}：{'、'.join(r[key])}")


@user_errors
def sweep(
    today: Optional[str] = typer.Option(None, "--today", help="按哪一天扫描 YYYY-MM-DD（默认今天，北京时间）"),
    agencies: list[str] = typer.Option([], "--agency", help="只扫描这些机关（含下属机关；可多次）"),
    actor: Optional[str] = typer.Option(None, "--as", help="扫描人（督办人或管理员的账户代码）：只扫描本机关及下属机关；"
                                                           "不给出时以系统定时任务的身份扫描全部机关，操作人为当前系统用户"),
    no_mail: bool = typer.Option(False, "--no-mail", help="不发送邮件摘要"),
    working_days_only: bool = typer.Option(False, "--working-days-only",
                                           help="非工作日不扫描（定时运行时的做法）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """立即扫描期限：raise the alerts new today, close lapsed windows, mail digests (no Prefect)."""
    from ..services import notify
    from ..services import sweep as sweep_service

    uow = unit_of_work()
    if not no_mail:  # a misconfigured mail server is refused before anything is swept
        notify.check_smtp(uow.settings.smtp)
    who = acting_or_scheduler(uow, actor)
    day = _day(uow, today)
    result = sweep_service.sweep(sweep_service.Sweep(day, tuple(agencies),
                                                     working_days_only=working_days_only), uow, who)
    if result.skipped:
        if as_json:
            print_json({"today": day.isoformat(), "skipped": result.skipped})
        else:
            typer.echo(f"{day.isoformat()} 不是工作日，未扫描。")
        return
    mail = notify.SendReport(disabled=True) if no_mail else notify.send_digests(result, uow, who)
    out = {**result.to_dict(), "mail": mail.to_dict()}
    if as_json:
        print_json(out)
    else:
        _print_sweep(result, mail)
    if mail.failed:
        raise typer.Exit(1)


def _print_sweep(result: Any, mail: Any) -> None:
    from ..domain import alerts as A
    from ..labels import move_label, outcome_label

    mode = "增量" if result.mode == "incremental" else "全量"
    typer.echo(f"{result.today.isoformat()} 期限扫描（{mode}）：新增提醒 {result.raised_total} 条")
    for key, n in sorted(result.raised.items(), key=lambda kv: A.rank(*kv[0].split("/"))):
        kind, level = key.split("/")
        typer.echo(f"  {A.KIND_LABELS[A.Kind(kind)]}·{A.LEVEL_LABELS[A.Level(level)]}：{n}")
    for c in result.auto_closed:
        if c.ok:
            notice = f"，告知书 {c.notice}" if c.notice else ""
            typer.echo(f"自动办结 {c.case_no}：{move_label(c.move)}（{outcome_label(c.outcome)}）{notice}")
        else:
            typer.echo(f"未能自动办结 {c.case_no}：{c.error}")
    if mail.disabled:
        typer.echo("邮件：未配置邮件服务器（FOI_SMTP_HOST），未发送摘要")
    else:
        typer.echo(f"邮件：已发送 {len(mail.sent)} 封" + (f"，失败 {len(mail.failed)} 封" if mail.failed else ""))
        for address, err in mail.failed.items():
            typer.echo(f"  {address}：{err}", err=True)


ADMIN_HELP = "管理员（工作人员账户代码）：本机关或上级机关的管理员；" + AS_HELP


@notify_app.command("set", help="设置工作人员接收督办摘要邮件的地址（--off 停止发送；限管理员，变更留有记录）。")
@user_errors
def notify_set(
    staff: str = typer.Argument(..., help="工作人员代码"),
    email: Optional[str] = typer.Option(None, "--email", help="电子邮箱地址"),
    off: bool = typer.Option(False, "--off", help="停止向其发送"),
    actor: Optional[str] = typer.Option(None, "--as", help=ADMIN_HELP),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..services import notify

    uow = unit_of_work()
    who = acting(uow, actor)
    with uow:
        rec = notify.set_recipient(notify.SetRecipient(staff, email, enabled=not off), uow, who)
    out = {"staff": rec.staff, "email": rec.email, "enabled": rec.enabled}
    if as_json:
        print_json(out)
    else:
        typer.echo(f"{rec.staff}：{rec.email}（{'接收督办摘要' if rec.enabled else '已停止发送'}）")


@notify_app.command("list", help="列出接收督办摘要邮件的工作人员（本机关及下属机关；限管理员）。")
@user_errors
def notify_list(
    agency: Optional[str] = typer.Option(None, "--agency", help="机关代码（含下属机关；默认为管理员所在机关）"),
    actor: Optional[str] = typer.Option(None, "--as", help=ADMIN_HELP),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..services import notify

    uow = unit_of_work()
    who = acting(uow, actor)
    with uow:
        rows = [r.to_dict() for r in notify.list_recipients(agency, uow, who)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("尚无收件人（用 foi notify set 工作人员代码 --email 地址 --as 管理员 设置）。")
    for r in rows:
        typer.echo(f"{r['agency']}  {r['staff']} {r['name']}（{r['roles_label']}）  {r['email']}"
                   + ("" if r["enabled"] else "  已停止"))
