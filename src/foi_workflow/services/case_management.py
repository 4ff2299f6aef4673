"""The service side of delivery and case management (domain/case.py, its block "Delivery and
case management"): what a move needs from the database before the domain decides it, and what
it changes beside the history after, inside the step's own transaction (services.cases.step).

    record_delivery   a notice named by its number (notices register) becomes its kind, issue
                      date and (for a consultation letter) the consultation's index
    reassign          the new handler: an active account of the case's agency with a handling
                      role (clerk or head); cases.handler follows
    transfer          the receiving agency must exist; cases.agency_id moves to it (the case keeps
                      its number and history; the policy then lets the receiving agency act, the
                      sending one no longer); the transfer notice is issued by the sending agency
    split             the new cases' numbers (the agency's case series of the receipt year); after
                      the split event, each part is registered as a case of its own, received the
                      same day, the same applicant, linked back ("split_from" in its register event)

Every other move passes through unchanged. `publication_list` lists the cases marked for
proactive publication (Art 44).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from types import MappingProxyType
from typing import Any, Callable, Mapping

from sqlalchemy import select, update

from ..domain import case as rules
from ..domain.case import Case, Command, Event, Transition, transition
from ..domain.errors import InputError
from ..domain.identity import Principal, Role
from ..domain.policy import Action, authorize
from ..storage.models import AgencyRow, CaseEventRow, CaseRow
from ..storage.notice_tables import NoticeRow
from ..storage.numbering import take_numbers
from ..storage.uow import UnitOfWork

HANDLER_ROLES = frozenset({Role.CLERK, Role.HEAD})
REASSIGN_RULE = "改派的承办人须为本机关在职、具有承办人或负责人角色的账户"
TRANSFER_RULE = "转送须转至已登记的机关（机关代码）"
EARLIER_REPLY_KEYS = ("earlier_doc_no", "earlier_date")
DUPLICATE_RULE = ("第三十六条第（六）项：重复申请的，写明此前的答复——此前申请的案件编号（earlier_case）："
                  "同一申请人向本机关提出、本机关已作出答复的案件")
NOTICE_RULE = "送达的文书须为本案出具的文书：文书种类，或文书编号（<机关代码>-<年度>-N<序号>）、发文字号"
# keys of a move's data that only the service may fill in (a form's values are dropped)
SERVICE_KEYS = {"record_delivery": ("issued_on", "doc_no"), "transfer": ("from", "from_name", "to_name"),
                "split": ("cases",), "reply": EARLIER_REPLY_KEYS, "reply_on_spot": EARLIER_REPLY_KEYS}


# ----- before the domain decides --------------------------------------------------------------

def _delivery(uow: UnitOfWork, row: CaseRow, events: list[Event], case: Case, data: dict) -> dict:
    key = data.get("notice")
    if not isinstance(key, str) or not key or key in rules.DELIVERABLE_LABELS:
        if isinstance(key, str) and key in rules.DELIVERABLE_LABELS \
                and key not in rules.CONSULTATION_NOTICES:
            found = uow.session.scalar(select(NoticeRow.doc_no).where(
                NoticeRow.case_id == row.id, NoticeRow.kind == key).order_by(NoticeRow.id.desc()))
            if found:
                data["doc_no"] = found
        return data
    from ..notices.register import _lookup

    notice = _lookup(uow.session, key)
    if notice is None or notice.case_id != row.id:
        raise InputError("notice", NOTICE_RULE, f"本案没有文书“{key[:60]}”")
    data.update(notice=notice.kind, doc_no=notice.doc_no, issued_on=notice.issued_on.isoformat())
    if notice.kind in rules.CONSULTATION_NOTICES:
        data["index"] = sum(1 for e in events if e.kind == "consult" and e.seq < notice.event_seq)
    return data


def _earlier_reply(uow: UnitOfWork, row: CaseRow, events: list[Event], case: Case, data: dict) -> dict:
    """A duplicate's (36(6)) earlier reply, looked up from the earlier case number given
    (`earlier_case`): a case of the same applicant at this agency, answered by a reply notice;
    its number and date go into the item (typed ones are dropped: SERVICE_KEYS)."""
    if "items" in data:
        if isinstance(data["items"], list):
            data["items"] = [dict(i) if isinstance(i, Mapping) else i for i in data["items"]]
        items = data["items"] if isinstance(data["items"], list) else []
        targets = [(f"items[{i.get('no', k)}].", i) for k, i in enumerate(items, 1)
                   if isinstance(i, dict) and i.get("decision") == "not_processed.duplicate"]
        for _where, item in targets:
            for key in EARLIER_REPLY_KEYS:
                item.pop(key, None)
    else:
        targets = [("", data)] if data.get("outcome") == "not_processed.duplicate" else []
    for where, item in targets:
        item.update(earlier_reply(uow, row, item.get("earlier_case"), where + "earlier_case"))
    return data


def earlier_reply(uow: UnitOfWork, row: CaseRow, earlier_case: Any, field: str = "earlier_case") -> dict[str, str]:
    """The earlier reply a duplicate of case `row` repeats: {earlier_case, earlier_doc_no,
    earlier_date}, or InputError naming `field` and the rule."""
    if not isinstance(earlier_case, str) or not earlier_case.strip():
        raise InputError(field, DUPLICATE_RULE, "重复申请须写明此前申请的案件编号")
    no = earlier_case.strip()
    shown = no[:60] if no.isprintable() else repr(no)[:60]
    earlier = uow.session.scalar(select(CaseRow).where(CaseRow.case_no == no)) if len(no) <= 60 else None
    # another agency's case is named as unknown: its existence is not this agency's to learn
    if earlier is None or earlier.agency_id != row.agency_id or earlier.id == row.id:
        raise InputError(field, DUPLICATE_RULE, f"本机关没有案件“{shown}”")
    if earlier.applicant_id is None or earlier.applicant_id != row.applicant_id:
        raise InputError(field, DUPLICATE_RULE, f"案件 {no} 不是同一申请人提出的")
    notice = uow.session.execute(
        select(NoticeRow.doc_no, NoticeRow.issued_on)
        .where(NoticeRow.case_id == earlier.id, NoticeRow.kind == "reply")
        .order_by(NoticeRow.id.desc())).first()  # a corrected reply notice is the one in force
    if notice is None:
        raise InputError(field, DUPLICATE_RULE, f"案件 {no} 尚未作出答复（没有答复书）")
    return {"earlier_case": no, "earlier_doc_no": notice.doc_no, "earlier_date": notice.issued_on.isoformat()}


def _reassign(uow: UnitOfWork, row: CaseRow, events: list[Event], case: Case, data: dict) -> dict:
    to = data.get("to")
    account = uow.directory.account_by_code(to) if isinstance(to, str) and to else None
    if account is None:
        raise InputError("to", REASSIGN_RULE, f"未知的账户“{str(to)[:40]}”")
    if not account.active or account.kind != "person":
        raise InputError("to", REASSIGN_RULE, f"{account.code} 不是在职人员的账户")
    if account.agency_id != row.agency_id:
        raise InputError("to", REASSIGN_RULE, f"{account.code} 不属于本案的答复机关")
    if not account.roles & HANDLER_ROLES:
        raise InputError("to", REASSIGN_RULE, f"{account.code} 没有承办人或负责人角色")
    return data


def _transfer(uow: UnitOfWork, row: CaseRow, events: list[Event], case: Case, data: dict) -> dict:
    to = data.get("to")
    target = uow.directory.agency_by_code(to) if isinstance(to, str) and to else None
    if target is None:
        shown = to if isinstance(to, str) and to.isprintable() else repr(to)
        raise InputError("to", TRANSFER_RULE, f"未知的机关“{str(shown)[:60]}”")
    source = uow.directory.agency_by_id(row.agency_id)
    assert source is not None
    data.update(to=target.code, to_name=target.name, **{"from": source.code, "from_name": source.name})
    return data


def _split(uow: UnitOfWork, row: CaseRow, events: list[Event], case: Case, data: dict) -> dict:
    parts = data.get("parts")
    if isinstance(parts, (list, tuple)) and 0 < len(parts) <= 50:
        year = row.received.year
        code = uow.directory.agency_by_id(row.agency_id).code  # type: ignore[union-attr]
        data["cases"] = [f"{code}-{year}-{take_numbers(uow.session, row.agency_id, 'case', year):05d}"
                         for _ in parts]
    return data


# ----- after the event is appended --------------------------------------------------------------

def _set_handler(uow: UnitOfWork, row: CaseRow, ev: Event, t: Transition, principal: Principal,
                 today: dt.date) -> None:
    uow.session.execute(update(CaseRow).where(CaseRow.id == row.id).values(handler=ev.data["to"])
                        .execution_options(synchronize_session=False))


def _move_agency(uow: UnitOfWork, row: CaseRow, ev: Event, t: Transition, principal: Principal,
                 today: dt.date) -> None:
    from . import cases

    target = uow.directory.agency_by_code(ev.data["to"])
    assert target is not None
    event_id = uow.session.scalar(select(CaseEventRow.id).where(CaseEventRow.case_id == row.id)
                                  .order_by(CaseEventRow.seq.desc()).limit(1))
    derived = cases.derived_columns(t.case, t.schedule)
    # every alert of the case is new to the receiving agency: its tracks start at the transfer
    uow.session.execute(update(CaseRow).where(CaseRow.id == row.id)
                        .values(agency_id=target.id, handler="",
                                **cases.alert_marks(None, derived, event_id or 0))
                        .execution_options(synchronize_session=False))


def _register_parts(uow: UnitOfWork, row: CaseRow, ev: Event, t: Transition, principal: Principal,
                    today: dt.date) -> None:
    """Each part of a split as a new case: the parent's register data with the part's items."""
    from . import cases, directory

    session = uow.session
    first = session.scalar(select(CaseEventRow).where(CaseEventRow.case_id == row.id, CaseEventRow.seq == 1))
    assert first is not None
    agency_row = session.get(AgencyRow, row.agency_id)
    assert agency_row is not None
    calendar = cases.session_calendar(session)
    settings = directory.agency_settings(agency_row)
    base = {k: v for k, v in (first.data or {}).items() if k not in ("received", "rules", "split_from")}
    parent_items = list(base.get("items") or [])
    for part in ev.data["parts"]:
        data = dict(base, channel=row.channel)
        if parent_items and part["items"]:
            data["items"] = [dict(parent_items[i - 1], n=n) if isinstance(parent_items[i - 1], Mapping)
                             else parent_items[i - 1] for n, i in enumerate(part["items"], 1)]
        elif "items" in base:
            data["items"] = [{"n": 1, "description": part["subject"]}]
        link = {"split_from": row.case_no, "split_items": list(part["items"])}
        tt = transition(Case(), Command("register", row.received, principal.code, principal.roles,
                                        {**data, **link}), calendar, today=today, settings=settings)
        reg = replace(tt.event, data=MappingProxyType({**tt.event.data, **link}))
        child = CaseRow(case_no=part["case_no"], agency_id=row.agency_id, applicant_id=row.applicant_id,
                        applicant_kind=row.applicant_kind, handler=principal.code, channel=row.channel,
                        subject=part["subject"][:cases.MAX_SUBJECT], received=row.received,
                        rules=reg.data["rules"], version=1, **cases.derived_columns(tt.case, tt.schedule))
        session.add(child)
        session.flush()
        ev_row = cases._event_row(child, 1, reg, tt, None, principal)
        child.chain_head = ev_row.chain
        session.add(ev_row)
        session.flush()
        for column, value in cases.alert_marks(None, child, ev_row.id).items():
            setattr(child, column, value)
    session.flush()


Prepare = Callable[[UnitOfWork, CaseRow, list, Case, dict], dict]
After = Callable[[UnitOfWork, CaseRow, Event, Transition, Principal, dt.date], None]
PREPARE: Mapping[str, Prepare] = MappingProxyType({
    "record_delivery": _delivery, "reassign": _reassign, "transfer": _transfer, "split": _split,
    "reply": _earlier_reply, "reply_on_spot": _earlier_reply,
})
AFTER: Mapping[str, After] = MappingProxyType({
    "reassign": _set_handler, "transfer": _move_agency, "split": _register_parts,
})


def prepare(kind: str, uow: UnitOfWork, row: CaseRow, events: list[Event], case: Case,
            data: dict, principal: Principal) -> dict:
    """The move's data as the domain is to see it (looked up, or refused naming the field)."""
    for key in SERVICE_KEYS.get(kind, ()):
        data.pop(key, None)
    hook = PREPARE.get(kind)
    if hook is None or not rules.may_make(kind, principal.roles):
        return data  # the domain refuses a move the person may not make, naming the rule
    return hook(uow, row, events, case, data)


def after(kind: str, uow: UnitOfWork, row: CaseRow, ev: Event, t: Transition, principal: Principal,
          today: dt.date) -> None:
    hook = AFTER.get(kind)
    if hook is not None:
        hook(uow, row, ev, t, principal, today)


# ----- reads ----------------------------------------------------------------------------------

def publication_list(agency: str | None, uow: UnitOfWork, principal: Principal) -> list[dict[str, Any]]:
    """The cases of an agency (default: the person's own) marked for proactive publication
    (Art 44), oldest mark first: case number, the mark's date, who marked it, the reasons and
    the subject (no personal data)."""
    with uow:
        if agency is not None:
            found = uow.directory.agency_by_code(agency)
            if found is None:
                raise InputError("--agency", "须为已登记的机关代码", "未知的机关")
            agency_id, code = found.id, found.code
        else:
            agency_id, code = principal.agency_id, ""
        authorize(principal, Action.CASE_READ, uow.directory.agency_path(agency_id), code)
        q = (select(CaseRow.case_no, CaseRow.subject, CaseRow.state, CaseEventRow.on, CaseEventRow.actor,
                    CaseEventRow.data)
             .join(CaseEventRow, CaseEventRow.case_id == CaseRow.id)
             .where(CaseRow.agency_id == agency_id, CaseEventRow.kind == "mark_for_publication")
             .order_by(CaseEventRow.on, CaseEventRow.id))
        return [{"case_no": no, "subject": subject, "state": state, "marked_on": on.isoformat(),
                 "marked_by": actor, "reasons": (data or {}).get("reasons", "")}
                for no, subject, state, on, actor, data in uow.session.execute(q)]


def page_section(case: Case, events: list[Event]) -> dict[str, Any]:
    """What the case page shows of delivery and management: the linked cases of a split (both
    ways), the transfers, each notice's delivery, the Art 44 mark."""
    first = events[0].data if events else {}
    return {
        "links": {"split_from": first.get("split_from") or None, "split_into": list(case.split_into)},
        "transfers": [{"from": a, "to": b} for a, b in case.transfers],
        "deliveries": [{"notice": d.notice, "notice_label": rules.DELIVERABLE_LABELS.get(d.notice, d.notice),
                        "doc_no": d.doc_no, "method": d.method,
                        "method_label": rules.DELIVERY_METHODS.get(d.method, d.method),
                        "tracking": d.tracking, "sent": d.sent.isoformat(),
                        "received": d.received.isoformat() if d.received else None}
                       for d in case.deliveries],
        "proactive": case.proactive or None,
    }
