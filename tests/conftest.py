"""Test set-up: one database per test session (SQLite by default, PostgreSQL via FOI_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

from .prefect_harness import lean_prefect_backend, prefect_home

settings.register_profile("ci", deadline=None, print_blob=True)
settings.load_profile("ci")

TEST_DATA = Path(__file__).parent / "data"
# (flow name, seconds) of every flow run timed by the tests; summarised when the backend stops.
RUN_TIMES: list[tuple[str, float]] = []


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    from foi_workflow.storage.db import database_url

    engine = create_engine(database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database for this test session."""
    from foi_workflow.storage import db

    # the step flows write the files of the notices they issue here (never into the work tree)
    os.environ.setdefault("FOI_NOTICES_DIR", str(tmp_path_factory.mktemp("notices")))
    url = os.environ.get("FOI_TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'foi-test.sqlite3'}"
    db.upgrade(url)
    return url


@pytest.fixture
def clean_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The session database with no loaded data, set as FOI_DATABASE_URL for the CLI."""
    from sqlalchemy import delete, text

    from foi_workflow.storage import db
    from foi_workflow.storage.models import Base

    with db.session_scope(db_url) as session:
        if session.bind.dialect.name == "postgresql":
            # case_events is append-only for every role but the superuser the tests run as
            # (migration 0016): clearing the test database is a superuser's maintenance
            session.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
    monkeypatch.setenv("FOI_DATABASE_URL", db_url)
    return db_url


@pytest.fixture(scope="session")
def calendar():
    from foi_workflow.calendar_data import build_calendar

    return build_calendar()


# ----- Prefect: one lean backend per test session ---------------------------------------------

@pytest.fixture(scope="session")
def prefect_dir(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("prefect-home")


@pytest.fixture(scope="session")
def steps(prefect_dir) -> ModuleType:
    """flows.steps, imported with PREFECT_HOME in the temp dir (no Prefect backend started)."""
    with prefect_home(prefect_dir):
        import flows.steps as module
    return module


@pytest.fixture(scope="session")
def prefect_backend(steps: ModuleType, prefect_dir):
    """The one Prefect backend of this test session, shared by every test file that runs flows."""
    with lean_prefect_backend(prefect_dir) as timings:
        yield timings
    runs = sorted(t for _n, t in RUN_TIMES)
    if runs:  # shown with -s
        by_flow: dict[str, list[float]] = {}
        for name, t in RUN_TIMES:
            by_flow.setdefault(name.split(":")[0], []).append(t)
        per_flow = ", ".join(f"{n} {sorted(ts)[len(ts) // 2] * 1000:.0f}" for n, ts in by_flow.items())
        print(f"\n[prefect] import {timings['import']:.2f}s, harness start "
              f"{timings['harness_start']:.2f}s; {len(runs)} flow runs, median "
              f"{runs[len(runs) // 2] * 1000:.0f} ms, max {runs[-1] * 1000:.0f} ms "
              f"({max(RUN_TIMES, key=lambda r: r[1])[0]}); median ms by flow: {per_flow}")
