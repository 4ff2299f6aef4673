"""The deadline-sweep flow (scheduled, flows/deployments.py) and the calendar-recompute flow.

Each flow is a thin, visible record around one library call (services.sweep /
services.recompute), plus what only the orchestration adds: skipping non-working days on the
schedule, the e-mail digest, and a table artifact per run (key `deadline-sweep` /
`calendar-recompute`, versioned on the Artifacts page). A run builds its Settings once, works
through one SqlUnitOfWork, and acts as the installation's scheduler
(services/auth.scheduler_principal) with the operator `prefect:<flow run id>`, which the events
of its automatic closes and recomputed dates record.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Optional

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from foi_workflow.config import Settings
from foi_workflow.domain.errors import InputError
from foi_workflow.domain.identity import Principal
from foi_workflow.domain.parsing import parse_date
from foi_workflow.labels import move_label, outcome_label
from foi_workflow.services import auth, board, notify, recompute
from foi_workflow.services import sweep as sweep_service
from foi_workflow.storage.uow import SqlUnitOfWork

ARTIFACT_ROWS = 500  # a sweep's artifact lists at most this many new alerts (the board has all)


def _sweep_name() -> str:
    from prefect.runtime import flow_run

    # the run's label only (Prefect names the run before its body builds the run's settings)
    today = flow_run.parameters.get("today") or Settings.load().legal_today().isoformat()
    return f"deadline-sweep-{today}"


def _scheduler() -> Principal:
    """The installation's scheduler, with this flow run as the operator recorded."""
    from prefect.runtime import flow_run

    return auth.scheduler_principal(operator=f"prefect:{flow_run.id}")


@flow(name="deadline-sweep", flow_run_name=_sweep_name)
def deadline_sweep_flow(today: Optional[str] = None, agencies: Optional[list[str]] = None,
                        working_days_only: bool = True, send_mail: bool = True) -> dict[str, Any]:
    """期限督办扫描：raise the deadline alerts new today, close lapsed correction/fee windows, mail
    one digest per recipient. On the schedule (working_days_only) a non-working day is skipped:
    cron knows weekdays, the calendar knows holidays and make-up working days."""
    log = get_run_logger()
    settings = Settings.load()
    if send_mail:  # a misconfigured mail server fails the run before anything is swept
        notify.check_smtp(settings.smtp)
    uow = SqlUnitOfWork(settings)
    who = _scheduler()
    day = parse_date(today, "today") if today else settings.legal_today()
    result = sweep_service.sweep(sweep_service.Sweep(day, tuple(agencies or ()),
                                                     working_days_only=working_days_only), uow, who)
    if result.skipped:
        log.info("%s 不是工作日，不扫描", day.isoformat())
        return {"today": day.isoformat(), "skipped": result.skipped}
    summary = result.to_dict()
    log.info("扫描 %s（%s）：新增提醒 %d 条，自动办结 %d 件", day.isoformat(), result.mode,
             result.raised_total, sum(1 for c in result.auto_closed if c.ok))
    mail = notify.send_digests(result, uow, who) if send_mail else notify.SendReport(disabled=True)
    summary["mail"] = mail.to_dict()
    _sweep_artifact(result, uow, who)
    if mail.failed:
        raise InputError("mail", "督办摘要邮件须送达每位收件人（提醒已记录，foi board 可查看）",
                         "；".join(f"{a}：{e}" for a, e in mail.failed.items()))
    return summary


def _sweep_artifact(result: sweep_service.SweepResult, uow: SqlUnitOfWork, who: Principal) -> None:
    rows = board.raised_by(result.sweep_id, uow, who, limit=ARTIFACT_ROWS) if result.sweep_id else []
    table = [{"机关": r.agency_name, "案件编号": r.case_no, "承办人": r.handler_name,
              "提醒": f"{r.kind_label}·{r.level_label}", "期限": r.due.isoformat() if r.due else "",
              "原因": r.reason} for r in rows]
    table += [{"机关": c.agency, "案件编号": c.case_no, "承办人": "系统",
               "提醒": f"自动办结·{move_label(c.move)}",
               "期限": "", "原因": outcome_label(c.outcome) if c.ok else f"未成功：{c.error}"}
              for c in result.auto_closed]
    more = result.raised_total - len(rows)
    create_table_artifact(
        key="deadline-sweep", table=table or [{"结果": "无新增提醒，无自动办结"}],
        description=(f"{result.today.isoformat()} 期限督办扫描（{result.mode}）：新增提醒 "
                     f"{result.raised_total} 条，自动办结 "
                     f"{sum(1 for c in result.auto_closed if c.ok)} 件"
                     + (f"；另有 {more} 条新增提醒未列出，见 foi board" if more > 0 else "")))


@flow(name="calendar-recompute", flow_run_name="calendar-recompute")
def calendar_recompute_flow(today: Optional[str] = None) -> dict[str, Any]:
    """按新工作日历重新计算：after `foi calendar load`, recompute every open case's dates; each
    case whose dates moved gets a `dates_recomputed` event; the changes are listed."""
    settings = Settings.load()
    day = parse_date(today, "today") if today else settings.legal_today()
    report = recompute.recompute_open_cases(SqlUnitOfWork(settings), _scheduler(), today=day)
    get_run_logger().info("工作日历 %s：检查 %d 件，期限变化 %d 件，未变化 %d 件",
                          report.calendar_version, report.checked, len(report.moved), report.unchanged)
    table = [{"案件编号": m.case_no, "机关": m.agency,
              "变化": "；".join(f"{k}：{a} → {b}" for k, (a, b) in m.changed.items()),
              "结果": "已记录" if m.ok else f"未成功：{m.error}"} for m in report.moved]
    create_table_artifact(key="calendar-recompute", table=table or [{"结果": "没有期限变化的案件"}],
                          description=f"工作日历 {report.calendar_version}：检查 {report.checked} 件，"
                                      f"期限变化 {len(report.moved)} 件")
    return report.to_dict()


def demo_sweep(out_dir: Path, console) -> dict[str, Any]:
    """For `make demo`: sweep the demo database through the flow, print the board, write
    out/alerts.json. Call it after the demo's cases exist (it runs its own lean backend)."""
    from rich.table import Table

    from flows.runtime import lean_run

    with lean_run(out_dir / ".prefect"):
        summary = deadline_sweep_flow(working_days_only=False, send_mail=False)
    uow = SqlUnitOfWork(Settings.load())
    rows = board.read(board.BoardQuery(today=dt.date.fromisoformat(summary["today"])), uow,
                      auth.scheduler_principal(operator="demo")).rows
    table = Table(title=f"期限督办（{summary['today']}）", show_lines=False)
    for name in ("机关", "紧急程度", "案件编号", "承办人", "期限", "原因"):
        table.add_column(name, overflow="fold")
    for r in rows:
        table.add_row(r.agency_code, r.level_label, r.case_no, r.handler_name,
                      r.due.isoformat() if r.due else "—", r.reason)
    console.print(table)
    (out_dir / "alerts.json").write_text(json.dumps(
        {"sweep": summary, "board": [r.to_dict() for r in rows]}, ensure_ascii=False, indent=1)
        + "\n", "utf-8")
    console.print(f"已写出督办提醒：{out_dir / 'alerts.json'}（新增 {summary['raised_total']} 条，"
                  f"自动办结 {sum(1 for c in summary['auto_closed'] if c['ok'])} 件）\n")
    return summary


__all__ = ["deadline_sweep_flow", "calendar_recompute_flow", "demo_sweep"]
