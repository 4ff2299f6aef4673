"""Case steps: each step replays the history, asks the domain, and appends in one transaction.

Two staff acting on one case at once: the event number (unique per case) and the case's
version column let exactly one win; the other gets ConflictError and nothing is written.
A step sent again with the same request id is applied once and answered with the first result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from .. import localtime
from ..calendar_data import build_calendar
from ..domain import alerts, fees
from ..domain.applicants import RULE_NO_NUL, Applicant, Application, Item
from ..domain.calendar import WorkingCalendar
from ..domain.case import Case, Command, Event, State, replay, transition
from ..domain.clock import Schedule
from ..domain.errors import FoiError, InputError
from ..domain.identity import Principal
from ..domain.policy import Action, NotFound, authorize
from ..notices import catalog as notice_catalog
from ..storage.calendar_repo import loaded_years
from ..storage import applicants_repo, chain
from ..storage.models import AgencyRow, CaseEventRow, CaseRow
from ..storage.numbering import take_numbers
from ..storage.uow import UnitOfWork
from . import case_management, directory

MAX_SUBJECT = 5000


class ConflictError(FoiError):
    """Someone else changed the case first; nothing was written. Reload and try again."""


@dataclass(frozen=True)
class StepResult:
    case_no: str
    seq: int
    kind: str
    state: str
    outcome: str | None
    reply_due: dt.date | None
    provisional: bool
    repeated: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["reply_due"] = self.reply_due.isoformat() if self.reply_due else None
        return d


def session_calendar(session: Session) -> WorkingCalendar:
    return build_calendar(loaded_years(session))


def _event(row: CaseEventRow) -> Event:
    return Event(row.kind, row.on, row.actor, row.data, row.basis, row.seq)


STORED_DUE_KEYS = frozenset({"reply_due", "correction_notice_due", "correction_window_end",
                             "third_party_answer_due", "other_agency_answer_due", "fee_payment_due"})


def stored_provisional(schedule: Schedule) -> bool:
    """Whether a stored due date rests on an estimated calendar year (remedy windows aside)."""
    return any(d.provisional for d in schedule.dates if d.key in STORED_DUE_KEYS)


def derived_columns(case: Case, schedule: Schedule) -> dict[str, Any]:
    """The columns stored beside the history for querying (always recomputed from it)."""
    def date_of(key: str) -> dt.date | None:
        due = schedule.get(key)
        return due.date if due else None

    pending = [d.date for d in schedule.dates
               if d.key.endswith("_answer_due") and d.date is not None]
    open_ = case.state != State.CLOSED
    return {
        "state": case.state.value,
        "outcome": case.outcome or None,
        "report_row": case.report_row,
        "closed_on": case.replied_on if not open_ else None,
        "reply_delivered": case.reply_delivered,
        "reply_due": date_of("reply_due"),
        # awaiting a correction, the notice's due date stays only when the notice was late
        # (the lapse stays in the supervisors' view: alerts.RULES)
        "correction_notice_due": date_of("correction_notice_due")
        if open_ and (case.state != State.AWAITING_CORRECTION or case.correction_notice_late) else None,
        # a window closes the case as abandoned only from the notice's recorded receipt
        # (ogi-rules.md "Delivery"); without it its end (on the sending date) waits in
        # delivery_unrecorded, which alerts to record the delivery
        "correction_window_end": date_of("correction_window_end")
        if case.state == State.AWAITING_CORRECTION and case.correction_notice_delivered else None,
        "consultation_due": min(pending) if pending and case.pending_consultations and open_ else None,
        "fee_payment_due": date_of("fee_payment_due")
        if case.fee_notice_sent and not case.fee_paid and open_ and case.fee_notice_delivered else None,
        "delivery_unrecorded": _unrecorded_window_end(case, schedule),
        "provisional": stored_provisional(schedule),
        "calendar_version": schedule.calendar_version,
        "event_count": case.events,
    }


def _unrecorded_window_end(case: Case, schedule: Schedule) -> dt.date | None:
    """The end of the open correction or fee window, counted on the sending date because the
    notice's receipt is not recorded (None: no such window, or its receipt is recorded)."""
    key = None
    if case.state == State.AWAITING_CORRECTION and not case.correction_notice_delivered:
        key = "correction_window_end"
    elif (case.state == State.IN_PROCESS and case.fee_notice_sent and not case.fee_paid
          and not case.fee_notice_delivered):
        key = "fee_payment_due"
    due = schedule.get(key) if key else None
    return due.date if due else None


def alert_dates(columns: Mapping[str, Any] | CaseRow) -> alerts.CaseDates:
    """The alert rules' view of a case's stored columns (a CaseRow, or derived_columns())."""
    get = columns.__getitem__ if isinstance(columns, Mapping) else columns.__getattribute__
    return alerts.CaseDates(get("state"), get("reply_due"), get("correction_notice_due"),
                            get("consultation_due"), get("correction_window_end"),
                            get("fee_payment_due"), bool(get("provisional")),
                            delivery_unrecorded=get("delivery_unrecorded"))


def alert_marks(before: CaseRow | None, after: Mapping[str, Any] | CaseRow,
                event_id: int) -> dict[str, Any]:
    """The columns alert_since and alert_event after the step recorded as event `event_id`
    (domain/alerts.track_since; `before`: the stored case, None for a new one), for the sweep."""
    marks = alerts.track_since(None if before is None else alert_dates(before), alert_dates(after),
                               None if before is None else before.alert_since, event_id)
    return {"alert_since": marks or None, "alert_event": max(marks.values(), default=0)}


def _issue_notices(session: Session, row: CaseRow, agency_row: AgencyRow, ev: Event, seq: int,
                   case: Case, schedule: Schedule, calendar: WorkingCalendar, settings) -> None:
    """Register the notice(s) this event issues (notices.catalog) in the step's own transaction."""
    if not notice_catalog.kinds_for(ev.kind, ev.data):
        return
    from ..notices.register import issue_for_event

    issue_for_event(session, case_row=row, agency_row=agency_row, event=replace(ev, seq=seq),
                    case=case, schedule=schedule, calendar=calendar, settings=settings)


def _agency_of(uow: UnitOfWork, agency_id: int) -> AgencyRow:
    row = uow.session.get(AgencyRow, agency_id)
    assert row is not None
    return row


def _existing(session: Session, request_id: str | None, *, case_id: int | None = None,
              agency_id: int | None = None) -> StepResult | None:
    """The result a request id got the first time: the case as it was right after that step.

    A request id belongs to the case it was made for: the same id sent for another case (or,
    for a registration, another agency) is refused, never answered with the other case.
    """
    if not request_id:
        return None
    ev = session.scalar(select(CaseEventRow).where(CaseEventRow.request_id == request_id))
    if ev is None:
        return None
    row = session.get(CaseRow, ev.case_id)
    assert row is not None
    mismatch = (row.id != case_id) if case_id is not None else (ev.kind != "register" or row.agency_id != agency_id)
    if mismatch:
        raise InputError("request_id", REQUEST_ID_RULE, "该请求编号已用于另一件案件或另一项办理")
    agency_row = session.get(AgencyRow, row.agency_id)
    assert agency_row is not None
    history = session.scalars(select(CaseEventRow).where(CaseEventRow.case_id == row.id,
                                                         CaseEventRow.seq <= ev.seq)
                              .order_by(CaseEventRow.seq)).all()
    then = replay(_event(r) for r in history)
    schedule = then.schedule(session_calendar(session), directory.agency_settings(agency_row))
    return StepResult(row.case_no, ev.seq, ev.kind, then.state.value, then.outcome or None,
                      schedule.reply_due, stored_provisional(schedule), repeated=True)


REQUEST_ID_RULE = "请求编号为1–64个可打印字符，只对应一件案件的一项办理（重复提交时原样答复）"


def _check_request_id(request_id: str | None) -> None:
    if request_id is not None and (not isinstance(request_id, str) or not 1 <= len(request_id) <= 64
                                   or not request_id.isprintable()):
        raise InputError("request_id", REQUEST_ID_RULE, "请求编号为空、过长或含控制字符")


def _once(uow: UnitOfWork, work) -> StepResult:
    """Run `work()` in one transaction of `uow`; a lost race becomes ConflictError (or, for a
    request id already applied meanwhile, its first result)."""
    try:
        with uow:
            return work(None)
    except (IntegrityError, OperationalError) as exc:
        if isinstance(exc, OperationalError) and "locked" not in str(exc):
            raise
        with uow:
            found = work(exc)
        if found is not None:
            return found
        raise ConflictError("case", "同一案件的办理须依次进行", "本案已被他人同时办理，请刷新后重试") from None


def check_subject(subject: str) -> None:
    """What is asked for (Art 29): present, not over-long, storable."""
    if not subject.strip():
        raise InputError("subject", "第二十九条：申请公开的政府信息的名称、文号或便于查询的特征性描述",
                         "缺少申请内容描述")
    if len(subject) > MAX_SUBJECT:
        raise InputError("subject", f"申请内容描述不超过 {MAX_SUBJECT} 字", f"共 {len(subject)} 字")
    if "\x00" in subject:
        raise InputError("subject", RULE_NO_NUL, "含有空字符（\\x00）")


@dataclass(frozen=True)
class Register:
    """A new application (intake) for an agency: what it says (Art 29) and how it came in.

    items: one or more (Item, or a description as text); form: applicants.FORMS; delivery:
    applicants.DELIVERY; oral: filled in by the registering staff member for an applicant who
    applied orally (channel in_person)."""

    agency: str
    applicant: Applicant
    channel: str
    received: dt.date
    items: tuple[Item | str, ...] | list[Item | str] | str
    form: str
    delivery: str
    oral: bool = False
    request_id: str | None = None

    def application(self, principal: Principal) -> Application:
        return Application(self.applicant, self.items, self.form, self.delivery, self.channel,
                           self.oral, principal.code if self.oral is True else "")


@dataclass(frozen=True)
class Step:
    """One move on one case: the move, its legal date and its data."""

    case_no: str
    kind: str
    on: dt.date
    data: Mapping[str, Any] = field(default_factory=dict)
    request_id: str | None = None
    # how many steps the case had when the person chose this move (a form carries the number its
    # page showed): another step since then is a conflict, checked in the step's own transaction
    seen: int | None = None


SEEN_RULE = "同一案件的办理须依次进行（页面显示后本案已有新的办理）"


def _event_row(case: CaseRow, seq: int, ev: Event, t, cmd_request_id: str | None,
               principal: Principal) -> CaseEventRow:
    """The history row of a step, linked to the one before (`case.chain_head`) by the case's
    hash chain (storage/chain.py); the caller makes this link the case row's chain_head."""
    ev_row = CaseEventRow(case_id=case.id, seq=seq, kind=ev.kind, on=ev.on, actor=ev.actor,
                          data=dict(ev.data), basis=ev.basis, request_id=cmd_request_id,
                          recorded_at=localtime.now(), operator=principal.operator[:80],
                          backdated=t.backdated)
    ev_row.chain = chain.event_link(case.chain_head if seq > 1 else "", case.case_no, ev_row)
    return ev_row


def register(cmd: Register, uow: UnitOfWork, principal: Principal, *,
             today: dt.date | None = None, receipt: bool = False,
             then: Any = None) -> StepResult:
    """Register a new application (intake): the case number, the history's first event.

    For the online channel (services/portal.py): `receipt` also records the receipt
    (acknowledge, which issues the 接收回执) as the second event, and `then(session, case_row)`
    writes the caller's own rows (query code, fingerprint) — all in the registration's one
    transaction, so either everything is stored or nothing."""
    today = today or uow.settings.legal_today()
    application = cmd.application(principal)
    _check_request_id(cmd.request_id)

    def work(race) -> StepResult | None:
        session = uow.session
        agency_row = directory.agency(session, cmd.agency)
        authorize(principal, Action.CASE_REGISTER, uow.directory.agency_path(agency_row.id), agency_row.code)
        found = _existing(session, cmd.request_id, agency_id=agency_row.id)
        if found is not None or race is not None:
            return found
        calendar = session_calendar(session)
        settings = directory.agency_settings(agency_row)
        t = transition(Case(), Command("register", cmd.received, principal.code, principal.roles,
                                       {"channel": cmd.channel, **application.event_data()}),
                       calendar, today=today, settings=settings)
        ev, case, schedule = t.event, t.case, t.schedule
        applicant = application.applicant
        app_row = applicants_repo.record(session, applicant)
        received = cmd.received
        n = take_numbers(session, agency_row.id, "case", received.year)
        row = CaseRow(case_no=f"{agency_row.code}-{received.year}-{n:05d}", agency_id=agency_row.id,
                      applicant_id=app_row.id, applicant_kind=applicant.kind, handler=principal.code,
                      channel=cmd.channel, subject=application.subject, received=received,
                      rules=ev.data["rules"], version=1, **derived_columns(case, schedule))
        session.add(row)
        session.flush()
        session.add_all(applicants_repo.case_rows(row.id, applicant, application.items))
        ev_row = _event_row(row, 1, ev, t, cmd.request_id, principal)
        row.chain_head = ev_row.chain
        session.add(ev_row)
        session.flush()
        for column, value in alert_marks(None, row, ev_row.id).items():
            setattr(row, column, value)
        _issue_notices(session, row, agency_row, ev, 1, case, schedule, calendar, settings)
        if receipt:
            t2 = transition(case, Command("acknowledge", received, principal.code, principal.roles, {}),
                            calendar, today=today, settings=settings)
            receipt_row = _event_row(row, 2, t2.event, t2, None, principal)
            row.chain_head = receipt_row.chain
            session.add(receipt_row)
            session.flush()
            for column, value in derived_columns(t2.case, t2.schedule).items():
                setattr(row, column, value)
            _issue_notices(session, row, agency_row, t2.event, 2, t2.case, t2.schedule, calendar, settings)
        if then is not None:
            then(session, row)
        return StepResult(row.case_no, 1, ev.kind, row.state, None, row.reply_due, row.provisional)

    return _once(uow, work)


def nth_in_month(session: Session, row: CaseRow | None = None, *, applicant_id: int | None = None,
                 received: dt.date | None = None, pending: Sequence[dt.date] = ()) -> int:
    """The case's ordinal among its applicant's requests received in the same calendar month
    (国办函〔2020〕109号, per request): the applicant's cases (one applicant record, many cases),
    by receipt date, then by registration order.

    `row`: a stored case (a step's fee notice). Or, for a case not yet stored (bulk intake):
    its applicant's stored record (`applicant_id`, None for an applicant not yet stored) and its
    receipt date; it is registered after the stored cases and after `pending`, the receipt
    dates of the same applicant's cases ahead of it in the same import."""
    case_id = None
    if row is not None:
        applicant_id, received, case_id = row.applicant_id, row.received, row.id
        if applicant_id is None:
            return 1
    assert received is not None
    first = received.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    rows = session.execute(select(CaseRow.id, CaseRow.received)
                           .where(CaseRow.applicant_id == applicant_id,
                                  CaseRow.received >= first, CaseRow.received < nxt)
                           .order_by(CaseRow.received, CaseRow.id)).all() if applicant_id is not None else []
    if case_id is not None:
        ids = [r.id for r in rows]
        return fees.nth_request_in_month([r.received for r in rows], ids.index(case_id))
    dates = [r.received for r in rows] + list(pending) + [received]
    return fees.nth_request_in_month(dates, len(dates) - 1)


def load(session: Session, case_no: str) -> tuple[CaseRow, list[Event], Case]:
    row = session.scalar(select(CaseRow).where(CaseRow.case_no == case_no)) \
        if isinstance(case_no, str) and len(case_no) <= 60 else None
    if row is None:
        shown = case_no if isinstance(case_no, str) and case_no.isprintable() else repr(case_no)
        raise NotFound("case_no", "须为已登记的案件编号", f"未知的案件“{shown[:60]}”")
    rows = session.scalars(select(CaseEventRow).where(CaseEventRow.case_id == row.id)
                           .order_by(CaseEventRow.seq)).all()
    events = [_event(r) for r in rows]
    return row, events, replay(events)


def step(cmd: Step, uow: UnitOfWork, principal: Principal, *,
         today: dt.date | None = None) -> StepResult:
    """One move on one case, in one transaction."""
    today = today or uow.settings.legal_today()
    _check_request_id(cmd.request_id)

    def work(race) -> StepResult | None:
        session = uow.session
        row, _events, case = load(session, cmd.case_no)
        authorize(principal, Action.CASE_STEP, uow.directory.agency_path(row.agency_id), row.case_no)
        found = _existing(session, cmd.request_id, case_id=row.id)
        if found is not None or race is not None:
            return found
        if cmd.seen is not None and cmd.seen != row.event_count:
            raise ConflictError("case", SEEN_RULE, "本案已被他人同时办理，请刷新后重试")
        agency_row = _agency_of(uow, row.agency_id)
        calendar = session_calendar(session)
        settings = directory.agency_settings(agency_row)
        data = dict(cmd.data or {})
        if cmd.kind == "fee_notice":
            # the per-request fee is computed from the applicant's count, never taken from a form
            data.pop("nth_in_month", None)
            if data.get("method") == "per_request":
                data["nth_in_month"] = nth_in_month(session, row)
        data = case_management.prepare(cmd.kind, uow, row, _events, case, data, principal)
        t = transition(case, Command(cmd.kind, cmd.on, principal.code, principal.roles, data),
                       calendar, today=today, settings=settings)
        ev = t.event
        seq = row.event_count + 1
        ev_row = _event_row(row, seq, ev, t, cmd.request_id, principal)
        session.add(ev_row)
        session.flush()
        derived = derived_columns(t.case, t.schedule)
        done = session.execute(update(CaseRow)
                               .where(CaseRow.id == row.id, CaseRow.version == row.version)
                               .values(version=row.version + 1, chain_head=ev_row.chain, **derived,
                                       **alert_marks(row, derived, ev_row.id))
                               .execution_options(synchronize_session=False))
        if done.rowcount != 1:
            raise IntegrityError("version", None, Exception("stale case version"))
        _issue_notices(session, row, agency_row, ev, seq, t.case, t.schedule, calendar, settings)
        case_management.after(cmd.kind, uow, row, ev, t, principal, today)
        return StepResult(row.case_no, seq, ev.kind, derived["state"], derived["outcome"],
                          derived["reply_due"], derived["provisional"])

    return _once(uow, work)
