"""The page and type measures of GB/T 9704-2012 shared by the PDF and DOCX writers (mm, pt)."""

from __future__ import annotations

import datetime as dt

#: Part of every rendered file's provenance: change it whenever the writers would lay out the same
#: document differently, so that a hash mismatch on an older notice names the cause.
LAYOUT_VERSION = "gbt9704-4"

PAGE_W, PAGE_H = 210.0, 297.0           # A4
MARGIN_TOP, MARGIN_BOTTOM = 37.0, 35.0  # 天头 37 mm; 版心 225 mm high
MARGIN_LEFT, MARGIN_RIGHT = 28.0, 26.0  # 订口 28 mm; 版心 156 mm wide
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT
PT = 25.4 / 72                          # one point in mm

ISSUER_PT = 26.0     # 发文机关标志 (shrunk to fit one line when long)
DOC_NO_PT = 16.0     # 发文字号: 三号
TITLE_PT = 22.0      # 标题: 二号
BODY_PT = 16.0       # 正文: 三号 (28 characters a line)
TABLE_PT = 14.0      # tables and notes: 四号
PAGE_NO_PT = 14.0    # 页码: 四号
LINE_PT = 28.95      # 22 lines a page: 225 mm / 22
TABLE_LINE_PT = 22.0
RED = (204, 0, 0)    # 版头 red
RULE_GAP_MM = 4.0    # red rule 4 mm under the document number
SIGN_RIGHT_CHARS = 4  # 成文日期右空四字
SEAL_LINES = 2       # blank lines above the signature, where the seal goes
INDENT_CHARS = 2     # 首行缩进两字


def issue_datetime(day: dt.date) -> dt.datetime:
    """The fixed time stamped in a file's metadata: midnight, Beijing time, of the issue date."""
    from ..localtime import SHANGHAI

    return dt.datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
