"""Case steps: each step replays the history, asks the domain, and appends in one transaction.

Two staff acting on one case at once: the event number (unique per case) and the case's
version column let exactly one win; the other gets ConflictError and nothing is written.
A step sent again with the same request id is applied once and answered with the first result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Mapping

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from .. import localtime
from ..calendar_data import build_calendar
from ..domain import alerts
from ..domain.applicants import RULE_NO_NUL, Applicant
from ..domain.calendar import WorkingCalendar
from ..domain.case import Case, Command, Event, State, replay, transition
from ..domain.clock import Schedule
from ..domain.errors import FoiError, InputError
from ..notices import catalog as notice_catalog
from ..storage import db
from ..storage.calendar_repo import loaded_years
from ..storage.models import AgencyRow, ApplicantRow, CaseEventRow, CaseRow
from ..storage.numbering import take_numbers
from . import directory

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
        "correction_notice_due": date_of("correction_notice_due") if open_ else None,
        "correction_window_end": date_of("correction_window_end")
        if case.state == State.AWAITING_CORRECTION else None,
        "consultation_due": min(pending) if pending and case.pending_consultations and open_ else None,
        "fee_payment_due": date_of("fee_payment_due")
        if case.fee_notice_sent and not case.fee_paid and open_ else None,
        "provisional": stored_provisional(schedule),
        "calendar_version": schedule.calendar_version,
        "event_count": case.events,
    }


def alert_dates(columns: Mapping[str, Any] | CaseRow) -> alerts.CaseDates:
    """The alert rules' view of a case's stored columns (a CaseRow, or derived_columns())."""
    get = columns.__getitem__ if isinstance(columns, Mapping) else columns.__getattribute__
    return alerts.CaseDates(get("state"), get("reply_due"), get("correction_notice_due"),
                            get("consultation_due"), get("correction_window_end"),
                            get("fee_payment_due"), bool(get("provisional")))


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


def _check_actor_agency(session: Session, actor: directory.Actor, agency_id: int) -> None:
    """Staff act on cases of their own agency; a government's staff also on bodies under it."""
    if actor.agency_id == agency_id:
        return
    row = session.get(AgencyRow, agency_id)
    while row is not None and row.parent_id is not None:
        if row.parent_id == actor.agency_id:
            return
        row = session.get(AgencyRow, row.parent_id)
    raise InputError("actor", "工作人员只能办理本机关（或下属机关）的案件", f"{actor.code} 不属于该机关")


def _existing(session: Session, request_id: str | None) -> StepResult | None:
    """The result a request id got the first time: the case as it was right after that step."""
    if not request_id:
        return None
    ev = session.scalar(select(CaseEventRow).where(CaseEventRow.request_id == request_id))
    if ev is None:
        return None
    row = session.get(CaseRow, ev.case_id)
    agency_row = session.get(AgencyRow, row.agency_id) if row else None
    assert row is not None and agency_row is not None
    history = session.scalars(select(CaseEventRow).where(CaseEventRow.case_id == row.id,
                                                         CaseEventRow.seq <= ev.seq)
                              .order_by(CaseEventRow.seq)).all()
    then = replay(_event(r) for r in history)
    schedule = then.schedule(session_calendar(session), directory.agency_settings(agency_row))
    return StepResult(row.case_no, ev.seq, ev.kind, then.state.value, then.outcome or None,
                      schedule.reply_due, stored_provisional(schedule), repeated=True)


def _check_request_id(request_id: str | None) -> None:
    if request_id is not None and not 1 <= len(request_id) <= 64:
        raise InputError("request_id", "请求编号为1–64个字符", "请求编号为空或过长")


def _once(url: str | None, request_id: str | None, work) -> StepResult:
    """Run `work(session)` in one transaction; a repeated request id returns the first result."""
    _check_request_id(request_id)
    try:
        with db.session_scope(url) as session:
            found = _existing(session, request_id)
            if found is not None:
                return found
            return work(session)
    except (IntegrityError, OperationalError) as exc:
        if isinstance(exc, OperationalError) and "locked" not in str(exc):
            raise
        with db.session_scope(url) as session:
            found = _existing(session, request_id)
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


def register(*, agency: str, applicant: Applicant, channel: str, received: dt.date, subject: str,
             actor: str, request_id: str | None = None, today: dt.date | None = None,
             url: str | None = None) -> StepResult:
    """Register a new application (intake): the case number, the history's first event."""
    today = today or localtime.today()
    check_subject(subject)

    def work(session: Session) -> StepResult:
        agency_row = directory.agency(session, agency)
        who = directory.actor(session, actor)
        _check_actor_agency(session, who, agency_row.id)
        calendar = session_calendar(session)
        settings = directory.agency_settings(agency_row)
        t = transition(Case(), Command("register", received, who.code, who.role, {"channel": channel}),
                       calendar, today=today, settings=settings)
        ev, case, schedule = t.event, t.case, t.schedule
        app_row = ApplicantRow(kind=applicant.kind, name=applicant.name, id_type=applicant.id_type,
                               id_number=applicant.id_number, contact=applicant.contact)
        session.add(app_row)
        session.flush()
        n = take_numbers(session, agency_row.id, "case", received.year)
        row = CaseRow(case_no=f"{agency_row.code}-{received.year}-{n:05d}", agency_id=agency_row.id,
                      applicant_id=app_row.id, applicant_kind=applicant.kind, handler=who.code,
                      channel=channel, subject=subject, received=received,
                      rules=ev.data["rules"], version=1, **derived_columns(case, schedule))
        session.add(row)
        session.flush()
        ev_row = CaseEventRow(case_id=row.id, seq=1, kind=ev.kind, on=ev.on, actor=ev.actor,
                              data=dict(ev.data), basis=ev.basis, request_id=request_id,
                              recorded_at=localtime.now())
        session.add(ev_row)
        session.flush()
        for column, value in alert_marks(None, row, ev_row.id).items():
            setattr(row, column, value)
        _issue_notices(session, row, agency_row, ev, 1, case, schedule, calendar, settings)
        return StepResult(row.case_no, 1, ev.kind, row.state, None, row.reply_due, row.provisional)

    return _once(url, request_id, work)


def load(session: Session, case_no: str) -> tuple[CaseRow, list[Event], Case]:
    row = session.scalar(select(CaseRow).where(CaseRow.case_no == case_no))
    if row is None:
        raise InputError("case_no", "须为已登记的案件编号", f"未知的案件“{case_no}”")
    rows = session.scalars(select(CaseEventRow).where(CaseEventRow.case_id == row.id)
                           .order_by(CaseEventRow.seq)).all()
    events = [_event(r) for r in rows]
    return row, events, replay(events)


def step(case_no: str, kind: str, *, on: dt.date, actor: str, data: Mapping[str, Any] | None = None,
         request_id: str | None = None, today: dt.date | None = None,
         url: str | None = None) -> StepResult:
    """One move on one case, in one transaction."""
    today = today or localtime.today()

    def work(session: Session) -> StepResult:
        row, _events, case = load(session, case_no)
        who = directory.actor(session, actor)
        _check_actor_agency(session, who, row.agency_id)
        agency_row = session.get(AgencyRow, row.agency_id)
        assert agency_row is not None
        calendar = session_calendar(session)
        settings = directory.agency_settings(agency_row)
        t = transition(case, Command(kind, on, who.code, who.role, dict(data or {})), calendar,
                       today=today, settings=settings)
        ev = t.event
        seq = row.event_count + 1
        ev_row = CaseEventRow(case_id=row.id, seq=seq, kind=ev.kind, on=ev.on, actor=ev.actor,
                              data=dict(ev.data), basis=ev.basis, request_id=request_id,
                              recorded_at=localtime.now())
        session.add(ev_row)
        session.flush()
        derived = derived_columns(t.case, t.schedule)
        done = session.execute(update(CaseRow)
                               .where(CaseRow.id == row.id, CaseRow.version == row.version)
                               .values(version=row.version + 1, **derived,
                                       **alert_marks(row, derived, ev_row.id))
                               .execution_options(synchronize_session=False))
        if done.rowcount != 1:
            raise IntegrityError("version", None, Exception("stale case version"))
        _issue_notices(session, row, agency_row, ev, seq, t.case, t.schedule, calendar, settings)
        return StepResult(case_no, seq, ev.kind, derived["state"], derived["outcome"],
                          derived["reply_due"], derived["provisional"])

    return _once(url, request_id, work)
