"""The annual report as files: DOCX and PDF for publishing, XLSX of the three tables (offices file
them in spreadsheets), CSV and text for machines and terminals, and the older format as text.

The tables are first laid out as a grid of cells with their spans (`table2_grid`, `table3_grid`,
`table4_grid`: pure, one layout for every writer), in the official layout of 国办公开办函〔2021〕30号
(annual-report-2021.md): table 3's row labels in three merged columns ("三、本年度办理结果" spanning
every result row), its top-left note, the two-row headers, numbers right-aligned. The DOCX writer
merges cells with python-docx (header rows marked w:tblHeader, so Word, WPS and LibreOffice
repeat them), the PDF writer draws them with fpdf2 (header rows drawn again at the top of every
page a table continues on, a merged cell split over pages drawn on each), the XLSX writer
(documents.annual_report_xlsx) merges them with openpyxl.

Type (docs/decisions.md, "The annual report's layout"): the page and the text as GB/T 9704 —
A4 portrait, the 版心 156 × 225 mm, title 二号, headings and text 三号 (16 pt) on the 22-line
grid, page numbers "— 1 —" 四号 (odd pages right, even pages left); tables at 五号 (10.5 pt),
the smallest size the practice allows in a table, at which table 3's ten columns fit the
portrait 版心 with six-digit numbers and no header broken inside a word (explicit breaks at word
boundaries, `HEADER_BREAKS`), so no page is turned to landscape.

Fonts are named in one place (`ROLE_FONTS`: the report's roles → the roles of documents.fonts,
which give the official face the DOCX/XLSX name and the file the PDF embeds).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Sequence

from ..domain.statistics.layout import (APPLICANT_COLUMNS, COLUMNS, FEE_KINDS, HEADER_TITLE,
                                        LEGAL_PERSON_GROUP, NARRATIVE_SECTIONS, REMEDY_CELL_LABELS,
                                        REMEDY_CELLS, REMEDY_GROUP_LABELS, REMEDY_GROUPS, ROW_LABELS,
                                        ROWS, SECTIONS, SHORT_COLUMN_LABELS, TABLE2,
                                        TABLE2_CELL_LABELS, CONSULTATION_CHANNELS, MISSING_NARRATIVE,
                                        RESULTS_GROUP_LABEL)
from ..domain.statistics.report import AnnualReport, fen_to_yuan
from . import layout as L


@dataclass(frozen=True)
class Cell:
    text: str              # "\n": an explicit line break (at a word boundary)
    colspan: int = 1
    rowspan: int = 1
    header: bool = False
    align: str = "C"       # "L", "C" or "R" (numbers)
    value: Any = None      # a number cell's figure (int, or Decimal for the fee amount)


@dataclass(frozen=True)
class Grid:
    """A table as published: rows of cells with spans; column widths (mm of the 156 mm 版心)."""

    title: str
    widths: tuple[float, ...]
    rows: tuple[tuple[Cell, ...], ...]
    head_rows: int = 0     # rows repeated at the top of every page the table continues on
    keep_together: bool = False   # a small table: starts on a new page rather than split
    breaks: tuple[int, ...] | None = None  # rows a page may start with (None: any body row)
    first_rows: int = 1    # body rows that go with the header rows onto the table's first page


#: The table-3 note of the merged top-left cell, verbatim (annual-report-2021.md).
TABLE3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

#: Where a header may break: at word boundaries only (商业/企业, never 商业企/业).
HEADER_BREAKS = {
    "商业企业": "商业\n企业", "科研机构": "科研\n机构", "社会公益组织": "社会\n公益\n组织",
    "法律服务机构": "法律\n服务\n机构", "结果维持": "结果\n维持", "结果纠正": "结果\n纠正",
    "其他结果": "其他\n结果", "尚未审结": "尚未\n审结",
    TABLE3_NOTE: "（本列数据的勾稽关系为：\n第一项加第二项之和，\n等于第三项加第四项之和）",
    "三、本年度办理结果": "三、\n本\n年\n度\n办\n理\n结\n果",   # a narrow column: read down
}

#: A table-3 row label broken between words when wide numbers leave it less than a line.
LABEL_BREAKS = {"一、本年新收政府信息公开申请数量": "一、本年新收政府信息公开\n申请数量",
                "二、上年结转政府信息公开申请数量": "二、上年结转政府信息公开\n申请数量"}
TABLE3_LABEL_MM = (9.5, 17.5)   # 三、本年度办理结果 (two characters' room), （三）不予公开 (four)

TABLE_PT = 10.5          # 五号
TABLE_LINE_PT = 14.0     # table lines, exactly (PDF and DOCX alike)
CELL_PAD_MM = 1.0        # left/right cell margin (DOCX tblCellMar, PDF)
NUMBER_PAD_MM = (0.4, 0.8)   # a number cell's left/right margin: six digits in a 13.5 mm column
DIGIT_MM = 0.55 * TABLE_PT * L.PT   # a digit at 五号 (the open and the official faces: ≤ 0.55 em)
NUMBER_COL_MM = (L.TEXT_W - 61.4) / 7  # table 3: 61.4 mm hold its longest one-line label


def pads(c: "Cell") -> tuple[float, float]:
    """(left, right) margin of a cell, mm."""
    return NUMBER_PAD_MM if c.value is not None else (CELL_PAD_MM, CELL_PAD_MM)


def _brk(text: str) -> str:
    return HEADER_BREAKS.get(text, text)


def _h(text: str, colspan: int = 1, rowspan: int = 1) -> Cell:
    return Cell(_brk(text), colspan, rowspan, header=True)


def _amount(v: Any) -> str:
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v != 0 else "0"
    return str(v)


def _num(v: Any, colspan: int = 1) -> Cell:
    return Cell(_amount(v), colspan, align="R", value=v)


def table2_grid(r: AnnualReport) -> Grid:
    rows: list[tuple[Cell, ...]] = []
    provisions: dict[str, list[str]] = {}
    for block, (provision, _label, _cells) in TABLE2.items():
        provisions.setdefault(provision, []).append(block)
    starts = []
    for provision, blocks in provisions.items():
        starts.append(len(rows))
        rows.append((_h(provision, 4),))
        cells = TABLE2[blocks[0]][2]
        span = 3 // len(cells)
        rows.append((_h("信息内容"), *(_h(TABLE2_CELL_LABELS[c], span) for c in cells)))
        for block in blocks:
            rows.append((Cell(TABLE2[block][1]), *(_num(r.table2[block][c], span) for c in cells)))
    # each provision's block has its own header rows: a page breaks only between blocks
    return Grid(SECTIONS["table2"], (66.0, 30.0, 30.0, 30.0), tuple(rows), breaks=tuple(starts))


_ROW_LABEL = re.compile(r"^(?:三、)?(（[一二三四五六七]）)([^\d]*?)\s*(\d+\..*)?$")


def table3_labels() -> list[tuple[str, str, str]]:
    """(group marker, group label, item label) of every result row, from the official labels
    ("三、（三）不予公开 1.属于国家秘密" → ("（三）", "不予公开", "1.属于国家秘密"); the
    continuation rows "（三）2.…" give their group's marker and their item only)."""
    out = []
    for row in ROWS[2:-1]:
        m = _ROW_LABEL.match(ROW_LABELS[row])
        assert m, ROW_LABELS[row]
        out.append((m.group(1), m.group(2).strip(), m.group(3) or ""))
    return out


def table3_widths(r: AnnualReport) -> tuple[float, list[float]]:
    """(item column, the seven number columns), mm. The three label columns (9.5 + 17.5 + item)
    hold the longest one-line label (16 characters at 五号) and each number column five digits
    (and 自然人, and two characters of a broken header); a column with wider numbers grows (a
    digit's room more than its figures), taking the room from the item column."""
    num_w = []
    for c in COLUMNS:
        digits = max(len(str(r.table3[row][c])) for row in ROWS)
        num_w.append(max(NUMBER_COL_MM, digits * DIGIT_MM + sum(NUMBER_PAD_MM) + 0.9))
    return L.TEXT_W - sum(TABLE3_LABEL_MM[:2]) - sum(num_w), num_w


def table3_grid(r: AnnualReport) -> Grid:
    n_org = len(APPLICANT_COLUMNS) - 1
    item_w, num_w = table3_widths(r)
    label_room = sum(TABLE3_LABEL_MM[:2]) + item_w - 2 * CELL_PAD_MM
    head = (
        (_h(TABLE3_NOTE, 3, 3), _h(HEADER_TITLE, len(COLUMNS))),
        (_h(SHORT_COLUMN_LABELS["natural_person"], 1, 2), _h(LEGAL_PERSON_GROUP, n_org),
         _h(SHORT_COLUMN_LABELS["total"], 1, 2)),
        tuple(_h(SHORT_COLUMN_LABELS[c]) for c in APPLICANT_COLUMNS[1:]),
    )
    results = ROWS[2:-1]
    labels = dict(zip(results, table3_labels()))
    group_size: dict[str, int] = {}
    for marker, _g, item in labels.values():
        if item:
            group_size[marker] = group_size.get(marker, 0) + 1
    body = []
    seen: set[str] = set()
    for row in ROWS:
        numbers = tuple(_num(r.table3[row][c]) for c in COLUMNS)
        if row not in labels:                       # 一、 二、 四、: across the three columns
            text = ROW_LABELS[row]
            if len(text) * TABLE_PT * L.PT > label_room:   # narrower: broken between words
                text = LABEL_BREAKS.get(text, text)
            body.append((Cell(text, 3, align="L"), *numbers))
            continue
        marker, group, item = labels[row]
        lead = (Cell(_brk(RESULTS_GROUP_LABEL), 1, len(results)),) if row == results[0] else ()
        if not item:                                # （一）（二）（七）: across two columns
            label: tuple[Cell, ...] = (Cell(marker + group, 2, align="L"),)
        elif marker not in seen:                    # the first item: the group's merged cell
            label = (Cell(f"{marker}\n{group}", 1, group_size[marker]), Cell(item, align="L"))
        else:
            label = (Cell(item, align="L"),)
        seen.add(marker)
        body.append((*lead, *label, *numbers))
    return Grid(SECTIONS["table3"], (*TABLE3_LABEL_MM[:2], item_w, *num_w), head + tuple(body),
                head_rows=len(head), first_rows=3)


def table4_grid(r: AnnualReport) -> Grid:
    review, *litigation = REMEDY_GROUPS
    n = len(REMEDY_CELLS)
    head = (
        (_h(REMEDY_GROUP_LABELS[review], n), _h("行政诉讼", n * len(litigation))),
        (*(_h(REMEDY_CELL_LABELS[c], 1, 2) for c in REMEDY_CELLS),
         *(_h(REMEDY_GROUP_LABELS[g].split(" ", 1)[1], n) for g in litigation)),
        tuple(_h(REMEDY_CELL_LABELS[c]) for _g in litigation for c in REMEDY_CELLS),
    )
    body = (tuple(_num(r.table4[g][c]) for g in REMEDY_GROUPS for c in REMEDY_CELLS),)
    ncol = n * len(REMEDY_GROUPS)
    return Grid(SECTIONS["table4"], (L.TEXT_W / ncol,) * ncol, head + body, head_rows=len(head),
                keep_together=True)


def grids(r: AnnualReport) -> list[tuple[str, Grid]]:
    """The three tables: (JSON key, grid)."""
    return [("table2", table2_grid(r)), ("table3", table3_grid(r)), ("table4", table4_grid(r))]


def fees_text(r: AnnualReport) -> str:
    """Section six's figure: fees collected under Art 42 (from the cases and the fee register)."""
    total = fen_to_yuan(r.fees_total_fen)
    issued = (f"{r.year}年度发出收费通知书{r.fee_notices}件，应收金额共{fen_to_yuan(r.fee_notices_fen)}元；"
              if r.fee_notices else f"{r.year}年度未发出收费通知书；")
    if not r.fees_fen:
        return issued + "未收取费用（《条例》第四十二条）。"
    parts = "，".join(f"{FEE_KINDS.get(k, k)}{fen_to_yuan(v)}元" for k, v in sorted(r.fees_fen.items()))
    return issued + f"依照《条例》第四十二条实际收取费用共{total}元，其中{parts}。"


def title(r: AnnualReport) -> str:
    return f"{r.agency}{r.year}年政府信息公开工作年度报告"


def title_lines(r: AnnualReport) -> list[str]:
    """The title as printed (二号, 20 characters a line): one line when it fits, else broken
    after the year, never inside a word ("…工作年/度报告")."""
    whole = title(r)
    width = sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in whole)
    if width <= int(L.TEXT_W / (L.TITLE_PT * L.PT)):
        return [whole]
    return [f"{r.agency}{r.year}年", "政府信息公开工作年度报告"]


def sections(r: AnnualReport) -> list[tuple[str, Any]]:
    """The six sections in order: (heading, text or Grid)."""
    missing = MISSING_NARRATIVE
    other = "\n".join(x for x in (r.narrative.get("other", ""), fees_text(r)) if x)
    cons = ""
    if r.consultations:
        cons = "本年度共接受政府信息公开咨询" + str(sum(r.consultations.values())) + "人次，其中" + "，".join(
            f"{CONSULTATION_CHANNELS.get(k, k)}{v}人次" for k, v in sorted(r.consultations.items())) + "。"
    return [
        (SECTIONS["overview"], r.narrative.get("overview") or missing),
        (SECTIONS["table2"], table2_grid(r)),
        (SECTIONS["table3"], table3_grid(r)),
        (SECTIONS["table4"], table4_grid(r)),
        (SECTIONS["problems"], r.narrative.get("problems") or missing),
        (SECTIONS["other"], "\n".join(x for x in (other, cons) if x)),
    ]


def stamp(r: AnnualReport) -> dt.datetime:
    """The fixed time in every file's metadata: 1 January of the next year, Beijing time (the
    report is published by 31 January, 条例第五十条), so the same figures give the same bytes."""
    return L.issue_datetime(dt.date(r.year + 1, 1, 1))


def fixed_zip(data: bytes, when: dt.datetime) -> bytes:
    """The same ZIP (DOCX, XLSX) with every entry dated `when` (the writers stamp the clock)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 3
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# ----- fonts: the one place the report names its faces ------------------------------------------

#: The report's roles → the roles of documents.fonts (the official face of GB/T 9704 and the file
#: embedded in PDFs): title 方正小标宋简体, headings and table headers 黑体 (a real heavy face,
#: no faked bold), text and table cells 仿宋_GB2312, page numbers the body face.
ROLE_FONTS = {"title": "title", "heading": "heading1", "body": "body", "table": "body",
              "table_head": "heading1", "page_no": "body"}
LATIN_FACE = "Times New Roman"


def face_name(role: str) -> str:
    """The official face a role is named by in DOCX and XLSX (仿宋_GB2312, …)."""
    from . import fonts

    return fonts.ROLES[ROLE_FONTS[role]].official


def face_fallbacks(role: str) -> tuple[str, ...]:
    from . import fonts

    return fonts.ROLES[ROLE_FONTS[role]].alt_names


def _pdf_faces(pdf, texts_by_role: dict[str, list[str]]) -> dict[str, tuple[str, str]]:
    """Embed each font the PDF draws with (its common subset when that holds every character
    drawn in it: the same bytes, a fifth of the reading); role → (family, style). A character
    the font lacks refuses the report, named (never a missing-glyph box)."""
    from . import fonts

    used: dict[str, set[int]] = {}
    for role, texts in texts_by_role.items():
        key = ROLE_FONTS[role]
        used.setdefault(key, set()).update(ord(ch) for t in texts for ch in t if ch not in "\n\r\t")
    out = {}
    for key, chars in sorted(used.items()):
        text = "".join(sorted(map(chr, chars)))
        fonts.require_glyphs(key, "report", "年度报告", text)
        path = fonts.common_path(key) if chars <= fonts.common_charset() else fonts.face(key).path
        pdf.add_font(f"f-{key}", "", str(path))
    for role, key in ROLE_FONTS.items():
        if key in used:
            out[role] = (f"f-{key}", "")
    return out


# ----- CSV and text -----------------------------------------------------------------------------

CSV_HEADER = ("agency_code", "agency", "year", "rollup", "table", "row", "column", "value")


def render_csv(reports: Sequence[AnnualReport]) -> str:
    """Every cell of tables 2–4 as one line in the JSON codes (one file may hold many reports)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEADER)
    for r in reports:
        base = (r.agency_code, r.agency, r.year, int(r.rollup))
        for name, table in (("table2", r.table2), ("table3", r.table3), ("table4", r.table4)):
            for row, cells in table.items():
                for col, v in cells.items():
                    w.writerow((*base, name, row, col, _amount(v)))
    return buf.getvalue()


def _cols(s: str) -> int:
    """Terminal columns a string takes (CJK characters take two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _cols(s))
    return fill + s if right else s + fill


def render_text(r: AnnualReport) -> str:
    """Table 3 for the terminal: official labels, the seven columns."""
    width = max(_cols(ROW_LABELS[row]) for row in ROWS) + 2
    heads = "".join(_pad(SHORT_COLUMN_LABELS[c], 14, right=True) for c in COLUMNS)
    lines = [title(r) + ("（汇总）" if r.rollup else "") + ("（已锁定）" if r.locked else ""),
             SECTIONS["table3"], _pad("", width) + heads]
    for row in ROWS:
        lines.append(_pad(ROW_LABELS[row], width) + "".join(_pad(str(r.table3[row][c]), 14, right=True)
                                                           for c in COLUMNS))
    lines.append(SECTIONS["table4"] + "：" + "；".join(
        f"{REMEDY_GROUP_LABELS[g]} 总计{r.table4[g]['total']}" for g in REMEDY_GROUPS))
    lines.append(fees_text(r))
    return "\n".join(lines) + "\n"


def grid_positions(grid: Grid) -> list[tuple[int, int, Cell]]:
    """(row, column, cell) of every cell, columns found by skipping cells spanned from above."""
    ncol = len(grid.widths)
    taken: set[tuple[int, int]] = set()
    out = []
    for i, row in enumerate(grid.rows):
        j = 0
        for cell in row:
            while (i, j) in taken:
                j += 1
            out.append((i, j, cell))
            for di in range(cell.rowspan):
                for dj in range(cell.colspan):
                    taken.add((i + di, j + dj))
            j += cell.colspan
        assert j <= ncol, (grid.title, i)
    return out




# ----- DOCX -------------------------------------------------------------------------------------

def _twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def render_docx(r: AnnualReport) -> bytes:
    from docx import Document
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    def el(tag: str, **attrs: str):
        e = OxmlElement(tag)
        for k, v in attrs.items():
            e.set(qn(f"w:{k}"), v)
        return e

    def faces(rpr, role: str) -> None:
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = el("w:rFonts")
            rpr.insert(0, rfonts)
        for k in list(rfonts.attrib):
            del rfonts.attrib[k]
        face = face_name(role)
        for k, v in (("ascii", LATIN_FACE), ("hAnsi", LATIN_FACE), ("eastAsia", face), ("cs", LATIN_FACE)):
            rfonts.set(qn(f"w:{k}"), v)

    def lang(rpr) -> None:
        for old in rpr.findall(qn("w:lang")):
            rpr.remove(old)
        rpr.append(el("w:lang", val="zh-CN", eastAsia="zh-CN", bidi="ar-SA"))

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(L.PAGE_W), Mm(L.PAGE_H)
    sec.top_margin, sec.bottom_margin = Mm(L.MARGIN_TOP), Mm(L.MARGIN_BOTTOM)
    sec.left_margin, sec.right_margin = Mm(L.MARGIN_LEFT), Mm(L.MARGIN_RIGHT)
    sec.footer_distance = Mm(L.MARGIN_BOTTOM - 7 - 8)
    # the document defaults: the official faces and zh-CN (python-docx's template says en-US)
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    faces(defaults, "body")
    lang(defaults)
    ppr_default = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:pPrDefault"))
    if ppr_default is not None:
        doc.styles.element.find(qn("w:docDefaults")).remove(ppr_default)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(L.BODY_PT)
    faces(normal.element.get_or_add_rPr(), "body")
    lang(normal.element.get_or_add_rPr())
    core = doc.core_properties
    when = stamp(r).replace(tzinfo=None)
    core.title, core.author, core.last_modified_by = title(r), r.agency, r.agency
    core.subject = SECTIONS["table3"]
    core.created = core.modified = core.last_printed = when
    core.revision, core.comments, core.keywords, core.language = 1, "", "", "zh-CN"

    def run(p, text: str, role: str, size: float):
        rn = p.add_run(text)
        rn.font.size = Pt(size)
        faces(rn._element.get_or_add_rPr(), role)
        return rn

    def spacing(p, line_pt: float, before: float = 0, after: float = 0) -> None:
        f = p.paragraph_format
        f.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        f.line_spacing = Pt(line_pt)
        f.space_before, f.space_after = Pt(before), Pt(after)

    def para(text: str, role: str = "body", size: float = L.BODY_PT, align=WD_ALIGN_PARAGRAPH.JUSTIFY,
             indent: bool = True, line_pt: float = L.LINE_PT, keep: bool = False):
        p = doc.add_paragraph()
        p.alignment = align
        spacing(p, line_pt)
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * L.INDENT_CHARS)
        if keep:
            p.paragraph_format.keep_with_next = True
        run(p, text, role, size)
        return p

    # 页码 "— N —": odd pages right, even pages left, one character in (GB/T 9704 7.5)
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align, side in ((sec.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                (sec.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        p = footer.paragraphs[0]
        p.alignment = align
        setattr(p.paragraph_format, f"{side}_indent", Pt(L.PAGE_NO_PT))
        run(p, "— ", "page_no", L.PAGE_NO_PT)
        for part in (el("w:fldChar", fldCharType="begin"), None, el("w:fldChar", fldCharType="end")):
            rn = run(p, "", "page_no", L.PAGE_NO_PT)
            if part is None:
                part = el("w:instrText")
                part.set(qn("xml:space"), "preserve")
                part.text = " PAGE "
            rn._r.append(part)
        run(p, " —", "page_no", L.PAGE_NO_PT)

    def table(g: Grid) -> None:
        ncol = len(g.widths)
        t = doc.add_table(rows=len(g.rows), cols=ncol)
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        tblpr = t._tbl.tblPr   # children in the schema's order: … tblW, jc, … tblLayout, tblCellMar, tblLook
        width = tblpr.find(qn("w:tblW"))
        width.set(qn("w:w"), str(sum(_twips(w) for w in g.widths)))
        width.set(qn("w:type"), "dxa")
        mar = el("w:tblCellMar")
        for side in ("top", "left", "bottom", "right"):
            pad = CELL_PAD_MM if side in ("left", "right") else 0.4
            mar.append(el(f"w:{side}", w=str(_twips(pad)), type="dxa"))
        tblpr.find(qn("w:tblLayout")).addnext(mar)
        widths = [Mm(w) for w in g.widths]
        cells = t._cells      # read once (python-docx recomputes it for each t.cell(i, j)); a
        # merge changes only the cells inside its own rectangle, so the others stay valid
        for j, w in enumerate(widths):
            t.columns[j].width = w                    # the grid (LibreOffice, WPS lay out by it)
        for k, c in enumerate(cells):
            c.width = widths[k % ncol]                # each cell (Word lays out by these)
        for i, row in enumerate(t.rows):
            trpr = row._tr.get_or_add_trPr()
            trpr.append(el("w:cantSplit"))            # a row never breaks over pages
            if i < g.head_rows:
                trpr.append(el("w:tblHeader"))        # repeated at the top of each page
        last = len(g.rows) - 1
        # rows kept with the next one (Word moves them to the next page together): the header
        # rows, a small table whole, table 2's blocks
        if g.keep_together:
            keep = set(range(last))
        elif g.breaks:
            keep = {i for i in range(last) if i + 1 not in g.breaks}
        else:
            keep = set(range(g.head_rows + g.first_rows - 1))
        for i, j, c in grid_positions(g):
            target = cells[i * ncol + j]
            if c.rowspan > 1 or c.colspan > 1:
                target = target.merge(cells[(i + c.rowspan - 1) * ncol + j + c.colspan - 1])
            target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            if c.value is not None:                   # a number: narrower margins (pads)
                tcpr = target._tc.get_or_add_tcPr()
                mar = el("w:tcMar")
                for side, mm in zip(("left", "right"), NUMBER_PAD_MM):
                    mar.append(el(f"w:{side}", w=str(_twips(mm)), type="dxa"))
                tcpr.find(qn("w:vAlign")).addprevious(mar)
            p = target.paragraphs[0]
            p.alignment = {"L": WD_ALIGN_PARAGRAPH.LEFT, "R": WD_ALIGN_PARAGRAPH.RIGHT}.get(
                c.align, WD_ALIGN_PARAGRAPH.CENTER)
            spacing(p, TABLE_LINE_PT)
            if i + c.rowspan - 1 in keep:
                p.paragraph_format.keep_with_next = True
            run(p, c.text, "table_head" if c.header else "table", TABLE_PT)  # "\n" → <w:br/>
        after = doc.add_paragraph()
        spacing(after, TABLE_LINE_PT)

    para("\n".join(title_lines(r)), "title", L.TITLE_PT, WD_ALIGN_PARAGRAPH.CENTER, indent=False,
         line_pt=L.TITLE_PT * 1.5)
    para("", indent=False)
    for heading, content in sections(r):
        para(heading, "heading", keep=True)
        if isinstance(content, Grid):
            table(content)
        else:
            for text in content.split("\n"):
                para(text)
    buf = io.BytesIO()
    doc.save(buf)
    return fixed_zip(_clean_docx_parts(buf.getvalue()), stamp(r))


def _font_table() -> bytes:
    """word/fontTable.xml naming the faces used, each with its fallback (w:altName) and GB2312
    charset (86), instead of the template's list (ＭＳ 明朝 …)."""
    seen: dict[str, tuple[str, ...]] = {LATIN_FACE: ()}
    for role in ROLE_FONTS:
        seen.setdefault(face_name(role), face_fallbacks(role))
    items = []
    for face, fallbacks in seen.items():
        cjk = face != LATIN_FACE
        alt = f'<w:altName w:val="{fallbacks[0]}"/>' if fallbacks else ""
        items.append(f'<w:font w:name="{face}">{alt}<w:charset w:val="{"86" if cjk else "00"}"/>'
                     f'<w:family w:val="{"modern" if cjk else "roman"}"/>'
                     f'<w:pitch w:val="{"fixed" if cjk else "variable"}"/></w:font>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            + "".join(items) + "</w:fonts>").encode()


_APP_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            '<Application>foi_workflow</Application><DocSecurity>0</DocSecurity>'
            '<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate>'
            '<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged></Properties>').encode()


def _clean_theme(xml: bytes) -> bytes:
    """The template theme's East Asian faces: the official ones (Hans), no Japanese faces."""
    text = xml.decode("utf-8")
    text = re.sub(r'<a:font script="(Jpan|Hang|Hant)" typeface="[^"]*"/>', "", text)
    major, minor = face_name("title"), face_name("body")
    text = re.sub(r'(<a:majorFont>.*?<a:ea typeface=")[^"]*(")', rf"\g<1>{major}\g<2>", text, flags=re.S)
    text = re.sub(r'(<a:minorFont>.*?<a:ea typeface=")[^"]*(")', rf"\g<1>{minor}\g<2>", text, flags=re.S)
    text = re.sub(r'(<a:majorFont>.*?<a:font script="Hans" typeface=")[^"]*(")', rf"\g<1>{major}\g<2>",
                  text, flags=re.S)
    text = re.sub(r'(<a:minorFont>.*?<a:font script="Hans" typeface=")[^"]*(")', rf"\g<1>{minor}\g<2>",
                  text, flags=re.S)
    return text.encode("utf-8")


def _clean_docx_parts(data: bytes) -> bytes:
    """python-docx's template parts replaced: the font table, app.xml ("Microsoft Macintosh
    Word"), the theme's Japanese faces, the stylesWithEffects part's en-US/ja-JP defaults."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "word/fontTable.xml":
                body = _font_table()
            elif info.filename == "docProps/app.xml":
                body = _APP_XML
            elif info.filename == "word/theme/theme1.xml":
                body = _clean_theme(body)
            elif info.filename in ("word/styles.xml", "word/stylesWithEffects.xml", "word/settings.xml"):
                body = re.sub(rb'w:eastAsia="(ja-JP|en-US)"', b'w:eastAsia="zh-CN"', body)
                body = re.sub(rb'(<w:lang[^>]*?)w:val="en-US"', rb'\1w:val="zh-CN"', body)
            dst.writestr(info, body)
    return out.getvalue()


# ----- PDF --------------------------------------------------------------------------------------

def render_pdf(r: AnnualReport) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    from .linebreak import break_lines

    class Pages(FPDF):
        def footer(self) -> None:
            """页码: "— N —" 四号, one character in, odd pages right and even pages left, its line
            7 mm under the 版心 (GB/T 9704 7.5)."""
            em = L.PAGE_NO_PT * L.PT
            font("page_no", L.PAGE_NO_PT)
            self.set_xy(L.MARGIN_LEFT + em, L.PAGE_H - L.MARGIN_BOTTOM + 7 - em / 2)
            self.cell(L.TEXT_W - 2 * em, em, f"— {self.page_no()} —", align="R" if self.page_no() % 2 else "L")

    pdf = Pages(orientation="P", unit="mm", format="A4")
    pdf.set_title(title(r))
    pdf.set_author(r.agency)
    pdf.set_creator("foi_workflow")
    pdf.set_lang("zh-CN")
    pdf.set_creation_date(stamp(r))
    drawn: dict[str, list[str]] = {"title": [title(r)], "page_no": ["— 0123456789"], "heading": [],
                                   "body": [], "table": [], "table_head": []}
    for heading, content in sections(r):   # every string drawn, by the role drawing it
        drawn["heading"].append(heading)
        if isinstance(content, Grid):
            for row in content.rows:
                for c in row:
                    drawn["table_head" if c.header else "table"].append(c.text)
        else:
            drawn["body"].append(content)
    face = _pdf_faces(pdf, drawn)

    def font(role: str, size: float) -> None:
        family, style = face[role]
        pdf.set_font(family, style, size)

    pdf.set_margins(L.MARGIN_LEFT, L.MARGIN_TOP, L.MARGIN_RIGHT)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    bottom = L.PAGE_H - L.MARGIN_BOTTOM
    line_h = L.LINE_PT * L.PT                    # the 22-line grid

    def need(h: float) -> None:
        if pdf.get_y() + h > bottom + 1e-6:
            pdf.add_page()

    def text(s: str, role: str, size: float, align: str = "L", indent: bool = True,
             h: float = line_h, keep: float = 0.0) -> None:
        font(role, size)
        for segment in s.split("\n"):
            first = size * L.PT * L.INDENT_CHARS if indent and align == "L" else 0.0
            lines = break_lines(segment, L.TEXT_W, pdf.get_string_width, first_indent=first)
            for k, ln in enumerate(lines):
                need(h + (keep if k == len(lines) - 1 else 0.0))
                shift = first if k == 0 else 0.0
                pdf.set_x(L.MARGIN_LEFT + shift)
                pdf.cell(L.TEXT_W - shift, h, ln, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(g: Grid, heading: str) -> None:
        lh, vpad = TABLE_LINE_PT * L.PT, 1.0
        scale = L.TEXT_W / sum(g.widths)
        xs = [L.MARGIN_LEFT]
        for w in g.widths:
            xs.append(xs[-1] + w * scale)
        positions = grid_positions(g)
        lines_of: dict[tuple[int, int], list[str]] = {}
        heights = [lh + 2 * vpad] * len(g.rows)
        for i, j, c in positions:
            font("table_head" if c.header else "table", TABLE_PT)
            w = xs[j + c.colspan] - xs[j] - sum(pads(c))
            lines_of[(i, j)] = [ln for seg in c.text.split("\n")
                                for ln in (break_lines(seg, w, pdf.get_string_width) or [""])]
            if c.rowspan == 1:
                heights[i] = max(heights[i], len(lines_of[(i, j)]) * lh + 2 * vpad)
        for i, j, c in positions:   # a merged cell taller than its rows: the last row grows
            if c.rowspan > 1:
                short = len(lines_of[(i, j)]) * lh + 2 * vpad - sum(heights[i:i + c.rowspan])
                if short > 0:
                    heights[i + c.rowspan - 1] += short
        n_head = g.head_rows
        if g.keep_together:
            first_block = sum(heights)
        elif g.breaks:
            first_block = sum(heights[:(g.breaks[1] if len(g.breaks) > 1 else len(g.rows))])
        else:
            first_block = sum(heights[:n_head + g.first_rows])
        text(heading, "heading", L.BODY_PT, keep=first_block)   # the heading stays with it
        need(first_block)
        # Rows laid out page by page first (the header rows again at the top of each new page:
        # pages counted from this one), then drawn in page order.
        head_at: list[tuple[int, float]] = []      # (page, y) of each copy of the header rows
        row_at: dict[int, tuple[int, float]] = {}  # body row → (page, y)
        page, y = 0, pdf.get_y()
        head_at.append((page, y))
        y += sum(heights[:n_head])
        starts = sorted({n_head, *(g.breaks if g.breaks is not None else range(n_head, len(g.rows)))})
        if g.keep_together:
            starts = [n_head]
        for u, first in enumerate(starts):           # a unit: rows kept on one page
            end = starts[u + 1] if u + 1 < len(starts) else len(g.rows)
            if y + sum(heights[first:end]) > bottom + 1e-6 and first > n_head:
                page, y = page + 1, L.MARGIN_TOP
                if n_head:
                    head_at.append((page, y))
                    y += sum(heights[:n_head])
            for i in range(first, end):
                row_at[i] = (page, y)
                y += heights[i]
        ops: list[tuple[int, Cell, list[str], float, float, float, float, bool]] = []
        for i, j, c in positions:
            x0, x1 = xs[j], xs[j + c.colspan]
            lines = lines_of[(i, j)]
            if i < n_head:
                for on, top in head_at:
                    ops.append((on, c, lines, x0, x1, top + sum(heights[:i]), sum(heights[i:i + c.rowspan]),
                                True))
                continue
            # a merged cell split over pages: one part on each page, its text in every part
            # that holds it (else in the tallest)
            parts: list[list[Any]] = []
            for k in range(i, i + c.rowspan):
                on, top = row_at[k]
                if parts and parts[-1][0] == on:
                    parts[-1][2] += heights[k]
                else:
                    parts.append([on, top, heights[k]])
            need_h = len(lines) * lh + 2 * vpad
            fits = [p[2] >= need_h - 1e-6 for p in parts]
            if not any(fits):
                tallest = max(range(len(parts)), key=lambda q: parts[q][2])
                fits = [q == tallest for q in range(len(parts))]
            for (on, top, h), label in zip(parts, fits):
                ops.append((on, c, lines, x0, x1, top, h, label))
        ops.sort(key=lambda op: op[0])               # stable: cells keep their order on a page
        shown = 0
        for on, c, lines, x0, x1, y0, h, label in ops:
            while shown < on:
                pdf.add_page()
                shown += 1
            pdf.set_line_width(0.25)
            pdf.rect(x0, y0, x1 - x0, h)
            if label:
                font("table_head" if c.header else "table", TABLE_PT)
                ty = y0 + (h - len(lines) * lh) / 2
                for k, ln in enumerate(lines):
                    left, right = pads(c)
                    pdf.set_xy(x0 + left, ty + k * lh)
                    pdf.cell(x1 - x0 - left - right, lh, ln, align=c.align)
        pdf.set_xy(L.MARGIN_LEFT, y)

    text("\n".join(title_lines(r)), "title", L.TITLE_PT, align="C", indent=False, h=L.TITLE_PT * 1.5 * L.PT)
    pdf.ln(line_h)
    for heading, content in sections(r):
        if isinstance(content, Grid):
            grid(content, heading)
            pdf.ln(TABLE_LINE_PT * L.PT)
        else:
            text(heading, "heading", L.BODY_PT, keep=line_h)
            text(content, "body", L.BODY_PT)
    return bytes(pdf.output())


def render_xlsx(r: AnnualReport) -> bytes:
    """The three tables as one workbook (documents.annual_report_xlsx)."""
    from .annual_report_xlsx import render_xlsx as write

    return write(r)


# ----- the older format ---------------------------------------------------------------------------

def legacy_report(r: AnnualReport):
    """The 2008-format report of the same figures (domain.statistics.legacy)."""
    from ..domain.statistics.legacy import LegacyReport

    items = {k: v for k, v in r.legacy_items.items() if k != "online"}
    return LegacyReport(
        year=r.year, agency=r.agency, items=items, items_online=r.legacy_items.get("online"),
        requests_received=r.table3["new"]["total"], requests_carried_in=r.table3["carried_in"]["total"],
        requests_closed=r.table3["results_total"]["total"],
        requests_carried_out=r.table3["carried_out"]["total"], consultations=dict(r.consultations),
        reviews=r.table4["review"]["total"],
        litigations=r.table4["litigation_direct"]["total"] + r.table4["litigation_after_review"]["total"],
        fees_fen=dict(r.fees_fen), narrative={k: r.narrative[k] for k in NARRATIVE_SECTIONS if k in r.narrative})
