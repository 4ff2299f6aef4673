"""The case-step flows (flows/steps.py) against ONE lean Prefect backend for the whole session.

The rules themselves are tested without Prefect (tests/domain); here only what the
orchestration adds: each main path end to end through real flow runs, run names and tags that
follow a case, the staff member given by account code and resolved by the server (the policy
applies to flow runs as to every entry point), and refusals surfacing as failed runs with the
Chinese text.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from sqlalchemy import func, select

from foi_workflow.domain.applicants import mask
from foi_workflow.domain.case import _MOVES, SYSTEM_MOVES, RuleViolation
from foi_workflow.domain.errors import FoiError, InputError
from foi_workflow.domain.policy import Action, PermissionDenied, rule_text
from foi_workflow.services import cases
from foi_workflow.storage.models import CaseEventRow, CaseRow

from . import factories as f
from .conftest import RUN_TIMES
from .test_case_store import office  # noqa: F401  (fixture)

TODAY = "2026-06-30"
AGENCY = "XQ-GOV"
CLERK, HEAD, REVIEWER, ADMIN = "xq-clerk", "xq-head", "xq-reviewer", "xq-admin"
OTHER_CLERK, OTHER_HEAD = "tg-clerk", "tg-head"  # staff of another government
ASKED = {"form": "paper", "delivery": "in_person"}  # what intake() applies for
PERSON = {"kind": "natural_person", "name": "张三", "id_type": "passport", "id_number": "E12345678",
          "contact": "13812345678"}


@pytest.fixture
def district(clean_db, monkeypatch) -> str:
    """An agency with a clerk, a head, a reviewer and an admin, and another government with
    its own staff; 'today' fixed for the legal dates (FOI_TODAY, read by the runs' Settings)."""
    monkeypatch.setenv("FOI_TODAY", TODAY)
    f.agency(clean_db, AGENCY, "某区人民政府", "government")
    f.agency(clean_db, "TG-GOV", "另一区人民政府", "government")
    for code, role in ((CLERK, "clerk"), (HEAD, "head"), (REVIEWER, "reviewer"), (ADMIN, "admin")):
        f.staff(clean_db, code, f"某区{code}", role, AGENCY)
    f.staff(clean_db, OTHER_CLERK, "另一区承办人", "clerk", "TG-GOV")
    f.staff(clean_db, OTHER_HEAD, "另一区负责人", "head,admin", "TG-GOV")
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
    extra.setdefault("staff", CLERK)
    extra.setdefault("form", "paper")
    extra.setdefault("delivery", "in_person")
    state = run(steps.intake_flow, agency=AGENCY, applicant=PERSON, channel="in_person",
                received=received, subject="2025年本区道路养护合同", **extra)
    assert state.is_completed(), state.message
    return state, state.result()


def final(case_no: str):
    u = f.uow(os.environ["FOI_DATABASE_URL"])  # as the flows' Settings read it
    with u:
        row, events, case = cases.load(u.session, case_no)
        return row, [e.kind for e in events], case


def event_rows(case_no: str) -> list[CaseEventRow]:
    u = f.uow(os.environ["FOI_DATABASE_URL"])
    with u:
        case_id = u.session.scalar(select(CaseRow.id).where(CaseRow.case_no == case_no))
        return list(u.session.scalars(select(CaseEventRow).where(CaseEventRow.case_id == case_id)
                                      .order_by(CaseEventRow.seq)))


def case_count() -> int:
    u = f.uow(os.environ["FOI_DATABASE_URL"])
    with u:
        return u.session.scalar(select(func.count()).select_from(CaseRow))


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

    ok(steps.review_flow, case_no=case_no, decision="accept", staff=CLERK, on="2026-03-03")
    ok(steps.confidentiality_flow, case_no=case_no, decision="sign_off", staff=REVIEWER,
       on="2026-03-05", data={"decision": "disclose"})
    last = run(steps.reply_flow, case_no=case_no, decision="reply", staff=HEAD, on="2026-03-10",
               data=f.reply_data("disclosed", asked=ASKED))
    assert last.is_completed() and last.result()["outcome"] == "disclosed"
    assert_followable(last, case_no, f"reply-{case_no}-reply")
    done = ok(steps.case_step_flow, case_no=case_no, move="reply_delivered", staff=CLERK,
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
    r = ok(steps.review_flow, case_no=case_no, decision="request_correction", staff=CLERK,
           on="2026-03-04", data={"items": "请写明合同名称或文号"})
    assert r["state"] == "awaiting_correction"
    r = ok(steps.review_flow, case_no=case_no, decision="correction_received", staff=CLERK,
           on="2026-03-16")
    assert r["state"] == "received" and r["reply_due"] > first_due  # counted again in full
    ok(steps.review_flow, case_no=case_no, decision="accept", staff=CLERK, on="2026-03-17")
    ok(steps.reply_flow, case_no=case_no, decision="reply", staff=HEAD, on="2026-03-20",
       data=f.reply_data("unavailable.not_held"))

    row, kinds, _case = final(case_no)
    assert (row.state, row.outcome) == ("closed", "unavailable.not_held")
    assert kinds == ["register", "request_correction", "correction_received", "accept", "reply"]


def test_third_party_objection_leads_to_withholding(prefect_backend, steps, district):
    _state, reg = intake(steps)
    case_no = reg["case_no"]
    ok(steps.review_flow, case_no=case_no, decision="accept", staff=CLERK, on="2026-03-03")
    ok(steps.confidentiality_flow, case_no=case_no, decision="consult", staff=CLERK,
       on="2026-03-04", data={"kind": "third_party", "party": "某建筑公司"})
    ok(steps.confidentiality_flow, case_no=case_no, decision="consultation_answered", staff=CLERK,
       on="2026-03-20", data={"answer": "objection", "reasonable_grounds": True})
    ok(steps.confidentiality_flow, case_no=case_no, decision="sign_off", staff=REVIEWER,
       on="2026-03-23", data={"decision": "withhold", "ground": "third_party_rights"})
    r = ok(steps.reply_flow, case_no=case_no, decision="reply", staff=HEAD, on="2026-03-24",
           data=f.reply_data("withheld.third_party_rights"))
    assert r["outcome"] == "withheld.third_party_rights"

    row, _kinds, case = final(case_no)
    assert (row.state, row.outcome) == ("closed", "withheld.third_party_rights")
    assert case.consultations[0].answer == "objection"


def test_withdrawal_closes_the_case(prefect_backend, steps, district):
    _state, reg = intake(steps, request_id="intake-withdraw-1")
    case_no = reg["case_no"]
    _again, same = intake(steps, request_id="intake-withdraw-1")  # a retried intake run
    assert (same["case_no"], same["repeated"]) == (case_no, True)
    state = run(steps.reply_flow, case_no=case_no, decision="withdraw", staff=CLERK,
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
    state = run(steps.reply_flow, case_no=case_no, decision="reply", staff=HEAD, on="2026-03-05",
                data=f.reply_data("disclosed", asked=ASKED))
    assert state.is_failed()
    assert "公开、部分公开或不予公开须经保密审查签发" in state.message
    exc = state.result(raise_on_failure=False)
    assert isinstance(exc, RuleViolation) and exc.field == "outcome"
    fr = read_run(state)
    assert fr.state.is_failed() and "须经保密审查签发" in fr.state.message
    assert f"case:{case_no}" in fr.tags  # a refused step is still found under its case

    # the stage flow refuses a move of another stage before touching the case
    state = run(steps.review_flow, case_no=case_no, decision="reply", staff=HEAD, on="2026-03-05",
                data=f.reply_data("already_public"))
    assert state.is_failed() and "不属于审查环节" in state.message

    # called plainly (no return_state) the domain error itself is raised
    with pytest.raises(RuleViolation, match="本案尚未完成保密审查"):
        steps.reply_flow(case_no=case_no, decision="reply", staff=HEAD, on="2026-03-05",
                         data=f.reply_data("disclosed", asked=ASKED))

    row, kinds, _case = final(case_no)
    assert (row.state, kinds) == ("received", ["register"])  # nothing was recorded


# ----- who acts in a flow run: the staff code, resolved by the server ---------------------------

def test_flow_parameters_carry_the_staff_code_only(prefect_backend, steps, district):
    state, reg = intake(steps)
    case_no = reg["case_no"]
    stored = read_run(state).parameters
    assert stored["staff"] == CLERK
    assert not {"actor", "roles", "name", "principal", "operator"} & set(stored)
    # the applicant's personal data is masked in what Prefect keeps (a rerun is refused)
    assert stored["applicant"] == {"kind": "natural_person", "name": "张*", "id_type": "passport",
                                   "id_number": mask(PERSON["id_number"]), "contact": "138******78"}
    assert PERSON["contact"] not in json.dumps(stored) and "张三" not in json.dumps(stored)
    rerun = run(steps.intake_flow, **stored)
    assert rerun.is_failed() and "脱敏" in rerun.message

    step = run(steps.review_flow, case_no=case_no, decision="accept", staff=CLERK, on="2026-03-03")
    assert step.is_completed(), step.message
    fr = read_run(step)
    assert fr.parameters == {"case_no": case_no, "decision": "accept", "staff": CLERK,
                             "on": "2026-03-03", "data": None, "request_id": None}
    # the server looked the staff member up: the events name them, and the flow run as operator
    rows = event_rows(case_no)
    assert [(r.actor, r.operator) for r in rows] == [
        (CLERK, f"prefect:{state.state_details.flow_run_id}"),
        (CLERK, f"prefect:{step.state_details.flow_run_id}")]


def test_a_step_flow_run_for_staff_of_another_agency_is_refused_with_the_rule_and_writes_nothing(
        prefect_backend, steps, district):
    _state, reg = intake(steps)
    case_no = reg["case_no"]
    state = run(steps.review_flow, case_no=case_no, decision="accept", staff=OTHER_CLERK,
                on="2026-03-03")
    assert state.is_failed()
    exc = state.result(raise_on_failure=False)
    assert isinstance(exc, PermissionDenied) and exc.rule == rule_text(Action.CASE_STEP)
    assert rule_text(Action.CASE_STEP) in state.message and OTHER_CLERK in state.message
    # a head (and admin) of another government fares no better, in any stage
    state = run(steps.reply_flow, case_no=case_no, decision="reply", staff=OTHER_HEAD,
                on="2026-03-03", data=f.reply_data("already_public"))
    assert state.is_failed() and rule_text(Action.CASE_STEP) in state.message
    # nor may they register an application for this agency
    before = case_count()
    state = run(steps.intake_flow, agency=AGENCY, applicant=PERSON, channel="online",
                received="2026-03-02", subject="某事项", staff=OTHER_CLERK, form="electronic",
                delivery="online")
    assert state.is_failed() and rule_text(Action.CASE_REGISTER) in state.message
    assert case_count() == before
    row, kinds, _case = final(case_no)
    assert (row.state, kinds, row.version) == ("received", ["register"], 1)  # nothing was written


def test_a_flow_run_for_an_unknown_or_deactivated_staff_code_is_refused(prefect_backend, steps, district):
    from foi_workflow.services import accounts

    _state, reg = intake(steps)
    for staff in ("nobody", "../etc", "x\x07y"):
        state = run(steps.case_step_flow, case_no=reg["case_no"], move="accept", staff=staff,
                    on="2026-03-03")
        assert state.is_failed()
        exc = state.result(raise_on_failure=False)
        assert isinstance(exc, InputError) and exc.field == "staff"
    u = f.uow(district)
    with u:
        accounts.set_active(accounts.SetActive(CLERK, False), u, f.principal(district, ADMIN))
    state = run(steps.case_step_flow, case_no=reg["case_no"], move="accept", staff=CLERK,
                on="2026-03-03")
    assert state.is_failed() and "已停用" in state.message
    assert final(reg["case_no"])[1] == ["register"]


def test_bulk_intake_flow_acts_as_the_admin_given_and_refuses_a_clerk(prefect_backend, district, tmp_path):
    from flows.bulk import bulk_intake_flow

    legacy = tmp_path / "legacy.jsonl"
    legacy.write_text(json.dumps({
        "agency": AGENCY, "received": "2026-03-02", "channel": "post", "subject": "历史申请",
        "handler": CLERK, "form": "paper", "delivery": "post",
        "applicant": {"kind": "commercial", "name": "某公司", "credit_code": f.CREDIT_CODE,
                      "contact_person": "王经理", "address": "山西省晋中市榆次区某路1号", "postcode": "030600"},
        "events": [{"move": "accept", "on": "2026-03-03", "actor": CLERK}],
        "request_id": "flow-legacy-1"}, ensure_ascii=False) + "\n", "utf-8")
    before = case_count()
    refused = run(bulk_intake_flow, path=str(legacy), staff=CLERK)
    assert refused.is_failed() and rule_text(Action.BULK_IMPORT) in refused.message
    assert case_count() == before
    done = run(bulk_intake_flow, path=str(legacy), staff=ADMIN)
    assert done.is_completed(), done.message
    [case_no] = done.result()["case_numbers"]
    assert read_run(done).parameters == {"path": str(legacy), "staff": ADMIN, "all_or_nothing": True}
    rows = event_rows(case_no)
    assert [(r.actor, r.operator) for r in rows] == \
        [(CLERK, f"import:{ADMIN} prefect:{done.state_details.flow_run_id}")] * 2


def test_bulk_intake_deployment_runs_on_demand_one_at_a_time_for_a_staff_code(prefect_backend, steps):
    from prefect import get_client

    from flows.deployments import runner_deployments

    [dep] = runner_deployments(["bulk-intake"])
    with get_client(sync_client=True) as client:
        stored = client.read_deployment(dep.apply())
    assert stored.entrypoint == "flows/bulk.py:bulk_intake_flow"
    assert stored.schedules == [] and stored.parameters == {}
    assert stored.global_concurrency_limit is not None and stored.global_concurrency_limit.limit == 1
    schema = stored.parameter_openapi_schema
    assert set(schema["required"]) == {"path", "staff"} and schema["properties"]["staff"]["type"] == "string"


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
        state = run(steps.case_step_flow, case_no=reg.case_no, move=kind, staff=actor,
                    on=on.isoformat(), data=data, request_id=f"{reg.case_no}/flow/{i}")
        after = store.snapshot(store_office, reg.case_no)
        if state.is_completed():
            assert after[1][:-1] == before[1] and after[1][-1]["kind"] == kind
            assert state.result()["seq"] == after[1][-1]["seq"]
        else:
            assert state.is_failed() and state.message
            assert after == before
        store.assert_matches_replay(store_office, reg.case_no)
