"""Legal dates are local dates in Asia/Shanghai; this is the one place that reads the clock."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return dt.datetime.now(SHANGHAI)


def today() -> dt.date:
    """Today's date in Beijing time (FOI_TODAY=YYYY-MM-DD overrides it, for demos and drills)."""
    override = os.environ.get("FOI_TODAY")
    return dt.date.fromisoformat(override) if override else now().date()
