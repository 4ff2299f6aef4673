"""`make demo`: a sample district government, its applications driven through every path by the flows.

Runs on the embedded database (FOI_DATABASE_URL, default SQLite) and Prefect's ephemeral mode
(no server needed). The district has the seed report's shape: a government with departments,
towns and sub-districts. Its agencies and accounts are made through the account service
(services/accounts.py) as a first set-up would: one account per person, each with the roles
they hold in their agency, and a documented demo password (DEMO_PASSWORD: demo-only; the
sign-ins are printed at the end and written to out/demo-sign-ins.json). Each scenario registers
an application through the intake flow and moves it through the review, confidentiality and
reply flows, each run given the acting person's account code; a legacy register of 2008-rule
cases comes in through the bulk intake flow, run by the receiving body's admin. The result is
printed and written to out/.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foi_workflow.cli.demo_cmd import clock_demo
from foi_workflow.config import Settings
from foi_workflow.domain.applicants import KINDS
from foi_workflow.domain.case import STATE_LABELS, State
from foi_workflow.domain.fees import per_volume_fee
from foi_workflow.domain.identity import Role, roles_text
from foi_workflow.domain.outcomes import OUTCOMES, REPORT_ROW_LABELS
from foi_workflow.services import accounts, auth
from foi_workflow.storage import db
from foi_workflow.storage.uow import SqlUnitOfWork

# Demo only: every demo account signs in with this password. It is printed by `make demo` and
# written to out/demo-sign-ins.json; never use it (or the demo database) for real work.
DEMO_PASSWORD = "yuci-demo-2026"
OPERATOR = "demo"  # the operator recorded for the demo's set-up (flow runs record their own)

GOVERNMENT = ("yuci", "榆次区人民政府", "government", None)
BODIES = [
    ("yuci-bgs", "榆次区人民政府办公室", "department"),
    ("yuci-zrzy", "榆次区自然资源局", "department"),
    ("yuci-zjj", "榆次区住房和城乡建设局", "department"),
    ("yuci-jy", "榆次区教育局", "department"),
    ("yuci-dy", "榆次区东阳镇人民政府", "town"),
    ("yuci-xw", "榆次区修文镇人民政府", "town"),
    ("yuci-jl", "榆次区锦纶街道办事处", "subdistrict"),
    ("yuci-bg", "榆次区北关街道办事处", "subdistrict"),
]
# Who works where, one account per person: (code suffix, roles). A department's office has a
# clerk, a confidentiality reviewer and a head; a town's or sub-district's small office has a
# head who also registers and handles applications (head and clerk), and a reviewer — never
# the same person as the one who handled a case (the four-eyes rule is by person).
DEPARTMENT_OFFICE = (("c", ("clerk",)), ("r", ("reviewer",)), ("h", ("head",)))
SMALL_OFFICE = (("h", ("head", "clerk")), ("r", ("reviewer",)))
# The district government: its admin (manages every account of the district), the head of its
# open-government office and its supervisor (who read and supervise the bodies below).
DISTRICT_STAFF = (("yuci-admin", "admin"), ("yuci-h", "head"), ("yuci-s", "supervisor"))
# Bodies that migrate a legacy register (bulk intake: an admin of the receiving body).
IMPORTERS = ("yuci-bgs", "yuci-zrzy")


def office_of(kind: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return SMALL_OFFICE if kind in ("town", "subdistrict") else DEPARTMENT_OFFICE


def demo_accounts() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """Every demo account: (code, name, agency code, roles)."""
    gov, gov_name = GOVERNMENT[0], GOVERNMENT[1]
    out = [(code, f"{gov_name}{roles_text(frozenset({Role(role)}))}", gov, (role,))
           for code, role in DISTRICT_STAFF]
    for b_code, b_name, b_kind in BODIES:
        for letter, roles in office_of(b_kind):
            out.append((f"{b_code}-{letter}", f"{b_name}{roles_text(frozenset(Role(r) for r in roles))}",
                        b_code, roles))
        if b_code in IMPORTERS:
            out.append((f"{b_code}-admin", f"{b_name}管理员", b_code, ("admin",)))
    return out


def resident_id(base17: str) -> str:
    """A resident ID number with its GB 11643 check digit (sample data only)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return base17 + "10X98765432"[sum(int(c) * w for c, w in zip(base17, weights)) % 11]


def person(name: str, n: int) -> dict[str, str]:
    return {"kind": "natural_person", "name": name, "id_type": "resident_id",
            "id_number": resident_id(f"14070219{80 + n % 20:02d}0{1 + n % 9}1{n % 10}00{n % 10}"),
            "phone": f"139{n:08d}", "address": "山西省晋中市榆次区", "postcode": "030600"}


def org(kind: str, name: str) -> dict[str, str]:
    """An organisation with a credit code of its own (GB 32100 check character; sample data)."""
    from foi_workflow.domain.applicants import CREDIT_CHARS, credit_code_check

    digest = hashlib.sha256(name.encode("utf-8")).digest()
    base17 = "91140702MA" + "".join(CREDIT_CHARS[b % 31] for b in digest[:7])
    return {"kind": kind, "name": name, "credit_code": base17 + credit_code_check(base17),
            "contact_person": "刘联系", "phone": "0354-3020000", "address": "山西省晋中市榆次区顺城街1号",
            "postcode": "030600"}


# how each channel's applicants in the scenarios ask to receive the information (Art 29)
DELIVERY_BY_CHANNEL = {"post": "post", "letter": "post", "fax": "post", "online": "online",
                       "in_person": "in_person"}


def form_and_delivery(channel: str) -> dict[str, str]:
    delivery = DELIVERY_BY_CHANNEL.get(channel, "online")
    return {"form": "electronic" if delivery == "online" else "paper", "delivery": delivery}


@dataclass(frozen=True)
class EarlierCase:
    """In a scenario's move data: the case of an earlier scenario (1-based), whose number is
    known only once it is registered (a duplicate's `earlier_case`, 36(6))."""

    scenario: int


def resolved(data: dict[str, Any], case_numbers: dict[int, str]) -> dict[str, Any]:
    """A move's data with each EarlierCase replaced by that scenario's case number."""
    return {k: case_numbers[v.scenario] if isinstance(v, EarlierCase) else v for k, v in data.items()}


FEE = per_volume_fee(350, "paper")  # what the fee notices below compute from their 350 pages

# (title, agency, applicant, channel, received, subject, [(move, who, on, data), ...])
SCENARIOS: list[tuple[str, str, dict, str, str, str, list[tuple[str, str, str, dict]]]] = [
    ("当场答复：已主动公开", "yuci-bgs", person("赵一", 1), "in_person", "2026-03-02",
     "2025年区政府工作报告全文", [("reply_on_spot", "c", "2026-03-02", {"outcome": "already_public",
     "where": "榆次区人民政府门户网站“政府工作报告”栏目（http://www.yuci.gov.cn/zfxxgk/zfgzbg/）",
     "doc_number": "2025年1月区第十七届人民代表大会第四次会议通过"})]),
    ("保密审查后予以公开，送达后申请行政复议（维持）", "yuci-zrzy", person("钱二", 2), "online",
     "2026-03-02", "某村集体土地征收批复文件",
     [("acknowledge", "c", "2026-03-02", {}), ("accept", "c", "2026-03-03", {}),
      ("sign_off", "r", "2026-03-05", {"decision": "disclose"}),
      ("reply", "h", "2026-03-10", {"outcome": "disclosed", "provided": "晋政地字〔2025〕123号《关于某村集体土地征收的批复》全文",
                                    "form": "electronic", "delivery": "online"}),
      ("reply_delivered", "c", "2026-03-12", {}),
      # the body's own clerk records the review decision it was served (the district's supervisor
      # supervises, but never acts in the body's name)
      ("record_remedy", "c", "2026-04-20", {"kind": "review", "result": "upheld"})]),
    ("补正后部分公开，复议后起诉（尚未审结；2024年起复议前置）", "yuci-zjj", person("孙三", 3), "post", "2026-04-01",
     "某小区改造项目相关材料",
     [("request_correction", "c", "2026-04-03", {"items": "请明确项目名称和年度", "delivered": "2026-04-07"}),
      ("correction_received", "c", "2026-04-14", {}), ("accept", "c", "2026-04-15", {}),
      ("sign_off", "r", "2026-04-20", {"decision": "partial", "ground": "process_info"}),
      ("reply", "h", "2026-04-28", {"outcome": "partial", "provided": "项目立项批复、改造实施方案、竣工验收报告",
                                    "form": "paper", "delivery": "post", "withheld": "设计方案比选阶段的内部讨论记录",
                                    "ground": "process_info",
                                    "reasons": "该记录为行政机关内部研究讨论过程中形成的过程性信息，不属于应当公开的政府信息"}),
      ("reply_delivered", "c", "2026-04-30", {}),
      ("record_remedy", "c", "2026-06-01", {"kind": "litigation_after_review", "result": "pending"})]),
    ("逾期不补正，视为放弃", "yuci-jy", person("李四", 4), "online", "2026-05-06", "有关情况",
     [("request_correction", "c", "2026-05-08", {"items": "请说明所需信息的名称", "delivered": "2026-05-11"}),
      ("correction_lapsed", "c", "2026-06-15", {})]),
    ("补正后仍不明确", "yuci-dy", person("周五", 5), "letter", "2026-05-11", "镇里的文件",
     [("request_correction", "c", "2026-05-12", {"items": "请说明文件名称或文号"}),
      ("correction_received", "c", "2026-05-20", {}),
      ("reply", "h", "2026-05-25", {"outcome": "unavailable.still_unclear",
                                    "reasons": "补正后仍未写明文件的名称、文号或形成时间，本机关无法确定所申请的信息"})]),
    ("信访举报投诉类申请", "yuci-bgs", person("吴六", 6), "online", "2026-06-01", "要求查处某单位违法行为",
     [("reply", "h", "2026-06-05", {"outcome": "not_processed.petition",
                                    "reasons": "您的申请实为要求查处违法行为，属于信访、投诉、举报事项",
                                    "channel": "请向榆次区信访局提出（地址：榆次区迎宾街2号，电话：0354-3000100）"})]),
    ("要求提供公开出版物", "yuci-jl", org("research", "某大学社会学系"), "online", "2026-06-02",
     "《榆次年鉴》全本", [("reply", "h", "2026-06-04", {"outcome": "not_processed.publication",
                                                "reasons": "《榆次年鉴》为公开出版物，已由出版社公开发行",
                                                "channel": "请通过新华书店购买，或到榆次区图书馆借阅"})]),
    ("重复申请", "yuci-zrzy", person("钱二", 2), "online", "2026-06-03", "某村集体土地征收批复文件",
     # the earlier reply is looked up from the earlier case (scenario 2, the same applicant)
     [("reply", "h", "2026-06-08", {"outcome": "not_processed.duplicate", "earlier_case": EarlierCase(2)})]),
    ("无正当理由大量反复申请", "yuci-zjj", person("郑七", 7), "online", "2026-06-08", "全区所有建设项目档案",
     [("accept", "c", "2026-06-09", {}),
      ("request_reasons", "c", "2026-06-10", {"facts": "本月已提出同类申请四十余件", "delivered": "2026-06-11"}),
      ("reasons_answered", "c", "2026-06-18", {"answer": "unreasonable", "reasons": "申请人称“想看看”"}),
      ("reply", "h", "2026-06-22", {"outcome": "not_processed.excessive",
                                    "reasons": "申请人一个月内提出同类申请四十余件，说明的理由不合理，明显超过合理范围"})]),
    ("大量申请有合理理由：确定合理答复期限（第三十五条）", "yuci-zjj", org("legal_services", "某律师事务所"),
     "online", "2026-06-08", "近五年全部招投标文件",
     [("accept", "c", "2026-06-09", {}),
      ("request_reasons", "c", "2026-06-10", {"facts": "一次申请近五年全部招投标文件", "delivered": "2026-06-11"}),
      ("reasons_answered", "c", "2026-06-15", {"answer": "reasonable", "reasons": "代理诉讼需核对历年招标程序"}),
      ("set_longer_deadline", "h", "2026-06-16", {"due": "2026-08-31", "reasons": "申请涉及五年文件，需分批整理"}),
      ("sign_off", "r", "2026-08-20", {"decision": "disclose"}),
      ("reply", "h", "2026-08-28", {"outcome": "disclosed", "provided": "2021年至2025年全部招标公告、中标公示和招标文件",
                                    "form": "electronic", "delivery": "online"})]),
    ("要求确认或重新出具已获取信息", "yuci-bg", person("王八", 8), "in_person", "2026-06-10",
     "请加盖公章确认此前获取的文件", [("reply", "h", "2026-06-12", {"outcome": "not_processed.confirm_or_reissue",
                                                    "reasons": "申请人要求对已获取的文件加盖公章确认，不属于政府信息公开申请"})]),
    ("不属于本机关负责公开，告知负责机关", "yuci-xw", person("冯九", 9), "online", "2026-06-15",
     "某地块规划许可", [("reply", "h", "2026-06-17", {"outcome": "unavailable.not_this_agency",
                                                   "reasons": "建设用地规划许可由区自然资源局核发，本镇不制作、不保存该信息",
                                                   "right_agency": "榆次区自然资源局",
                                                   "right_agency_contact": "0354-3020001（榆次区顺城街1号）"})]),
    ("本机关不掌握", "yuci-jy", org("public_interest", "某教育公益基金会"), "online", "2026-06-16",
     "某民办学校审计报告", [("accept", "c", "2026-06-17", {}),
                            ("reply", "h", "2026-06-25", {"outcome": "unavailable.not_held",
                                                          "search": "检索了本局2020年以来的收文、发文登记和审计档案目录，未找到该学校的审计报告"})]),
    ("行政查询事项（不动产登记）", "yuci-zrzy", person("陈十", 10), "in_person", "2026-06-17",
     "某房屋不动产登记信息", [("reply", "h", "2026-06-22", {"outcome": "withheld.admin_query",
                                                      "reasons": "不动产登记资料的查询依照《不动产登记资料查询暂行办法》办理",
                                                      "channel": "请持身份证明到榆次区不动产登记中心查询"})]),
    ("需另行制作", "yuci-jy", org("research", "某教育研究院"), "online", "2026-06-18",
     "按学校统计的近十年升学率分析", [("reply", "h", "2026-06-26", {"outcome": "unavailable.needs_creation",
                                                            "reasons": "本局未制作按学校统计的升学率分析，提供须对现有数据另行加工、分析"})]),
    ("征求第三方意见：异议，不予公开", "yuci-zrzy", org("commercial", "某房地产开发公司"), "online",
     "2026-07-01", "某竞争对手的土地出让合同",
     [("accept", "c", "2026-07-02", {}),
      ("consult", "c", "2026-07-03", {"kind": "third_party", "party": "某建筑公司", "delivered": "2026-07-06"}),
      ("consultation_answered", "c", "2026-07-15", {"answer": "objection", "reasonable_grounds": True}),
      ("sign_off", "r", "2026-07-16", {"decision": "withhold", "ground": "third_party_rights"}),
      ("reply", "h", "2026-07-20", {"outcome": "withheld.third_party_rights",
                                    "reasons": "合同载有第三方的商业秘密，第三方以合理理由不同意公开，不公开不会对公共利益造成重大影响"}),
      ("reply_delivered", "c", "2026-07-22", {})]),
    ("征求第三方意见：逾期未答复，予以公开", "yuci-zjj", person("褚十一", 11), "online", "2026-07-01",
     "某物业公司服务合同",
     [("accept", "c", "2026-07-02", {}),
      ("consult", "c", "2026-07-03", {"kind": "third_party", "party": "某物业公司"}),
      ("consultation_answered", "c", "2026-07-27", {"answer": "none"}),
      ("sign_off", "r", "2026-07-28", {"decision": "disclose"}),
      ("reply", "h", "2026-07-30", {"outcome": "disclosed", "provided": "某物业公司物业服务合同（2024年）全文",
                                    "form": "electronic", "delivery": "online"})]),
    ("第三方异议，因公共利益决定公开", "yuci-zrzy", org("public_interest", "某环保组织"), "online",
     "2026-07-06", "某企业排污许可及监测数据",
     [("accept", "c", "2026-07-07", {}),
      ("consult", "c", "2026-07-08", {"kind": "third_party", "party": "某化工企业"}),
      ("consultation_answered", "c", "2026-07-14", {"answer": "objection", "reasonable_grounds": True}),
      ("public_interest_override", "h", "2026-07-16", {"reasons": "涉及周边居民健康，不公开将对公共利益造成重大影响"}),
      ("sign_off", "r", "2026-07-17", {"decision": "disclose"}),
      ("reply", "h", "2026-07-20", {"outcome": "disclosed", "provided": "某化工企业排污许可证及2025年自行监测数据",
                                    "form": "electronic", "delivery": "online"})]),
    ("征求其他机关意见（同意）", "yuci-bgs", org("other_org", "某行业协会"), "online", "2026-07-13",
     "区政府与发改局联合发文",
     [("accept", "c", "2026-07-14", {}),
      ("consult", "c", "2026-07-15", {"kind": "other_agency", "party": "榆次区发展和改革局"}),
      ("consultation_answered", "c", "2026-07-22", {"answer": "consent"}),
      ("sign_off", "r", "2026-07-23", {"decision": "disclose"}),
      ("reply", "h", "2026-07-27", {"outcome": "disclosed", "provided": "榆政发〔2026〕8号联合发文全文",
                                    "form": "electronic", "delivery": "online"})]),
    (f"收取信息处理费（按量，{FEE.amount_yuan}元）后公开", "yuci-zrzy", org("commercial", "某测绘公司"),
     "post", "2026-08-03", "全区地籍调查成果纸质复印件",
     [("accept", "c", "2026-08-04", {}),
      ("fee_notice", "c", "2026-08-05", {"method": "per_volume", "pages": 350, "medium": "paper", "delivered": "2026-08-06"}),
      ("fee_paid", "c", "2026-08-12", {}), ("sign_off", "r", "2026-08-13", {"decision": "disclose"}),
      ("reply", "h", "2026-08-18", {"outcome": "disclosed", "provided": "全区地籍调查成果复印件（350页）",
                                    "form": "paper", "delivery": "post"})]),
    ("逾期未缴费，视为放弃", "yuci-zrzy", org("commercial", "某咨询公司"), "post", "2026-08-03",
     "全区土地出让台账复印件",
     [("accept", "c", "2026-08-04", {}),
      ("fee_notice", "c", "2026-08-05", {"method": "per_volume", "pages": 350, "medium": "paper", "delivered": "2026-08-06"}),
      ("fee_lapsed", "c", "2026-09-07", {})]),
    ("经负责人批准延期答复", "yuci-zjj", person("卫十二", 12), "online", "2026-09-01", "某保障房分配名单",
     [("accept", "c", "2026-09-02", {}),
      ("extend", "h", "2026-09-25", {"days": 20, "reasons": "涉及信息量大，需要调档核实"}),
      ("sign_off", "r", "2026-10-20", {"decision": "disclose"}),
      ("reply", "h", "2026-10-22", {"outcome": "disclosed", "provided": "2026年保障性住房分配名单（已隐去身份证号码）",
                                    "form": "electronic", "delivery": "online"})]),
    ("申请人撤回申请", "yuci-jl", person("蒋十三", 13), "online", "2026-09-07", "社区活动经费",
     [("accept", "c", "2026-09-08", {}), ("withdraw", "c", "2026-09-10", {})]),
    ("办理中：答复期限将至", "yuci-zrzy", person("沈十四", 14), "online", "2026-11-02", "某道路拓宽征收范围",
     [("acknowledge", "c", "2026-11-02", {}), ("accept", "c", "2026-11-03", {})]),
    ("办理中：刚登记", "yuci-bg", person("韩十五", 15), "in_person", "2026-11-20", "辖区老旧小区改造计划", []),
]

# A legacy register (2008 rules) migrated through the bulk intake flow.
LEGACY = [
    {"agency": "yuci-zrzy", "received": "2015-09-28", "channel": "post", "handler": "yuci-zrzy-c",
     "subject": "2014年度土地出让收支情况", "applicant": person("杨十六", 16), "request_id": "legacy-2015-001",
     "events": [{"move": "accept", "on": "2015-09-29", "actor": "yuci-zrzy-c"},
                {"move": "consult", "on": "2015-10-12", "actor": "yuci-zrzy-c",
                 "data": {"kind": "third_party", "party": "某开发公司"}},
                {"move": "consultation_answered", "on": "2015-10-20", "actor": "yuci-zrzy-c",
                 "data": {"answer": "consent"}},
                {"move": "sign_off", "on": "2015-10-21", "actor": "yuci-zrzy-r", "data": {"decision": "disclose"}},
                {"move": "reply", "on": "2015-10-30", "actor": "yuci-zrzy-h",
                 "data": {"outcome": "disclosed", "provided": "2014年度国有土地使用权出让收支情况表",
                          "form": "paper", "delivery": "post"}}]},
    {"agency": "yuci-bgs", "received": "2018-12-27", "channel": "online", "handler": "yuci-bgs-c",
     "subject": "2018年区长办公会议纪要", "applicant": org("other_org", "某商会"), "request_id": "legacy-2018-001",
     "events": [{"move": "accept", "on": "2018-12-28", "actor": "yuci-bgs-c"},
                {"move": "sign_off", "on": "2019-01-08", "actor": "yuci-bgs-r",
                 "data": {"decision": "withhold", "ground": "process_info"}},
                {"move": "reply", "on": "2019-01-15", "actor": "yuci-bgs-h",
                 "data": {"outcome": "withheld.process_info",
                          "reasons": "会议纪要为区长办公会议研究讨论过程中形成的过程性信息"}}]},
]


# Each demo agency's 机关代字 (the 发文字号 reads e.g. 榆自然资公〔2026〕3号).
DOC_CODES = {"yuci": "榆政信公", "yuci-bgs": "榆政办信公", "yuci-zrzy": "榆自然资公", "yuci-zjj": "榆住建公",
             "yuci-jy": "榆教公", "yuci-dy": "东阳镇公", "yuci-xw": "修文镇公", "yuci-jl": "锦纶街公",
             "yuci-bg": "北关街公"}


def demo_contact(name: str, code: str):
    """A demo agency's 机关代字, contact block (every notice) and payment details (the fee notice)."""
    from foi_workflow.domain.settings import AgencySettings

    return AgencySettings(doc_code=DOC_CODES[code], contact_office=f"{name}政府信息公开工作机构", contact_phone="0354-3000000",
                          contact_address="山西省晋中市榆次区（演示地址）", contact_postcode="030600",
                          payee="晋中市榆次区财政局（演示）", bank="演示银行榆次支行", account="0000000000000000",
                          payment_method="持本通知书到申请受理窗口缴纳，或通过非税收入缴款码缴纳")


def set_up_district(settings: Settings) -> bool:
    """The district's agencies and accounts, through the account service, in one transaction
    (False: set up by an earlier run). The district's admin creates everything below it."""
    uow = SqlUnitOfWork(settings)
    with uow:
        if uow.directory.agency_by_code(GOVERNMENT[0]) is not None:
            return False
        code, name, kind, _ = GOVERNMENT
        # the first-run set-up of this agency tree (services/auth.py: refused once an admin covers it)
        setup = auth.bootstrap_principal(uow, operator=OPERATOR)
        accounts.add_agency(accounts.AddAgency(code, name, kind, settings=demo_contact(name, code)), uow, setup)
        people = demo_accounts()
        first, *rest = people
        assert first[0] == "yuci-admin"
        accounts.create_account(_create(first), uow, setup)
        admin = auth.principal_for("yuci-admin", uow, operator=OPERATOR, via="cli")
        for b_code, b_name, b_kind in BODIES:
            accounts.add_agency(accounts.AddAgency(b_code, b_name, b_kind, code, demo_contact(b_name, b_code)), uow, admin)
        for person in rest:
            accounts.create_account(_create(person), uow, admin)
    return True


def _create(person: tuple[str, str, str, tuple[str, ...]]) -> accounts.CreateAccount:
    code, name, agency, roles = person
    # the staff number: the account code in capitals (one account per person)
    return accounts.CreateAccount(code, name, agency, code.upper(), roles, DEMO_PASSWORD)


def sign_ins(settings: Settings) -> list[dict[str, Any]]:
    """The demo's sign-ins, each checked against the stored password hash (auth.sign_in)."""
    uow = SqlUnitOfWork(settings)
    out = []
    with uow:
        names = {code: uow.directory.agency_by_code(code).name  # type: ignore[union-attr]
                 for code in {GOVERNMENT[0], *(b for b, _n, _k in BODIES)}}
    for code, _name, agency, _roles in demo_accounts():
        who = auth.sign_in(code, DEMO_PASSWORD, uow, via="web")  # its own transaction
        out.append({"code": who.code, "name": who.name, "agency": agency, "agency_name": names[agency],
                    "roles": [r.value for r in Role if r in who.roles],
                    "roles_label": roles_text(who.roles), "password": DEMO_PASSWORD})
    return out


def actor(agency: str, who: str) -> str:
    """The account code of the person who makes a scenario's move: c (clerk), r (reviewer), h
    (head) of the body; in a small office the head also does the clerk's work."""
    kind = next(k for c, _n, k in BODIES if c == agency)
    if who == "c" and office_of(kind) is SMALL_OFFICE:
        who = "h"
    return f"{agency}-{who}"


def run() -> list[dict[str, Any]]:
    from flows.bulk import bulk_intake_flow
    from flows.steps import STAGES, confidentiality_flow, intake_flow, reply_flow, review_flow

    stage_of = {m: stage for stage, (_label, moves) in STAGES.items() for m in moves}
    flows = {"review": review_flow, "confidentiality": confidentiality_flow, "reply": reply_flow}
    results = []
    case_numbers: dict[int, str] = {}
    for n, (title, agency, applicant, channel, received, subject, moves) in enumerate(SCENARIOS, 1):
        reg = intake_flow(agency=agency, applicant=applicant, channel=channel, received=received,
                          subject=subject, staff=actor(agency, "c"), request_id=f"demo-{n}-0",
                          **form_and_delivery(channel))
        state = reg
        case_numbers[n] = reg["case_no"]
        for k, (move, who, on, data) in enumerate(moves, 1):
            state = flows[stage_of[move]](case_no=reg["case_no"], decision=move, staff=actor(agency, who),
                                          on=on, data=resolved(data, case_numbers), request_id=f"demo-{n}-{k}")
        results.append({"scenario": title, **state, "steps": len(moves) + 1})
        print(f"  {reg['case_no']}：{title}（{len(moves) + 1} 个流程）", flush=True)
    for agency in IMPORTERS:  # each body's register, imported by that body's admin
        lines = [{**x, **form_and_delivery(x["channel"])} for x in LEGACY if x["agency"] == agency]
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
            f.write("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
        try:
            report = bulk_intake_flow(path=f.name, staff=f"{agency}-admin")
        finally:
            os.unlink(f.name)
        for case_no in report["case_numbers"]:
            results.append({"scenario": "历史台账批量导入（2008年条例）", "case_no": case_no})
    return results


def print_sign_ins(console, rows: list[dict[str, Any]], path: Path) -> None:
    from rich.table import Table

    table = Table(title=f"演示账户（密码均为 {DEMO_PASSWORD}，仅供演示）", show_lines=False)
    for name in ("账户代码", "机关", "角色"):
        table.add_column(name, overflow="fold")
    for r in rows:
        table.add_row(r["code"], r["agency_name"], r["roles_label"])
    console.print(table)
    console.print(f"已写出演示账户：{path}（演示密码仅用于本演示数据库，切勿用于真实系统）\n")


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    from foi_workflow.services import cases

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "out")
    out.mkdir(parents=True, exist_ok=True)
    console = Console(highlight=False, soft_wrap=True)
    # one Settings for the demo (FOI_DATABASE_URL from the Makefile); the flows run in this
    # process and write their notices to out/notices (flows/runtime.settings_overrides)
    settings = Settings.load(notices_dir=out / "notices")
    console.print(f"数据库：{db.database_url(settings.database_url)}（版本 {db.upgrade(settings.database_url)}）")
    set_up_district(settings)
    console.print("示例：榆次区人民政府及其下属部门、镇、街道；各申请经 Prefect 流程（登记、审查、征求意见与保密审查、答复）办理\n")
    from flows.runtime import lean_run, settings_overrides

    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # our own summary below
    with lean_run(out / ".prefect"), settings_overrides(notices_dir=settings.notices_dir):
        results = run()

    table = Table(title="办理结果（年度报告表三栏目）", show_lines=False)
    table.add_column("案件编号", no_wrap=True)
    table.add_column("状态", no_wrap=True)
    table.add_column("栏目", overflow="fold")
    table.add_column("答复期限", no_wrap=True)
    rows = []
    uow = SqlUnitOfWork(settings)
    with uow:
        for r in results:
            row, events, _case = cases.load(uow.session, r["case_no"])
            due = (row.reply_due.isoformat() if row.reply_due else "—") + ("（预估）" if row.provisional else "")
            table.add_row(row.case_no, STATE_LABELS[State(row.state)],
                          REPORT_ROW_LABELS[row.report_row] if row.report_row else "", due)
            rows.append({"case_no": row.case_no, "scenario": r["scenario"], "state": row.state,
                         "outcome": row.outcome,
                         "outcome_label": OUTCOMES[row.outcome].label if row.outcome else None,
                         "report_row": row.report_row,
                         "applicant_kind": KINDS[row.applicant_kind], "events": len(events),
                         "reply_due": row.reply_due.isoformat() if row.reply_due else None})
    console.print(table)
    (out / "demo-cases.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", "utf-8")
    console.print(f"\n已写出 {len(rows)} 件案件的办理结果：{out / 'demo-cases.json'}\n")
    issued = sorted((out / "notices").glob("*.pdf"))
    console.print(f"已出具文书 {len(issued)} 件（每件 PDF、DOCX、HTML 各一份）：{out / 'notices'}\n")
    from flows.sweep import demo_sweep
    from flows.year_end import demo_statistics

    demo_sweep(out, console)        # supervisors' board: out/alerts.json
    year = max(dt.date.fromisoformat(received).year for *_x, received, _s, _m in SCENARIOS)
    demo_statistics(out, console, year)   # the annual report of the district: out/report/
    clock_demo(out, console, settings.database_url)
    people = sign_ins(settings)
    path = out / "demo-sign-ins.json"
    path.write_text(json.dumps({
        "note": "演示专用：以下账户和密码只用于 make demo 生成的演示数据库，切勿用于真实系统",
        "password": DEMO_PASSWORD, "accounts": people}, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print_sign_ins(console, people, path)


if __name__ == "__main__":
    main()
