"""Replies that can be sent as they are (ogi-rules.md "What a reply must say"): each decision's
required elements in the PDF text (and the HTML and DOCX), attachments stored by hash and listed
in the 附件说明, the agency's contact on every notice and its payment details on the fee notice,
and the receipt issued after an extension stating the extended date."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from foi_workflow.domain import replies
from foi_workflow.domain.errors import FoiError
from foi_workflow.domain.settings import AgencySettings
from foi_workflow.services import attachments, views
from foi_workflow.storage import db
from foi_workflow.storage.attachment_tables import AttachmentRow
from foi_workflow.storage.models import CaseEventRow
from foi_workflow.storage.notice_tables import NoticeRow

from . import factories
from .test_notices import (AGENCY, AGENCY_NAME, GOV, GOV_NAME, RECEIVED, D, as_, assert_everywhere,
                           assert_nowhere, case_ref, cn, new_case, notices_of, office, render, step)  # noqa: F401
from .test_notices import texts as _texts


def texts(rendered) -> dict[str, str]:
    """The text of each file, the PDF's without its page numbers (— n —), which the extraction
    puts where the page breaks, in the middle of a sentence."""
    found = _texts(rendered)
    found["pdf"] = re.sub(r"—\d+—", "", found["pdf"])
    return found

# A distinct value for each element, so that each is found in the text of the notice.
VALUES = {
    "where": "本机关门户网站政府信息公开专栏“法定主动公开内容”栏目",
    "doc_number": "榆政发〔2025〕12号",
    "provided": "某村集体土地征收批复文件一份",
    "form": "electronic", "delivery": "email",
    "form_reason": "原件为纸质档案，已扫描为电子文件",
    "withheld": "批复文件附件中被征收户的身份证号码",
    "ground": "third_party_rights",
    "reasons": "该部分涉及个人隐私，公开会损害其合法权益",
    "search": "检索了本机关2015年以来的收文、发文登记和档案室目录",
    "right_agency": "榆次区住房和城乡建设局",
    "right_agency_contact": "0354-7654321",
    "earlier_doc_no": "榆次区自然资源局依申请公开〔2026〕1号",
    "earlier_date": "2026-01-05",
    "channel": "榆次区信访局来访接待窗口",
}
SHOWN = {"form": "电子数据", "delivery": "电子邮件", "ground": "涉及商业秘密、个人隐私等",
         "earlier_date": cn(D(2026, 1, 5))}


def item(decision: str, **over: Any) -> dict[str, Any]:
    required, optional = replies.ELEMENTS[decision]
    out: dict[str, Any] = {"no": 1, "decision": decision}
    for k in (*required, *optional):
        if k in VALUES:  # files are numbered per case; a duplicate's earlier_case is a case's number
            out[k] = VALUES[k]
    out.update(over)
    return out


def _before(decision: str) -> list[tuple[str, str, D, dict[str, Any]]]:
    review = {"disclosed": {"decision": "disclose"},
              "partial": {"decision": "partial", "ground": VALUES["ground"]}}
    if decision.startswith("withheld.") and decision != "withheld.admin_query":
        review[decision] = {"decision": "withhold", "ground": decision[9:]}
    if decision in review:
        return [("accept", "c1", D(2026, 3, 3), {}), ("sign_off", "r1", D(2026, 3, 5), review[decision])]
    if decision == "unavailable.still_unclear":
        return [("request_correction", "c1", D(2026, 3, 4), {"items": "请写明文件名称", "delivered": "2026-03-05"}),
                ("correction_received", "c1", D(2026, 3, 9), {})]
    if decision == "not_processed.excessive":  # Art 35: the request for reasons comes first
        return [("request_reasons", "c1", D(2026, 3, 3), {"facts": "本月已申请45件", "delivered": "2026-03-03"}),
                ("reasons_answered", "c1", D(2026, 3, 6), {"answer": "unreasonable", "reasons": "研究需要"})]
    return []


def replied(url: str, decision: str, **over: Any) -> tuple[str, Any]:
    """A case replied with `decision`'s elements (VALUES); a duplicate (36(6)) names an earlier
    case of the same applicant answered on 2026-01-05, whose reply the service looks up."""
    if decision == "not_processed.duplicate" and "earlier_case" not in over:
        earlier = new_case(url, received=D(2025, 12, 29))
        step(url, earlier, "reply", "h1", D(2026, 1, 5), outcome="unavailable.not_held")
        over = {"earlier_case": earlier, **over}
    case_no = new_case(url)
    for move, who, on, data in _before(decision):
        step(url, case_no, move, who, on, **data)
    step(url, case_no, "reply", "h1", D(2026, 3, 16), items=[item(decision, **over)])
    (rec,) = [n for n in notices_of(url, case_no) if n.kind == "reply"]
    return case_no, rec


@pytest.mark.parametrize("decision", replies.DECISIONS)
def test_every_reply_decision_states_its_required_elements_in_the_pdf(office, decision, tmp_path):
    url = office
    case_no, rec = replied(url, decision)
    found = texts(render(url, rec.key, tmp_path))
    required, optional = replies.ELEMENTS[decision]
    for k in (*required, *optional):
        if k in VALUES:
            assert_everywhere(found, SHOWN.get(k, VALUES[k]))
    assert_everywhere(found, case_ref(case_no), rec.doc_no, factories.CONTACT["contact_phone"])
    assert_nowhere(found, case_no)
    article = replies.OUTCOMES[decision].article
    if article.startswith("第"):
        assert_everywhere(found, "《中华人民共和国政府信息公开条例》" + article)
    if replies.OUTCOMES[decision].adverse:
        assert_everywhere(found, f"{GOV_NAME}申请行政复议")
    else:
        assert_nowhere(found, "行政复议")


def test_a_reply_with_an_item_undecided_or_an_element_missing_is_refused_and_nothing_written(office):
    url = office
    case_no = new_case(url)
    with pytest.raises(FoiError) as info:
        step(url, case_no, "reply", "h1", D(2026, 3, 10), items=[])
    assert info.value.field == "items"
    with pytest.raises(FoiError) as info:
        step(url, case_no, "reply", "h1", D(2026, 3, 10), items=[{"no": 1, "decision": "unavailable.not_held"}])
    assert info.value.field == "items[1].search" and "检索情况" in info.value.message
    with pytest.raises(FoiError) as info:
        step(url, case_no, "reply", "h1", D(2026, 3, 10),
             items=[item("unavailable.not_this_agency", reasons="")])
    assert info.value.field == "items[1].reasons"
    with db.session_scope(url) as s:
        assert s.scalar(select(func.count()).select_from(CaseEventRow)) == 1  # the registration only
        assert s.scalar(select(func.count()).select_from(NoticeRow)) == 0


def test_the_reply_records_each_items_decision_and_the_case_outcome_follows_them(office):
    url = office
    case_no, _rec = replied(url, "unavailable.not_this_agency")
    page = views.case_page(case_no, *as_(url, "c1")).data
    assert page["outcome"] == "unavailable.not_this_agency" and page["report_row"] == "unavailable.not_held"
    data = page["history"][-1]["data"]
    assert data["items"][0]["right_agency"] == VALUES["right_agency"]
    assert data["right_agency"] == VALUES["right_agency"]


# ----- attachments ------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n%test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def attach(url: str, case_no: str, name: str, data: bytes, files: Path, **settings: Any):
    u = factories.uow(url, files_dir=files, **settings)
    return attachments.attach(attachments.Attach(case_no, name, data), u, factories.principal(url, "c1"))


def test_attachments_are_stored_by_hash_listed_on_the_case_page_and_in_the_replys_attachment_note(office, tmp_path):
    url = office
    store = tmp_path / "files"
    case_no = new_case(url)
    a1 = attach(url, case_no, "征收批复.pdf", PDF, store)
    a2 = attach(url, case_no, "红线图.png", PNG, store)
    assert (a1["no"], a2["no"]) == (1, 2)
    sha = hashlib.sha256(PDF).hexdigest()
    assert a1["sha256"] == sha and (store / sha[:2] / sha).read_bytes() == PDF
    assert not list(store.rglob(".tmp-*"))  # written atomically: no temporary left
    page = views.case_page(case_no, *as_(url, "c1")).data
    assert [(a["no"], a["name"], a["sha256"]) for a in page["attachments"]] == \
        [(1, "征收批复.pdf", sha), (2, "红线图.png", hashlib.sha256(PNG).hexdigest())]
    for move, who, on, data in _before("disclosed"):
        step(url, case_no, move, who, on, **data)
    step(url, case_no, "reply", "h1", D(2026, 3, 10), items=[item("disclosed", files=[2, 1])])
    (rec,) = notices_of(url, case_no)
    found = texts(render(url, rec.key, tmp_path / "out"))
    assert_everywhere(found, "（见附件1、2）", "附件：1.红线图.png", "2.征收批复.pdf")


def test_a_reply_naming_an_attachment_the_case_does_not_have_is_refused(office):
    url = office
    case_no = new_case(url)
    for move, who, on, data in _before("disclosed"):
        step(url, case_no, move, who, on, **data)
    with pytest.raises(FoiError) as info:
        step(url, case_no, "reply", "h1", D(2026, 3, 10), items=[item("disclosed", files=[1])])
    assert info.value.field == "files" and "第1号附件" in info.value.message


@pytest.mark.parametrize("name,data,rule", [
    ("大文件.pdf", PDF + b"x" * 100, "FOI_ATTACHMENT_MAX_BYTES"),
    ("程序.exe", b"MZ\x90\x00", "FOI_ATTACHMENT_TYPES"),
    ("伪装.pdf", b"MZ\x90\x00", "内容须与其类型相符"),
    ("空.pdf", b"", "不得为空"),
])
def test_an_attachment_over_the_limit_or_of_a_type_not_allowed_is_refused_and_nothing_stored(office, tmp_path, name, data, rule):
    url = office
    case_no = new_case(url)
    store = tmp_path / "files"
    with pytest.raises(FoiError) as info:
        attach(url, case_no, name, data, store, attachment_max_bytes=64)
    assert info.value.field == "file" and rule in info.value.rule
    assert not store.exists() or not any(store.rglob("*"))
    with db.session_scope(url) as s:
        assert s.scalar(select(func.count()).select_from(AttachmentRow)) == 0


def test_only_staff_who_may_act_on_the_case_attach_files(office, tmp_path):
    url = office
    factories.agency(url, "yc-zjj", "榆次区住房和城乡建设局", "department", parent=GOV)
    factories.staff(url, "x1", "x1", "clerk", "yc-zjj")
    case_no = new_case(url)
    u = factories.uow(url, files_dir=tmp_path)
    with pytest.raises(FoiError):
        attachments.attach(attachments.Attach(case_no, "a.pdf", PDF), u, factories.principal(url, "x1"))


# ----- the agency's contact and payment details -------------------------------------------------

def test_every_notice_carries_the_agencys_contact_block(office, tmp_path):
    url = office
    case_no = new_case(url)
    step(url, case_no, "request_correction", "c1", D(2026, 3, 4), items="请写明文件名称", delivered="2026-03-05")
    step(url, case_no, "correction_received", "c1", D(2026, 3, 9))
    step(url, case_no, "acknowledge", "c1", D(2026, 3, 9))
    step(url, case_no, "accept", "c1", D(2026, 3, 10))
    step(url, case_no, "extend", "h1", D(2026, 3, 20), days=10, reasons="需调取档案核实")
    step(url, case_no, "consult", "c1", D(2026, 3, 23), kind="other_agency", party="榆次区发展和改革局")
    step(url, case_no, "consultation_answered", "c1", D(2026, 3, 24), answer="consent")
    step(url, case_no, "fee_notice", "c1", D(2026, 3, 25), method="per_volume", pages=120, medium="paper")
    recs = notices_of(url, case_no)
    assert {r.kind for r in recs} == {"correction", "receipt", "extension", "agency_consultation", "fee"}
    c = factories.CONTACT
    for rec in recs:
        found = texts(render(url, rec.key, tmp_path))
        assert_everywhere(found, c["contact_office"], c["contact_person"], c["contact_phone"],
                          c["contact_address"], c["contact_postcode"], c["contact_email"])
        if rec.kind == "fee":
            p = factories.PAYMENT
            assert_everywhere(found, p["payee"], p["bank"], p["account"], p["payment_method"])


def test_a_notice_is_refused_naming_the_missing_contact_or_payment_setting(clean_db, monkeypatch):
    url = clean_db
    monkeypatch.setenv("FOI_TODAY", "2026-11-29")
    factories.agency(url, GOV, GOV_NAME, "government")
    partial_contact = {k: v for k, v in factories.CONTACT.items() if k != "contact_phone"}
    factories.agency(url, AGENCY, AGENCY_NAME, "department", parent=GOV,
                     settings=AgencySettings(**partial_contact))
    for code, role in (("c1", "clerk"), ("h1", "head")):
        factories.staff(url, code, code, role, AGENCY)
    case_no = new_case(url)
    with pytest.raises(FoiError) as info:
        step(url, case_no, "acknowledge", "c1", RECEIVED)
    assert info.value.field == "settings.contact_phone" and "联系电话" in info.value.message
    with db.session_scope(url) as s:
        assert s.scalar(select(func.count()).select_from(NoticeRow)) == 0
    # the fee notice also needs the payment details
    factories.agency(url, "yc-jy", "榆次区教育局", "department", parent=GOV,
                     settings=AgencySettings(**factories.CONTACT))
    factories.staff(url, "c2", "c2", "clerk", "yc-jy")
    other = factories.register(url, agency="yc-jy", actor="c2", received=RECEIVED,
                               subject="某学校建设批复", today=D(2026, 11, 29)).case_no
    step(url, other, "accept", "c2", D(2026, 3, 3))
    with pytest.raises(FoiError) as info:
        step(url, other, "fee_notice", "c2", D(2026, 3, 4), method="per_volume", pages=120, medium="paper")
    assert info.value.field == "settings.payee"


# ----- the receipt after an extension ----------------------------------------------------------

def test_a_receipt_issued_after_an_extension_states_the_extended_date_not_20_working_days(office, tmp_path):
    url = office
    case_no = new_case(url)
    step(url, case_no, "accept", "c1", D(2026, 3, 3))
    step(url, case_no, "extend", "h1", D(2026, 3, 20), days=10, reasons="需调取档案核实")
    step(url, case_no, "acknowledge", "c1", D(2026, 3, 20))
    rec = [n for n in notices_of(url, case_no) if n.kind == "receipt"][0]
    found = texts(render(url, rec.key, tmp_path))
    extended = D(2026, 4, 14)  # 2026-03-30 + 10 working days (Qingming 4-4..4-6 off)
    assert_everywhere(found, "延长10个工作日", f"于{cn(extended)}前作出答复")
    assert_nowhere(found, f"20个工作日内，即{cn(extended)}前")


# ----- an application of several items ---------------------------------------------------------

def test_each_item_of_a_multi_item_application_gets_its_decision_and_the_case_counts_once_as_partial(office, tmp_path):
    url = office
    from foi_workflow.domain.applicants import Applicant

    from .test_notices import PERSON_ID, TODAY

    case_no = factories.register(url, agency=AGENCY, actor="c1", received=RECEIVED,
                                 applicant=Applicant("natural_person", "张三", "resident_id", PERSON_ID),
                                 items=("甲村征收批复", "乙村补偿方案"), today=TODAY).case_no
    for move, who, on, data in _before("disclosed"):
        step(url, case_no, move, who, on, **data)
    with pytest.raises(FoiError) as info:  # the second item left undecided
        step(url, case_no, "reply", "h1", D(2026, 3, 10), items=[item("disclosed")])
    assert info.value.field == "items[2]"
    with pytest.raises(FoiError) as info:  # a bare outcome decides neither
        step(url, case_no, "reply", "h1", D(2026, 3, 10), outcome="disclosed")
    assert info.value.field == "items"
    done = step(url, case_no, "reply", "h1", D(2026, 3, 10),
                items=[item("disclosed"), item("unavailable.not_held", no=2)])
    assert done.outcome == "partial"
    page = views.case_page(case_no, *as_(url, "c1")).data
    assert page["report_row"] == "partial"
    (rec,) = notices_of(url, case_no)
    found = texts(render(url, rec.key, tmp_path))
    assert_everywhere(found, "1.关于您申请获取的“甲村征收批复”", "2.关于您申请获取的“乙村补偿方案”",
                      VALUES["provided"], VALUES["search"], "应当先申请行政复议")


def test_foi_agency_contact_sets_the_contact_and_refuses_a_bad_postcode(clean_db):
    import json

    from .cli import bad, ok

    ok("agency", "add", "GOV", "某区人民政府", "--kind", "government")
    out = json.loads(ok("agency", "contact", "GOV", "--office", "政府信息公开办公室", "--phone", "0354-1",
                        "--address", "某区政府大院1号", "--json").output)
    assert out["contact_office"] == "政府信息公开办公室" and out["contact_phone"] == "0354-1"
    res = bad("agency", "contact", "GOV", "--postcode", "12345")
    assert "contact_postcode" in res.output and "6位数字" in res.output
    out = json.loads(ok("agency", "contact", "GOV", "--payee", "某区财政局", "--json").output)
    assert out["contact_office"] == "政府信息公开办公室" and out["payee"] == "某区财政局"  # the others stay


def test_foi_case_attach_and_a_reply_from_an_items_file(office, tmp_path, monkeypatch):
    import json

    from .cli import bad, ok

    url = office
    monkeypatch.setenv("FOI_FILES_DIR", str(tmp_path / "files"))
    case_no = new_case(url)
    pdf = tmp_path / "批复.pdf"
    pdf.write_bytes(PDF)
    out = json.loads(ok("case", "attach", case_no, str(pdf), "--as", "c1", "--json").output)
    assert out["no"] == 1 and out["sha256"] == hashlib.sha256(PDF).hexdigest()
    exe = tmp_path / "a.exe"
    exe.write_bytes(b"MZ")
    assert "FOI_ATTACHMENT_TYPES" in bad("case", "attach", case_no, str(exe), "--as", "c1").output
    items = tmp_path / "items.json"
    items.write_text(json.dumps([item("unavailable.not_held")], ensure_ascii=False), "utf-8")
    res = json.loads(ok("case", "step", case_no, "reply", "--as", "h1", "--on", "2026-03-10",
                        "--items", str(items), "--json").output)
    assert res["outcome"] == "unavailable.not_held"
