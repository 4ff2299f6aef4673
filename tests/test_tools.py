"""tests/tools.require: under .ci/run's flag a missing system tool fails the test; a plain
`make test` says which check did not run (never a silent pass)."""

from __future__ import annotations

import pytest

from . import tools


def test_a_missing_tool_fails_under_the_ci_flag_and_is_named_otherwise(monkeypatch):
    monkeypatch.setenv(tools.DOCUMENTS, "1")
    with pytest.raises(pytest.fail.Exception, match="FOI_REQUIRE_LIBREOFFICE=1 but soffice"):
        tools.require(None, tools.DOCUMENTS, "soffice is not installed")
    monkeypatch.delenv(tools.DOCUMENTS)
    with pytest.raises(pytest.skip.Exception, match="soffice is not installed"):
        tools.require("", tools.DOCUMENTS, "soffice is not installed")
    tools.require("/usr/bin/soffice", tools.DOCUMENTS, "unused")  # found: the test goes on
