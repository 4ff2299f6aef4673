"""Alert rules without a database: the "due soon" threshold on the calendar, levels at their edges."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from foi_workflow.domain import alerts as A
from foi_workflow.domain.alerts import CaseDates, Kind, Level, classify, soon_until

D = dt.date


def test_due_soon_window_runs_over_spring_festival_2026_and_counts_the_make_up_saturday(calendar):
    # Fri 02-13: Sat 02-14 is a make-up working day, 02-15..02-23 are off, then 02-24, 02-25
    assert soon_until(calendar, D(2026, 2, 13), 3) == D(2026, 2, 25)
    assert soon_until(calendar, D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert soon_until(calendar, D(2026, 2, 14), 1) == D(2026, 2, 24)


def test_due_soon_window_runs_over_national_day_2026_into_the_make_up_saturday(calendar):
    # Wed 09-30: 10-01..10-07 off, then Thu 10-08, Fri 10-09, Sat 10-10 (make-up day)
    assert soon_until(calendar, D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert soon_until(calendar, D(2026, 9, 29), 3) == D(2026, 10, 9)


def test_the_scheduled_sweep_runs_on_make_up_saturdays_and_skips_holidays_and_weekends(calendar):
    assert A.is_sweep_day(calendar, D(2026, 2, 14))       # Saturday, make-up working day
    assert A.is_sweep_day(calendar, D(2026, 10, 10))      # Saturday, make-up working day
    assert not A.is_sweep_day(calendar, D(2026, 2, 17))   # Spring Festival
    assert not A.is_sweep_day(calendar, D(2026, 10, 3))   # National Day (a Saturday)
    assert not A.is_sweep_day(calendar, D(2026, 10, 11))  # an ordinary Sunday
    assert A.is_sweep_day(calendar, D(2026, 10, 12))


def reply_level(due, today, calendar, n=3):
    found = [lvl for k, lvl, _d in classify(CaseDates("in_process", reply_due=due), today,
                                              soon_until(calendar, today, n)) if k == Kind.REPLY]
    return found[0] if found else None


def test_reply_due_levels_the_day_before_of_and_after(calendar):
    due = D(2026, 10, 29)
    assert reply_level(due, D(2026, 10, 23), calendar) is None          # 4 working days ahead
    assert reply_level(due, D(2026, 10, 26), calendar) == Level.SOON    # 3 working days ahead
    assert reply_level(due, D(2026, 10, 28), calendar) == Level.SOON
    assert reply_level(due, D(2026, 10, 29), calendar) == Level.TODAY
    assert reply_level(due, D(2026, 10, 30), calendar) == Level.OVERDUE


def test_a_reply_due_right_after_national_day_is_flagged_before_the_holiday(calendar):
    due = D(2026, 10, 8)
    assert reply_level(due, D(2026, 9, 25), calendar) is None   # holiday Friday: 3 wd → 09-30
    assert reply_level(due, D(2026, 9, 28), calendar) == Level.SOON
    assert reply_level(due, D(2026, 10, 7), calendar) == Level.SOON
    assert reply_level(due, D(2026, 10, 8), calendar) == Level.TODAY


def test_correction_notice_alerts_only_while_the_case_awaits_review():
    today = D(2026, 10, 12)
    pending = CaseDates("received", correction_notice_due=today)
    assert [(k, lvl) for k, lvl, _ in classify(pending, today, today)] == [
        (Kind.CORRECTION_NOTICE, Level.TODAY)]
    accepted = CaseDates("in_process", correction_notice_due=D(2026, 10, 9))
    assert classify(accepted, today, today) == []
    late = CaseDates("received", correction_notice_due=D(2026, 10, 10))
    assert classify(late, today, today)[0][:2] == (Kind.CORRECTION_NOTICE, Level.OVERDUE)


def test_an_ended_window_shows_as_ended_only_after_its_last_day():
    end = D(2026, 7, 10)
    case = CaseDates("awaiting_correction", correction_window_end=end)
    assert classify(case, end, end) == []
    assert classify(case, end + dt.timedelta(days=1), end)[0][:2] == (Kind.CORRECTION_WINDOW, Level.ENDED)
    fee = CaseDates("in_process", fee_payment_due=end)
    assert classify(fee, end + dt.timedelta(days=3), end)[0][:2] == (Kind.FEE_WINDOW, Level.ENDED)


def test_every_kind_and_level_has_a_rank_a_label_and_a_chinese_reason():
    for rule in A.RULES:
        for level in rule.levels:
            assert (rule.kind, level) in A.URGENCY_RANK
            text = A.reason(rule.kind, level, 5)
            assert text and "{" not in text
    assert A.reason(Kind.REPLY, Level.SOON, 5).startswith("答复期限将在5个工作日内")
    assert len(A.URGENCY) == len(set(A.URGENCY)) == sum(len(r.levels) for r in A.RULES)


@settings(max_examples=200, deadline=None)
@given(due=st.dates(D(2025, 1, 1), D(2026, 12, 31)), today=st.dates(D(2025, 1, 1), D(2026, 12, 31)),
       n=st.integers(1, 20))
def test_a_reply_has_at_most_one_level_and_it_follows_the_dates(calendar, due, today, n):
    soon = soon_until(calendar, today, n)
    levels = [lvl for k, lvl, _ in classify(CaseDates("received", reply_due=due), today, soon)
              if k == Kind.REPLY]
    assert len(levels) <= 1
    expected = (Level.OVERDUE if due < today else Level.TODAY if due == today
                else Level.SOON if due <= soon else None)
    assert (levels[0] if levels else None) == expected
    # "within n working days": exactly n working days lie in (today, soon]
    assert calendar.working_days_between(today.toordinal(), soon.toordinal()) == n
    assert calendar.is_working_day(soon)


# ----- since when: the first day of a level, and the step a track starts at ---------------------------

@settings(max_examples=300, deadline=None)
@given(due=st.dates(D(2025, 3, 1), D(2026, 12, 31)), n=st.integers(1, 20))
def test_a_level_begins_on_the_first_day_the_rules_give_it(calendar, due, n):
    """level_since is the first day on which classify() puts the date at the level."""
    def level_on(day):
        found = [lvl for k, lvl, _ in classify(CaseDates("in_process", reply_due=due), day,
                                                soon_until(calendar, day, n)) if k == Kind.REPLY]
        return found[0] if found else None

    for level in (Level.SOON, Level.TODAY, Level.OVERDUE):
        first = A.level_since(calendar, Kind.REPLY, level, due, n)
        if level == Level.SOON and not calendar.is_working_day(due):
            continue  # replies fall due on working days
        assert level_on(first) == level
        assert level_on(first - dt.timedelta(days=1)) != level


def test_a_track_keeps_its_step_until_its_date_or_state_changes():
    registered = CaseDates("received", reply_due=D(2026, 10, 29), correction_notice_due=D(2026, 10, 12))
    assert A.track_since(None, registered, None, 11) == {"reply": 11, "correction_notice": 11}
    accepted = CaseDates("in_process", reply_due=D(2026, 10, 29))       # same reply date: same track
    assert A.track_since(registered, accepted, {"reply": 11, "correction_notice": 11}, 12) == {"reply": 11}
    extended = CaseDates("in_process", reply_due=D(2026, 11, 26))
    assert A.track_since(accepted, extended, {"reply": 11}, 13) == {"reply": 13}
    consulting = CaseDates("in_process", reply_due=D(2026, 11, 26), consultation_due=D(2026, 11, 20))
    assert A.track_since(extended, consulting, {"reply": 13}, 14) == {"reply": 13, "consultation": 14}
    answered = CaseDates("in_process", reply_due=D(2026, 11, 26))
    assert A.track_since(consulting, answered, {"reply": 13, "consultation": 14}, 15) == {"reply": 13}
    provisional = CaseDates("in_process", reply_due=D(2027, 1, 18), provisional=True)
    assert A.track_since(answered, provisional, {"reply": 13}, 16) == {"reply": 16, "provisional": 16}
    closed = CaseDates("closed", reply_due=D(2027, 1, 18), provisional=True)
    assert A.track_since(provisional, closed, {"reply": 16, "provisional": 16}, 17) == {}


dates = st.one_of(st.none(), st.dates(D(2026, 1, 1), D(2026, 12, 31)))
case_dates = st.builds(CaseDates, st.sampled_from(["received", "awaiting_correction", "in_process", "closed"]),
                       dates, dates, dates, dates, dates, st.booleans())


@settings(max_examples=300, deadline=None)
@given(history=st.lists(case_dates, min_size=1, max_size=8))
def test_a_track_starts_at_the_last_step_that_changed_what_its_alert_rests_on(history):
    """Replaying a history step by step, each kind's mark is the last step whose key changed."""
    since, prev = None, None
    for step, now in enumerate(history, start=1):
        since = A.track_since(prev, now, since, step * 10)
        for rule in A.RULES:
            key = A.track_key(rule, now)
            if key is None:
                assert rule.kind.value not in since
                continue
            changed = [i for i in range(1, step + 1)
                       if i == 1 or A.track_key(rule, history[i - 2]) != A.track_key(rule, history[i - 1])]
            assert since[rule.kind.value] == changed[-1] * 10
        prev = now
