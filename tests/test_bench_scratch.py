"""The benches make and remove their own scratch databases, and say in one line what is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLOSED = "postgresql://postgres@127.0.0.1:1"  # nothing listens on port 1


@pytest.mark.parametrize("bench, args", [
    ("bench.steps", ["--steps", "1", "--bulk", "0", "--no-cli", "--no-prefect"]),
    ("bench.sweep", ["--cases", "10", "--skip-sqlite"]),
    ("bench.stats", ["--cases", "10", "--no-sqlite"]),
    ("bench.stats", ["--cases", "10", "--no-sqlite", "--pg", f"{CLOSED}/foi_bench_x"]),
    ("bench.sweep", ["--cases", "10", "--skip-sqlite", "--db", f"{CLOSED}/foi_bench_x"]),
])
def test_a_bench_without_postgresql_says_so_in_one_line_and_exits_2(bench, args):
    env = {**os.environ, "FOI_BENCH_PG": CLOSED}
    res = subprocess.run([sys.executable, "-m", bench, *args], capture_output=True, text=True,
                         cwd=ROOT, env=env, timeout=120)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert "PostgreSQL" in lines[0] and "127.0.0.1:1" in lines[0]
    assert res.stdout == ""


def test_the_summary_gives_a_row_with_the_reason_instead_of_a_traceback(monkeypatch):
    from bench import summary

    def failing(*_a, **_k):
        raise summary.BenchFailed("bench.x: 缺少：PostgreSQL")

    rows = summary._row("x", failing)
    assert rows[0]["met"] is False and "缺少" in rows[0]["error"]


def _postgres_up() -> bool:
    from bench import scratch

    try:
        scratch.require_postgres()
    except SystemExit:
        return False
    return True


@pytest.mark.skipif(not _postgres_up(), reason="PostgreSQL is not up (FOI_BENCH_PG)")
def test_a_scratch_database_is_dropped_after_the_run_even_when_it_fails():
    from sqlalchemy import create_engine, text

    from bench import scratch
    from foi_workflow.storage import db

    with pytest.raises(RuntimeError):
        with scratch.pg_database("selftest") as url:
            name = url.rsplit("/", 1)[1]
            assert name.startswith("foi_bench_selftest_")
            assert db.has_table("cases", url)  # migrated to the newest schema
            raise RuntimeError("the bench failed")
    admin = create_engine(db.database_url(f"{scratch.pg_server()}/postgres"))
    try:
        with admin.connect() as conn:
            left = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
    finally:
        admin.dispose()
    assert left is None
