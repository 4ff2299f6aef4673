"""The year-end statistics flow on the shared Prefect backend: files for every agency and the
roll-up, a markdown artifact, the scheduled deployment on a Shanghai cron; and the demo's files."""

from __future__ import annotations

import json

import pytest

from foi_workflow.services import bulk
from foi_workflow.storage import db

from . import factories

TODAY = "2026-06-30"


@pytest.fixture(scope="module")
def year_end(prefect_dir):
    from .prefect_harness import prefect_home

    with prefect_home(prefect_dir):
        import flows.year_end as module
    return module


@pytest.fixture
def district(clean_db, monkeypatch):
    monkeypatch.setenv("FOI_TODAY", TODAY)
    factories.agency(clean_db, "gov", "某区人民政府", "government")
    factories.agency(clean_db, "edu", "某区教育局", "department", parent="gov")
    for agency in ("gov", "edu"):
        factories.staff(clean_db, f"{agency}-c", f"{agency}承办人", "clerk", agency)
        factories.staff(clean_db, f"{agency}-h", f"{agency}负责人", "head", agency)
        factories.staff(clean_db, f"{agency}-a", f"{agency}管理员", "admin", agency)
    line = lambda n, agency, received, events: json.dumps(
        {"agency": agency, "received": received, "channel": "online", "subject": f"信息{n}",
         "handler": f"{agency}-c", "applicant": factories.bulk_applicant("commercial", f"公司{n}", n),
         "events": events, **factories.BULK_APPLICATION},
        ensure_ascii=False)
    reply = [{"move": "reply", "on": "2025-04-03", "actor": "gov-h", "data": factories.reply_data("already_public")}]
    for agency, lines in (("gov", [line(1, "gov", "2025-04-01", reply)]), ("edu", [line(2, "edu", "2025-12-30", [])])):
        report = bulk.import_register(bulk.ImportRegister(lines), factories.uow(clean_db),
                                      factories.principal(clean_db, f"{agency}-a"))
        assert not report.errors, report.errors
    return clean_db


def _report_reads(url: str) -> list[tuple[str, str, str]]:
    from sqlalchemy import select

    from foi_workflow.storage.identity_tables import AccessLogRow

    with db.session_scope(url) as s:
        return [(r.staff, r.operator, r.target) for r in s.scalars(
            select(AccessLogRow).where(AccessLogRow.action == "report.read").order_by(AccessLogRow.id))]


def test_year_end_flow_writes_every_report_and_the_roll_up_with_an_artifact(district, prefect_backend,
                                                                             year_end, tmp_path):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    out = year_end.year_end_flow(out_dir=str(tmp_path), formats=["json", "docx"])  # default: last year
    assert out["year"] == 2025 and out["reports"] == 3
    names = sorted(p.name for p in (tmp_path / "2025").iterdir())
    assert names == ["edu-2025.docx", "edu-2025.json", "gov-2025-rollup.docx", "gov-2025-rollup.json",
                     "gov-2025.docx", "gov-2025.json", "reports-2025.csv"]
    rollup = json.loads((tmp_path / "2025" / "gov-2025-rollup.json").read_text(encoding="utf-8"))
    assert rollup["table3"]["new"]["commercial"] == 2 and rollup["table3"]["carried_out"]["total"] == 1
    assert rollup["members"] == ["edu", "gov"]
    with get_client(sync_client=True) as client:
        [art] = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=["annual-report-2025"])), limit=1)
    assert "| 某区人民政府 | 汇总 | 2 | 0 | 1 | 1 | 0 | 否 |" in str(art.data)
    # read as the installation's scheduler, with this flow run as the operator
    [(staff, operator, target)] = _report_reads(district)
    assert staff == "system" and target == "2025 all"
    assert operator.startswith("prefect:") and operator != "prefect:local"


def test_year_end_deployment_runs_early_january_in_shanghai(prefect_backend, year_end):
    from prefect import get_client

    from flows.deployments import DEPLOYMENTS, runner_deployments

    entry = next(d for d in DEPLOYMENTS if d.name == "year-end-statistics")
    assert entry.cron == "0 6 5 1 *" and entry.timezone == "Asia/Shanghai"
    [dep] = runner_deployments(["year-end-statistics"])
    with get_client(sync_client=True) as client:
        stored = client.read_deployment(dep.apply())
    [schedule] = stored.schedules
    assert schedule.schedule.cron == "0 6 5 1 *" and schedule.schedule.timezone == "Asia/Shanghai"
    assert stored.entrypoint == "flows/year_end.py:year_end_flow"


def test_demo_statistics_writes_the_district_report_files(district, year_end, tmp_path, monkeypatch):
    """The demo's part (run without Prefect): roll-up DOCX/PDF, every body's JSON, the CSV."""
    from rich.console import Console

    monkeypatch.setattr(year_end, "DEMO_ROOT", "gov")
    monkeypatch.setattr(year_end, "_demo_registers", lambda uow, year: None)
    console = Console(record=True, width=200)
    written = year_end.demo_statistics(tmp_path, console)
    names = {p.name for p in written.files}
    assert {"gov-2025-rollup.pdf", "gov-2025-rollup.docx", "edu-2025.json", "reports-2025.csv"} <= names
    assert "edu-2025.pdf" not in names
    text = console.export_text()
    assert "本年新收 2" in text and "核对通过" in text


def test_demo_registers_are_written_by_the_demo_districts_own_staff(clean_db, year_end, tmp_path, monkeypatch):
    """The office's registers by its clerk, the district's narrative by a head of the district
    (created through the account service when the demo set-up made none)."""
    from rich.console import Console
    from sqlalchemy import select

    from foi_workflow.storage.statistics_tables import ConsultationRow, DisclosureCellRow, NarrativeRow

    monkeypatch.setenv("FOI_TODAY", TODAY)
    factories.agency(clean_db, "yuci", "榆次区人民政府", "government")
    factories.agency(clean_db, "yuci-bgs", "榆次区人民政府办公室", "department", parent="yuci")
    factories.staff(clean_db, "yuci-s", "区政务公开办督办员", "supervisor", "yuci")
    factories.staff(clean_db, "yuci-bgs-c", "榆次区人民政府办公室承办人", "clerk", "yuci-bgs")
    written = year_end.demo_statistics(tmp_path, Console(record=True, width=200), year=2025)
    assert written.failures == []
    with db.session_scope(clean_db) as s:
        cells = {r.recorded_by for r in s.scalars(select(DisclosureCellRow))}
        consultations = {r.recorded_by for r in s.scalars(select(ConsultationRow))}
        narratives = {(r.section, r.recorded_by, r.operator) for r in s.scalars(select(NarrativeRow))}
    assert cells == consultations == {"yuci-bgs-c"}
    assert narratives == {("overview", "yuci-h", "demo"), ("problems", "yuci-h", "demo")}
    rollup = next(r for r in written.reports if r.rollup)
    assert rollup.narrative["overview"].startswith("2025年，榆次区人民政府")
    # a second run finds the registers written and the head made: nothing twice
    year_end.demo_statistics(tmp_path, Console(record=True, width=200), year=2025)
    with db.session_scope(clean_db) as s:
        assert len(s.scalars(select(ConsultationRow)).all()) == 2
