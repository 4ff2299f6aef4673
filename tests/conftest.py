"""Test set-up: one database per test session (SQLite by default, PostgreSQL via FOI_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", deadline=None, print_blob=True)
settings.load_profile("ci")

TEST_DATA = Path(__file__).parent / "data"


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
    from sqlalchemy import delete

    from foi_workflow.storage import db
    from foi_workflow.storage.models import Base

    with db.session_scope(db_url) as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
    monkeypatch.setenv("FOI_DATABASE_URL", db_url)
    return db_url


@pytest.fixture(scope="session")
def calendar():
    from foi_workflow.calendar_data import build_calendar

    return build_calendar()
