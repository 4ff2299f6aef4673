"""Database URL, engine, sessions and schema upgrades (Alembic) for SQLite and PostgreSQL."""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///foi.sqlite3"
MIGRATIONS = Path(__file__).with_name("migrations")


def database_url(url: str) -> str:
    """The URL as SQLAlchemy takes it (postgresql:// goes through psycopg 3). Entry points get it
    from Settings (FOI_DATABASE_URL); nothing here reads the environment."""
    if not url:
        raise ValueError("a database URL is required (Settings.database_url)")
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def get_engine(url: str) -> Engine:
    """The engine for the URL (resolved now: FOI_DATABASE_URL may change in a long process)."""
    return _engine(database_url(url))


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    engine = create_engine(url, future=True, pool_pre_ping=url.startswith("postgresql"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def sqlite_file_missing(url: str) -> bool:
    """True when the URL names an SQLite file that does not exist yet (nothing to read)."""
    url = database_url(url)
    if not url.startswith("sqlite:///"):
        return False
    path = url[len("sqlite:///"):]
    return path not in ("", ":memory:") and not Path(path).exists()


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
    factory = sessionmaker(get_engine(url), expire_on_commit=False)
    with factory() as session, session.begin():
        yield session


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str) -> str:
    """Bring the schema to the newest migrations; returns the revision(s) now in force."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    url = database_url(url)
    if url.startswith("sqlite:///"):
        parent = Path(url[len("sqlite:///"):]).parent
        parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "heads")
    with get_engine(url).connect() as conn:
        return ",".join(sorted(MigrationContext.configure(conn).get_current_heads()))


def has_table(name: str, url: str) -> bool:
    if sqlite_file_missing(url):
        return False
    return inspect(get_engine(url)).has_table(name)
