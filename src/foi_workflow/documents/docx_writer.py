"""An OfficialDocument as DOCX (Word/WPS, editable): GB/T 9704 page and type, same bytes every time.

python-docx builds the document from its default template; fonts are named, not embedded (staff
machines have the official ones: 方正小标宋简体 for the issuer and title, 仿宋_GB2312 for the
text; Word and WPS substitute a Song face where one is missing). Deterministic: the core
properties carry the issue date, and the ZIP is rewritten with every entry stamped with the issue
date, in the same order, with the same compression.
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from . import layout as L
from .model import OfficialDocument, Paragraph, Table

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
LATIN_FONT = "Times New Roman"


def renderer_id() -> str:
    return f"python-docx {docx.__version__}"


def _fonts(run, east_asian: str, size: float, bold: bool = False, color=None) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = LATIN_FONT
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:  # pragma: no cover - python-docx adds it when font.name is set
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asian)
    if color is not None:
        run.font.color.rgb = RGBColor(*color)


def _spacing(p, line_pt: float = L.LINE_PT, before: float = 0, after: float = 0) -> None:
    f = p.paragraph_format
    f.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    f.line_spacing = Pt(line_pt)
    f.space_before = Pt(before)
    f.space_after = Pt(after)


def _add_text(p, text: str, font: str, size: float, bold: bool = False, color=None) -> None:
    """Text with line breaks as <w:br/> (python-docx turns "\\n" into a break)."""
    run = p.add_run(text)
    _fonts(run, font, size, bold, color)


_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
               "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
               "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
               "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
               "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
               "w:pPrChange")


def _bottom_rule(p, color=L.RED) -> None:
    ppr = p._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "12")
    bottom.set(qn("w:space"), "6")
    bottom.set(qn("w:color"), "%02X%02X%02X" % color)
    bdr.append(bottom)
    # WordprocessingML fixes the order of a paragraph's properties: pBdr comes before these
    ppr.insert_element_before(bdr, *_AFTER_PBDR)


def _page_number(p) -> None:
    """"— N —" with N a PAGE field (Word and WPS fill it in)."""
    def run_with(child=None, text=None):
        r = p.add_run(text) if text is not None else p.add_run()
        _fonts(r, BODY_FONT, L.PAGE_NO_PT)
        if child is not None:
            r._r.append(child)
        return r

    run_with(text="— ")
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run_with(instr)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)
    run_with(text=" —")


class _Writer:
    def __init__(self, doc: OfficialDocument) -> None:
        self.doc = doc
        d = docx.Document()
        sec = d.sections[0]
        sec.page_width, sec.page_height = Mm(L.PAGE_W), Mm(L.PAGE_H)
        sec.top_margin, sec.bottom_margin = Mm(L.MARGIN_TOP), Mm(L.MARGIN_BOTTOM)
        sec.left_margin, sec.right_margin = Mm(L.MARGIN_LEFT), Mm(L.MARGIN_RIGHT)
        sec.footer_distance = Mm(L.MARGIN_BOTTOM - 7 - 8)
        # 页码: odd pages right, even pages left, one character in
        d.settings.odd_and_even_pages_header_footer = True
        em = Pt(L.PAGE_NO_PT)
        odd = sec.footer.paragraphs[0]
        odd.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        odd.paragraph_format.right_indent = em
        _page_number(odd)
        even = sec.even_page_footer.paragraphs[0]
        even.alignment = WD_ALIGN_PARAGRAPH.LEFT
        even.paragraph_format.left_indent = em
        _page_number(even)
        normal = d.styles["Normal"]
        normal.font.name = LATIN_FONT
        normal.font.size = Pt(L.BODY_PT)
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
        cp = d.core_properties
        when = L.issue_datetime(doc.issued).replace(tzinfo=None)
        cp.title, cp.author, cp.subject = doc.title, doc.signature, doc.subject or doc.doc_no
        cp.created = cp.modified = cp.last_printed = when
        cp.last_modified_by = doc.signature
        cp.revision = 1
        cp.comments = ""
        cp.keywords = doc.doc_no
        cp.language = "zh-CN"
        self.d = d

    def para(self, text: str, *, font: str = BODY_FONT, size: float = L.BODY_PT, bold=False,
             align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent_chars: int = 0, line_pt: float = L.LINE_PT,
             color=None, before: float = 0, after: float = 0):
        p = self.d.add_paragraph()
        p.alignment = align
        _spacing(p, line_pt, before, after)
        if indent_chars:
            p.paragraph_format.first_line_indent = Pt(size * indent_chars)
        _add_text(p, text, font, size, bold, color)
        return p

    def table(self, t: Table) -> None:
        ncol = max(len(r) for r in t.rows)
        table = self.d.add_table(rows=len(t.rows), cols=ncol)
        table.style = self.d.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        rel = t.widths or (1.0,) * ncol
        widths = [Mm(L.TEXT_W * w / sum(rel)) for w in rel]
        for c in range(ncol):
            table.columns[c].width = widths[c]  # the table grid (LibreOffice, WPS lay out by it)
        for r, row in enumerate(t.rows):
            for c in range(ncol):
                cell = table.cell(r, c)
                cell.width = widths[c]           # each cell (Word lays out by these)
                p = cell.paragraphs[0]
                _spacing(p, L.TABLE_LINE_PT)
                _add_text(p, row[c] if c < len(row) else "", BODY_FONT, L.TABLE_PT,
                          bold=t.header and r == 0)

    def block(self, b) -> None:
        if isinstance(b, Table):
            self.table(b)
            return
        assert isinstance(b, Paragraph)
        if b.style == "body":
            self.para(b.text, indent_chars=L.INDENT_CHARS)
        elif b.style == "note":
            self.para(b.text, size=L.TABLE_PT, line_pt=L.TABLE_LINE_PT, align=WD_ALIGN_PARAGRAPH.LEFT)
        elif b.style == "center":
            self.para(b.text, align=WD_ALIGN_PARAGRAPH.CENTER)
        elif b.style == "right":
            self.para(b.text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        else:
            self.para(b.text, align=WD_ALIGN_PARAGRAPH.LEFT)

    def write(self) -> bytes:
        doc = self.doc
        self.para(doc.issuer, font=TITLE_FONT, size=L.ISSUER_PT, bold=True,
                  align=WD_ALIGN_PARAGRAPH.CENTER, line_pt=L.ISSUER_PT * 1.5, color=L.RED)
        no = self.para(doc.doc_no, align=WD_ALIGN_PARAGRAPH.CENTER, before=6)
        _bottom_rule(no)
        self.para("", align=WD_ALIGN_PARAGRAPH.CENTER)
        self.para(doc.title, font=TITLE_FONT, size=L.TITLE_PT, bold=True,
                  align=WD_ALIGN_PARAGRAPH.CENTER, line_pt=L.TITLE_PT * 1.5, before=L.LINE_PT,
                  after=L.LINE_PT)
        if doc.addressee:
            self.para(doc.addressee, align=WD_ALIGN_PARAGRAPH.LEFT)
        for b in doc.blocks:
            self.block(b)
        for _ in range(L.SEAL_LINES if doc.seal_space else 1):
            self.para("")
        right = Pt(L.BODY_PT * L.SIGN_RIGHT_CHARS)
        sig = self.para(doc.signature, align=WD_ALIGN_PARAGRAPH.RIGHT)
        # 署名以成文日期为准居中: shift it right by half the length difference
        diff = (len(doc.date_text) * 0.6 - len(doc.signature)) / 2  # digits are about half width
        sig.paragraph_format.right_indent = Pt(L.BODY_PT * max(0.0, L.SIGN_RIGHT_CHARS + diff))
        sig.paragraph_format.keep_with_next = True
        date = self.para(doc.date_text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        date.paragraph_format.right_indent = right
        if doc.postscript:
            self.para("")
            for b in doc.postscript:
                self.block(b)
        raw = io.BytesIO()
        self.d.save(raw)
        return _fixed_zip(raw.getvalue(), doc)


def _fixed_zip(data: bytes, doc: OfficialDocument) -> bytes:
    """The same ZIP with every entry dated the issue date (python-docx stamps the clock)."""
    stamp = (doc.issued.year, doc.issued.month, doc.issued.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 3
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def write_docx(doc: OfficialDocument) -> bytes:
    """The document as DOCX bytes (the same bytes for the same document and python-docx)."""
    return _Writer(doc).write()
