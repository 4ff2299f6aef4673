"""Scratch databases for the benches: an empty, migrated schema (PostgreSQL's is dropped first)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import text

from foi_workflow.storage import db


def fresh_schema(url: str) -> None:
    """Drop everything in a scratch PostgreSQL database's public schema, then migrate; an SQLite
    file is expected to be new. Never point this at a database that holds real cases."""
    engine = db.get_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    db.upgrade(url)


# ----- scratch PostgreSQL databases: created for the run, dropped after ----------------------------

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"  # FOI_BENCH_PG overrides (a server, no database)
EXIT_MISSING = 2


def pg_server() -> str:
    import os

    return (os.environ.get("FOI_BENCH_PG") or PG_SERVER).rstrip("/")


def missing(what: str) -> "SystemExit":
    """One line on stderr saying what the bench needs, exit status 2 (never a traceback)."""
    import sys

    print(f"缺少：{what}", file=sys.stderr)
    return SystemExit(EXIT_MISSING)


def _admin(server: str):
    from sqlalchemy import create_engine

    return create_engine(db.database_url(f"{server}/postgres"), isolation_level="AUTOCOMMIT",
                         connect_args={"connect_timeout": 3})


def require_postgres(server: str | None = None) -> str:
    """The server's URL when PostgreSQL answers there; otherwise a one-line exit (status 2)."""
    server = server or pg_server()
    engine = _admin(server)
    try:
        with engine.connect():
            pass
    except Exception as exc:  # noqa: BLE001 - any failure to connect is "PostgreSQL not up"
        reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise missing(f"PostgreSQL 未在 {server.split('@')[-1]} 运行 / PostgreSQL not reachable at "
                      f"{server.split('@')[-1]} ({reason}); 启动它，或设 FOI_BENCH_PG=postgresql://user@host:port，"
                      f"或加 --no-postgres / --skip-postgres") from None
    finally:
        engine.dispose()
    return server


@contextmanager
def pg_database(prefix: str, server: str | None = None, *, name: str | None = None, reuse: bool = False,
                keep: bool = False) -> Iterator[str]:
    """A new, empty PostgreSQL database foi_bench_<prefix>_<pid> (or `name`) for the run, migrated
    to the newest schema, dropped afterwards however the run ends. With `reuse`, an existing one
    (kept by an earlier `keep` run) is upgraded instead of made again; with `keep` it stays.
    Yields its URL."""
    import os

    server = require_postgres(server)
    name = name or f"foi_bench_{prefix}_{os.getpid()}"
    url = f"{server}/{name}"
    admin = _admin(server)
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if not (reuse and exists):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            db.upgrade(url)
            yield url
        finally:
            db.get_engine(url).dispose()
            if not keep:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
