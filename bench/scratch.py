"""Scratch databases for the benches: an empty, migrated schema (PostgreSQL's is dropped first)."""

from __future__ import annotations

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
