"""The shipped lunisolar table (domain/lunisolar_table.py) is the `holidays` package's, year for year."""

from __future__ import annotations

from holidays.calendars.chinese import _ChineseLunisolar

from foi_workflow.calendar_data import snapshot
from foi_workflow.domain.calendar import FIRST_YEAR, LAST_YEAR
from foi_workflow.domain.holiday_law import lunisolar_dates
from foi_workflow.domain.lunisolar_table import DATES


def test_estimated_holidays_use_the_packages_lunisolar_dates_for_every_calendar_year():
    cal = _ChineseLunisolar()
    assert sorted(DATES) == list(range(FIRST_YEAR, LAST_YEAR + 1))
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        expected = tuple(getter(year)[0] for getter in (cal.lunar_new_year_date, cal.qingming_date,
                                                        cal.dragon_boat_date, cal.mid_autumn_date))
        assert lunisolar_dates(year) == expected, year


def test_a_year_outside_the_table_is_read_from_the_package():
    cal = _ChineseLunisolar()
    assert lunisolar_dates(LAST_YEAR + 5)[0] == cal.lunar_new_year_date(LAST_YEAR + 5)[0]


def test_the_shipped_table_is_what_the_snapshot_tool_writes():
    """Regenerate with `python -m foi_workflow.calendar_data.snapshot` after upgrading holidays."""
    assert snapshot.LUNISOLAR.read_text("utf-8") == snapshot.lunisolar_module()
