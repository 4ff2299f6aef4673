"""`foi board`: the supervisors' table of deadline alerts, per agency, by urgency.

Also `foi sweep` (run the deadline sweep now, without Prefect) and `foi notify` (who gets the
sweep's e-mail digest). No Prefect import here.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Optional

import typer

from .common import print_json, user_errors

notify_app = typer.Typer(no_args_is_help=True)


@contextmanager
def alert_session() -> Iterator[Any]:
    from ..domain.errors import InputError
    from ..storage import db

    if not db.has_table("alert_raises"):
        raise InputError("database", "先运行 foi db upgrade 建立（或升级）数据库表",
                         f"数据库 {db.database_url().split('@')[-1]} 中尚无督办提醒表")
    with db.session_scope() as session:
        yield session


def _scope(session: Any, agency: str | None, staff: str | None) -> tuple[list[int] | None, str]:
    """Agency ids to show (an agency or a member of staff's agency, with the bodies under it)."""
    from ..services import directory
    from ..storage.models import AgencyRow

    if agency and staff:
        from ..domain.errors import InputError

        raise InputError("--agency", "--agency 与 --as 只能给出一个", "同时给出了两者")
    if staff:
        who = directory.actor(session, staff)
        row = session.get(AgencyRow, who.agency_id)
        return directory.subtree_ids(session, row), f"{row.name}（{who.name}）"
    if agency:
        row = directory.agency(session, agency)
        return directory.subtree_ids(session, row), row.name
    return None, "全部机关"


@user_errors
def board(
    agency: Optional[str] = typer.Option(None, "--agency", help="机关代码（含下属机关）"),
    staff: Optional[str] = typer.Option(None, "--as", help="工作人员代码：显示其所在机关（含下属机关）"),
    limit: Optional[int] = typer.Option(None, "--limit", help="最多列出的提醒条数"),
    today: Optional[str] = typer.Option(None, "--today", help="按哪一天显示 YYYY-MM-DD（默认今天，北京时间）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """督办看板：every deadline alert that holds today, a table per agency, most urgent first."""
    from sqlalchemy import select

    from .. import localtime
    from ..domain.parsing import parse_date
    from ..services import board as board_service
    from ..storage.alert_tables import AlertSweepRow

    day = parse_date(today, "--today") if today else localtime.today()
    with alert_session() as session:
        ids, title = _scope(session, agency, staff)
        rows = board_service.open_alerts(session, ids, limit, today=day)
        counts = board_service.count_open(session, ids, today=day)
        last = session.scalar(select(AlertSweepRow).order_by(AlertSweepRow.id.desc()).limit(1))
        last_info = ({"sweep_id": last.id, "today": last.today.isoformat(), "mode": last.mode,
                      "finished_at": last.finished_at.isoformat() if last.finished_at else None}
                     if last else None)
    groups = board_service.by_agency(rows)
    if as_json:
        print_json({"scope": title, "today": day.isoformat(), "last_sweep": last_info, "open": counts,
                    "agencies": [{"code": c, "name": n, "alerts": [r.to_dict() for r in items]}
                                 for c, n, items in groups]})
        return
    _print_board(title, day, groups, counts, last_info, limit)


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
def sweep(
    today: Optional[str] = typer.Option(None, "--today", help="按哪一天扫描 YYYY-MM-DD（默认今天，北京时间）"),
    agencies: list[str] = typer.Option([], "--agency", help="只扫描这些机关（含下属机关；可多次）"),
    no_mail: bool = typer.Option(False, "--no-mail", help="不发送邮件摘要"),
    working_days_only: bool = typer.Option(False, "--working-days-only",
                                           help="非工作日不扫描（定时运行时的做法）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """立即扫描期限：raise the alerts new today, close lapsed windows, mail digests (no Prefect)."""
    from .. import localtime
    from ..calendar_data.service import current_calendar
    from ..domain import alerts as A
    from ..domain.parsing import parse_date
    from ..services import notify
    from ..services import sweep as sweep_service
    from ..storage import db

    with alert_session():
        pass
    day = parse_date(today, "--today") if today else localtime.today()
    if working_days_only and not A.is_sweep_day(current_calendar(), day):
        if as_json:
            print_json({"today": day.isoformat(), "skipped": "非工作日"})
        else:
            typer.echo(f"{day.isoformat()} 不是工作日，未扫描。")
        return
    result = sweep_service.sweep(today=day, agencies=list(agencies) or None)
    mail = notify.SendReport(disabled=True)
    if not no_mail:
        with db.session_scope() as session:
            digests = notify.compose(session, result)
        mail = notify.send(digests, notify.SmtpSettings.from_env())
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


@notify_app.command("set", help="设置工作人员接收督办摘要邮件的地址（--off 停止发送）。")
@user_errors
def notify_set(
    staff: str = typer.Argument(..., help="工作人员代码"),
    email: Optional[str] = typer.Option(None, "--email", help="电子邮箱地址"),
    off: bool = typer.Option(False, "--off", help="停止向其发送"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..services import notify

    with alert_session() as session:
        row = notify.set_recipient(session, staff, email, enabled=not off)
        out = {"staff": staff, "email": row.email, "enabled": row.enabled}
    if as_json:
        print_json(out)
    else:
        typer.echo(f"{staff}：{out['email']}（{'接收督办摘要' if out['enabled'] else '已停止发送'}）")


@notify_app.command("list", help="列出接收督办摘要邮件的工作人员。")
@user_errors
def notify_list(as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    from ..labels import role_label
    from ..services import notify

    with alert_session() as session:
        rows = [{"staff": s.code, "name": s.name, "role": s.role, "role_label": role_label(s.role),
                 "agency": a.code, "email": r.email, "enabled": r.enabled}
                for s, a, r in notify.recipients(session)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("尚无收件人（用 foi notify set 工作人员代码 --email 地址 设置）。")
    for r in rows:
        typer.echo(f"{r['agency']}  {r['staff']} {r['name']}（{r['role_label']}）  {r['email']}"
                   + ("" if r["enabled"] else "  已停止"))
