"""An OfficialDocument as a PDF: A4, GB/T 9704 layout, the CJK font embedded (subset), same bytes every time.

fpdf2 embeds a subset of the static Noto Sans SC instances (documents.fonts). The output is
deterministic: the creation date is the issue date (midnight, Beijing time), nothing else in the
file depends on the clock, and fpdf2 names font subsets by their content.

Speed (a PDF took ~0.5 s, nearly all of it fpdf2 reading two 10 MB fonts): `embed_cjk_fonts`
(1) takes the fonts' common subsets (documents.fonts, 2.4 MB) when they hold every character of
the document, the full instances otherwise (a rare character in a name), the PDF being the same
bytes either way; and (2) reads each font file's metrics once per process: fpdf2's own font
object is built once, and each document gets a copy of it with its own lazily opened TTFont
(fpdf2 subsets that TTFont in place when writing the file, so it cannot be shared).
"""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import TextEmphasis, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont

from . import fonts, layout as L
from .linebreak import break_lines
from .model import OfficialDocument, Paragraph, Table

FAMILY = "cjk"


def renderer_id() -> str:
    """What the bytes depend on besides the document: library version and font files."""
    import fpdf

    return (f"layout {L.LAYOUT_VERSION}; fpdf2 {fpdf.__version__}; fonts "
            f"{fonts.cjk_font_path('regular').name}, {fonts.cjk_font_path('bold').name}")


_LOCK = threading.Lock()


@lru_cache(maxsize=8)
def _prototype(path: str) -> TTFFont:
    """fpdf2's font object for a font file, built once (its TTFont closed and dropped)."""
    with _LOCK:
        scratch = FPDF()
        scratch.add_font("proto", "", path)
        proto = scratch.fonts["proto"]
        proto.ttfont.close()
        proto.ttfont = None
        return proto


def _add_font(pdf: FPDF, family: str, style: str, path: str) -> None:
    """pdf.add_font(family, style, path), with the metrics read once per process.

    What fpdf2's TTFFont.__init__ computes from the file (cmap, widths, glyph ids, descriptor) is
    copied from the prototype; what a document changes is its own: a fresh lazily opened TTFont
    (subset in place on output), the width table (a defaultdict: reading fills it), the font
    descriptor (given an object id on output), the subset map and the missing-glyph list.
    tests/test_notices_fonts.py checks the bytes equal those of a plain add_font.
    """
    proto = _prototype(path)
    font = TTFFont.__new__(TTFFont)
    for slot in TTFFont.__slots__:
        if hasattr(proto, slot):
            setattr(font, slot, getattr(proto, slot))
    font.i = len(pdf.fonts) + 1
    font.fontkey = f"{family.lower()}{style}"
    font.emphasis = TextEmphasis.coerce(style)
    font.ttfont = TTFont(path, recalcTimestamp=False, fontNumber=0, lazy=True)
    font.cw = defaultdict(proto.cw.default_factory, proto.cw)
    font.desc = copy.copy(proto.desc)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.subset = SubsetMap(font)
    pdf.fonts[font.fontkey] = font


@lru_cache(maxsize=1)
def _common_coverage() -> frozenset[int]:
    """Code points both common subsets map (what a document may use to be written with them)."""
    return frozenset(_prototype(str(fonts.common_font_path("regular"))).cmap) & frozenset(
        _prototype(str(fonts.common_font_path("bold"))).cmap)


def font_paths(texts: Iterable[str]) -> dict[str, str]:
    """Style ("" / "B") → font file for a document made of these texts: the common subsets when
    they map every character (the same PDF bytes, a fifth of the reading), else the full fonts."""
    used = {ord(ch) for t in texts for ch in t if ch != "\n"}
    pick = fonts.common_font_path if used <= _common_coverage() else fonts.cjk_font_path
    return {"": str(pick("regular")), "B": str(pick("bold"))}


def embed_cjk_fonts(pdf: FPDF, family: str, texts: Iterable[str]) -> dict[str, str]:
    """Register the CJK Regular ("") and Bold ("B") fonts under `family` for a document made of
    `texts` (every string it will draw); returns style → the font file used."""
    paths = font_paths(texts)
    for style, path in paths.items():
        _add_font(pdf, family, style, path)
    return paths


def _texts(doc: OfficialDocument) -> list[str]:
    """Every string the writer draws for doc (the page numbers' characters included)."""
    out = [doc.issuer, doc.doc_no, doc.title, doc.addressee, doc.signature, doc.date_text,
           "— 0123456789"]
    for b in (*doc.blocks, *doc.postscript):
        if isinstance(b, Table):
            out.extend(cell for row in b.rows for cell in row)
        else:
            out.append(b.text)
    return out


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
        self.font_files = embed_cjk_fonts(pdf, FAMILY, _texts(doc))
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
        # The signature, the date and room for the seal stay on the page of the last text (a
        # page holding only the signature is not allowed): the room shrinks before the page ends
        # (the seal is pressed over the signature and date, so less room only means overlap).
        room = self.bottom - pdf.get_y()
        blank = next((b for b in range(L.SEAL_LINES if doc.seal_space else 1, -1, -1)
                      if (b + 2) * h <= room + 1e-6), None)
        if blank is None:
            self.need(3 * h)
            blank = 1
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

