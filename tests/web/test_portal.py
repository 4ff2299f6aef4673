"""The applicant portal (docs/portal.md) under TestClient: the guide from the agency's settings and
the rule pack, applying online (Art 29, Art 31 receipt date, the receipt notice), following a
case with its number and query code, the correction online, and the abuse and privacy rules."""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time

import pytest
from sqlalchemy import func, select

from foi_workflow.domain.settings import AgencySettings

from .. import factories as f
from .conftest import AGENCY, TODAY, csrf_of

ID_NUMBER = "11010519491231002X"   # a resident ID with a correct check digit
PERSON = {"a_kind": "natural_person", "a_name": "李雷", "a_id_type": "resident_id", "a_id_number": ID_NUMBER,
          "a_phone": "13912345678", "a_email": "lilei@example.cn", "a_address": "山西省晋中市榆次区顺城街1号",
          "a_postcode": "030600"}
APPLICATION = {**PERSON, "item1_description": "2026年某地块征收补偿方案", "form": "electronic",
               "delivery": "online", "consent": "on"}
_NUM = "零一二三四五六七八九"


def _words(text: str) -> int:
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_NUM.index(tens) if tens else 1) * 10 + (_NUM.index(ones) if ones else 0)
    return _NUM.index(text)


def solve(html: str) -> str:
    """The answer to the page's challenge, as a person reads it."""
    q = re.search(r"请计算：(.+?)(加|减)(.+?)等于几", html)
    assert q, "no challenge on the page"
    a, op, b = _words(q.group(1)), q.group(2), _words(q.group(3))
    return str(a + b if op == "加" else a - b)


def form_fields(html: str) -> dict[str, str]:
    return {"csrf": csrf_of(html),
            "challenge_token": re.search(r'name="challenge_token" value="([^"]+)"', html).group(1),
            "n_items": re.search(r'name="n_items" value="(\d+)"', html).group(1),
            "challenge": solve(html)}


def apply(client, data: dict[str, str] | None = None, *, agency: str = AGENCY, page: str | None = None,
          **overrides: str):
    html = page if page is not None else client.get(f"/apply/{agency}/form").text
    body = {**form_fields(html), **(APPLICATION if data is None else data), **overrides}
    return client.post(f"/apply/{agency}/form", data=body, follow_redirects=False)


def code_of(html: str) -> tuple[str, str]:
    case_no = re.search(r'id="case-no">([^<]+)<', html).group(1)
    code = re.search(r'id="query-code">([^<]+)<', html).group(1)
    return case_no, code


def lookup(client, case_no: str, code: str):
    page = client.get("/apply/query")
    return client.post("/apply/query", data={"csrf": csrf_of(page.text), "case_no": case_no, "code": code},
                       follow_redirects=False)


@pytest.fixture
def portal(client):
    client.cookies.clear()
    return client


# ----- the guide ----------------------------------------------------------------------------------

def test_the_guide_states_the_agencys_office_and_the_periods_of_the_rule_pack(portal):
    page = portal.get(f"/apply/{AGENCY}")
    assert page.status_code == 200
    html = page.text
    for text in (f.CONTACT["contact_office"], f.CONTACT["contact_address"], f.CONTACT["contact_phone"],
                 "自收到申请之日起20个工作日内予以答复", "收到申请之日起7个工作日内一次性告知申请人作出补正",
                 "补正期限为 15 个工作日", "延长期限最长不得超过20个工作日"):
        assert text in html, text
    assert 'name="viewport"' in html and "<script" not in html


def test_the_guide_shows_the_office_hours_an_agency_sets(portal, office):
    f.agency(office, "yc-hr", "榆次区住建局", "department", parent="yc",
             settings=AgencySettings(**f.CONTACT, contact_hours="工作日 9:00–12:00，13:30–17:30"))
    assert "工作日 9:00–12:00，13:30–17:30" in portal.get("/apply/yc-hr").text


def test_an_agency_without_its_contact_block_takes_no_online_application(portal, office):
    f.agency(office, "yc-new", "榆次区新设局", "department", parent="yc", settings=AgencySettings())
    assert "yc-new" not in portal.get("/apply").text
    assert portal.get("/apply/yc-new").status_code == 404
    assert portal.get("/apply/yc-new/form").status_code == 404


# ----- applying online ----------------------------------------------------------------------------

def test_an_online_application_gets_its_case_number_a_query_code_shown_once_and_the_receipt(portal, office):
    done = apply(portal)
    assert done.status_code == 200, done.text[:2000]
    case_no, code = code_of(done.text)
    assert case_no.startswith(f"{AGENCY}-2026-") and re.fullmatch(r"[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}", code)
    assert "2026-11-27" in done.text  # received today (Art 31: the system confirms at once)
    receipt = re.search(r'href="(/apply/case/notices/[^"]+\.pdf)">下载接收回执', done.text)
    assert receipt, done.text[:3000]
    pdf = portal.get(receipt.group(1))
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    # registered through the services: channel online, by the portal actor, the receipt issued
    from foi_workflow.storage.models import CaseEventRow, CaseRow
    from foi_workflow.storage.portal_tables import PortalCodeRow

    u = f.uow(office)
    with u:
        row = u.session.scalar(select(CaseRow).where(CaseRow.case_no == case_no))
        kinds = u.session.scalars(select(CaseEventRow.kind).where(CaseEventRow.case_id == row.id)
                                  .order_by(CaseEventRow.seq)).all()
        stored = u.session.scalars(select(PortalCodeRow.code_hash).where(PortalCodeRow.case_id == row.id)).all()
    assert row.channel == "online" and row.handler.startswith("system-portal.") and kinds == ["register", "acknowledge"]
    assert code.replace("-", "") not in str(stored) and len(stored) == 1 and len(stored[0]) == 64  # hashed


def test_a_weekend_submission_counts_from_the_next_working_day_when_the_agency_says_so(office):
    from fastapi.testclient import TestClient

    from foi_workflow.web.app import create_app

    f.agency(office, "yc-wk", "榆次区周末局", "department", parent="yc",
             settings=AgencySettings(**f.CONTACT, weekend_online_receipt_next_working_day=True))
    saturday = dt.date(2026, 11, 28)
    from foi_workflow.config import Settings

    settings = Settings.load(database_url=office, today=saturday, web_secret="test-secret-for-signing-only")
    with TestClient(create_app(settings)) as c:
        done = apply(c, agency="yc-wk")
        assert done.status_code == 200, done.text[:2000]
        assert "视为 2026-11-30（星期一） 收到" in done.text
        # the reply period counts from Monday: 20 working days later
        assert "2026-12-28" in done.text


def test_every_field_error_is_named_in_plain_chinese_beside_its_field_and_the_typed_text_is_kept(portal, office):
    cases = [({"a_id_number": "110105194912310021"}, "a_id_number", "居民身份证号码为18位且校验码正确"),
             ({"a_kind": "commercial", "a_name": "某公司", "a_credit_code": "91140700MA0GRXQJ7A",
               "a_contact_person": "王经理"}, "a_credit_code", "GB 32100"),
             ({"a_phone": "12345"}, "a_phone", "联系电话"),
             ({"a_postcode": "03060"}, "a_postcode", "邮政编码为6位数字"),
             ({"a_email": "lilei-at-example"}, "a_email", "电子邮箱形如"),
             ({"item1_description": ""}, "item1_description", "第二十九条"),
             ({"form": ""}, "form", "形式要求"),
             ({"delivery": "post", "a_address": ""}, "a_address", "邮寄"),
             ({"consent": ""}, "consent", "个人信息保护法"),
             ({"a_phone": "", "a_email": ""}, "a_phone", "联系电话或电子邮箱")]
    for change, field, rule in cases:
        data = {**APPLICATION, "item1_description": "《关于某地块的批复》<b>全文</b>", **change}
        refused = apply(portal, data)
        assert refused.status_code == 422, (field, refused.text[:1500])
        html = refused.text
        error = re.search(rf'<p class="error" id="err-{field}" role="alert">(.*?)</p>', html, re.S)
        assert error and rule in error.group(1), (field, html[:3000])
        assert f'aria-describedby="err-{field}' in html  # announced with its field
        if field != "item1_description":
            assert "《关于某地块的批复》&lt;b&gt;全文&lt;/b&gt;" in html  # kept, and literal
        assert "申请尚未提交" in html
    from foi_workflow.storage.models import CaseRow

    u = f.uow(office)
    with u:
        assert u.session.scalar(select(func.count()).select_from(CaseRow)) == 0  # nothing half-saved


def test_an_organisation_applies_with_its_credit_code_and_contact_person(portal):
    org = {"a_kind": "commercial", "a_name": "某公司", "a_credit_code": f.CREDIT_CODE, "a_contact_person": "王经理",
           "a_phone": "0354-1234567", "item1_description": "某项目环评批复", "item2_description": "某项目验收意见",
           "item2_document_no": "榆环验〔2026〕3号", "form": "paper", "delivery": "post",
           "a_address": "山西省晋中市榆次区迎宾街2号", "a_postcode": "030600", "consent": "on"}
    done = apply(portal, org)
    assert done.status_code == 200, done.text[:2000]
    case_no, code = code_of(done.text)
    page = portal.get("/apply/case")
    assert "某项目验收意见（榆环验〔2026〕3号）" in page.text and f.CREDIT_CODE not in page.text


def test_html_and_template_syntax_in_any_field_come_out_literally(portal):
    data = {**APPLICATION, "a_name": "<script>alert(1)</script>{{ 7*7 }}",
            "item1_description": "{% raw %}{{ config }}{% endraw %}<img src=x onerror=alert(1)>"}
    done = apply(portal, data)
    assert done.status_code == 200, done.text[:2000]
    page = portal.get("/apply/case").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "{% raw %}{{ config }}{% endraw %}" in page
    refused = apply(portal, {**data, "a_id_number": "1"})
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in refused.text and "<script>" not in refused.text


def test_one_more_item_re_shows_the_form_longer_and_saves_nothing(portal):
    html = portal.get(f"/apply/{AGENCY}/form").text
    longer = portal.post(f"/apply/{AGENCY}/form", data={**form_fields(html), **APPLICATION, "more": "1"})
    assert longer.status_code == 200 and 'name="item4_description"' in longer.text
    assert "2026年某地块征收补偿方案" in longer.text and 'id="case-no"' not in longer.text


# ----- abuse: the challenge, repeats, rate limits --------------------------------------------------

def test_a_wrong_or_replayed_challenge_answer_is_refused_and_nothing_is_registered(portal, office):
    html = portal.get(f"/apply/{AGENCY}/form").text
    fields = form_fields(html)
    wrong = portal.post(f"/apply/{AGENCY}/form", data={**fields, **APPLICATION,
                                                       "challenge": str(int(fields["challenge"]) + 1)})
    assert wrong.status_code == 422 and "验证题的答案不正确" in wrong.text
    again = portal.post(f"/apply/{AGENCY}/form", data={**fields, **APPLICATION})  # the right answer, too late
    assert again.status_code == 422 and "验证题已回答过" in again.text
    forged = portal.post(f"/apply/{AGENCY}/form", data={**fields, **APPLICATION, "challenge_token": "x" + fields["challenge_token"]})
    assert forged.status_code == 422 and "验证题无效" in forged.text
    from foi_workflow.storage.models import CaseRow

    u = f.uow(office)
    with u:
        assert u.session.scalar(select(func.count()).select_from(CaseRow)) == 0


def test_an_identical_repeated_submission_gets_the_same_case_not_a_second_one(portal, office):
    first = apply(portal)
    case_no, code = code_of(first.text)
    second = apply(portal)  # a new form, the same application
    assert second.status_code == 200 and "此申请已提交过" in second.text and case_no in second.text
    assert 'id="query-code"' not in second.text
    html = portal.get(f"/apply/{AGENCY}/form").text
    fields = form_fields(html)
    once = portal.post(f"/apply/{AGENCY}/form", data={**fields, **APPLICATION, "item1_description": "另一项信息"})
    twice = portal.post(f"/apply/{AGENCY}/form", data={**fields, **APPLICATION, "item1_description": "另一项信息"})
    n1, c1 = code_of(once.text)
    n2, c2 = code_of(twice.text)  # the same form sent twice (a double click): its case, its own code
    assert n1 == n2 != case_no and c1 != c2
    assert lookup(portal, n1, c1).status_code == 303 and lookup(portal, n1, c2).status_code == 303
    from foi_workflow.storage.models import CaseRow

    u = f.uow(office)
    with u:
        assert u.session.scalar(select(func.count()).select_from(CaseRow)) == 2


def test_submissions_are_limited_per_address_and_per_applicant(office):
    from fastapi.testclient import TestClient

    from foi_workflow.config import Settings
    from foi_workflow.web.app import create_app

    settings = Settings.load(database_url=office, today=TODAY, web_secret="test-secret-for-signing-only",
                             portal_submits_per_hour=3, portal_submits_per_day=2)
    with TestClient(create_app(settings)) as c:
        for n in range(2):
            assert apply(c, item1_description=f"信息{n}").status_code == 200
        refused = apply(c, item1_description="信息3")  # a third from the same applicant today
        assert refused.status_code == 429 and "提交过于频繁" in refused.text and "信息3" in refused.text
        other = {**APPLICATION, "a_name": "韩梅梅", "a_id_number": "110105199001010010"}
        assert apply(c, other, item1_description="信息4").status_code == 200  # another applicant: third from here
        assert apply(c, {**other, "a_name": "王二", "a_id_number": "110105199001010029"},
                     item1_description="信息5").status_code == 429  # a fourth from this address this hour


# ----- following a case ---------------------------------------------------------------------------

def test_a_wrong_query_code_answers_exactly_like_an_unknown_case_number(portal):
    case_no, code = code_of(apply(portal).text)
    portal.cookies.clear()
    wrong = lookup(portal, case_no, "ABCD-EFGH-JKLM-NPQR")
    unknown = lookup(portal, f"{AGENCY}-2026-99999", code)
    assert wrong.status_code == unknown.status_code == 404

    def message(html: str) -> str:
        return re.search(r'id="err-code" role="alert">(.*?)</p>', html, re.S).group(1)

    assert message(wrong.text) == message(unknown.text)
    assert portal.get("/apply/case", follow_redirects=False).headers["location"] == "/apply/query"
    ok = lookup(portal, case_no, code.lower().replace("-", " "))  # typed in lower case, with spaces
    assert ok.status_code == 303 and ok.headers["location"] == "/apply/case"  # no case number in the URL


def test_a_look_up_takes_as_long_for_a_wrong_code_as_for_an_unknown_number(office, portal):
    """Same work either way: the hits counted, the code hashed and compared, the failure counted."""
    from foi_workflow.domain.policy import NotFound
    from foi_workflow.services import portal as service

    case_no, _code = code_of(apply(portal).text)
    u = f.uow(office, portal_lookup_failures=10_000, portal_case_failures=10_000)
    times: dict[str, list[float]] = {"wrong": [], "unknown": []}
    for i in range(30):
        for kind, number in (("wrong", case_no), ("unknown", f"{AGENCY}-2026-9{i:04d}")):
            t0 = time.perf_counter()
            with pytest.raises(NotFound) as refused:
                service.follow(number, "ABCD-EFGH-JKLM-NPQR", u, service.Client(f"10.0.0.{i}"))
            times[kind].append(time.perf_counter() - t0)
            assert refused.value.message == service.UNKNOWN
    ratio = statistics.median(times["wrong"]) / statistics.median(times["unknown"])
    print(f"look-up median: wrong code {statistics.median(times['wrong']) * 1000:.2f} ms, "
          f"unknown number {statistics.median(times['unknown']) * 1000:.2f} ms, ratio {ratio:.2f}")
    assert 0.5 < ratio < 2.0


def test_repeated_wrong_codes_stop_the_look_ups_of_that_address_and_of_that_case_number(portal, office):
    case_no, code = code_of(apply(portal).text)
    portal.cookies.clear()
    for _ in range(5):
        assert lookup(portal, case_no, "ABCD-EFGH-JKLM-NPQR").status_code == 404
    blocked = lookup(portal, case_no, code)  # the right code, after 5 failures for this number
    assert blocked.status_code == 404 and "查询过于频繁" in blocked.text
    from foi_workflow.storage.portal_tables import PortalHitRow

    u = f.uow(office)
    with u:
        buckets = u.session.scalars(select(PortalHitRow.bucket)).all()
    assert not any(case_no in b or "testclient" in b for b in buckets)  # only digests stored


def test_the_followed_case_shows_its_state_dates_and_notices_and_never_personal_data_in_urls(portal, office):
    case_no, code = code_of(apply(portal).text)
    f.step(office, case_no, "request_correction", "c1", TODAY, today=TODAY, items="请写明地块的位置和批次")
    portal.cookies.clear()
    assert lookup(portal, case_no, code).status_code == 303
    page = portal.get("/apply/case").text
    assert "等待您补正" in page and "请写明地块的位置和批次" in page
    assert "补正期限届满日" in page and "接收回执" in page and "补正告知书" in page
    assert ID_NUMBER not in page and "13912345678" not in page
    links = re.findall(r'href="([^"]+)"', page)
    assert all(ID_NUMBER not in x and "李雷" not in x and code not in x for x in links)
    for link in [x for x in links if x.endswith(".pdf")]:
        got = portal.get(link)
        assert got.status_code == 200 and got.content[:5] == b"%PDF-"


def test_a_notice_of_another_case_answers_as_unknown(portal, office):
    other = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    f.step(office, other, "acknowledge", "c1", TODAY, today=TODAY)
    from foi_workflow.storage.notice_tables import NoticeRow
    from foi_workflow.storage.models import CaseRow

    u = f.uow(office)
    with u:
        cid = u.session.scalar(select(CaseRow.id).where(CaseRow.case_no == other))
        n = u.session.scalar(select(NoticeRow).where(NoticeRow.case_id == cid))
        key = f"{AGENCY}-{n.year}-N{n.number:05d}"
    apply(portal)
    assert portal.get(f"/apply/case/notices/{key}.pdf").status_code == 404


def test_the_correction_sent_online_becomes_the_cases_correction_received(portal, office):
    case_no, code = code_of(apply(portal).text)
    f.step(office, case_no, "request_correction", "c1", TODAY, today=TODAY, items="请写明地块的位置")
    page = portal.get("/apply/case").text
    empty = portal.post("/apply/case/correction", data={"csrf": csrf_of(page), "corrected": " ",
                                                         "request_id": "r-empty"})
    assert empty.status_code == 422 and "请填写补正内容" in empty.text
    sent = portal.post("/apply/case/correction", data={"csrf": csrf_of(page), "request_id": "r-1",
                                                        "corrected": "榆次区东顺城街以北第3批次地块<b>"},
                       follow_redirects=False)
    assert sent.status_code == 303
    after = portal.get("/apply/case").text
    assert "补正内容已提交" in after and "正在审查" in after and "东顺城街以北第3批次地块&lt;b&gt;" in after
    from foi_workflow.services import views

    data = views.case_page(case_no, f.uow(office), f.principal(office, "c1")).data
    last = data["history"][-1]
    assert last["kind"] == "correction_received" and last["data"]["corrected"] == "榆次区东顺城街以北第3批次地块<b>"
    assert data["state"] == "received"
    again = portal.post("/apply/case/correction", data={"csrf": csrf_of(after), "request_id": "r-2",
                                                         "corrected": "再补一次"})
    assert again.status_code == 404 or "本案现在不需要补正" in again.text


def test_a_portal_form_without_its_csrf_token_is_refused(portal):
    refused = portal.post(f"/apply/{AGENCY}/form", data={**APPLICATION})
    assert refused.status_code == 403


# ----- the portal actor may do only what the portal needs -----------------------------------------

def test_the_portal_actor_may_make_only_the_applicants_moves(office):
    from foi_workflow.domain.errors import FoiError
    from foi_workflow.services import cases
    from foi_workflow.services import portal as service

    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    u = f.uow(office)
    with u:
        agency_id = u.directory.agency_by_code(AGENCY).id
        who = service.portal_principal(u, agency_id)
    for kind, data in (("accept", {}), ("reply", f.reply_data("disclosed")), ("withdraw", {})):
        with pytest.raises(FoiError) as refused:
            cases.step(cases.Step(case_no, kind, TODAY, data), f.uow(office), who, today=TODAY)
        assert "网上申请人" in refused.value.message or "网上申请人" in refused.value.rule
    with pytest.raises(FoiError):  # and never registers for another channel
        f.register(office, agency=AGENCY, actor=who, received=TODAY, today=TODAY, channel="in_person")
    with pytest.raises(FoiError):  # nor in another agency
        f.register(office, agency="tg", actor=who, received=TODAY, today=TODAY)
    from foi_workflow.domain.identity import ACCOUNT_ROLES, Role

    assert Role.APPLICANT not in ACCOUNT_ROLES  # no person's account may hold it


def test_a_fee_waiting_to_be_paid_shows_its_amount_and_the_agencys_payment_details(portal, office):
    case_no, _code = code_of(apply(portal).text)
    f.step(office, case_no, "accept", "c1", TODAY, today=TODAY)
    f.step(office, case_no, "fee_notice", "c1", TODAY, today=TODAY, method="per_volume", pages=400, medium="paper")
    page = portal.get("/apply/case").text
    assert "信息处理费" in page and f.PAYMENT["payee"] in page and f.PAYMENT["account"] in page
    assert re.search(r"应缴金额 <strong>[1-9]\d* 元</strong>", page), page[:3000]
    assert "收费通知书" in page and "缴费期限" in page


def test_the_same_application_sent_twice_at_the_same_moment_makes_one_case(office):
    import threading

    from foi_workflow.domain.applicants import Applicant, Item
    from foi_workflow.services import portal as service
    from foi_workflow.storage.models import CaseRow

    person = Applicant("natural_person", "李雷", "resident_id", ID_NUMBER, phone="13912345678")
    results, errors = [], []
    start = threading.Barrier(2)

    def send(n: int) -> None:
        sub = service.Submission(AGENCY, person, (Item("某地块征收补偿方案"),), "electronic", "online", True,
                                 f"race-{n}")
        start.wait()
        try:
            results.append(service.submit(sub, f.uow(office), service.Client("10.0.0.1")))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len({r.case_no for r in results}) == 1 and sorted(r.repeated for r in results) == [False, True]
    u = f.uow(office)
    with u:
        assert u.session.scalar(select(func.count()).select_from(CaseRow)) == 1
