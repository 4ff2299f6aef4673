"""What a reply says, item by item (ogi-rules.md "What a reply must say"), and the case's one outcome.

A reply decides every item of the application (Art 29: one application may ask for several; each
item gets its own decision). Each decision is an outcome code of domain/outcomes.py and carries
the elements the law requires for it — what is provided and in what form and by which delivery
method (or why another), where the public version is, what is withheld with its ground and this
case's reasons, the search made, the right agency and its contact, the earlier reply repeated,
the proper channel. A missing element is an error naming the field, never a blank notice.

The case's single outcome (its table-3 row) is derived from the items by the report's counting
rule (annual-report-2021.md: "a partly disclosed request counts only under partial"):
- every item the same decision: that decision;
- any item partly disclosed, or some items disclosed (36(1)/36(2)) and some not: partial;
- all disclosed, some already public: disclosed (one row, 予以公开);
- none disclosed, different decisions: the first of them in the order of table 3 (OUTCOMES).

Pure: no I/O. `check_reply(items_of_case, reply_data)` returns the checked reply (the per-item
decisions, normalised, for the reply event's data) or raises ReplyError.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Sequence

from . import applicants
from .errors import InputError
from .outcomes import OUTCOMES

GROUNDS = ("state_secret", "prohibited_by_law", "security_stability", "third_party_rights",
           "internal_affairs", "process_info", "enforcement_file")
# Art 40: the forms information is provided in, and how it reaches the applicant (Art 29(3)).
# The application's own choices (domain/applicants.py), and inspection or copying on site.
FORMS = MappingProxyType({**applicants.FORMS, "inspection": "现场查阅、抄录"})
DELIVERIES = applicants.DELIVERY
# Decisions a reply may not make: each has its own move (domain/case.py OWN_MOVE_OUTCOMES).
NOT_BY_REPLY = frozenset({"other.no_correction", "other.fee_unpaid", "other.withdrawn"})
DISCLOSING = frozenset({"already_public", "disclosed"})
MAX_TEXT = 2000
MAX_ITEMS = 200

# field → (label, the rule that requires it)
FIELDS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "where": ("获取方式和途径（公开载体、网址或查阅场所）", "第三十六条第（一）项：已主动公开的，告知获取该政府信息的方式、途径"),
    "doc_number": ("文号", "第三十六条第（一）项"),
    "provided": ("提供的信息（逐项列明）", "第三十六条第（二）项：向申请人提供该政府信息"),
    "form": ("提供形式（" + "、".join(f"{k}：{v}" for k, v in FORMS.items()) + "）",
             "第四十条：按照申请人要求的形式提供"),
    "delivery": ("提供方式（" + "、".join(f"{k}：{v}" for k, v in DELIVERIES.items()) + "）",
                 "第四十条：按照申请人要求的方式提供"),
    "form_reason": ("未按申请人要求的形式或方式提供的理由",
                    "第四十条：按照申请人要求的形式无法提供的，可以通过安排查阅相关资料、提供复制件或者其他适当形式提供"),
    "withheld": ("不予公开的内容", "第三十七条：对不予公开的部分说明理由"),
    "ground": ("不予公开的依据（" + "、".join(GROUNDS) + "）", "第十四条至第十六条：不予公开须写明依据"),
    "reasons": ("理由（本案的具体理由）", "第三十六条：不予公开、无法提供、不予处理的，说明理由"),
    "search": ("检索情况（检索的范围、方式和结果）", "第三十六条第（四）项：经检索没有所申请公开信息的，告知申请人该政府信息不存在"),
    "right_agency": ("负责公开该信息的机关名称", "第三十六条第（五）项：能够确定负责公开该政府信息的行政机关的，告知申请人该行政机关的名称、联系方式"),
    "right_agency_contact": ("负责公开机关的联系方式", "第三十六条第（五）项"),
    "earlier_case": ("此前申请的案件编号（同一申请人、本机关已答复的案件）",
                     "第三十六条第（六）项：重复申请的，写明此前就该申请作出的答复（由此前的案件查得文号和日期）"),
    "earlier_doc_no": ("此前答复的文号", "第三十六条第（六）项：告知申请人不予重复处理，须写明此前的答复"),
    "earlier_date": ("此前答复的日期", "第三十六条第（六）项"),
    "channel": ("应通过的渠道", "第三十六条第（七）项、第三十九条：告知申请人通过相应渠道提出或获取"),
    "files": ("附件序号", "第三十六条第（二）项：随答复书提供的文件逐一列入附件说明"),
})

_PROVIDING = (("provided", "form", "delivery"), ("form_reason", "files"))
_REASONS = (("reasons",), ())
# decision → (required fields, optional fields)
ELEMENTS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = MappingProxyType({
    "already_public": (("where",), ("doc_number",)),
    "disclosed": _PROVIDING,
    "partial": (("provided", "form", "delivery", "withheld", "ground", "reasons"), ("form_reason", "files")),
    **{f"withheld.{g}": (("reasons",), ("withheld",)) for g in GROUNDS},
    "withheld.admin_query": (("reasons", "channel"), ()),
    "unavailable.not_held": (("search",), ()),
    "unavailable.not_this_agency": (("reasons",), ("right_agency", "right_agency_contact")),
    "unavailable.needs_creation": _REASONS,
    "unavailable.still_unclear": _REASONS,
    "not_processed.petition": (("reasons", "channel"), ()),
    # the service looks the earlier reply up from `earlier_case` (services/case_management.py);
    # a legacy register (bulk intake) states its number and date as recorded
    "not_processed.duplicate": (("earlier_doc_no", "earlier_date"), ("earlier_case",)),
    "not_processed.publication": (("reasons", "channel"), ()),
    "not_processed.excessive": _REASONS,
    "not_processed.confirm_or_reissue": _REASONS,
    "other.other": _REASONS,
})
DECISIONS: tuple[str, ...] = tuple(c for c in OUTCOMES if c not in NOT_BY_REPLY)
assert set(ELEMENTS) == set(DECISIONS)  # every decision a reply may make has its elements
NEEDS_SIGN_OFF = frozenset({"disclosed", "partial"} | {f"withheld.{g}" for g in GROUNDS})
ITEMS_RULE = "第二十九条、第三十六条：申请的每一项政府信息都须作出答复（items：[{no, decision, …}]）"


class ReplyError(InputError):
    """A reply that leaves an item undecided or a decision without an element the law requires."""


@dataclass(frozen=True)
class CheckedReply:
    """A reply that says what the law requires: one decision per item, in item order."""

    items: tuple[Mapping[str, Any], ...]   # {"no", "decision", and the decision's elements}
    outcome: str                            # the case's one outcome (its table-3 row)
    reviewed: str                           # what the confidentiality sign-off must match ("" if none)

    def event_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"items": [dict(i) for i in self.items]}
        if self.outcome == "unavailable.not_this_agency":
            data["right_agency"] = next((i.get("right_agency", "") for i in self.items
                                         if i["decision"] == "unavailable.not_this_agency"), "")
        return data


def case_outcome(decisions: Sequence[str]) -> str:
    """The one outcome of an application whose items got these decisions (the report's rule)."""
    if not decisions:
        raise ValueError("no decisions")
    unknown = [d for d in decisions if d not in OUTCOMES]
    if unknown:
        raise ValueError(f"unknown decision {unknown[0]!r}")
    kinds = set(decisions)
    if len(kinds) == 1:
        return decisions[0]
    if "partial" in kinds or (kinds & DISCLOSING and kinds - DISCLOSING):
        return "partial"
    if kinds <= DISCLOSING:
        return "disclosed"
    order = list(OUTCOMES)
    return min(kinds, key=order.index)


def _refuse(field: str, rule: str, message: str) -> ReplyError:
    return ReplyError(field, rule, message)


def _text(no: int, key: str, value: Any, *, required: bool) -> str:
    label, rule = FIELDS[key]
    field = f"items[{no}].{key}"
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _refuse(field, rule, f"第{no}项缺少“{label}”")
        return ""
    if isinstance(value, (list, tuple)):  # a list of provided documents, one a line
        if not all(isinstance(v, str) for v in value):
            raise _refuse(field, rule, f"第{no}项的“{label}”须为文字")
        value = "\n".join(v.strip() for v in value if v.strip())
        if not value and required:
            raise _refuse(field, rule, f"第{no}项缺少“{label}”")
    if not isinstance(value, str):
        raise _refuse(field, rule, f"第{no}项的“{label}”须为文字")
    value = value.strip()
    if len(value) > MAX_TEXT or "\x00" in value:
        raise _refuse(field, f"{label}不超过 {MAX_TEXT} 字，不含空字符", f"第{no}项的“{label}”过长或含空字符")
    return value


def _item(no: int, raw: Mapping[str, Any], requested: Mapping[str, str]) -> dict[str, Any]:
    decision = raw.get("decision")
    if decision in NOT_BY_REPLY:
        raise _refuse(f"items[{no}].decision", "视为放弃、撤回须通过相应事项办理，不作为答复内容",
                      f"第{no}项不能答复为“{OUTCOMES[decision].label}”")
    if decision not in ELEMENTS:
        shown = decision if isinstance(decision, str) and decision.isprintable() else repr(decision)
        raise _refuse(f"items[{no}].decision", "答复结果须为规定的处理结果之一：" + "、".join(DECISIONS),
                      f"第{no}项的答复结果“{str(shown)[:40]}”无效" if decision else f"第{no}项未作出答复")
    required, optional = ELEMENTS[decision]
    allowed = set(required) | set(optional) | {"no", "decision"}
    extra = sorted(k for k in raw if k not in allowed)
    if extra:
        raise _refuse(f"items[{no}].{extra[0]}", f"“{OUTCOMES[decision].label}”的答复内容："
                      + "、".join(FIELDS[k][0] for k in (*required, *optional)),
                      f"第{no}项不应有“{extra[0]}”")
    out: dict[str, Any] = {"no": no, "decision": decision}
    for key in (*required, *optional):
        if key == "files":
            out[key] = _files(no, raw.get(key))
            continue
        value = _text(no, key, raw.get(key), required=key in required)
        if value or key in required:
            out[key] = value
    if "form" in out and out["form"] not in FORMS:
        raise _refuse(f"items[{no}].form", FIELDS["form"][1], f"第{no}项未知的提供形式“{out['form'][:20]}”")
    if "delivery" in out and out["delivery"] not in DELIVERIES:
        raise _refuse(f"items[{no}].delivery", FIELDS["delivery"][1],
                      f"第{no}项未知的提供方式“{out['delivery'][:20]}”")
    if "ground" in out and out["ground"] not in GROUNDS:
        raise _refuse(f"items[{no}].ground", FIELDS["ground"][1], f"第{no}项无效的依据“{out['ground'][:40]}”")
    if "form" in out:  # Art 40: as asked, or why another form or way
        asked = {k: requested.get(k, "") for k in ("form", "delivery")}
        differs = [k for k in ("form", "delivery") if asked[k] and asked[k] != out[k]]
        if differs and not out.get("form_reason"):
            k = differs[0]
            table = FORMS if k == "form" else DELIVERIES
            raise _refuse(f"items[{no}].form_reason", FIELDS["form_reason"][1],
                          f"申请人要求{table.get(asked[k], asked[k])}，第{no}项以{table[out[k]]}提供，须说明理由")
    if "earlier_date" in out:
        try:
            out["earlier_date"] = dt.date.fromisoformat(out["earlier_date"]).isoformat()
        except ValueError:
            raise _refuse(f"items[{no}].earlier_date", "日期写作 YYYY-MM-DD",
                          f"第{no}项的此前答复日期“{out['earlier_date'][:20]}”无效") from None
    if out.get("right_agency_contact") and not out.get("right_agency"):
        raise _refuse(f"items[{no}].right_agency", FIELDS["right_agency"][1], f"第{no}项写了联系方式，缺少机关名称")
    return out


def _files(no: int, value: Any) -> list[int]:
    if value is None:
        return []
    rule = FIELDS["files"][1]
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value):
        raise _refuse(f"items[{no}].files", rule, f"第{no}项的附件须为本案附件序号的列表")
    if len(set(value)) != len(value):
        raise _refuse(f"items[{no}].files", rule, f"第{no}项的附件序号重复")
    return list(value)


def check_reply(items_of_case: Iterable[Any], reply_data: Mapping[str, Any], *,
                requested: Mapping[str, str] | None = None, corrected: bool = True) -> CheckedReply:
    """The reply's decisions checked against the application's items (a case without items is
    one item: its subject). `requested`: the form and delivery the applicant asked for
    ({"form", "delivery"}); `corrected`: whether the application was corrected (Art 30: only
    then may an item be still unclear). Raises ReplyError naming the field and the rule."""
    n = max(len(tuple(items_of_case)), 1)
    raw = reply_data.get("items")
    if not isinstance(raw, (list, tuple)) or not raw:
        raise _refuse("items", ITEMS_RULE, "答复未对申请的政府信息作出答复")
    if len(raw) > MAX_ITEMS or not all(isinstance(r, Mapping) for r in raw):
        raise _refuse("items", ITEMS_RULE, "每项答复须写明序号（no）和答复结果（decision）")
    by_no: dict[int, Mapping[str, Any]] = {}
    for r in raw:
        no = r.get("no", 1 if n == 1 and len(raw) == 1 else None)
        if isinstance(no, bool) or not isinstance(no, int) or not 1 <= no <= n:
            raise _refuse("items", ITEMS_RULE + f"；本申请共{n}项，序号为1–{n}", f"无效的序号 {no!r}")
        if no in by_no:
            raise _refuse(f"items[{no}]", ITEMS_RULE, f"第{no}项答复了两次")
        by_no[no] = r
    missing = [i for i in range(1, n + 1) if i not in by_no]
    if missing:
        raise _refuse(f"items[{missing[0]}]", ITEMS_RULE,
                      "第" + "、".join(map(str, missing)) + "项未作出答复")
    items = tuple(_item(no, by_no[no], requested or {}) for no in range(1, n + 1))
    if not corrected:
        for i in items:
            if i["decision"] == "unavailable.still_unclear":
                raise _refuse(f"items[{i['no']}].decision", "第三十条：补正后仍不明确的方可如此答复", "本案未经补正")
    decisions = [i["decision"] for i in items]
    outcome = case_outcome(decisions)
    given = reply_data.get("outcome")
    if given not in (None, "") and given != outcome:
        raise _refuse("outcome", "答复结果由各项答复按年度报告统计规则确定（部分公开只计部分公开）",
                      f"各项答复合计为“{OUTCOMES[outcome].label}”，与所填“{str(given)[:40]}”不符")
    reviewed_items = [d for d in decisions if d in NEEDS_SIGN_OFF]
    reviewed = case_outcome(reviewed_items) if reviewed_items else ""
    return CheckedReply(items, outcome, reviewed)


def one_item_reply(reply_data: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """A reply whose one item's decision and elements are at the top level (`outcome`, `search`,
    …, allowed for a one-item case) as `items: [{no: 1, decision, …}]`; the other keys stay.
    Returns the reply data and whether it was rewritten (a reply with `items` is kept)."""
    if "items" in reply_data:
        return dict(reply_data), False
    item: dict[str, Any] = {"no": 1, "decision": reply_data.get("outcome")}
    item.update((k, v) for k, v in reply_data.items() if k in FIELDS)
    rest = {k: v for k, v in reply_data.items() if k not in FIELDS and k != "outcome"}
    return {**rest, "items": [item]}, True


def top_level(err: ReplyError) -> ReplyError:
    """The error of a one-item reply given at the top level, naming its own fields (`search`,
    `outcome`) rather than `items[1].…`."""
    field = err.field
    if field.startswith("items[1]."):
        field = field[len("items[1]."):]
        field = "outcome" if field == "decision" else field
    elif field in ("items", "items[1]"):
        field = "outcome"
    return ReplyError(field, err.rule, err.message)


def attachment_numbers(items: Iterable[Mapping[str, Any]]) -> list[int]:
    """The case attachments a reply provides, in the order its items name them (each once)."""
    out: list[int] = []
    for i in items:
        for n in i.get("files", ()):
            if n not in out:
                out.append(n)
    return out
