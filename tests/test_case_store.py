"""The case store (services.cases over storage): the stored columns are a replay of the history,
refusals write nothing, request ids make steps idempotent, concurrent steps serialise, a process
killed inside a step leaves nothing behind, and the migrations build exactly the models' schema.

Runs on SQLite by default and on PostgreSQL with FOI_TEST_DATABASE_URL (the concurrency tests
only there: SQLite serialises writers with a file lock, so they would test nothing of ours).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import replace
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from foi_workflow.domain.applicants import Applicant
from foi_workflow.domain.case import (GROUNDS, MOVE_LABELS, NEEDS_SIGN_OFF, OWN_MOVE_OUTCOMES, RuleViolation,
                                      replay)
from foi_workflow.domain.errors import FoiError, InputError
from foi_workflow.domain.outcomes import OUTCOMES
from foi_workflow.services import cases, directory

from . import factories as f
from foi_workflow.services.cases import ConflictError, StepResult
from foi_workflow.storage import db
from foi_workflow.storage.models import AgencyRow, Base, CaseEventRow, CaseRow, NumberSeriesRow

D = dt.date
TODAY = D(2026, 11, 29)
RECEIVED = D(2026, 6, 1)
AGENCY = "yc-zrzy"
ON_POSTGRES = bool(os.environ.get("FOI_TEST_DATABASE_URL"))
postgres_only = pytest.mark.skipif(
    not ON_POSTGRES, reason="concurrency needs PostgreSQL (FOI_TEST_DATABASE_URL); .ci/run runs that pass")


# ----- set-up and helpers ---------------------------------------------------------------------

@pytest.fixture
def office(clean_db: str) -> str:
    """A district government, one department under it with its staff, and an unrelated agency."""
    f.agency(clean_db, "yc", "榆次区人民政府", "government")
    f.agency(clean_db, AGENCY, "榆次区自然资源局", "department", parent="yc")
    f.agency(clean_db, "tg", "太谷区人民政府", "government")
    for code, name, role, agency in (("c1", "张三", "clerk", AGENCY), ("c2", "赵六", "clerk", AGENCY),
                                     ("r1", "李四", "reviewer", AGENCY), ("h1", "王五", "head", AGENCY),
                                     ("s1", "钱七", "supervisor", AGENCY),
                                     ("o1", "孙八", "clerk", "tg")):  # o1: another agency's clerk
        f.staff(clean_db, code, name, role, agency)
    return clean_db


def register(url: str, received: dt.date = RECEIVED, channel: str = "online",
             request_id: str | None = None, today: dt.date = TODAY) -> StepResult:
    return f.register(url, agency=AGENCY, actor="c1", applicant=f.DEFAULT_APPLICANT,
                      channel=channel, received=received, request_id=request_id, today=today)


def step(url: str, case_no: str, kind: str, actor: str, on: dt.date = RECEIVED, /,
         request_id: str | None = None, **data: Any) -> StepResult:
    return f.step(url, case_no, kind, actor, on, today=TODAY, request_id=request_id, **data)


def snapshot(url: str, case_no: str) -> tuple[dict[str, Any], list[dict[str, Any]], int, int]:
    """The case row, its events (every column), and the table totals of events and cases."""
    with db.session_scope(url) as s:
        row = s.scalar(select(CaseRow).where(CaseRow.case_no == case_no))
        assert row is not None
        case = {c.key: getattr(row, c.key) for c in CaseRow.__table__.columns}
        events = [{c.key: getattr(e, c.key) for c in CaseEventRow.__table__.columns}
                  for e in s.scalars(select(CaseEventRow).where(CaseEventRow.case_id == row.id)
                                     .order_by(CaseEventRow.seq))]
        n_events = s.scalar(select(func.count()).select_from(CaseEventRow))
        n_cases = s.scalar(select(func.count()).select_from(CaseRow))
    return case, events, n_events, n_cases


STORED_DUE_KEYS = {"reply_due", "correction_notice_due", "correction_window_end",
                   "third_party_answer_due", "other_agency_answer_due", "fee_payment_due"}


def assert_matches_replay(url: str, case_no: str) -> None:
    """The stored derived columns are what a replay of the stored history gives, and the history
    is numbered 1..n without gaps."""
    with db.session_scope(url) as s:
        row = s.scalar(select(CaseRow).where(CaseRow.case_no == case_no))
        assert row is not None
        ev_rows = s.scalars(select(CaseEventRow).where(CaseEventRow.case_id == row.id)
                            .order_by(CaseEventRow.seq)).all()
        assert [e.seq for e in ev_rows] == list(range(1, len(ev_rows) + 1))
        assert ev_rows[0].kind == "register"
        case = replay(cases._event(e) for e in ev_rows)
        agency = s.get(AgencyRow, row.agency_id)
        assert agency is not None
        schedule = case.schedule(cases.session_calendar(s), directory.agency_settings(agency))
        stored = {c.key: getattr(row, c.key) for c in CaseRow.__table__.columns}
    # the columns named in the brief, computed here without derived_columns()
    assert stored["state"] == case.state.value
    assert stored["outcome"] == (case.outcome or None)
    assert stored["report_row"] == case.report_row
    assert stored["reply_due"] == schedule.reply_due
    # provisional: one of the stored dates rests on an estimated calendar year (the remedy
    # windows after the reply are not stored, so they do not count)
    assert stored["provisional"] == any(d.provisional for d in schedule.dates if d.key in STORED_DUE_KEYS)
    assert stored["calendar_version"] == schedule.calendar_version
    assert stored["event_count"] == len(ev_rows) == case.events
    # and every other derived column, as the store defines them
    expected = cases.derived_columns(case, schedule)
    assert {k: stored[k] for k in expected} == expected
    # the version starts at 1 (register) and goes up by one per step
    assert stored["version"] == len(ev_rows)


# ----- derived columns == replay --------------------------------------------------------------

FULL_PATH = [
    ("acknowledge", "c1", D(2026, 6, 1), {}),
    ("request_correction", "c1", D(2026, 6, 2), {"items": "写明文件名称", "delivered": "2026-06-04"}),
    ("correction_received", "c2", D(2026, 6, 10), {}),
    ("accept", "c1", D(2026, 6, 11), {}),
    ("consult", "c1", D(2026, 6, 12), {"kind": "third_party", "party": "某公司", "delivered": "2026-06-15"}),
    ("extend", "h1", D(2026, 6, 20), {"days": 10, "reasons": "征求第三方意见"}),
    ("consultation_answered", "c1", D(2026, 6, 30), {"index": 0, "answer": "objection", "reasonable_grounds": True}),
    ("public_interest_override", "h1", D(2026, 7, 2), {"reasons": "涉及公共安全"}),
    ("fee_notice", "c1", D(2026, 7, 3), {"method": "per_volume", "pages": 40, "medium": "paper"}),
    ("fee_paid", "c1", D(2026, 7, 8), {}),
    ("sign_off", "r1", D(2026, 7, 9), {"decision": "disclose"}),
    ("reply", "h1", D(2026, 7, 10), {"outcome": "disclosed"}),
    ("reply_delivered", "c1", D(2026, 7, 13), {}),
    ("record_remedy", "s1", D(2026, 9, 1), {"kind": "review", "result": "upheld"}),
]


def test_derived_columns_equal_a_replay_of_the_history_after_every_step(office):
    reg = register(office)
    assert_matches_replay(office, reg.case_no)
    for seq, (kind, actor, on, data) in enumerate(FULL_PATH, start=2):
        result = step(office, reg.case_no, kind, actor, on, **data)
        assert (result.seq, result.kind, result.repeated) == (seq, kind, False)
        assert_matches_replay(office, reg.case_no)
    row, events, _, _ = snapshot(office, reg.case_no)
    assert [e["seq"] for e in events] == list(range(1, len(FULL_PATH) + 2))
    assert (row["state"], row["outcome"], row["report_row"]) == ("closed", "disclosed", "disclosed")
    assert row["closed_on"] == D(2026, 7, 10) and row["reply_delivered"] == D(2026, 7, 13)


def test_step_result_reports_what_was_stored(office):
    reg = register(office)
    result = step(office, reg.case_no, "extend", "h1", D(2026, 6, 5), days=15, reasons="工作量大")
    row = snapshot(office, reg.case_no)[0]
    assert (result.state, result.outcome, result.reply_due, result.provisional) == \
        (row["state"], row["outcome"], row["reply_due"], row["provisional"])
    assert result.reply_due is not None and result.reply_due > reg.reply_due  # type: ignore[operator]


# ----- random sequences through the store -----------------------------------------------------

KINDS = sorted(MOVE_LABELS)
# Moves that close a case are drawn less often than those of a case in process, so that
# sequences spend time in every state before the reply.
WEIGHTED_KINDS = KINDS + ["sign_off"] * 4 + ["reply"] * 2 + [
    "acknowledge", "consult", "consult", "consultation_delivered", "consultation_answered",
    "consultation_answered", "fee_notice", "fee_paid", "request_correction", "correction_delivered",
    "correction_received", "extend", "extend", "set_longer_deadline", "public_interest_override",
    "reply_delivered", "record_remedy"]
PROPER = {"sign_off": ["r1"], "extend": ["h1"], "reply": ["h1"], "public_interest_override": ["h1"],
          "set_longer_deadline": ["h1"], "record_remedy": ["s1", "c1"]}
# c2 is not the handler (c1 registers); o1 is another agency's clerk; x9 is nobody.
ANYONE = ["c1", "c2", "r1", "h1", "s1", "o1", "x9"]


@st.composite
def move_data(draw, kind: str, on: dt.date) -> dict[str, Any]:
    later = min(on + dt.timedelta(days=draw(st.integers(0, 5))), TODAY)
    due = on + dt.timedelta(days=draw(st.integers(0, 90)))
    return {
        "outcome": draw(st.sampled_from(sorted(OUTCOMES) + ["disclosed", "partial", "bogus"])),
        "decision": draw(st.sampled_from(["disclose", "disclose", "partial", "withhold", "shred"])),
        "ground": draw(st.sampled_from([*GROUNDS, "", "admin_query"])),
        "days": draw(st.sampled_from([1, 5, 10, 15, 20, 0, 21])),
        "reasons": draw(st.sampled_from(["工作量大", "工作量大", ""])),
        "kind": draw(st.sampled_from(["review", "litigation_direct", "appeal"] if kind == "record_remedy"
                                     else ["third_party", "other_agency", "media"])),
        "party": draw(st.sampled_from(["某公司", "市财政局", ""])),
        "answer": draw(st.sampled_from(["consent", "objection", "none", "maybe"])),
        "items": draw(st.sampled_from(["写明文件名称", "写明文件名称", ""])),
        "method": draw(st.sampled_from(["per_request", "per_volume", "per_hour"])),
        "amount": draw(st.sampled_from([100, 300, 0])),
        "result": draw(st.sampled_from(["upheld", "corrected", "pending", "won"])),
        "right_agency": draw(st.sampled_from(["区市场监管局", ""])),
        "due": due.isoformat(),
        **({"delivered": later.isoformat()} if draw(st.booleans()) else {}),
        **({"index": draw(st.integers(0, 2))} if draw(st.booleans()) else {}),
    }


REPLY_OUTCOMES = sorted(set(OUTCOMES) - set(OWN_MOVE_OUTCOMES))
ON_SPOT_OUTCOMES = sorted(set(REPLY_OUTCOMES) - NEEDS_SIGN_OFF)


@st.composite
def good_data(draw, kind: str, on: dt.date) -> dict[str, Any]:
    """Data a move accepts (whether the move itself is allowed depends on the case)."""
    reasons = {"reasons": "工作量大"}
    if kind == "reply_on_spot":
        return f.reply_data(draw(st.sampled_from(ON_SPOT_OUTCOMES)))
    if kind == "reply":
        outcome = draw(st.sampled_from(REPLY_OUTCOMES))
        return f.reply_data(outcome, **({"right_agency": "区市场监管局"}
                                        if outcome == "unavailable.not_this_agency" else {}))
    if kind == "request_correction":
        return {"items": "写明文件名称"}
    if kind == "consult":
        return {"kind": draw(st.sampled_from(["third_party", "other_agency"])),
                "party": draw(st.sampled_from(["某公司", "市财政局"]))}
    if kind == "consultation_answered":
        return {"answer": draw(st.sampled_from(["consent", "objection", "none"]))}
    if kind == "sign_off":
        decision = draw(st.sampled_from(["disclose", "partial", "withhold"]))
        return {"decision": decision, "ground": draw(st.sampled_from(GROUNDS))}
    if kind == "fee_notice":
        return {"method": "per_volume", "pages": draw(st.sampled_from([40, 60])), "medium": "paper"}
    if kind == "extend":
        return {"days": draw(st.integers(1, 20)), **reasons}
    if kind == "set_longer_deadline":
        return {"due": (on + dt.timedelta(days=draw(st.integers(20, 90)))).isoformat(), **reasons}
    if kind == "record_remedy":
        return {"kind": draw(st.sampled_from(["review", "litigation_direct", "litigation_after_review"])),
                "result": draw(st.sampled_from(["upheld", "corrected", "other", "pending"]))}
    if kind == "public_interest_override":
        return reasons
    return {}


@st.composite
def store_sequences(draw):
    received = draw(st.dates(D(2025, 1, 2), D(2026, 10, 31)))
    channel = draw(st.sampled_from(["in_person", "post", "letter", "online", "fax"]))
    moves, on = [], received
    if draw(st.integers(0, 3)):  # most cases are accepted first, so that later moves can land
        moves.append(("accept", "c1", on, {}))
    for _ in range(draw(st.integers(1, 20))):
        # mostly forward; now and then a day back, or past today (refused)
        on = on + dt.timedelta(days=draw(st.integers(-2, 12)))
        on = on if draw(st.integers(0, 15)) else TODAY + dt.timedelta(days=1)
        kind = draw(st.sampled_from(WEIGHTED_KINDS))
        proper = PROPER.get(kind, ["c1", "c2"])
        actor = draw(st.sampled_from(proper if draw(st.integers(0, 6)) else ANYONE))
        data = draw(good_data(kind, on) if draw(st.integers(0, 3)) else move_data(kind, on))
        moves.append((kind, actor, on, data))
        on = min(on, TODAY)
    return received, channel, moves


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(store_sequences())
def test_random_steps_refusals_write_nothing_and_columns_stay_a_replay(office, sequence):
    received, channel, moves = sequence
    try:
        reg = register(office, received=received, channel=channel)
    except FoiError:
        return  # a receipt date the calendar refuses: nothing to do
    assert_matches_replay(office, reg.case_no)
    for i, (kind, actor, on, data) in enumerate(moves):
        before = snapshot(office, reg.case_no)
        request_id = f"{reg.case_no}/{i}"
        try:
            result = step(office, reg.case_no, kind, actor, on, request_id=request_id, **data)
        except ConflictError:
            raise AssertionError("no concurrent writer here: a ConflictError is a bug")
        except FoiError:
            # a refusal (RuleViolation, InputError) leaves the case and its history exactly as before
            assert snapshot(office, reg.case_no) == before
        else:
            case, events, n_events, n_cases = snapshot(office, reg.case_no)
            assert events[:-1] == before[1] and len(events) == len(before[1]) + 1
            assert (events[-1]["seq"], events[-1]["kind"], events[-1]["actor"]) == (result.seq, kind, actor)
            assert (n_events, n_cases) == (before[2] + 1, before[3])
            assert case["version"] == before[0]["version"] + 1
            assert (case["state"], case["reply_due"]) == (result.state, result.reply_due)
            assert events[-1]["request_id"] == request_id
            # sent again, the step is answered as the first time and writes nothing
            after = snapshot(office, reg.case_no)
            again = step(office, reg.case_no, kind, actor, on, request_id=request_id, **data)
            assert again == replace(result, repeated=True)
            assert snapshot(office, reg.case_no) == after
        assert_matches_replay(office, reg.case_no)


def test_refused_steps_of_each_kind_write_nothing(office):
    """Refusals from each layer: the rules, the directory, the agency check, a bad request id."""
    reg = register(office)
    step(office, reg.case_no, "accept", "c1")
    before = snapshot(office, reg.case_no)
    attempts = [
        dict(kind="reply_delivered", actor="c1"),                                 # wrong state
        dict(kind="sign_off", actor="c1", data={"decision": "disclose"}),         # wrong role
        dict(kind="accept", actor="x9"),                                          # unknown staff
        dict(kind="acknowledge", actor="o1"),                                     # other agency
        dict(kind="acknowledge", actor="c1", on=TODAY + dt.timedelta(days=1)),    # future date
        dict(kind="acknowledge", actor="c1", on=RECEIVED - dt.timedelta(days=1)),  # before receipt
        dict(kind="acknowledge", actor="c1", request_id="x" * 65),                # bad request id
        dict(kind="teleport", actor="c1"),                                        # unknown move
    ]
    for a in attempts:
        with pytest.raises(FoiError):
            step(office, reg.case_no, a["kind"], a["actor"], a.get("on", RECEIVED),
                 request_id=a.get("request_id"), **(a.get("data") or {}))
        assert snapshot(office, reg.case_no) == before, a
    with pytest.raises(InputError):
        step(office, "yc-zrzy-2026-99999", "accept", "c1")
    assert snapshot(office, reg.case_no) == before


# ----- idempotency ----------------------------------------------------------------------------

def test_same_request_id_twice_is_applied_once(office):
    reg = register(office)
    first = step(office, reg.case_no, "acknowledge", "c1", request_id="ack-1")
    after_first = snapshot(office, reg.case_no)
    again = step(office, reg.case_no, "acknowledge", "c1", request_id="ack-1")
    assert not first.repeated and again == replace(first, repeated=True)
    assert (again.case_no, again.seq, again.kind) == (reg.case_no, 2, "acknowledge")
    assert snapshot(office, reg.case_no) == after_first
    # a different move under the same id is still the first answer, and writes nothing
    other = step(office, reg.case_no, "accept", "c1", request_id="ack-1")
    assert other == replace(first, repeated=True)
    # and after later steps, still the answer of the time (not the case as it is now)
    step(office, reg.case_no, "extend", "h1", RECEIVED, days=10, reasons="工作量大")
    later = step(office, reg.case_no, "acknowledge", "c1", request_id="ack-1")
    assert later == replace(first, repeated=True)
    after_first = snapshot(office, reg.case_no)
    assert snapshot(office, reg.case_no) == after_first
    assert_matches_replay(office, reg.case_no)


def test_request_id_reused_on_another_case_is_refused_and_writes_nothing(office):
    """A request id belongs to the case it was made for: never answered with the other case."""
    a = register(office)
    b = register(office)
    step(office, a.case_no, "acknowledge", "c1", request_id="req-1")
    before_a, before_b = snapshot(office, a.case_no), snapshot(office, b.case_no)
    with pytest.raises(InputError) as info:
        step(office, b.case_no, "accept", "c1", request_id="req-1")
    assert info.value.field == "request_id" and a.case_no not in info.value.text()
    assert snapshot(office, a.case_no) == before_a
    assert snapshot(office, b.case_no) == before_b
    # nor can a registration reuse a step's request id
    with pytest.raises(InputError):
        register(office, request_id="req-1")


def test_register_with_same_request_id_registers_once(office):
    first = register(office, request_id="intake-1")
    again = register(office, request_id="intake-1", received=D(2026, 6, 2))
    assert again.repeated and (again.case_no, again.seq, again.kind) == (first.case_no, 1, "register")
    assert snapshot(office, first.case_no)[3] == 1
    with db.session_scope(office) as s:
        assert s.scalar(select(NumberSeriesRow.last)) == 1  # the second call took no number


def test_repeated_answer_keeps_the_provisional_flag_of_the_first(office):
    """A case replied long ago, the reply delivered today: the remedy windows (not stored) run
    into a year whose calendar is only estimated; the stored dates do not."""
    reg = register(office, received=D(2025, 1, 2))
    step(office, reg.case_no, "reply", "h1", D(2025, 1, 2), outcome="already_public")
    first = step(office, reg.case_no, "reply_delivered", "c1", TODAY, request_id="rd-1")
    assert first.provisional == snapshot(office, reg.case_no)[0]["provisional"]
    again = step(office, reg.case_no, "reply_delivered", "c1", TODAY, request_id="rd-1")
    assert again == replace(first, repeated=True)


def test_a_refused_step_does_not_use_up_its_request_id(office):
    reg = register(office)
    with pytest.raises(RuleViolation):
        step(office, reg.case_no, "reply_delivered", "c1", request_id="try-1")
    done = step(office, reg.case_no, "accept", "c1", request_id="try-1")
    assert not done.repeated and (done.seq, done.kind) == (2, "accept")


# ----- concurrency (PostgreSQL) ---------------------------------------------------------------

def run_together(calls: list) -> list[Any]:
    """Run the calls in threads released at once by a barrier; their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = calls[i]()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertions
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    return out


SAME_MOVE = {
    "acknowledge": ("c1", {}),
    "extend": ("h1", {"days": 10, "reasons": "工作量大"}),
}


@postgres_only
@pytest.mark.parametrize("kind", sorted(SAME_MOVE))
def test_eight_threads_making_the_same_move_exactly_one_wins(office, kind):
    reg = register(office)
    step(office, reg.case_no, "accept", "c1")
    actor, data = SAME_MOVE[kind]
    results = run_together([lambda i=i: step(office, reg.case_no, kind, actor, D(2026, 6, 3), **data)
                            for i in range(8)])
    won = [r for r in results if isinstance(r, StepResult)]
    lost = [r for r in results if not isinstance(r, StepResult)]
    assert len(won) == 1 and won[0].seq == 3, results
    assert all(isinstance(r, (ConflictError, RuleViolation)) for r in lost), lost
    case, events, _, _ = snapshot(office, reg.case_no)
    assert [e["kind"] for e in events] == ["register", "accept", kind]
    assert case["version"] == 3
    assert_matches_replay(office, reg.case_no)


# Eight moves that are legal in any order on an accepted case (checked against the rules).
ANY_ORDER = [
    ("acknowledge", "c1", {}),
    ("extend", "h1", {"days": 10, "reasons": "工作量大"}),
    ("fee_notice", "c2", {"method": "per_volume", "pages": 40, "medium": "paper"}),
    ("consult", "c1", {"kind": "third_party", "party": "甲公司"}),
    ("consult", "c2", {"kind": "other_agency", "party": "市财政局"}),
    ("consult", "c1", {"kind": "third_party", "party": "乙公司"}),
    ("consult", "c2", {"kind": "other_agency", "party": "市住建局"}),
    ("request_reasons", "c1", {"facts": "本月已提出申请40件"}),
]


@postgres_only
def test_eight_threads_making_different_moves_on_one_case_all_land_in_turn(office):
    reg = register(office)
    step(office, reg.case_no, "accept", "c1")
    conflicts = [0] * len(ANY_ORDER)

    def attempt(i: int) -> StepResult:
        kind, actor, data = ANY_ORDER[i]
        for _ in range(100):
            try:
                return step(office, reg.case_no, kind, actor, D(2026, 6, 3),
                            request_id=f"move-{i}", **data)
            except ConflictError:
                conflicts[i] += 1
        raise AssertionError(f"move {i} never landed")

    results = run_together([lambda i=i: attempt(i) for i in range(len(ANY_ORDER))])
    assert all(isinstance(r, StepResult) and not r.repeated for r in results), results
    assert sorted(r.seq for r in results) == list(range(3, 3 + len(ANY_ORDER)))
    case, events, _, _ = snapshot(office, reg.case_no)
    assert sorted(e["request_id"] for e in events[2:]) == sorted(f"move-{i}" for i in range(8))
    assert case["version"] == 2 + len(ANY_ORDER)
    assert_matches_replay(office, reg.case_no)


@postgres_only
def test_eight_threads_on_eight_cases_never_conflict(office):
    regs = [register(office) for _ in range(8)]
    path = [("accept", "c1", {}), ("acknowledge", "c2", {}), ("sign_off", "r1", {"decision": "disclose"}),
            ("reply", "h1", {"outcome": "disclosed"}), ("reply_delivered", "c1", {})]
    for kind, actor, data in path:  # one round per move, all eight cases at once
        results = run_together([lambda r=r: step(office, r.case_no, kind, actor, D(2026, 6, 3), **data)
                                for r in regs])
        assert all(isinstance(r, StepResult) for r in results), results
    for r in regs:
        assert snapshot(office, r.case_no)[0]["state"] == "closed"
        assert_matches_replay(office, r.case_no)


@postgres_only
def test_eight_concurrent_registrations_get_gap_free_numbers(office):
    results = run_together([lambda: register(office) for _ in range(8)])
    assert all(isinstance(r, StepResult) for r in results), results
    assert sorted(r.case_no for r in results) == [f"{AGENCY}-2026-{n:05d}" for n in range(1, 9)]


# ----- a process killed inside a step ---------------------------------------------------------

CHILD = textwrap.dedent("""
    import datetime as dt, sys, time
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from foi_workflow.services import cases

    signal_file, case_no, hook = sys.argv[1:4]

    def pause():
        with open(signal_file, "w") as f:
            f.write("inside the transaction")
        time.sleep(600)

    if hook == "before_commit":          # after the event insert and the case update
        event.listen(Session, "before_commit", lambda session: pause())
    else:                                # after the event insert, before the case update
        real = cases.derived_columns
        def derived_columns(*args, **kwargs):
            out = real(*args, **kwargs)
            pause()
            return out
        cases.derived_columns = derived_columns

    from foi_workflow.config import Settings
    from foi_workflow.services import auth
    from foi_workflow.storage.uow import SqlUnitOfWork

    uow = SqlUnitOfWork(Settings.load())
    with uow:
        who = auth.principal_for("h1", uow, operator="test", via="cli")
    cases.step(cases.Step(case_no, "extend", dt.date(2026, 6, 3), {"days": 10, "reasons": "工作量大"},
                          "killed-1"), uow, who, today=dt.date(2026, 11, 29))
    print("the step finished: the parent should have killed this process", file=sys.stderr)
    sys.exit(3)
""")


@pytest.mark.parametrize("hook", ["after_event_insert", "before_commit"])
def test_a_process_killed_mid_step_leaves_the_case_as_it_was(office, tmp_path: Path, hook):
    reg = register(office)
    step(office, reg.case_no, "accept", "c1")
    before = snapshot(office, reg.case_no)
    flag = tmp_path / "inside"
    env = {**os.environ, "FOI_DATABASE_URL": office}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(flag), reg.case_no, hook],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            if child.poll() is not None:
                out, err = child.communicate()
                pytest.fail(f"child exited {child.returncode} before the hook: {err.decode()[-2000:]}")
            assert time.monotonic() < deadline, "child never reached the hook"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()  # type: ignore[union-attr]
        child.stderr.close()  # type: ignore[union-attr]

    assert snapshot(office, reg.case_no) == before
    # the same move (and the same request id) goes through afterwards as a new step
    again = step(office, reg.case_no, "extend", "h1", D(2026, 6, 3), request_id="killed-1",
                 days=10, reasons="工作量大")
    assert not again.repeated and again.seq == 3
    case, events, _, _ = snapshot(office, reg.case_no)
    assert [e["seq"] for e in events] == [1, 2, 3] and case["version"] == 3
    assert_matches_replay(office, reg.case_no)


# ----- migrations == models -------------------------------------------------------------------

def test_migrations_build_exactly_the_models_schema(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(db.alembic_config(db_url)).get_heads())
    with db.get_engine(db_url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert set(context.get_current_heads()) == heads
        assert compare_metadata(context, Base.metadata) == []


# ----- fees: the per-request fee from one applicant's count in the calendar month (issue 12) ----

def test_per_request_fee_counts_the_applicants_cases_in_the_calendar_month(office):
    """国办函〔2020〕109号 per request: the 11th request of one applicant in a month costs 100 yuan,
    counted across that applicant's cases (one applicant record, many cases); another
    applicant's requests and another month's do not count; a count typed in is ignored."""
    other = Applicant("natural_person", "李雷", "resident_id", "11010519491231002X")
    register(office, received=D(2026, 5, 29))                     # last month: does not count
    f.register(office, agency=AGENCY, actor="c1", applicant=other, received=RECEIVED, today=TODAY)
    regs = [register(office, received=RECEIVED + dt.timedelta(days=i // 4)) for i in range(11)]
    with db.session_scope(office) as s:
        ids = set(s.scalars(select(CaseRow.applicant_id).where(
            CaseRow.case_no.in_([r.case_no for r in regs]))))
    assert len(ids) == 1  # the same applicant recognised across cases
    tenth, eleventh = regs[9].case_no, regs[10].case_no
    for no in (tenth, eleventh):
        step(office, no, "accept", "c1", D(2026, 6, 4))
    with pytest.raises(FoiError) as info:  # the 10th of the month is free: no fee notice
        step(office, tenth, "fee_notice", "c1", D(2026, 6, 5), method="per_request")
    assert info.value.field == "amount"
    step(office, eleventh, "fee_notice", "c1", D(2026, 6, 5), method="per_request", nth_in_month=1)
    with db.session_scope(office) as s:
        row = s.scalar(select(CaseRow).where(CaseRow.case_no == eleventh))
        ev = s.scalar(select(CaseEventRow).where(CaseEventRow.case_id == row.id,
                                                 CaseEventRow.kind == "fee_notice"))
        assert (ev.data["nth_in_month"], ev.data["amount"]) == (11, 100)
        assert ev.data["computation"]["bands"][0]["band"] == "第11–30件"


def test_a_move_chosen_before_another_step_is_a_conflict_checked_in_the_steps_own_transaction(office):
    """Two people on one case: the form carries how many steps its page showed (`seen`); if the
    case moved since, the step is refused as a conflict and nothing is written — checked inside
    the step's transaction, not before it."""
    from foi_workflow.services.cases import ConflictError, Step
    from foi_workflow.services import cases as case_service

    no = register(office).case_no
    step(office, no, "acknowledge", "c1", RECEIVED)                  # the other person's step
    with pytest.raises(ConflictError) as exc:
        case_service.step(Step(no, "accept", RECEIVED, {}, seen=1), f.uow(office), f.principal(office, "c2"),
                          today=TODAY)
    assert "刷新" in exc.value.message
    with db.session_scope(office) as s:
        assert s.scalar(select(CaseRow.event_count).where(CaseRow.case_no == no)) == 2
    done = case_service.step(Step(no, "accept", RECEIVED, {}, seen=2), f.uow(office), f.principal(office, "c2"),
                             today=TODAY)
    assert done.seq == 3
