"""Estimating a year with no official arrangement from the fixed public holidays of the law.

全国年节及纪念日放假办法 (2025 text): New Year's Day; Spring Festival eve and the first three days
of the lunar year; Qingming; May 1–2; Dragon Boat; Mid-Autumn; October 1–3. The estimate takes
weekends and these days only: no bridging days, no make-up working days (clock.md). Lunar and
solar-term dates come from the `holidays` package's Chinese lunisolar tables (for the calendar's
years through lunisolar_table.py, generated from them).
"""

from __future__ import annotations

import datetime as dt

from .calendar import YearArrangement
from .lunisolar_table import DATES as _LUNISOLAR_TABLE

LAW = "全国年节及纪念日放假办法（2025年修订）"
ESTIMATE_SOURCE = f"按{LAW}的法定节日预估（无调休、无补休）"


def _lunar(pair: tuple[dt.date | None, bool]) -> dt.date:
    day, _estimated = pair
    if day is None:  # pragma: no cover - outside the package's tables (1901–2100)
        raise ValueError("lunar date unavailable")
    return day


def lunisolar_dates(year: int) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """The Spring Festival, Qingming, Dragon Boat and Mid-Autumn of `year`: from the table
    generated from `holidays` (lunisolar_table.py) for the calendar's years, so that building the
    calendar does not import the package; from the package itself for any other year."""
    known = _LUNISOLAR_TABLE.get(year)
    if known is not None:
        new_year, qingming, dragon_boat, mid_autumn = (dt.date(year, m, d) for m, d in known)
        return new_year, qingming, dragon_boat, mid_autumn
    from holidays.calendars.chinese import _ChineseLunisolar

    cal = _ChineseLunisolar()
    return (_lunar(cal.lunar_new_year_date(year)), _lunar(cal.qingming_date(year)),
            _lunar(cal.dragon_boat_date(year)), _lunar(cal.mid_autumn_date(year)))


def fixed_holidays(year: int) -> dict[dt.date, str]:
    """The law's public holidays of `year`, by date, with their Chinese names (预估)."""
    new_year, qingming, dragon_boat, mid_autumn = lunisolar_dates(year)
    days: dict[dt.date, str] = {
        dt.date(year, 1, 1): "元旦",
        new_year - dt.timedelta(days=1): "春节（除夕）",
        new_year: "春节",
        new_year + dt.timedelta(days=1): "春节",
        new_year + dt.timedelta(days=2): "春节",
        qingming: "清明节",
        dt.date(year, 5, 1): "劳动节",
        dt.date(year, 5, 2): "劳动节",
        dragon_boat: "端午节",
        mid_autumn: "中秋节",
        dt.date(year, 10, 1): "国庆节",
        dt.date(year, 10, 2): "国庆节",
        dt.date(year, 10, 3): "国庆节",
    }
    # Mid-Autumn can fall on Oct 1-3; the date keeps both names.
    if mid_autumn.month == 10 and mid_autumn.day <= 3:
        days[mid_autumn] = "中秋节、国庆节"
    return {d: f"{name}（预估）" for d, name in days.items() if d.year == year}


def estimate_year(year: int) -> YearArrangement:
    """A provisional arrangement for a year the State Council has not yet published."""
    return YearArrangement(
        year=year,
        days_off=fixed_holidays(year),
        make_up_workdays=frozenset(),
        reference="",
        official=False,
        source=ESTIMATE_SOURCE,
    )
