"""The annual report as files: DOCX and PDF for publishing (tables laid out as published, with the
multi-level headers), CSV and text for machines and terminals, and the older format as text.

The tables are first laid out as a grid of cells with their spans (`table2_grid`, `table3_grid`,
`table4_grid`: pure, one layout for both writers); the DOCX writer merges cells with python-docx,
the PDF writer draws them with fpdf2 and the project's embedded CJK font (documents.fonts).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Sequence

from ..domain.statistics.layout import (APPLICANT_COLUMNS, COLUMNS, FEE_KINDS, HEADER_TITLE,
                                        LEGAL_PERSON_GROUP, NARRATIVE_SECTIONS, REMEDY_CELL_LABELS,
                                        REMEDY_CELLS, REMEDY_GROUP_LABELS, REMEDY_GROUPS, ROW_LABELS,
                                        ROWS, SECTIONS, SHORT_COLUMN_LABELS, TABLE2,
                                        TABLE2_CELL_LABELS, CONSULTATION_CHANNELS, MISSING_NARRATIVE)
from ..domain.statistics.report import AnnualReport, fen_to_yuan
from . import layout as L


@dataclass(frozen=True)
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    header: bool = False
    align: str = "C"   # "L" or "C"


@dataclass(frozen=True)
class Grid:
    """A table as published: rows of cells with spans; relative column widths."""

    title: str
    widths: tuple[float, ...]
    rows: tuple[tuple[Cell, ...], ...]


def _h(text: str, colspan: int = 1, rowspan: int = 1) -> Cell:
    return Cell(text, colspan, rowspan, header=True)


def _amount(v: Any) -> str:
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v != 0 else "0"
    return str(v)


def table2_grid(r: AnnualReport) -> Grid:
    rows: list[tuple[Cell, ...]] = []
    provisions: dict[str, list[str]] = {}
    for block, (provision, _label, _cells) in TABLE2.items():
        provisions.setdefault(provision, []).append(block)
    for provision, blocks in provisions.items():
        rows.append((_h(provision, 4),))
        cells = TABLE2[blocks[0]][2]
        span = 3 // len(cells)
        rows.append((_h("信息内容"), *(_h(TABLE2_CELL_LABELS[c], span) for c in cells)))
        for block in blocks:
            rows.append((Cell(TABLE2[block][1]),
                         *(Cell(_amount(r.table2[block][c]), span) for c in cells)))
    return Grid("", (2.2, 1, 1, 1), tuple(rows))


def table3_grid(r: AnnualReport) -> Grid:
    n_org = len(APPLICANT_COLUMNS) - 1
    head = (
        (_h("", 1, 3), _h(HEADER_TITLE, len(COLUMNS))),
        (_h(SHORT_COLUMN_LABELS["natural_person"], 1, 2), _h(LEGAL_PERSON_GROUP, n_org),
         _h(SHORT_COLUMN_LABELS["total"], 1, 2)),
        tuple(_h(SHORT_COLUMN_LABELS[c]) for c in APPLICANT_COLUMNS[1:]),
    )
    body = tuple((Cell(ROW_LABELS[row], align="L"), *(Cell(str(r.table3[row][c])) for c in COLUMNS))
                 for row in ROWS)
    return Grid("", (5.0, *(1.0,) * len(COLUMNS)), head + body)


def table4_grid(r: AnnualReport) -> Grid:
    review, *litigation = REMEDY_GROUPS
    n = len(REMEDY_CELLS)
    head = (
        (_h(REMEDY_GROUP_LABELS[review], n), _h("行政诉讼", n * len(litigation))),
        (*(_h(REMEDY_CELL_LABELS[c], 1, 2) for c in REMEDY_CELLS),
         *(_h(REMEDY_GROUP_LABELS[g].split(" ", 1)[1], n) for g in litigation)),
        tuple(_h(REMEDY_CELL_LABELS[c]) for _g in litigation for c in REMEDY_CELLS),
    )
    body = (tuple(Cell(str(r.table4[g][c])) for g in REMEDY_GROUPS for c in REMEDY_CELLS),)
    return Grid("", (1.0,) * (n * len(REMEDY_GROUPS)), head + body)


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


# ----- DOCX -------------------------------------------------------------------------------------

def _grid_positions(grid: Grid) -> list[tuple[int, int, Cell]]:
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


def render_docx(r: AnnualReport) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    from . import fonts

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(L.PAGE_W), Mm(L.PAGE_H)
    sec.top_margin, sec.bottom_margin = Mm(L.MARGIN_TOP), Mm(L.MARGIN_BOTTOM)
    sec.left_margin, sec.right_margin = Mm(L.MARGIN_LEFT), Mm(L.MARGIN_RIGHT)
    style = doc.styles["Normal"]
    style.font.name = fonts.CJK_FAMILY
    style.font.size = Pt(L.TABLE_PT)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), fonts.CJK_FAMILY)
    core = doc.core_properties
    core.title, core.author = title(r), r.agency

    def para(text: str, size: float = L.TABLE_PT, bold: bool = False, center: bool = False, indent: bool = True):
        p = doc.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        run = p.add_run(text)
        run.font.size, run.font.bold = Pt(size), bold
        return p

    para(title(r), L.TITLE_PT, bold=True, center=True)
    for heading, content in sections(r):
        para(heading, L.TABLE_PT, bold=True, indent=False)
        if isinstance(content, Grid):
            positions = _grid_positions(content)
            table = doc.add_table(rows=len(content.rows), cols=len(content.widths))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            total_w = L.TEXT_W
            for j, w in enumerate(content.widths):
                width = Mm(total_w * w / sum(content.widths))
                table.columns[j].width = width  # the table grid (LibreOffice, WPS lay out by it)
                for cell in table.columns[j].cells:
                    cell.width = width              # each cell (Word lays out by these)
            for i, j, c in positions:
                target = table.cell(i, j)
                if c.rowspan > 1 or c.colspan > 1:
                    target = target.merge(table.cell(i + c.rowspan - 1, j + c.colspan - 1))
                target.text = c.text
                for p in target.paragraphs:
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER if c.align == "C" else WD_ALIGN_PARAGRAPH.LEFT
                    for run in p.runs:
                        run.font.size, run.font.bold = Pt(9), c.header
        else:
            for text in content.split("\n"):
                para(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# ----- PDF --------------------------------------------------------------------------------------

def render_pdf(r: AnnualReport) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    from .linebreak import break_lines
    from .pdf_writer import embed_cjk_fonts

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(title(r))
    pdf.set_author(r.agency)
    pdf.set_creator("foi_workflow")
    pdf.set_lang("zh-CN")
    drawn = [title(r)]  # every string drawn: the common font subset serves when it covers them
    for heading, content in sections(r):
        drawn.append(heading)
        if isinstance(content, Grid):
            drawn.extend(c.text for row in content.rows for c in row)
        else:
            drawn.append(content)
    embed_cjk_fonts(pdf, "cjk", drawn)
    pdf.set_margins(L.MARGIN_LEFT, L.MARGIN_TOP, L.MARGIN_RIGHT)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    bottom = L.PAGE_H - L.MARGIN_BOTTOM

    def need(h: float) -> None:
        if pdf.get_y() + h > bottom:
            pdf.add_page()

    def text(s: str, size: float, style: str = "", align: str = "L", indent: bool = True) -> None:
        pdf.set_font("cjk", style, size)
        h = size * L.PT * 1.6
        for segment in s.split("\n"):
            first = size * L.PT * 2 if indent and align == "L" else 0.0
            for k, ln in enumerate(break_lines(segment, L.TEXT_W, pdf.get_string_width, first_indent=first)):
                need(h)
                shift = first if k == 0 else 0.0
                pdf.set_x(L.MARGIN_LEFT + shift)
                pdf.cell(L.TEXT_W - shift, h, ln, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(g: Grid, size: float = 8.0) -> None:
        widths = [L.TEXT_W * w / sum(g.widths) for w in g.widths]
        xs = [L.MARGIN_LEFT + sum(widths[:j]) for j in range(len(widths) + 1)]
        pad, lh = 0.8, size * L.PT * 1.3
        positions = _grid_positions(g)
        # each row's height: enough for the tallest single-row cell in it
        heights = [lh + 2 * pad] * len(g.rows)
        lines_of = {}
        for i, j, c in positions:
            pdf.set_font("cjk", "B" if c.header else "", size)
            w = xs[j + c.colspan] - xs[j] - 2 * pad
            lines_of[(i, j)] = break_lines(c.text, w, pdf.get_string_width) or [""]
            if c.rowspan == 1:
                heights[i] = max(heights[i], len(lines_of[(i, j)]) * lh + 2 * pad)
        n_head = next((i for i, row in enumerate(g.rows) if not any(c.header for c in row)), len(g.rows))
        need(sum(heights[:n_head + 1]))
        # Lay the rows out page by page first (header rows again at the top of each new page),
        # then draw each on its own page: fpdf2 lets us go back to an earlier page.
        placed: list[tuple[int, int, float]] = []   # (row, page, y)
        page, y = pdf.page, pdf.get_y()
        for i in range(n_head):
            placed.append((i, page, y))
            y += heights[i]
        for i in range(n_head, len(g.rows)):
            if y + heights[i] > bottom:
                pdf.add_page()
                page, y = pdf.page, pdf.get_y()
                for h_i in range(n_head):
                    placed.append((h_i, page, y))
                    y += heights[h_i]
            placed.append((i, page, y))
            y += heights[i]
        cells_of: dict[int, list[tuple[int, Cell]]] = {}
        for i, j, c in positions:
            cells_of.setdefault(i, []).append((j, c))
        last_page = pdf.page
        pdf.set_line_width(0.2)
        for i, on_page, y0 in placed:
            pdf.page = on_page
            for j, c in cells_of.get(i, []):
                x0, x1 = xs[j], xs[j + c.colspan]
                h = sum(heights[i:i + c.rowspan])
                pdf.rect(x0, y0, x1 - x0, h)
                pdf.set_font("cjk", "B" if c.header else "", size)
                lines = lines_of[(i, j)]
                ty = y0 + (h - len(lines) * lh) / 2
                for k, ln in enumerate(lines):
                    pdf.set_xy(x0 + pad, ty + k * lh)
                    pdf.cell(x1 - x0 - 2 * pad, lh, ln, align=c.align)
        pdf.page = last_page
        pdf.set_xy(L.MARGIN_LEFT, y + 2)

    text(title(r), L.TITLE_PT * 0.8, "B", align="C", indent=False)
    pdf.ln(3)
    for heading, content in sections(r):
        text(heading, 12, "B", indent=False)
        if isinstance(content, Grid):
            grid(content, 7.5 if content is not None and len(content.widths) > 10 else 8.5)
        else:
            text(content, 11)
        pdf.ln(2)
    return bytes(pdf.output())


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
