"""The forms of the case moves, made from each move's data keys.

A move listed here gets labelled fields of the right kind; a move not listed (a new move of the
case rules) still gets a form: its date and a free "其他数据" box of key=value lines, parsed as
the CLI parses --data. Every value is checked again by the domain, which names the rule.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Mapping

from ..domain.errors import InputError


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: str = "text"                    # text, textarea, int, date, choice
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = False
    hint: str = ""


def _outcomes() -> tuple[tuple[str, str], ...]:
    from ..domain.case import OWN_MOVE_OUTCOMES
    from ..domain.outcomes import OUTCOMES

    return tuple((k, o.label) for k, o in OUTCOMES.items() if k not in OWN_MOVE_OUTCOMES)


def _grounds() -> tuple[tuple[str, str], ...]:
    from ..domain.case import GROUNDS
    from ..labels import outcome_label

    return tuple((g, outcome_label(f"withheld.{g}") or g) for g in GROUNDS)


def _deliverable() -> tuple[tuple[str, str], ...]:
    from ..domain.case import DELIVERABLE_LABELS

    return tuple(DELIVERABLE_LABELS.items())


def _delivery_methods() -> tuple[tuple[str, str], ...]:
    from ..domain.case import DELIVERY_METHODS

    return tuple(DELIVERY_METHODS.items())


def _contact_types() -> tuple[tuple[str, str], ...]:
    from ..domain.case import CONTACT_TYPES

    return tuple(CONTACT_TYPES.items())


def parse_parts(raw: str, name: str = "parts") -> list[Any]:
    """The parts of a split, one a line: item numbers ("2,3" or "2、3") as a list of int, or a
    line of text (an application without numbered items) as it is."""
    import re

    out: list[Any] = []
    for line in (ln.strip() for ln in raw.splitlines()):
        if not line:
            continue
        pieces = [p for p in re.split(r"[,，、\s]+", line) if p]
        out.append([int(p) for p in pieces] if pieces and all(p.isdigit() and len(p) < 4 for p in pieces)
                   else line)
    return out


DELIVERED = FormField("delivered", "送达日期（已送达的）", "date", hint="送达日不得早于发出日")
REASONS = FormField("reasons", "理由", "textarea", required=True)


def move_fields(kind: str) -> tuple[FormField, ...] | None:
    """The fields of a move's data (None: a move this table does not know)."""
    table: dict[str, tuple[FormField, ...]] = {
        "acknowledge": (), "accept": (), "correction_delivered": (), "correction_received": (),
        "correction_lapsed": (), "fee_paid": (), "fee_lapsed": (), "reply_delivered": (),
        "withdraw": (),
        "reply_on_spot": (FormField("outcome", "答复结果", "choice", _outcomes(), True), *reply_elements()),
        "request_correction": (FormField("items", "需要补正的事项", "textarea", required=True,
                                         hint="第三十条：一次性告知"), DELIVERED),
        "consult": (FormField("kind", "征求意见对象", "choice",
                              (("third_party", "第三方"), ("other_agency", "其他机关")), True),
                    FormField("party", "被征求意见的第三方或机关名称", required=True), DELIVERED),
        "consultation_delivered": (FormField("index", "第几项征求意见（从0起，默认最近一项）", "int"),),
        "consultation_answered": (FormField("index", "第几项征求意见（从0起，默认最近一项）", "int"),
                                  FormField("answer", "答复", "choice",
                                            (("consent", "同意"), ("objection", "不同意"),
                                             ("none", "逾期未答复")), True),
                                  FormField("reasonable_grounds", "第三方不同意的，是否有合理理由（第三十二条）", "choice",
                                            (("true", "有合理理由"), ("false", "无合理理由")))),
        "public_interest_override": (REASONS,),
        "sign_off": (FormField("decision", "审查结论", "choice",
                               (("disclose", "公开"), ("partial", "部分公开"), ("withhold", "不予公开")), True),
                     FormField("ground", "不予公开的依据（部分公开、不予公开时）", "choice", _grounds())),
        # the amount is computed (the month's count of the applicant's requests, or the pages),
        # never typed in: 国办函〔2020〕109号
        "fee_notice": (FormField("method", "计费方式", "choice",
                                 (("per_request", "按件（按本月申请件数计算）"), ("per_volume", "按量（按页数计算）")), True),
                       FormField("pages", "页数（按量计收时）", "int"),
                       FormField("medium", "提供方式（按量计收时）", "choice",
                                 (("paper", "纸质"), ("email", "电子邮件"), ("electronic_copy", "电子数据复制"))),
                       DELIVERED),
        "extend": (FormField("days", "延期工作日数", "int", required=True), REASONS),
        "request_reasons": (FormField("facts", "申请数量、频次明显超过合理范围的情况（第三十五条）", required=True),
                            DELIVERED),
        "reasons_answered": (FormField("answer", "申请人说明的理由", "choice",
                                       (("reasonable", "理由合理"), ("unreasonable", "理由不合理"),
                                        ("none", "逾期未说明")), True),
                             FormField("reasons", "申请人说明的理由（逾期未说明的不填）")),
        "set_longer_deadline": (FormField("due", "确定的答复期限", "date", required=True), REASONS),
        "reply": (FormField("outcome", "答复结果", "choice", _outcomes(), True), *reply_elements()),
        # delivery and case management (domain/case.py; services/case_management.py)
        "record_delivery": (FormField("notice", "送达的文书", "choice", _deliverable(), True),
                            FormField("method", "送达方式", "choice", _delivery_methods(), True),
                            FormField("tracking", "邮件号码（邮寄送达的必填）"),
                            FormField("sent", "发出日期（默认文书出具日）", "date"),
                            FormField("received", "送达日期（送达回证签收日、妥投日或系统送达日）", "date",
                                      hint="送达日不得早于发出日；尚未送达的不填"),
                            FormField("proof", "送达凭证（送达回证编号、系统送达记录等）"),
                            FormField("index", "第几项征求意见（征求意见书的，从0起；默认最近一项）", "int")),
        "record_contact": (FormField("type", "联系类型", "choice", _contact_types(), True),
                           FormField("summary", "联系内容", "textarea", required=True),
                           FormField("with", "联系对象")),
        "reassign": (FormField("to", "新承办人（本机关承办人或负责人的账户代码）", required=True),
                     FormField("reasons", "改派理由", "textarea")),
        "transfer": (FormField("to", "接收机关（机关代码）", required=True),
                     FormField("reasons", "转送理由（告知申请人）", "textarea", required=True)),
        "split": (FormField("parts", "拆分出的部分（每行一部分：申请事项序号，以逗号分隔，如“2,3”）", "parts",
                            required=True, hint="一事一申请：原案件至少保留一项"),),
        "mark_for_publication": (FormField("reasons", "纳入主动公开的理由（如多个申请人申请相同政府信息）",
                                           "textarea", required=True),),
        "record_remedy": (FormField("kind", "种类", "choice",
                                    (("review", "行政复议"), ("litigation_direct", "直接起诉"),
                                     ("litigation_after_review", "复议后起诉")), True),
                          FormField("result", "结果", "choice",
                                    (("upheld", "维持"), ("corrected", "纠正"), ("other", "其他"),
                                     ("pending", "尚未审结")), True)),
    }
    return table.get(kind)


def reply_elements() -> tuple[FormField, ...]:
    """What a reply says for an item besides its decision (domain/replies.FIELDS: labels and the
    rule requiring each); which are required depends on the decision, checked by the domain."""
    from ..domain import replies

    kinds = {"form": ("choice", tuple(replies.FORMS.items())), "delivery": ("choice", tuple(replies.DELIVERIES.items())),
             "ground": ("choice", tuple((g, lbl) for g, lbl in _grounds())),
             "files": ("numbers", ()), "reasons": ("textarea", ()), "provided": ("textarea", ()),
             "withheld": ("textarea", ()), "search": ("textarea", ())}
    return tuple(FormField(k, label, kinds.get(k, ("text", ()))[0], kinds.get(k, ("text", ()))[1],
                           hint="附件序号，以逗号分隔" if k == "files" else "")
                 # the earlier reply of a duplicate is looked up from `earlier_case`, never typed
                 for k, (label, _rule) in replies.FIELDS.items() if k not in ("earlier_doc_no", "earlier_date"))


ITEM_FIELD = re.compile(r"i(\d{1,3})_(\w+)")


def item_field_name(error_field: str) -> str:
    """Where an error of a multi-item reply is shown ("items[2].provided" -> i2_provided)."""
    m = re.fullmatch(r"items\[(\d+)\]\.(\w+)", error_field)
    if m:
        return f"i{m.group(1)}_{'outcome' if m.group(2) == 'decision' else m.group(2)}"
    return error_field


def _reply_items(form: Mapping[str, str]) -> list[dict[str, Any]] | None:
    """A reply decided item by item (the form's i<n>_<field> fields), or None (one item)."""
    nos = sorted({int(m.group(1)) for k in form if (m := ITEM_FIELD.fullmatch(k)) and m.group(2) == "outcome"})
    if not nos:
        return None
    out = []
    for no in nos:
        sub = {k[len(f"i{no}_"):]: v for k, v in form.items() if k.startswith(f"i{no}_")}
        try:
            item = _values(move_fields("reply") or (), sub)
        except InputError as err:
            raise InputError(f"i{no}_{err.field}", err.rule, f"第{no}项：{err.message}") from None
        item = {("decision" if k == "outcome" else k): v for k, v in item.items()}
        out.append({"no": no, **item})
    return out


EXTRA = FormField("extra", "其他数据（每行一项 key=value）", "textarea")
MAX_TEXT = 5000


def parse_date_field(value: str, name: str) -> dt.date:
    from ..domain.parsing import parse_date

    return parse_date((value or "").strip(), name)


def move_data(kind: str, form: Mapping[str, str]) -> dict[str, Any]:
    """The move's data from the submitted form: empty fields left out, integers as int."""
    from ..cli.case_cmd import parse_data

    fields = move_fields(kind)
    if kind in ("reply", "reply_on_spot") and (items := _reply_items(form)) is not None:
        return {"items": items}
    out = _values(fields or (), form)
    if fields is None:
        lines = [ln.strip() for ln in (form.get("extra") or "").splitlines() if ln.strip()]
        try:
            out.update(parse_data(lines))
        except InputError as err:
            raise InputError("extra", err.rule, err.message) from None
    return out


def _values(fields: tuple[FormField, ...], form: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        raw = (form.get(f.name) or "").strip()
        if len(raw) > MAX_TEXT:
            raise InputError(f.name, f"不超过 {MAX_TEXT} 字", f"共 {len(raw)} 字")
        if not raw:
            continue
        if f.kind == "int":
            try:
                out[f.name] = int(raw)
            except ValueError:
                raise InputError(f.name, f"“{f.label}”须为整数", f"无法识别“{raw[:20]}”") from None
        elif f.kind == "date":
            out[f.name] = parse_date_field(raw, f.name).isoformat()
        elif f.kind == "parts":
            out[f.name] = parse_parts(raw, f.name)
        elif f.kind == "numbers":
            pieces = [p for p in re.split(r"[,，、\s]+", raw) if p]
            if not all(p.isdigit() and len(p) < 6 for p in pieces):
                raise InputError(f.name, f"“{f.label}”须为以逗号分隔的序号", f"无法识别“{raw[:20]}”")
            out[f.name] = [int(p) for p in pieces]
        elif f.kind == "choice" and raw not in {k for k, _ in f.choices}:
            raise InputError(f.name, f"“{f.label}”须为列出的选项之一", "无效的选项")
        elif f.kind == "choice" and {k for k, _ in f.choices} == {"true", "false"}:
            out[f.name] = raw == "true"
        else:
            out[f.name] = raw
    return out


# ----- the intake form (Art 29), from services.cases.Register and domain.applicants.Applicant ---
# Labelled where known; a field added to either dataclass still gets a (text) field.

def _choices(name: str) -> tuple[tuple[str, str], ...]:
    from ..domain import applicants
    from ..domain.case import CHANNELS

    table = {"channel": CHANNELS, "form": getattr(applicants, "FORMS", {}),
             "delivery": getattr(applicants, "DELIVERY", {}), "kind": applicants.KINDS,
             "id_type": applicants.ID_TYPES}
    return tuple(table.get(name, {}).items())


INTAKE_LABELS = {
    "channel": ("收件渠道", "choice"), "received": ("收到申请日期", "date"),
    "subject": ("申请公开的政府信息（名称、文号或特征性描述）", "textarea"),
    "items": ("申请公开的政府信息（每行一项：名称、文号或特征性描述）", "lines"),
    "form": ("信息的形式要求", "choice"), "delivery": ("获取信息的方式", "choice"),
    "oral": ("口头申请，由工作人员代为填写", "bool"),
}
APPLICANT_LABELS = {
    "kind": ("申请人类别", "choice"), "name": ("姓名或名称", "text"),
    "id_type": ("证件类型（法人或其他组织：统一社会信用代码）", "choice"),
    "id_number": ("证件号码或统一社会信用代码", "text"), "contact": ("其他联系方式", "text"),
    "legal_representative": ("法定代表人", "text"), "contact_person": ("联系人", "text"),
    "phone": ("联系电话", "text"), "address": ("通信地址", "text"), "postcode": ("邮政编码", "text"),
    "email": ("电子邮箱", "text"),
}
SKIP_INTAKE = {"agency", "applicant", "request_id"}


def _field(name: str, labels: dict[str, tuple[str, str]], prefix: str, required: bool) -> FormField:
    label, kind = labels.get(name, (name, "text"))
    return FormField(prefix + name, label, kind, _choices(name) if kind == "choice" else (), required)


def intake_fields() -> tuple[tuple[FormField, ...], tuple[FormField, ...]]:
    """(the application's fields, the applicant's fields) of the current dataclasses."""
    from dataclasses import MISSING, fields

    from ..domain.applicants import Applicant
    from ..services.cases import Register

    case = tuple(_field(f.name, INTAKE_LABELS, "", f.default is MISSING)
                 for f in fields(Register) if f.name not in SKIP_INTAKE)
    person = tuple(_field(f.name, APPLICANT_LABELS, "a_", f.default is MISSING) for f in fields(Applicant))
    return case, person


def form_field_name(error_field: str) -> str:
    """Where an error of the services is shown on the intake form ("applicant.name" -> a_name)."""
    if error_field.startswith("applicant."):
        return "a_" + error_field.split(".", 1)[1].split(".")[0]
    return error_field.split(".")[0].split("[")[0]


def intake_values(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The Register keyword arguments (without agency, applicant) and the applicant's mapping."""
    case_fields, person_fields = intake_fields()
    values: dict[str, Any] = {}
    for f in case_fields:
        raw = (form.get(f.name) or "").strip()
        if f.kind == "bool":
            values[f.name] = raw in ("on", "true", "1")
        elif f.kind == "date":
            values[f.name] = parse_date_field(raw, f.name)
        elif f.kind == "lines":
            values[f.name] = [ln.strip() for ln in raw.splitlines() if ln.strip()]
        elif raw or f.required:
            values[f.name] = raw
    person = {f.name[2:]: (form.get(f.name) or "").strip() for f in person_fields}
    return values, {k: v for k, v in person.items() if v or k in ("kind", "name")}


def applicant_of(raw: dict[str, str]):
    from ..domain.applicants import Applicant

    if hasattr(Applicant, "of"):
        return Applicant.of(raw)
    return Applicant(**raw)
