"""`foi serve`: one long-running process serving the project's scheduled deployments."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from .common import user_errors


@user_errors
def serve(
    only: list[str] = typer.Option([], "--only", help="只服务这些部署（可多次；默认全部）"),
    project_dir: Path = typer.Option(Path("."), "--project-dir",
                                     help="项目目录（含 flows/），默认当前目录"),
    limit: Optional[int] = typer.Option(None, "--limit", help="同时运行的流程数上限"),
) -> None:
    """Register every deployment of flows/deployments.py with PREFECT_API_URL and run their
    scheduled runs in this process until stopped (SIGTERM / Ctrl-C)."""
    from ..domain.errors import InputError

    if not os.environ.get("PREFECT_API_URL"):
        raise InputError("PREFECT_API_URL", "foi serve 须连接常驻的 Prefect 服务器（设置 PREFECT_API_URL，"
                         "如 http://127.0.0.1:4200/api；见 deploy/README.md）", "未设置 PREFECT_API_URL")
    root = project_dir.resolve()
    if not (root / "flows" / "deployments.py").is_file():
        raise InputError("--project-dir", "项目目录须包含 flows/deployments.py", f"{root} 中没有")
    os.chdir(root)  # deployments record their entrypoints relative to the working directory
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from flows.deployments import runner_deployments
    from prefect import serve as prefect_serve

    deployments = runner_deployments(list(only) or None)
    typer.echo("服务以下定时部署：" + "、".join(d.name for d in deployments))
    # schedules stay active while this process restarts (a missed run waits as Late, then runs;
    # each sweep is idempotent)
    prefect_serve(*deployments, limit=limit, print_starting_message=True, pause_on_shutdown=False)
