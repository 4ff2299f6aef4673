"""Which case event issues which notice: the one table, with each notice kind's template and name.

Pure data and one lookup: no I/O. The register (notices.register) asks `kinds_for(event)` after
every step; a step whose event is not listed here issues nothing and costs one dict lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class NoticeKind:
    code: str
    template: str      # file under templates/
    label: str         # what staff see in listings (the title is the template's own)
    to_applicant: bool  # addressed to the applicant (else to a third party or another agency)


_KINDS = (
    NoticeKind("receipt", "receipt.html.j2", "政府信息公开申请接收回执", True),
    NoticeKind("correction", "correction.html.j2", "补正告知书", True),
    NoticeKind("extension", "extension.html.j2", "延期答复告知书", True),
    NoticeKind("third_party_consultation", "third_party_consultation.html.j2", "第三方征求意见书", False),
    NoticeKind("public_interest", "public_interest.html.j2", "公开告知书（第三方）", False),
    NoticeKind("agency_consultation", "agency_consultation.html.j2", "征求意见函（其他机关）", False),
    NoticeKind("fee", "fee.html.j2", "收费通知书", True),
    NoticeKind("reasons_request", "reasons_request.html.j2", "要求说明理由通知书（第三十五条）", True),
    NoticeKind("longer_deadline", "longer_deadline.html.j2", "说明理由告知书（第三十五条）", True),
    NoticeKind("reply", "reply.html.j2", "政府信息公开申请答复书", True),
    NoticeKind("abandonment", "abandonment.html.j2", "视为放弃申请告知书", True),
    NoticeKind("transfer", "transfer.html.j2", "转送告知书", True),
)
NOTICE_KINDS: Mapping[str, NoticeKind] = MappingProxyType({k.code: k for k in _KINDS})

# Outcomes closed by the applicant's default (其他处理 1 and 2) get the abandonment notice;
# every other outcome (replies, on-the-spot replies, withdrawal) gets the reply notice.
ABANDONMENT_OUTCOMES = frozenset({"other.no_correction", "other.fee_unpaid"})


def _by_consultation(data: Mapping[str, Any]) -> tuple[str, ...]:
    return ("third_party_consultation",) if data.get("kind") == "third_party" else ("agency_consultation",)


def _by_outcome(data: Mapping[str, Any]) -> tuple[str, ...]:
    return ("abandonment",) if data.get("outcome") in ABANDONMENT_OUTCOMES else ("reply",)


# event kind → the notice kinds it issues (a tuple, or a function of the event's data).
ISSUED_BY: Mapping[str, tuple[str, ...] | Callable[[Mapping[str, Any]], tuple[str, ...]]] = MappingProxyType({
    "acknowledge": ("receipt",),
    "request_correction": ("correction",),
    "extend": ("extension",),
    "consult": _by_consultation,
    "public_interest_override": ("public_interest",),
    "fee_notice": ("fee",),
    "request_reasons": ("reasons_request",),
    "set_longer_deadline": ("longer_deadline",),
    "reply": _by_outcome,
    "reply_on_spot": _by_outcome,
    "withdraw": _by_outcome,
    "correction_lapsed": _by_outcome,
    "fee_lapsed": _by_outcome,
    "transfer": ("transfer",),
})


def kinds_for(event_kind: str, data: Mapping[str, Any]) -> tuple[str, ...]:
    """The notice kinds an event of this kind (with this data) issues; () for most steps."""
    rule = ISSUED_BY.get(event_kind)
    if rule is None:
        return ()
    return rule(data) if callable(rule) else rule


# What staff see for a register entry's fields (the `foi notice` command).
FIELD_LABELS = MappingProxyType({
    "key": "文书编号", "doc_no": "发文字号", "kind_label": "文书", "case_no": "案件编号",
    "event_seq": "办理事项序号", "issued_on": "出具日期", "issued_by": "出具人", "addressee": "主送",
    "template": "模板", "template_version": "模板版本", "html_sha256": "HTML 哈希",
    "pdf_sha256": "PDF 哈希", "docx_sha256": "DOCX 哈希", "renderer": "生成程序",
    "supersedes": "更正的文书", "superseded_by": "已被更正为", "reason": "更正原因",
})
