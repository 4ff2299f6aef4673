"""The project's deployments: one registry that `foi serve` serves.

To add one (e.g. the year-end statistics run), append a ScheduledDeployment to DEPLOYMENTS:
its name, the flow as "module:attribute", a cron line read in `timezone` (None: run on demand
only), default parameters, a concurrency limit. Flows are imported only when the deployments are
built (inside `foi serve`).

Who acts: scheduled runs act as the installation's scheduler (services/auth.scheduler_principal;
no staff code). A run started on demand for a member of staff takes their account code as the
parameter `staff` (an id, never personal data), resolved to a Principal by the flow itself
(flows/steps.acting) and held to the same policy as the CLI and the web.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class ScheduledDeployment:
    name: str
    flow: str                  # "flows.sweep:deadline_sweep_flow"
    cron: str | None           # read in `timezone`; None: on demand only
    description: str
    timezone: str = TIMEZONE
    parameters: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    concurrency_limit: int | None = None  # runs of this deployment at once

    def load_flow(self):
        module, _, attr = self.flow.partition(":")
        return getattr(importlib.import_module(module), attr)

    def to_deployment(self):
        """The prefect RunnerDeployment (schedule: Cron in the deployment's time zone)."""
        from prefect.schedules import Cron

        schedules = [Cron(self.cron, timezone=self.timezone)] if self.cron else None
        return self.load_flow().to_deployment(
            name=self.name, schedules=schedules, parameters=dict(self.parameters),
            description=self.description, tags=["foi", *self.tags],
            concurrency_limit=self.concurrency_limit)


DEPLOYMENTS: list[ScheduledDeployment] = [
    # Every day at 08:00 Beijing time; the flow itself skips non-working days (cron knows
    # weekdays, not holidays, and make-up Saturdays are working days).
    ScheduledDeployment(
        name="deadline-sweep", flow="flows.sweep:deadline_sweep_flow", cron="0 8 * * *",
        description="期限督办扫描：每日 08:00（北京时间），非工作日跳过；提醒、自动办结、邮件摘要",
        parameters={"working_days_only": True}, tags=("alerts",)),
    # 5 January 06:00 Beijing time: last year's annual reports, well before the 31 January deadline.
    ScheduledDeployment(
        name="year-end-statistics", flow="flows.year_end:year_end_flow", cron="0 6 5 1 *",
        description="年度报告：每年1月5日 06:00（北京时间）生成上一年度各机关年度报告及汇总（1月31日前公布）",
        parameters={"out_dir": "out/annual"}, tags=("statistics",)),
    # Every day at 03:00 Beijing time: the history's hash chains checked (a break fails the run).
    ScheduledDeployment(
        name="history-verify", flow="flows.verify:history_verify_flow", cron="0 3 * * *",
        description="办理记录核对：每日 03:00（北京时间）重新计算全部案件办理记录和文书的哈希链，发现断裂即失败并列明",
        concurrency_limit=1, tags=("integrity",)),
    # On demand: `prefect deployment run bulk-intake/bulk-intake -p path=… -p staff=<admin code>`;
    # one import at a time (each holds the agency's number series until it commits).
    ScheduledDeployment(
        name="bulk-intake", flow="flows.bulk:bulk_intake_flow", cron=None,
        description="批量导入历史台账：按需运行，参数 path（JSON 行文件）和 staff（受理机关管理员的账户代码）",
        concurrency_limit=1, tags=("intake",)),
]


def runner_deployments(names: list[str] | None = None) -> list:
    """RunnerDeployments for the registry (or the named entries), in registry order."""
    from foi_workflow.domain.errors import InputError

    known = {d.name for d in DEPLOYMENTS}
    unknown = sorted(set(names or ()) - known)
    if unknown:
        raise InputError("--only", "可选的部署：" + "、".join(sorted(known)), "未知的部署：" + "、".join(unknown))
    return [d.to_deployment() for d in DEPLOYMENTS if not names or d.name in names]
