"""Invariants of the pure text helpers behind every notice: literal text, and Chinese line breaking."""

from __future__ import annotations

import unicodedata

from hypothesis import given, strategies as st

from foi_workflow.documents.linebreak import NO_LINE_END, NO_LINE_START, break_lines, tokens
from foi_workflow.notices.literal import literal

TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FFFF, blacklist_categories=("Cs",)),
               max_size=200)
CJK_TEXT = st.text(alphabet=st.sampled_from(list("政府信息公开申请答复书，。、；：（）《》“”0123456789abc-〔〕年月日\n")),
                   max_size=300)


def width(s: str) -> float:
    return sum(0.5 if ord(c) < 0x2E80 else 1.0 for c in s)


@given(TEXT)
def test_literal_text_hides_nothing_and_keeps_every_visible_character(text):
    out = literal(text)
    for ch in out:  # only line breaks and visible characters remain
        assert ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Zl", "Zp")
    visible = [c for c in text.replace("\r\n", "\n").replace("\r", "\n")
               if c == "\n" or unicodedata.category(c) not in ("Cc", "Cf", "Co", "Zl", "Zp", "Cn")]
    it = iter(out)
    assert all(c in it for c in visible)  # in order, none lost
    assert literal(out) == out  # applying it twice changes nothing


@given(CJK_TEXT, st.integers(min_value=4, max_value=30))
def test_line_breaking_loses_nothing_and_keeps_the_line_start_and_end_rules(text, w):
    for segment in text.split("\n"):
        lines = break_lines(segment, w, width, first_indent=2)
        assert "".join(lines) == segment  # nothing lost, nothing added
        for i, ln in enumerate(lines):
            room = w - (2 if i == 0 else 0)
            single = len(tokens(ln)) == 1
            # within the width, except closing marks hanging in the margin
            assert width(ln.rstrip("".join(NO_LINE_START))) <= room + 1e-9
            if i > 0 and ln:
                assert ln[0] not in NO_LINE_START  # no line starts with a closing mark
            if i < len(lines) - 1 and ln and ln[-1] in NO_LINE_END:
                assert single  # no line ends with an opening mark (unless it is all there is)
