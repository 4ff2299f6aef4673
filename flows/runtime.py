"""Lean Prefect settings for one process (demo, tests): see shared/engineering/prefect-facts.md.

Call lean_run(home) BEFORE prefect is imported: the ephemeral server subprocess inherits the
environment. Heartbeats can only be switched off in Python (None does not parse from the
environment), hence the temporary_settings inside.

flow_settings() is the one Settings object a flow run builds at its start (FOI_* from the
environment, plus any settings_overrides of the process that runs flows in-process).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

# Server services a short-lived process does not need (prefect 3.9 names).
UNNEEDED_SERVICES = ("SCHEDULER", "LATE_RUNS", "FOREMAN", "DB_VACUUM", "CANCELLATION_CLEANUP",
                     "PAUSE_EXPIRATIONS", "REPOSSESSOR", "CLEANUP_RECONCILER", "TRIGGERS",
                     "EVENT_LOGGER", "EVENT_PERSISTER", "TASK_RUN_RECORDER")


def lean_environment(home: Path) -> dict[str, str]:
    env = {f"PREFECT_SERVER_SERVICES_{name}_ENABLED": "false" for name in UNNEEDED_SERVICES}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env["PREFECT_HOME"] = str(home)
    # a loaded 2-core machine can take longer than the default 20 s to start the server
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
                   os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90"))
    return env


@contextmanager
def heartbeats_off(home: Path) -> Iterator[None]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, PREFECT_HOME, temporary_settings

    # PREFECT_HOME again as a setting: covers prefect having been imported before us.
    with temporary_settings(updates={PREFECT_HOME: str(home), PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@contextmanager
def lean_run(home: Path) -> Iterator[None]:
    """This process runs its flows on a lean ephemeral backend kept under `home`."""
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(lean_environment(home))
    with heartbeats_off(home):
        yield


# ----- Settings for the flow runs of this process ------------------------------------------------

_SETTINGS_OVERRIDES: dict[str, object] = {}


def flow_settings():
    """The Settings a flow run builds once, at its start: the environment (FOI_*), with the
    overrides of the process that runs the flows in-process (`make demo`: its notices folder)."""
    from foi_workflow.config import Settings

    return Settings.load(**_SETTINGS_OVERRIDES)


@contextmanager
def settings_overrides(**overrides: object) -> Iterator[None]:
    """Flow runs started inside the block (in this process) use these settings (e.g.
    notices_dir=Path("out/notices")) instead of writing FOI_* into os.environ."""
    from foi_workflow.config import Settings

    Settings.load(**{**_SETTINGS_OVERRIDES, **overrides})  # refuse bad values here, not in a run
    before = dict(_SETTINGS_OVERRIDES)
    _SETTINGS_OVERRIDES.update(overrides)
    try:
        yield
    finally:
        _SETTINGS_OVERRIDES.clear()
        _SETTINGS_OVERRIDES.update(before)
