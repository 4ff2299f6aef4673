"""Many-row inserts inside the caller's transaction: COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import JSON, Table, insert
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) into `table` in the session's transaction.

    On PostgreSQL the rows are streamed with COPY … FROM STDIN on the session's own connection
    (one round trip for the batch instead of one per row); SQLite takes one INSERT executed for
    every row (_executemany).
    """
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "sqlite" and _executemany(conn, table, rows):
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), list(rows))
        return
    from psycopg.types.json import Json

    columns = list(rows[0])
    json_cols = {name for name in columns if isinstance(table.c[name].type, JSON)}
    quote = conn.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for row in rows:
            copy.write_row([Json(row[c]) if c in json_cols and row[c] is not None else row[c]
                            for c in columns])


def _executemany(conn: Any, table: Table, rows: Sequence[dict[str, Any]]) -> bool:
    """SQLite: one INSERT executed on the driver for every row, each value converted by its
    column type's own bind processor and the Python-side scalar defaults filled in — what
    insert(table) stores, without SQLAlchemy building every row's parameters (half the time of
    the writes in bench/steps' bulk intake). False (nothing done) when a column left out has a
    callable default: insert(table) then does it."""
    given = list(rows[0])
    left_out = [c for c in table.columns if c.name not in rows[0] and c.default is not None]
    if any(not c.default.is_scalar for c in left_out):
        return False
    dialect = conn.dialect
    columns = given + [c.name for c in left_out]
    fill = tuple(c.default.arg for c in left_out)
    procs = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join('?' * len(columns))})")
    conn.exec_driver_sql(sql, [tuple(p(v) if p is not None else v
                                     for p, v in zip(procs, (*(row[c] for c in given), *fill)))
                               for row in rows])
    return True
