"""Making any text safe to print literally: control and invisible format characters made visible.

Applied to every string that enters a notice's context. Line breaks are kept ("\\r\\n" and "\\r"
become "\\n"); every other control character (C0, DEL, C1), every invisible format character
(bidirectional overrides, zero-width characters, BOM) and every noncharacter is written as its
escape, e.g. "\\x07", "\\u202e": nothing in a legal document is hidden or reorders the text
around it, and the PDF, DOCX (XML) and HTML files can all hold the result.
"""

from __future__ import annotations

import re
import unicodedata

_NEWLINES = re.compile(r"\r\n?")


def _visible(ch: str) -> str:
    o = ord(ch)
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}"


def _needs_escape(ch: str) -> bool:
    if ch == "\n":
        return False
    cat = unicodedata.category(ch)
    o = ord(ch)
    return (cat in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")
            or (0xFDD0 <= o <= 0xFDEF) or (o & 0xFFFE) == 0xFFFE)


def literal(text: str) -> str:
    """The text with line breaks normalised and hidden characters shown as escapes."""
    text = _NEWLINES.sub("\n", text)
    if text.isprintable():
        return text
    return "".join(_visible(ch) if _needs_escape(ch) else ch for ch in text)
