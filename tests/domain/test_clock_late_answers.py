"""A late answer never stretches the reply deadline; a late correction notice never clears an
overdue case (clock.md "Reply deadline"; ogi-rules.md "Third parties", "Dates of steps")."""

from __future__ import annotations

import datetime as dt

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from foi_workflow.calendar_data import build_calendar
from foi_workflow.domain.case import Case, Command, Role, apply, decide
from foi_workflow.domain.clock import ClockEvents, Consultation, compute_schedule
from foi_workflow.domain.errors import FoiError

D = dt.date
CAL = build_calendar()
TODAY = D(2026, 11, 29)
PROPS = settings(max_examples=200, deadline=None, database=None)
APPLICATION = {"items": [{"description": "某地块征收补偿方案"}], "form": "electronic", "delivery": "online"}


def test_third_party_answer_after_its_window_does_not_stretch_reply_due():
    # clock.md example: R 2026-09-25, letter 2026-09-29; the window ends on the 15th working
    # day after it: an answer on 2026-11-20 stops the clock only up to the window's end
    r, sent = D(2026, 9, 25), D(2026, 9, 29)
    window_end = compute_schedule(ClockEvents(r, consultations=(Consultation("third_party", sent),)),
                                  CAL).get("third_party_answer_due").date
    assert window_end == D(2026, 10, 26)  # 09-30, 10-08, 10-09, 10-10 (make-up Saturday), …
    on_time = compute_schedule(ClockEvents(r, consultations=(Consultation("third_party", sent, answered=window_end),)), CAL)
    late = compute_schedule(ClockEvents(r, consultations=(Consultation("third_party", sent, answered=D(2026, 11, 20)),)), CAL)
    assert late.reply_due == on_time.reply_due
    assert "逾期答复" in late.get("reply_due").excluded[0].reason


def test_answer_within_the_window_still_gives_back_the_days():
    r, sent = D(2026, 9, 25), D(2026, 9, 29)
    sched = compute_schedule(ClockEvents(r, consultations=(Consultation("third_party", sent, answered=D(2026, 10, 9)),)), CAL)
    assert sched.reply_due == D(2026, 11, 3)  # clock.md worked example


@st.composite
def consulted(draw):
    received = draw(st.dates(D(2019, 6, 1), D(2026, 6, 30)))
    sent = received + dt.timedelta(days=draw(st.integers(0, 20)))
    delivered = sent + dt.timedelta(days=draw(st.integers(0, 10))) if draw(st.booleans()) else None
    kind = draw(st.sampled_from(["third_party", "other_agency"]))
    return received, kind, sent, delivered


@PROPS
@given(consulted(), st.integers(0, 120), st.integers(1, 60))
def test_property_reply_due_never_moves_later_through_a_late_answer(c, answer_after, later):
    received, kind, sent, delivered = c
    base = delivered or sent

    def due(answered):
        ev = ClockEvents(received, consultations=(Consultation(kind, sent, delivered, answered),))
        return compute_schedule(ev, CAL)

    window_end = due(None).get(f"{kind}_answer_due").date
    answered = base + dt.timedelta(days=answer_after)
    first = due(answered).reply_due
    # an answer after the window gives the same date as one on its last day ...
    if answered >= window_end:
        assert first == due(window_end).reply_due == due(None).reply_due
    # ... and answering later never moves the deadline later than that
    assert due(answered + dt.timedelta(days=later)).reply_due >= first
    assert due(answered + dt.timedelta(days=later)).reply_due <= due(window_end).reply_due


@st.composite
def histories(draw):
    """A 2019-rules case: registered, maybe accepted, maybe a consultation answered at some
    time (late or not), then a correction notice on a random day."""
    received = draw(st.dates(D(2019, 6, 1), D(2026, 6, 30)))
    moves = [("register", received, {"channel": "in_person", **APPLICATION})]
    correction_on = received + dt.timedelta(days=draw(st.integers(0, 90)))
    return received, moves, correction_on


def _run(moves):
    case = Case()
    for kind, on, data in moves:
        case = apply(case, decide(case, Command(kind, on, "c1", Role.CLERK, data), CAL, today=TODAY))
    return case


@PROPS
@given(histories())
def test_property_a_late_correction_notice_never_clears_an_overdue_case(h):
    received, moves, on = h
    case = _run(moves)
    due_before = case.schedule(CAL).reply_due
    assume(on <= TODAY)
    try:
        ev = decide(case, Command("request_correction", on, "c1", Role.CLERK, {"items": "补充地块编号"}),
                    CAL, today=TODAY)
    except FoiError as err:
        # refused exactly when the case was already overdue on the notice's day
        assert due_before is not None and on > due_before, err.as_dict()
        return
    assert due_before is not None and on <= due_before
    after = apply(case, ev)
    correction_due = case.schedule(CAL).get("correction_notice_due").date
    assert after.correction_notice_late == (on > correction_due)
