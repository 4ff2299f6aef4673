"""Random move sequences against the case rules: what a refusal leaves, what replay rebuilds,
and what a closed case still accepts."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from foi_workflow.calendar_data import build_calendar
from foi_workflow.domain.case import (
    ANSWERS, GROUNDS, MOVE_LABELS, REMEDY_KINDS, REMEDY_RESULTS, Case, Command, Role,
    RuleViolation, State, apply, decide, replay,
)
from foi_workflow.domain.errors import FoiError
from foi_workflow.domain.outcomes import OUTCOMES, REPORT_ROWS

from ..factories import reply_data

D = dt.date
TODAY = D(2026, 11, 29)
CAL = build_calendar()  # the same cached object as the `calendar` fixture
PROPS = settings(max_examples=150, deadline=None)

KINDS = sorted(MOVE_LABELS)
# The moves that move a case along are drawn more often, so that sequences reach the reply.
WEIGHTED_KINDS = KINDS + ["accept"] * 3 + ["sign_off"] * 3 + ["reply"] * 4 + [
    "consult", "consultation_answered", "fee_notice", "fee_paid", "request_correction",
    "correction_received", "extend", "reply_delivered", "record_remedy"]
STAFF = [("c1", Role.CLERK), ("c2", Role.CLERK), ("r1", Role.REVIEWER), ("h1", Role.HEAD),
         ("s1", Role.SUPERVISOR), ("c1", Role.REVIEWER), ("a1", Role.ADMIN)]
# Who usually makes each move (the others come from STAFF at random, now and then).
PROPER = {"sign_off": [("r1", Role.REVIEWER)], "extend": [("h1", Role.HEAD)],
          "reply": [("h1", Role.HEAD)], "public_interest_override": [("h1", Role.HEAD)],
          "set_longer_deadline": [("h1", Role.HEAD)],
          "record_remedy": [("s1", Role.SUPERVISOR), ("c1", Role.CLERK)]}
AFTER_CLOSE = {"reply_delivered", "record_remedy"}


def working_day_on_or_after(day: dt.date) -> dt.date:
    return dt.date.fromordinal(CAL.next_working_day_on_or_after(day.toordinal()))


@st.composite
def move_data(draw, move: str, on: dt.date):
    """Plausible data for any move: every key a move may read, with good and bad values."""
    later = min(on + dt.timedelta(days=draw(st.integers(0, 5))), TODAY)
    # Art 35 deadlines are drawn on working days only (see the report: a non-working `due`
    # becomes a non-working reply_due).
    due = working_day_on_or_after(on + dt.timedelta(days=draw(st.integers(0, 90))))
    if move in ("reply", "reply_on_spot"):
        # a reply with its decision's required elements, now and then one left out
        outcome = draw(st.sampled_from(sorted(OUTCOMES) + ["disclosed", "partial", "bogus"]))
        data = reply_data(outcome)
        required = [k for k in data if k != "outcome"]
        if required and draw(st.integers(0, 3)) == 0:
            data.pop(draw(st.sampled_from(required)))
        return data
    return {
        "outcome": draw(st.sampled_from(sorted(OUTCOMES) + ["disclosed", "partial", "bogus"])),
        "decision": draw(st.sampled_from(["disclose", "partial", "withhold", "shred"])),
        "ground": draw(st.sampled_from([*GROUNDS, "", "admin_query"])),
        "days": draw(st.sampled_from([1, 5, 10, 15, 20, 20, 0, 21])),
        "reasons": draw(st.sampled_from(["工作量大", ""])),
        "kind": draw(st.sampled_from([*REMEDY_KINDS, "appeal"] if move == "record_remedy"
                                     else ["third_party", "other_agency", "media"])),
        "party": draw(st.sampled_from(["某公司", "市财政局", ""])),
        "answer": draw(st.sampled_from([*ANSWERS, "objection", "maybe"])),
        "items": draw(st.sampled_from(["写明文件名称", ""])),
        "method": draw(st.sampled_from(["per_request", "per_volume", "per_hour"])),
        "amount": draw(st.sampled_from([100, 300, 0, -5])),
        "result": draw(st.sampled_from([*REMEDY_RESULTS, "won"])),
        "channel": draw(st.sampled_from(["in_person", "post", "letter", "online", "fax", "pigeon"])),
        "right_agency": draw(st.sampled_from(["区市场监管局", ""])),
        "due": due.isoformat(),
        **({"delivered": later.isoformat()} if draw(st.booleans()) else {}),
        **({"index": draw(st.integers(0, 2))} if draw(st.booleans()) else {}),
    }


@st.composite
def sequences(draw):
    received = draw(st.dates(D(2025, 1, 2), D(2026, 10, 31)))
    cmds = [Command("register", received, "c1", Role.CLERK,
                    {"channel": draw(st.sampled_from(["in_person", "post", "letter", "online", "fax"])),
                     "items": ["某地块征收补偿方案"], "form": "electronic", "delivery": "online"})]
    on = received
    for _ in range(draw(st.integers(0, 14))):
        on = min(on + dt.timedelta(days=draw(st.integers(0, 20))), TODAY)
        kind = draw(st.sampled_from(WEIGHTED_KINDS))
        proper = PROPER.get(kind, [("c1", Role.CLERK), ("c2", Role.CLERK)])
        actor, role = draw(st.sampled_from(proper if draw(st.integers(0, 4)) else STAFF))
        cmds.append(Command(kind, on, actor, role, draw(move_data(kind, on))))
    return cmds


def check_case(case: Case) -> None:
    if case.state == State.CLOSED:
        # (2) exactly one outcome, counted in one row of the annual report
        assert case.outcome in OUTCOMES
        assert case.report_row in REPORT_ROWS
        assert case.replied_on is not None
    else:
        assert case.outcome == ""
        # (4) the schedule computes, and a known reply_due is a working day
        due = case.schedule(CAL).reply_due
        if due is not None:
            assert CAL.is_working_day(due), due


@PROPS
@given(sequences())
def test_random_move_sequences_keep_the_case_rules(cmds):
    case, events = Case(), []
    for cmd in cmds:
        before, n = case, len(events)
        try:
            ev = decide(case, cmd, CAL, today=TODAY)
        except RuleViolation:
            # a refusal records nothing and leaves the case as it was
            assert case is before and case == before and len(events) == n
            continue
        except FoiError:
            # (5) only the domain's own errors (InputError for bad input) – nothing else escapes
            assert case is before and len(events) == n
            continue
        # (3) a closed case accepts only delivery of the reply and remedies
        if before.state == State.CLOSED:
            assert cmd.kind in AFTER_CLOSE, cmd.kind
        events.append(ev)
        case = apply(case, ev)
        # (1) the history rebuilds the same case at every step
        assert replay(events) == case
        assert case.events == len(events)
        check_case(case)
    assert events and events[0].kind == "register"
