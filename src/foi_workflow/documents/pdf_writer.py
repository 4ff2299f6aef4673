"""An OfficialDocument as a PDF: A4, GB/T 9704 layout, the CJK font embedded (subset), same bytes every time.

fpdf2 embeds a subset of the static Noto Sans SC instances (documents.fonts). The output is
deterministic: the creation date is the issue date (midnight, Beijing time), nothing else in the
file depends on the clock, and fpdf2 names font subsets by their content.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from . import fonts, layout as L
from .linebreak import break_lines
from .model import OfficialDocument, Paragraph, Table

FAMILY = "cjk"


def renderer_id() -> str:
    """What the bytes depend on besides the document: library version and font files."""
    import fpdf

    return (f"fpdf2 {fpdf.__version__}; fonts {fonts.cjk_font_path('regular').name}, "
            f"{fonts.cjk_font_path('bold').name}")


class _Pdf(FPDF):
    def footer(self) -> None:  # 页码: "— 1 —", odd pages right, even pages left, one character in
        self.set_y(-L.MARGIN_BOTTOM + 7)
        self.set_font(FAMILY, "", L.PAGE_NO_PT)
        self.set_text_color(0, 0, 0)
        self.set_char_spacing(0)
        text = f"— {self.page_no()} —"
        em = L.PAGE_NO_PT * L.PT
        if self.page_no() % 2:
            self.set_x(L.PAGE_W - L.MARGIN_RIGHT - em - self.get_string_width(text))
        else:
            self.set_x(L.MARGIN_LEFT + em)
        self.cell(self.get_string_width(text), 8, text)


class _Writer:
    def __init__(self, doc: OfficialDocument) -> None:
        self.doc = doc
        pdf = _Pdf(orientation="P", unit="mm", format="A4")
        pdf.set_creation_date(L.issue_datetime(doc.issued))
        pdf.set_title(doc.title)
        pdf.set_author(doc.signature)
        pdf.set_subject(doc.subject or doc.doc_no)
        pdf.set_creator("foi_workflow")
        pdf.set_lang("zh-CN")
        pdf.add_font(FAMILY, "", str(fonts.cjk_font_path("regular")))
        pdf.add_font(FAMILY, "B", str(fonts.cjk_font_path("bold")))
        pdf.set_margins(L.MARGIN_LEFT, L.MARGIN_TOP, L.MARGIN_RIGHT)
        pdf.set_auto_page_break(False)
        pdf.add_page()
        self.pdf = pdf
        self.widths: dict[tuple[str, float], dict[str, float]] = {}

    # ----- measuring and placing lines ------------------------------------------------------

    def font(self, style: str, size: float) -> None:
        self.pdf.set_font(FAMILY, style, size)
        self.style = (style, size)

    def measure(self, text: str) -> float:
        cache = self.widths.setdefault(self.style, {})
        w = cache.get(text)
        if w is None:
            w = cache[text] = self.pdf.get_string_width(text)
        return w

    @property
    def bottom(self) -> float:
        return L.PAGE_H - L.MARGIN_BOTTOM

    def need(self, height: float) -> None:
        if self.pdf.get_y() + height > self.bottom + 1e-6:
            self.pdf.add_page()

    def line(self, text: str, x: float, width: float, height: float, align: str = "L",
             justify: bool = False) -> None:
        pdf = self.pdf
        natural = self.measure(text)
        spacing = 0.0
        n = len(text)
        if justify and n > 1 and natural < width:
            spacing = (width - natural) / (n - 1)
            if spacing > self.style[1] * L.PT * 0.25:  # a short line: do not spread it thin
                spacing = 0.0
        pdf.set_char_spacing(spacing / L.PT)  # Tc is in points
        if align == "C":
            x = x + (width - natural) / 2
        elif align == "R":
            x = x + width - natural
        pdf.set_xy(x, pdf.get_y())
        pdf.cell(natural + spacing * max(n - 1, 0) + 0.01, height, text,
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_char_spacing(0)

    def paragraph(self, text: str, *, size: float = L.BODY_PT, style: str = "", line_pt: float = L.LINE_PT,
                  align: str = "L", indent_chars: int = 0, justify: bool = True,
                  x: float = L.MARGIN_LEFT, width: float = L.TEXT_W) -> None:
        self.font(style, size)
        indent = indent_chars * size * L.PT
        h = line_pt * L.PT
        first = True
        for segment in text.split("\n"):  # a line break inside the paragraph ends a line
            lines = break_lines(segment, width, self.measure, first_indent=indent if first else 0.0)
            for i, ln in enumerate(lines):
                self.need(h)
                shift = indent if first and i == 0 else 0.0
                self.line(ln, x + shift, width - shift, h, align=align,
                          justify=justify and align == "L" and i < len(lines) - 1)
            first = False

    # ----- the parts of the document --------------------------------------------------------

    def head(self) -> None:
        pdf, doc = self.pdf, self.doc
        size = L.ISSUER_PT
        self.font("B", size)
        while self.measure(doc.issuer) > L.TEXT_W and size > 12:
            size -= 1
            self.font("B", size)
        pdf.set_text_color(*L.RED)
        pdf.set_y(L.MARGIN_TOP)
        self.line(doc.issuer, L.MARGIN_LEFT, L.TEXT_W, size * 1.5 * L.PT, align="C")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(6)
        self.font("", L.DOC_NO_PT)
        self.line(doc.doc_no, L.MARGIN_LEFT, L.TEXT_W, L.DOC_NO_PT * 1.4 * L.PT, align="C")
        y = pdf.get_y() + L.RULE_GAP_MM
        pdf.set_draw_color(*L.RED)
        pdf.set_line_width(0.6)
        pdf.line(L.MARGIN_LEFT, y, L.PAGE_W - L.MARGIN_RIGHT, y)
        pdf.set_draw_color(0, 0, 0)
        pdf.set_y(y + 2 * L.LINE_PT * L.PT)  # 红色分隔线之下空二行编排标题

    def title(self) -> None:
        self.paragraph(self.doc.title, size=L.TITLE_PT, style="B", line_pt=L.TITLE_PT * 1.5,
                       align="C", justify=False)
        self.pdf.ln(L.LINE_PT * L.PT)  # 标题下空一行

    def block(self, block) -> None:
        if isinstance(block, Table):
            self.table(block)
            return
        assert isinstance(block, Paragraph)
        if block.style == "body":
            self.paragraph(block.text, indent_chars=L.INDENT_CHARS)
        elif block.style == "note":
            self.paragraph(block.text, size=L.TABLE_PT, line_pt=L.TABLE_LINE_PT)
        elif block.style in ("center", "right"):
            self.paragraph(block.text, align=block.style[0].upper(), justify=False)
        else:
            self.paragraph(block.text)

    def table(self, table: Table) -> None:
        pdf = self.pdf
        ncol = max(len(r) for r in table.rows)
        rel = table.widths or (1.0,) * ncol
        widths = [L.TEXT_W * w / sum(rel) for w in rel]
        pad = 1.5
        h = L.TABLE_LINE_PT * L.PT
        pdf.set_line_width(0.3)
        pdf.ln(2)
        for r, row in enumerate(table.rows):
            style = "B" if table.header and r == 0 else ""
            self.font(style, L.TABLE_PT)
            cells = [break_lines(cell, w - 2 * pad, self.measure) for cell, w in zip(row, widths)]
            row_h = max(len(c) for c in cells) * h + 2 * pad
            self.need(row_h)
            y0, x = pdf.get_y(), L.MARGIN_LEFT
            for lines, w in zip(cells, widths):
                pdf.rect(x, y0, w, row_h)
                pdf.set_y(y0 + pad)
                for ln in lines:
                    self.line(ln, x + pad, w - 2 * pad, h)
                x += w
            pdf.set_y(y0 + row_h)
        pdf.ln(2)

    def signature(self) -> None:
        doc, pdf = self.doc, self.pdf
        h = L.LINE_PT * L.PT
        blank = L.SEAL_LINES if doc.seal_space else 1
        self.need((blank + 2) * h)  # the signature, the date and the seal's room stay together
        pdf.set_y(pdf.get_y() + blank * h)
        self.font("", L.BODY_PT)
        right = L.SIGN_RIGHT_CHARS * L.BODY_PT * L.PT
        date_w = self.measure(doc.date_text)
        date_x = L.PAGE_W - L.MARGIN_RIGHT - right - date_w
        sig_w = self.measure(doc.signature)
        sig_x = max(L.MARGIN_LEFT, date_x + date_w / 2 - sig_w / 2)  # 署名以成文日期为准居中
        if sig_x + sig_w > L.PAGE_W - L.MARGIN_RIGHT:
            sig_x = L.PAGE_W - L.MARGIN_RIGHT - sig_w
        self.paragraph(doc.signature, x=sig_x, width=L.PAGE_W - L.MARGIN_RIGHT - sig_x, justify=False)
        self.line(doc.date_text, date_x, date_w, h)

    def write(self) -> bytes:
        doc = self.doc
        self.head()
        self.title()
        if doc.addressee:
            self.paragraph(doc.addressee, justify=False)
        for b in doc.blocks:
            self.block(b)
        self.signature()
        if doc.postscript:
            self.pdf.ln(L.LINE_PT * L.PT)
            for b in doc.postscript:
                self.block(b)
        return bytes(self.pdf.output())


def write_pdf(doc: OfficialDocument) -> bytes:
    """The document as PDF bytes (the same bytes for the same document, fonts and fpdf2)."""
    return _Writer(doc).write()

