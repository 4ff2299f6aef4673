"""Properties of the reply deadline over random cases, checked against a day-by-day oracle."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from foi_workflow.calendar_data import build_calendar
from foi_workflow.domain.clock import ClockEvents, Exclusion, compute_schedule, reply_due
from foi_workflow.domain.rulepacks import pack_for

D = dt.date
CAL = build_calendar()  # the same cached object as the `calendar` fixture
PROPS = settings(max_examples=300, deadline=None, database=None)

# Receipt dates 2008-05-01..2026-12-31, with extra weight on the last months of 2026 so that
# deadlines running into the provisional year 2027 are exercised often.
received_dates = st.one_of(
    st.dates(D(2008, 5, 1), D(2026, 12, 31)),
    st.dates(D(2026, 10, 1), D(2026, 12, 31)),
    st.dates(D(2019, 5, 1), D(2019, 5, 31)),  # around the 2008 -> 2019 switch
)


@st.composite
def exclusion_list(draw, received: dt.date, max_count: int = 3):
    """0..max_count intervals (S, A] near the receipt date, possibly overlapping."""
    out = []
    for _ in range(draw(st.integers(0, max_count))):
        start = received + dt.timedelta(days=draw(st.integers(-10, 60)))
        end = start + dt.timedelta(days=draw(st.integers(0, 60)))
        out.append((start, end))
    return out


@st.composite
def cases(draw):
    received = draw(received_dates)
    pack = pack_for(received)
    cap = pack.periods["extension"].length
    extension = draw(st.integers(0, cap))
    exclusions = draw(exclusion_list(received))
    return received, pack, extension, exclusions


def oracle_reply_due(received: dt.date, n: int, exclusions) -> dt.date:
    """Day by day: the n-th working day after R lying in no (S, A] interval."""
    day, counted = received, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if CAL.is_working_day(day) and not any(s < day <= a for s, a in exclusions):
            counted += 1
    return day


def schedule_reply_due(received, pack, extension, exclusions):
    ev = ClockEvents(received=received, rules=pack.id, extension_days=extension,
                     exclusions=tuple(Exclusion(s, a, "test") for s, a in exclusions))
    return compute_schedule(ev, CAL).get("reply_due")


@PROPS
@given(cases())
def test_reply_due_is_always_a_working_day(case):
    received, pack, extension, exclusions = case
    due, _ = reply_due(CAL, received, pack, extension, tuple(exclusions))
    assert CAL.is_working_day(due)
    assert due > received


@PROPS
@given(cases(), st.integers(1, 400))
def test_later_receipt_never_gives_earlier_reply_due(case, later_by):
    received, pack, extension, exclusions = case
    later = min(received + dt.timedelta(days=later_by), D(2026, 12, 31))
    first, _ = reply_due(CAL, received, None, extension, tuple(exclusions))
    second, _ = reply_due(CAL, later, None, extension, tuple(exclusions))
    assert second >= first


@PROPS
@given(cases(), st.data())
def test_longer_extension_never_gives_earlier_reply_due(case, data):
    received, pack, extension, exclusions = case
    cap = pack.periods["extension"].length
    longer = data.draw(st.integers(extension, cap))
    a, _ = reply_due(CAL, received, pack, extension, tuple(exclusions))
    b, _ = reply_due(CAL, received, pack, longer, tuple(exclusions))
    assert b >= a
    if longer > extension:
        assert b > a


@PROPS
@given(cases(), st.data())
def test_longer_or_added_exclusion_never_gives_earlier_reply_due(case, data):
    received, pack, extension, exclusions = case
    base, _ = reply_due(CAL, received, pack, extension, tuple(exclusions))
    if exclusions:
        i = data.draw(st.integers(0, len(exclusions) - 1))
        s, a = exclusions[i]
        grown = list(exclusions)
        grown[i] = (s, a + dt.timedelta(days=data.draw(st.integers(1, 40))))
        longer, _ = reply_due(CAL, received, pack, extension, tuple(grown))
        assert longer >= base
    start = received + dt.timedelta(days=data.draw(st.integers(-10, 60)))
    extra = (start, start + dt.timedelta(days=data.draw(st.integers(1, 60))))
    added, _ = reply_due(CAL, received, pack, extension, tuple(exclusions + [extra]))
    assert added >= base


@PROPS
@given(cases())
def test_fast_path_reply_due_equals_compute_schedule(case):
    received, pack, extension, exclusions = case
    fast = reply_due(CAL, received, pack, extension, tuple(exclusions))
    due = schedule_reply_due(received, pack, extension, exclusions)
    assert fast == (due.date, due.provisional)


@PROPS
@given(cases())
def test_compute_schedule_equals_day_by_day_count_with_exclusions(case):
    received, pack, extension, exclusions = case
    n = pack.periods["reply"].length + extension
    due = schedule_reply_due(received, pack, extension, exclusions)
    assert due.date == oracle_reply_due(received, n, exclusions)
    assert len(due.counted_days()) == n


@PROPS
@given(cases())
def test_reply_due_is_provisional_iff_it_looks_at_a_day_in_2027_or_later(case):
    received, pack, extension, exclusions = case
    due, provisional = reply_due(CAL, received, pack, extension, tuple(exclusions))
    looked_at = (received + dt.timedelta(days=i) for i in range(1, (due - received).days + 1))
    assert provisional == any(d.year >= 2027 for d in looked_at)
