"""The shipped calendar against the two public datasets, the provisional estimate for years with
no official arrangement, the calendar's identity, and YearArrangement validation."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import holidays
import pytest

from foi_workflow.calendar_data import build_calendar, official_arrangements
from foi_workflow.domain.calendar import LAST_YEAR, WorkingCalendar, YearArrangement
from foi_workflow.domain.errors import InputError
from foi_workflow.domain.holiday_law import estimate_year, fixed_holidays

D = dt.date
FIRST, LAST = D(2008, 1, 1), D(2026, 12, 31)


def _all_days(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def test_shipped_calendar_matches_holidays_package_every_day_2008_2026(calendar):
    h = holidays.China(years=range(2008, 2027))
    weekend_work = h.weekend_workdays
    wrong = []
    for day in _all_days(FIRST, LAST):
        expected = (day.weekday() < 5 and day not in h) or day in weekend_work
        if calendar.is_working_day(day) != expected:
            wrong.append((day, calendar.is_working_day(day), expected))
    assert wrong == []


def test_shipped_calendar_matches_chinese_calendar_every_day_2008_2026(calendar):
    wrong = []
    for day in _all_days(FIRST, LAST):
        expected = chinese_calendar.is_workday(day)
        if calendar.is_working_day(day) != expected:
            wrong.append((day, calendar.is_working_day(day), expected))
    assert wrong == []


def test_official_years_are_2008_to_2026_and_later_years_provisional(calendar):
    assert calendar.official_years == list(range(2008, 2027))
    assert calendar.provisional_years == list(range(2027, LAST_YEAR + 1))
    assert calendar.last_official_year == 2026
    assert not calendar.is_provisional_day(D(2026, 12, 31))
    assert calendar.is_provisional_day(D(2027, 1, 1))


def test_calendar_version_names_last_official_year(calendar):
    assert calendar.version.startswith("cn-2026-")
    assert len(calendar.version) == len("cn-2026-") + 8


def test_calendar_version_changes_when_2027_arrangement_is_loaded(calendar):
    arr = YearArrangement(2027, {D(2027, 1, 1): "元旦", D(2027, 2, 9): "春节"},
                          frozenset({D(2027, 2, 20)}), "test notice", official=True)
    loaded = build_calendar([arr])
    assert loaded.version.startswith("cn-2027-")
    assert loaded.version != calendar.version
    assert 2027 not in loaded.provisional_years
    assert loaded.is_working_day(D(2027, 2, 20))  # Saturday make-up now worked
    assert not loaded.is_working_day(D(2027, 2, 9))
    # R = 2026-12-20 is no longer provisional once 2027 is official
    from foi_workflow.domain.clock import reply_due
    assert reply_due(loaded, D(2026, 12, 20))[1] is False


# ----- provisional estimate -----------------------------------------------------------------

# 全国年节及纪念日放假办法 applied to 2027, hand-typed: 元旦 Fri 01-01; 除夕 02-05, 春节 02-06..08;
# 清明 04-05; 劳动节 05-01/02; 端午 06-09; 中秋 09-15; 国庆 10-01..03.
FIXED_2027 = {D(2027, 1, 1), D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8),
              D(2027, 4, 5), D(2027, 5, 1), D(2027, 5, 2), D(2027, 6, 9), D(2027, 9, 15),
              D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3)}


def test_provisional_2027_has_only_fixed_holidays_and_no_make_up_days():
    arr = estimate_year(2027)
    assert arr.official is False
    assert set(arr.days_off) == FIXED_2027
    assert arr.make_up_workdays == frozenset()
    assert all("预估" in name for name in arr.days_off.values())
    arr.validate()


def test_provisional_2027_working_days_are_weekdays_minus_fixed_holidays(calendar):
    wrong = [d for d in _all_days(D(2027, 1, 1), D(2027, 12, 31))
             if calendar.is_working_day(d) != (d.weekday() < 5 and d not in FIXED_2027)]
    assert wrong == []
    # no bridging: Monday 2027-02-08 is off (初三), Tuesday 02-09 is worked
    assert calendar.is_working_day(D(2027, 2, 9))
    assert calendar.is_working_day(D(2027, 10, 4))


@pytest.mark.parametrize("year", range(2010, 2027))
def test_estimated_lunar_holidays_are_days_off_in_official_year(calendar, year):
    est = fixed_holidays(year)
    spring_first = [d for d, n in est.items() if n == "春节（预估）"]
    others = [d for d, n in est.items() if n.startswith(("端午节", "中秋节", "清明节"))]
    dates = [min(spring_first), *others]  # 初一 (the eve is named 春节（除夕）)
    assert len(spring_first) == 3 and len(others) == 3
    for d in dates:
        assert d.year == year
        assert not calendar.is_working_day(d), (year, d, est[d])
        assert not official_arrangements()[year].is_working_day(d)


def test_fixed_holidays_of_2025_law_are_days_off_in_official_2025_and_2026():
    """Since the 2025 revision (除夕 a holiday) every fixed holiday the estimate takes was a day
    off in the published arrangement: the estimate never invents a day off."""
    for year in (2025, 2026):
        official = official_arrangements()[year]
        for d in fixed_holidays(year):
            assert not official.is_working_day(d), d


# ----- YearArrangement.validate -------------------------------------------------------------

def _arr(days_off, make_up, year=2027):
    return YearArrangement(year, {d: "x" for d in days_off}, frozenset(make_up), "ref",
                           official=True)


def test_year_arrangement_refuses_day_both_off_and_make_up():
    with pytest.raises(InputError) as exc:
        _arr([D(2027, 2, 6)], [D(2027, 2, 6)]).validate()
    assert exc.value.field == "make_up_workdays"
    assert "2027-02-06" in exc.value.message


def test_year_arrangement_refuses_day_outside_its_year():
    with pytest.raises(InputError) as exc:
        _arr([D(2026, 12, 31)], []).validate()
    assert exc.value.field == "days_off"
    with pytest.raises(InputError) as exc:
        _arr([], [D(2028, 1, 1)]).validate()
    assert exc.value.field == "make_up_workdays"


def test_year_arrangement_refuses_weekday_make_up_day():
    with pytest.raises(InputError) as exc:
        _arr([], [D(2027, 2, 10)]).validate()  # a Wednesday
    assert exc.value.field == "make_up_workdays"


def test_year_arrangement_accepts_consistent_year():
    _arr([D(2027, 2, 8), D(2027, 2, 9)], [D(2027, 2, 20)]).validate()


def test_every_shipped_official_year_validates():
    for arr in official_arrangements().values():
        arr.validate()


def test_calendar_refuses_gap_in_years():
    arrs = {y: estimate_year(y) for y in range(2008, 2012) if y != 2010}
    with pytest.raises(ValueError):
        WorkingCalendar(arrs)
