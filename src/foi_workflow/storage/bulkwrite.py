"""Many-row inserts inside the caller's transaction: COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import JSON, Table, insert
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) into `table` in the session's transaction.

    On PostgreSQL the rows are streamed with COPY … FROM STDIN on the session's own connection
    (one round trip for the batch instead of one per row); SQLite takes executemany, which is
    already in-process and fast.
    """
    if not rows:
        return
    conn = session.connection()
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
