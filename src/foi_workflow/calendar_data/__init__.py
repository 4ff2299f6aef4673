"""Where the working-day calendar comes from: the shipped official years, loaded years, estimates."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from ..domain.calendar import FIRST_YEAR, LAST_YEAR, WorkingCalendar, YearArrangement
from ..domain.holiday_law import estimate_year


@lru_cache(maxsize=1)
def official_arrangements() -> dict[int, YearArrangement]:
    """The official years shipped with the package (official-cn.json)."""
    raw = json.loads(Path(__file__).with_name("official-cn.json").read_text("utf-8"))
    out = {}
    for year, data in raw["years"].items():
        out[int(year)] = YearArrangement(
            year=int(year),
            days_off={dt.date.fromisoformat(d): n for d, n in data["days_off"].items()},
            make_up_workdays=frozenset(dt.date.fromisoformat(d) for d in data["make_up_workdays"]),
            reference=data["reference"],
            official=True,
            source=raw["source"],
        )
    return out


def arrangements_with(loaded: Iterable[YearArrangement] = ()) -> dict[int, YearArrangement]:
    """Shipped years, then loaded years on top, then estimates for the rest up to LAST_YEAR."""
    years = dict(official_arrangements())
    for arr in loaded:
        years[arr.year] = arr
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        if year not in years:
            years[year] = estimate_year(year)
    return years


_CACHE: dict[tuple[str, ...], WorkingCalendar] = {}


def build_calendar(loaded: Iterable[YearArrangement] = ()) -> WorkingCalendar:
    """The calendar for the shipped years plus `loaded` ones; built once per distinct input."""
    loaded = list(loaded)
    key = tuple(json.dumps(a.canonical(), ensure_ascii=False, sort_keys=True) for a in loaded)
    cal = _CACHE.get(key)
    if cal is None:
        cal = _CACHE[key] = WorkingCalendar(arrangements_with(loaded))
    return cal
