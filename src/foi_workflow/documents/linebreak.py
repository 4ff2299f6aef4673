"""Breaking Chinese text into lines of a given width, with the line-start/line-end rules (避头尾).

Characters may break anywhere, except: runs of Latin letters and digits (case numbers, dates
such as 2026年3月2日, 〔2026〕3号) stay whole unless longer than a line; closing punctuation never
starts a line and opening punctuation never ends one (the character before is carried over).
"""

from __future__ import annotations

import re
from typing import Callable

NO_LINE_START = set("，。、；：？！）》」』”’】〕〉…—·%,.;:?!)]}%")
NO_LINE_END = set("（《「『“‘【〔〈([{")
_TOKEN = re.compile(
    r"\d{4}年\d{1,2}月\d{1,2}日"            # a date stays on one line
    r"|〔\d{4}〕\d+号"                        # a document number's tail
    r"|[A-Za-z0-9](?:[A-Za-z0-9._:/@+\-]*[A-Za-z0-9])?"  # words, numbers, case numbers
    r"|\n|.", re.S)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def break_lines(text: str, width: float, measure: Callable[[str], float],
                first_indent: float = 0.0) -> list[str]:
    """The lines of `text` at `width` (the first line is `first_indent` narrower)."""
    lines: list[str] = []
    line: list[str] = []
    used = first_indent
    hung = False  # the last line ended with a hanging mark: a "\n" right after adds no empty line

    def flush() -> None:
        nonlocal line, used
        lines.append("".join(line))
        line, used = [], 0.0

    for tok in tokens(text):
        if tok == "\n":
            if not (hung and not line):
                flush()
            hung = False
            continue
        hung = False
        w = measure(tok)
        if used + w <= width + 1e-6:
            line.append(tok)
            used += w
            continue
        if w > width:  # a token longer than a line: split it
            for ch in tok:
                cw = measure(ch)
                if used + cw > width + 1e-6 and line:
                    flush()
                line.append(ch)
                used += cw
            continue
        if not line:
            line, used = [tok], w
            continue
        carried: list[str] = []
        if tok in NO_LINE_START:
            if len(line) == 1:                 # nothing to carry: the mark hangs in the margin
                line.append(tok)
                flush()
                hung = True
                continue
            carried.insert(0, line.pop())      # the character before goes down with it
        while len(line) > 1 and line[-1] in NO_LINE_END:
            carried.insert(0, line.pop())      # an opening bracket never ends a line
        flush()
        line = carried + [tok]
        used = sum(measure(t) for t in line)
    if line or not lines:
        lines.append("".join(line))
    return lines
