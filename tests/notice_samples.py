"""One notice of every kind (and the replies of several decisions), issued through the services on
a test database, read back as OfficialDocuments: what the layout checks (tests/test_notice_layout.py)
and the page images in docs/screenshots/ are made from.

    .venv/bin/python -m tests.notice_samples OUT_DIR   # writes each sample's PDF and DOCX there
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from foi_workflow.documents.model import OfficialDocument
from foi_workflow.notices import register
from foi_workflow.notices.html_doc import to_document
from foi_workflow.storage import db
from foi_workflow.storage.models import CaseRow
from foi_workflow.storage.notice_tables import NoticeRow, NoticeTemplateRow
from sqlalchemy import select

from . import factories
from .test_notices import (AGENCY, AGENCY_NAME, GOV, GOV_NAME, RECEIVED, SIBLING, SIBLING_NAME, TODAY,
                           new_case, step)

D = dt.date
_W = ("accept", "c1", D(2026, 3, 3), {})

# name → (subject of the application, the steps; the last notice those steps issue is the sample)
SCENARIOS: dict[str, tuple[str, list[tuple[str, str, D, dict[str, Any]]]]] = {
    "receipt": ("某村集体土地征收批复文件", [("acknowledge", "c1", RECEIVED, {})]),
    "correction": ("某村集体土地征收批复文件", [
        ("request_correction", "c1", D(2026, 3, 4),
         {"items": "请写明所需文件的名称、文号或者便于本机关查询的其他特征性描述", "delivered": "2026-03-05"})]),
    "extension": ("某村集体土地征收批复文件", [
        _W, ("extend", "h1", D(2026, 3, 20), {"days": 10, "reasons": "所申请信息需调取档案室存档文件逐件核实"})]),
    "third_party_consultation": ("某企业排污监测数据", [
        _W, ("consult", "c1", D(2026, 3, 4), {"kind": "third_party", "party": "某化工企业", "delivered": "2026-03-05"})]),
    "agency_consultation": ("某村集体土地征收批复文件", [
        _W, ("consult", "c1", D(2026, 3, 4),
             {"kind": "other_agency", "party": "榆次区发展和改革局", "delivered": "2026-03-06"})]),
    "public_interest": ("某企业排污监测数据", [
        _W, ("consult", "c1", D(2026, 3, 4), {"kind": "third_party", "party": "某化工企业"}),
        ("consultation_answered", "c1", D(2026, 3, 10), {"answer": "objection", "reasonable_grounds": True}),
        ("public_interest_override", "h1", D(2026, 3, 11), {"reasons": "涉及周边居民身体健康和生态环境安全"})]),
    "fee": ("某村集体土地征收批复文件", [
        _W, ("fee_notice", "c1", D(2026, 3, 4),
             {"method": "per_volume", "pages": 225, "medium": "paper", "delivered": "2026-03-05"})]),
    "reasons_request": ("某村集体土地征收批复文件", [
        _W, ("request_reasons", "c1", D(2026, 3, 4), {"facts": "本月已提出申请40件", "delivered": "2026-03-05"})]),
    "longer_deadline": ("某村集体土地征收批复文件", [
        _W, ("request_reasons", "c1", D(2026, 3, 4), {"facts": "本月已提出申请40件"}),
        ("reasons_answered", "c1", D(2026, 3, 5), {"answer": "reasonable", "reasons": "课题研究需要"}),
        ("set_longer_deadline", "h1", D(2026, 3, 5), {"due": "2026-05-29", "reasons": "申请涉及五年文件需分批整理"})]),
    "transfer": ("某小区规划许可文件", [
        ("transfer", "h1", D(2026, 3, 4), {"to": SIBLING, "reasons": "所申请信息由住建局制作、保存"})]),
    "abandonment": ("某村集体土地征收批复文件", [
        ("request_correction", "c1", D(2026, 3, 4), {"items": "请写明文件名称", "delivered": "2026-03-05"}),
        ("correction_lapsed", "c1", D(2026, 4, 1), {})]),
    "reply.disclosed": ("某村集体土地征收批复文件", [
        _W, ("sign_off", "r1", D(2026, 3, 5), {"decision": "disclose"}),
        ("reply", "h1", D(2026, 3, 10), {"outcome": "disclosed"})]),
    "reply.partial": ("某村集体土地征收批复文件", [
        _W, ("sign_off", "r1", D(2026, 3, 5), {"decision": "partial", "ground": "process_info"}),
        ("reply", "h1", D(2026, 3, 10), {"outcome": "partial", "ground": "process_info"})]),
    "reply.withheld": ("某村集体土地征收批复文件", [
        _W, ("sign_off", "r1", D(2026, 3, 5), {"decision": "withhold", "ground": "third_party_rights"}),
        ("reply", "h1", D(2026, 3, 10), {"outcome": "withheld.third_party_rights"})]),
    "reply.not_held": ("某村集体土地征收批复文件", [
        ("reply", "h1", D(2026, 3, 10), {"outcome": "unavailable.not_held"})]),
    "reply.not_this_agency": ("某村集体土地征收批复文件", [
        ("reply", "h1", D(2026, 3, 10),
         {"outcome": "unavailable.not_this_agency", "right_agency": SIBLING_NAME})]),
    "reply.excessive": ("某村集体土地征收批复文件", [
        _W, ("request_reasons", "c1", D(2026, 3, 4), {"facts": "本月已提出申请40件"}),
        ("reasons_answered", "c1", D(2026, 3, 9), {"answer": "unreasonable", "reasons": "未说明用途"}),
        ("reply", "h1", D(2026, 3, 10), {"outcome": "not_processed.excessive"})]),
    "reply.withdrawn": ("某村集体土地征收批复文件", [("withdraw", "c1", D(2026, 3, 6), {})]),
}


def setup_office(url: str) -> None:
    """The agencies and staff of tests/test_notices.py's office, and the agency a case is sent to."""
    factories.agency(url, GOV, GOV_NAME, "government")
    factories.agency(url, AGENCY, AGENCY_NAME, "department", parent=GOV)
    factories.agency(url, SIBLING, SIBLING_NAME, "department", parent=GOV)
    for code, role in (("c1", "clerk"), ("h1", "head"), ("r1", "reviewer")):
        factories.staff(url, code, code, role, AGENCY)


def latest_document(url: str, case_no: str) -> OfficialDocument:
    """The case's latest notice as the writers get it (its stored HTML read back)."""
    with db.session_scope(url) as s:
        row = s.scalars(select(NoticeRow).join(CaseRow, CaseRow.id == NoticeRow.case_id)
                        .where(CaseRow.case_no == case_no).order_by(NoticeRow.id.desc())).first()
        assert row is not None, f"{case_no}: the steps issued no notice"
        sources = s.get(NoticeTemplateRow, row.template_version)
        html = register.render_bytes(row, dict(sources.sources), ("html",))["html"].decode("utf-8")
        return to_document(html, row.issued_on, subject=row.context["case"]["case_no"])


def issue_all(url: str) -> dict[str, OfficialDocument]:
    """Each scenario's notice (on a database with setup_office done)."""
    out: dict[str, OfficialDocument] = {}
    for name, (subject, steps) in SCENARIOS.items():
        case_no = new_case(url, subject=subject)
        for move, who, on, data in steps:
            step(url, case_no, move, who, on, **data)
        out[name] = latest_document(url, case_no)
    return out


def issue_on_scratch_db(work: Path) -> dict[str, OfficialDocument]:
    """Every scenario's notice, issued on a new SQLite database in folder work."""
    url = f"sqlite:///{work / 'samples.sqlite3'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FOI_TODAY", TODAY.isoformat())
        mp.setenv("FOI_NOTICES_DIR", str(work / "notices"))
        mp.setenv("FOI_DATABASE_URL", url)
        db.upgrade(url)
        setup_office(url)
        return issue_all(url)


def main(argv: list[str]) -> None:  # pragma: no cover - a tool for the page images
    import tempfile

    from foi_workflow.documents.docx_writer import write_docx
    from foi_workflow.documents.pdf_writer import write_pdf

    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, doc in issue_on_scratch_db(Path(tmp)).items():
            (out / f"{name}.pdf").write_bytes(write_pdf(doc))
            (out / f"{name}.docx").write_bytes(write_docx(doc))
            print(out / f"{name}.pdf")


if __name__ == "__main__":  # pragma: no cover
    import sys

    main(sys.argv[1:])
