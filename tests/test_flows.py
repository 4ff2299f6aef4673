"""The case-step flows (flows/steps.py) against ONE lean Prefect backend for the whole session.

The rules themselves are tested without Prefect (tests/domain); here only what the
orchestration adds: each main path end to end through real flow runs, run names and tags that
follow a case, and domain refusals surfacing as failed runs with the Chinese text.
"""

from __future__ import annotations

import datetime as dt
import time
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from foi_workflow.domain.applicants import mask
from foi_workflow.domain.case import _MOVES, SYSTEM_MOVES, RuleViolation
from foi_workflow.domain.errors import FoiError, InputError
from foi_workflow.services import cases, directory
from foi_workflow.storage import db

from .conftest import RUN_TIMES
from .test_case_store import office  # noqa: F401  (fixture)

TODAY = "2026-06-30"
AGENCY = "XQ-GOV"
CLERK, HEAD, REVIEWER = "xq-clerk", "xq-head", "xq-reviewer"
PERSON = {"kind": "natural_person", "name": "张三", "id_type": "passport", "id_number": "E12345678"}


@pytest.fixture
def district(clean_db, monkeypatch) -> str:
    """An agency with a clerk, a head and a reviewer; 'today' fixed for the legal dates."""
    monkeypatch.setenv("FOI_TODAY", TODAY)
    with db.session_scope(clean_db) as s:
        directory.add_agency(s, AGENCY, "某区人民政府", "government")
        for code, role in ((CLERK, "clerk"), (HEAD, "head"), (REVIEWER, "reviewer")):
            directory.add_staff(s, code, code, role, AGENCY)
    return clean_db


def run(flow, **params: Any):
    """One flow run, returning its final state (timed for the report)."""
    t0 = time.perf_counter()
    state = flow(**params, return_state=True)
    RUN_TIMES.append((f"{flow.name}:{params.get('decision') or params.get('move') or ''}",
                      time.perf_counter() - t0))
    return state


def ok(flow, **params: Any) -> dict[str, Any]:
    state = run(flow, **params)
    assert state.is_completed(), state.message
    return state.result()


def read_run(state):
    from prefect import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(state.state_details.flow_run_id)


def case_runs(case_no: str):
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"case:{case_no}"])))


def intake(steps: ModuleType, received: str = "2026-03-02", **extra: Any):
    state = run(steps.intake_flow, agency=AGENCY, applicant=PERSON, channel="in_person",
                received=received, subject="2025年本区道路养护合同", actor=CLERK, **extra)
    assert state.is_completed(), state.message
    return state, state.result()


def final(case_no: str):
    with db.session_scope(db.database_url()) as s:  # FOI_DATABASE_URL, as the flows use it
        row, events, case = cases.load(s, case_no)
        return row, [e.kind for e in events], case


def assert_followable(state, case_no: str, prefix: str) -> None:
    fr = read_run(state)
    assert fr.name.startswith(prefix) and case_no in fr.name
    assert f"case:{case_no}" in fr.tags and f"agency:{AGENCY}" in fr.tags


# ----- without a Prefect backend --------------------------------------------------------------

def test_stages_split_every_move_after_registration_exactly_once(steps):
    all_moves = [m for _label, moves in steps.STAGES.values() for m in moves]
    assert len(all_moves) == len(set(all_moves))
    assert set(all_moves) == set(_MOVES) - {"register"} - SYSTEM_MOVES


def test_agency_code_is_the_case_number_prefix(steps):
    assert steps.agency_of("XQ-GOV-2026-00012") == "XQ-GOV"
    assert steps.agency_of("nonsense") is None
    assert steps.case_tag_list("XQ-GOV-2026-00012") == ["case:XQ-GOV-2026-00012", "agency:XQ-GOV"]


def test_a_stage_flow_refuses_a_move_of_another_stage_in_chinese(steps):
    with pytest.raises(InputError) as exc:
        steps.review_flow.fn("XQ-GOV-2026-00001", "sign_off", REVIEWER, "2026-03-05")
    assert "不属于审查环节" in str(exc.value) and "confidentiality_flow" in str(exc.value)
    with pytest.raises(InputError, match="intake_flow"):
        steps.case_step_flow.fn("XQ-GOV-2026-00001", "register", CLERK, "2026-03-05")


def test_intake_refuses_a_masked_id_number_from_a_rerun(steps):
    masked = {**PERSON, "id_number": mask(PERSON["id_number"])}
    with pytest.raises(InputError, match="脱敏"):
        steps.intake_flow.fn(AGENCY, masked, "in_person", "2026-03-02", "某事项", CLERK)


# ----- real flow runs ---------------------------------------------------------------------------

def test_disclosed_after_sign_off(prefect_backend, steps, district):
    started = dt.datetime.now(dt.timezone.utc)  # other test files may reuse this case number
    state, reg = intake(steps)
    case_no = reg["case_no"]
    assert case_no.startswith(f"{AGENCY}-2026-") and reg["state"] == "received"
    assert_followable(state, case_no, "intake-")
    stored = read_run(state).parameters["applicant"]["id_number"]
    assert stored == mask(PERSON["id_number"]) != PERSON["id_number"]  # no clear ID in Prefect

    ok(steps.review_flow, case_no=case_no, decision="accept", actor=CLERK, on="2026-03-03")
    ok(steps.confidentiality_flow, case_no=case_no, decision="sign_off", actor=REVIEWER,
       on="2026-03-05", data={"decision": "disclose"})
    last = run(steps.reply_flow, case_no=case_no, decision="reply", actor=HEAD, on="2026-03-10",
               data={"outcome": "disclosed"})
    assert last.is_completed() and last.result()["outcome"] == "disclosed"
    assert_followable(last, case_no, f"reply-{case_no}-reply")
    done = ok(steps.case_step_flow, case_no=case_no, move="reply_delivered", actor=CLERK,
              on="2026-03-11")
    assert done["state"] == "closed"

    row, kinds, _case = final(case_no)
    assert (row.state, row.outcome, str(row.reply_delivered)) == ("closed", "disclosed", "2026-03-11")
    assert kinds == ["register", "accept", "sign_off", "reply", "reply_delivered"]
    # the UI's tag filter finds every run of this case, and only those
    assert sorted(r.name for r in case_runs(case_no) if r.created >= started) == sorted([
        f"intake-{case_no}", f"review-{case_no}-accept", f"confidentiality-{case_no}-sign_off",
        f"reply-{case_no}-reply", f"step-{case_no}-reply_delivered"])


def test_correction_then_corrected_request_then_reply(prefect_backend, steps, district):
    _state, reg = intake(steps)
    case_no = reg["case_no"]
    first_due = reg["reply_due"]
    r = ok(steps.review_flow, case_no=case_no, decision="request_correction", actor=CLERK,
           on="2026-03-04", data={"items": "请写明合同名称或文号"})
    assert r["state"] == "awaiting_correction"
    r = ok(steps.review_flow, case_no=case_no, decision="correction_received", actor=CLERK,
           on="2026-03-16")
    assert r["state"] == "received" and r["reply_due"] > first_due  # counted again in full
    ok(steps.review_flow, case_no=case_no, decision="accept", actor=CLERK, on="2026-03-17")
    ok(steps.reply_flow, case_no=case_no, decision="reply", actor=HEAD, on="2026-03-20",
       data={"outcome": "unavailable.not_held"})

    row, kinds, _case = final(case_no)
    assert (row.state, row.outcome) == ("closed", "unavailable.not_held")
    assert kinds == ["register", "request_correction", "correction_received", "accept", "reply"]


def test_third_party_objection_leads_to_withholding(prefect_backend, steps, district):
    _state, reg = intake(steps)
    case_no = reg["case_no"]
    ok(steps.review_flow, case_no=case_no, decision="accept", actor=CLERK, on="2026-03-03")
    ok(steps.confidentiality_flow, case_no=case_no, decision="consult", actor=CLERK,
       on="2026-03-04", data={"kind": "third_party", "party": "某建筑公司"})
    ok(steps.confidentiality_flow, case_no=case_no, decision="consultation_answered", actor=CLERK,
       on="2026-03-20", data={"answer": "objection"})
    ok(steps.confidentiality_flow, case_no=case_no, decision="sign_off", actor=REVIEWER,
       on="2026-03-23", data={"decision": "withhold", "ground": "third_party_rights"})
    r = ok(steps.reply_flow, case_no=case_no, decision="reply", actor=HEAD, on="2026-03-24",
           data={"outcome": "withheld.third_party_rights"})
    assert r["outcome"] == "withheld.third_party_rights"

    row, _kinds, case = final(case_no)
    assert (row.state, row.outcome) == ("closed", "withheld.third_party_rights")
    assert case.consultations[0].answer == "objection"


def test_withdrawal_closes_the_case(prefect_backend, steps, district):
    _state, reg = intake(steps, request_id="intake-withdraw-1")
    case_no = reg["case_no"]
    _again, same = intake(steps, request_id="intake-withdraw-1")  # a retried intake run
    assert (same["case_no"], same["repeated"]) == (case_no, True)
    state = run(steps.reply_flow, case_no=case_no, decision="withdraw", actor=CLERK,
                on="2026-03-05")
    assert state.result()["outcome"] == "other.withdrawn"
    assert_followable(state, case_no, f"reply-{case_no}-withdraw")
    row, kinds, _case = final(case_no)
    assert (row.state, row.outcome, row.report_row) == ("closed", "other.withdrawn", "other.other")
    assert kinds == ["register", "withdraw"]


def test_domain_refusals_fail_the_run_with_the_chinese_message(prefect_backend, steps, district):
    _state, reg = intake(steps)
    case_no = reg["case_no"]

    # the rules refuse: disclosing needs the confidentiality sign-off first
    state = run(steps.reply_flow, case_no=case_no, decision="reply", actor=HEAD, on="2026-03-05",
                data={"outcome": "disclosed"})
    assert state.is_failed()
    assert "公开、部分公开或不予公开须经保密审查签发" in state.message
    exc = state.result(raise_on_failure=False)
    assert isinstance(exc, RuleViolation) and exc.field == "outcome"
    fr = read_run(state)
    assert fr.state.is_failed() and "须经保密审查签发" in fr.state.message
    assert f"case:{case_no}" in fr.tags  # a refused step is still found under its case

    # the stage flow refuses a move of another stage before touching the case
    state = run(steps.review_flow, case_no=case_no, decision="reply", actor=HEAD, on="2026-03-05",
                data={"outcome": "already_public"})
    assert state.is_failed() and "不属于审查环节" in state.message

    # called plainly (no return_state) the domain error itself is raised
    with pytest.raises(RuleViolation, match="本案尚未完成保密审查"):
        steps.reply_flow(case_no=case_no, decision="reply", actor=HEAD, on="2026-03-05",
                         data={"outcome": "disclosed"})

    row, kinds, _case = final(case_no)
    assert (row.state, kinds) == ("received", ["register"])  # nothing was recorded


# ----- random command sequences through the flows ----------------------------------------------

@pytest.fixture
def store_office(office, monkeypatch) -> str:
    """test_case_store's office (its staff and agencies), with 'today' fixed for the flows."""
    from . import test_case_store as store

    monkeypatch.setenv("FOI_TODAY", store.TODAY.isoformat())
    return office


def _flow_sequences():
    from . import test_case_store as store

    return store.store_sequences()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=_flow_sequences())
def test_random_moves_through_the_flows_leave_a_replayable_history_and_no_half_steps(
        prefect_backend, steps, store_office, sequence):
    """Each move as a real flow run: a refused move fails the run and writes nothing; an
    accepted one adds exactly one event; the stored columns always equal a replay."""
    from . import test_case_store as store

    received, channel, moves = sequence
    try:
        reg = store.register(store_office, received=received, channel=channel)
    except FoiError:
        return
    for i, (kind, actor, on, data) in enumerate(moves[:8]):
        before = store.snapshot(store_office, reg.case_no)
        state = run(steps.case_step_flow, case_no=reg.case_no, move=kind, actor=actor,
                    on=on.isoformat(), data=data, request_id=f"{reg.case_no}/flow/{i}")
        after = store.snapshot(store_office, reg.case_no)
        if state.is_completed():
            assert after[1][:-1] == before[1] and after[1][-1]["kind"] == kind
            assert state.result()["seq"] == after[1][-1]["seq"]
        else:
            assert state.is_failed() and state.message
            assert after == before
        store.assert_matches_replay(store_office, reg.case_no)
