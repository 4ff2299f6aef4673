"""Reading and recording the calendar years an administrator loaded."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.calendar import YearArrangement
from .models import CalendarYearRow

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _to_arrangement(row: CalendarYearRow) -> YearArrangement:
    return YearArrangement(
        year=row.year,
        days_off={dt.date.fromisoformat(d): name for d, name in row.days_off.items()},
        make_up_workdays=frozenset(dt.date.fromisoformat(d) for d in row.make_up_workdays),
        reference=row.reference,
        official=True,
        source=f"管理员载入（{row.loaded_by}，{row.loaded_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}）",
    )


def loaded_years(session: Session) -> list[YearArrangement]:
    """The newest loaded arrangement of each year, oldest year first."""
    rows = session.scalars(select(CalendarYearRow).order_by(CalendarYearRow.year,
                                                            CalendarYearRow.id)).all()
    latest: dict[int, CalendarYearRow] = {}
    for row in rows:
        latest[row.year] = row
    return [_to_arrangement(r) for _, r in sorted(latest.items())]


def record_year(session: Session, arrangement: YearArrangement, *, replaces_official: bool,
                reason: str, sha256: str, loaded_by: str, calendar_version: str,
                operator: str = "") -> None:
    session.add(CalendarYearRow(
        year=arrangement.year,
        reference=arrangement.reference,
        days_off={d.isoformat(): n for d, n in sorted(arrangement.days_off.items())},
        make_up_workdays=sorted(d.isoformat() for d in arrangement.make_up_workdays),
        replaces_official=replaces_official,
        reason=reason,
        source_sha256=sha256,
        loaded_by=loaded_by,
        operator=operator[:80],
        loaded_at=dt.datetime.now(SHANGHAI),
        calendar_version=calendar_version,
    ))
