"""年度报告 in the workbench: the report of a year with its checks, the lock (head or admin of the
agency only: a clerk's lock refused with the rule), downloads in each format with the right
content type, the registers and the narrative sections edited in the browser."""

from __future__ import annotations

import io
import json
import zipfile

from foi_workflow.services import statistics
from foi_workflow.storage.uow import SqlUnitOfWork

from .. import factories as f
from .conftest import AGENCY, csrf_of, sign_in, web_settings

YEAR = 2025


def locked(office) -> list[int]:
    return [x.year for x in statistics.locked_years(AGENCY, SqlUnitOfWork(web_settings(office)),
                                                    f.principal(office, "h1"))]


def post(client, path: str, data: dict):
    token = csrf_of(client.get(f"/reports?year={YEAR}").text)
    return client.post(path, data={"csrf": token, "agency": AGENCY, "year": str(YEAR), **data},
                       follow_redirects=False)


def test_the_report_page_shows_the_sections_the_checks_and_the_downloads(client):
    sign_in(client, "c1")
    assert 'href="/reports"' in client.get("/").text
    r = client.get(f"/reports?year={YEAR}")
    assert r.status_code == 200
    assert "榆次区自然资源局2025年政府信息公开工作年度报告" in r.text
    assert "三、收到和处理政府信息公开申请情况" in r.text and "全部核对通过" in r.text
    assert "三、本年度办理结果" in r.text and '<td class="num"' in r.text     # numbers right-aligned
    for fmt in ("docx", "pdf", "xlsx", "json", "csv"):
        assert f"/reports/{YEAR}/download/{fmt}?agency={AGENCY}" in r.text
    bad = client.get("/reports?year=20x5")
    assert bad.status_code == 422 and "年度须在2008年至今年之间" in bad.text


def test_a_report_downloads_in_each_format_with_its_content_type(client):
    sign_in(client, "h1")
    base = f"/reports/{YEAR}/download"
    docx = client.get(f"{base}/docx?agency={AGENCY}")
    assert docx.headers["content-type"] == \
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(docx.content)).namelist()
    pdf = client.get(f"{base}/pdf?agency={AGENCY}")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    data = client.get(f"{base}/json?agency={AGENCY}")
    assert data.headers["content-type"] == "application/json"
    assert data.json()["year"] == YEAR and data.json()["agency_code"] == AGENCY
    csv = client.get(f"{base}/csv?agency={AGENCY}")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("agency_code,agency,year")
    assert "attachment" in csv.headers["content-disposition"]
    xlsx = client.get(f"{base}/xlsx?agency={AGENCY}")
    assert xlsx.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["二、主动公开", "三、收到和处理申请", "四、复议诉讼"]
    new_total = book["三、收到和处理申请"]["J6"].value       # 一、本年新收 … 总计
    assert new_total == data.json()["table3"]["new"]["total"]
    assert client.get(f"{base}/xls?agency={AGENCY}").status_code == 404
    assert client.get(f"/reports/20x5/download/csv?agency={AGENCY}").status_code == 422
    # the roll-up of the government: its head reads the bodies under it
    rollup = client.get(f"{base}/json?agency=yc&rollup=1")
    assert rollup.status_code == 403  # h1 heads a body, not the government
    sign_in(client, "s1")
    assert json.loads(client.get(f"{base}/json?agency=yc&rollup=1").text)["rollup"] is True


def test_a_clerk_cannot_lock_a_year_and_is_shown_the_rule(client, office):
    sign_in(client, "c1")
    r = post(client, "/reports/lock", {})
    assert r.status_code == 403 and "锁定或解锁年度数据" in r.text and "负责人" in r.text
    assert 'id="err-lock-form"' in r.text
    assert locked(office) == []


def test_a_head_locks_a_finished_year_and_then_the_registers_refuse_changes(client, office):
    sign_in(client, "h1")
    r = post(client, "/reports/lock", {})
    assert r.status_code == 303
    assert locked(office) == [YEAR]
    assert "已锁定2025年度" in client.get(r.headers["location"]).text
    unfinished = post(client, "/reports/lock", {"year": "2026"})
    assert unfinished.status_code == 422 and "只能锁定已结束的年度" in unfinished.text
    late = post(client, "/reports/narrative", {"section": "overview", "text": "补充"})
    assert late.status_code == 422 and "已锁定" in late.text


def test_the_narrative_and_the_registers_are_edited_in_the_browser(client):
    sign_in(client, "c1")
    assert post(client, "/reports/narrative", {"section": "overview", "text": "本年度依法办理申请。"}).status_code == 303
    assert post(client, "/reports/disclosure", {"regulations.issued": "3"}).status_code == 303
    assert post(client, "/reports/consultations", {"on": f"{YEAR}-03-02", "channel": "phone", "count": "4"}).status_code == 303
    assert post(client, "/reports/fees", {"on": f"{YEAR}-05-06", "kind": "copying", "amount_yuan": "12.50"}).status_code == 303
    data = client.get(f"/reports/{YEAR}/download/json?agency={AGENCY}").json()
    assert data["narrative"]["overview"] == "本年度依法办理申请。"
    assert data["table2"]["regulations"]["issued"] == 3
    assert data["consultations"] == {"phone": 4} and data["fees_collected_yuan"] == {"copying": "12.50"}
    page = client.get(f"/reports?year={YEAR}").text
    assert "本年度依法办理申请。" in page and "电话咨询4人次" in page


def test_a_register_entry_refused_shows_the_rule_beside_the_field_and_records_nothing(client):
    sign_in(client, "c1")
    bad = post(client, "/reports/fees", {"on": f"{YEAR}-05-06", "kind": "copying", "amount_yuan": "abc"})
    assert bad.status_code == 422 and 'id="err-fee-amount_yuan"' in bad.text and 'value="abc"' in bad.text
    zero = post(client, "/reports/consultations", {"on": f"{YEAR}-03-02", "channel": "phone", "count": "0"})
    assert zero.status_code == 422 and "人次须大于0" in zero.text
    data = client.get(f"/reports/{YEAR}/download/json?agency={AGENCY}").json()
    assert data["fees_collected_yuan"] == {} and data["consultations"] == {}
    sign_in(client, "s1")  # a supervisor of the government reads, but does not record in a body's name
    refused = post(client, "/reports/fees", {"on": f"{YEAR}-05-06", "kind": "copying", "amount_yuan": "5"})
    assert refused.status_code == 403 and "填报统计登记簿和报告正文" in refused.text


def test_every_broken_cell_is_named_with_its_rule_and_numbers(client, monkeypatch):
    from foi_workflow.domain.statistics.checks import CheckFailure

    real = statistics.report_for

    def with_failures(cmd, uow, principal):
        report, _ = real(cmd, uow, principal)
        return report, [CheckFailure("table3.new.total", "总计等于各类申请人之和", {"总计": 3, "各栏之和": 2},
                                     "总计不等于各栏之和", "榆次区自然资源局 2025年"),
                        CheckFailure("table3.carried_out.total", "结转下年度继续办理须为不小于0的整数", {"值": -1},
                                     "结转数为负")]

    monkeypatch.setattr(statistics, "report_for", with_failures)
    sign_in(client, "c1")
    page = client.get(f"/reports?year={YEAR}").text
    assert "有 2 处未通过核对" in page
    for cell, rule in (("table3.new.total", "总计等于各类申请人之和"),
                       ("table3.carried_out.total", "结转下年度继续办理须为不小于0的整数")):
        assert cell in page and rule in page
    assert "总计=3" in page and "全部核对通过" not in page
