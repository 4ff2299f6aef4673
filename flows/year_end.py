"""Year-end statistics flow: every agency's annual report and each government's roll-up, as files
and a Prefect markdown artifact; deployed on a schedule in early January (flows/deployments.py).

The figures come from services.statistics (table 3 counted in SQL; every report checked). A
report that fails a check is not written as a publishable file: the failures are listed in the
artifact and the run ends Failed with the Chinese text, so that someone looks before the
31 January deadline. `demo_statistics` writes the demo district's report files (make demo).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.exceptions import MissingContextError

from foi_workflow.config import Settings
from foi_workflow.documents import annual_report as docs
from foi_workflow.domain.errors import InputError
from foi_workflow.domain.identity import Principal
from foi_workflow.domain.statistics.layout import LAST_2008_RULES_YEAR
from foi_workflow.domain.statistics.legacy import render_text as legacy_text
from foi_workflow.domain.statistics.report import AnnualReport
from foi_workflow.services import auth, statistics
from foi_workflow.storage.files import write_atomic
from foi_workflow.storage.uow import SqlUnitOfWork, UnitOfWork

PUBLISH_FORMATS = ("json", "docx", "pdf", "xlsx")


@dataclass
class Written:
    year: int
    files: list[Path] = field(default_factory=list)
    reports: list[AnnualReport] = field(default_factory=list)
    failures: list[Any] = field(default_factory=list)


def write_reports(year: int, out_dir: Path, *, uow: UnitOfWork, principal: Principal,
                  root: str | None = None, formats: Iterable[str] = PUBLISH_FORMATS,
                  rollup_only_pdf: bool = False) -> Written:
    """Build every report of `year` (under `root`, or all agencies) as `principal` (the read is
    permissioned and logged) and write the files: <code>-<year>.<ext> for each agency's own
    report, <code>-<year>-rollup.<ext> for roll-ups, reports-<year>.csv with every report, and
    the 2008-format text for years under those rules."""
    out_dir.mkdir(parents=True, exist_ok=True)
    reports = statistics.build_reports(statistics.BuildReports(year, root), uow, principal)
    done = Written(year, failures=list(reports.failures))
    bad_names = {f.report for f in reports.failures}
    items = [(r, f"{code}-{year}") for code, r in sorted(reports.own.items())] + \
            [(r, f"{code}-{year}-rollup") for code, r in sorted(reports.rollups.items())]
    for report, stem in items:
        name = f"{report.agency} {year}年"
        if name in bad_names:
            continue
        done.reports.append(report)
        for fmt in formats:
            if fmt == "pdf" and rollup_only_pdf and not report.rollup:
                continue
            data = {"json": lambda r: (json.dumps(r.to_json(), ensure_ascii=False, indent=1) + "\n").encode(),
                    "docx": docs.render_docx, "pdf": docs.render_pdf, "xlsx": docs.render_xlsx}[fmt](report)
            path = out_dir / f"{stem}.{fmt}"
            write_atomic(path, data)
            done.files.append(path)
        if year <= LAST_2008_RULES_YEAR and report.rollup:
            path = out_dir / f"{stem}-legacy-2008.txt"
            write_atomic(path, legacy_text(docs.legacy_report(report)).encode("utf-8"))
            done.files.append(path)
    csv_path = out_dir / f"reports-{year}.csv"
    write_atomic(csv_path, docs.render_csv(done.reports).encode("utf-8"))
    done.files.append(csv_path)
    return done


def markdown_summary(written: Written) -> str:
    """The artifact: one line per report with the table-3 key figures, then any check failures."""
    lines = [f"# {written.year}年度政府信息公开工作年度报告", "",
             "| 机关 | 范围 | 本年新收 | 上年结转 | 办理结果总计 | 结转下年度 | 表四总计 | 锁定 |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in written.reports:
        t = r.table3
        t4 = sum(r.table4[g]["total"] for g in r.table4)
        lines.append(f"| {r.agency} | {'汇总' if r.rollup else '本机关'} | {t['new']['total']} | "
                     f"{t['carried_in']['total']} | {t['results_total']['total']} | {t['carried_out']['total']} | "
                     f"{t4} | {'是' if r.locked else '否'} |")
    lines += ["", f"共生成 {len(written.files)} 个文件。"]
    if written.failures:
        lines += ["", "## 未通过核对（未生成发布文件）", ""]
        lines += [f"- {f.text()}" for f in written.failures]
    return "\n".join(lines) + "\n"


def _flow_operator() -> str:
    """prefect:<flow run id> (the operator recorded in the access log), or prefect:local."""
    try:
        from prefect.runtime import flow_run

        run_id = flow_run.id
    except Exception:  # pragma: no cover - outside any run
        run_id = None
    return f"prefect:{run_id or 'local'}"


def _logger():
    try:
        return get_run_logger()
    except MissingContextError:  # pragma: no cover - called through .fn()
        import logging

        return logging.getLogger(__name__)


@flow(name="year-end-statistics", log_prints=False)
def year_end_flow(year: Optional[int] = None, out_dir: str = "out/annual",
                  formats: list[str] = list(PUBLISH_FORMATS)) -> dict[str, Any]:
    """Last year's reports (or `year`'s) for every agency and roll-up, written under out_dir/<year>,
    read as the installation's scheduler (it may read every agency's reports; the read is logged
    with this flow run as operator)."""
    settings = Settings.load()
    year = year or settings.legal_today().year - 1
    unknown = sorted(set(formats) - set(PUBLISH_FORMATS))
    if unknown:
        raise InputError("formats", "可选格式：" + "、".join(PUBLISH_FORMATS), f"未知的格式“{unknown[0]}”")
    principal = auth.scheduler_principal(operator=_flow_operator())
    written = write_reports(year, Path(out_dir) / str(year), uow=SqlUnitOfWork(settings),
                            principal=principal, formats=formats)
    create_markdown_artifact(key=f"annual-report-{year}", markdown=markdown_summary(written),
                             description=f"{year}年度政府信息公开工作年度报告（各机关及汇总）")
    _logger().info("年度报告：%s 份，文件 %s 个", len(written.reports), len(written.files))
    if written.failures:
        raise InputError("year", "年度报告须通过 annual-report-2021.md 的全部核对",
                         f"{len(written.failures)} 项未通过，首项：{written.failures[0].text()}")
    return {"year": year, "reports": len(written.reports), "files": [str(p) for p in written.files]}


# ----- make demo -----------------------------------------------------------------------------------

DEMO_ROOT = "yuci"
DEMO_BODY = "yuci-bgs"            # the district government's office: its registers
# Who writes the demo's registers: the office's clerk (made by flows/demo.py), and for the
# district's own narrative a head of the district government (made here if demo.py has none).
DEMO_CLERK = "yuci-bgs-c"
DEMO_HEAD = ("yuci-h", "榆次区人民政府负责人", "YUCI-H")  # code, name, staff number


def _demo_head(uow: UnitOfWork) -> Principal:
    """A member of staff of the district government who may write its narrative (STATS_WRITE:
    its own clerk, head or admin): DEMO_HEAD, created on first use through the account service
    (by an admin of the district or a government above it, or, before any admin exists, the
    first-run set-up). It has no password: flows/demo.py documents the demo's sign-ins."""
    from foi_workflow.domain.identity import Role
    from foi_workflow.services import accounts

    code, name, identifier = DEMO_HEAD
    operator = "demo"
    with uow:
        found = uow.directory.account_by_code(code)
        if found is None:
            root = uow.directory.agency_by_code(DEMO_ROOT)
            assert root is not None, DEMO_ROOT
            admin = next((a for a in uow.directory.accounts(uow.directory.agency_path(root.id))
                          if a.active and a.kind == "person" and Role.ADMIN in a.roles), None)
            setup = (auth.principal_for(admin.code, uow, operator=operator, via="cli") if admin
                     else auth.bootstrap_principal(uow, operator=operator))
            accounts.create_account(accounts.CreateAccount(code, name, DEMO_ROOT, identifier, "head"),
                                    uow, setup)
    with uow:
        return auth.principal_for(code, uow, operator=operator, via="cli")


def _demo_registers(uow: UnitOfWork, year: int) -> None:
    """Sample register entries for the demo district's year (only when it has none yet), written
    by the demo's own staff: the office's clerk for its registers, the district's head for the
    district's narrative."""
    from foi_workflow.services import stat_registers as reg
    from foi_workflow.storage.statistics_tables import DisclosureCellRow
    from sqlalchemy import select

    with uow:
        if uow.session.scalar(select(DisclosureCellRow.id).where(DisclosureCellRow.year == year)) is not None:
            return
        clerk = auth.principal_for(DEMO_CLERK, uow, operator="demo", via="cli")
    head = _demo_head(uow)
    today = uow.settings.legal_today()
    reg.set_disclosure(reg.SetDisclosure(DEMO_BODY, year, {
        "regulations.issued": 0, "normative_documents.issued": 6, "normative_documents.repealed": 2,
        "normative_documents.in_force": 41, "licensing.decisions": 1288, "penalties.decisions": 356,
        "enforcement.decisions": 12, "fees.amount_10k_yuan": "23.6"}), uow, clerk)
    reg.set_narrative(reg.SetNarrative(DEMO_ROOT, year, "overview",
                                       f"{year}年，榆次区人民政府认真贯彻《中华人民共和国政府信息公开条例》，"
                                       "依法办理政府信息公开申请，各项工作有序开展。"), uow, head)
    reg.set_narrative(reg.SetNarrative(DEMO_ROOT, year, "problems",
                                       "部分单位主动公开内容更新不够及时。下一步将加强督促检查和业务培训。"),
                      uow, head)
    for on, channel, n in ((dt.date(year, 3, 2), "on_site", 21), (dt.date(year, 3, 2), "phone", 64)):
        if on <= today:
            reg.add_consultation(reg.AddConsultation(DEMO_BODY, on, channel, n), uow, clerk)


def demo_statistics(out_dir: Path, console: Any, year: int | None = None) -> Written:
    """The demo district's annual report files (JSON for every body, DOCX/PDF of the roll-up,
    CSV) in out_dir/report/, from the demo database; prints a short summary. The reports are
    read as the scheduler would at year end (operator "demo")."""
    from foi_workflow.storage.models import CaseRow
    from sqlalchemy import func, select

    uow = SqlUnitOfWork(Settings.load())
    with uow:
        latest = uow.session.scalar(select(func.max(CaseRow.received)))
    year = year or (latest.year if latest else uow.settings.legal_today().year)
    _demo_registers(uow, year)
    written = write_reports(year, Path(out_dir) / "report", uow=uow,
                            principal=auth.scheduler_principal(operator="demo"), root=DEMO_ROOT,
                            formats=PUBLISH_FORMATS, rollup_only_pdf=True)
    rollup = next(r for r in written.reports if r.rollup and r.agency_code == DEMO_ROOT)
    t = rollup.table3
    console.print(f"{year}年度报告（{rollup.agency}，汇总 {len(rollup.members)} 个机关）："
                  f"本年新收 {t['new']['total']}，上年结转 {t['carried_in']['total']}，"
                  f"办理结果总计 {t['results_total']['total']}，结转下年度 {t['carried_out']['total']}；"
                  f"核对{'通过' if not written.failures else '未通过 ' + str(len(written.failures)) + ' 项'}")
    console.print(f"已写出 {len(written.files)} 个文件：{Path(out_dir) / 'report'}")
    return written
