"""`foi case`: register applications, take steps, show a case with its dates, list the open ones.

Every write goes through services.cases (one transaction, request-id idempotency) as the staff
member named by --as (or the token's owner), with the operator recorded; reads go through
services.views (permissioned, logged). An applicant's ID number and contact are shown masked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional

import typer

from .common import AS_HELP, acting, print_json, unit_of_work, user_errors

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
    actor: Optional[str] = typer.Option(None, "--as", help="登记人（工作人员账户代码），即本案承办人；" + AS_HELP),
    channel: str = typer.Option(..., "--channel", help="收件渠道：in_person（当面）、post（邮寄）、"
                                                       "letter（平信）、online（网络）、fax（传真）"),
    received: str = typer.Option(..., "--received", help="收到申请日期 YYYY-MM-DD"),
    subject: Optional[str] = typer.Option(None, "--subject", help="申请公开的政府信息（只有一项时可代替 --item）"),
    item: list[str] = typer.Option([], "--item", help="申请公开的一项政府信息：名称或特征性描述，有文号的写作"
                                                      "“描述::文号”；可多次（每项分别答复）"),
    form: Optional[str] = typer.Option(None, "--form", help="信息的形式要求：paper（纸质）、electronic（电子数据）"),
    delivery: Optional[str] = typer.Option(None, "--delivery", help="获取信息的方式：post（邮寄）、email（电子邮件）、"
                                                         "in_person（当面领取）、online（网上获取）"),
    oral: bool = typer.Option(False, "--oral", help="口头申请，由登记人代为填写（收件渠道须为 in_person）"),
    applicant_kind: str = typer.Option(
        ..., "--applicant-kind", help="申请人类别：natural_person（自然人）、commercial、research、"
                                      "public_interest、legal_services、other_org"),
    applicant_name: str = typer.Option(..., "--applicant-name", help="申请人姓名或名称"),
    id_type: Optional[str] = typer.Option(
        None, "--id-type", help="证件类型：resident_id、passport、hk_macao_permit、taiwan_permit、"
                                "other（自然人给出号码而未给类型的，按居民身份证）"),
    id_number: Optional[str] = typer.Option(None, "--id-number", help="证件号码（列表、输出中一律遮蔽）"),
    credit_code: Optional[str] = typer.Option(None, "--credit-code", help="法人或其他组织的统一社会信用代码（18位）"),
    legal_representative: Optional[str] = typer.Option(None, "--legal-representative", help="法定代表人"),
    contact_person: Optional[str] = typer.Option(None, "--contact-person", help="联系人（组织须有法定代表人或联系人）"),
    phone: Optional[str] = typer.Option(None, "--phone", help="联系电话"),
    address: Optional[str] = typer.Option(None, "--address", help="通信地址（邮寄送达须填）"),
    postcode: Optional[str] = typer.Option(None, "--postcode", help="邮政编码（6位）"),
    email: Optional[str] = typer.Option(None, "--email", help="电子邮箱（电子邮件送达须填）"),
    contact: Optional[str] = typer.Option(None, "--contact", help="其他联系方式"),
    request_id: Optional[str] = typer.Option(None, "--request-id", help="请求编号：重复提交只登记一次"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..domain.applicants import Applicant, Item
    from ..domain.errors import InputError
    from ..domain.parsing import parse_date
    from ..services import cases, views

    day = parse_date(received, "received")
    if id_number and not id_type and applicant_kind == "natural_person":
        id_type = "resident_id"
    if item and subject:
        raise InputError("--subject", "--subject 与 --item 只给其一", "两者都给出了")
    if subject is not None:
        cases.check_subject(subject)
    items = [Item(*(part.strip() for part in text.split("::", 1))) for text in item] if item else \
        [subject] if subject else []
    applicant = Applicant.of({
        "kind": applicant_kind, "name": applicant_name, "id_type": id_type, "id_number": id_number,
        "credit_code": credit_code, "legal_representative": legal_representative,
        "contact_person": contact_person, "phone": phone, "address": address, "postcode": postcode,
        "email": email, "contact": contact})
    uow = unit_of_work()
    who = acting(uow, actor)
    result = cases.register(cases.Register(agency, applicant, channel, day, tuple(items), form or "",
                                           delivery or "", oral, request_id), uow, who)
    hints = views.intake_hints(applicant, unit_of_work(), who, items=[i.description if isinstance(i, Item) else i
                                                                     for i in items], on=day)
    earlier = [c for c in hints["cases"] if c["case_no"] != result.case_no]
    duplicates = [c for c in hints["possible_duplicates"] if c["case_no"] != result.case_no]
    if as_json:
        print_json({**_step_dict(result), "hints": {
            "cases_this_month": hints["cases_this_month"], "earlier_cases": earlier,
            "possible_duplicates": duplicates}})
        return
    _echo_step(result, "已登记")
    if earlier:
        typer.echo(f"同一申请人：本月第 {hints['cases_this_month']} 件申请，此前共 {len(earlier)} 件")
    for c in duplicates:
        reply = f"，答复 {c['reply_no']}（{c['reply_on']}）" if c["reply_no"] else ""
        typer.echo(f"可能重复申请：{c['case_no']}（{c['received']} 收到{reply}）"
                   f"：{'；'.join(c['similar_items'])[:80]}")


@app.command("step", help="办理一项事项（如 accept、sign_off、reply），记入办理记录并重新计算期限。")
@user_errors
def step(
    case_no: str = typer.Argument(..., help="案件编号"),
    move: str = typer.Argument(..., help="事项，如 accept（审查通过）、request_correction（告知补正）、"
                                         "sign_off（保密审查签发）、reply（答复）"),
    actor: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    on: str = typer.Option(..., "--on", help="事项发生日期 YYYY-MM-DD"),
    data: list[str] = typer.Option([], "--data", help="附加数据 key=value，如 decision=disclose、"
                                                      "outcome=disclosed、days=20；可多次"),
    request_id: Optional[str] = typer.Option(None, "--request-id", help="请求编号：重复提交只办理一次"),
    items_file: Optional[Path] = typer.Option(
        None, "--items", help="答复的各项内容（JSON 文件：[{\"no\": 1, \"decision\": \"disclosed\", "
                              "\"provided\": …}]；见 docs/notices.md“Replies item by item”）"),
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
    if items_file is not None:
        values["items"] = _read_items(items_file)
    uow = unit_of_work()
    who = acting(uow, actor)
    result = cases.step(cases.Step(case_no, move, day, values, request_id), uow, who)
    if as_json:
        print_json(_step_dict(result))
    else:
        _echo_step(result, f"已办理“{MOVE_LABELS[result.kind]}”")


def _read_items(path: Path) -> list:
    import json

    from ..domain.errors import InputError

    try:
        items = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError("--items", "JSON 文件（UTF-8），内容为各项答复的列表", f"无法读取：{exc}") from None
    if not isinstance(items, list):
        raise InputError("--items", "JSON 文件（UTF-8），内容为各项答复的列表", "内容不是列表")
    return items


@app.command("attach", help="为案件上传附件（随答复提供的文件）：按 SHA-256 存放，编为本案附件序号。")
@user_errors
def attach(
    case_no: str = typer.Argument(..., help="案件编号"),
    file: Path = typer.Argument(..., help="文件路径（类型、大小见 FOI_ATTACHMENT_TYPES、FOI_ATTACHMENT_MAX_BYTES）"),
    name: Optional[str] = typer.Option(None, "--name", help="附件名称（默认为文件名）"),
    description: str = typer.Option("", "--description", help="附件说明"),
    actor: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..domain.errors import InputError
    from ..services import attachments

    uow = unit_of_work()
    size = file.stat().st_size if file.is_file() else None
    if size is None:
        raise InputError("file", "须为可读取的文件", f"找不到文件“{file}”")
    if size > uow.settings.attachment_max_bytes:  # refused before reading it into memory
        raise InputError("file", f"附件不超过 {uow.settings.attachment_max_bytes} 字节（FOI_ATTACHMENT_MAX_BYTES）",
                         f"“{file.name}”为 {size} 字节")
    out = attachments.attach(attachments.Attach(case_no, name or file.name, file.read_bytes(), description),
                             uow, acting(uow, actor))
    if as_json:
        print_json(out)
    else:
        typer.echo(f"已上传附件{out['no']}：{out['name']}（{out['size']} 字节，SHA-256 {out['sha256']}）")


@app.command("show", help="查看案件：状态、申请人（证件号码遮蔽）、处理结果、各项期限及依据、办理记录。")
@user_errors
def show(
    case_no: str = typer.Argument(..., help="案件编号"),
    actor: Optional[str] = typer.Option(None, "--as", help="查阅人（工作人员账户代码）：查阅记入访问日志；" + AS_HELP),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
    explain: bool = typer.Option(False, "--explain", help="显示每个期限的计算过程（计入的工作日等）"),
) -> None:
    from ..services import views

    uow = unit_of_work()
    page = views.case_page(case_no, uow, acting(uow, actor), explain=explain)
    view, schedule = page.data, page.schedule
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
    contact = f"；{F['contact']}：{a['contact_masked']}" if a["contact_masked"] else ""
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
    table.add_column(F["recorded_at"], overflow="fold")
    table.add_column(F["basis"], overflow="fold")
    for h in view["history"]:
        recorded = (h["recorded_at"] or "")[:16].replace("T", " ")
        if h["backdated"]:
            recorded += f"（补录，{h['operator']}）" if h["operator"] else "（补录）"
        table.add_row(str(h["seq"]), h["on"], h["label"], f"{h['actor']} {h['actor_name']}".rstrip(),
                      recorded, h["basis"])
    out(table)
    if view["moves"]:
        out("可办理事项：" + "、".join(f"{m['kind']}（{m['label']}）" for m in view["moves"]))


@app.command("list", help="列出案件，按答复期限排序；--due-within N 列出N个工作日内到期（含已逾期）的未办结案件。")
@user_errors
def list_(
    agency: Optional[str] = typer.Option(None, "--agency", help="机关代码"),
    with_subordinates: bool = typer.Option(False, "--with-subordinates", help="含下属机关的案件"),
    state: Optional[str] = typer.Option(None, "--state", help="状态：received（待审查）、awaiting_correction"
                                                              "（待补正）、in_process（办理中）、closed（已办结）"),
    due_within: Optional[int] = typer.Option(None, "--due-within", help="自今天起N个工作日内到期（含已逾期）"),
    actor: Optional[str] = typer.Option(None, "--as", help="查阅人（工作人员账户代码）；" + AS_HELP),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..labels import due_text
    from ..services import views

    uow = unit_of_work()
    who = acting(uow, actor)
    result = views.case_list(views.CaseQuery(agency, with_subordinates, state, due_within), uow, who)
    rows = result["cases"]
    if as_json:
        print_json(result)
        return
    today, due_by = result["today"], result["due_by"]
    if due_by is not None:
        typer.echo(f"今天 {today}；{due_within} 个工作日内到期（至 {due_by}，含已逾期）：")
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
    import datetime as dt

    for r in rows:
        due = dt.date.fromisoformat(r["reply_due"]) if r["reply_due"] else None
        table.add_row(r["case_no"], r["agency"], r["state_label"],
                      due_text(due, r["provisional"], r["overdue"]),
                      f"{r['handler']} {r['handler_name']}".rstrip())
    Console(highlight=False, soft_wrap=True).print(table)


@app.command("split", help="拆分申请（一事一申请）：拆出的部分另立案件，与原案件相互关联。")
@user_errors
def split(
    case_no: str = typer.Argument(..., help="案件编号"),
    part: list[str] = typer.Option(..., "--part", help="拆出的一部分：申请事项序号（如 2 或 2,3），"
                                                     "申请只有一项时写申请内容描述；可多次，每次一件新案件"),
    actor: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    on: str = typer.Option(..., "--on", help="拆分日期 YYYY-MM-DD"),
    request_id: Optional[str] = typer.Option(None, "--request-id", help="请求编号：重复提交只办理一次"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..domain.parsing import parse_date
    from ..services import cases

    numbers = re.compile(r"\s*\d+(\s*[,，]\s*\d+)*\s*")
    parts: list[Any] = [[int(x) for x in re.split(r"[,，]", p)] if numbers.fullmatch(p) else p for p in part]
    uow = unit_of_work()
    who = acting(uow, actor)
    result = cases.step(cases.Step(case_no, "split", parse_date(on, "on"), {"parts": parts}, request_id), uow, who)
    page = views_page(case_no, actor)
    if as_json:
        print_json({**_step_dict(result), "split_into": page["links"]["split_into"]})
    else:
        _echo_step(result, "已拆分申请")
        typer.echo("新案件：" + "、".join(page["links"]["split_into"]))


def views_page(case_no: str, actor: Optional[str]) -> dict[str, Any]:
    from ..services import views

    uow = unit_of_work()
    return views.case_page(case_no, uow, acting(uow, actor)).data


@app.command("proactive", help="列出标记纳入主动公开范围的案件（第四十四条）。")
@user_errors
def proactive(
    agency: Optional[str] = typer.Option(None, "--agency", help="机关代码（默认本人所在机关）"),
    actor: Optional[str] = typer.Option(None, "--as", help="查阅人（工作人员账户代码）；" + AS_HELP),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    from ..services import case_management

    uow = unit_of_work()
    rows = case_management.publication_list(agency, uow, acting(uow, actor))
    if as_json:
        print_json({"cases": rows})
        return
    if not rows:
        typer.echo("没有标记纳入主动公开的案件。")
        return
    for r in rows:
        typer.echo(f"{r['case_no']}  {r['marked_on']}  {r['marked_by']}  {r['subject']}  理由：{r['reasons']}")
