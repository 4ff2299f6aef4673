"""The annual report as an office prints and files it (国办公开办函〔2021〕30号, GB/T 9704): table 3's
label columns merged with "三、本年度办理结果" and the top-left note, the two-row headers repeated
on every page, numbers right-aligned and equal to the JSON/CSV figures in PDF, DOCX and XLSX,
page numbers "— 1 —", the text at 三号 and the tables at 五号, the official faces named in the
DOCX, the same bytes for the same figures; and the DOCX as LibreOffice lays it out."""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest

from foi_workflow.documents import annual_report as A
from foi_workflow.documents import layout as L
from foi_workflow.domain.statistics.checks import check_many
from foi_workflow.domain.statistics.layout import (APPLICANT_COLUMNS, COLUMNS, OUTCOME_ROWS, REMEDY_CELLS,
                                                   REMEDY_GROUPS, RESULTS_GROUP_LABEL, ROWS, TABLE2)
from foi_workflow.domain.statistics.report import (AnnualReport, empty_table2, empty_table3, empty_table4,
                                                   roll_up, table4_with_totals, with_totals)

from . import tools

# ----- the reports: one body, and a government with its bodies ---------------------------------


def body_report(seed: int, code: str, name: str, scale: int = 120) -> AnnualReport:
    """A body's year with figures in every kind of cell (passing every check)."""
    rnd = random.Random(seed)
    t3 = empty_table3()
    for row in (*OUTCOME_ROWS, "carried_out"):
        for c in APPLICANT_COLUMNS:
            t3[row][c] = rnd.randint(0, scale) if rnd.random() < 0.6 else 0
    for c in APPLICANT_COLUMNS:
        t3["carried_in"][c] = rnd.randint(0, scale // 4)
    t3 = with_totals(t3)
    for c in APPLICANT_COLUMNS:
        t3["new"][c] = t3["results_total"][c] + t3["carried_out"][c] - t3["carried_in"][c]
        if t3["new"][c] < 0:
            t3["carried_out"][c] -= t3["new"][c]
            t3["new"][c] = 0
    t3 = with_totals(t3)
    t4 = empty_table4()
    for g in REMEDY_GROUPS:
        t4[g].update({c: rnd.randint(0, 9) for c in REMEDY_CELLS if c != "total"})
    t2 = empty_table2()
    t2["regulations"].update(issued=rnd.randint(0, 9), repealed=rnd.randint(0, 5), in_force=rnd.randint(10, 99))
    t2["normative_documents"].update(issued=rnd.randint(0, 30), repealed=3, in_force=rnd.randint(100, 400))
    t2["licensing"]["decisions"] = rnd.randint(1000, 99999)
    t2["penalties"]["decisions"], t2["enforcement"]["decisions"] = rnd.randint(0, 999), rnd.randint(0, 99)
    t2["fees"]["amount_10k_yuan"] = Decimal(rnd.randint(0, 99999)) / 100
    return AnnualReport(
        year=2025, agency=name, agency_code=code, table2=t2, table3=t3, table4=table4_with_totals(t4),
        fees_fen={"processing": 12000}, fee_notices=3, fee_notices_fen=15000,
        consultations={"on_site": 656, "phone": 2582},
        narrative={"overview": f"2025年，{name}认真贯彻落实《中华人民共和国政府信息公开条例》，" * 5,
                   "problems": "部分单位公开内容更新不及时。"})


BODY = body_report(1, "yuci-zrzy", "榆次区自然资源局")
GOVERNMENT = roll_up([BODY, body_report(2, "yuci-bgs", "榆次区人民政府办公室", scale=4000),
                      body_report(3, "yuci", "榆次区人民政府")],
                     year=2025, agency="榆次区人民政府", agency_code="yuci",
                     narrative={"overview": "2025年，榆次区人民政府及所属部门、乡镇（街道）依法做好政府信息公开工作。"})
REPORTS = pytest.mark.parametrize("report", [BODY, GOVERNMENT], ids=["one body", "a government with its bodies"])


def test_the_sample_reports_pass_every_check():
    assert check_many([BODY.to_json(), GOVERNMENT.to_json()]) == []
    assert GOVERNMENT.rollup and len(GOVERNMENT.members) == 3


_RENDERED: dict[tuple[int, str], bytes] = {}


def rendered(report: AnnualReport, fmt: str) -> bytes:
    """The report's file, rendered once per test session."""
    key = (id(report), fmt)
    if key not in _RENDERED:
        _RENDERED[key] = {"pdf": A.render_pdf, "docx": A.render_docx, "xlsx": A.render_xlsx}[fmt](report)
    return _RENDERED[key]


# ----- reading the files back -------------------------------------------------------------------

MM = 25.4 / 72


def pdf_items(data: bytes) -> list[tuple[int, float, float, str, float]]:
    """Every piece of text drawn: (page, x mm from the left, baseline mm from the top, text, size pt)."""
    from pypdf import PdfReader

    out: list[tuple[int, float, float, str, float]] = []
    for n, page in enumerate(PdfReader(io.BytesIO(data)).pages):
        def visit(text, cm, tm, _font, size, n=n):
            text = text.replace("\x00", "").strip()
            if not text:
                return
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            out.append((n, x * MM, L.PAGE_H - y * MM, text, size * (tm[0] or 1) * (cm[0] or 1)))
        page.extract_text(visitor_text=visit)
    return out


NUMBER = re.compile(r"^\d+(\.\d+)?$")


def number_rows(items) -> list[list[str]]:
    """The numbers drawn in the tables (五号), row by row (same page, same baseline within 1 mm),
    left to right."""
    nums = sorted((p, y, x, t) for p, x, y, t, s in items if NUMBER.match(t) and abs(s - A.TABLE_PT) < 0.1)
    rows: list[list[tuple[float, str]]] = []
    last = None
    for p, y, x, t in nums:
        if last is None or p != last[0] or abs(y - last[1]) > 1.0:
            rows.append([])
        rows[-1].append((x, t))
        last = (p, y)
    return [[t for _x, t in sorted(row)] for row in rows]


def expected_rows(r: AnnualReport) -> list[list[str]]:
    """The JSON figures in the order the tables print them."""
    j = r.to_json()
    amount = A._amount
    t2 = [[amount(Decimal(str(v)) if isinstance(v, float) else v) for v in j["table2"][block].values()]
          for block in TABLE2]
    t3 = [[str(j["table3"][row][c]) for c in COLUMNS] for row in ROWS]
    t4 = [[str(j["table4"][g][c]) for g in REMEDY_GROUPS for c in REMEDY_CELLS]]
    return t2 + t3 + t4


def csv_rows(r: AnnualReport) -> list[list[str]]:
    cells = {(x["table"], x["row"], x["column"]): x["value"]
             for x in csv.DictReader(io.StringIO(A.render_csv([r])))}
    t2 = [[cells[("table2", block, c)] for c in TABLE2[block][2]] for block in TABLE2]
    t3 = [[cells[("table3", row, c)] for c in COLUMNS] for row in ROWS]
    t4 = [[cells[("table4", g, c)] for g in REMEDY_GROUPS for c in REMEDY_CELLS]]
    return t2 + t3 + t4


def docx_tables(data: bytes):
    from docx import Document

    return Document(io.BytesIO(data)).tables


def table3_pages(items) -> dict[int, set[str]]:
    """The pages table 3's body rows are drawn on → every text on that page."""
    grid = A.table3_grid(BODY)
    starts = {c.text.split("\n")[0][:5] for row in grid.rows[grid.head_rows:] for c in row if c.value is None}
    texts: dict[int, set[str]] = {}
    for p, _x, _y, t, _s in items:
        texts.setdefault(p, set()).add(t)
    return {p: ts for p, ts in texts.items() if any(t[:5] in starts for t in ts)}


HEADER_TEXTS = ("申请人情况", "自然人", "法人或其他组织", "总计", "商业", "企业", "（本列数据的勾稽关系为：")

# ----- table 3 as published ---------------------------------------------------------------------

RESULTS_AT = 3 + ROWS.index("disclosed")                 # DOCX row of （一）予以公开
WITHHELD_AT = 3 + ROWS.index("withheld.state_secret")


@REPORTS
def test_docx_table3_merges_three_label_columns_under_the_note(report):
    t = docx_tables(rendered(report, "docx"))[1]
    assert len(t.rows) == 3 + len(ROWS) and len(t.columns) == 3 + len(COLUMNS)
    note = t.cell(0, 0)
    assert note.text.replace("\n", "") == A.TABLE3_NOTE
    assert note._tc is t.cell(2, 2)._tc                                  # 3 columns × 3 header rows
    assert t.cell(0, 3).text == "申请人情况" and t.cell(0, 3)._tc is t.cell(0, 9)._tc
    assert t.cell(1, 3).text == "自然人" and t.cell(1, 3)._tc is t.cell(2, 3)._tc
    assert t.cell(1, 4).text == "法人或其他组织" and t.cell(1, 4)._tc is t.cell(1, 8)._tc
    assert [t.cell(2, j).text.replace("\n", "") for j in range(4, 9)] == \
        ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    first = t.cell(3, 0)
    assert first.text.replace("\n", "") == "一、本年新收政府信息公开申请数量" and first._tc is t.cell(3, 2)._tc
    results = t.cell(RESULTS_AT, 0)
    assert results.text.replace("\n", "") == RESULTS_GROUP_LABEL
    assert results._tc is t.cell(3 + ROWS.index("results_total"), 0)._tc   # every result row
    assert t.cell(RESULTS_AT - 1, 0)._tc is not results._tc
    assert t.cell(RESULTS_AT, 1).text == "（一）予以公开" and t.cell(RESULTS_AT, 1)._tc is t.cell(RESULTS_AT, 2)._tc
    withheld = t.cell(WITHHELD_AT, 1)
    assert withheld.text == "（三）\n不予公开" and withheld._tc is t.cell(WITHHELD_AT + 7, 1)._tc
    assert t.cell(WITHHELD_AT, 2).text == "1.属于国家秘密"
    assert t.cell(WITHHELD_AT + 1, 2).text == "2.其他法律行政法规禁止公开"
    assert t.cell(3 + ROWS.index("results_total"), 1).text == "（七）总计"
    last = t.cell(len(t.rows) - 1, 0)
    assert last.text == "四、结转下年度继续办理" and last._tc is t.cell(len(t.rows) - 1, 2)._tc


@REPORTS
def test_xlsx_table3_has_the_same_merged_cells_and_note(report):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(rendered(report, "xlsx")))
    assert book.sheetnames == ["二、主动公开", "三、收到和处理申请", "四、复议诉讼"]
    ws = book["三、收到和处理申请"]
    merged = {str(m) for m in ws.merged_cells.ranges}
    results_end = 5 + len(ROWS) - 1                       # row of （七）总计
    assert {"A3:C5", "D3:J3", "D4:D5", "E4:I4", "J4:J5", "A6:C6", "A7:C7", f"A8:A{results_end}",
            "B8:C8", "B10:B17", f"A{results_end + 1}:C{results_end + 1}"} <= merged
    assert ws["A3"].value.replace("\n", "") == A.TABLE3_NOTE
    assert ws["A8"].value == RESULTS_GROUP_LABEL and ws["A8"].alignment.textRotation == 255
    assert ws["B10"].value == "（三）\n不予公开" and ws["C10"].value == "1.属于国家秘密"
    assert ws.print_title_rows == "$3:$5"                 # the header rows print on every page
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.fitToWidth == 1   # A4, one page wide
    assert ws.oddFooter.center.text == "— &P —"
    t4 = book["四、复议诉讼"]
    assert {"A3:E3", "F3:O3", "F4:J4", "K4:O4", "A4:A5"} <= {str(m) for m in t4.merged_cells.ranges}


@REPORTS
def test_pdf_table3_prints_the_note_and_the_results_label(report):
    items = pdf_items(rendered(report, "pdf"))
    texts = [t for _p, _x, _y, t, _s in items]
    assert "（本列数据的勾稽关系为：" in texts and "等于第三项加第四项之和）" in texts
    assert "三、" in texts and "果" in texts                # read down its narrow column
    assert "（三）" in texts and "不予公开" in texts and "1.属于国家秘密" in texts


# ----- headers repeat; no header breaks inside a word ------------------------------------------

@REPORTS
def test_header_rows_are_marked_to_repeat_in_the_docx(report):
    from docx.oxml.ns import qn

    t2, t3, t4 = docx_tables(rendered(report, "docx"))
    for t, n in ((t3, 3), (t4, 3)):
        marked = [row._tr.trPr is not None and row._tr.trPr.find(qn("w:tblHeader")) is not None for row in t.rows]
        assert marked == [True] * n + [False] * (len(t.rows) - n)
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in t3.rows)


@REPORTS
def test_pdf_draws_table3_headers_on_every_page_it_continues_on(report):
    pages = table3_pages(pdf_items(rendered(report, "pdf")))
    assert len(pages) >= 2, "table 3 should continue over a page for this check to mean anything"
    for p, texts in pages.items():
        missing = [h for h in HEADER_TEXTS if h not in texts]
        assert not missing, f"page {p + 1} lacks {missing}"


def test_no_header_line_is_wider_than_its_column():
    """Explicit breaks at word boundaries, column widths that hold every line: a header never
    wraps inside a word (商业/企业, never 商业企/业)."""
    for _key, g in A.grids(GOVERNMENT):
        scale = L.TEXT_W / sum(g.widths)
        for _i, j, c in A.grid_positions(g):
            room = sum(g.widths[j:j + c.colspan]) * scale - 2 * A.CELL_PAD_MM
            if not c.header and c.value is None:
                continue
            for line in c.text.split("\n"):
                width = sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in line) * A.TABLE_PT * L.PT
                assert width <= room + 1e-6, (g.title, line, round(width, 2), round(room, 2))
    texts = {t for _p, _x, _y, t, _s in pdf_items(rendered(GOVERNMENT, "pdf"))}
    assert {"商业", "企业", "社会", "公益", "组织", "法律", "服务", "机构", "结果", "维持"} <= texts
    assert not {"商业企", "业", "社会公", "法律服", "结果维"} & texts


# ----- numbers ----------------------------------------------------------------------------------

@REPORTS
def test_every_printed_number_is_the_json_and_csv_figure(report):
    from openpyxl import load_workbook

    want = expected_rows(report)
    assert csv_rows(report) == want
    assert number_rows(pdf_items(rendered(report, "pdf"))) == want
    t2, t3, t4 = docx_tables(rendered(report, "docx"))
    docx_t2 = [[c.text for c in _distinct(row.cells)[1:]] for row in t2.rows
               if _distinct(row.cells)[0].text in {label for _p, label, _c in TABLE2.values()}]
    docx_t3 = [[t3.cell(i, j).text for j in range(3, 10)] for i in range(3, len(t3.rows))]
    docx_t4 = [[c.text for c in t4.rows[-1].cells]]
    assert docx_t2 + docx_t3 + docx_t4 == want
    book = load_workbook(io.BytesIO(rendered(report, "xlsx")))
    ws3 = book["三、收到和处理申请"]
    xlsx_t3 = [[ws3.cell(row, col).value for col in range(4, 11)] for row in range(6, 6 + len(ROWS))]
    assert xlsx_t3 == [[report.table3[r][c] for c in COLUMNS] for r in ROWS]
    assert all(isinstance(v, int) for row in xlsx_t3 for v in row)
    ws4 = book["四、复议诉讼"]
    assert [ws4.cell(6, col).value for col in range(1, 16)] == \
        [report.table4[g][c] for g in REMEDY_GROUPS for c in REMEDY_CELLS]
    ws2 = book["二、主动公开"]
    numbers = [[ws2.cell(row, col).value for col in range(2, 5) if ws2.cell(row, col).value is not None]
               for row in range(3, ws2.max_row + 1) if ws2.cell(row, 1).value in
               {label for _p, label, _c in TABLE2.values()}]
    assert numbers == [[float(v) if isinstance(v, Decimal) else v for v in report.table2[b].values()]
                       for b in TABLE2]


def _distinct(cells):
    out = []
    for c in cells:
        if not out or out[-1]._tc is not c._tc:
            out.append(c)
    return out


@REPORTS
def test_numbers_are_right_aligned_in_docx_and_xlsx(report):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from openpyxl import load_workbook

    t2, t3, t4 = docx_tables(rendered(report, "docx"))
    number_cells = [t3.cell(i, j) for i in range(3, len(t3.rows)) for j in range(3, 10)]
    number_cells += list(t4.rows[-1].cells)
    number_cells += [c for row in t2.rows for c in _distinct(row.cells)[1:] if NUMBER.match(c.text)]
    assert len(number_cells) == len(ROWS) * 7 + 15 + 10
    for c in number_cells:
        assert c.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT, c.text
        assert 'w:jc w:val="right"' in c._tc.xml
    assert t3.cell(3, 0).paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT      # labels left
    book = load_workbook(io.BytesIO(rendered(report, "xlsx")))
    for ws in book:
        for row in ws.iter_rows(min_row=3):
            for cell in row:
                if isinstance(cell.value, (int, float)):
                    assert cell.alignment.horizontal == "right", (ws.title, cell.coordinate)
                elif isinstance(cell.value, str) and cell.row > 2:
                    assert cell.alignment.horizontal in ("left", "center"), (ws.title, cell.coordinate)


# ----- page numbers, sizes, faces, bytes --------------------------------------------------------

@REPORTS
def test_every_pdf_page_is_numbered_with_dashes_odd_right_even_left(report):
    items = pdf_items(rendered(report, "pdf"))
    pages = max(p for p, *_ in items) + 1
    assert pages >= 3
    for n in range(pages):
        [(x, y)] = [(x, y) for p, x, y, t, _s in items if p == n and t == f"— {n + 1} —"]
        assert y > L.PAGE_H - L.MARGIN_BOTTOM                         # under the 版心
        if n % 2 == 0:
            assert x > L.PAGE_W / 2                                    # odd pages: right
        else:
            assert x < L.PAGE_W / 2                                    # even pages: left


def test_docx_footers_carry_the_page_field_between_dashes():
    from docx import Document

    doc = Document(io.BytesIO(rendered(BODY, "docx")))
    assert doc.settings.odd_and_even_pages_header_footer
    for footer in (doc.sections[0].footer, doc.sections[0].even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in xml and 'w:fldCharType="begin"' in xml
        assert footer.paragraphs[0].text.replace(" ", "") == "——"


@REPORTS
def test_text_is_sanhao_and_tables_wuhao_in_pdf_and_docx(report):
    from docx import Document
    from docx.shared import Pt

    items = pdf_items(rendered(report, "pdf"))
    sizes = {t: s for _p, _x, _y, t, s in items}
    assert sizes["一、总体情况"] == L.BODY_PT == 16
    assert sizes["三、收到和处理政府信息公开申请情况"] == 16
    assert any(s == 16 and t.startswith("2025年") for _p, _x, _y, t, s in items)    # the narrative
    assert sizes["申请人情况"] == sizes["1.属于国家秘密"] == A.TABLE_PT == 10.5
    assert min(s for _p, _x, _y, _t, s in items) >= 10.5                              # nothing smaller
    doc = Document(io.BytesIO(rendered(report, "docx")))
    body_runs = [run for p in doc.paragraphs for run in p.runs if run.text.strip()]
    assert body_runs[0].font.size == Pt(L.TITLE_PT)
    assert {run.font.size for run in body_runs[1:]} == {Pt(16)}
    table_runs = {run.font.size for t in doc.tables for row in t.rows for c in row.cells
                  for p in c.paragraphs for run in p.runs if run.text.strip()}
    assert table_runs == {Pt(10.5)}


def test_docx_names_the_official_faces_with_fallbacks_in_zh_cn():
    parts = zipfile.ZipFile(io.BytesIO(rendered(BODY, "docx")))
    everything = "".join(parts.read(n).decode("utf-8", "replace") for n in parts.namelist()
                         if n.endswith(".xml") or n.endswith(".rels"))
    assert "Noto" not in everything and "ja-JP" not in everything and "Macintosh" not in everything
    fonts = parts.read("word/fontTable.xml").decode()
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in fonts
    assert 'w:name="方正小标宋简体"' in fonts and 'w:name="黑体"' in fonts
    document = parts.read("word/document.xml").decode()
    assert 'w:eastAsia="仿宋_GB2312"' in document and 'w:eastAsia="方正小标宋简体"' in document
    styles = parts.read("word/styles.xml").decode()
    assert 'w:lang w:val="zh-CN" w:eastAsia="zh-CN"' in styles
    assert "<Application>foi_workflow</Application>" in parts.read("docProps/app.xml").decode()


@pytest.mark.parametrize("fmt", ["pdf", "docx", "xlsx"])
def test_the_same_figures_give_the_same_bytes(fmt):
    first = rendered(BODY, fmt)
    again = {"pdf": A.render_pdf, "docx": A.render_docx, "xlsx": A.render_xlsx}[fmt](BODY)
    assert first == again
    if fmt != "pdf":
        stamps = {i.date_time for i in zipfile.ZipFile(io.BytesIO(first)).infolist()}
        assert stamps == {(2026, 1, 1, 0, 0, 0)}


@REPORTS
def test_every_pdf_line_stays_inside_the_page_margins(report):
    _inside_margins(pdf_items(rendered(report, "pdf")))


def _inside_margins(items, tol: float = 1.5) -> None:
    for p, x, y, t, s in items:
        if y > L.PAGE_H - L.MARGIN_BOTTOM and re.fullmatch(r"[—\d ]+", t):
            continue                                               # the page number
        width = sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in t) * s * L.PT
        assert x >= L.MARGIN_LEFT - tol, (p + 1, t, x)
        assert x + width <= L.PAGE_W - L.MARGIN_RIGHT + tol, (p + 1, t, round(x + width, 1))
        assert L.MARGIN_TOP - tol <= y <= L.PAGE_H - L.MARGIN_BOTTOM + tol, (p + 1, t, y)


# ----- the DOCX as LibreOffice lays it out ------------------------------------------------------

def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    tools.require(found, tools.DOCUMENTS, "LibreOffice (soffice) is not installed: the DOCX-to-PDF layout check did not run")
    return found


@REPORTS
def test_libreoffice_repeats_the_headers_and_keeps_every_number_and_line_in_place(report, tmp_path):
    soffice = _soffice()
    src = tmp_path / "report.docx"
    src.write_bytes(rendered(report, "docx"))
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=240)
    items = pdf_items((tmp_path / "report.pdf").read_bytes())
    pages = table3_pages(items)
    assert len(pages) >= 2
    for p, texts in pages.items():
        missing = [h for h in HEADER_TEXTS if h not in texts]
        assert not missing, f"LibreOffice page {p + 1} lacks {missing}"
    assert number_rows(items) == expected_rows(report)
    _inside_margins(items)
    footers: dict[int, list[tuple[float, str]]] = {}
    for p, x, y, t, _s in items:
        if y > L.PAGE_H - L.MARGIN_BOTTOM:
            footers.setdefault(p, []).append((x, t))
    pages_n = max(p for p, *_ in items) + 1
    assert {p: "".join(t for _x, t in sorted(f)).replace(" ", "") for p, f in footers.items()} == \
        {p: f"—{p + 1}—" for p in range(pages_n)}


# ----- from the command line ---------------------------------------------------------------------

def test_cli_writes_the_xlsx_and_asks_for_a_file(clean_db, monkeypatch, tmp_path):
    from openpyxl import load_workbook

    from . import factories
    from .cli import bad, ok

    monkeypatch.setenv("FOI_TODAY", "2026-06-30")
    monkeypatch.delenv("FOI_TOKEN", raising=False)
    factories.agency(clean_db, "yuci", "榆次区人民政府", "government")
    factories.staff(clean_db, "h1", "王五", "head", "yuci")
    out = tmp_path / "r.xlsx"
    res = ok("stats", "annual", "--year", "2025", "--agency", "yuci", "--format", "xlsx", "--out", str(out),
             "--as", "h1")
    assert "已生成" in res.output
    book = load_workbook(out)
    assert book["三、收到和处理申请"]["J6"].value == 0
    assert "--out" in bad("stats", "annual", "--year", "2025", "--agency", "yuci", "--format", "xlsx",
                          "--as", "h1").output
