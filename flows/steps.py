"""Case-step flows: each is one short Prefect flow run around one library call (one DB transaction).

The case's state lives in the project database (services.cases); a flow run is only the visible,
retryable record of one step. Every run is named after its case and move and tagged
``case:<case_no>`` and ``agency:<code>`` so that one case can be followed in the Prefect UI.

Prefect 3 gives a flow run its tags when the run is *created*, from the caller's ``prefect.tags``
context (``@flow`` has no ``tags=``). A step flow therefore tags its own run through the API as
its first action (the intake run, whose case number only exists after registration, is tagged
and renamed afterwards). Callers that start step flows as sub-flows of a larger flow can wrap
the calls in ``case_tags(case_no)`` so that the runs are tagged from the start.

Who acts: a flow takes the staff member's account code (`staff`, an id: never a name, a role or
any other personal data) and the server resolves it to a Principal (services/auth.principal_for)
with the flow run as the operator (``prefect:<flow run id>``); the policy then applies exactly as
for the CLI or the web. Each run builds its Settings once (flows/runtime.flow_settings) and one
unit of work from them.

Domain errors (FoiError, Chinese text) are raised, never swallowed: the flow run ends Failed
and its state message carries the Chinese text.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import fields
from typing import Any, Iterator, Optional

from prefect import flow, get_run_logger, tags
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.context import FlowRunContext
from prefect.exceptions import MissingContextError

from foi_workflow.domain.applicants import Applicant, mask, mask_contact
from foi_workflow.domain.case import MOVE_LABELS
from foi_workflow.domain.errors import InputError
from foi_workflow.domain.identity import Principal
from foi_workflow.domain.parsing import parse_date
from foi_workflow.notices import register as notice_register
from foi_workflow.services import auth, cases
from foi_workflow.storage.uow import SqlUnitOfWork

from .runtime import flow_settings

# The moves of domain.case._MOVES, by the stage (named flow) that carries them.
# "register" has its own flow (intake_flow): it needs the applicant and makes the case number.
STAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "review": ("审查", ("acknowledge", "accept", "request_correction", "correction_delivered",
                        "correction_received", "correction_lapsed", "reply_on_spot",
                        "reassign", "transfer", "split", "record_contact")),
    "confidentiality": ("征求意见与保密审查", ("consult", "consultation_delivered",
                                                "consultation_answered", "public_interest_override",
                                                "sign_off")),
    "reply": ("答复", ("extend", "request_reasons", "reasons_answered", "set_longer_deadline", "fee_notice", "fee_paid", "fee_lapsed",
                       "reply", "reply_delivered", "withdraw", "record_remedy",
                       "record_delivery", "mark_for_publication")),
}
STEP_MOVES: tuple[str, ...] = tuple(m for _label, moves in STAGES.values() for m in moves)
_CASE_NO = re.compile(r"^(?P<agency>.+)-(?P<year>\d{4})-(?P<n>\d+)$")


def agency_of(case_no: str) -> str | None:
    """The agency code of a case number ("<code>-<YYYY>-<nnnnn>"), or None if it is not one."""
    m = _CASE_NO.match(case_no or "")
    return m.group("agency") if m else None


def case_tag_list(case_no: str | None = None, agency: str | None = None) -> list[str]:
    """The tags that mark one case's flow runs: case:<case_no>, agency:<code>."""
    agency = agency or (agency_of(case_no) if case_no else None)
    return ([f"case:{case_no}"] if case_no else []) + ([f"agency:{agency}"] if agency else [])


@contextmanager
def case_tags(case_no: str) -> Iterator[set[str]]:
    """prefect.tags for runs started inside the block (e.g. step flows called as sub-flows)."""
    with tags(*case_tag_list(case_no)) as current:
        yield current


def _logger() -> logging.Logger | logging.LoggerAdapter:
    try:
        return get_run_logger()
    except MissingContextError:  # called through .fn()
        return logging.getLogger(__name__)


def run_operator(ctx: FlowRunContext | None = None) -> str:
    """The operator recorded on what a flow run writes: ``prefect:<flow run id>``."""
    ctx = ctx or FlowRunContext.get()
    run = ctx.flow_run if ctx is not None else None
    return f"prefect:{run.id}" if run is not None else "prefect:direct"  # .fn(): no flow run


def acting(staff: str, ctx: FlowRunContext | None = None) -> tuple[SqlUnitOfWork, Principal]:
    """The run's unit of work (its Settings built once) and the Principal of the staff member
    whose account code the run was given, looked up by the server (unknown or deactivated
    accounts are refused on the field `staff`)."""
    uow = SqlUnitOfWork(flow_settings())
    with uow:
        principal = auth.principal_for(staff, uow, operator=run_operator(ctx), via="flow",
                                       field_name="staff")
    return uow, principal


def _label_run(extra_tags: list[str], name: str | None = None,
               parameters: dict[str, Any] | None = None, ctx: FlowRunContext | None = None) -> None:
    """Add tags to (optionally rename, or replace the stored parameters of) the current flow run.

    One PATCH to the API; a no-op outside a flow run (.fn() calls) or when nothing changes.
    `ctx` is the run's context when called from another thread (contexts are per thread).
    """
    ctx = ctx or FlowRunContext.get()
    if ctx is None or ctx.flow_run is None:
        return
    run = ctx.flow_run
    new_tags = sorted(set(run.tags) | set(extra_tags))
    if new_tags == sorted(run.tags) and (name is None or name == run.name) and parameters is None:
        return
    if isinstance(ctx.client, SyncPrefectClient):
        ctx.client.update_flow_run(run.id, tags=new_tags, name=name, parameters=parameters)
    else:  # pragma: no cover - async callers
        with get_client(sync_client=True) as client:
            client.update_flow_run(run.id, tags=new_tags, name=name, parameters=parameters)
    run.tags = new_tags
    if name is not None:
        run.name = name


def _stage_check(stage: str | None, move: str) -> None:
    if stage is None:
        if move == "register":
            raise InputError("move", "登记申请须通过 intake_flow 办理（需申请人信息，生成案件编号）",
                             "case_step_flow 不办理“登记申请”")
        if move not in STEP_MOVES:
            raise InputError("move", "可办理事项：" + "、".join(f"{m}（{MOVE_LABELS[m]}）" for m in STEP_MOVES),
                             f"未知的事项“{move}”")
        return
    label, moves = STAGES[stage]
    if move in moves:
        return
    owner = next((s for s, (_l, ms) in STAGES.items() if move in ms), None)
    where = (f"，属于{STAGES[owner][0]}环节，请用 {owner}_flow" if owner
             else "，请用 intake_flow" if move == "register" else "")
    raise InputError("decision", f"{label}环节可办理：" + "、".join(f"{m}（{MOVE_LABELS[m]}）" for m in moves),
                     f"“{MOVE_LABELS.get(move, move)}”（{move}）不属于{label}环节{where}")


def _notice_files(uow: SqlUnitOfWork, principal: Principal, case_no: str, seq: int) -> list[dict[str, Any]]:
    """Render the files of the notice(s) this step issued, inside this flow run (PDF, DOCX, HTML
    under the run's Settings' notices folder), read as the staff member who made the step;
    returns their document numbers, paths and hashes."""
    rendered = notice_register.render_step(case_no, seq, uow, principal)
    for r in rendered:
        _logger().info("出具 %s（%s）：%s", r.doc_no, r.kind, "、".join(str(p) for p in r.files.values()))
    return [r.to_dict() for r in rendered]


def _run_step(stage: str | None, case_no: str, move: str, staff: str, on: str,
              data: Optional[dict[str, Any]], request_id: Optional[str]) -> dict[str, Any]:
    """The one body every step flow shares: check the stage, tag the run, make the move as
    the staff member whose account code the run was given.

    Tagging the run is one API round trip and the step one database transaction; they do not
    depend on each other, so the tagging runs on a helper thread while the step runs here.
    """
    _stage_check(stage, move)
    ctx = FlowRunContext.get()
    labelling = ThreadPoolExecutor(max_workers=1)
    labelled = labelling.submit(_label_run, case_tag_list(case_no), None, None, ctx)
    try:
        uow, principal = acting(staff, ctx)
        with case_tags(case_no):  # anything started inside (tasks, sub-flows) carries the case tags
            result = cases.step(cases.Step(case_no, move, parse_date(on, "on"), data or {}, request_id),
                                uow, principal)
    finally:
        labelling.shutdown(wait=True)
    labelled.result()
    _logger().info("%s %s（%s）→ %s%s", case_no, MOVE_LABELS.get(move, move), move,
                   result.state, f"，结果 {result.outcome}" if result.outcome else "")
    return {**result.to_dict(), "notices": _notice_files(uow, principal, case_no, result.seq)}


MASKED_RULE = "须填写完整的申请人信息（流程记录中保存的证件号码、联系方式和自然人姓名已脱敏）"


def _masked_applicant(applicant: dict[str, Any]) -> dict[str, Any]:
    """The applicant as the run's stored parameters keep it: the ID number and contact masked
    as in every listing and log, a natural person's name reduced to its first character."""
    out = dict(applicant)
    for key in MASKED_NUMBERS:
        if out.get(key):
            out[key] = mask(str(out[key]))
    for key in MASKED_CONTACTS:
        if out.get(key):
            out[key] = mask_contact(str(out[key]))
    for key in MASKED_NAMES:
        name = str(out.get(key) or "")
        if (key != "name" or out.get("kind") == "natural_person") and len(name) > 1:
            out[key] = name[0] + "*" * (len(name) - 1)
    return out


# the applicant's personal data as a run's stored parameters keep it (masked)
MASKED_NUMBERS = ("id_number", "credit_code")
MASKED_CONTACTS = ("contact", "phone", "email", "address")
MASKED_NAMES = ("name", "legal_representative", "contact_person")


@flow(name="intake", flow_run_name="intake-{agency}-{received}")
def intake_flow(agency: str, applicant: dict[str, Any], channel: str, received: str, subject: str,
                staff: str, request_id: Optional[str] = None, form: str = "", delivery: str = "",
                items: Optional[list[Any]] = None, oral: bool = False) -> dict[str, Any]:
    """登记申请：register a new application as the staff member `staff` (an account code); the
    run is renamed intake-<case_no> once numbered.

    Prefect stores flow parameters in clear; the applicant's ID number, contact and (for a
    natural person) name are masked there as the run's first action, and masked values are
    refused, so that re-running a run from the UI cannot register a case under masked data.
    """
    stored = {"agency": agency, "applicant": _masked_applicant(applicant), "channel": channel,
              "received": received, "subject": subject, "staff": staff, "request_id": request_id,
              "form": form, "delivery": delivery, "items": items, "oral": oral}
    _label_run(case_tag_list(agency=agency),
               parameters=stored if stored["applicant"] != applicant else None)
    known = {f.name for f in fields(Applicant)} | {"credit_code"}
    unknown = sorted(set(applicant) - known)
    if unknown:
        raise InputError("applicant", "申请人信息字段：" + "、".join(sorted(known)),
                         "无法识别的字段：" + "、".join(unknown))
    for key in (*MASKED_NUMBERS, *MASKED_CONTACTS, *MASKED_NAMES):
        if key == "name" and applicant.get("kind") != "natural_person":
            continue
        if "*" in str(applicant.get(key) or ""):
            raise InputError(f"applicant.{key}", MASKED_RULE, f"“{key}”含“*”，是脱敏后的信息")
    uow, principal = acting(staff)
    with tags(*case_tag_list(agency=agency)):
        result = cases.register(cases.Register(agency, Applicant.of(applicant), channel,
                                               parse_date(received, "received"),
                                               tuple(items) if items else (subject,), form, delivery,
                                               oral, request_id),
                                uow, principal)
    _label_run(case_tag_list(result.case_no, agency), name=f"intake-{result.case_no}")
    _logger().info("登记 %s（%s 收到，答复期限 %s）", result.case_no, received, result.reply_due)
    return {**result.to_dict(), "notices": _notice_files(uow, principal, result.case_no, result.seq)}


@flow(name="case-step", flow_run_name="step-{case_no}-{move}")
def case_step_flow(case_no: str, move: str, staff: str, on: str,
                   data: Optional[dict[str, Any]] = None,
                   request_id: Optional[str] = None) -> dict[str, Any]:
    """Any move after registration, as the staff member `staff` (an account code; the three
    stage flows below are this, restricted)."""
    return _run_step(None, case_no, move, staff, on, data, request_id)


@flow(name="review", flow_run_name="review-{case_no}-{decision}")
def review_flow(case_no: str, decision: str, staff: str, on: str,
                data: Optional[dict[str, Any]] = None,
                request_id: Optional[str] = None) -> dict[str, Any]:
    """审查：accept, request_correction, correction_received, correction_lapsed, reply_on_spot …"""
    return _run_step("review", case_no, decision, staff, on, data, request_id)


@flow(name="confidentiality", flow_run_name="confidentiality-{case_no}-{decision}")
def confidentiality_flow(case_no: str, decision: str, staff: str, on: str,
                         data: Optional[dict[str, Any]] = None,
                         request_id: Optional[str] = None) -> dict[str, Any]:
    """征求意见与保密审查：consult, consultation_answered, public_interest_override, sign_off …"""
    return _run_step("confidentiality", case_no, decision, staff, on, data, request_id)


@flow(name="reply", flow_run_name="reply-{case_no}-{decision}")
def reply_flow(case_no: str, decision: str, staff: str, on: str,
               data: Optional[dict[str, Any]] = None,
               request_id: Optional[str] = None) -> dict[str, Any]:
    """答复：reply, reply_delivered, withdraw, extend, fee moves, record_remedy …"""
    return _run_step("reply", case_no, decision, staff, on, data, request_id)


STAGE_FLOWS = {"review": review_flow, "confidentiality": confidentiality_flow, "reply": reply_flow}

__all__ = ["intake_flow", "case_step_flow", "review_flow", "confidentiality_flow", "reply_flow",
           "STAGES", "STEP_MOVES", "STAGE_FLOWS", "agency_of", "case_tag_list", "case_tags",
           "acting", "run_operator"]
