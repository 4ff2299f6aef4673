"""The statutory clock on hand-checked cases: the worked examples of clock.md and every rule
around them (rule packs, extension, correction, consultations, fees, remedies, receipt).

Every expected date below was counted by hand on the 2015 / 2026 calendars (the counting is
written out in the comments) — none is taken from the code under test.
"""

from __future__ import annotations

import datetime as dt

import pytest

from foi_workflow.domain.clock import (
    ClockEvents,
    Consultation,
    DueDate,
    Exclusion,
    compute_schedule,
    reply_due,
)
from foi_workflow.domain.errors import InputError
from foi_workflow.domain.rulepacks import PACKS
from foi_workflow.domain.settings import AgencySettings

D = dt.date


def _check_counted_days(due: DueDate, calendar, n: int) -> list[dt.date]:
    """counted_days() has exactly n working days after the start, none excluded, ending on due."""
    days = due.counted_days()
    assert len(days) == n
    assert days == sorted(set(days)), "counted days are distinct and in order"
    assert days[0] > due.start
    assert days[-1] == due.date
    excluded = [(e.start, e.end) for e in due.excluded]
    for d in days:
        assert calendar.is_working_day(d), d
        assert not any(s < d <= a for s, a in excluded), d
    # and no working, non-excluded day between start and due was left out
    d = due.start + dt.timedelta(days=1)
    while d <= due.date:
        if calendar.is_working_day(d) and not any(s < d <= a for s, a in excluded):
            assert d in days, d
        d += dt.timedelta(days=1)
    return days


# ----- the four worked examples of clock.md -------------------------------------------------

def test_reply_due_skips_mid_autumn_and_national_day_and_counts_make_up_saturday(calendar):
    s = compute_schedule(ClockEvents(received=D(2026, 9, 25)), calendar)
    due = s.get("reply_due")
    assert due.date == D(2026, 10, 29)
    assert due.provisional is False
    assert s.rules.id == "ogi-2019"
    assert s.calendar_version == calendar.version
    days = _check_counted_days(due, calendar, 20)
    assert days[:7] == [D(2026, 9, 28), D(2026, 9, 29), D(2026, 9, 30), D(2026, 10, 8),
                        D(2026, 10, 9), D(2026, 10, 10), D(2026, 10, 12)]
    assert reply_due(calendar, D(2026, 9, 25)) == (D(2026, 10, 29), False)


def test_correction_notice_due_is_seventh_working_day_after_receipt(calendar):
    s = compute_schedule(ClockEvents(received=D(2026, 9, 25)), calendar)
    due = s.get("correction_notice_due")
    assert due.date == D(2026, 10, 12)
    _check_counted_days(due, calendar, 7)


def test_twenty_day_extension_moves_reply_due_to_november_26(calendar):
    # day 20 = 10-29; then 10-30, 11-02..06, 11-09..13, 11-16..20, 11-23..26 = 20 more
    s = compute_schedule(ClockEvents(received=D(2026, 9, 25), extension_days=20,
                                     extension_approved=D(2026, 10, 20)), calendar)
    assert s.reply_due == D(2026, 11, 26)
    _check_counted_days(s.get("reply_due"), calendar, 40)
    assert reply_due(calendar, D(2026, 9, 25), extension_days=20) == (D(2026, 11, 26), False)


def test_reply_due_counts_make_up_saturdays_around_spring_festival_2026(calendar):
    s = compute_schedule(ClockEvents(received=D(2026, 2, 13)), calendar)
    due = s.get("reply_due")
    assert due.date == D(2026, 3, 19)
    days = _check_counted_days(due, calendar, 20)
    assert days[0] == D(2026, 2, 14)  # Saturday make-up day is day 1
    assert D(2026, 2, 28) in days  # Saturday make-up day
    assert not any(D(2026, 2, 15) <= d <= D(2026, 2, 23) for d in days)


def test_third_party_consultation_time_is_not_counted(calendar):
    ev = ClockEvents(received=D(2026, 9, 25), consultations=(
        Consultation("third_party", sent=D(2026, 9, 29), answered=D(2026, 10, 9)),))
    s = compute_schedule(ev, calendar)
    due = s.get("reply_due")
    assert due.date == D(2026, 11, 3)
    days = _check_counted_days(due, calendar, 20)
    assert D(2026, 9, 29) in days  # day S itself is counted
    for d in (D(2026, 9, 30), D(2026, 10, 8), D(2026, 10, 9)):
        assert d not in days
    assert [(e.start, e.end, e.working_days) for e in due.excluded] == [
        (D(2026, 9, 29), D(2026, 10, 9), 3)]
    assert reply_due(calendar, D(2026, 9, 25),
                     exclusions=((D(2026, 9, 29), D(2026, 10, 9)),)) == (D(2026, 11, 3), False)


def test_reply_due_running_into_2027_is_provisional_and_skips_new_year(calendar):
    s = compute_schedule(ClockEvents(received=D(2026, 12, 20)), calendar)
    due = s.get("reply_due")
    assert due.date == D(2027, 1, 18)
    assert due.provisional is True
    assert s.provisional is True
    days = _check_counted_days(due, calendar, 20)
    assert D(2027, 1, 1) not in days
    assert reply_due(calendar, D(2026, 12, 20)) == (D(2027, 1, 18), True)


def test_reply_due_entirely_inside_2026_is_not_provisional(calendar):
    # R = 2026-11-02: 20 working days end 2026-11-30, nothing in 2027 is looked at
    assert reply_due(calendar, D(2026, 11, 2)) == (D(2026, 11, 30), False)


def test_skipped_days_name_mid_autumn_and_weekends_but_not_make_up_day(calendar):
    s = compute_schedule(ClockEvents(received=D(2026, 9, 24)), calendar)
    due = s.get("reply_due")
    skipped = dict(due.skipped_days())
    assert skipped[D(2026, 9, 25)] == "中秋节"
    assert skipped[D(2026, 10, 1)] == "国庆节"
    assert skipped[D(2026, 9, 26)] == "周六"
    assert skipped[D(2026, 9, 27)] == "周日"
    assert D(2026, 10, 10) not in skipped  # make-up Saturday is worked
    assert D(2026, 9, 28) not in skipped
    assert set(skipped).isdisjoint(due.counted_days())


# ----- rule packs ---------------------------------------------------------------------------

def test_2008_rules_give_15_working_days(calendar):
    # R = 2015-03-02 (Mon): 03-03..06, 03-09..13, 03-16..20, 03-23 = 15
    s = compute_schedule(ClockEvents(received=D(2015, 3, 2)), calendar)
    assert s.rules.id == "ogi-2008"
    assert s.reply_due == D(2015, 3, 23)
    _check_counted_days(s.get("reply_due"), calendar, 15)
    # the 2008 text has no correction-notice period
    assert s.get("correction_notice_due") is None
    assert reply_due(calendar, D(2015, 3, 2)) == (D(2015, 3, 23), False)


def test_rules_switch_from_2008_to_2019_on_2019_05_15(calendar):
    assert compute_schedule(ClockEvents(received=D(2019, 5, 14)), calendar).rules.id == "ogi-2008"
    assert compute_schedule(ClockEvents(received=D(2019, 5, 15)), calendar).rules.id == "ogi-2019"
    # 2019-05-15 (Wed): 05-16,17, 20-24, 27-31, 06-03..06 (06-07 端午), 06-10..13 = 20
    assert reply_due(calendar, D(2019, 5, 15))[0] == D(2019, 6, 13)


def test_2008_rules_do_not_exclude_other_agency_consultation(calendar):
    ev = ClockEvents(received=D(2015, 3, 2), consultations=(
        Consultation("other_agency", sent=D(2015, 3, 4), answered=D(2015, 3, 13)),))
    s = compute_schedule(ev, calendar)
    assert s.reply_due == D(2015, 3, 23)
    assert s.get("reply_due").excluded == ()


def test_2008_rules_exclude_third_party_consultation(calendar):
    # (03-04, 03-13] not counted: 03-03, 03-04, 03-16..20, 03-23..27, 03-30, 03-31, 04-01 = 15
    ev = ClockEvents(received=D(2015, 3, 2), consultations=(
        Consultation("third_party", sent=D(2015, 3, 4), answered=D(2015, 3, 13)),))
    s = compute_schedule(ev, calendar)
    assert s.reply_due == D(2015, 4, 1)
    _check_counted_days(s.get("reply_due"), calendar, 15)


def test_2019_rules_exclude_other_agency_consultation(calendar):
    # without: 2026-03-30; (03-04, 03-13] not counted, 04-06 清明 (observed) off -> 04-09
    ev = ClockEvents(received=D(2026, 3, 2), consultations=(
        Consultation("other_agency", sent=D(2026, 3, 4), answered=D(2026, 3, 13)),))
    s = compute_schedule(ev, calendar)
    assert s.reply_due == D(2026, 4, 9)
    assert compute_schedule(ClockEvents(received=D(2026, 3, 2)), calendar).reply_due == D(2026, 3, 30)


# ----- extension ----------------------------------------------------------------------------

@pytest.mark.parametrize("received, over_cap", [(D(2026, 9, 25), 21), (D(2015, 3, 2), 16)])
def test_extension_over_cap_is_refused(calendar, received, over_cap):
    with pytest.raises(InputError) as exc:
        compute_schedule(ClockEvents(received=received, extension_days=over_cap), calendar)
    assert exc.value.field == "extension"
    with pytest.raises(InputError) as exc:
        reply_due(calendar, received, extension_days=over_cap)
    assert exc.value.field == "extension"


def test_extension_at_cap_is_accepted_for_2008_rules(calendar):
    # 15 + 15 = 30 working days from 2015-03-02; 04-06 (清明 observed) off:
    # 03-03..06(4) 09..13(9) 16..20(14) 23..27(19) 30..04-03(24) 04-07..10(28) 04-13,14(30)
    s = compute_schedule(ClockEvents(received=D(2015, 3, 2), extension_days=15), calendar)
    assert s.reply_due == D(2015, 4, 14)


def test_negative_extension_is_refused(calendar):
    with pytest.raises(InputError) as exc:
        compute_schedule(ClockEvents(received=D(2026, 9, 25), extension_days=-1), calendar)
    assert exc.value.field == "extension"


def test_extension_approved_after_original_reply_due_is_refused(calendar):
    with pytest.raises(InputError) as exc:
        compute_schedule(ClockEvents(received=D(2026, 9, 25), extension_days=5,
                                     extension_approved=D(2026, 10, 30)), calendar)
    assert exc.value.field == "extension_approved"


def test_extension_approved_on_original_reply_due_is_accepted(calendar):
    s = compute_schedule(ClockEvents(received=D(2026, 9, 25), extension_days=20,
                                     extension_approved=D(2026, 10, 29)), calendar)
    assert s.reply_due == D(2026, 11, 26)


# ----- receipt date -------------------------------------------------------------------------

def test_receipt_before_2008_05_01_is_refused(calendar):
    with pytest.raises(InputError) as exc:
        compute_schedule(ClockEvents(received=D(2008, 4, 30)), calendar)
    assert exc.value.field == "received"
    with pytest.raises(InputError) as exc:
        reply_due(calendar, D(2008, 4, 30))
    assert exc.value.field == "received"


def test_receipt_on_2008_05_01_is_accepted(calendar):
    # 2008-05-01 Thu (劳动节), 05-02 off, 05-04 Sun make-up:
    # 05-04(1) 05-05..09(6) 12..16(11) 19..22(15)
    assert compute_schedule(ClockEvents(received=D(2008, 5, 1)), calendar).reply_due == D(2008, 5, 22)


def test_weekend_online_receipt_moves_receipt_to_next_working_day_when_setting_on(calendar):
    on = AgencySettings(weekend_online_receipt_next_working_day=True)
    # Sunday 2026-02-15 inside Spring Festival: next working day 02-24 (Tue).
    # From 02-24: 02-25..27(3) 02-28 Sat make-up(4) 03-02..06(9) 09..13(14) 16..20(19) 03-23(20)
    for channel in ("online", "fax"):
        s = compute_schedule(ClockEvents(received=D(2026, 2, 15), channel=channel), calendar, on)
        assert s.effective_received == D(2026, 2, 24)
        assert s.received == D(2026, 2, 15)
        assert s.reply_due == D(2026, 3, 23)


def test_weekend_receipt_is_not_moved_with_setting_off_or_other_channel(calendar):
    # R stays 02-15: 02-24..27(4) 02-28(5) 03-02..06(10) 09..13(15) 16..20(20)
    on = AgencySettings(weekend_online_receipt_next_working_day=True)
    cases = [(ClockEvents(received=D(2026, 2, 15), channel="online"), AgencySettings()),
             (ClockEvents(received=D(2026, 2, 15), channel="in_person"), on),
             (ClockEvents(received=D(2026, 2, 15), channel="post"), on),
             (ClockEvents(received=D(2026, 2, 15)), on)]
    for ev, settings in cases:
        s = compute_schedule(ev, calendar, settings)
        assert s.effective_received == D(2026, 2, 15)
        assert s.reply_due == D(2026, 3, 20)


def test_online_receipt_on_make_up_saturday_is_not_moved(calendar):
    on = AgencySettings(weekend_online_receipt_next_working_day=True)
    s = compute_schedule(ClockEvents(received=D(2026, 2, 14), channel="online"), calendar, on)
    assert s.effective_received == D(2026, 2, 14)
    # 02-24..27(4) 02-28(5) 03-02..06(10) 09..13(15) 16..20(20)
    assert s.reply_due == D(2026, 3, 20)


# ----- correction (Art 30) ------------------------------------------------------------------

def test_reply_due_counts_in_full_from_correction_received(calendar):
    # corrected request 2026-03-20 (Fri): 03-23..27(5) 30..04-03(10) 04-07..10(14) 13..17(19) 04-20
    ev = ClockEvents(received=D(2026, 3, 2), correction_notice_sent=D(2026, 3, 5),
                     correction_received=D(2026, 3, 20))
    s = compute_schedule(ev, calendar)
    due = s.get("reply_due")
    assert due.date == D(2026, 4, 20)
    assert due.start == D(2026, 3, 20)
    days = _check_counted_days(due, calendar, 20)
    assert days[0] == D(2026, 3, 23)


def test_reply_due_is_pending_while_correction_awaited(calendar):
    ev = ClockEvents(received=D(2026, 3, 2), correction_notice_sent=D(2026, 3, 5))
    s = compute_schedule(ev, calendar)
    assert s.reply_due is None
    due = s.get("reply_due")
    assert due is not None and due.date is None
    assert due.method == "pending"
    assert due.counted_days() == []


def test_correction_window_ends_15th_working_day_after_notice_delivered(calendar):
    ev = ClockEvents(received=D(2026, 3, 2), correction_notice_sent=D(2026, 3, 4),
                     correction_notice_delivered=D(2026, 3, 6))
    # 03-09..13(5) 16..20(10) 23..27(15)
    assert compute_schedule(ev, calendar).get("correction_window_end").date == D(2026, 3, 27)
    # agency setting 10 working days: 03-20
    s10 = compute_schedule(ev, calendar, AgencySettings(correction_period_working_days=10))
    assert s10.get("correction_window_end").date == D(2026, 3, 20)


def test_correction_window_counts_from_sending_when_delivery_not_recorded(calendar):
    ev = ClockEvents(received=D(2026, 3, 2), correction_notice_sent=D(2026, 3, 4))
    # 03-05,06(2) 09..13(7) 16..20(12) 23..25(15)
    assert compute_schedule(ev, calendar).get("correction_window_end").date == D(2026, 3, 25)


def test_correction_period_setting_out_of_range_is_refused():
    for bad in (0, 61):
        with pytest.raises(InputError) as exc:
            AgencySettings(correction_period_working_days=bad)
        assert exc.value.field == "correction_period_working_days"


def test_correction_received_without_notice_is_refused(calendar):
    with pytest.raises(InputError) as exc:
        compute_schedule(ClockEvents(received=D(2026, 3, 2), correction_received=D(2026, 3, 9)),
                         calendar)
    assert exc.value.field == "correction_received"


# ----- fee notice ---------------------------------------------------------------------------

def test_fee_notice_time_is_excluded_by_default(calendar):
    ev = ClockEvents(received=D(2026, 3, 2), fee_notice_sent=D(2026, 3, 4),
                     fee_paid=D(2026, 3, 13))
    s = compute_schedule(ev, calendar)
    # (03-04, 03-13] not counted -> 04-09 (see the other-agency case)
    assert s.reply_due == D(2026, 4, 9)
    _check_counted_days(s.get("reply_due"), calendar, 20)
    # payment due 20th working day after 03-04: 03-05,06(2) 09..13(7) 16..20(12) 23..27(17) 04-01
    assert s.get("fee_payment_due").date == D(2026, 4, 1)


def test_fee_notice_time_is_counted_when_agency_setting_off(calendar):
    ev = ClockEvents(received=D(2026, 3, 2), fee_notice_sent=D(2026, 3, 4),
                     fee_paid=D(2026, 3, 13))
    s = compute_schedule(ev, calendar, AgencySettings(exclude_fee_time=False))
    assert s.reply_due == D(2026, 3, 30)
    assert s.get("reply_due").excluded == ()


def test_unpaid_fee_notice_excluded_through_payment_due(calendar):
    # fee notice delivered 03-06: payment due 03-06 + 20 = 04-03; (03-04, 04-03] not counted:
    # 03-03, 03-04(2), 04-07..10(6), 13..17(11), 20..24(16), 27..30(20)
    ev = ClockEvents(received=D(2026, 3, 2), fee_notice_sent=D(2026, 3, 4),
                     fee_notice_delivered=D(2026, 3, 6))
    s = compute_schedule(ev, calendar)
    assert s.get("fee_payment_due").date == D(2026, 4, 3)
    assert s.reply_due == D(2026, 4, 30)


# ----- consultations ------------------------------------------------------------------------

def test_unanswered_third_party_consultation_excluded_through_answer_due(calendar):
    # delivered 03-06: answer due 15th working day after = 03-27; (03-04, 03-27] not counted:
    # 03-03, 03-04(2), 03-30..04-03(7), 04-07..10(11), 13..17(16), 04-20..23(20)
    ev = ClockEvents(received=D(2026, 3, 2), consultations=(
        Consultation("third_party", sent=D(2026, 3, 4), delivered=D(2026, 3, 6)),))
    s = compute_schedule(ev, calendar)
    assert s.get("third_party_answer_due").date == D(2026, 3, 27)
    due = s.get("reply_due")
    assert due.date == D(2026, 4, 23)
    assert [(e.start, e.end) for e in due.excluded] == [(D(2026, 3, 4), D(2026, 3, 27))]
    _check_counted_days(due, calendar, 20)


def test_other_agency_answer_due_is_15th_working_day_after_delivery(calendar):
    ev = ClockEvents(received=D(2026, 9, 21), consultations=(
        Consultation("other_agency", sent=D(2026, 9, 24), delivered=D(2026, 9, 28)),))
    # 09-29,30(2) 10-08,09(4) 10-10 Sat make-up(5) 10-12..16(10) 19..23(15)
    assert compute_schedule(ev, calendar).get("other_agency_answer_due").date == D(2026, 10, 23)


def test_unanswered_third_party_under_2008_leaves_reply_due_pending(calendar):
    # the 2008 text sets no answer period: the clock waits for the answer
    ev = ClockEvents(received=D(2015, 3, 2), consultations=(
        Consultation("third_party", sent=D(2015, 3, 4)),))
    s = compute_schedule(ev, calendar)
    assert s.reply_due is None
    assert s.get("reply_due").method == "pending"


def test_overlapping_exclusions_exclude_a_day_once(calendar):
    # third party (03-04, 03-13] and fee (03-10, 03-18]: union (03-04, 03-18] = 10 working days
    # 03-03, 03-04(2), 03-19, 20(4), 23..27(9), 30..04-03(14), 04-07..10(18), 04-13, 14(20)
    ev = ClockEvents(received=D(2026, 3, 2),
                     consultations=(Consultation("third_party", sent=D(2026, 3, 4),
                                                 answered=D(2026, 3, 13)),),
                     fee_notice_sent=D(2026, 3, 10), fee_paid=D(2026, 3, 18))
    s = compute_schedule(ev, calendar)
    assert s.reply_due == D(2026, 4, 14)
    _check_counted_days(s.get("reply_due"), calendar, 20)


def test_hand_given_exclusion_is_applied_on_top_of_events(calendar):
    ev = ClockEvents(received=D(2026, 3, 2),
                     exclusions=(Exclusion(D(2026, 3, 4), D(2026, 3, 13), "what-if"),))
    assert compute_schedule(ev, calendar).reply_due == D(2026, 4, 9)


# ----- remedies -----------------------------------------------------------------------------

def test_review_window_rolls_past_may_day_holiday(calendar):
    # 2026-03-02 + 60 days = 2026-05-01 (劳动节); 05-02..05 off -> 05-06
    s = compute_schedule(ClockEvents(received=D(2026, 2, 2), reply_delivered=D(2026, 3, 2)),
                         calendar)
    assert s.get("review_window_end").date == D(2026, 5, 6)
    assert s.get("review_window_end").method == "days"
    # + 6 months = 2026-09-02 (Wed), a working day: not moved
    assert s.get("litigation_window_end").date == D(2026, 9, 2)


def test_litigation_window_rolls_past_national_day_and_review_past_sunday(calendar):
    s = compute_schedule(ClockEvents(received=D(2026, 3, 2), reply_delivered=D(2026, 4, 1)),
                         calendar)
    # 04-01 + 60 days = 05-31 (Sun) -> 06-01
    assert s.get("review_window_end").date == D(2026, 6, 1)
    # 04-01 + 6 months = 10-01 (国庆) -> 10-08
    assert s.get("litigation_window_end").date == D(2026, 10, 8)
    assert s.get("litigation_window_end").method == "months"


def test_litigation_window_uses_month_end_clamp_and_keeps_make_up_saturday(calendar):
    s = compute_schedule(ClockEvents(received=D(2025, 8, 1), reply_delivered=D(2025, 8, 31)),
                         calendar)
    # 2025-08-31 + 6 months = 2026-02-28 (relativedelta clamps), a make-up Saturday: kept
    assert s.get("litigation_window_end").date == D(2026, 2, 28)
    # 2025-08-31 + 60 days = 2025-10-30 (Thu)
    assert s.get("review_window_end").date == D(2025, 10, 30)


def test_remedy_windows_ending_in_2027_are_provisional(calendar):
    s = compute_schedule(ClockEvents(received=D(2026, 10, 12), reply_delivered=D(2026, 11, 15)),
                         calendar)
    # + 60 days = 2027-01-14 (Thu); + 6 months = 2027-05-15 (Sat) -> Mon 05-17 (estimate)
    review, lit = s.get("review_window_end"), s.get("litigation_window_end")
    assert (review.date, review.provisional) == (D(2027, 1, 14), True)
    assert (lit.date, lit.provisional) == (D(2027, 5, 17), True)
    assert s.provisional is True
    # the reply deadline itself stays official
    assert (s.reply_due, s.get("reply_due").provisional) == (D(2026, 11, 9), False)
    early = compute_schedule(ClockEvents(received=D(2026, 2, 2), reply_delivered=D(2026, 3, 2)),
                             calendar)
    assert early.provisional is False


def test_remedy_windows_absent_until_reply_delivered(calendar):
    s = compute_schedule(ClockEvents(received=D(2026, 3, 2)), calendar)
    assert s.get("review_window_end") is None
    assert s.get("litigation_window_end") is None


def test_rule_packs_carry_the_statutory_periods():
    p19, p08 = PACKS["ogi-2019"], PACKS["ogi-2008"]
    assert (p19.periods["reply"].length, p19.periods["extension"].length) == (20, 20)
    assert (p08.periods["reply"].length, p08.periods["extension"].length) == (15, 15)
    assert p19.excluded_consultations == {"third_party", "other_agency"}
    assert p08.excluded_consultations == {"third_party"}
    assert p19.in_force_from == D(2019, 5, 15)
    assert p08.in_force_until == D(2019, 5, 14)


# ----- validation gaps found while writing these tests ----------------------------------------

def test_extension_over_cap_is_refused_even_while_reply_due_is_pending(calendar):
    from foi_workflow.domain.errors import InputError

    ev = ClockEvents(received=dt.date(2026, 3, 2), correction_notice_sent=dt.date(2026, 3, 4),
                     extension_days=99)
    with pytest.raises(InputError) as err:
        compute_schedule(ev, calendar)
    assert err.value.field == "extension"


def test_consultation_answer_before_its_delivery_is_refused(calendar):
    from foi_workflow.domain.errors import InputError

    c = Consultation("third_party", dt.date(2026, 9, 29), delivered=dt.date(2026, 10, 9),
                     answered=dt.date(2026, 10, 8))
    with pytest.raises(InputError) as err:
        compute_schedule(ClockEvents(received=dt.date(2026, 9, 25), consultations=(c,)), calendar)
    assert err.value.field == "consultations[1].answered"


def test_art35_longer_deadline_replaces_the_statutory_one_when_later(calendar):
    ev = ClockEvents(received=dt.date(2026, 9, 25), longer_deadline=dt.date(2026, 12, 31))
    due = compute_schedule(ev, calendar).get("reply_due")
    assert due.date == dt.date(2026, 12, 31)
    assert "第三十五条" in due.basis
    assert any("2026-10-29" in n for n in due.notes)
