"""`foi stats`: registers with their bad input, the seed's 2011 report reproduced, the checker on
files, locking from the command line, and the report formats (DOCX/PDF text holds the figures)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest


from . import factories
from .cli import bad, foi, ok
from .conftest import TEST_DATA

TODAY = "2026-06-30"
SEED = Path("/work/shared/seeds/000_e23534b8dbebded5.txt")
PRINTED = TEST_DATA / "seed-2011-printed.json"


@pytest.fixture
def yuci(clean_db, monkeypatch):
    monkeypatch.setenv("FOI_TODAY", TODAY)
    monkeypatch.delenv("FOI_TOKEN", raising=False)
    factories.agency(clean_db, "yuci", "榆次区人民政府", "government")
    factories.agency(clean_db, "yuci-bgs", "榆次区人民政府办公室", "department", parent="yuci")
    factories.staff(clean_db, "c1", "张三", "clerk", "yuci")
    factories.staff(clean_db, "h1", "王五", "head", "yuci")
    factories.staff(clean_db, "a1", "赵六", "admin", "yuci")
    factories.staff(clean_db, "c2", "李四", "clerk", "yuci-bgs")
    factories.staff(clean_db, "h2", "孙七", "head", "yuci-bgs")
    return clean_db


def annual(*args: str, who: str = "h1"):
    """`foi stats annual` as the district head (who may read the roll-up over its bodies)."""
    return ok("stats", "annual", *args, "--as", who)


def seed_2011(tmp_path: Path) -> None:
    """The seed report's 2011 figures entered through the registers (no requests that year)."""
    ok("stats", "disclosure", "add", "--agency", "yuci", "--year", "2011", "--as", "c1",
       "items.institutions=144", "items.policies=57", "items.work_updates=1775",
       "items.decisions=22", "items.other=452", "items.online=2198")
    lines = tmp_path / "consultations.jsonl"
    lines.write_text(
        json.dumps({"agency": "yuci", "on": "2011-06-30", "channel": "on_site", "count": 656}) + "\n"
        + json.dumps({"agency": "yuci", "on": "2011-12-30", "channel": "phone", "count": 2582}) + "\n",
        encoding="utf-8")
    ok("stats", "consultation", "import", str(lines), "--as", "c1")
    ok("stats", "narrative", "set", "overview", "--agency", "yuci", "--year", "2011", "--as", "c1",
       "--text", "2011年，榆次区人民政府坚持以科学发展观为指导，不断加大《条例》和各项规定的实施力度。")


def test_seed_2011_figures_are_reproduced_with_exact_shares(yuci, tmp_path):
    seed_2011(tmp_path)
    text = annual("--year", "2011", "--agency", "yuci", "--format", "legacy-2008", who="c1").output
    seed = SEED.read_text(encoding="utf-8")
    for figure in ("2450", "2198", "144", "57", "1775", "22", "452", "3238", "656", "2582"):
        assert figure in seed and figure in text
    assert "政策法规类信息57条，占总数的2.3%" in text        # the seed printed 3.2%
    assert "工作动态类信息1775条，占总数的72.4%" in text     # exact: 72.449…%
    assert "没有接到依申请公开事项的申请" in text and "没有接到依申请公开事项的申请" in seed
    # the same figures as the seed's printed ones, and the generated report passes the checker
    from foi_workflow.documents.annual_report import legacy_report
    from foi_workflow.domain.statistics.checks import check_many
    from foi_workflow.services import statistics

    report, failures = statistics.report_for(statistics.ReadReport(2011, "yuci", rollup=True),
                                             factories.uow(yuci), factories.principal(yuci, "h1"))
    assert failures == []
    generated = legacy_report(report).to_json()
    printed = json.loads(PRINTED.read_text(encoding="utf-8"))
    assert generated["items"]["total"] == printed["items"]["total"] == 2450
    assert {c: v["count"] for c, v in generated["items"]["categories"].items()} == \
        {c: v["count"] for c, v in printed["items"]["categories"].items()}
    assert generated["consultations"] == printed["consultations"]
    assert check_many([generated]) == []


def test_checker_on_the_seeds_printed_figures_flags_its_wrong_share_only():
    res = foi("stats", "check", str(PRINTED), "--json")
    assert res.exit_code == 2
    out = json.loads(res.output)
    assert [f["cell"] for f in out["failures"]] == ["items.categories.policies.share_percent"]
    f = out["failures"][0]
    assert f["numbers"]["条数"] == 57 and f["numbers"]["总条数"] == 2450
    assert f["numbers"]["所印占比"] == "3.2%" and f["numbers"]["应为"] == "2.3%"
    assert "占比" in f["rule"]


def test_checker_names_cell_rule_and_numbers_for_a_bad_json_report(yuci, tmp_path):
    report = json.loads(annual("--year", "2025", "--agency", "yuci", "--json").output)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    assert "核对通过" in ok("stats", "check", str(good)).output
    report["table3"]["new"]["research"] = 3           # total and balance now disagree
    report["table3"]["carried_in"]["commercial"] = -1  # not a count
    del report["table4"]["review"]["pending"]
    report["table2"]["fees"]["amount_10k_yuan"] = "many"
    bad_file = tmp_path / "bad.json"
    bad_file.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    res = bad("stats", "check", str(bad_file), "--json")
    failures = {f["cell"]: f for f in json.loads(res.output)["failures"]}
    assert failures["table3.new.total"]["numbers"] == {"总计": 0, "六类之和": 3}
    assert failures["table3.carried_in.commercial"]["rule"] == "每个单元格为不小于0的整数"
    assert failures["table4.review.pending"]["message"] == "缺少表四“行政复议”“尚未审结”"
    assert failures["table2.fees.amount_10k_yuan"]["numbers"] == {"值": "many"}
    text = bad("stats", "check", str(bad_file)).output
    assert "table3.new.total" in text and "总计 = 六类申请人之和" in text


def test_checker_flags_carried_in_that_differs_from_last_years_carried_out(yuci, tmp_path):
    y24 = json.loads(annual("--year", "2024", "--agency", "yuci", "--json").output)
    y25 = json.loads(annual("--year", "2025", "--agency", "yuci", "--json").output)
    for row in ("carried_out",):
        y24["table3"][row]["other_org"] += 2
        y24["table3"][row]["total"] += 2
    y24["table3"]["new"]["other_org"] += 2
    y24["table3"]["new"]["total"] += 2
    f = tmp_path / "two.json"
    f.write_text(json.dumps([y24, y25], ensure_ascii=False), encoding="utf-8")
    out = json.loads(bad("stats", "check", str(f), "--json").output)
    assert [x["cell"] for x in out["failures"]] == ["table3.carried_in.other_org", "table3.carried_in.total"]
    assert out["failures"][0]["numbers"] == {"本年上年结转": 0, "上年结转下年度": 2}


@pytest.mark.parametrize("args, field", [
    (("consultation", "add", "--agency", "yuci", "--on", "2025-03-02", "--channel", "pigeon", "--as", "c1"), "channel"),
    (("consultation", "add", "--agency", "yuci", "--on", "2025-02-30", "--channel", "phone", "--as", "c1"), "on"),
    (("consultation", "add", "--agency", "yuci", "--on", "2027-01-04", "--channel", "phone", "--as", "c1"), "on"),
    (("consultation", "add", "--agency", "nowhere", "--on", "2025-03-02", "--channel", "phone", "--as", "c1"), "agency"),
    (("fee", "add", "--agency", "yuci", "--on", "2025-03-02", "--kind", "search", "--amount", "1.234", "--as", "c1"), "amount_yuan"),
    (("fee", "add", "--agency", "yuci", "--on", "2025-03-02", "--kind", "bribe", "--amount", "5", "--as", "c1"), "kind"),
    (("fee", "add", "--agency", "yuci", "--on", "2025-03-02", "--kind", "search", "--amount", "5", "--as", "nobody"), "--as"),
    (("fee", "add", "--agency", "yuci", "--on", "2025-03-02", "--kind", "search", "--amount", "5"), "--as"),
    (("fee", "add", "--agency", "yuci", "--on", "2025-03-02", "--kind", "search", "--amount", "5", "--as", "c2"), "actor"),
    (("consultation", "add", "--agency", "yuci", "--on", "2025-03-02", "--channel", "phone", "--as", "c1\x1b"), "--as"),
    (("disclosure", "add", "--agency", "yuci", "--year", "2025", "--as", "c1", "regulations.issued=-1"), "regulations.issued"),
    (("disclosure", "add", "--agency", "yuci", "--year", "2025", "--as", "c1", "licensing.permits=3"), "key"),
    (("disclosure", "add", "--agency", "yuci", "--year", "2025", "--as", "c1", "fees.amount_10k_yuan=1.00001"), "fees.amount_10k_yuan"),
    (("disclosure", "add", "--agency", "yuci", "--year", "2007", "--as", "c1", "regulations.issued=1"), "year"),
    (("narrative", "set", "preface", "--agency", "yuci", "--year", "2025", "--as", "c1", "--text", "x"), "section"),
])
def test_register_bad_input_names_field_and_rule_and_writes_nothing(yuci, args, field):
    res = bad("stats", *args)
    assert f"错误：{field}：" in res.output and "依据：" in res.output
    report = json.loads(annual("--year", "2025", "--agency", "yuci", "--json").output)
    assert report["consultations"] == {} and report["fees_collected_yuan"] == {}
    assert report["table2"]["regulations"]["issued"] == 0


def test_register_import_is_all_or_nothing_and_names_each_bad_line(yuci, tmp_path):
    f = tmp_path / "fees.csv"
    f.write_text("agency,on,kind,amount_yuan,note\nyuci,2025-03-02,search,10.50,\n"
                 "yuci,2025-03-03,copying,abc,\nyuci,2025-13-01,copying,2,\n", encoding="utf-8")
    res = bad("stats", "fee", "import", str(f), "--as", "c1", "--json")
    errors = json.loads(res.output)["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [(3, "amount_yuan"), (4, "on")]
    assert json.loads(annual("--year", "2025", "--agency", "yuci", "--json").output)[
        "fees_collected_yuan"] == {}
    f.write_text("agency,on,kind,amount_yuan,note\nyuci,2025-03-02,search,10.50,\n"
                 "yuci-bgs,2025-03-03,copying,2,复印\n", encoding="utf-8")
    # the office's line is the office's to record: the district clerk's import is refused whole
    errors = json.loads(bad("stats", "fee", "import", str(f), "--as", "c1", "--json").output)["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [(3, "actor")]
    assert "本机关的承办人、负责人、管理员" in errors[0]["rule"]
    f.write_text("agency,on,kind,amount_yuan,note\nyuci,2025-03-02,search,10.50,\n", encoding="utf-8")
    ok("stats", "fee", "import", str(f), "--as", "c1")
    g = tmp_path / "office-fees.csv"
    g.write_text("agency,on,kind,amount_yuan,note\nyuci-bgs,2025-03-03,copying,2,复印\n", encoding="utf-8")
    ok("stats", "fee", "import", str(g), "--as", "c2")
    rollup = json.loads(annual("--year", "2025", "--agency", "yuci", "--rollup", "--json").output)
    assert rollup["fees_collected_yuan"] == {"copying": "2.00", "search": "10.50"}
    d = tmp_path / "disclosure.jsonl"
    d.write_text(json.dumps({"agency": "yuci", "year": 2025, "cells": {"regulations.issued": 3,
                                                                       "fees.amount_10k_yuan": "1.25"}}) + "\n")
    ok("stats", "disclosure", "import", str(d), "--as", "c1")
    own = json.loads(annual("--year", "2025", "--agency", "yuci", "--json", who="c1").output)
    assert own["table2"]["regulations"]["issued"] == 3 and own["table2"]["fees"]["amount_10k_yuan"] == 1.25


def test_locked_year_takes_no_register_entries_and_is_served_as_locked(yuci):
    ok("stats", "consultation", "add", "--agency", "yuci", "--on", "2025-03-02", "--channel", "phone",
       "--count", "4", "--as", "c1")
    out = ok("stats", "lock", "--year", "2025", "--agency", "yuci", "--as", "h1").output
    assert "已锁定2025年度" in out
    res = bad("stats", "consultation", "add", "--agency", "yuci", "--on", "2025-05-02", "--channel", "phone",
              "--as", "c1")
    assert "已锁定" in res.output
    report = json.loads(annual("--year", "2025", "--agency", "yuci", "--json").output)
    assert report["locked"] and report["consultations"] == {"phone": 4}
    assert "2025年度：h1 于" in ok("stats", "locks", "--agency", "yuci", "--as", "c1").output


def _cases_2025(url):
    """A few 2025 cases in both agencies, through the bulk intake (each agency's cases handled by
    its own staff and imported by its own admin)."""
    from foi_workflow.services import bulk

    staff = {"yuci": ("c1", "h1", "a1"), "yuci-bgs": ("c2", "h2", "a2")}
    factories.staff(url, "a2", "周八", "admin", "yuci-bgs")

    def line(n, agency, kind, received, events):
        return json.dumps({"agency": agency, "received": received, "channel": "online", "subject": f"信息{n}",
                           "handler": staff[agency][0], "applicant": factories.bulk_applicant(kind, f"单位{n}", n),
                           "events": events, **factories.BULK_APPLICATION}, ensure_ascii=False)

    reply = lambda agency, on, outcome: [{"move": "reply", "on": on, "actor": staff[agency][1],
                                          "data": factories.reply_data(outcome)}]
    lines = [line(1, "yuci", "commercial", "2025-03-02", reply("yuci", "2025-03-20", "unavailable.not_held")),
             line(2, "yuci-bgs", "research", "2025-05-06", reply("yuci-bgs", "2025-05-08", "already_public")),
             line(3, "yuci-bgs", "legal_services", "2025-12-29", []),
             line(4, "yuci", "other_org", "2025-07-01", reply("yuci", "2025-07-02", "not_processed.duplicate")
                  + [{"move": "record_remedy", "on": "2025-09-01", "actor": "c1",
                      "data": {"kind": "review", "result": "upheld"}}])]
    for agency, (_c, _h, admin) in staff.items():
        mine = [x for x in lines if json.loads(x)["agency"] == agency]
        report = bulk.import_register(bulk.ImportRegister(mine), factories.uow(url),
                                      factories.principal(url, admin))
        assert not report.errors, report.errors


def test_docx_and_pdf_hold_the_figures_and_the_multi_level_headers(yuci, tmp_path):
    _cases_2025(yuci)
    ok("stats", "narrative", "set", "problems", "--agency", "yuci", "--year", "2025", "--as", "c1",
       "--text", "部分单位公开内容更新不及时。")
    docx_file, pdf_file = tmp_path / "r.docx", tmp_path / "r.pdf"
    annual("--year", "2025", "--agency", "yuci", "--rollup", "--format", "docx", "--out", str(docx_file))
    annual("--year", "2025", "--agency", "yuci", "--rollup", "--format", "pdf", "--out", str(pdf_file))
    from docx import Document
    from pypdf import PdfReader

    doc = Document(str(docx_file))
    headings = [p.text for p in doc.paragraphs]
    for h in ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
              "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        assert h in headings
    assert "部分单位公开内容更新不及时。" in headings
    t3 = doc.tables[1]   # three label columns under the note (tests/test_annual_report_layout.py)
    assert t3.cell(0, 3).text == "申请人情况" and t3.cell(0, 9).text == "申请人情况"   # merged across
    assert t3.cell(1, 4).text == "法人或其他组织" and t3.cell(2, 4).text == "商业\n企业"
    assert t3.cell(1, 3).text == t3.cell(2, 3).text == "自然人"                        # merged down
    rows = {t3.cell(i, 0).text: [t3.cell(i, j).text for j in range(3, 10)] for i in range(3, len(t3.rows))}
    assert rows["一、本年新收政府信息公开申请数量"] == ["0", "1", "1", "0", "1", "1", "4"]
    assert rows["四、结转下年度继续办理"] == ["0", "0", "0", "0", "1", "0", "1"]
    t4 = doc.tables[2]
    assert [c.text for c in t4.rows[-1].cells][:5] == ["1", "0", "0", "0", "1"]
    pdf_text = "".join(page.extract_text() for page in PdfReader(str(pdf_file)).pages)
    compact = re.sub(r"\s+", "", pdf_text)
    assert "三、收到和处理政府信息公开申请情况" in compact and "申请人情况" in compact
    assert "一、本年新收政府信息公开申请数量0110114" in compact
    assert "榆次区人民政府2025年政府信息公开工作年度报告" in compact


def test_csv_has_every_cell_in_the_codes(yuci):
    _cases_2025(yuci)
    out = annual("--year", "2025", "--agency", "yuci", "--rollup", "--format", "csv").output
    import csv

    rows = list(csv.DictReader(io.StringIO(out)))
    t3 = {(r["row"], r["column"]): int(r["value"]) for r in rows if r["table"] == "table3"}
    assert len(t3) == 25 * 7
    assert t3[("new", "total")] == 4 and t3[("carried_out", "legal_services")] == 1
    assert t3[("unavailable.not_held", "commercial")] == 1


def test_annual_refuses_unknown_format_and_legacy_for_2019_rules_years(yuci, tmp_path):
    assert "--format" in bad("stats", "annual", "--year", "2025", "--agency", "yuci", "--format", "xls").output
    assert "2008年格式" in bad("stats", "annual", "--year", "2025", "--agency", "yuci",
                              "--format", "legacy-2008").output
    assert "--out" in bad("stats", "annual", "--year", "2025", "--agency", "yuci", "--format", "pdf").output


def test_pdf_table_split_over_pages_repeats_its_header_and_keeps_every_row_on_its_page(yuci, tmp_path):
    """Table 3 does not fit on one page: each page it continues on starts with its header rows,
    and sections 四 to 六 come after its last row (nothing drawn over the text)."""
    _cases_2025(yuci)
    pdf_file = tmp_path / "r.pdf"
    annual("--year", "2025", "--agency", "yuci", "--rollup", "--format", "pdf", "--out", str(pdf_file))
    from pypdf import PdfReader

    pages = [re.sub(r"\s+", "", p.extract_text()) for p in PdfReader(str(pdf_file)).pages]
    assert len(pages) >= 2
    with_rows = [k for k, p in enumerate(pages) if "不予公开" in p or "无法提供" in p or "不予处理" in p]
    assert with_rows, pages
    for k in with_rows:
        assert "申请人情况" in pages[k] and "法人或其他组织" in pages[k], k
    last = pages[with_rows[-1]]
    assert last.index("四、结转下年度继续办理") < last.index("四、政府信息公开行政复议、行政诉讼情况")
    assert "".join(pages).count("一、本年新收政府信息公开申请数量") == 1


# ----- who may: the same policy from the command line, exit status 2 and nothing written ---------

def test_clerk_cannot_lock_the_year_from_the_command_line_only_the_head(yuci):
    res = bad("stats", "lock", "--year", "2025", "--agency", "yuci", "--as", "c1")
    assert "错误：actor：" in res.output and "本机关的负责人、管理员" in res.output
    assert "没有已锁定的年度" in ok("stats", "locks", "--agency", "yuci", "--as", "h1").output
    res = bad("stats", "lock", "--year", "2025", "--agency", "yuci", "--as", "h2")   # the office's head
    assert "yuci（上级机关）" in res.output
    out = json.loads(ok("stats", "lock", "--year", "2025", "--agency", "yuci", "--as", "a1", "--json").output)
    assert out == {"year": 2025, "locked": ["yuci", "yuci-bgs"]}
    [lock] = json.loads(ok("stats", "locks", "--agency", "yuci-bgs", "--as", "c2", "--json").output)
    assert lock["locked_by"] == "a1" and lock["operator"].startswith("os:")


def test_reports_need_a_reader_and_the_office_clerk_cannot_read_the_district_roll_up(yuci):
    assert "缺少办理人" in bad("stats", "annual", "--year", "2025", "--agency", "yuci").output
    res = bad("stats", "annual", "--year", "2025", "--agency", "yuci", "--rollup", "--as", "c2")
    assert "错误：actor：" in res.output and "“查看年度报告”限于" in res.output
    own = json.loads(annual("--year", "2025", "--json", who="c2").output)   # its own agency by default
    assert own["agency_code"] == "yuci-bgs" and not own["rollup"]
    assert "下级机关" in bad("stats", "annual", "--year", "2025", "--agency", "yuci", "--rollup",
                           "--as", "c1").output   # the district clerk: the roll-up shows its bodies
    from foi_workflow.storage import db
    from foi_workflow.storage.identity_tables import AccessLogRow
    from sqlalchemy import select

    with db.session_scope(yuci) as s:
        reads = [(r.staff, r.target, r.outcome) for r in s.scalars(
            select(AccessLogRow).where(AccessLogRow.action == "report.read").order_by(AccessLogRow.id))]
    assert reads == [("c2", "2025 rollup", "refused"), ("c2", "2025", "ok"), ("c1", "2025 rollup", "refused")]
