"""Legal dates are local dates in Asia/Shanghai; this is the one place that reads the clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return dt.datetime.now(SHANGHAI)


def today() -> dt.date:
    """Today's date in Beijing time (entry points use Settings.legal_today: FOI_TODAY for drills)."""
    return now().date()


def as_local(value: dt.datetime) -> dt.datetime:
    """A stored time in Beijing time (SQLite gives back the naive Beijing wall time it stored)."""
    return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value.astimezone(SHANGHAI)
