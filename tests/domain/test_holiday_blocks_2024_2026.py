"""Every holiday block of 2024–2026, hand-typed from the State Council notices
(国办发明电〔2023〕7号, 〔2024〕12号, 〔2025〕7号), against the shipped calendar and the clock.

The table below is independent of official-cn.json, the `holidays` package and chinese_calendar:
if one of them drifts, these tests name the block and the day.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pytest

from foi_workflow.domain.clock import ClockEvents, compute_schedule, reply_due

D = dt.date


class Block(NamedTuple):
    name: str
    first: dt.date  # first day off
    last: dt.date  # last day off
    make_up: tuple[dt.date, ...]  # weekend days worked for this block
    resume: dt.date  # first working day after the block (hand-checked)


BLOCKS = [
    # 2024 — 国办发明电〔2023〕7号
    Block("2024 元旦", D(2023, 12, 30), D(2024, 1, 1), (), D(2024, 1, 2)),
    Block("2024 春节", D(2024, 2, 10), D(2024, 2, 17), (D(2024, 2, 4), D(2024, 2, 18)), D(2024, 2, 18)),
    Block("2024 清明", D(2024, 4, 4), D(2024, 4, 6), (D(2024, 4, 7),), D(2024, 4, 7)),
    Block("2024 劳动节", D(2024, 5, 1), D(2024, 5, 5), (D(2024, 4, 28), D(2024, 5, 11)), D(2024, 5, 6)),
    Block("2024 端午", D(2024, 6, 8), D(2024, 6, 10), (), D(2024, 6, 11)),
    Block("2024 中秋", D(2024, 9, 15), D(2024, 9, 17), (D(2024, 9, 14),), D(2024, 9, 18)),
    Block("2024 国庆", D(2024, 10, 1), D(2024, 10, 7), (D(2024, 9, 29), D(2024, 10, 12)), D(2024, 10, 8)),
    # 2025 — 国办发明电〔2024〕12号
    Block("2025 元旦", D(2025, 1, 1), D(2025, 1, 1), (), D(2025, 1, 2)),
    Block("2025 春节", D(2025, 1, 28), D(2025, 2, 4), (D(2025, 1, 26), D(2025, 2, 8)), D(2025, 2, 5)),
    Block("2025 清明", D(2025, 4, 4), D(2025, 4, 6), (), D(2025, 4, 7)),
    Block("2025 劳动节", D(2025, 5, 1), D(2025, 5, 5), (D(2025, 4, 27),), D(2025, 5, 6)),
    Block("2025 端午", D(2025, 5, 31), D(2025, 6, 2), (), D(2025, 6, 3)),
    Block("2025 国庆中秋", D(2025, 10, 1), D(2025, 10, 8), (D(2025, 9, 28), D(2025, 10, 11)), D(2025, 10, 9)),
    # 2026 — 国办发明电〔2025〕7号
    Block("2026 元旦", D(2026, 1, 1), D(2026, 1, 3), (D(2026, 1, 4),), D(2026, 1, 4)),
    Block("2026 春节", D(2026, 2, 15), D(2026, 2, 23), (D(2026, 2, 14), D(2026, 2, 28)), D(2026, 2, 24)),
    Block("2026 清明", D(2026, 4, 4), D(2026, 4, 6), (), D(2026, 4, 7)),
    Block("2026 劳动节", D(2026, 5, 1), D(2026, 5, 5), (D(2026, 5, 9),), D(2026, 5, 6)),
    Block("2026 端午", D(2026, 6, 19), D(2026, 6, 21), (), D(2026, 6, 22)),
    Block("2026 中秋", D(2026, 9, 25), D(2026, 9, 27), (), D(2026, 9, 28)),
    Block("2026 国庆", D(2026, 10, 1), D(2026, 10, 7), (D(2026, 9, 20), D(2026, 10, 10)), D(2026, 10, 8)),
]
IDS = [b.name for b in BLOCKS]


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


DAYS_OFF = {d for b in BLOCKS for d in _days(b.first, b.last)}
MAKE_UP = {d for b in BLOCKS for d in b.make_up}
# The oracle knows only 2023-12-30 .. 2026-12-31 (the table's span).
ORACLE_FIRST, ORACLE_LAST = D(2023, 12, 1), D(2026, 12, 31)


def oracle_is_working(day: dt.date) -> bool:
    assert ORACLE_FIRST <= day <= ORACLE_LAST, day
    return day in MAKE_UP or (day.weekday() < 5 and day not in DAYS_OFF)


def oracle_reply_due(received: dt.date, n: int = 20) -> dt.date:
    day, counted = received, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if oracle_is_working(day):
            counted += 1
    return day


def test_hand_table_is_consistent():
    """The table itself: make-up days are weekends, never days off, and resume is right."""
    assert not (DAYS_OFF & MAKE_UP)
    for b in BLOCKS:
        assert b.first <= b.last
        for d in b.make_up:
            assert d.weekday() >= 5, (b.name, d)
        assert b.resume > b.last and oracle_is_working(b.resume)
        assert not any(oracle_is_working(d) for d in _days(b.last + dt.timedelta(days=1),
                                                           b.resume - dt.timedelta(days=1)))


@pytest.mark.parametrize("block", BLOCKS, ids=IDS)
def test_every_day_of_holiday_block_is_not_a_working_day(calendar, block):
    for d in _days(block.first, block.last):
        assert not calendar.is_working_day(d), f"{block.name}: {d} should be a day off"


@pytest.mark.parametrize("block", BLOCKS, ids=IDS)
def test_make_up_days_of_holiday_block_are_working_days(calendar, block):
    for d in block.make_up:
        assert calendar.is_working_day(d), f"{block.name}: {d} should be a make-up working day"
        assert calendar.is_make_up_workday(d)


@pytest.mark.parametrize("block", BLOCKS, ids=IDS)
def test_days_next_to_holiday_block_are_working_days_or_plain_weekends(calendar, block):
    for d in (block.first - dt.timedelta(days=1), block.last + dt.timedelta(days=1)):
        expected = oracle_is_working(d)
        assert calendar.is_working_day(d) == expected, f"{block.name}: {d}"
        if not expected:
            assert d.weekday() >= 5, f"{block.name}: {d} is a weekday off outside the block"


@pytest.mark.parametrize("block", BLOCKS, ids=IDS)
def test_receipt_on_first_holiday_day_starts_counting_after_the_block(calendar, block):
    s = compute_schedule(ClockEvents(received=block.first), calendar)
    assert s.get("reply_due").counted_days()[0] == block.resume


@pytest.mark.parametrize("block", BLOCKS, ids=IDS)
def test_reply_due_around_holiday_block_matches_day_by_day_count(calendar, block):
    for offset in range(-3, (block.last - block.first).days + 4):
        received = block.first + dt.timedelta(days=offset)
        expected = oracle_reply_due(received)
        assert reply_due(calendar, received) == (expected, False), f"{block.name}: R={received}"
        assert compute_schedule(ClockEvents(received=received), calendar).reply_due == expected


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_every_day_of_year_matches_hand_table(calendar, year):
    """No stray day off or make-up day outside the blocks of the notices."""
    wrong = [d for d in _days(D(year, 1, 1), D(year, 12, 31))
             if calendar.is_working_day(d) != oracle_is_working(d)]
    assert wrong == []
