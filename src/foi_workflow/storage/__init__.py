"""Storage adapter: SQLAlchemy 2 tables, sessions and Alembic migrations (SQLite and PostgreSQL)."""
