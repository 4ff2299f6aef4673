"""The annual report's codes and official labels (annual-report-2021.md): one place for tables 1–4.

Table-3 outcome rows and their labels live with the outcomes (domain/outcomes.py) and the
applicant columns with the applicants (domain/applicants.py); remedy kinds and results with the
case rules (domain/case.py). This module adds what is the report's own: the other table-3 rows,
the column groups, table 2 and table 4 labels, the six sections, and the older (2008) format's
categories.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from ..applicants import KINDS
from ..case import REMEDY_KINDS, REMEDY_RESULTS
from ..outcomes import REPORT_ROW_LABELS, REPORT_ROWS

# ----- table 3 ---------------------------------------------------------------------------------
APPLICANT_COLUMNS: tuple[str, ...] = tuple(KINDS)          # the six applicant categories
COLUMNS: tuple[str, ...] = (*APPLICANT_COLUMNS, "total")
COLUMN_LABELS: Mapping[str, str] = MappingProxyType({**KINDS, "total": "总计"})
#: The multi-level header as published: 自然人 | 法人或其他组织 (five) | 总计.
LEGAL_PERSON_GROUP = "法人或其他组织"
HEADER_TITLE = "申请人情况"
SHORT_COLUMN_LABELS: Mapping[str, str] = MappingProxyType(
    {k: v.split(" / ")[-1] for k, v in COLUMN_LABELS.items()})

OUTCOME_ROWS: tuple[str, ...] = REPORT_ROWS
ROWS: tuple[str, ...] = ("new", "carried_in", *OUTCOME_ROWS, "results_total", "carried_out")
ROW_LABELS: Mapping[str, str] = MappingProxyType({
    "new": "一、本年新收政府信息公开申请数量",
    "carried_in": "二、上年结转政府信息公开申请数量",
    **REPORT_ROW_LABELS,
    "results_total": "三、（七）总计",
    "carried_out": "四、结转下年度继续办理",
})
RESULTS_GROUP_LABEL = "三、本年度办理结果"

# ----- table 4 ---------------------------------------------------------------------------------
REMEDY_GROUPS: tuple[str, ...] = REMEDY_KINDS
REMEDY_CELLS: tuple[str, ...] = (*REMEDY_RESULTS, "total")
REMEDY_GROUP_LABELS: Mapping[str, str] = MappingProxyType({
    "review": "行政复议",
    "litigation_direct": "行政诉讼 未经复议直接起诉",
    "litigation_after_review": "行政诉讼 复议后起诉",
})
REMEDY_CELL_LABELS: Mapping[str, str] = MappingProxyType({
    "upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结",
    "total": "总计",
})

# ----- table 2 ---------------------------------------------------------------------------------
#: block code → (provision, item label, cells)
TABLE2: Mapping[str, tuple[str, str, tuple[str, ...]]] = MappingProxyType({
    "regulations": ("第二十条第（一）项", "规章", ("issued", "repealed", "in_force")),
    "normative_documents": ("第二十条第（一）项", "行政规范性文件", ("issued", "repealed", "in_force")),
    "licensing": ("第二十条第（五）项", "行政许可", ("decisions",)),
    "penalties": ("第二十条第（六）项", "行政处罚", ("decisions",)),
    "enforcement": ("第二十条第（六）项", "行政强制", ("decisions",)),
    "fees": ("第二十条第（八）项", "行政事业性收费", ("amount_10k_yuan",)),
})
TABLE2_CELL_LABELS: Mapping[str, str] = MappingProxyType({
    "issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
    "decisions": "本年处理决定数量", "amount_10k_yuan": "本年收费金额（单位：万元）",
})
#: The one table-2 cell that may have decimals.
DECIMAL_CELLS = frozenset({"fees.amount_10k_yuan"})
TABLE2_KEYS: tuple[str, ...] = tuple(f"{b}.{c}" for b, (_p, _l, cells) in TABLE2.items() for c in cells)

# ----- the six sections ------------------------------------------------------------------------
SECTIONS: Mapping[str, str] = MappingProxyType({
    "overview": "一、总体情况",
    "table2": "二、主动公开政府信息情况",
    "table3": "三、收到和处理政府信息公开申请情况",
    "table4": "四、政府信息公开行政复议、行政诉讼情况",
    "problems": "五、存在的主要问题及改进情况",
    "other": "六、其他需要报告的事项",
})
#: Sections whose text the agency supplies (the others are tables).
NARRATIVE_SECTIONS: tuple[str, ...] = ("overview", "problems", "other")
#: Printed in place of a narrative section the agency has not supplied.
MISSING_NARRATIVE = "（本机关未提供本部分内容）"

# ----- registers -------------------------------------------------------------------------------
CONSULTATION_CHANNELS: Mapping[str, str] = MappingProxyType({
    "on_site": "现场咨询", "phone": "电话咨询", "online": "网上咨询", "letter": "信函咨询",
})
FEE_KINDS: Mapping[str, str] = MappingProxyType({
    "processing": "信息处理费", "search": "检索费", "copying": "复印费（纸张）", "mailing": "邮寄费",
})

# ----- the older format (2008 rules; the seed report) ------------------------------------------
LEGACY_CATEGORIES: Mapping[str, str] = MappingProxyType({
    "institutions": "机构职能类", "policies": "政策法规类", "work_updates": "工作动态类",
    "decisions": "决策类", "other": "其它",
})
LEGACY_SECTIONS: tuple[str, ...] = ("一、概述", "二、主动公开政府信息情况", "三、依申请公开政府信息情况",
                                    "四、咨询处理情况", "五、政府信息公开支出和收费情况",
                                    "六、存在的主要问题和改进措施")
#: Register cells for the older format: items proactively disclosed, by category, and online.
LEGACY_ITEM_KEYS: tuple[str, ...] = (*(f"items.{c}" for c in LEGACY_CATEGORIES), "items.online")
#: Every key the proactive-disclosure register accepts.
DISCLOSURE_KEYS: tuple[str, ...] = (*TABLE2_KEYS, *LEGACY_ITEM_KEYS)
#: The last year reported under the 2008 rules (the 2019 rules apply from 2019-05-15).
LAST_2008_RULES_YEAR = 2019
