"""`foi case`: register applications, take steps, show a case with its dates, list the open ones.

Every write goes through services.cases (one transaction, request-id idempotency); reads use
services.cases.load and services.queries. An applicant's ID number is shown masked, always.
"""

from __future__ import annotations

import re
from typing import Any, Optional

import typer

from .agency_cmd import db_session, require_db
from .common import print_json, user_errors

app = typer.Typer(no_args_is_help=True)

DATA_RULE = "附加数据写作 key=value（整数按数字、true/false 按是否、其余按文字），可多次"
_INT = re.compile(r"[+-]?\d+")


def parse_data(items: list[str]) -> dict[str, Any]:
    """`--data key=value` pairs: integers become int, true/false become bool, the rest strings."""
    from ..domain.errors import InputError

    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError("--data", DATA_RULE, f"无法识别“{item}”")
        if key in out:
            raise InputError("--data", "每个键只给一次", f"重复的键“{key}”")
        if _INT.fullmatch(text.strip()):
            out[key] = int(text)
        elif text.strip().lower() in ("true", "false"):
            out[key] = text.strip().lower() == "true"
        else:
            out[key] = text
    return out


def _step_dict(result: Any) -> dict[str, Any]:
    from ..labels import outcome_label, state_label

    d = result.to_dict()
    d["state_label"] = state_label(result.state)
    d["outcome_label"] = outcome_label(result.outcome)
    return d


def _echo_step(result: Any, what: str) -> None:
    from ..labels import REPEATED_REQUEST, due_text, outcome_label, state_label

    if result.repeated:
        typer.echo(REPEATED_REQUEST)
    typer.echo(f"{what}：{result.case_no}（第 {result.seq} 项）")
    typer.echo(f"状态：{state_label(result.state)}")
    if result.outcome:
        typer.echo(f"处理结果：{outcome_label(result.outcome)}")
    typer.echo(f"答复期限：{due_text(result.reply_due, result.provisional)}")


@app.command("register", help="登记政府信息公开申请：生成案件编号，计算答复期限。")
@user_errors
def register(
    agency: str = typer.Option(..., "--agency", help="收到申请的机关代码"),
    actor: str = typer.Option(..., "--as", help="登记人（工作人员代码），即本案承办人"),
    channel: str = typer.Option(..., "--channel", help="收件渠道：in_person（当面）、post（邮寄）、"
                                                       "letter（平信）、online（网络）、fax（传真）"),
    received: str = typer.Option(..., "--received", help="收到申请日期 YYYY-MM-DD"),
    subject: str = typer.Option(..., "--subject", help="申请公开的政府信息（名称、文号或特征性描述）"),
    applicant_kind: str = typer.Option(
        ..., "--applicant-kind", help="申请人类别：natural_person（自然人）、commercial、research、"
                                      "public_interest、legal_services、other_org"),
    applicant_name: str = typer.Option(..., "--applicant-name", help="申请人姓名或名称"),
    id_type: Optional[str] = typer.Option(
        None, "--id-type", help="证件类型：resident_id、passport、hk_macao_permit、taiwan_permit、"
                                "other、credit_code（自然人给出号码而未给类型的，按居民身份证）"),
    id_number: Optional[str] = typer.Option(None, "--id-number", help="证件号码（列表、输出中一律遮蔽）"),
    contact: Optional[str] = typer.Option(None, "--contact", help="联系方式"),
    request_id: Optional[str] = typer.Option(None, "--request-id", help="请求编号：重复提交只登记一次"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from .. import localtime
    from ..domain.applicants import Applicant
    from ..domain.errors import InputError
    from ..domain.parsing import parse_date
    from ..services import cases

    day = parse_date(received, "received")
    today = localtime.today()
    if day > today:
        raise InputError("received", "收到申请日期不得晚于今天（按北京时间）",
                         f"{day.isoformat()} 晚于今天 {today.isoformat()}")
    if id_number and not id_type and applicant_kind == "natural_person":
        id_type = "resident_id"
    applicant = Applicant(applicant_kind, applicant_name, id_type or "", id_number or "",
                          contact or "")
    require_db()
    result = cases.register(agency=agency, applicant=applicant, channel=channel, received=day,
                            subject=subject, actor=actor, request_id=request_id, today=today)
    if as_json:
        print_json(_step_dict(result))
    else:
        _echo_step(result, "已登记")


@app.command("step", help="办理一项事项（如 accept、sign_off、reply），记入办理记录并重新计算期限。")
@user_errors
def step(
    case_no: str = typer.Argument(..., help="案件编号"),
    move: str = typer.Argument(..., help="事项，如 accept（审查通过）、request_correction（告知补正）、"
                                         "sign_off（保密审查签发）、reply（答复）"),
    actor: str = typer.Option(..., "--as", help="办理人（工作人员代码）"),
    on: str = typer.Option(..., "--on", help="事项发生日期 YYYY-MM-DD"),
    data: list[str] = typer.Option([], "--data", help="附加数据 key=value，如 decision=disclose、"
                                                      "outcome=disclosed、days=20；可多次"),
    request_id: Optional[str] = typer.Option(None, "--request-id", help="请求编号：重复提交只办理一次"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..domain.case import MOVE_LABELS
    from ..domain.errors import InputError
    from ..domain.parsing import parse_date
    from ..services import cases

    moves = {k: v for k, v in MOVE_LABELS.items() if k != "register"}
    if move not in moves:
        rule = "可办理事项：" + "、".join(f"{k}（{v}）" for k, v in moves.items())
        hint = "（登记申请用 foi case register）" if move == "register" else ""
        raise InputError("move", rule, f"未知的事项“{move}”{hint}")
    day = parse_date(on, "on")
    values = parse_data(data)
    require_db()
    result = cases.step(case_no, move, on=day, actor=actor, data=values, request_id=request_id)
    if as_json:
        print_json(_step_dict(result))
    else:
        _echo_step(result, f"已办理“{MOVE_LABELS[result.kind]}”")


def _case_view(case_no: str, explain: bool) -> tuple[dict[str, Any], Any]:
    """The case as shown (ID number masked) and its schedule recomputed from the stored history."""
    from ..domain.applicants import mask
    from ..labels import (applicant_kind_label, channel_label, id_type_label, move_label,
                          outcome_label, report_row_label, state_label)
    from ..services import cases, directory, queries

    with db_session() as session:
        row, events, case = cases.load(session, case_no)
        agency = queries.agency_by_id(session, row.agency_id)
        assert agency is not None
        schedule = case.schedule(cases.session_calendar(session), directory.agency_settings(agency))
        person = queries.applicant(session, row.applicant_id)
        assert person is not None
        names = queries.staff_names(session, [row.handler, *(e.actor for e in events)])
    view = {
        "case_no": row.case_no,
        "state": row.state, "state_label": state_label(case.state.value),
        "agency": {"code": agency.code, "name": agency.name},
        "handler": {"code": row.handler, "name": names.get(row.handler, "")},
        "channel": row.channel, "channel_label": channel_label(row.channel),
        "received": row.received.isoformat(), "subject": row.subject, "rules": row.rules,
        "applicant": {
            "kind": person.kind, "kind_label": applicant_kind_label(person.kind),
            "name": person.name, "id_type": person.id_type,
            "id_type_label": id_type_label(person.id_type) if person.id_type else "",
            "id_number_masked": mask(person.id_number) if person.id_number else "",
            "contact": person.contact,
        },
        "outcome": case.outcome or None, "outcome_label": outcome_label(case.outcome),
        "report_row": case.report_row, "report_row_label": report_row_label(case.report_row),
        "replied_on": case.replied_on.isoformat() if case.replied_on else None,
        "reply_delivered": case.reply_delivered.isoformat() if case.reply_delivered else None,
        "schedule": schedule.to_dict(explain),
        "history": [{"seq": e.seq, "on": e.on.isoformat(), "kind": e.kind,
                     "label": move_label(e.kind), "actor": e.actor,
                     "actor_name": names.get(e.actor, ""), "basis": e.basis,
                     "data": dict(e.data)} for e in events],
    }
    return view, schedule


@app.command("show", help="查看案件：状态、申请人（证件号码遮蔽）、处理结果、各项期限及依据、办理记录。")
@user_errors
def show(
    case_no: str = typer.Argument(..., help="案件编号"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
    explain: bool = typer.Option(False, "--explain", help="显示每个期限的计算过程（计入的工作日等）"),
) -> None:
    view, schedule = _case_view(case_no, explain)
    if as_json:
        print_json(view)
        return
    from rich.console import Console
    from rich.table import Table

    from ..labels import CASE_FIELD_LABELS as F
    from .clock_cmd import render_text

    console = Console(highlight=False, soft_wrap=True)
    out = console.print
    out(f"{F['case_no']}：{view['case_no']}")
    out(f"{F['state']}：{view['state_label']}")
    out(f"{F['agency']}：{view['agency']['code']} {view['agency']['name']}")
    out(f"{F['handler']}：{view['handler']['code']} {view['handler']['name']}".rstrip())
    out(f"{F['channel']}：{view['channel_label']}")
    out(f"{F['subject']}：{view['subject']}")
    a = view["applicant"]
    ident = f"；{a['id_type_label']} {a['id_number_masked']}" if a["id_number_masked"] else ""
    contact = f"；{F['contact']}：{a['contact']}" if a["contact"] else ""
    out(f"{F['applicant']}：{a['name']}（{a['kind_label']}）{ident}{contact}")
    if view["outcome"]:
        out(f"{F['outcome']}：{view['outcome_label']}（{view['replied_on']}）")
        out(f"{F['report_row']}：{view['report_row_label']}（{view['report_row']}）")
    out("")
    render_text(schedule, explain)  # the dates, their basis, 预估 marks and the explanation
    out("")
    table = Table(title=F["history"], show_lines=False)
    table.add_column(F["seq"], no_wrap=True, justify="right")
    table.add_column(F["on"], no_wrap=True)
    table.add_column(F["move"], overflow="fold")
    table.add_column(F["actor"], overflow="fold")
    table.add_column(F["basis"], overflow="fold")
    for h in view["history"]:
        table.add_row(str(h["seq"]), h["on"], h["label"], f"{h['actor']} {h['actor_name']}".rstrip(),
                      h["basis"])
    out(table)


@app.command("list", help="列出案件，按答复期限排序；--due-within N 列出N个工作日内到期（含已逾期）的未办结案件。")
@user_errors
def list_(
    agency: Optional[str] = typer.Option(None, "--agency", help="机关代码"),
    with_subordinates: bool = typer.Option(False, "--with-subordinates", help="含下属机关的案件"),
    state: Optional[str] = typer.Option(None, "--state", help="状态：received（待审查）、awaiting_correction"
                                                              "（待补正）、in_process（办理中）、closed（已办结）"),
    due_within: Optional[int] = typer.Option(None, "--due-within", help="自今天起N个工作日内到期（含已逾期）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from .. import localtime
    from ..domain.case import STATE_LABELS, State
    from ..domain.errors import InputError
    from ..labels import due_text, state_label
    from ..services import cases, directory, queries

    if state is not None and state not in {s.value for s in State}:
        raise InputError("--state", "状态：" + "、".join(f"{s.value}（{STATE_LABELS[s]}）" for s in State),
                         f"未知的状态“{state}”")
    if due_within is not None and not 0 <= due_within <= 366:
        raise InputError("--due-within", "到期范围为0–366个工作日", f"无效的天数 {due_within}")
    if with_subordinates and agency is None:
        raise InputError("--with-subordinates", "须与 --agency 同用", "未指明机关")
    today = localtime.today()
    with db_session() as session:
        agency_ids = None
        if agency is not None:
            root = directory.agency(session, agency)
            agency_ids = directory.subtree_ids(session, root) if with_subordinates else [root.id]
        due_by = None
        if due_within is not None:
            calendar = cases.session_calendar(session)
            calendar.check(today, "today")
            due_by = (today if due_within == 0 else
                      calendar.nth_working_date_after(today.toordinal(), due_within)[0])
        found = queries.cases(session, agency_ids=agency_ids, state=state,
                              open_only=due_within is not None, due_by=due_by)
        names = queries.staff_names(session, [c.handler for c, _ in found])
    rows = [{"case_no": c.case_no, "agency": a.code, "agency_name": a.name, "state": c.state,
             "state_label": state_label(c.state),
             "reply_due": c.reply_due.isoformat() if c.reply_due else None,
             "provisional": bool(c.provisional),
             "overdue": bool(c.state != State.CLOSED.value and c.reply_due and c.reply_due < today),
             "handler": c.handler, "handler_name": names.get(c.handler, "")}
            for c, a in found]
    if as_json:
        print_json({"today": today.isoformat(), "due_by": due_by.isoformat() if due_by else None,
                    "cases": rows})
        return
    if due_by is not None:
        typer.echo(f"今天 {today.isoformat()}；{due_within} 个工作日内到期（至 {due_by.isoformat()}，含已逾期）：")
    if not rows:
        typer.echo("没有符合条件的案件。")
        return
    from rich.console import Console
    from rich.table import Table

    from ..labels import CASE_FIELD_LABELS as F

    table = Table(show_lines=False)
    table.add_column(F["case_no"], no_wrap=True)
    table.add_column(F["agency"], overflow="fold")
    table.add_column(F["state"], no_wrap=True)
    table.add_column(F["reply_due"], overflow="fold")
    table.add_column(F["handler"], overflow="fold")
    for (c, _a), r in zip(found, rows):
        table.add_row(r["case_no"], r["agency"], r["state_label"],
                      due_text(c.reply_due, r["provisional"], r["overdue"]),
                      f"{r['handler']} {r['handler_name']}".rstrip())
    Console(highlight=False, soft_wrap=True).print(table)
