"""Versions of the registers (issue 17): a narrative section or a disclosure figure written again
keeps every earlier value, with who wrote it and when; `foi stats history` lists them."""

from __future__ import annotations

import json

from .cli import bad, ok
from .test_statistics_cli import yuci  # noqa: F401  (fixture)


def test_overwriting_a_narrative_keeps_the_earlier_text_with_its_author(yuci):
    ok("stats", "narrative", "set", "overview", "--agency", "yuci", "--year", "2025", "--as", "c1", "--text", "初稿")
    ok("stats", "narrative", "set", "overview", "--agency", "yuci", "--year", "2025", "--as", "h1", "--text", "定稿")
    ok("stats", "narrative", "set", "overview", "--agency", "yuci", "--year", "2025", "--as", "h1", "--text", "定稿")
    rows = json.loads(ok("stats", "history", "--agency", "yuci", "--year", "2025", "--as", "c1", "--json").output)
    # newest first; writing the same text again is not a new version
    assert [(r["value"], r["recorded_by"]) for r in rows] == [("定稿", "h1"), ("初稿", "c1")]


def test_a_disclosure_figure_changed_twice_has_three_versions_and_an_unchanged_one_none(yuci):
    for value in ("3", "5", "5", "4"):
        ok("stats", "disclosure", "add", "--agency", "yuci", "--year", "2025", "--as", "c1",
           f"regulations.issued={value}")
    rows = json.loads(ok("stats", "history", "--agency", "yuci", "--year", "2025", "--kind", "disclosure",
                         "--key", "regulations.issued", "--as", "c1", "--json").output)
    assert [r["value"] for r in rows] == ["4", "5", "3"]
    text = ok("stats", "history", "--agency", "yuci", "--year", "2025", "--as", "c1").output
    assert "主动公开数据 regulations.issued" in text and "c1" in text


def test_history_is_read_like_the_report_and_bad_kinds_are_named(yuci):
    bad("stats", "history", "--agency", "yuci", "--year", "2025", "--kind", "fees", "--as", "c1")
    # a department's clerk does not read its government's report, nor its history
    assert "查看年度报告" in bad("stats", "history", "--agency", "yuci", "--year", "2025", "--as", "c2").output
