"""System tools some tests need (Chromium, LibreOffice, pdffonts), in one place.

.ci/run installs them and sets FOI_REQUIRE_BROWSER=1 / FOI_REQUIRE_LIBREOFFICE=1: there a missing
tool fails the test. A plain `make test` on a machine without them says plainly what did not run
(the brief: "`make test` runs them when Chromium is present and says so plainly when it is not").
"""

from __future__ import annotations

import os

import pytest

BROWSER = "FOI_REQUIRE_BROWSER"
DOCUMENTS = "FOI_REQUIRE_LIBREOFFICE"   # LibreOffice and poppler-utils: the document-layout checks


def require(found: object, flag: str, missing: str) -> None:
    """Go on when `found`; otherwise fail under `flag` (CI), or tell why the test did not run."""
    if found:
        return
    if os.environ.get(flag, "") not in ("", "0"):
        pytest.fail(f"{flag}=1 but {missing}")
    pytest.skip(missing)
