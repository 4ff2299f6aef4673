"""An OfficialDocument as DOCX (Word/WPS, editable): GB/T 9704 page and type, same bytes every time.

python-docx builds the document from its default template; fonts are named, not embedded (staff
machines have the official ones: 方正小标宋简体 for the issuer and title, 仿宋_GB2312 for the
text; Word and WPS substitute a Song face where one is missing). Font names, zh-CN language tags,
theme, real weights and clean metadata: documents.docx_fonts. Deterministic: the core
properties carry the issue date, and the ZIP is rewritten with every entry stamped with the issue
date, in the same order, with the same compression.
"""

from __future__ import annotations

import io
import math
import zipfile

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from . import layout as L
from .docx_fonts import BODY_FONT, HEADING1_FONT, HEADING2_FONT, LATIN_FONT, TITLE_FONT  # noqa: F401
from .docx_fonts import fix_part, localise, run_fonts
from .model import OfficialDocument, Paragraph, Table


def renderer_id() -> str:
    return f"python-docx {docx.__version__}"


def _fonts(run, east_asian: str, size: float, bold: bool = False, color=None) -> None:
    """bold: the heavy title face, never w:b (docx_fonts.run_fonts)."""
    run_fonts(run, east_asian, size, bold, color)


# The line grid in whole twips, as Word keeps it: 22 lines of 579 twips (28.95 pt) fit the 225 mm
# 版心 (12,755 twips), 580 would leave room for 21 only.
LINE_TWIPS = int(L.LINE_PT * 20)
BODY_LINE_PT = LINE_TWIPS / 20


def _doc_grid(sec) -> None:
    """版心 22 lines: the section's line grid (w:docGrid, 579 twips a line).

    The 28 characters a line come from the body runs' condensed spacing (_condensed), not from a
    character grid: LibreOffice gives each 三号 character two cells of a grid narrower than 16 pt
    (14 characters a line), while Word, WPS and LibreOffice all honour condensed spacing alike."""
    sect = sec._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_TWIPS))
    if grid.get(qn("w:charSpace")) is not None:
        del grid.attrib[qn("w:charSpace")]


def _off_grid(p) -> None:
    """Text not of the body size (issuer, title, notes, tables) keeps its own pitch."""
    ppr = p._p.get_or_add_pPr()
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    ppr.insert_element_before(snap, *_AFTER_PBDR[_AFTER_PBDR.index("w:snapToGrid") + 1:])


def _no_hanging(element) -> None:
    """Punctuation stays inside the line (w:overflowPunct off: LibreOffice reads it per paragraph)."""
    ppr = element.get_or_add_pPr()
    overflow = OxmlElement("w:overflowPunct")
    overflow.set(qn("w:val"), "0")
    ppr.insert_element_before(overflow, *_AFTER_PBDR[_AFTER_PBDR.index("w:overflowPunct") + 1:])


def _spacing(p, line_pt: float = BODY_LINE_PT, before: float = 0, after: float = 0) -> None:
    _no_hanging(p._p)
    f = p.paragraph_format
    f.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    f.line_spacing = Pt(line_pt)
    f.space_before = Pt(before)
    f.space_after = Pt(after)


def _add_text(p, text: str, font: str, size: float, bold: bool = False, color=None) -> None:
    """Text with line breaks as <w:br/> (python-docx turns "\\n" into a break)."""
    run = p.add_run(text)
    _fonts(run, font, size, bold, color)
    if size == L.BODY_PT:
        _condensed(run)


# what follows w:spacing in a run's properties (the schema's order)
_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect",
                  "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang",
                  "w:eastAsianLayout", "w:specVanish", "w:oMath")
# 28 characters a line: body text condensed by the whole twentieths of a point that bring 28 三号
# characters within the 156 mm line (-0.25 pt; the line's justification spreads what is left)
CONDENSE_TW = math.floor((L.CHAR_PITCH / L.PT - L.BODY_PT) * 20)


def _condensed(run) -> None:
    rpr = run._element.get_or_add_rPr()
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CONDENSE_TW))
    rpr.insert_element_before(spacing, *_AFTER_SPACING)


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
        # 页码一字线上距版心下边缘7mm: the footer line's middle there
        sec.footer_distance = Mm(L.MARGIN_BOTTOM - L.PAGE_NO_DROP_MM - L.PAGE_NO_PT * L.PT * 0.6)
        _doc_grid(sec)
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
        normal.paragraph_format.widow_control = True  # 2 lines at least at a page's foot and head
        # Body text is set flush left, not justified: 28 condensed characters fill the line, and a
        # line ending before a number or date kept whole is never spread out with gaps (Word and
        # LibreOffice spread such a line as far as it takes); punctuation never hangs in the margin.
        _no_hanging(normal.element)
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
        localise(d, title=doc.title, subject=doc.subject or doc.doc_no, author=doc.signature,
                 keywords=doc.doc_no)
        self.d = d

    def para(self, text: str, *, font: str = BODY_FONT, size: float = L.BODY_PT, bold=False,
             align=WD_ALIGN_PARAGRAPH.LEFT, indent_chars: int = 0, line_pt: float = BODY_LINE_PT,
             color=None, before: float = 0, after: float = 0):
        p = self.d.add_paragraph()
        p.alignment = align
        _spacing(p, line_pt, before, after)
        if size != L.BODY_PT:
            _off_grid(p)
        if indent_chars:  # on the grid: two characters of its pitch
            p.paragraph_format.first_line_indent = (Mm(L.CHAR_PITCH * indent_chars) if size == L.BODY_PT
                                                    else Pt(size * indent_chars))
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
                _off_grid(p)
                _add_text(p, row[c] if c < len(row) else "", BODY_FONT, L.TABLE_PT,
                          bold=t.header and r == 0)

    def block(self, b):
        """The block's paragraph (None for a table)."""
        if isinstance(b, Table):
            self.table(b)
            return None
        assert isinstance(b, Paragraph)
        if b.style == "body":
            return self.para(b.text, indent_chars=L.INDENT_CHARS)
        if b.style == "note":
            return self.para(b.text, size=L.TABLE_PT, line_pt=L.TABLE_LINE_PT, align=WD_ALIGN_PARAGRAPH.LEFT)
        if b.style == "center":
            return self.para(b.text, align=WD_ALIGN_PARAGRAPH.CENTER)
        if b.style == "right":
            return self.para(b.text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        return self.para(b.text, align=WD_ALIGN_PARAGRAPH.LEFT)

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
        body = []
        if doc.addressee:
            body.append(self.para(doc.addressee, align=WD_ALIGN_PARAGRAPH.LEFT))
        for b in doc.blocks:
            body.append(self.block(b))
        # 落款 never alone on a page (GB/T 9704 7.3.5): the last body paragraph keeps with the
        # seal's room, the signature and the date, and with widow control at least its last two
        # lines go over with them; a one-line last paragraph brings the one before along too.
        tail = [p for p in body[-2:] if p is not None]
        if tail and len(tail[-1].text) > L.CHARS_PER_LINE - L.INDENT_CHARS:
            tail = tail[-1:]
        for p in tail:
            p.paragraph_format.keep_with_next = True
        for _ in range(L.SEAL_LINES if doc.seal_space else 1):
            self.para("").paragraph_format.keep_with_next = True
        right = Mm(L.CHAR_PITCH * L.SIGN_RIGHT_CHARS)
        sig = self.para(doc.signature, align=WD_ALIGN_PARAGRAPH.RIGHT)
        # 署名以成文日期为准居中: shift it right by half the length difference
        diff = (len(doc.date_text) * 0.6 - len(doc.signature)) / 2  # digits are about half width
        sig.paragraph_format.right_indent = Mm(L.CHAR_PITCH * max(0.0, L.SIGN_RIGHT_CHARS + diff))
        sig.paragraph_format.keep_with_next = True
        sig.paragraph_format.keep_together = True
        date = self.para(doc.date_text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        date.paragraph_format.right_indent = right
        if doc.postscript:  # a short postscript (the contact) stays with the date, as in the PDF
            date.paragraph_format.keep_with_next = True
            self.para("").paragraph_format.keep_with_next = True
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
            dst.writestr(fixed, fix_part(info.filename, src.read(info.filename), doc.issuer))
    return out.getvalue()


def write_docx(doc: OfficialDocument) -> bytes:
    """The document as DOCX bytes (the same bytes for the same document and python-docx)."""
    return _Writer(doc).write()
