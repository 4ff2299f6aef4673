"""The annual report's three tables as XLSX (openpyxl): one sheet each (二、主动公开, 三、收到和处理申请,
四、复议诉讼), laid out as published — the same grids as the DOCX and PDF (documents.annual_report):
merged cells, the two-row headers, the top-left note of table 3, numbers as numbers and
right-aligned — with a print set-up (A4 portrait, the GB/T 9704 margins, one page wide, the
header rows repeated on every printed page, page numbers "— 1 —").

The same figures give the same bytes: the workbook's properties carry a fixed date (1 January of
the next year, annual_report.stamp) and every ZIP entry is stamped with it.
"""

from __future__ import annotations

import io
from decimal import Decimal

from ..domain.statistics.layout import RESULTS_GROUP_LABEL
from ..domain.statistics.report import AnnualReport
from . import annual_report as A
from . import layout as L

#: Sheet names (Excel allows 31 characters and no []:*?/\).
SHEETS = {"table2": "二、主动公开", "table3": "三、收到和处理申请", "table4": "四、复议诉讼"}
_MM_PER_WIDTH = 1.8     # mm per unit of Excel's column width (a digit of the default font), about
_TITLE_ROWS = 2         # the report's title, the section heading


def _lines(text: str, width_mm: float) -> int:
    """Lines a cell's text takes at 五号 in a column of width_mm (full-width characters 3.7 mm)."""
    per_line = max(1, int((width_mm - 2 * A.CELL_PAD_MM) / (A.TABLE_PT * L.PT)))
    total = 0
    for seg in text.split("\n"):
        units = sum(1.0 if ord(ch) > 0x2E7F else 0.5 for ch in seg)
        total += max(1, -int(-units // per_line))
    return total


def render_xlsx(r: AnnualReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    wb.remove(wb.active)
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    body_font = Font(name=A.face_name("table"), size=A.TABLE_PT)
    head_font = Font(name=A.face_name("table_head"), size=A.TABLE_PT)
    inch = 1 / 25.4
    for key, grid in A.grids(r):
        ws = wb.create_sheet(SHEETS[key])
        ncol = len(grid.widths)
        scale = L.TEXT_W / sum(grid.widths)
        widths = [w * scale for w in grid.widths]
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = round(w / _MM_PER_WIDTH, 2)
        last = get_column_letter(ncol)
        for row, text, face, size in ((1, A.title(r), A.face_name("title"), 16.0),
                                      (2, grid.title, A.face_name("heading"), 12.0)):
            ws.merge_cells(f"A{row}:{last}{row}")
            c = ws.cell(row, 1, text)
            c.font = Font(name=face, size=size)
            c.alignment = Alignment(horizontal="center" if row == 1 else "left", vertical="center")
            ws.row_dimensions[row].height = size * 1.8
        lines = [1] * len(grid.rows)
        top = _TITLE_ROWS + 1
        for i, j, cell in A.grid_positions(grid):
            r0, c0 = top + i, 1 + j
            r1, c1 = r0 + cell.rowspan - 1, c0 + cell.colspan - 1
            value = cell.value if cell.value is not None else cell.text
            stacked = cell.text == A.HEADER_BREAKS[RESULTS_GROUP_LABEL]
            if stacked:      # read down: the spreadsheet's own stacked text, the label whole
                value = RESULTS_GROUP_LABEL
            if isinstance(value, Decimal):
                value = float(value) if value != value.to_integral_value() else int(value)
            target = ws.cell(r0, c0, value)
            if cell.value is not None:
                target.number_format = "0" if isinstance(value, int) else "0.00##"
            for rr in range(r0, r1 + 1):                # borders on every cell of a merged range
                for cc in range(c0, c1 + 1):
                    ws.cell(rr, cc).border = border
            if r1 > r0 or c1 > c0:
                ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
            target.font = head_font if cell.header else body_font
            target.alignment = Alignment(
                horizontal={"L": "left", "R": "right"}.get(cell.align, "center"), vertical="center",
                wrap_text=not stacked, textRotation=255 if stacked else 0)
            if cell.rowspan == 1:
                lines[i] = max(lines[i], _lines(cell.text, sum(widths[j:j + cell.colspan])))
        for i, n in enumerate(lines):
            ws.row_dimensions[top + i].height = n * A.TABLE_LINE_PT + 4
        # print: A4 portrait, the GB/T 9704 margins, one page wide, header rows on every page
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "portrait"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.print_options.horizontalCentered = True
        ws.page_margins.left, ws.page_margins.right = L.MARGIN_LEFT * inch, L.MARGIN_RIGHT * inch
        ws.page_margins.top, ws.page_margins.bottom = L.MARGIN_TOP * inch, L.MARGIN_BOTTOM * inch
        ws.page_margins.footer = (L.MARGIN_BOTTOM - 12) * inch
        ws.print_area = f"A1:{last}{top + len(grid.rows) - 1}"
        if grid.head_rows:
            ws.print_title_rows = f"{top}:{top + grid.head_rows - 1}"
            ws.freeze_panes = ws.cell(top + grid.head_rows, 1)
        ws.oddFooter.center.text = "— &P —"
        ws.oddFooter.center.size = L.PAGE_NO_PT
    when = A.stamp(r).replace(tzinfo=None)
    props = wb.properties
    props.title, props.creator, props.lastModifiedBy = A.title(r), r.agency, r.agency
    props.subject, props.language = "政府信息公开工作年度报告统计表", "zh-CN"
    props.created = props.modified = when
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()      # not openpyxl.save_workbook: it stamps "now"
    return A.fixed_zip(buf.getvalue(), A.stamp(r))
