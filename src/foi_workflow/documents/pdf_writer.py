"""An OfficialDocument as a PDF: A4, GB/T 9704 layout, the fonts embedded (subset), same bytes every time.

Fonts (documents.fonts, one place): the family FAMILY holds the body face ("": 仿宋_GB2312 or
its open stand-in, a serif) and the title face ("B": 方正小标宋简体 or a heavy Song) — "B" is a
face of its own, never a faked bold; the heading faces (黑体, 楷体_GB2312) are the families of
ROLE_FONT, registered when asked for (fpdf2 embeds every registered font). A character the face
lacks refuses the document (check_glyphs: an InputError naming the part and the character), so a
missing-glyph box is never printed. The output is deterministic: the creation date is the issue
date (midnight, Beijing time), nothing else in the file depends on the clock, and fpdf2 names
font subsets by their content.

Speed (a PDF took ~0.5 s, nearly all of it fpdf2 reading two 10 MB fonts): `embed_cjk_fonts`
(1) takes the fonts' common subsets (documents.fonts, 2.4 MB) when they hold every character of
the document, the full files otherwise (a rare character in a name), the PDF being the same
bytes either way; and (2) reads each font file's metrics once per process: fpdf2's own font
object is built once, and each document gets a copy of it with its own lazily opened TTFont
(fpdf2 subsets that TTFont in place when writing the file, so it cannot be shared).
"""

from __future__ import annotations

import copy
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, partial

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import TextEmphasis
from fpdf.fonts import SubsetMap, TTFFont

from . import fonts, layout as L
from .linebreak import JOINER, break_lines
from .model import OfficialDocument, Paragraph, Table

FAMILY = "cjk"
#: role (documents.fonts.ROLES) → (fpdf2 family, style) to pass to set_font
ROLE_FONT = {"body": (FAMILY, ""), "title": (FAMILY, "B"), "heading1": ("heiti", ""),
             "heading2": ("kaiti", "")}


def renderer_id() -> str:
    """What the bytes depend on besides the document: library version and font files."""
    import fpdf

    faces = fonts.faces()
    return (f"layout {L.LAYOUT_VERSION}; fpdf2 {fpdf.__version__}; fonts "
            + ", ".join(f"{role} {f.path.name}#{fonts.file_sha256(f.path)[:12]}"
                        for role, f in faces.items()))


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


@lru_cache(maxsize=16)
def _cmap_of(path: str) -> frozenset[int]:
    return frozenset(_prototype(path).cmap)


def _common_coverage(role: str) -> frozenset[int]:
    """Code points the common subset of the role's face maps."""
    return _cmap_of(str(fonts.common_path(role)))


def role_paths(texts: Iterable[str], roles: Iterable[str] = ("body", "title")) -> dict[str, str]:
    """Role → font file for a document made of these texts: each face's common subset when it
    maps every character (the same PDF bytes, a fifth of the reading), else the full file."""
    used = {ord(ch) for t in texts for ch in t if ch != "\n"}
    return {role: str(fonts.common_path(role) if used <= _common_coverage(role)
                      else fonts.face(role).path) for role in roles}


def font_paths(texts: Iterable[str]) -> dict[str, str]:
    """Style of FAMILY ("" body, "B" title) → font file for a document made of these texts."""
    paths = role_paths(texts)
    return {"": paths["body"], "B": paths["title"]}


def embed_cjk_fonts(pdf: FPDF, family: str, texts: Iterable[str],
                    roles: Iterable[str] = ("body", "title")) -> dict[str, str]:
    """Register the faces of `roles` for a document made of `texts` (every string it will draw):
    body as (family, ""), title as (family, "B"), a heading role as ROLE_FONT[role]; returns
    style (or, for a heading, its family) → the font file used. Another writer (the annual
    report) calls it the same way and draws with pdf.set_font(*ROLE_FONT[role]) or (family, "B")."""
    out: dict[str, str] = {}
    for role, path in role_paths(texts, roles).items():
        fam, style = ROLE_FONT[role] if role.startswith("heading") else (family, ROLE_FONT[role][1])
        _add_font(pdf, fam, style, path)
        out[style if fam == family else fam] = path
    return out


def check_glyphs(doc: OfficialDocument) -> None:
    """Refuse the document (InputError naming the part and the characters) when a face it is
    drawn in has no glyph for one of its characters: never a missing-glyph box in a notice."""
    title = [("issuer", "发文机关标志", doc.issuer), ("title", "标题", doc.title)]
    body = [("doc_no", "发文字号", doc.doc_no), ("addressee", "主送", doc.addressee),
            ("signature", "署名", doc.signature), ("date_text", "成文日期", doc.date_text)]
    both = []
    for where, label, blocks in (("blocks", "正文", doc.blocks), ("postscript", "附注", doc.postscript)):
        for i, b in enumerate(blocks, 1):
            if isinstance(b, Table):  # a header row is drawn in the title face ("B")
                for r, row in enumerate(b.rows, 1):
                    (both if b.header and r == 1 else body).append(
                        (f"{where}[{i}]", f"{label}第{i}段（表格第{r}行）", "".join(row)))
            elif b.style in ("heading1", "heading2"):  # a heading drawn in its own face
                fonts.require_glyphs(b.style, f"{where}[{i}]", f"{label}第{i}段", b.text)
            else:
                body.append((f"{where}[{i}]", f"{label}第{i}段", b.text))
    for field, part, text in title:
        fonts.require_glyphs("title", field, part, text)
    for field, part, text in body:
        fonts.require_glyphs("body", field, part, text)
    for field, part, text in both:
        fonts.require_glyphs("body", field, part, text)
        fonts.require_glyphs("title", field, part, text)


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
    def footer(self) -> None:
        # 页码: 4号半角阿拉伯数字，左右各一条一字线，一字线上距版心下边缘7mm；单页码居右空一字，双页码居左空一字
        self.set_font(FAMILY, "", L.PAGE_NO_PT)
        self.set_text_color(0, 0, 0)
        self.set_char_spacing(0)
        text = page_number_text(self.page_no())
        em = L.PAGE_NO_PT * L.PT
        h = L.PAGE_NO_PT * 1.2 * L.PT
        self.set_y(L.PAGE_H - L.MARGIN_BOTTOM + L.PAGE_NO_DROP_MM - h / 2)
        if self.page_no() % 2:
            self.set_x(L.PAGE_W - L.MARGIN_RIGHT - em - self.get_string_width(text))
        else:
            self.set_x(L.MARGIN_LEFT + em)
        self.cell(self.get_string_width(text), h, text)


def page_number_text(n: int) -> str:
    return f"— {n} —"


@dataclass
class _Item:
    """One thing of the flowing text: a line of a paragraph, a table row, or a blank space."""

    h: float                          # mm
    draw: Callable[[float], None] | None  # draws it with its top at y (None: blank)
    para: int = -1                    # paragraph it belongs to (lines of one paragraph share it)
    first: bool = False               # its paragraph's first line
    last: bool = False                # its paragraph's last line
    fixed: bool = False               # stays where it is (the 落款 once placed)
    header: "_Item | None" = None     # a table row's header row, repeated atop a new page
    body_line: bool = False           # a line of 三号 body text (its pitch may be tightened)

    @property
    def text_line(self) -> bool:
        return self.draw is not None


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
        check_glyphs(doc)
        self.font_files = embed_cjk_fonts(pdf, FAMILY, _texts(doc))
        pdf.set_margins(L.MARGIN_LEFT, L.MARGIN_TOP, L.MARGIN_RIGHT)
        pdf.set_auto_page_break(False)
        pdf.c_margin = 0  # text starts at the margin itself (fpdf2 pads cells by 1 mm otherwise)
        pdf.add_page()
        self.pdf = pdf
        self.widths: dict[tuple[str, float], dict[str, float]] = {}
        self.paras = 0

    # ----- measuring and drawing lines ------------------------------------------------------

    def font(self, style: str, size: float) -> None:
        self.pdf.set_font(FAMILY, style, size)
        self.style = (style, size)

    def pitch_delta(self, size: float) -> float:
        """mm each character of this size is set closer than its own width: the body type (三号)
        runs on the 28-a-line grid, everything else at its natural width."""
        return L.CHAR_PITCH - size * L.PT if size == L.BODY_PT else 0.0

    def natural(self, text: str) -> float:
        cache = self.widths.setdefault(self.style, {})
        w = cache.get(text)
        if w is None:
            w = cache[text] = self.pdf.get_string_width(text.replace(JOINER, ""))
        return w

    def measure(self, text: str) -> float:
        """The width of text as set: its glyphs at the grid's pitch (what break_lines fills)."""
        n = len(text) - text.count(JOINER)
        return self.natural(text) + n * self.pitch_delta(self.style[1])

    @property
    def bottom(self) -> float:
        return L.PAGE_H - L.MARGIN_BOTTOM

    def draw_line(self, y: float, text: str, x: float, width: float, h: float, style: tuple[str, float],
                  align: str = "L", justify: bool = False, color=None) -> None:
        """One line at top y. Justified: its slack spread between its characters while each gap
        grows by at most JUSTIFY_MAX_EM (or shrinks for a squeezed closing mark)."""
        pdf = self.pdf
        text = text.replace(JOINER, "")
        self.font(*style)
        if color is not None:
            pdf.set_text_color(*color)
        n = len(text)
        set_w = self.measure(text)
        spacing = self.pitch_delta(style[1])
        if justify and n > 1:
            extra = (width - set_w) / (n - 1)
            if -L.SQUEEZE_EM * style[1] * L.PT / (n - 1) - 1e-9 <= extra <= L.JUSTIFY_MAX_EM * style[1] * L.PT:
                spacing += extra
                set_w = width
        if align == "C":
            x = x + (width - set_w) / 2
        elif align == "R":
            x = x + width - set_w
        pdf.set_char_spacing(spacing / L.PT)  # Tc is in points
        pdf.set_xy(x, y)
        pdf.cell(max(set_w, 0.01), h, text)
        pdf.set_char_spacing(0)
        if color is not None:
            pdf.set_text_color(0, 0, 0)

    def lines(self, text: str, *, size: float = L.BODY_PT, style: str = "", line_pt: float = L.LINE_PT,
              align: str = "L", indent_chars: int = 0, justify: bool = True,
              x: float = L.MARGIN_LEFT, width: float = L.TEXT_W, color=None) -> list[_Item]:
        """A paragraph as lines (items of the flow): broken with the line-start/end rules."""
        self.font(style, size)
        indent = indent_chars * (L.CHAR_PITCH if size == L.BODY_PT else size * L.PT)
        h = line_pt * L.PT
        squeeze = L.SQUEEZE_EM * size * L.PT if justify else 0.0
        para = self.paras
        self.paras += 1
        out: list[_Item] = []
        first = True
        for segment in text.split("\n"):  # a line break inside the paragraph ends a line
            lines = break_lines(segment, width, self.measure, first_indent=indent if first else 0.0,
                                squeeze=squeeze)
            for i, ln in enumerate(lines):
                shift = indent if first and i == 0 else 0.0
                out.append(_Item(h, partial(self.draw_line, text=ln, x=x + shift, width=width - shift, h=h,
                                            style=(style, size), align=align, color=color,
                                            justify=justify and align == "L" and i < len(lines) - 1),
                                 para=para, body_line=size == L.BODY_PT))
            first = False
        out[0].first = True
        out[-1].last = True
        return out

    # ----- the parts of the document --------------------------------------------------------

    def head(self) -> float:
        """版头 and 标题 on the first page; returns where the body starts (on the line grid)."""
        pdf, doc = self.pdf, self.doc
        size = L.ISSUER_PT
        self.font("B", size)
        while self.measure(doc.issuer) > L.TEXT_W and size > 12:
            size -= 1
            self.font("B", size)
        y = L.MARGIN_TOP
        self.draw_line(y, doc.issuer, L.MARGIN_LEFT, L.TEXT_W, size * 1.5 * L.PT, ("B", size), align="C",
                       color=L.RED)
        y += size * 1.5 * L.PT + 6
        h = L.DOC_NO_PT * 1.4 * L.PT
        self.draw_line(y, doc.doc_no, L.MARGIN_LEFT, L.TEXT_W, h, ("", L.DOC_NO_PT), align="C")
        y += h + L.RULE_GAP_MM  # 发文字号之下4mm处印一条与版心等宽的红色分隔线
        pdf.set_draw_color(*L.RED)
        pdf.set_line_width(0.6)
        pdf.line(L.MARGIN_LEFT, y, L.PAGE_W - L.MARGIN_RIGHT, y)
        pdf.set_draw_color(0, 0, 0)
        line = L.LINE_PT * L.PT
        title = self.lines(doc.title, size=L.TITLE_PT, style="B", line_pt=L.TITLE_PT * 1.5, align="C",
                           justify=False)
        # 红色分隔线下空二行编排标题，标题下空一行: the body then starts on a line of the page's grid
        # of 22 (any remainder widens the space above the title)
        end = y + 2 * line + sum(t.h for t in title) + line
        grid = L.MARGIN_TOP + math.ceil((end - L.MARGIN_TOP) / line - 1e-6) * line
        y = grid - line - sum(t.h for t in title)
        for t in title:
            assert t.draw is not None
            t.draw(y)
            y += t.h
        return grid

    def block(self, block) -> list[_Item]:
        if isinstance(block, Table):
            return self.table(block)
        assert isinstance(block, Paragraph)
        if block.style == "body":
            return self.lines(block.text, indent_chars=L.INDENT_CHARS)
        if block.style == "note":
            return self.lines(block.text, size=L.TABLE_PT, line_pt=L.TABLE_LINE_PT)
        if block.style in ("center", "right"):
            return self.lines(block.text, align=block.style[0].upper(), justify=False)
        return self.lines(block.text)

    def table(self, table: Table) -> list[_Item]:
        pdf = self.pdf
        ncol = max(len(r) for r in table.rows)
        rel = table.widths or (1.0,) * ncol
        widths = [L.TEXT_W * w / sum(rel) for w in rel]
        pad = 1.5
        h = L.TABLE_LINE_PT * L.PT
        para = self.paras
        self.paras += 1
        out = [_Item(2.0, None, para=para)]
        for r, row in enumerate(table.rows):
            style = ("B" if table.header and r == 0 else "", L.TABLE_PT)
            self.font(*style)
            cells = [break_lines(cell, w - 2 * pad, self.measure) for cell, w in zip(row, widths)]
            row_h = max(len(c) for c in cells) * h + 2 * pad

            def draw(y0: float, cells=cells, row_h=row_h, style=style) -> None:
                pdf.set_line_width(0.3)
                x = L.MARGIN_LEFT
                for lines, w in zip(cells, widths):
                    pdf.rect(x, y0, w, row_h)
                    for i, ln in enumerate(lines):
                        self.draw_line(y0 + pad + i * h, ln, x + pad, w - 2 * pad, h, style)
                    x += w

            out.append(_Item(row_h, draw, para=para, header=out[1] if table.header and r else None))
        out.append(_Item(2.0, None, para=para))
        out[1].first = True
        out[-2].last = True
        return out

    def closing(self) -> list[_Item]:
        """落款: room for the seal, the signature centred over the date, the date 右空四字."""
        doc = self.doc
        h = L.LINE_PT * L.PT
        self.font("", L.BODY_PT)
        right = L.SIGN_RIGHT_CHARS * L.CHAR_PITCH
        date_w = self.measure(doc.date_text)
        date_x = L.PAGE_W - L.MARGIN_RIGHT - right - date_w
        sig_w = self.measure(doc.signature)
        sig_x = max(L.MARGIN_LEFT, date_x + date_w / 2 - sig_w / 2)  # 署名以成文日期为准居中
        if sig_x + sig_w > L.PAGE_W - L.MARGIN_RIGHT:
            sig_x = L.PAGE_W - L.MARGIN_RIGHT - sig_w
        blank = L.SEAL_LINES if doc.seal_space else 1
        out = [_Item(blank * h, None)]
        out += self.lines(doc.signature, x=sig_x, width=L.PAGE_W - L.MARGIN_RIGHT - sig_x, justify=False)
        out += self.lines(doc.date_text, x=date_x, width=date_w, justify=False)
        return out

    # ----- pages ----------------------------------------------------------------------------

    def paginate(self, body: list[_Item], closing: list[_Item], after: list[_Item],
                 start: float) -> list[list[tuple[_Item, float]]]:
        """Each page's items and their tops. Body lines fill the pages (a paragraph's first line is
        never left alone at a page's foot, nor its last alone at a page's head); the 落款 goes
        whole onto the page of the body's last lines, with at least SIGN_MIN_BODY_LINES of them:
        when it does not fit below them, body lines move over with it (GB/T 9704 7.3.5)."""
        pages: list[list[_Item]] = [[]]
        ys = [start]

        def room() -> float:
            return self.bottom - ys[-1] - sum(i.h for i in pages[-1])

        def new_page(carried: list[_Item]) -> None:
            while carried and not carried[0].text_line:  # no blank at the head of a page
                carried.pop(0)
            if carried and carried[0].header is not None:  # a table goes on: its header first
                carried.insert(0, carried[0].header)
            pages.append(carried)
            ys.append(L.MARGIN_TOP)

        def carry_back(page: list[_Item], at_least: int) -> list[_Item]:
            """Lines taken off the end of page for the next: at least `at_least` text lines, never
            a paragraph's last line alone (a widow) nor its first line left behind alone (an
            orphan), and never every text line of the page."""
            moved: list[_Item] = []

            def enough() -> bool:
                if sum(i.text_line for i in moved) < at_least:
                    return False
                head = next((i for i in moved if i.text_line), None)
                tail = next((i for i in reversed(page) if i.text_line), None)
                if head is not None and head.last and not head.first:
                    return False
                return not (tail is not None and tail.first and not tail.last)

            while page and not page[-1].fixed and not enough():
                if page[-1].text_line and sum(i.text_line for i in page) <= 1:
                    break
                moved.insert(0, page.pop())
            return moved

        def place(items: list[_Item]) -> None:
            for item in items:
                if item.h <= room() + 1e-6 or not pages[-1]:
                    pages[-1].append(item)
                    continue
                pages[-1].append(item)  # it goes over: with whatever must keep it company
                new_page(carry_back(pages[-1], 1))

        # the body's last lines go with the 落款 as one block (with no widow or orphan made)
        head = list(body)
        tail = carry_back(head, L.SIGN_MIN_BODY_LINES)
        place(head)
        block = tail + closing
        # a short postscript (the contact, 附注) stays with the date rather than open a page alone
        if sum(i.h for i in after) <= (self.bottom - L.MARGIN_TOP) / 3:
            block, after = block + after, []
        for item in block[len(tail):]:
            item.fixed = True
        over = sum(i.h for i in block) - room()
        if over > 1e-6 and pages[-1]:
            # first the line pitch of this page's body lines, within TIGHTEN_MAX; else lines move
            lines = [i for i in (*pages[-1], *tail) if i.body_line]
            total = sum(i.h for i in lines)
            if lines and over <= total * L.TIGHTEN_MAX:
                for item in lines:
                    item.h *= 1 - over / total
                    assert isinstance(item.draw, partial)
                    item.draw = partial(item.draw.func, **{**item.draw.keywords, "h": item.h})
                pages[-1].extend(block)
            else:
                new_page(block)
        else:
            pages[-1].extend(block)
        place(after)
        out = []
        for page, y in zip(pages, ys):
            placed = []
            for item in page:
                placed.append((item, y))
                y += item.h
            out.append(placed)
        return out

    def write(self) -> bytes:
        doc = self.doc
        start = self.head()
        body: list[_Item] = []
        if doc.addressee:
            body += self.lines(doc.addressee, justify=False)
        for b in doc.blocks:
            body += self.block(b)
        closing = self.closing()
        after: list[_Item] = []
        if doc.postscript:
            after.append(_Item(L.LINE_PT * L.PT, None))
            for b in doc.postscript:
                after += self.block(b)
        for n, page in enumerate(self.paginate(body, closing, after, start)):
            if n:
                self.pdf.add_page()
            for item, y in page:
                if item.draw is not None:
                    item.draw(y)
        return bytes(self.pdf.output())


def _lines_of(items: list[_Item], para: int) -> int:
    return sum(1 for i in items if i.para == para and i.text_line)


def write_pdf(doc: OfficialDocument) -> bytes:
    """The document as PDF bytes (the same bytes for the same document, fonts and fpdf2)."""
    return _Writer(doc).write()
