"""Number series per agency and year (case numbers, notice numbers): gap-free under concurrency."""

from __future__ import annotations

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import NumberSeriesRow


def take_numbers(session: Session, agency_id: int, series: str, year: int, count: int = 1) -> int:
    """Reserve `count` consecutive numbers; returns the first. The row lock lasts until commit."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(NumberSeriesRow)
                    .values(agency_id=agency_id, series=series, year=year, last=0)
                    .on_conflict_do_nothing())
    last = session.execute(
        update(NumberSeriesRow)
        .where(NumberSeriesRow.agency_id == agency_id, NumberSeriesRow.series == series,
               NumberSeriesRow.year == year)
        .values(last=NumberSeriesRow.last + count)
        .returning(NumberSeriesRow.last)).scalar_one()
    return last - count + 1


def reserve_ids(session: Session, table, count: int) -> list[int]:
    """Primary keys for `count` new rows of `table`, so a batch insert needs no RETURNING.

    PostgreSQL draws them from the table's sequence; SQLite continues from the largest id
    (the caller already holds SQLite's write lock, taken by take_numbers).
    """
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        seq = session.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                              {"t": table.name}).scalar_one()
        return list(session.scalars(text("SELECT nextval(:s) FROM generate_series(1, :n)"),
                                    {"s": seq, "n": count}))
    top = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(top + 1, top + 1 + count))
