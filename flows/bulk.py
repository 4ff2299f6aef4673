"""Bulk intake flow: register many applications (with their past events) from a JSON-lines file,
as the admin of the receiving agency whose account code the run is given (`staff`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from foi_workflow.domain.errors import InputError
from foi_workflow.services import bulk

from .steps import acting


@flow(name="bulk-intake", flow_run_name="bulk-intake-{path}")
def bulk_intake_flow(path: str, staff: str, all_or_nothing: bool = True) -> dict[str, Any]:
    """批量登记：check every line, then import all (or only the good lines when all_or_nothing
    is False), as the admin `staff` (an account code; services/bulk.py: admins of the receiving
    agency only). Bad lines are listed in a table artifact; in all-or-nothing mode the run fails."""
    uow, principal = acting(staff)
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("path", "批量导入文件为 UTF-8 编码的 JSON 行文件", f"无法读取 {path}：{exc}") from None
    report = bulk.import_register(bulk.ImportRegister(lines, all_or_nothing), uow, principal)
    log = get_run_logger()
    log.info("%s 导入 %d 件，已导入过 %d 件，有误 %d 行", principal.code, report.imported,
             report.already_imported, len(report.errors))
    if report.errors:
        create_table_artifact(key="bulk-intake-errors", description=f"{path} 中有误的行",
                              table=[e.as_dict() for e in report.errors])
        if all_or_nothing:
            first = report.errors[0]
            raise InputError("FILE", "全部导入或全部不导入：须先改正有误的行",
                             f"{len(report.errors)} 行有误（首个：第 {first.line} 行 {first.field}："
                             f"{first.message}），未导入任何申请")
    return {**report.as_dict(), "case_numbers": report.case_numbers}
