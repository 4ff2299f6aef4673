"""One lean Prefect backend for a test session (see shared/engineering/prefect-facts.md).

`lean_prefect_backend(home)` points PREFECT_HOME at a temp dir, switches off the server services
tests do not need (as environment variables, BEFORE the server subprocess starts: it inherits
os.environ), turns flow heartbeats off (only possible in Python: None does not parse from the
environment) and enters prefect_test_harness() once. Prefect is imported only inside, so test
modules that never ask for the backend never pay for it.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from flows.runtime import heartbeats_off, lean_environment


@contextmanager
def prefect_home(home: Path) -> Iterator[None]:
    """PREFECT_HOME (and the lean server switches) in os.environ, set before prefect is imported."""
    home.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in lean_environment(home).items():
            mp.setenv(key, value)
        yield


@contextmanager
def lean_prefect_backend(home: Path, startup_timeout: int = 90) -> Iterator[dict[str, float]]:
    """The harness, entered once; yields timings (seconds) for the report."""
    timings: dict[str, float] = {}
    with prefect_home(home):
        t0 = time.perf_counter()
        from prefect.testing.utilities import prefect_test_harness

        timings["import"] = time.perf_counter() - t0
        # Heartbeats off: with them every sync flow run waits ~1 s on exit.
        with heartbeats_off(home):
            assert os.environ["PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED"] == "false"
            t1 = time.perf_counter()
            with prefect_test_harness(server_startup_timeout=startup_timeout):
                timings["harness_start"] = time.perf_counter() - t1
                yield timings
