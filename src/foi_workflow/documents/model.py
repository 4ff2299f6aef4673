"""An official document (公文) as plain data: what the PDF and DOCX writers lay out.

Kept free of any file format: notices and reports build one of these (notices parse it from
their rendered HTML) and hand it to documents.pdf_writer / documents.docx_writer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of text ("\\n" is a line break inside it).

    style: "body" (first line indented two characters, justified), "plain" (no indent: e.g. the
    addressee line), "center", "right", or "note" (smaller text, no indent).
    """

    text: str
    style: str = "body"


@dataclass(frozen=True)
class Table:
    """A ruled table of text cells; the first row is a header row when `header` is set."""

    rows: tuple[tuple[str, ...], ...]
    header: bool = False
    widths: tuple[float, ...] | None = None  # relative column widths; equal when None


Block = Union[Paragraph, Table]


@dataclass(frozen=True)
class OfficialDocument:
    """The parts of a document laid out after GB/T 9704-2012 (党政机关公文格式)."""

    issuer: str                 # 发文机关标志 (red, centred, at the top)
    doc_no: str                 # 发文字号, e.g. 某机关依申请公开〔2026〕3号
    title: str                  # 标题
    addressee: str              # 主送 (written with its colon), may be empty
    blocks: tuple[Block, ...]   # 正文
    signature: str              # 发文机关署名
    date_text: str              # 成文日期, e.g. 2026年3月2日
    issued: dt.date             # the same date, for the files' metadata
    postscript: tuple[Block, ...] = ()  # after the date (notes such as 附注)
    seal_space: bool = True     # leave room above the signature for the seal
    subject: str = ""           # file metadata only
