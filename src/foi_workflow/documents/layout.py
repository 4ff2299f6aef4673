"""The page and type measures of GB/T 9704-2012 shared by the PDF and DOCX writers (mm, pt)."""

from __future__ import annotations

import datetime as dt

#: Part of every rendered file's provenance: change it whenever the writers would lay out the same
#: document differently, so that a hash mismatch on an older notice names the cause.
LAYOUT_VERSION = "gbt9704-5"

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
LINES_PER_PAGE = 22  # 一般每面排22行，每行排28个字，并撑满版心
CHARS_PER_LINE = 28
LINE_PT = (PAGE_H - MARGIN_TOP - MARGIN_BOTTOM) / LINES_PER_PAGE / PT  # 225 mm / 22 = 28.99 pt
CHAR_PITCH = TEXT_W / CHARS_PER_LINE  # mm: 28 三号 characters fill the 156 mm line exactly
TABLE_LINE_PT = 22.0
RED = (204, 0, 0)    # 版头 red
RULE_GAP_MM = 4.0    # red rule 4 mm under the document number
SIGN_RIGHT_CHARS = 4  # 成文日期右空四字
SEAL_LINES = 2       # blank lines above the signature, where the seal goes
SEAL_MM = 42.0       # the seal's diameter (a round official seal, 4.2 cm)
# 印章端正、居中下压发文机关署名和成文日期，使署名和日期居印章中心偏下位置，印章顶端应当上距正文
# 一行之内: the seal's centre lies at the signature's top, so the SEAL_MM / 2 above it is kept free
# of text, and its top edge comes within a line of the last body line.
SIGN_MIN_BODY_LINES = 2  # 落款 never alone: at least two body lines go with it onto its page
# Justification: a full line's slack is spread between its characters only while each gap grows
# by at most this much (of the character's size); a line with more slack (before a date or a
# number that stays whole on the next line) keeps the normal pitch and its slack at its end.
JUSTIFY_MAX_EM = 0.075  # 1.2 pt at 三号: a full line takes up to two characters of slack
# 7.3.5 当公文排版后所剩空白处不能容下印章或签发人签名章、成文日期时，可以采取调整行距、字距的措施解决:
# the body lines of the 落款's page may be set this much closer before lines move to a new page
TIGHTEN_MAX = 0.05
SQUEEZE_EM = 0.5     # a closing mark may stay on a full line with the line set this much tighter
PAGE_NO_DROP_MM = 7.0  # 页码一字线上距版心下边缘7mm
INDENT_CHARS = 2     # 首行缩进两字


def issue_datetime(day: dt.date) -> dt.datetime:
    """The fixed time stamped in a file's metadata: midnight, Beijing time, of the issue date."""
    from ..localtime import SHANGHAI

    return dt.datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
