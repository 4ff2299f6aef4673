"""Reading a rendered notice (HTML) back into an OfficialDocument for the PDF and DOCX writers.

The templates write a small, fixed HTML vocabulary inside <main class="notice">; that one
rendering is the source of all three files, so the preview, the PDF and the DOCX say the same.

    <p class="issuer">  <p class="doc-no">  <h1>  <p class="addressee">
    <p> (body) | <p class="plain|note|center|right"> | <table><tr><th|td>
    <p class="signature">  <p class="date">  then optional <p class="note"> (postscript)

Whitespace: template line breaks and indentation vanish (Chinese has no spaces between words);
inside <span class="u"> (text from people) every space and line break is kept; <br> breaks a line.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

from ..documents.model import OfficialDocument, Paragraph, Table
from .templating import TemplateProblem

_NL_SPACE = re.compile(r"[ \t\r\f\v]*\n\s*")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_ALLOWED = {"p", "h1", "table", "thead", "tbody", "tr", "th", "td", "span", "br", "strong"}
_STYLES = {"plain", "note", "center", "right", "body"}
_SPECIAL = {"issuer", "doc-no", "addressee", "signature", "date"}


def _norm(text: str) -> str:
    return _SPACES.sub(" ", _NL_SPACE.sub("", text))


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_main = 0
        self.pieces: list[tuple[str, bool]] | None = None  # (text, keep as is)
        self.block_cls = ""
        self.block_tag = ""
        self.raw_depth = 0
        self.parts: dict[str, str] = {}
        self.title = ""
        self.blocks: list = []
        self.after: list = []
        self.table: list[list[str]] | None = None
        self.table_header = False
        self.row: list[str] | None = None

    def _bad(self, what: str) -> None:
        raise TemplateProblem("template", "告知书模板只使用 p、h1、table、tr、th、td、span、br 等元素",
                              what)

    def handle_starttag(self, tag: str, attrs) -> None:
        a = dict(attrs)
        if tag == "main" and "notice" in (a.get("class") or "").split():
            self.in_main += 1
            return
        if not self.in_main:
            return
        if tag not in _ALLOWED:
            self._bad(f"不支持的元素 <{tag}>")
        if tag in ("p", "h1", "td", "th"):
            if self.pieces is not None:
                self._bad(f"<{tag}> 不能嵌套在 <{self.block_tag}> 内")
            self.pieces, self.block_tag, self.block_cls = [], tag, (a.get("class") or "body")
            if tag == "th" and self.table is not None and not self.table:
                self.table_header = True
        elif tag == "table":
            self.table, self.table_header = [], False
            self.table_widths = a.get("data-widths")
        elif tag == "tr":
            self.row = []
        elif tag == "span" and "u" in (a.get("class") or "").split():
            self.raw_depth += 1
            if self.pieces is not None:
                self.pieces.append(("", True))
        elif tag == "br" and self.pieces is not None:
            self.pieces.append(("\n", True))

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self.in_main and self.pieces is not None:
            self.pieces.append((data, self.raw_depth > 0))
        elif self.in_main and data.strip():
            self._bad(f"文字须写在段落或表格单元格内：“{data.strip()[:20]}”")

    def _text(self) -> str:
        assert self.pieces is not None
        out = "".join(t if keep else _norm(t) for t, keep in self.pieces)
        return out.strip(" ")

    def handle_endtag(self, tag: str) -> None:
        if not self.in_main:
            return
        if tag == "main":
            self.in_main -= 1
            return
        if tag == "span" and self.raw_depth:
            self.raw_depth -= 1
        elif tag in ("p", "h1") and self.pieces is not None:
            text = self._text()
            self.pieces = None
            if tag == "h1":
                self.title = text
            elif self.block_cls in _SPECIAL:
                self.parts[self.block_cls] = text
            elif self.block_cls in _STYLES:
                (self.after if "date" in self.parts else self.blocks).append(Paragraph(text, self.block_cls))
            else:
                self._bad(f"未知的段落样式 class=\"{self.block_cls}\"")
        elif tag in ("td", "th") and self.pieces is not None:
            assert self.row is not None
            self.row.append(self._text())
            self.pieces = None
        elif tag == "tr" and self.row is not None:
            assert self.table is not None
            self.table.append(self.row)
            self.row = None
        elif tag == "table" and self.table is not None:
            widths = tuple(float(w) for w in self.table_widths.split(",")) if self.table_widths else None
            t = Table(tuple(tuple(r) for r in self.table), header=self.table_header, widths=widths)
            (self.after if "date" in self.parts else self.blocks).append(t)
            self.table = None


def to_document(html: str, issued: dt.date, subject: str = "") -> OfficialDocument:
    """The OfficialDocument a rendered notice describes (checks every required part is there)."""
    p = _Parser()
    p.feed(html)
    p.close()
    missing = [k for k in ("issuer", "doc-no", "signature", "date") if not p.parts.get(k)]
    if not p.title:
        missing.append("h1")
    if missing:
        raise TemplateProblem("template", "告知书须有发文机关、发文字号、标题、署名和日期",
                              "缺少：" + "、".join(missing))
    return OfficialDocument(
        issuer=p.parts["issuer"], doc_no=p.parts["doc-no"], title=p.title,
        addressee=p.parts.get("addressee", ""), blocks=tuple(p.blocks),
        signature=p.parts["signature"], date_text=p.parts["date"], issued=issued,
        postscript=tuple(p.after), subject=subject)
