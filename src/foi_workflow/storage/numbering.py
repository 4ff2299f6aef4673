"""Number series per agency and year (case numbers, notice numbers): gap-free under concurrency."""

from __future__ import annotations

from sqlalchemy import update
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
