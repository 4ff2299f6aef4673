"""Breaking Chinese text into lines of a given width, with the line-start/line-end rules (避头尾).

Characters may break anywhere, except: runs of Latin letters and digits, dates such as
2026年3月2日, case numbers (2026年第4号), document and case numbers' tails (〔2026〕3号, （2026）榆自然资申第4号) and any run
whose characters are joined by WORD JOINER (U+2060, a writer draws it as nothing) stay whole
unless longer than a line; closing punctuation never starts a line and opening punctuation never
ends one (the character before is carried over, or, with `squeeze`, the line is set tighter).
"""

from __future__ import annotations

import re
from typing import Callable

NO_LINE_START = set("，。、；：？！）》」』”’】〕〉…—·%,.;:?!)]}%")
NO_LINE_END = set("（《「『“‘【〔〈([{")
JOINER = "\u2060"
_TOKEN = re.compile(
    r"(?:.\u2060)+."                       # characters joined by WORD JOINER: one unit
    r"|\d{4}年\d{1,2}月\d{1,2}日"            # a date stays on one line
    r"|\d{4}年第\d+号"                       # a case's number (受理编号：2026年第4号)
    r"|[〔（(]\d{4}[〕）)][\u3400-\u9fff]{0,8}?第?\d+号"  # a document or case number's tail
    r"|[A-Za-z0-9](?:[A-Za-z0-9._:/@+\-]*[A-Za-z0-9])?"  # words, numbers, case numbers
    r"|\n|.", re.S)


_EPS = 1e-6


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def break_lines(text: str, width: float, measure: Callable[[str], float],
                first_indent: float = 0.0, squeeze: float = 0.0) -> list[str]:
    """The lines of `text` at `width` (the first line is `first_indent` narrower).

    squeeze: a closing mark that overflows the line by at most this much stays on it (the
    writer sets that line tighter by the overflow) instead of carrying a character down."""
    lines: list[str] = []
    line: list[str] = []
    used = first_indent
    hung = False  # the last line ended with a hanging mark: a "\n" right after adds no empty line

    def flush() -> None:
        nonlocal line, used
        lines.append("".join(line))
        line, used = [], 0.0

    def split(tok: str) -> None:
        """Place a token character by character (it cannot stay whole on one line)."""
        nonlocal used
        for ch in tok:
            cw = measure(ch)
            if used + cw > width + _EPS and line:
                if ch in NO_LINE_START:  # even inside a long token, a closing mark hangs
                    line.append(ch)
                    flush()
                    continue
                flush()
            line.append(ch)
            used += cw

    for tok in tokens(text):
        if tok == "\n":
            if not (hung and not line):
                flush()
            hung = False
            continue
        w = measure(tok)
        if hung and not line and tok in NO_LINE_START:  # closing marks after a hanging one hang too
            lines[-1] += tok
            continue
        hung = False
        if used + w <= width + _EPS or (line and tok in NO_LINE_START and used + w <= width + squeeze + _EPS):
            line.append(tok)
            used += w
            continue
        room = width - (first_indent if not lines else 0.0)
        if w > width or (not line and w > room):  # longer than the line it would start: split it
            split(tok)
            continue
        carried: list[str] = []  # the line is not empty here: the token would have fitted
        if tok in NO_LINE_START:
            k = len(line) - 1                  # the character before goes down with it, and
            while k > 0 and line[k] in NO_LINE_START:  # any closing marks between them
                k -= 1
            if k == 0:                         # nothing to carry: the mark hangs in the margin
                line.append(tok)
                flush()
                hung = True
                continue
            carried = line[k:]
            del line[k:]
        while len(line) > 1 and line[-1] in NO_LINE_END:
            carried.insert(0, line.pop())      # an opening bracket never ends a line
        flush()
        line = carried
        used = sum(measure(t) for t in line)
        if used + w <= width + _EPS:
            line.append(tok)
            used += w
        else:  # the carried characters and the token do not fit one line together
            split(tok)
    if line or not lines:
        lines.append("".join(line))
    return lines
