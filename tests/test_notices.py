"""Notices: every template for each of its outcomes, the files staff print and edit, the register.

What a user would notice: each notice carries its case number, its document number, the dates the
clock computed, the article it applies, and (on adverse replies) the remedies — in the HTML, in
the text extracted from the PDF and in the DOCX; the numbers of an agency's notices run without
gaps; a stored notice renders to the same bytes again; applicant text never turns into markup.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from foi_workflow.domain.case import _MOVES, OWN_MOVE_OUTCOMES
from foi_workflow.domain.errors import FoiError
from foi_workflow.domain.outcomes import OUTCOMES
from foi_workflow.domain.applicants import Applicant, mask
from foi_workflow.domain.policy import NotFound, PermissionDenied
from foi_workflow.notices import catalog, register, templating
from foi_workflow.services import access, cases, directory
from foi_workflow.storage import db
from foi_workflow.storage.models import AgencyRow, CaseEventRow, CaseRow, NumberSeriesRow
from foi_workflow.storage.notice_tables import NoticeRow

from . import factories

D = dt.date
TODAY = D(2026, 11, 29)
RECEIVED = D(2026, 3, 2)  # a Monday
AGENCY, GOV = "yc-zrzy", "yc"
AGENCY_NAME, GOV_NAME = "榆次区自然资源局", "榆次区人民政府"
SIBLING, SIBLING_NAME = "yc-zjj", "榆次区住房和城乡建设局"


def _resident_id(base17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return base17 + "10X98765432"[sum(int(c) * w for c, w in zip(base17, weights)) % 11]


PERSON_ID = _resident_id("14070219800101123")  # never to appear in clear


@pytest.fixture
def office(clean_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("FOI_TODAY", TODAY.isoformat())
    monkeypatch.setenv("FOI_NOTICES_DIR", str(tmp_path / "notices"))
    factories.agency(clean_db, GOV, GOV_NAME, "government")
    factories.agency(clean_db, AGENCY, AGENCY_NAME, "department", parent=GOV)
    for code, role in (("c1", "clerk"), ("h1", "head"), ("r1", "reviewer")):
        factories.staff(clean_db, code, code, role, AGENCY)
    return clean_db


def new_case(url: str, name: str = "张三", subject: str = "某村集体土地征收批复文件",
             received: D = RECEIVED) -> str:
    applicant = Applicant("natural_person", name, "resident_id", PERSON_ID)
    return factories.register(url, agency=AGENCY, actor="c1", applicant=applicant, received=received,
                      subject=subject, today=TODAY).case_no


def step(url: str, case_no: str, move: str, actor: str, on: D, /, *, templates: Path | None = None,
         **data: Any):
    u = factories.uow(url, **({"templates_dir": templates} if templates else {}))
    return cases.step(cases.Step(case_no, move, on, factories.complete_reply(move, data)), u,
                      factories.principal(url, actor), today=TODAY)


def as_(url: str, code: str):
    """A unit of work and the principal of staff member `code` (server-side look-up)."""
    return factories.uow(url), factories.principal(url, code)


def notices_of(url: str, case_no: str, reader: str = "c1") -> list[register.NoticeRecord]:
    return register.list_notices(register.NoticeQuery(case_no=case_no), *as_(url, reader))


def render(url: str, key: str, out_dir: Path | None, reader: str = "c1") -> register.Rendered:
    return register.render(register.RenderRequest(key, out_dir), *as_(url, reader))


def show(url: str, key: str, reader: str = "c1") -> register.NoticeRecord:
    return register.show(key, *as_(url, reader))


def reissue(url: str, key: str, actor: str, reason: str, on: D | None = None) -> register.NoticeRecord:
    return register.reissue(register.Reissue(key, reason, on), *as_(url, actor), today=TODAY)


def cn(day: D) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def case_ref(case_no: str, full: bool = True) -> str:
    """How a notice names the case (templating.case_ref): yc-zrzy-2026-00004 → 本机关受理编号：2026年第4号."""
    _agency, year, n = case_no.rsplit("-", 2)
    number = f"{int(year)}年第{int(n)}号"
    return f"本机关受理编号：{number}" if full else number


def squash(text: str) -> str:
    """Text as a reader sees it: line breaks and spacing from the layout removed."""
    return re.sub(r"\s+", "", text)


def texts(rendered: register.Rendered) -> dict[str, str]:
    """The text of each file: the HTML's visible text, the PDF's extracted text, the DOCX's."""
    import docx
    from pypdf import PdfReader

    from foi_workflow.notices.html_doc import to_document

    html = rendered.files["html"].read_text("utf-8")
    doc = to_document(html, TODAY)
    html_text = " ".join([doc.issuer, doc.doc_no, doc.title, doc.addressee, doc.signature, doc.date_text]
                         + [getattr(b, "text", " ".join(" ".join(r) for r in getattr(b, "rows", ())))
                            for b in (*doc.blocks, *doc.postscript)])
    pdf = PdfReader(io.BytesIO(rendered.files["pdf"].read_bytes()))
    # a phrase may run over a page break: each page's number (—1—) at its foot is not text
    pdf_text = "\n".join(re.sub(r"—\s*\d+\s*—\s*$", "", p.extract_text()) for p in pdf.pages)
    d = docx.Document(io.BytesIO(rendered.files["docx"].read_bytes()))
    docx_text = "\n".join([p.text for p in d.paragraphs]
                          + [c.text for t in d.tables for r in t.rows for c in r.cells])
    return {"html": squash(html_text), "pdf": squash(pdf_text), "docx": squash(docx_text)}


def assert_everywhere(found: dict[str, str], *needles: str) -> None:
    for fmt, text in found.items():
        for needle in needles:
            assert squash(needle) in text, f"{fmt} lacks “{needle}”"


def assert_nowhere(found: dict[str, str], *needles: str) -> None:
    for fmt, text in found.items():
        for needle in needles:
            assert squash(needle) not in text, f"{fmt} has “{needle}”"


# ----- every outcome: the steps that reach it ---------------------------------------------------

def _withheld(ground: str):
    return [("accept", "c1", D(2026, 3, 3), {}),
            ("sign_off", "r1", D(2026, 3, 5), {"decision": "withhold", "ground": ground}),
            ("reply", "h1", D(2026, 3, 10), {"outcome": f"withheld.{ground}"})]


PATHS: dict[str, list[tuple[str, str, D, dict[str, Any]]]] = {
    "already_public": [("reply_on_spot", "c1", RECEIVED, {"outcome": "already_public"})],
    "disclosed": [("accept", "c1", D(2026, 3, 3), {}),
                  ("sign_off", "r1", D(2026, 3, 5), {"decision": "disclose"}),
                  ("reply", "h1", D(2026, 3, 10), {"outcome": "disclosed"})],
    "partial": [("accept", "c1", D(2026, 3, 3), {}),
                ("sign_off", "r1", D(2026, 3, 5), {"decision": "partial", "ground": "process_info"}),
                ("reply", "h1", D(2026, 3, 10), {"outcome": "partial", "ground": "process_info"})],
    **{f"withheld.{g}": _withheld(g) for g in ("state_secret", "prohibited_by_law",
                                              "security_stability", "third_party_rights",
                                              "internal_affairs", "process_info", "enforcement_file")},
    "unavailable.still_unclear": [
        ("request_correction", "c1", D(2026, 3, 4), {"items": "请写明文件名称", "delivered": "2026-03-05"}),
        ("correction_received", "c1", D(2026, 3, 9), {}),
        ("reply", "h1", D(2026, 3, 16), {"outcome": "unavailable.still_unclear"})],
    "unavailable.not_this_agency": [("reply", "h1", D(2026, 3, 10),
                                     {"outcome": "unavailable.not_this_agency",
                                      "right_agency": "榆次区住房和城乡建设局"})],
    "other.no_correction": [
        ("request_correction", "c1", D(2026, 3, 4), {"items": "请写明文件名称", "delivered": "2026-03-05"}),
        ("correction_lapsed", "c1", D(2026, 4, 1), {})],
    "other.fee_unpaid": [("accept", "c1", D(2026, 3, 3), {}),
                         ("fee_notice", "c1", D(2026, 3, 4),
                          {"method": "per_volume", "pages": 100, "medium": "paper", "delivered": "2026-03-05"}),
                         ("fee_lapsed", "c1", D(2026, 4, 6), {})],
    "other.withdrawn": [("withdraw", "c1", D(2026, 3, 6), {})],
    # Art 35: refused as excessive only after the request for reasons and an unreasonable answer
    "not_processed.excessive": [
        ("accept", "c1", D(2026, 3, 3), {}),
        ("request_reasons", "c1", D(2026, 3, 4), {"facts": "本月已提出申请40件"}),
        ("reasons_answered", "c1", D(2026, 3, 9), {"answer": "unreasonable", "reasons": "未说明用途"}),
        ("reply", "h1", D(2026, 3, 10), {"outcome": "not_processed.excessive"})],
}


def path_to(outcome: str) -> list[tuple[str, str, D, dict[str, Any]]]:
    return PATHS.get(outcome, [("reply", "h1", D(2026, 3, 10), {"outcome": outcome})])


def test_every_outcome_row_of_the_annual_report_has_a_closing_notice():
    rows = {o.report_row for o in OUTCOMES.values()}
    from foi_workflow.domain.outcomes import REPORT_ROWS

    assert rows == set(REPORT_ROWS)
    for code in OUTCOMES:  # each outcome is reached by a move that issues a reply or abandonment
        move = OWN_MOVE_OUTCOMES.get(code, "reply")
        assert catalog.kinds_for(move, {"outcome": code}) in (("reply",), ("abandonment",))
    assert {k for k in catalog.ISSUED_BY} <= set(_MOVES)
    for kind in catalog.NOTICE_KINDS.values():
        assert (templating.templates_dir() / kind.template).is_file()


@pytest.mark.parametrize("outcome", sorted(OUTCOMES))
def test_closing_notice_of_each_outcome_states_case_article_reasons_and_remedies(office, outcome, tmp_path):
    url = office
    case_no = new_case(url)
    if outcome == "not_processed.duplicate":  # 36(6): the earlier reply, looked up from its case
        earlier = new_case(url, received=D(2026, 2, 2))
        step(url, earlier, "reply", "h1", D(2026, 2, 6), outcome="unavailable.not_held")
    for move, who, on, data in path_to(outcome):
        if data.get("outcome") == "not_processed.duplicate":
            data = {**data, "earlier_case": earlier}
        step(url, case_no, move, who, on, **data)
    closing = [n for n in notices_of(url, case_no) if n.kind in ("reply", "abandonment")]
    assert len(closing) == 1
    rec = closing[0]
    o = OUTCOMES[outcome]
    assert rec.kind == ("abandonment" if outcome in catalog.ABANDONMENT_OUTCOMES else "reply")
    rendered = render(url, rec.key, tmp_path)
    found = texts(rendered)
    replied_on = path_to(outcome)[-1][2]
    assert_everywhere(found, case_ref(case_no), rec.doc_no, AGENCY_NAME, "张三", cn(replied_on), cn(RECEIVED))
    assert_nowhere(found, PERSON_ID, case_no)
    if o.article.startswith("第"):
        assert_everywhere(found, "《中华人民共和国政府信息公开条例》" + o.article)
    if o.adverse:
        assert_everywhere(found, "申请行政复议", f"{GOV_NAME}申请行政复议", "60日内")
        if o.refusal:  # since 2024-01-01: review first for a refusal to disclose
            assert_everywhere(found, "应当先申请行政复议")
            assert_nowhere(found, "6个月内")
        else:
            assert_everywhere(found, "6个月内依法向人民法院提起行政诉讼")
    else:
        assert_nowhere(found, "行政复议", "行政诉讼")
    if outcome == "unavailable.not_this_agency":
        assert_everywhere(found, "榆次区住房和城乡建设局")
    if outcome == "partial":
        assert_everywhere(found, "过程性信息", "第三十六条第（三）项、第十六条第二款")
    if outcome == "other.no_correction":  # the window the clock computed, and when it ended
        with db.session_scope(url) as s:
            _row, _events, case = cases.load(s, case_no)
            end = case.schedule(cases.session_calendar(s)).get("correction_window_end").date
        assert_everywhere(found, f"补正期限已于{cn(end)}届满")
    if outcome == "other.fee_unpaid":
        with db.session_scope(url) as s:
            _row, _events, case = cases.load(s, case_no)
            due = case.schedule(cases.session_calendar(s)).get("fee_payment_due").date
        assert_everywhere(found, f"缴费期限已于{cn(due)}届满", "700元")
    title = "终止办理告知书" if outcome == "other.withdrawn" else (
        "视为放弃告知书" if rec.kind == "abandonment" else "答复书")
    assert_everywhere(found, title)


# ----- the other notices --------------------------------------------------------------------------

def _due(url: str, case_no: str, key: str, subject: str | None = None) -> D:
    with db.session_scope(url) as s:
        row, _events, case = cases.load(s, case_no)
        agency = s.get(AgencyRow, row.agency_id)
        schedule = case.schedule(cases.session_calendar(s), directory.agency_settings(agency))
    return next(d.date for d in schedule.dates if d.key == key and (subject is None or d.subject == subject))


def test_receipt_states_receipt_date_channel_case_number_and_the_computed_reply_due(office, tmp_path):
    url = office
    case_no = new_case(url)
    step(url, case_no, "acknowledge", "c1", RECEIVED)
    (rec,) = notices_of(url, case_no)
    assert rec.kind == "receipt" and rec.number == 1
    found = texts(render(url, rec.key, tmp_path))
    due = _due(url, case_no, "reply_due")
    assert due == D(2026, 3, 30)
    assert_everywhere(found, "受理编号" + case_ref(case_no, full=False), "网络提交", cn(RECEIVED), cn(due), "接收回执",
                      "第三十三条第二款", mask(PERSON_ID))
    assert_nowhere(found, PERSON_ID)
    with db.session_scope(url) as s:  # nor in what the register keeps
        assert PERSON_ID not in json.dumps(register.find(s, rec.key).context, ensure_ascii=False)


def test_correction_notice_lists_the_matters_and_the_window_the_clock_computed(office, tmp_path):
    url = office
    case_no = new_case(url)
    step(url, case_no, "request_correction", "c1", D(2026, 3, 4), items="请写明文件名称、文号",
         delivered="2026-03-05")
    (rec,) = notices_of(url, case_no)
    found = texts(render(url, rec.key, tmp_path))
    end = _due(url, case_no, "correction_window_end")
    assert_everywhere(found, "补正告知书", "请写明文件名称、文号", "15个工作日", cn(end), "第三十条",
                      "视为放弃申请")


def test_extension_notice_states_the_old_and_the_new_reply_due(office, tmp_path):
    url = office
    case_no = new_case(url)
    step(url, case_no, "accept", "c1", D(2026, 3, 3))
    before = _due(url, case_no, "reply_due")
    step(url, case_no, "extend", "h1", D(2026, 3, 20), days=10, reasons="需调取档案核实")
    after = _due(url, case_no, "reply_due")
    (rec,) = notices_of(url, case_no)
    found = texts(render(url, rec.key, tmp_path))
    assert after > before
    assert_everywhere(found, "延期答复告知书", cn(before), cn(after), "延长10个工作日", "需调取档案核实",
                      "第三十三条第二款")


def test_consultation_letters_go_to_the_third_party_and_the_other_agency_with_their_due_dates(office, tmp_path):
    url = office
    case_no = new_case(url)
    step(url, case_no, "accept", "c1", D(2026, 3, 3))
    step(url, case_no, "consult", "c1", D(2026, 3, 4), kind="third_party", party="某建筑公司",
         delivered="2026-03-05")
    step(url, case_no, "consult", "c1", D(2026, 3, 4), kind="other_agency", party="榆次区发展和改革局",
         delivered="2026-03-06")
    third, other = notices_of(url, case_no)
    assert (third.kind, third.addressee) == ("third_party_consultation", "某建筑公司")
    assert (other.kind, other.addressee) == ("agency_consultation", "榆次区发展和改革局")
    f3 = texts(render(url, third.key, tmp_path))
    assert_everywhere(f3, "某建筑公司", "第三十二条", "15个工作日",
                      cn(_due(url, case_no, "third_party_answer_due", "某建筑公司")))
    assert_nowhere(f3, "张三")  # the applicant is not named to the third party
    fo = texts(render(url, other.key, tmp_path))
    assert_everywhere(fo, "榆次区发展和改革局", "第三十四条", "视为同意公开",
                      cn(_due(url, case_no, "other_agency_answer_due", "榆次区发展和改革局")))


def test_public_interest_notice_tells_the_objecting_third_party_what_and_why(office, tmp_path):
    url = office
    case_no = new_case(url, subject="某企业排污监测数据")
    step(url, case_no, "accept", "c1", D(2026, 3, 3))
    step(url, case_no, "consult", "c1", D(2026, 3, 4), kind="third_party", party="某化工企业")
    step(url, case_no, "consultation_answered", "c1", D(2026, 3, 10), answer="objection",
         reasonable_grounds=True)
    step(url, case_no, "public_interest_override", "h1", D(2026, 3, 11), reasons="涉及周边居民健康")
    rec = notices_of(url, case_no)[-1]
    assert (rec.kind, rec.addressee) == ("public_interest", "某化工企业")
    found = texts(render(url, rec.key, tmp_path))
    assert_everywhere(found, "某化工企业", "某企业排污监测数据", "涉及周边居民健康", "决定予以公开",
                      "第三十二条", cn(D(2026, 3, 4)))


def test_fee_notice_states_basis_rate_amount_how_to_pay_and_the_payment_due(office, tmp_path):
    url = office
    case_no = new_case(url)
    step(url, case_no, "accept", "c1", D(2026, 3, 3))
    # 225 pages: the amount is computed (never typed) and the computation shown
    step(url, case_no, "fee_notice", "c1", D(2026, 3, 4), method="per_volume", pages=225, medium="paper",
         delivered="2026-03-05")
    (rec,) = notices_of(url, case_no)
    found = texts(render(url, rec.key, tmp_path))
    due = _due(url, case_no, "fee_payment_due")
    assert_everywhere(found, "收费通知书", "国办函〔2020〕109号", "按量计收", "第31–100页", "每页10元",
                      "第201页起", "每页40元", "3700元", "缴费方式", cn(due), "第四十二条",
                      "计算过程", "第201–225页：25页 × 40元 = 1000元")


def test_longer_deadline_notice_gives_the_reasons_and_the_new_date(office, tmp_path):
    url = office
    case_no = new_case(url)
    step(url, case_no, "accept", "c1", D(2026, 3, 3))
    statutory = _due(url, case_no, "reply_due")
    step(url, case_no, "request_reasons", "c1", D(2026, 3, 4), facts="本月已提出申请40件")
    step(url, case_no, "reasons_answered", "c1", D(2026, 3, 5), answer="reasonable", reasons="课题研究需要")
    step(url, case_no, "set_longer_deadline", "h1", D(2026, 3, 5), due="2026-05-29",
         reasons="申请涉及五年文件需分批整理")
    (rec,) = [n for n in notices_of(url, case_no) if n.kind == "longer_deadline"]
    found = texts(render(url, rec.key, tmp_path))
    assert_everywhere(found, "说明理由告知书", "第三十五条", cn(statutory), cn(D(2026, 5, 29)),
                      "申请涉及五年文件需分批整理")


def test_fee_notice_of_a_2008_case_states_the_cost_fees_by_kind_and_no_abandonment(office, tmp_path):
    url = office
    case_no = new_case(url, received=D(2015, 3, 2))
    step(url, case_no, "accept", "c1", D(2015, 3, 3))
    step(url, case_no, "fee_notice", "c1", D(2015, 3, 4), costs={"copying": 12, "mailing": 10})
    (rec,) = notices_of(url, case_no)
    found = texts(render(url, rec.key, tmp_path))
    assert_everywhere(found, "第二十七条", "复制费：12元", "邮寄费：10元", "22元", "缴费方式")
    assert_nowhere(found, "视为放弃申请", "109号")


def test_art35_reasons_request_notice_states_the_facts_the_period_and_what_follows(office, tmp_path):
    url = office
    case_no = new_case(url)
    step(url, case_no, "accept", "c1", D(2026, 3, 3))
    step(url, case_no, "request_reasons", "c1", D(2026, 3, 4), facts="本月已提出申请40件",
         delivered="2026-03-05")
    (rec,) = notices_of(url, case_no)
    assert rec.kind == "reasons_request"
    found = texts(render(url, rec.key, tmp_path))
    # 15 working days after delivery on 2026-03-05
    assert_everywhere(found, "说明理由通知书", "第三十五条", "本月已提出申请40件", "15个工作日",
                      cn(D(2026, 3, 26)), "不予处理", "延迟答复的合理期限")


def test_steps_that_issue_nothing_register_nothing(office):
    url = office
    case_no = new_case(url)
    for move, who, on, data in (("accept", "c1", D(2026, 3, 3), {}),
                                ("sign_off", "r1", D(2026, 3, 5), {"decision": "disclose"})):
        step(url, case_no, move, who, on, **data)
    assert notices_of(url, case_no) == []


# ----- safe rendering -------------------------------------------------------------------------------

HOSTILE_NAME = "李{{ 7*7 }}{% if true %}X{% endif %}<script>alert(1)</script>\x07\u202e&amp;"
HOSTILE_SUBJECT = "第一行\n第二行  {{ config }}\x1b<b>粗</b>"


def test_applicant_text_with_template_syntax_html_and_control_characters_comes_out_literally(office, tmp_path):
    url = office
    case_no = new_case(url, name=HOSTILE_NAME, subject=HOSTILE_SUBJECT)
    step(url, case_no, "acknowledge", "c1", RECEIVED)
    (rec,) = notices_of(url, case_no)
    rendered = render(url, rec.key, tmp_path)
    html = rendered.files["html"].read_text("utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>粗" not in html
    assert "49" not in html and "\x07" not in html and "\u202e" not in html and "\x1b" not in html
    found = texts(rendered)
    assert_everywhere(found, "{{7*7}}{%iftrue%}X{%endif%}<script>alert(1)</script>\\x07\\u202e&amp;",
                      "第一行", "第二行{{config}}\\x1b<b>粗</b>")


def test_a_template_cannot_reach_python_internals(tmp_path):
    (tmp_path / "evil.html.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}", "utf-8")
    v = templating.current_set(tmp_path).version("evil.html.j2")
    with pytest.raises(templating.TemplateProblem):
        templating.render("evil.html.j2", v.sources, {}, v.version)


def test_a_missing_field_is_an_error_and_the_step_writes_nothing(office, tmp_path):
    url = office
    case_no = new_case(url)
    folder = tmp_path / "templates"
    folder.mkdir()
    for p in templating.templates_dir().glob("*.j2"):
        (folder / p.name).write_text(p.read_text("utf-8"), "utf-8")
    receipt = folder / "receipt.html.j2"
    source = receipt.read_text("utf-8")
    assert '{{ case|case_ref("number") }}' in source
    receipt.write_text(source.replace('{{ case|case_ref("number") }}', "{{ case.no_such_field }}"), "utf-8")
    with pytest.raises(FoiError) as info:
        step(url, case_no, "acknowledge", "c1", RECEIVED, templates=folder)
    assert "no_such_field" in info.value.message
    with db.session_scope(url) as s:
        assert s.scalar(select(func.count()).select_from(NoticeRow)) == 0
        assert s.scalar(select(func.count()).select_from(CaseEventRow)) == 1  # register only
        assert s.scalar(select(NumberSeriesRow.last).where(NumberSeriesRow.series == "notice")) is None


def test_a_value_that_is_none_or_a_method_never_prints(tmp_path):
    sources = {"t.html.j2": "<p>{{ a }}</p>", "m.html.j2": "<p>{{ d.items }}</p>"}
    with pytest.raises(templating.TemplateProblem):
        templating.render("t.html.j2", sources, {"a": None})
    with pytest.raises(templating.TemplateProblem):
        templating.render("m.html.j2", sources, {"d": {"items": "x"}})


# ----- the register ---------------------------------------------------------------------------------

def test_notice_numbers_run_per_agency_and_year_across_cases(office):
    url = office
    a, b = new_case(url), new_case(url)
    step(url, a, "acknowledge", "c1", RECEIVED)
    step(url, b, "acknowledge", "c1", RECEIVED)
    step(url, a, "reply", "h1", D(2026, 3, 10), outcome="unavailable.not_held")
    earlier = new_case(url, received=D(2025, 12, 1))
    step(url, earlier, "acknowledge", "c1", D(2025, 12, 1))
    recs = register.list_notices(register.NoticeQuery(agency=AGENCY), *as_(url, "c1"))
    assert [(r.year, r.number) for r in recs] == [(2025, 1), (2026, 1), (2026, 2), (2026, 3)]
    assert recs[3].doc_no == f"{AGENCY_NAME}依申请公开〔2026〕3号"
    assert recs[3].key == f"{AGENCY}-2026-N00003"
    assert recs[0].doc_no == f"{AGENCY_NAME}依申请公开〔2025〕1号"


def test_a_stored_notice_renders_byte_identically_and_tampering_is_caught(office, tmp_path):
    url = office
    case_no = new_case(url)
    step(url, case_no, "reply", "h1", D(2026, 3, 10), outcome="unavailable.not_held")
    (rec,) = notices_of(url, case_no)
    first = render(url, rec.key, tmp_path / "a")
    assert set(first.recorded) == {"pdf", "docx"}
    again = render(url, rec.key, tmp_path / "b")
    assert again.recorded == ()
    for fmt in register.FORMATS:
        assert first.files[fmt].read_bytes() == again.files[fmt].read_bytes()
    with db.session_scope(url) as s:
        row = register.find(s, rec.key)
        assert (row.pdf_sha256, row.docx_sha256) == (first.sha256["pdf"], first.sha256["docx"])
        ctx = json.loads(json.dumps(row.context))
        ctx["case"]["subject"] = "被改动的内容"
        row.context = ctx
    with pytest.raises(register.NoticeMismatch):
        render(url, rec.key, tmp_path / "c")


def test_a_failed_file_write_records_no_hash_and_leaves_no_partial_file(office, tmp_path, monkeypatch):
    """Issue 17: a notice file is written whole or not at all, and its hash is recorded only
    once it is written; the files are not readable by other users."""
    import os
    import stat

    case_no = new_case(office)
    step(office, case_no, "reply", "h1", D(2026, 3, 10), outcome="unavailable.not_held")
    (rec,) = notices_of(office, case_no)
    real_replace = os.replace

    def crash(src, dst):  # the disk fails at the rename of the first file
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        render(office, rec.key, tmp_path / "a")
    monkeypatch.setattr(os, "replace", real_replace)
    assert list((tmp_path / "a").iterdir()) == []          # no truncated file, no temporary one
    with db.session_scope(office) as s:
        row = register.find(s, rec.key)
        assert (row.pdf_sha256, row.docx_sha256) == (None, None)
    done = render(office, rec.key, tmp_path / "b")
    assert set(done.recorded) == {"pdf", "docx"}
    for path in done.files.values():
        assert stat.S_IMODE(path.stat().st_mode) & 0o007 == 0   # nothing for other users


def test_template_edits_change_new_notices_but_old_ones_render_from_their_stored_version(office, tmp_path):
    url = office
    a = new_case(url)
    step(url, a, "acknowledge", "c1", RECEIVED)
    (old,) = notices_of(url, a)
    before = render(url, old.key, tmp_path / "before")
    folder = tmp_path / "templates"
    folder.mkdir()
    for p in templating.templates_dir().glob("*.j2"):
        (folder / p.name).write_text(p.read_text("utf-8"), "utf-8")
    receipt = folder / "receipt.html.j2"
    receipt.write_text(receipt.read_text("utf-8").replace("现出具回执如下", "现出具接收回执如下"), "utf-8")
    b = new_case(url)
    step(url, b, "acknowledge", "c1", RECEIVED, templates=folder)
    (new,) = notices_of(url, b)
    assert new.template_version != old.template_version
    assert "现出具接收回执如下" in render(url, new.key, tmp_path / "new").files["html"].read_text("utf-8")
    after = render(url, old.key, tmp_path / "after")
    assert after.files["pdf"].read_bytes() == before.files["pdf"].read_bytes()
    assert "现出具回执如下" in after.files["html"].read_text("utf-8")


def test_a_corrected_notice_is_a_new_number_and_the_old_one_stays(office, tmp_path):
    url = office
    case_no = new_case(url)
    step(url, case_no, "reply", "h1", D(2026, 3, 10), outcome="unavailable.not_this_agency",
         right_agency="榆次区住建局")
    (old,) = notices_of(url, case_no)
    old_files = render(url, old.key, tmp_path / "old")
    fixed = reissue(url, old.key, "h1", "负责公开的机关名称写错", D(2026, 3, 12))
    assert (fixed.number, fixed.supersedes, fixed.issued_on) == (2, old.key, D(2026, 3, 12))
    with db.session_scope(url) as s:
        assert register.record(s, register.find(s, old.key)).superseded_by == (fixed.key,)
    again = render(url, old.key, tmp_path / "old2")
    assert again.files["pdf"].read_bytes() == old_files.files["pdf"].read_bytes()
    found = texts(render(url, fixed.key, tmp_path / "new"))
    assert_everywhere(found, fixed.doc_no, f"更正并替代本机关{cn(D(2026, 3, 10))}出具的{old.doc_no}",
                      "负责公开的机关名称写错")
    with pytest.raises(FoiError):
        reissue(url, old.key, "h1", " ")


def test_files_are_deterministic_documents_with_the_issue_date_in_their_metadata(office, tmp_path):
    import zipfile

    import docx
    from pypdf import PdfReader

    url = office
    case_no = new_case(url)
    step(url, case_no, "reply", "h1", D(2026, 3, 10), outcome="unavailable.not_held")
    (rec,) = notices_of(url, case_no)
    r = render(url, rec.key, tmp_path)
    pdf = PdfReader(io.BytesIO(r.files["pdf"].read_bytes()))
    assert pdf.metadata["/CreationDate"].startswith("D:20260310")
    assert pdf.pages[0].mediabox.width == pytest.approx(595.28, abs=0.1)  # A4
    fonts = {str(f.get("/BaseFont")) for p in pdf.pages
             for f in (p["/Resources"]["/Font"].get_object().values())}
    from foi_workflow.documents.fonts import face
    body = face("body").family.replace(" ", "")  # the body face (a serif) is embedded, as a subset
    assert any(f.startswith("/MPDFAA+") and body in f for f in fonts) and "Sans" not in body
    with zipfile.ZipFile(r.files["docx"]) as z:
        assert {i.date_time[:3] for i in z.infolist()} == {(2026, 3, 10)}
    d = docx.Document(str(r.files["docx"]))
    assert d.core_properties.created.date() == D(2026, 3, 10)
    assert d.sections[0].page_width.mm == pytest.approx(210, abs=0.5)


# ----- the command line -----------------------------------------------------------------------------

def foi(*args: str, url: str) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "FOI_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "foi_workflow.cli.main", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_notice_commands_list_show_render_and_never_import_prefect(office, tmp_path):
    url = office
    case_no = new_case(url)
    step(url, case_no, "acknowledge", "c1", RECEIVED)
    listed = foi("notice", "list", "--case", case_no, "--as", "c1", "--json", url=url)
    assert listed.returncode == 0, listed.stderr
    (item,) = json.loads(listed.stdout)
    assert item["kind"] == "receipt" and item["case_no"] == case_no
    shown = foi("notice", "show", item["key"], "--as", "r1", url=url)
    assert shown.returncode == 0 and item["doc_no"] in shown.stdout and "发文字号" in shown.stdout
    out = tmp_path / "files"
    rendered = foi("notice", "render", item["key"], "--out", str(out), "--as", "h1", "--json", url=url)
    assert rendered.returncode == 0, rendered.stderr
    files = json.loads(rendered.stdout)["files"]
    assert sorted(Path(p).suffix for p in files.values()) == [".docx", ".html", ".pdf"]
    missing = foi("notice", "show", "yc-zrzy-2026-N09999", "--as", "c1", url=url)
    assert missing.returncode == 2 and "未找到文书" in missing.stderr
    anonymous = foi("notice", "show", item["key"], url=url)  # reads are permissioned: who reads?
    assert anonymous.returncode == 2 and "--as" in anonymous.stderr and item["doc_no"] not in anonymous.stdout
    probe = subprocess.run(
        [sys.executable, "-c",
         "import sys; from foi_workflow.cli import notice_cmd; from foi_workflow.notices import register;"
         "print('PREFECT' if 'prefect' in sys.modules else 'NO-PREFECT')"],
        capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "NO-PREFECT"


def test_notice_reads_through_the_command_line_are_logged_with_the_staff_member_and_the_os_user(office):
    url = office
    case_no = new_case(url)
    step(url, case_no, "acknowledge", "c1", RECEIVED)
    (rec,) = notices_of(url, case_no)
    assert foi("notice", "show", rec.key, "--as", "r1", url=url).returncode == 0
    (entry,) = access_entries(url, staff="r1")
    assert (entry.action, entry.target, entry.via, entry.outcome) == ("notice.read", rec.key, "cli", "ok")
    assert entry.operator.startswith("os:")


# ----- who may read and re-issue a notice -------------------------------------------------------------

def access_entries(url: str, **query: Any) -> list:
    """The access log as an admin of the district government reads it (newest first)."""
    with factories.uow(url) as u:
        missing = u.directory.account_by_code("yc-admin") is None
    if missing:
        factories.staff(url, "yc-admin", "区政府管理员", "admin", GOV)
    u, admin = as_(url, "yc-admin")
    with u:
        return access.entries(access.Query(**query), u, admin)


def _sibling(url: str) -> None:
    factories.agency(url, SIBLING, SIBLING_NAME, "department", parent=GOV)
    factories.staff(url, "c2", "c2", "clerk", SIBLING)
    factories.staff(url, "h2", "h2", "head", SIBLING)


def _case_ids(url: str, case_no: str) -> tuple[int, int]:
    with db.session_scope(url) as s:
        row = s.scalar(select(CaseRow).where(CaseRow.case_no == case_no))
        return row.id, row.applicant_id


def test_a_clerk_of_a_sibling_agency_cannot_see_a_notice_answered_as_unknown_and_logged_as_refused(
        office, tmp_path):
    url = office
    _sibling(url)
    case_no = new_case(url)
    step(url, case_no, "acknowledge", "c1", RECEIVED)
    (rec,) = notices_of(url, case_no)
    unknown_key = f"{AGENCY}-2026-N09999"

    def refusal(fn, key: str) -> FoiError:
        with pytest.raises(NotFound) as info:
            fn(key)
        return info.value

    for fn in (lambda k: show(url, k, "c2"), lambda k: render(url, k, tmp_path / "out", "c2"),
               lambda k: reissue(url, k, "h2", "更正")):  # h2: the sibling's head
        seen, unseen = refusal(fn, rec.key), refusal(fn, unknown_key)
        # exactly the answer for a notice that does not exist (only the key as typed differs)
        assert (seen.field, seen.rule) == (unseen.field, unseen.rule)
        assert seen.message.replace(rec.key, "<key>") == unseen.message.replace(unknown_key, "<key>")
    assert not (tmp_path / "out").exists()
    # nor can the case's notices be listed: the case answers as an unknown case
    with pytest.raises(NotFound) as by_case:
        notices_of(url, case_no, "c2")
    with pytest.raises(NotFound) as no_case:
        notices_of(url, f"{AGENCY}-2026-09999", "c2")
    assert by_case.value.message.replace(case_no, "<no>") == no_case.value.message.replace(
        f"{AGENCY}-2026-09999", "<no>")
    assert register.list_notices(register.NoticeQuery(), *as_(url, "c2")) == []
    with pytest.raises(PermissionDenied):
        register.list_notices(register.NoticeQuery(agency=AGENCY), *as_(url, "c2"))
    with db.session_scope(url) as s:  # the sibling's head re-issued nothing
        assert s.scalar(select(func.count()).select_from(NoticeRow)) == 1
    # every attempt is in the access log, refused, with the notice, its case and applicant
    case_id, applicant_id = _case_ids(url, case_no)
    refused = [e for e in access_entries(url) if e.staff in ("c2", "h2") and e.outcome == "refused"]
    by_action = sorted((e.staff, e.action, e.target) for e in refused)
    assert by_action == sorted([("c2", "notice.read", rec.key), ("c2", "notice.render", rec.key),
                                ("h2", "notice.reissue", rec.key), ("c2", "notice.read", case_no),
                                ("c2", "notice.read", AGENCY)])
    for e in refused:
        if e.target in (rec.key, case_no):
            assert (e.case_id, e.applicant_id) == (case_id, applicant_id)
    assert not [e for e in access_entries(url, staff="c2") if e.outcome == "ok"]


def test_a_clerk_cannot_reissue_a_notice_only_the_agencys_own_head_can(office):
    url = office
    factories.staff(url, "gov-head", "gov-head", "head", GOV)
    case_no = new_case(url)
    step(url, case_no, "reply", "h1", D(2026, 3, 10), outcome="unavailable.not_held")
    (old,) = notices_of(url, case_no)
    for who in ("c1", "r1", "gov-head"):  # the superior government's head reads it, but does not act
        with pytest.raises(PermissionDenied) as info:
            reissue(url, old.key, who, "负责公开的机关名称写错", D(2026, 3, 12))
        assert info.value.field and "本机关的负责人" in info.value.rule
        assert "重新出具告知书" in info.value.message
    assert show(url, old.key, "gov-head").key == old.key
    with db.session_scope(url) as s:  # nothing issued, no number taken
        assert s.scalar(select(func.count()).select_from(NoticeRow)) == 1
        assert s.scalar(select(NumberSeriesRow.last).where(NumberSeriesRow.series == "notice")) == 1
    fixed = reissue(url, old.key, "h1", "负责公开的机关名称写错", D(2026, 3, 12))
    assert (fixed.number, fixed.issued_by, fixed.supersedes) == (2, "h1", old.key)


def test_notice_reads_appear_in_the_access_log_with_the_readers_code(office, tmp_path):
    url = office
    factories.staff(url, "gov-sup", "gov-sup", "supervisor", GOV)
    case_no = new_case(url)
    step(url, case_no, "acknowledge", "c1", RECEIVED)
    (rec,) = notices_of(url, case_no, "c1")
    show(url, rec.key, "r1")
    render(url, rec.key, tmp_path, "h1")
    show(url, rec.key, "gov-sup")  # a supervisor of the superior government reads it, logged too
    case_id, applicant_id = _case_ids(url, case_no)
    with db.session_scope(url) as s:
        agency_id = s.scalar(select(AgencyRow.id).where(AgencyRow.code == AGENCY))
    entries = access_entries(url, case_no=case_no)
    assert sorted((e.staff, e.action) for e in entries) == [
        ("c1", "notice.read"), ("gov-sup", "notice.read"), ("h1", "notice.render"), ("r1", "notice.read")]
    for e in entries:
        assert (e.target, e.case_id, e.applicant_id, e.agency_id, e.outcome) == (
            rec.key, case_id, applicant_id, agency_id, "ok")
        assert (e.operator, e.via) == (factories.OPERATOR, "cli")


def test_a_weekend_online_receipt_states_the_working_day_it_counts_from(clean_db, monkeypatch, tmp_path):
    """Art 31 with the agency's weekend setting: an online application on Saturday counts from
    Monday, and the receipt says so beside the date it arrived (the portal's pages too)."""
    from foi_workflow.domain.settings import AgencySettings

    monkeypatch.setenv("FOI_TODAY", TODAY.isoformat())
    factories.agency(clean_db, GOV, GOV_NAME, "government")
    factories.agency(clean_db, AGENCY, AGENCY_NAME, "department", parent=GOV, settings=AgencySettings(
        **factories.CONTACT, **factories.PAYMENT, weekend_online_receipt_next_working_day=True))
    factories.staff(clean_db, "c1", "c1", "clerk", AGENCY)
    saturday = D(2026, 3, 7)
    case_no = new_case(clean_db, received=saturday)
    step(clean_db, case_no, "acknowledge", "c1", D(2026, 3, 9))
    (rec,) = notices_of(clean_db, case_no)
    html = render(clean_db, rec.key, tmp_path).files["html"].read_text("utf-8")
    assert "2026年3月7日（星期六）（非工作日通过互联网提交，按本机关规定视为2026年3月9日（星期一）收到" in html
    # a working-day receipt says nothing of it
    other = new_case(clean_db, received=D(2026, 3, 10))
    step(clean_db, other, "acknowledge", "c1", D(2026, 3, 10))
    (rec2,) = notices_of(clean_db, other)
    assert "视为" not in render(clean_db, rec2.key, tmp_path / "b").files["html"].read_text("utf-8")
