"""The step flows render the notice their step issued inside the same flow run (one shared backend)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from foi_workflow.notices import register

from . import factories
from .test_flows import CLERK, HEAD, intake, ok, district  # noqa: F401  (fixture: built with the factories)


def test_a_step_flow_returns_the_files_of_the_notice_it_issued(prefect_backend, steps, district,
                                                                 tmp_path, monkeypatch):
    monkeypatch.setenv("FOI_NOTICES_DIR", str(tmp_path / "out"))
    _state, reg = intake(steps)
    assert reg["notices"] == []  # registration issues nothing
    case_no = reg["case_no"]
    ack = ok(steps.review_flow, case_no=case_no, decision="acknowledge", staff=CLERK, on="2026-03-02")
    (receipt,) = ack["notices"]
    assert receipt["kind"] == "receipt" and "〔2026〕1号" in receipt["doc_no"]
    assert ok(steps.review_flow, case_no=case_no, decision="accept", staff=CLERK,
              on="2026-03-03")["notices"] == []
    done = ok(steps.reply_flow, case_no=case_no, decision="reply", staff=HEAD, on="2026-03-10",
              data=factories.reply_data("unavailable.not_held"), request_id="flow-reply-1")
    (reply,) = done["notices"]
    assert reply["kind"] == "reply" and "〔2026〕2号" in reply["doc_no"]
    files = {fmt: Path(p) for fmt, p in reply["files"].items()}
    assert set(files) == {"pdf", "docx", "html"}
    assert all(p.parent == tmp_path / "out" and p.stat().st_size > 0 for p in files.values())
    u = factories.uow(os.environ["FOI_DATABASE_URL"])  # the database the runs' Settings read
    with u:  # the hashes the register recorded are the files'
        row = register.find(u.session, reply["key"])
        assert row.pdf_sha256 == hashlib.sha256(files["pdf"].read_bytes()).hexdigest()
        assert row.docx_sha256 == hashlib.sha256(files["docx"].read_bytes()).hexdigest()
    # the same request again: no second notice, the same files (checked against the register)
    again = ok(steps.reply_flow, case_no=case_no, decision="reply", staff=HEAD, on="2026-03-10",
               data=factories.reply_data("unavailable.not_held"), request_id="flow-reply-1")
    assert [n["key"] for n in again["notices"]] == [reply["key"]]
    assert again["notices"][0]["sha256"] == reply["sha256"]
