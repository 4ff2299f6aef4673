"""The wording of every notice as an office reads it before sealing it: every notice kind and
every reply decision rendered, and the text checked for what a secretary checks.

- 发文字号 (GB/T 9704-2012 7.2.3): the agency's 机关代字 (AgencySettings.doc_code), the year in 〔〕,
  the number without leading zeros, e.g. 榆自然资公〔2026〕3号; numbers per agency and year
  without gaps;
- the case named in Chinese ("本机关受理编号：2026年第4号"), never by its Latin case number;
- no sentence said twice in one notice;
- remedies complete: review (60 days, 行政复议法 Art 20), litigation (6 months, 行政诉讼法 Art 46)
  or review first for a refusal (行政复议法 Art 23(1)(4)), and 15 days to sue after a review
  decision (行政诉讼法 Art 45) — ogi-rules.md, remedies;
- "（见附件n）" only with an attachment note listing file n;
- the fee notice with its payment details and the count or pages behind its amount;
- the story of a notice told in its order (a correction notice; a corrected notice says first
  what it replaces).

The notices are rendered to HTML (the text the PDF and DOCX are set from: notices/html_doc.py),
which keeps this check fast; tests/test_notices.py and test_replies_notices.py check the same
text in the PDF and DOCX.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from foi_workflow.domain import replies
from foi_workflow.domain.applicants import Applicant
from foi_workflow.domain.errors import InputError
from foi_workflow.domain.outcomes import OUTCOMES
from foi_workflow.domain.settings import AgencySettings
from foi_workflow.notices import register
from foi_workflow.notices.html_doc import to_document

from . import factories
from .test_notices import (AGENCY, AGENCY_NAME, GOV, GOV_NAME, PERSON_ID, RECEIVED, SIBLING, SIBLING_NAME,
                           TODAY, D, as_, case_ref, cn, new_case, notices_of, reissue, step)
from .test_replies_notices import SHOWN, VALUES, _before, attach, item

DOC_CODE = "榆自然资公"
LATIN_CASE_NO = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*-\d{4}-\d{3,}")


@dataclass(frozen=True)
class Notice:
    variant: str
    kind: str
    case_no: str
    doc_no: str
    year: int
    number: int
    agency: str
    paragraphs: tuple[str, ...]   # issuer, doc no, title, addressee, body …, signature, date, notes
    body: tuple[str, ...]         # the body blocks only (tables as their cells joined)
    attachment_note: tuple[str, ...]  # the lines of the 附件说明 (one per file)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def attachments(self) -> int:
        return len(self.attachment_note)


READER = "gs"  # a supervisor of the district government: reads every body's notices


def _read(variant: str, rec: register.NoticeRecord, url: str, out: Path) -> Notice:
    rendered = register.render(register.RenderRequest(rec.key, out, ("html",)), *as_(url, READER))
    doc = to_document(rendered.files["html"].read_text("utf-8"), TODAY)

    def text(b: Any) -> str:
        return getattr(b, "text", None) or "".join("".join(r) for r in getattr(b, "rows", ()))

    body = tuple(text(b) for b in doc.blocks)
    # the 附件说明: unindented lines "附件：1. …", "2. …" (the layout's plain paragraphs)
    note = tuple(b.text for b in doc.blocks
                 if getattr(b, "style", "") == "plain" and re.match(r"^(附件：)?\s*\d+\.\s", b.text.strip()))
    return Notice(variant, rec.kind, rec.case_no, rec.doc_no, rec.year, rec.number, rec.agency,
                  (doc.issuer, doc.doc_no, doc.title, doc.addressee, *body, doc.signature, doc.date_text,
                   *(text(b) for b in doc.postscript)), body, note)


def _clear(url: str) -> None:
    """As the clean_db fixture (conftest.py) does, for this module's one set of notices."""
    from sqlalchemy import delete, text

    from foi_workflow.storage import db
    from foi_workflow.storage.models import Base

    with db.session_scope(url) as session:
        if session.bind.dialect.name == "postgresql":  # case_events is append-only (migration 0016)
            session.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))


def _reply_case(url: str, decision: str, **over: Any) -> str:
    if decision == "not_processed.duplicate" and "earlier_case" not in over:
        earlier = new_case(url, received=D(2025, 12, 29))
        step(url, earlier, "reply", "h1", D(2026, 1, 5), outcome="unavailable.not_held")
        over = {"earlier_case": earlier, **over}
    case_no = new_case(url)
    for move, who, on, data in _before(decision):
        step(url, case_no, move, who, on, **data)
    step(url, case_no, "reply", "h1", D(2026, 3, 16), items=[item(decision, **over)])
    return case_no


def _build(url: str, out: Path) -> dict[str, Notice]:
    """Every notice kind, every reply decision and the variants that change the wording."""
    settings = AgencySettings(**factories.CONTACT, **factories.PAYMENT, doc_code=DOC_CODE)
    factories.agency(url, GOV, GOV_NAME, "government")
    factories.agency(url, AGENCY, AGENCY_NAME, "department", parent=GOV, settings=settings)
    factories.agency(url, SIBLING, SIBLING_NAME, "department", parent=GOV)
    for code, role in (("c1", "clerk"), ("h1", "head"), ("r1", "reviewer")):
        factories.staff(url, code, code, role, AGENCY)
    factories.staff(url, "h2", "h2", ("head", "clerk"), SIBLING)
    factories.staff(url, READER, READER, "supervisor", GOV)
    made: list[tuple[str, str, str]] = []  # (variant, case, notice kind)

    def keep(variant: str, case_no: str, kind: str) -> None:
        made.append((variant, case_no, kind))

    # the receipt, the correction notice and the abandonment after it
    a = new_case(url)
    step(url, a, "acknowledge", "c1", RECEIVED)
    keep("receipt", a, "receipt")
    b = new_case(url)
    step(url, b, "request_correction", "c1", D(2026, 3, 4), items="请写明文件名称、文号", delivered="2026-03-05")
    step(url, b, "correction_lapsed", "c1", D(2026, 4, 1))
    keep("correction", b, "correction")
    keep("abandonment.no_correction", b, "abandonment")
    # every decision a reply may make, one item each
    for decision in replies.DECISIONS:
        keep(f"reply.{decision}", _reply_case(url, decision), "reply")
    # several items, two with the same decision, files attached to one
    multi = factories.register(url, agency=AGENCY, actor="c1", received=RECEIVED,
                               applicant=Applicant("natural_person", "张三", "resident_id", PERSON_ID),
                               items=("甲村征收批复", "乙村补偿方案", "丙村安置协议"), today=TODAY).case_no
    attach(url, multi, "征收批复.pdf", b"%PDF-1.4\n%a\n", out / "files")
    attach(url, multi, "红线图.pdf", b"%PDF-1.4\n%b\n", out / "files")
    for move, who, on, data in _before("disclosed"):
        step(url, multi, move, who, on, **data)
    step(url, multi, "reply", "h1", D(2026, 3, 10), items=[
        item("disclosed", files=[1, 2]),
        item("unavailable.not_held", no=2, search="检索了2019年以来的乙村补偿档案"),
        item("unavailable.not_held", no=3, search="检索了2019年以来的丙村安置档案")])
    keep("reply.multi", multi, "reply")
    w = new_case(url)
    step(url, w, "withdraw", "c1", D(2026, 3, 6))
    keep("reply.withdrawn", w, "reply")
    # extension, consultations, the public-interest decision and the reply after it
    e = new_case(url)
    step(url, e, "accept", "c1", D(2026, 3, 3))
    step(url, e, "extend", "h1", D(2026, 3, 20), days=10, reasons="需调取档案核实")
    keep("extension", e, "extension")
    p = new_case(url, subject="某企业排污监测数据")
    step(url, p, "accept", "c1", D(2026, 3, 3))
    step(url, p, "consult", "c1", D(2026, 3, 4), kind="third_party", party="某化工企业", delivered="2026-03-05")
    step(url, p, "consult", "c1", D(2026, 3, 4), kind="other_agency", party="榆次区生态环境局",
         delivered="2026-03-05")
    step(url, p, "consultation_answered", "c1", D(2026, 3, 10), answer="objection", reasonable_grounds=True,
         index=0)
    step(url, p, "consultation_answered", "c1", D(2026, 3, 10), answer="consent", index=1)
    step(url, p, "public_interest_override", "h1", D(2026, 3, 11), reasons="排污数据关系周边居民健康")
    step(url, p, "sign_off", "r1", D(2026, 3, 12), decision="disclose")
    step(url, p, "reply", "h1", D(2026, 3, 13), items=[item("disclosed")])
    keep("third_party_consultation", p, "third_party_consultation")
    keep("agency_consultation", p, "agency_consultation")
    keep("public_interest", p, "public_interest")
    keep("reply.public_interest", p, "reply")
    # fees: by pages (then unpaid), by the month's count, a 2008 case's cost fees
    f = new_case(url)
    step(url, f, "accept", "c1", D(2026, 3, 3))
    step(url, f, "fee_notice", "c1", D(2026, 3, 4), method="per_volume", pages=225, medium="paper",
         delivered="2026-03-05")
    step(url, f, "fee_lapsed", "c1", D(2026, 4, 6))
    keep("fee.per_volume", f, "fee")
    keep("abandonment.fee_unpaid", f, "abandonment")
    month = [new_case(url, subject=f"某村第{i}组征收批复") for i in range(1, 12)]
    step(url, month[-1], "accept", "c1", D(2026, 3, 3))
    step(url, month[-1], "fee_notice", "c1", D(2026, 3, 4), method="per_request", delivered="2026-03-05")
    keep("fee.per_request", month[-1], "fee")
    old = new_case(url, received=D(2015, 3, 2))
    step(url, old, "accept", "c1", D(2015, 3, 3))
    step(url, old, "fee_notice", "c1", D(2015, 3, 4), costs={"copying": 12, "mailing": 10})
    keep("fee.cost", old, "fee")
    # Art 35: the request for reasons, the longer deadline
    r = new_case(url)
    step(url, r, "accept", "c1", D(2026, 3, 3))
    step(url, r, "request_reasons", "c1", D(2026, 3, 4), facts="本月已提出申请40件", delivered="2026-03-05")
    step(url, r, "reasons_answered", "c1", D(2026, 3, 9), answer="reasonable", reasons="课题研究需要")
    step(url, r, "set_longer_deadline", "h1", D(2026, 3, 10), due="2026-05-29", reasons="申请涉及五年文件需分批整理")
    keep("reasons_request", r, "reasons_request")
    keep("longer_deadline", r, "longer_deadline")
    # a transfer, and the receiving agency's reply naming the number the first agency gave
    t = new_case(url)
    step(url, t, "transfer", "h1", D(2026, 3, 5), to=SIBLING, reasons="该信息由住房和城乡建设局制作并保存")
    keep("transfer", t, "transfer")
    step(url, t, "reply", "h2", D(2026, 3, 12), outcome="unavailable.not_held")
    keep("reply.after_transfer", t, "reply")
    # a corrected notice
    c = _reply_case(url, "unavailable.not_this_agency")
    (wrong,) = notices_of(url, c)
    reissue(url, wrong.key, "h1", "负责公开的机关名称写错", D(2026, 3, 18))
    out_html = out / "html"
    found: dict[str, Notice] = {}
    for variant, case_no, kind in made:
        recs = [n for n in notices_of(url, case_no, READER) if n.kind == kind and n.supersedes is None]
        assert len(recs) == 1, (variant, [n.kind for n in recs])
        found[variant] = _read(variant, recs[0], url, out_html)
    (fixed,) = [n for n in notices_of(url, c, READER) if n.supersedes]
    found["reissued"] = _read("reissued", fixed, url, out_html)
    series: dict[tuple[str, int], list[int]] = {}
    for n in register.list_notices(register.NoticeQuery(), *as_(url, READER)):
        series.setdefault((n.agency, n.year), []).append(n.number)
    return Corpus(found, series)


@dataclass(frozen=True)
class Corpus:
    notices: dict[str, Notice]
    series: dict[tuple[str, int], list[int]]  # every notice number issued, by agency and year

    def __getitem__(self, variant: str) -> Notice:
        return self.notices[variant]

    def values(self):
        return self.notices.values()


@pytest.fixture(scope="module")
def corpus(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    out = tmp_path_factory.mktemp("wording")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FOI_TODAY", TODAY.isoformat())
        mp.setenv("FOI_DATABASE_URL", db_url)
        mp.setenv("FOI_NOTICES_DIR", str(out / "notices"))
        _clear(db_url)
        try:
            return _build(db_url, out)
        finally:
            _clear(db_url)


VARIANTS = ("receipt", "correction", "abandonment.no_correction",
            *(f"reply.{d}" for d in replies.DECISIONS), "reply.multi", "reply.withdrawn", "extension",
            "third_party_consultation", "agency_consultation", "public_interest", "reply.public_interest",
            "fee.per_volume", "abandonment.fee_unpaid", "fee.per_request", "fee.cost",
            "reasons_request", "longer_deadline", "transfer", "reply.after_transfer", "reissued")


def sentences(n: Notice) -> list[str]:
    """The sentences of the body and the notes after the date (the header, the title and the
    signature name the agency as their form requires)."""
    out = []
    for p in (*n.body, *n.paragraphs[4 + len(n.body) + 2:]):
        out += [s.strip() for s in re.split(r"(?<=[。！？])", p) if len(s.strip()) > 6]
    return out


# ----- 发文字号 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("variant", VARIANTS)
def test_the_doc_number_is_the_agency_code_the_year_in_hexagonal_brackets_and_the_number(corpus, variant):
    n = corpus[variant]
    code = DOC_CODE if n.agency == AGENCY else f"{SIBLING_NAME}依申请公开"  # the sibling keeps the default
    assert n.doc_no == f"{code}〔{n.year}〕{n.number}号"
    assert n.paragraphs[1] == n.doc_no  # the 发文字号 line under the header
    assert not re.search(r"〔\d{4}〕0", n.doc_no)  # no leading zeros, no 第


def test_doc_numbers_run_per_agency_and_year_without_gaps_or_repeats_whatever_the_code(corpus):
    assert {k for k in corpus.series} >= {(AGENCY, 2026), (AGENCY, 2015), (SIBLING, 2026)}
    for key, numbers in corpus.series.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), key
    doc_nos = [n.doc_no for n in corpus.values()]
    assert len(set(doc_nos)) == len(doc_nos)


def test_the_doc_code_is_checked_one_to_ten_chinese_characters_named_in_the_error():
    assert AgencySettings(doc_code="榆政信公").doc_code == "榆政信公"
    assert register.doc_no(register.doc_code("榆次区人民政府", AgencySettings()), 2026, 3) == \
        "榆次区人民政府依申请公开〔2026〕3号"  # unset: the agency's name stands in
    assert register.doc_no(register.doc_code("榆次区人民政府", AgencySettings(doc_code="榆政信公")), 2026, 3) == \
        "榆政信公〔2026〕3号"
    for bad in ("YZXG", "榆政 信公", "榆政〔信公", "榆政信公2", "榆" * 11):
        with pytest.raises(InputError) as info:
            AgencySettings(doc_code=bad)
        assert info.value.field == "doc_code" and "1至10个汉字" in info.value.rule


def test_foi_agency_contact_sets_the_doc_code_and_refuses_one_another_agency_uses(clean_db):
    from .cli import bad, ok

    ok("agency", "add", "GOV", "某区人民政府", "--kind", "government")
    ok("agency", "add", "DEP", "某区自然资源局", "--kind", "department", "--parent", "GOV")
    out = json.loads(ok("agency", "contact", "GOV", "--doc-code", "某政信公", "--json").output)
    assert out["doc_code"] == "某政信公"
    res = bad("agency", "contact", "DEP", "--doc-code", "某政信公")
    assert "doc_code" in res.output and "不得与其他机关重复" in res.output
    res = bad("agency", "contact", "DEP", "--doc-code", "ZRZY")
    assert "doc_code" in res.output and "1至10个汉字" in res.output
    out = json.loads(ok("agency", "contact", "DEP", "--doc-code", "某自然资公", "--json").output)
    assert out["doc_code"] == "某自然资公"
    # the office hours the portal's guide states (the other settings stay as they were)
    out = json.loads(ok("agency", "contact", "DEP", "--hours", "工作日 9:00–12:00", "--json").output)
    assert out["contact_hours"] == "工作日 9:00–12:00" and out["doc_code"] == "某自然资公"


# ----- the case in Chinese --------------------------------------------------------------------------

@pytest.mark.parametrize("variant", VARIANTS)
def test_every_notice_names_the_case_in_chinese_and_never_by_its_latin_case_number(corpus, variant):
    n = corpus[variant]
    text = n.text
    assert n.case_no not in text
    assert not LATIN_CASE_NO.search(text), LATIN_CASE_NO.search(text)
    number = case_ref(n.case_no, full=False)
    if variant == "receipt":
        assert "受理编号" + number in text
    elif variant == "reply.after_transfer":  # the number the first agency gave, named as its
        assert f"{AGENCY_NAME}受理编号：{number}" in text
    else:
        assert case_ref(n.case_no) in text


# ----- no sentence twice ------------------------------------------------------------------------------

@pytest.mark.parametrize("variant", VARIANTS)
def test_no_sentence_is_said_twice_in_a_notice(corpus, variant):
    repeated = [s for s, k in Counter(sentences(corpus[variant])).items() if k > 1]
    assert repeated == []


# ----- remedies --------------------------------------------------------------------------------------

REVIEW = ("60日内", "申请行政复议（《中华人民共和国行政复议法》第二十条）",
          "可以自收到行政复议决定书之日起15日内依法向人民法院提起行政诉讼", "《中华人民共和国行政诉讼法》第四十五条")
DIRECT = ("6个月内依法向人民法院提起行政诉讼（《中华人民共和国行政诉讼法》第四十六条）",)
REVIEW_FIRST = ("依照《中华人民共和国行政复议法》第二十三条第一款第（四）项的规定", "应当先申请行政复议")


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v.startswith("reply.") or v == "public_interest"])
def test_adverse_decisions_state_the_remedies_with_their_articles_and_periods(corpus, variant):
    n = corpus[variant]
    text = n.text
    decision = variant.removeprefix("reply.")
    outcome = OUTCOMES.get(decision)
    if variant == "reply.multi":
        outcome = OUTCOMES["partial"]  # disclosed + not held: counted (and answered) as partial
    if variant == "reply.after_transfer":
        outcome = OUTCOMES["unavailable.not_held"]
    adverse = variant == "public_interest" or (outcome is not None and outcome.adverse)
    if not adverse:
        assert "行政复议" not in text and "行政诉讼" not in text
        return
    for needle in REVIEW:
        assert needle in text, needle
    if outcome is not None and outcome.refusal:  # since 2024-01-01: review first
        for needle in REVIEW_FIRST:
            assert needle in text, needle
        assert "6个月内" not in text
    else:
        for needle in DIRECT:
            assert needle in text, needle
        assert "应当先申请行政复议" not in text
    if variant == "public_interest":
        assert "你方如认为本决定侵犯你方合法权益" in text and "自收到本告知书之日起" in text


# ----- attachments ------------------------------------------------------------------------------------

@pytest.mark.parametrize("variant", VARIANTS)
def test_a_notice_refers_to_an_attachment_only_when_its_attachment_note_lists_it(corpus, variant):
    n = corpus[variant]
    cited = [int(x) for group in re.findall(r"（见附件([\d、]+)）", n.text) for x in group.split("、")]
    assert "见附件" not in re.sub(r"（见附件[\d、]+）", "", n.text)  # never a bare "（见附件）"
    assert all(1 <= k <= n.attachments for k in cited), (cited, n.attachments)
    assert sorted(set(cited)) == list(range(1, n.attachments + 1))  # and every listed file is cited


def test_the_reply_lists_its_files_in_the_attachment_note_in_the_order_it_cites_them(corpus):
    n = corpus["reply.multi"]
    assert "（见附件1、2）" in n.text
    note = n.attachment_note
    assert len(note) == 2 and note[0].startswith("附件：1.") and "征收批复.pdf" in note[0]
    assert note[1].strip().startswith("2.") and "红线图.pdf" in note[1]


# ----- what each decision says ---------------------------------------------------------------------------

@pytest.mark.parametrize("decision", replies.DECISIONS)
def test_each_reply_decision_states_its_specifics_and_its_article(corpus, decision):
    text = corpus[f"reply.{decision}"].text
    required, optional = replies.ELEMENTS[decision]
    for k in (*required, *optional):
        if k in VALUES and not (k == "earlier_doc_no" and "earlier_case" in optional):
            assert SHOWN.get(k, VALUES[k]) in text, k
    if decision == "not_processed.duplicate":  # the earlier reply, looked up from its case
        assert re.search(f"以{DOC_CODE}〔2026〕\\d+号作出答复", text)
    article = OUTCOMES[decision].article
    if article.startswith("第"):
        assert "《中华人民共和国政府信息公开条例》" + article in text
    if decision == "unavailable.not_this_agency":  # 36(5): the reasons, the right agency and its contact
        assert f"理由是：{VALUES['reasons']}" in text
        assert VALUES["right_agency"] in text and VALUES["right_agency_contact"] in text


def test_a_reply_of_several_items_answers_each_in_its_own_words(corpus):
    n = corpus["reply.multi"]
    for no, what in ((1, "甲村征收批复"), (2, "乙村补偿方案"), (3, "丙村安置协议")):
        assert f"{no}. 关于您申请获取的“{what}”" in n.text
    assert "检索了2019年以来的乙村补偿档案" in n.text and "检索了2019年以来的丙村安置档案" in n.text


def test_the_public_interest_decision_gives_its_reasons_once(corpus):
    text = corpus["public_interest"].text
    assert text.count("不公开上述信息可能对公共利益造成重大影响") == 1
    assert "理由是：排污数据关系周边居民健康" in text and "决定予以公开" in text
    assert "某企业排污监测数据" in text and "某化工企业" in text


# ----- the fee notice --------------------------------------------------------------------------------------

PAYMENT_DETAILS = tuple(factories.PAYMENT.values())


def test_the_fee_notice_by_pages_states_the_pages_each_band_the_amount_and_how_to_pay(corpus):
    text = corpus["fee.per_volume"].text
    for needle in ("共225页", "第1–30页：30页，免费", "第31–100页：70页 × 10元 = 700元",
                   "第101–200页：100页 × 20元 = 2000元", "第201–225页：25页 × 40元 = 1000元",
                   "应缴纳信息处理费人民币3700元", "国办函〔2020〕109号", "第四十二条", *PAYMENT_DETAILS):
        assert needle in text, needle


def test_the_fee_notice_by_count_states_which_request_of_the_month_it_is(corpus):
    text = corpus["fee.per_request"].text
    nth = int(re.search(r"本月第(\d+)件申请", text).group(1))  # the applicant's cases received in March
    assert nth >= 11
    rate = 100 * (1 + max(0, (nth - 21) // 10))  # 11–30: 100; 31–40: 200; 41–50: 300 … (109号)
    for needle in ("按件计收", f"每件{rate}元", f"应缴纳信息处理费人民币{rate}元", "同一申请人一个自然月内的申请件数",
                   *PAYMENT_DETAILS):
        assert needle in text, needle


def test_the_fee_notice_of_a_2008_case_states_each_cost_and_how_to_pay(corpus):
    n = corpus["fee.cost"]
    for needle in ("复制费：12元", "邮寄费：10元", "合计：22元", "人民币22元", *PAYMENT_DETAILS):
        assert needle in n.text, needle
    assert n.doc_no == f"{DOC_CODE}〔2015〕{n.number}号"
    assert "信息处理费" not in n.text and n.paragraphs[2] == "政府信息公开收费通知书"  # cost fees under 2008 rules


# ----- stories in their order ----------------------------------------------------------------------------

def _in_order(n: Notice, *parts: str) -> None:
    text = "\n".join(n.body)
    at = [text.find(p) for p in parts]
    assert all(i >= 0 for i in at), [p for p, i in zip(parts, at) if i < 0]
    assert at == sorted(at), list(zip(parts, at))


def test_the_correction_notice_tells_what_to_correct_by_when_and_what_follows_in_that_order(corpus):
    _in_order(corpus["correction"], cn(RECEIVED), "申请内容不明确", "请写明文件名称、文号",
              "15个工作日内", "视为放弃申请", "重新计算", "特此告知")


def test_the_abandonment_notices_tell_the_notice_its_receipt_the_end_of_the_window_and_the_consequence(corpus):
    _in_order(corpus["abandonment.no_correction"], "出具补正告知书", f"您于{cn(D(2026, 3, 5))}收到",
              "补正期限已于", "视为放弃")
    _in_order(corpus["abandonment.fee_unpaid"], "出具收费通知书", f"您于{cn(D(2026, 3, 5))}收到",
              "3700元", "缴费期限已于", "视为放弃")


def test_the_longer_deadline_notice_tells_the_request_for_reasons_before_the_new_date(corpus):
    _in_order(corpus["longer_deadline"], "明显超过合理范围", f"已于{cn(D(2026, 3, 4))}要求您说明理由",
              "理由合理", "申请涉及五年文件需分批整理", cn(D(2026, 5, 29)))


def test_a_corrected_notice_says_first_what_it_replaces_and_why(corpus):
    n = corpus["reissued"]
    assert n.body[0].startswith("本文书更正并替代本机关") and "负责公开的机关名称写错" in n.body[0]
    assert n.text.count("更正并替代") == 1


def test_a_case_number_of_another_form_is_an_error_never_printed_as_it_is():
    from foi_workflow.notices import templating

    sources = {"t.html.j2": "<p>{{ case|case_ref }}</p>"}
    out = templating.render("t.html.j2", sources, {"case": {"case_no": "yc-zrzy-2026-00004", "numbered_by": "本机关"}})
    assert "本机关受理编号：2026年第4号" in out
    with pytest.raises(templating.TemplateProblem):
        templating.render("t.html.j2", sources, {"case": {"case_no": "第4号", "numbered_by": "本机关"}})


def test_a_template_citing_an_attachment_the_notice_does_not_list_is_an_error():
    from foi_workflow.notices import templating

    common = (templating.templates_dir() / "_common.html.j2").read_text("utf-8")
    sources = {"_common.html.j2": common,
               "t.html.j2": '{% from "_common.html.j2" import see_files %}<p>{{ see_files([2], attachments) }}</p>'}
    with pytest.raises(templating.TemplateProblem):
        templating.render("t.html.j2", sources, {"attachments": [{"name": "a.pdf"}]})
    ok = templating.render("t.html.j2", sources, {"attachments": [{"name": "a.pdf"}, {"name": "b.pdf"}]})
    assert "（见附件2）" in ok
