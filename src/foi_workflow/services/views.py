"""Reads, as every entry point shows them: the case page, case lists, the agency directory.

Each read takes (query, uow, principal), checks the policy, records itself in the access log
and returns plain data (dicts of str/int/bool/None, dates as ISO text) that the CLI prints and
the web renders. Personal data is masked here, once: the applicant's identity number and
contact never leave this module in clear. A case the person may not read answers exactly like
an unknown case (NotFound), and the attempt is logged as refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from .. import localtime
from ..domain.applicants import Applicant, mask, mask_address, mask_contact, normalise_number
from ..domain.case import STATE_LABELS, State, open_moves, remedy_kinds
from ..domain.clock import Schedule
from ..domain.errors import InputError
from ..domain.identity import Principal
from ..domain.policy import Action, NotFound, allowed, authorize
from ..labels import (applicant_kind_label, channel_label, id_type_label, move_label, outcome_label,
                      report_row_label, state_label)
from ..storage.models import ApplicantRow, CaseContactRow, CaseEventRow, CaseItemRow, CaseRow
from ..storage.uow import UnitOfWork
from . import access, case_management, cases, directory, queries
from . import attachments as _attachments

UNKNOWN_CASE_RULE = "须为已登记、且本人有权查阅的案件编号"


@dataclass(frozen=True)
class CasePage:
    data: dict[str, Any]
    schedule: Schedule


def _iso(value: dt.datetime | None) -> str | None:
    return localtime.as_local(value).isoformat(timespec="seconds") if value else None


def _unknown(case_no: str) -> NotFound:
    shown = case_no if isinstance(case_no, str) and case_no.isprintable() else repr(case_no)
    return NotFound("case_no", UNKNOWN_CASE_RULE, f"未知的案件“{shown[:60]}”")


def case_page(case_no: str, uow: UnitOfWork, principal: Principal, *, explain: bool = False) -> CasePage:
    """The case as shown to staff: applicant masked, every date with its basis, the history with
    who, legal date and recorded time, and the moves this person may make now."""
    refused: dict[str, Any] | None = None
    with uow:
        session = uow.session
        try:
            row, events, case = cases.load(session, case_no)
        except NotFound:
            # logged under the reader's agency: the attempt is theirs to account for
            refused = {"target": str(case_no)[:80], "agency_id": principal.agency_id or None,
                       "outcome": "missing"}
            row = None
        if row is not None and not allowed(principal, Action.CASE_READ, uow.directory.agency_path(row.agency_id)):
            refused = {"target": row.case_no, "agency_id": row.agency_id, "case_id": row.id,
                       "outcome": "refused"}
        if refused is None:
            assert row is not None
            page = _page(uow, principal, row, events, case, explain)
            access.record(uow, principal, "case.read", agency_id=row.agency_id, case_id=row.id,
                          applicant_id=row.applicant_id, target=row.case_no)
            return page
    access.record_refused(uow, principal, "case.read", **refused)
    raise _unknown(case_no)


def _page(uow: UnitOfWork, principal: Principal, row: CaseRow, events, case, explain: bool) -> CasePage:
    session = uow.session
    agency = queries.agency_by_id(session, row.agency_id)
    assert agency is not None
    schedule = case.schedule(cases.session_calendar(session), directory.agency_settings(agency))
    person = session.get(ApplicantRow, row.applicant_id)
    assert person is not None
    recorded = session.execute(select(CaseEventRow.seq, CaseEventRow.recorded_at, CaseEventRow.operator,
                                      CaseEventRow.backdated)
                               .where(CaseEventRow.case_id == row.id)).all()
    meta = {seq: (at, op, bool(back)) for seq, at, op, back in recorded}
    names = queries.staff_names(session, [row.handler, *(e.actor for e in events)])
    may_act = allowed(principal, Action.CASE_STEP, uow.directory.agency_path(row.agency_id))
    data = {
        "case_no": row.case_no,
        "state": row.state, "state_label": state_label(case.state.value),
        "agency": {"code": agency.code, "name": agency.name},
        "handler": {"code": row.handler, "name": names.get(row.handler, "")},
        "channel": row.channel, "channel_label": channel_label(row.channel),
        "received": row.received.isoformat(), "subject": row.subject, "rules": row.rules,
        "applicant": _applicant_block(person, session.get(CaseContactRow, row.id)),
        "applicant_cases": _applicant_cases(session, uow, principal, row),
        "items": [{"n": i.n, "description": i.description, "document_no": i.document_no}
                  for i in session.scalars(select(CaseItemRow).where(CaseItemRow.case_id == row.id)
                                           .order_by(CaseItemRow.n))],
        "form": case.form, "delivery": case.delivery,
        "oral": case.oral, "recorded_by": case.recorded_by,
        "outcome": case.outcome or None, "outcome_label": outcome_label(case.outcome),
        "report_row": case.report_row, "report_row_label": report_row_label(case.report_row),
        "replied_on": case.replied_on.isoformat() if case.replied_on else None,
        "reply_delivered": case.reply_delivered.isoformat() if case.reply_delivered else None,
        **case_management.page_section(case, events),  # links, transfers, deliveries, Art 44
        "schedule": schedule.to_dict(explain),
        "attachments": _attachments.for_case(session, row.id),
        "history": [{"seq": e.seq, "on": e.on.isoformat(), "kind": e.kind,
                     "label": move_label(e.kind), "actor": e.actor,
                     "actor_name": names.get(e.actor, ""), "basis": e.basis,
                     "data": dict(e.data),
                     "recorded_at": _iso(meta.get(e.seq, (None,))[0]),
                     "operator": meta.get(e.seq, (None, ""))[1],
                     "backdated": meta.get(e.seq, (None, "", False))[2]} for e in events],
        "moves": [{"kind": k, "label": move_label(k),
                   # review-first (行政复议法 Art 23): the remedy kinds this case may record today
                   **({"remedy_kinds": list(remedy_kinds(case, uow.settings.legal_today()))} if k == "record_remedy" else {})}
                  for k in open_moves(case, principal.roles, schedule=schedule, today=uow.settings.legal_today())]
        if may_act else [],
    }
    return CasePage(data, schedule)


def _applicant_cases(session, uow: UnitOfWork, principal: Principal, row: CaseRow) -> dict[str, Any]:
    """The same applicant's other cases (one applicant record, recognised by identity document
    or credit code) that this person may read: what an office weighs before asking for reasons
    under Art 35 (number and frequency of requests) and what 109号 counts per month. Counted by
    receipt date: in the calendar month of this case's receipt (including this case) and in the
    365 days up to it."""
    others = session.execute(
        select(CaseRow.case_no, CaseRow.received, CaseRow.state, CaseRow.outcome, CaseRow.agency_id)
        .where(CaseRow.applicant_id == row.applicant_id, CaseRow.id != row.id)
        .order_by(CaseRow.received.desc(), CaseRow.id.desc())).all()
    paths: dict[int, tuple] = {}
    readable = []
    for case_no, received, state, outcome, agency_id in others:
        if agency_id not in paths:
            paths[agency_id] = uow.directory.agency_path(agency_id)
        if allowed(principal, Action.CASE_READ, paths[agency_id]):
            readable.append((case_no, received, state, outcome))
    month = (row.received.year, row.received.month)
    year_ago = row.received - dt.timedelta(days=365)
    return {
        "total": len(readable) + 1,
        "same_month": 1 + sum((r.year, r.month) == month for _, r, _, _ in readable),
        "last_365_days": 1 + sum(year_ago < r <= row.received for _, r, _, _ in readable),
        "recent": [{"case_no": no, "received": r.isoformat(), "state_label": state_label(st),
                    "outcome_label": outcome_label(out)} for no, r, st, out in readable[:10]],
    }


def _applicant_block(person: ApplicantRow, given: CaseContactRow | None) -> dict[str, Any]:
    """The applicant as shown on a case page: the details given in this case's application
    (the applicant record's latest, for cases from before intake kept them), personal data
    masked."""
    src: Any = given if given is not None else person
    return {
        "kind": person.kind, "kind_label": applicant_kind_label(person.kind),
        "name": src.name, "id_type": person.id_type,
        "id_type_label": id_type_label(person.id_type) if person.id_type else "",
        "id_number_masked": mask(person.id_number) if person.id_number else "",
        "contact_masked": mask_contact(src.contact),
        "legal_representative": src.legal_representative, "contact_person": src.contact_person,
        "phone_masked": mask_contact(src.phone), "email_masked": mask_contact(src.email),
        "address_masked": mask_address(src.address), "postcode": src.postcode,
    }


def intake_hints(applicant: Applicant, uow: UnitOfWork, principal: Principal, *,
                 items: tuple[str, ...] | list[str] = (), on: dt.date | None = None) -> dict[str, Any]:
    """At intake, what the office should know of this applicant (recognised by identity
    document or credit code) among the cases it may read: their other cases, how many were
    received in the month of `on` (fees per applicant per month, 109号), and possible
    duplicates (36(6)): an earlier case of theirs already answered whose item resembles one
    of `items`, with the earlier reply's number and date. No personal data in the answer."""
    on = on or uow.settings.legal_today()
    key = applicant.key
    with uow:
        session = uow.session
        authorize(principal, Action.CASE_READ, uow.directory.agency_path(principal.agency_id))
        person = session.scalar(select(ApplicantRow).where(ApplicantRow.match_key == key)) if key else None
        found: list[dict[str, Any]] = []
        if person is not None:
            rows = session.scalars(select(CaseRow).where(CaseRow.applicant_id == person.id)
                                   .order_by(CaseRow.received, CaseRow.id)).all()
            rows = [r for r in rows if allowed(principal, Action.CASE_READ, uow.directory.agency_path(r.agency_id))]
            ids = [r.id for r in rows]
            item_rows: dict[int, list[str]] = {}
            for cid, desc in session.execute(select(CaseItemRow.case_id, CaseItemRow.description)
                                             .where(CaseItemRow.case_id.in_(ids)).order_by(CaseItemRow.n)):
                item_rows.setdefault(cid, []).append(desc)
            replies = _reply_numbers(session, ids)
            for r in rows:
                descs = item_rows.get(r.id) or [r.subject]
                similar = [d for d in descs if any(_similar(d, want) for want in items)]
                found.append({
                    "case_no": r.case_no, "received": r.received.isoformat(), "state": r.state,
                    "state_label": state_label(r.state), "outcome": r.outcome,
                    "outcome_label": outcome_label(r.outcome), "items": descs,
                    "closed_on": r.closed_on.isoformat() if r.closed_on else None,
                    "reply_no": replies.get(r.id, (None, None))[0],
                    "reply_on": replies.get(r.id, (None, None))[1],
                    "similar_items": similar,
                })
            access.record(uow, principal, "applicant.hints", agency_id=principal.agency_id,
                          applicant_id=person.id, target="intake")
    month = [c for c in found if c["received"][:7] == on.isoformat()[:7]]
    return {
        "known": person is not None,
        "cases": found,
        "cases_this_month": len(month),
        "possible_duplicates": [c for c in found if c["similar_items"] and c["state"] == State.CLOSED.value],
    }


def _reply_numbers(session, case_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Each case's reply notice: its number (文号) and date (the latest one issued)."""
    from ..storage.notice_tables import NoticeRow

    out: dict[int, tuple[str, str]] = {}
    if not case_ids:
        return out
    for cid, doc_no, issued in session.execute(
            select(NoticeRow.case_id, NoticeRow.doc_no, NoticeRow.issued_on)
            .where(NoticeRow.case_id.in_(case_ids), NoticeRow.kind == "reply").order_by(NoticeRow.id)):
        out[cid] = (doc_no, issued.isoformat())
    return out


def _similar(a: str, b: str) -> bool:
    """Two item descriptions that may ask for the same information: equal once normalised,
    one containing the other, or sharing most of their two-character pieces."""
    x, y = normalise_number(a), normalise_number(b)
    if not x or not y:
        return False
    if x == y or (min(len(x), len(y)) >= 4 and (x in y or y in x)):
        return True
    bx = {x[i:i + 2] for i in range(len(x) - 1)}
    by = {y[i:i + 2] for i in range(len(y) - 1)}
    return bool(bx and by) and len(bx & by) / min(len(bx), len(by)) >= 0.6


@dataclass(frozen=True)
class CaseQuery:
    agency: str | None = None          # default: the person's own agency
    with_subordinates: bool = False
    state: str | None = None
    due_within: int | None = None      # working days from today, overdue included (open cases)
    today: dt.date | None = None


def case_list(q: CaseQuery, uow: UnitOfWork, principal: Principal) -> dict[str, Any]:
    """Cases of one agency (or it and the bodies under it) by reply_due; no personal data."""
    if q.state is not None and q.state not in {s.value for s in State}:
        raise InputError("--state", "状态：" + "、".join(f"{s.value}（{STATE_LABELS[s]}）" for s in State),
                         "未知的状态")
    if q.due_within is not None and (isinstance(q.due_within, bool) or not 0 <= q.due_within <= 366):
        raise InputError("--due-within", "到期范围为0–366个工作日", f"无效的天数 {q.due_within}")
    if q.with_subordinates and q.agency is None:
        raise InputError("--with-subordinates", "须与 --agency 同用", "未指明机关")
    today = q.today or uow.settings.legal_today()
    with uow:
        session = uow.session
        if q.agency is not None:
            found = uow.directory.agency_by_code(q.agency)
            if found is None:
                raise InputError("--agency", "须为已登记的机关代码", "未知的机关")
            root_id, root_code = found.id, found.code
        else:
            root_id, root_code = principal.agency_id, ""
        agency_ids = uow.directory.subtree_ids(root_id) if q.with_subordinates else [root_id]
        from ..domain.policy import authorize

        authorize(principal, Action.CASE_READ, uow.directory.agency_path(root_id), root_code)
        due_by = None
        if q.due_within is not None:
            calendar = cases.session_calendar(session)
            calendar.check(today, "today")
            due_by = (today if q.due_within == 0 else
                      calendar.nth_working_date_after(today.toordinal(), q.due_within)[0])
        found_cases = queries.cases(session, agency_ids=agency_ids, state=q.state,
                                    open_only=q.due_within is not None, due_by=due_by)
        names = queries.staff_names(session, [c.handler for c, _ in found_cases])
        access.record(uow, principal, "case.list", agency_id=root_id, target=root_code)
    rows = [{"case_no": c.case_no, "agency": a.code, "agency_name": a.name, "state": c.state,
             "state_label": state_label(c.state),
             "reply_due": c.reply_due.isoformat() if c.reply_due else None,
             "provisional": bool(c.provisional),
             "overdue": bool(c.state != State.CLOSED.value and c.reply_due and c.reply_due < today),
             "handler": c.handler, "handler_name": names.get(c.handler, "")}
            for c, a in found_cases]
    return {"today": today.isoformat(), "due_by": due_by.isoformat() if due_by else None, "cases": rows}


INBOX_GROUPS = (("overdue", "已逾期"), ("today", "今天到期"), ("soon", "近期到期"),
                ("waiting", "等待申请人或第三方"), ("later", "其他在办"))


def inbox(within: int, uow: UnitOfWork, principal: Principal, *,
          today: dt.date | None = None) -> dict[str, Any]:
    """我的待办: the open cases of the person's own agency by urgency: overdue, due today, due
    within `within` working days, waiting for the applicant or a third party (correction,
    consultation, fee), then the rest; provisional dates marked. No personal data."""
    if isinstance(within, bool) or not isinstance(within, int) or not 1 <= within <= 60:
        raise InputError("within", "近期到期的范围为1–60个工作日", f"无效的天数 {within!r}")
    today = today or uow.settings.legal_today()
    with uow:
        session = uow.session
        from ..domain.policy import authorize

        authorize(principal, Action.CASE_READ, uow.directory.agency_path(principal.agency_id))
        calendar = cases.session_calendar(session)
        calendar.check(today, "today")
        due_by = calendar.nth_working_date_after(today.toordinal(), within)[0]
        found = queries.cases(session, agency_ids=[principal.agency_id], open_only=True)
        names = queries.staff_names(session, [c.handler for c, _ in found])
        access.record(uow, principal, "case.list", agency_id=principal.agency_id, target="inbox")
    groups: dict[str, list[dict[str, Any]]] = {k: [] for k, _ in INBOX_GROUPS}
    for c, _a in found:
        due = c.reply_due
        waiting = (c.state == State.AWAITING_CORRECTION.value or c.consultation_due is not None
                   or c.fee_payment_due is not None)
        key = ("overdue" if due and due < today else "today" if due == today
               else "waiting" if waiting else "soon" if due and due <= due_by else "later")
        groups[key].append({
            "case_no": c.case_no, "state": c.state, "state_label": state_label(c.state),
            "subject": c.subject[:80], "reply_due": due.isoformat() if due else None,
            "provisional": bool(c.provisional),
            "waiting_until": min((d for d in (c.correction_window_end, c.consultation_due,
                                              c.fee_payment_due) if d), default=None),
            "handler": c.handler, "handler_name": names.get(c.handler, "")})
    for rows in groups.values():
        for r in rows:
            r["waiting_until"] = r["waiting_until"].isoformat() if r["waiting_until"] else None
    return {"today": today.isoformat(), "due_by": due_by.isoformat(), "within": within,
            "groups": [{"key": k, "label": label, "cases": groups[k]} for k, label in INBOX_GROUPS]}


def agency_tree(uow: UnitOfWork, principal: Principal | None = None) -> list[dict[str, Any]]:
    """Every agency with its place in the hierarchy (public information: any member of staff)."""
    from ..labels import agency_kind_label

    with uow:
        nodes = queries.agency_tree(uow.session)
        return [{"code": n.row.code, "name": n.row.name, "kind": n.row.kind,
                 "kind_label": agency_kind_label(n.row.kind), "parent": n.parent_code, "depth": n.depth,
                 "settings": dict(n.row.settings or {})} for n in nodes]


# ----- every other read, from this one module (the CLI and the web call these) ---------------
# Each is permissioned and logged where it lives, beside the SQL it needs.
from . import board as _board  # noqa: E402
from . import statistics as _statistics  # noqa: E402
from ..notices import register as _notices  # noqa: E402

board = _board.read                        # BoardQuery -> Board (Action.BOARD_READ)
raised_by = _board.raised_by               # the alerts one sweep raised
notices = _notices.list_notices            # NoticeQuery -> notices (Action.NOTICE_READ)
notice = _notices.show                     # one notice by its number
report = _statistics.report_for            # ReadReport -> (report, failures) (Action.REPORT_READ)


SEARCH_RULE = "查找：案件编号、申请人姓名或名称、申请内容（1–60字）"


def mask_name(kind: str, name: str) -> str:
    """A natural person's name in a list: the family name only (张**); an organisation's as it is."""
    if kind == "natural_person" or kind == "person":
        return (name[:1] + "*" * max(len(name) - 1, 1)) if name else ""
    return name


def search(text: str, uow: UnitOfWork, principal: Principal, *, limit: int = 50) -> dict[str, Any]:
    """Cases the person may read (their agency and the bodies under it) whose number, applicant's
    name (the applicant record's or the one given in the case) or subject contains `text`; newest
    first. Masked data only: no identity number or contact details, a person's name masked."""
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text or len(text) > 60 or not text.isprintable():
        raise InputError("q", SEARCH_RULE, "未输入查找内容" if not text else "查找内容无效")
    from sqlalchemy import or_

    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with uow:
        session = uow.session
        authorize(principal, Action.CASE_READ, uow.directory.agency_path(principal.agency_id))
        ids = [i for i in uow.directory.subtree_ids(principal.agency_id)
               if allowed(principal, Action.CASE_READ, uow.directory.agency_path(i))]
        q = (select(CaseRow, ApplicantRow.kind, ApplicantRow.name, CaseContactRow.name)
             .join(ApplicantRow, ApplicantRow.id == CaseRow.applicant_id)
             .outerjoin(CaseContactRow, CaseContactRow.case_id == CaseRow.id)
             .where(CaseRow.agency_id.in_(ids),
                    or_(CaseRow.case_no.ilike(like, escape="\\"), CaseRow.subject.ilike(like, escape="\\"),
                        ApplicantRow.name.ilike(like, escape="\\"), CaseContactRow.name.ilike(like, escape="\\")))
             .order_by(CaseRow.received.desc(), CaseRow.id.desc()).limit(limit + 1))
        found = session.execute(q).all()
        names = queries.staff_names(session, [c.handler for c, *_ in found])
        access.record(uow, principal, "case.search", agency_id=principal.agency_id, target="search")
    rows = [{"case_no": c.case_no, "received": c.received.isoformat(), "state": c.state,
             "state_label": state_label(c.state), "subject": c.subject[:80],
             "applicant": mask_name(kind, given or name), "applicant_kind_label": applicant_kind_label(kind),
             "reply_due": c.reply_due.isoformat() if c.reply_due else None, "provisional": bool(c.provisional),
             "handler": c.handler, "handler_name": names.get(c.handler, "")}
            for c, kind, name, given in found[:limit]]
    return {"q": text, "cases": rows, "more": len(found) > limit}
