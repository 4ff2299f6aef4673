"""Number series per agency and year (gap-free under concurrency), row ids, and the event-id locks."""

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


# Event ids and the sweep's event mark (services/sweep.py): on PostgreSQL an id is drawn before
# its transaction commits, so the sweep holds the events table in SHARE mode while it reads its
# mark, and a writer that reserves ids ahead of its INSERT holds the table's write lock first.
# SQLite commits one writer at a time: a reader's snapshot holds every event up to its max id.

def hold_events(session: Session) -> None:
    """Before reserving event ids ahead of an INSERT: a sweep now waits for this transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE case_events IN ROW EXCLUSIVE MODE"))


def wait_for_events(session: Session) -> None:
    """For the sweep: wait for the steps in progress and hold new ones until this transaction
    ends, so that every event up to the mark read next has been committed and is seen."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE case_events IN SHARE MODE"))
