"""The history-verify flow (scheduled daily, flows/deployments.py): the hash chains checked.

One library call (services.verify) as the installation's scheduler; what the orchestration adds
is the schedule, a markdown artifact per run (key `history-verify`: counts, the breaks by case
number or 文号, and the digest of all chain heads, so a later run — or an auditor — can tell a
history rewritten with every later link recomputed), and a failed run when any chain breaks, so
the administrators' notification of failed runs fires. No personal data in parameters, logs or
artifacts: case numbers, document numbers and counts only.
"""

from __future__ import annotations

from typing import Any, Optional

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from foi_workflow.config import Settings
from foi_workflow.services import auth
from foi_workflow.services import verify as verify_service
from foi_workflow.storage.uow import SqlUnitOfWork

ARTIFACT_BREAKS = 200


class HistoryBroken(RuntimeError):
    """A hash chain of the history does not hold (the run fails; the artifact names where)."""


def markdown(result: verify_service.Verification) -> str:
    lines = [f"# 办理记录哈希链核对：{'完好' if result.ok else f'发现 {len(result.breaks)} 处断裂'}", "",
             f"案件 {result.cases} 件，办理记录 {result.events} 条，文书 {result.notices} 件。", "",
             f"链尾摘要（SHA-256）：`{result.heads_sha256}`"]
    if result.breaks:
        lines += ["", "| 对象 | 编号 | 序号 | 问题 |", "|---|---|---|---|"]
        lines += [f"| {'案件' if b['what'] == 'case' else '文书'} | {b['ref']} | {b['seq'] or ''} | {b['problem']} |"
                  for b in result.breaks[:ARTIFACT_BREAKS]]
    return "\n".join(lines) + "\n"


@flow(name="history-verify")
def history_verify_flow(agency: Optional[str] = None) -> dict[str, Any]:
    """办理记录核对：recompute every case's event chain and every agency's notice chain."""
    from prefect.runtime import flow_run

    log = get_run_logger()
    who = auth.scheduler_principal(operator=f"prefect:{flow_run.id}")
    result = verify_service.verify(verify_service.VerifyQuery(agency), SqlUnitOfWork(Settings.load()), who)
    create_markdown_artifact(key="history-verify", markdown=markdown(result),
                             description=f"案件 {result.cases} 件；断裂 {len(result.breaks)} 处")
    log.info("history verified: %d cases, %d events, %d notices, %d breaks", result.cases, result.events,
             result.notices, len(result.breaks))
    if not result.ok:
        raise HistoryBroken(f"{len(result.breaks)} 处哈希链断裂，首处：{result.breaks[0]['ref']}")
    return result.to_dict()
