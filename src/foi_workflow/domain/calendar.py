"""The working-day calendar: which days count, precomputed once per calendar version.

A working day is Monday–Friday, minus the official days off, plus the weekend make-up working
days (调休) of the year's arrangement. Each year is either official (published by the State
Council) or provisional (estimated, see holiday_law). All arithmetic runs on a sorted list of
working-day ordinals with bisect: no day-by-day loop per question.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .errors import CalendarRangeError, InputError

FIRST_YEAR = 2008
"""The calendar starts here: the 2008 regulations took effect on 2008-05-01."""

LAST_YEAR = 2060
"""Years after the last official one are estimated up to here; later dates are refused."""

CALENDAR_RULE = "国务院办公厅关于部分节假日安排的通知（工作日含调休上班日）"


@dataclass(frozen=True)
class YearArrangement:
    """One year's days off and make-up working days, official or estimated."""

    year: int
    days_off: Mapping[dt.date, str]
    make_up_workdays: frozenset[dt.date]
    reference: str
    official: bool
    source: str = ""

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.make_up_workdays:
            return True
        return day.weekday() < 5 and day not in self.days_off

    def validate(self) -> None:
        """Refuse an arrangement that contradicts itself or strays outside its year."""
        rule = "年度节假日安排：每一日只能是放假日或调休上班日之一，且须在本年度内"
        both = sorted(set(self.days_off) & self.make_up_workdays)
        if both:
            raise InputError("make_up_workdays", rule,
                             f"{both[0].isoformat()} 同时被列为放假日和调休上班日")
        for field_name, days in (("days_off", self.days_off), ("make_up_workdays", self.make_up_workdays)):
            stray = sorted(d for d in days if d.year != self.year)
            if stray:
                raise InputError(field_name, rule, f"{stray[0].isoformat()} 不在 {self.year} 年内")
        weekday_make_up = sorted(d for d in self.make_up_workdays if d.weekday() < 5)
        if weekday_make_up:
            raise InputError("make_up_workdays", "调休上班日须为周六或周日",
                             f"{weekday_make_up[0].isoformat()} 是周一至周五，本就是工作日")

    def canonical(self) -> dict[str, object]:
        """A stable, JSON-ready form (also the input of the calendar version hash)."""
        return {
            "year": self.year,
            "official": self.official,
            "reference": self.reference,
            "days_off": {d.isoformat(): name for d, name in sorted(self.days_off.items())},
            "make_up_workdays": sorted(d.isoformat() for d in self.make_up_workdays),
        }

    def same_days_as(self, other: YearArrangement) -> bool:
        return (set(self.days_off) == set(other.days_off)
                and self.make_up_workdays == other.make_up_workdays)


@dataclass(frozen=True)
class _Span:
    first: int
    last: int


@dataclass(eq=False)
class WorkingCalendar:
    """Working days over FIRST_YEAR..LAST_YEAR from per-year arrangements, with a version."""

    arrangements: Mapping[int, YearArrangement]
    version: str = field(init=False)
    _work: list[int] = field(init=False, repr=False)
    _is_work: bytearray = field(init=False, repr=False)
    _first_ord: int = field(init=False, repr=False)
    _last_ord: int = field(init=False, repr=False)
    _prov_starts: list[int] = field(init=False, repr=False)
    _prov_ends: list[int] = field(init=False, repr=False)
    _count_upto: list[int] = field(init=False, repr=False)
    _work_dates: list[dt.date] = field(init=False, repr=False)
    _prov_tail: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        years = sorted(self.arrangements)
        if not years or years[0] != FIRST_YEAR or years != list(range(FIRST_YEAR, years[-1] + 1)):
            raise ValueError("calendar years must be contiguous from %d" % FIRST_YEAR)
        self._first_ord = dt.date(FIRST_YEAR, 1, 1).toordinal()
        self._last_ord = dt.date(years[-1], 12, 31).toordinal()
        is_work = bytearray(self._last_ord - self._first_ord + 1)
        weekday0 = dt.date(FIRST_YEAR, 1, 1).weekday()
        for i in range(len(is_work)):
            if (weekday0 + i) % 7 < 5:
                is_work[i] = 1
        spans: list[_Span] = []
        for year in years:
            arr = self.arrangements[year]
            for day in arr.days_off:
                is_work[day.toordinal() - self._first_ord] = 0
            for day in arr.make_up_workdays:
                is_work[day.toordinal() - self._first_ord] = 1
            if not arr.official:
                first, last = dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal()
                if spans and spans[-1].last + 1 == first:
                    spans[-1] = _Span(spans[-1].first, last)
                else:
                    spans.append(_Span(first, last))
        self._is_work = is_work
        self._work = [self._first_ord + i for i, w in enumerate(is_work) if w]
        self._prov_starts = [s.first for s in spans]
        self._prov_ends = [s.last for s in spans]
        # Lookup tables for the hot path: working days up to each day, and the days as dates.
        count, upto = 0, []
        for w in is_work:
            count += w
            upto.append(count)
        self._count_upto = upto
        self._work_dates = [dt.date.fromordinal(o) for o in self._work]
        # With one provisional span reaching the end (the usual case) a result is provisional
        # exactly when it falls on or after the span's first day; -1 means "use the general test".
        self._prov_tail = (spans[0].first if len(spans) == 1 and spans[0].last == self._last_ord
                           else (self._last_ord + 1 if not spans else -1))
        self.version = self._compute_version()

    # ----- identity -------------------------------------------------------------------------

    def _compute_version(self) -> str:
        official = [a.canonical() for _, a in sorted(self.arrangements.items()) if a.official]
        provisional = [a.canonical() for _, a in sorted(self.arrangements.items())
                       if not a.official]
        blob = json.dumps([official, provisional], ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(blob.encode()).hexdigest()[:8]
        return f"cn-{self.last_official_year}-{digest}"

    @property
    def last_official_year(self) -> int:
        return max((y for y, a in self.arrangements.items() if a.official), default=FIRST_YEAR - 1)

    @property
    def official_years(self) -> list[int]:
        return sorted(y for y, a in self.arrangements.items() if a.official)

    @property
    def provisional_years(self) -> list[int]:
        return sorted(y for y, a in self.arrangements.items() if not a.official)

    @property
    def first_day(self) -> dt.date:
        return dt.date.fromordinal(self._first_ord)

    @property
    def last_day(self) -> dt.date:
        return dt.date.fromordinal(self._last_ord)

    # ----- single days ----------------------------------------------------------------------

    def check(self, day: dt.date, field_name: str) -> int:
        """The day's ordinal, or a clear error when the calendar does not cover it."""
        o = day.toordinal()
        if o < self._first_ord or o > self._last_ord:
            raise CalendarRangeError(
                field_name, f"工作日历覆盖 {self.first_day.isoformat()} 至 {self.last_day.isoformat()}",
                f"{day.isoformat()} 超出工作日历范围")
        return o

    def is_working_day(self, day: dt.date) -> bool:
        return bool(self._is_work[self.check(day, "date") - self._first_ord])

    def is_provisional_day(self, day: dt.date) -> bool:
        self.check(day, "date")
        return not self.arrangements[day.year].official

    def day_off_name(self, day: dt.date) -> str | None:
        """The holiday's name when the day is an arranged day off, else None."""
        self.check(day, "date")
        return self.arrangements[day.year].days_off.get(day)

    def is_make_up_workday(self, day: dt.date) -> bool:
        self.check(day, "date")
        return day in self.arrangements[day.year].make_up_workdays

    # ----- arithmetic on ordinals (the hot path) --------------------------------------------

    def _nth_index(self, start: int, n: int) -> int:
        """Index in the working-day list of the n-th working day after ordinal `start`."""
        off = start - self._first_ord
        try:
            if off < 0:
                raise IndexError
            i = self._count_upto[off] + n - 1
            self._work[i]
        except IndexError:
            raise CalendarRangeError("date", f"工作日历覆盖 {self.first_day.isoformat()} 至 "
                                     f"{self.last_day.isoformat()}", "期限超出工作日历范围") from None
        return i

    def nth_working_day_after(self, start: int, n: int) -> int:
        """The ordinal of the n-th working day after ordinal `start` (start itself not counted)."""
        return self._work[self._nth_index(start, n)]

    def nth_working_date_after(self, start: int, n: int) -> tuple[dt.date, bool]:
        """The same day as a date, and whether it is provisional: the reply_due hot path."""
        i = self._nth_index(start, n)
        due, tail = self._work[i], self._prov_tail
        return self._work_dates[i], (due >= tail if tail >= 0
                                     else self.provisional_between(start + 1, due))

    def nth_counted_day(self, start: int, n: int, excluded: Iterable[tuple[int, int]]) -> int:
        """The n-th working day after `start` that lies in none of the excluded (s, a] intervals.

        `excluded` must be merged and sorted (see merge_intervals).
        """
        work = self._work
        k = bisect_right(work, start)
        remaining = n
        for s, a in excluded:
            if a <= start:
                continue
            cut = bisect_right(work, s)
            if cut > k:
                if remaining <= cut - k:
                    return work[k + remaining - 1]
                remaining -= cut - k
            end = bisect_right(work, a)
            if end > k:
                k = end
        i = k + remaining - 1
        if i >= len(work):
            raise CalendarRangeError("date", f"工作日历覆盖至 {self.last_day.isoformat()}",
                                     "期限超出工作日历范围")
        return work[i]

    def next_working_day_on_or_after(self, o: int) -> int:
        i = bisect_left(self._work, o)
        if i >= len(self._work):
            raise CalendarRangeError("date", f"工作日历覆盖至 {self.last_day.isoformat()}",
                                     "期限超出工作日历范围")
        return self._work[i]

    def working_days_between(self, after: int, upto: int) -> int:
        """How many working days lie in (after, upto]."""
        if upto <= after:
            return 0
        return bisect_right(self._work, upto) - bisect_right(self._work, after)

    def working_day_before(self, o: int, n: int) -> int:
        """The working day w with exactly n working days in (w, o]: the first day on which a date
        o is "within n working days" (n >= 1)."""
        i = bisect_right(self._work, o) - 1 - n
        if i < 0:
            raise CalendarRangeError("date", f"工作日历覆盖 {self.first_day.isoformat()} 起",
                                     "期限超出工作日历范围")
        return self._work[i]

    def working_days_list(self, after: int, upto: int) -> list[int]:
        return self._work[bisect_right(self._work, after):bisect_right(self._work, upto)]

    def provisional_between(self, first: int, last: int) -> bool:
        """Whether any day in [first, last] lies in a provisional (estimated) year."""
        i = bisect_right(self._prov_starts, last) - 1
        return i >= 0 and self._prov_ends[i] >= first


def merge_intervals(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge half-open (s, a] intervals so that a day is excluded once."""
    merged: list[tuple[int, int]] = []
    for s, a in sorted(intervals):
        if a <= s:
            continue
        if merged and s <= merged[-1][1]:
            if a > merged[-1][1]:
                merged[-1] = (merged[-1][0], a)
        else:
            merged.append((s, a))
    return merged
