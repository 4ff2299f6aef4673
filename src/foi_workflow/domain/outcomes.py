"""Case outcomes: each reply or closing, its provision, and its one row of the annual report.

One table, used by the case rules (what may close a case), the notices (which article to cite)
and the statistics (which table-3 row counts it). Row codes and labels are those of
annual-report-2021.md, verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping


@dataclass(frozen=True)
class Outcome:
    code: str          # our outcome code (stable; stored in the database)
    report_row: str    # table-3 row code of annual-report-2021.md
    article: str       # the provision the reply cites
    label: str         # what staff see
    adverse: bool      # the reply must state the remedies (review, litigation)
    refusal: bool = False  # a refusal to disclose: review comes first (行政复议法, 2024-01-01)


def _o(*args, **kw) -> Outcome:
    return Outcome(*args, **kw)


_ALL = (
    _o("already_public", "disclosed", "第三十六条第（一）项", "予以公开：已主动公开，告知获取方式和途径", False),
    _o("disclosed", "disclosed", "第三十六条第（二）项", "予以公开：提供信息或告知获取方式、途径和时间", False),
    _o("partial", "partial", "第三十七条", "部分公开：区分处理，对不予公开部分说明理由", True, True),
    _o("withheld.state_secret", "withheld.state_secret", "第三十六条第（三）项、第十四条",
       "不予公开：属于国家秘密", True, True),
    _o("withheld.prohibited_by_law", "withheld.prohibited_by_law", "第三十六条第（三）项、第十四条",
       "不予公开：其他法律行政法规禁止公开", True, True),
    _o("withheld.security_stability", "withheld.security_stability", "第三十六条第（三）项、第十四条",
       "不予公开：危及“三安全一稳定”", True, True),
    _o("withheld.third_party_rights", "withheld.third_party_rights", "第三十六条第（三）项、第十五条",
       "不予公开：保护第三方合法权益", True, True),
    _o("withheld.internal_affairs", "withheld.internal_affairs", "第三十六条第（三）项、第十六条第一款",
       "不予公开：属于三类内部事务信息", True, True),
    _o("withheld.process_info", "withheld.process_info", "第三十六条第（三）项、第十六条第二款",
       "不予公开：属于四类过程性信息", True, True),
    _o("withheld.enforcement_file", "withheld.enforcement_file", "第三十六条第（三）项、第十六条第二款",
       "不予公开：属于行政执法案卷", True, True),
    _o("withheld.admin_query", "withheld.admin_query", "第三十六条第（七）项",
       "不予公开：属于行政查询事项（适用专门查询规定）", True, True),
    _o("unavailable.not_held", "unavailable.not_held", "第三十六条第（四）项",
       "无法提供：本机关不掌握相关政府信息", True),
    _o("unavailable.not_this_agency", "unavailable.not_held", "第三十六条第（五）项",
       "无法提供：不属于本机关负责公开，告知负责公开的机关", True),
    _o("unavailable.needs_creation", "unavailable.needs_creation", "第三十八条",
       "无法提供：没有现成信息需要另行制作", True),
    _o("unavailable.still_unclear", "unavailable.still_unclear", "第三十条",
       "无法提供：补正后申请内容仍不明确", True),
    _o("not_processed.petition", "not_processed.petition", "第三十九条第一款",
       "不予处理：信访举报投诉类申请", True),
    _o("not_processed.duplicate", "not_processed.duplicate", "第三十六条第（六）项",
       "不予处理：重复申请", True),
    _o("not_processed.publication", "not_processed.publication", "第三十九条第二款",
       "不予处理：要求提供公开出版物", True),
    _o("not_processed.excessive", "not_processed.excessive", "第三十五条",
       "不予处理：无正当理由大量反复申请", True),
    _o("not_processed.confirm_or_reissue", "not_processed.confirm_or_reissue", "（实践）",
       "不予处理：要求行政机关确认或重新出具已获取信息", True),
    _o("other.no_correction", "other.no_correction", "第三十条",
       "其他处理：申请人无正当理由逾期不补正，视为放弃申请", False),
    _o("other.fee_unpaid", "other.fee_unpaid", "《政府信息公开信息处理费管理办法》",
       "其他处理：申请人逾期未缴纳信息处理费，视为放弃申请", False),
    _o("other.withdrawn", "other.other", "——", "其他处理：申请人撤回申请", False),
    _o("other.other", "other.other", "——", "其他处理：其他", False),
)

OUTCOMES: Mapping[str, Outcome] = MappingProxyType({o.code: o for o in _ALL})

# The 21 outcome rows of table 3 with their official labels, verbatim and in order
# (annual-report-2021.md says 23, but lists these 21).
REPORT_ROW_LABELS: Mapping[str, str] = MappingProxyType({
    "disclosed": "三、（一）予以公开",
    "partial": "三、（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "withheld.state_secret": "三、（三）不予公开 1.属于国家秘密",
    "withheld.prohibited_by_law": "（三）2.其他法律行政法规禁止公开",
    "withheld.security_stability": "（三）3.危及“三安全一稳定”",
    "withheld.third_party_rights": "（三）4.保护第三方合法权益",
    "withheld.internal_affairs": "（三）5.属于三类内部事务信息",
    "withheld.process_info": "（三）6.属于四类过程性信息",
    "withheld.enforcement_file": "（三）7.属于行政执法案卷",
    "withheld.admin_query": "（三）8.属于行政查询事项",
    "unavailable.not_held": "三、（四）无法提供 1.本机关不掌握相关政府信息",
    "unavailable.needs_creation": "（四）2.没有现成信息需要另行制作",
    "unavailable.still_unclear": "（四）3.补正后申请内容仍不明确",
    "not_processed.petition": "三、（五）不予处理 1.信访举报投诉类申请",
    "not_processed.duplicate": "（五）2.重复申请",
    "not_processed.publication": "（五）3.要求提供公开出版物",
    "not_processed.excessive": "（五）4.无正当理由大量反复申请",
    "not_processed.confirm_or_reissue": "（五）5.要求行政机关确认或重新出具已获取信息",
    "other.no_correction": "三、（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other.fee_unpaid": "（六）2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other.other": "（六）3.其他",
})
REPORT_ROWS: tuple[str, ...] = tuple(REPORT_ROW_LABELS)
