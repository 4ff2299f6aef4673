"""Bulk intake: many applications, optionally with their past events, from JSON lines.

Every line is checked by the same domain rules as a single step (register, then each past
event in order) before anything is written; the writes are set-wise (one INSERT per table and
batch), so a legacy register of tens of thousands of cases loads in seconds. Format:
docs/bulk-intake.md.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import localtime
from ..domain.applicants import Applicant
from ..domain.case import Case, Command, Role, transition
from ..domain.errors import FoiError, InputError
from ..domain.parsing import parse_date
from ..domain.settings import AgencySettings
from ..storage import db
from ..storage.bulkwrite import insert_rows
from ..storage.models import AgencyRow, ApplicantRow, CaseEventRow, CaseRow, StaffRow
from ..storage.numbering import hold_events, reserve_ids, take_numbers
from .cases import alert_marks, check_subject, derived_columns, session_calendar

LINE_KEYS = {"agency", "received", "channel", "subject", "handler", "applicant", "events",
             "request_id"}
EVENT_KEYS = {"move", "on", "actor", "data", "request_id"}
FORMAT_RULE = "批量导入格式：每行一个 JSON 对象（见 docs/bulk-intake.md）"
BATCH = 2000


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class BulkReport:
    imported: int = 0
    already_imported: int = 0
    errors: list[LineError] = field(default_factory=list)
    case_numbers: list[str] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return self.imported > 0

    def as_dict(self) -> dict[str, Any]:
        return {"imported": self.imported, "already_imported": self.already_imported,
                "errors": [e.as_dict() for e in self.errors]}


@dataclass
class _Checked:
    line: int
    agency_id: int
    applicant: Applicant
    handler: str
    channel: str
    subject: str
    received: dt.date
    rules: str
    request_id: str | None
    events: list[tuple[Any, str | None]]  # (domain Event, request id)
    derived: dict[str, Any]


class _Directory:
    """Agencies and staff read once, so that checking a line needs no query."""

    def __init__(self, session: Session) -> None:
        self.agencies = {a.code: a for a in session.scalars(select(AgencyRow))}
        self.parent = {a.id: a.parent_id for a in self.agencies.values()}
        self.settings = {a.id: AgencySettings(**(a.settings or {})) for a in self.agencies.values()}
        self.staff = {s.code: s for s in session.scalars(select(StaffRow)) if s.active}

    def agency_id(self, code: Any) -> int:
        row = self.agencies.get(code) if isinstance(code, str) else None
        if row is None:
            raise InputError("agency", "须为已登记的机关代码", f"未知的机关“{code}”")
        return row.id

    def actor(self, code: Any, agency_id: int, field_name: str) -> tuple[str, Role]:
        row = self.staff.get(code) if isinstance(code, str) else None
        if row is None:
            raise InputError(field_name, "须为已登记且在职的工作人员", f"未知的工作人员“{code}”")
        a: int | None = agency_id
        while a is not None and a != row.agency_id:
            a = self.parent.get(a)
        if a is None:
            raise InputError(field_name, "工作人员只能办理本机关（或下属机关）的案件",
                             f"{code} 不属于该机关")
        return row.code, Role(row.role)


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key, "")
    if not isinstance(value, str):
        raise InputError(key, FORMAT_RULE, f"“{key}”应为文字")
    return value


def _check_line(n: int, raw: str, d: _Directory, calendar, today: dt.date) -> _Checked:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError("line", FORMAT_RULE, f"无法解析：{exc.msg}") from None
    if not isinstance(obj, dict):
        raise InputError("line", FORMAT_RULE, "该行不是 JSON 对象")
    unknown = sorted(set(obj) - LINE_KEYS)
    if unknown:
        raise InputError(unknown[0], FORMAT_RULE, f"未知的字段“{unknown[0]}”")
    agency_id = d.agency_id(obj.get("agency"))
    settings = d.settings[agency_id]
    raw_app = obj.get("applicant")
    if not isinstance(raw_app, dict):
        raise InputError("applicant", FORMAT_RULE, "缺少申请人信息")
    try:
        applicant = Applicant(**{k: raw_app[k] for k in raw_app})
    except TypeError:
        raise InputError("applicant", FORMAT_RULE, "申请人字段为 kind、name、id_type、id_number、contact") from None
    subject = _text(obj, "subject")
    check_subject(subject)
    received = parse_date(obj.get("received"), "received")
    handler, role = d.actor(obj.get("handler"), agency_id, "handler")
    request_id = obj.get("request_id")
    if request_id is not None and (not isinstance(request_id, str) or not 1 <= len(request_id) <= 64):
        raise InputError("request_id", "请求编号为1–64个字符", "无效的请求编号")
    channel = obj.get("channel")
    t = transition(Case(), Command("register", received, handler, role, {"channel": channel}),
                   calendar, today=today, settings=settings)
    first = t.event
    events: list[tuple[Any, str | None]] = [(first, request_id)]
    raw_events = obj.get("events", [])
    if not isinstance(raw_events, list):
        raise InputError("events", FORMAT_RULE, "events 应为列表")
    for i, e in enumerate(raw_events, 1):
        where = f"events[{i}]"
        if not isinstance(e, dict) or set(e) - EVENT_KEYS:
            raise InputError(where, FORMAT_RULE, "事件字段为 move、on、actor、data、request_id")
        who, who_role = d.actor(e.get("actor"), agency_id, f"{where}.actor")
        data = e.get("data", {})
        if not isinstance(data, dict):
            raise InputError(f"{where}.data", FORMAT_RULE, "data 应为 JSON 对象")
        cmd = Command(str(e.get("move")), parse_date(e.get("on"), f"{where}.on"), who, who_role, data)
        try:
            t = transition(t.case, cmd, calendar, today=today, settings=settings)
        except FoiError as err:
            raise type(err)(f"{where}.{err.field}", err.rule, err.message) from None
        events.append((t.event, e.get("request_id")))
    derived = derived_columns(t.case, t.schedule)
    return _Checked(n, agency_id, applicant, handler, str(channel), subject, received,
                    first.data["rules"], request_id, events, derived)


def import_lines(lines: Iterable[str], *, all_or_nothing: bool = True,
                 today: dt.date | None = None, url: str | None = None) -> BulkReport:
    """Check every line, then write the good ones (or none, when any line is bad and
    all_or_nothing). Lines whose request_id was imported before are skipped."""
    today = today or localtime.today()
    report = BulkReport()
    with db.session_scope(url) as session:
        directory = _Directory(session)
        calendar = session_calendar(session)
        checked: list[_Checked] = []
        seen_ids: set[str] = set()
        for n, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                c = _check_line(n, raw, directory, calendar, today)
            except FoiError as err:
                report.errors.append(LineError(n, err.field, err.rule, err.message))
                continue
            ids = [rid for _, rid in c.events if rid]
            dup = next((rid for rid in ids if rid in seen_ids), None)
            if dup or len(ids) != len(set(ids)):
                report.errors.append(LineError(n, "request_id", "请求编号不得重复", f"重复的请求编号“{dup}”"))
                continue
            seen_ids.update(ids)
            checked.append(c)
        if report.errors and all_or_nothing:
            return report
        done = _already_imported(session, seen_ids)
        fresh = [c for c in checked if not (c.request_id and c.request_id in done)]
        report.already_imported = len(checked) - len(fresh)
        _write(session, fresh, report)
    return report


def _already_imported(session: Session, request_ids: set[str]) -> set[str]:
    found: set[str] = set()
    ids = sorted(request_ids)
    for i in range(0, len(ids), 1000):
        chunk = ids[i:i + 1000]
        found.update(session.scalars(select(CaseEventRow.request_id)
                                     .where(CaseEventRow.request_id.in_(chunk))))
    return found


def _write(session: Session, checked: list[_Checked], report: BulkReport) -> None:
    if not checked:
        return
    numbers: dict[tuple[int, int], list[_Checked]] = defaultdict(list)
    for c in checked:
        numbers[(c.agency_id, c.received.year)].append(c)
    codes = {a: code for code, a in ((r.code, r.id) for r in session.scalars(select(AgencyRow)))}
    case_no: dict[int, str] = {}
    for (agency_id, year), group in sorted(numbers.items()):
        first = take_numbers(session, agency_id, "case", year, len(group))
        for k, c in enumerate(group):
            case_no[c.line] = f"{codes[agency_id]}-{year}-{first + k:05d}"
    now = localtime.now()
    for start in range(0, len(checked), BATCH):
        batch = checked[start:start + BATCH]
        app_ids = reserve_ids(session, ApplicantRow.__table__, len(batch))
        insert_rows(session, ApplicantRow.__table__, [
            {"id": app_id, "kind": c.applicant.kind, "name": c.applicant.name,
             "id_type": c.applicant.id_type, "id_number": c.applicant.id_number,
             "contact": c.applicant.contact} for c, app_id in zip(batch, app_ids)])
        case_ids = reserve_ids(session, CaseRow.__table__, len(batch))
        # the events' ids are taken while holding the events table, as a step takes its own:
        # the sweep's mark never passes an event still to come (services/sweep.py)
        hold_events(session)
        event_ids = iter(reserve_ids(session, CaseEventRow.__table__, sum(len(c.events) for c in batch)))
        ids = [[next(event_ids) for _ev in c.events] for c in batch]
        insert_rows(session, CaseRow.__table__, [
            {"id": case_id, "case_no": case_no[c.line], "agency_id": c.agency_id,
             "applicant_id": app_id, "applicant_kind": c.applicant.kind, "handler": c.handler,
             "channel": c.channel, "subject": c.subject, "received": c.received,
             "rules": c.rules, "version": 1, **c.derived,
             # every alert track of an imported case starts with the import (its last event)
             **alert_marks(None, c.derived, ev_ids[-1])}
            for c, app_id, case_id, ev_ids in zip(batch, app_ids, case_ids, ids)])
        insert_rows(session, CaseEventRow.__table__, [
            {"id": ev_id, "case_id": case_id, "seq": seq, "kind": ev.kind, "on": ev.on,
             "actor": ev.actor, "data": dict(ev.data), "basis": ev.basis, "request_id": rid,
             "recorded_at": now}
            for c, case_id, ev_ids in zip(batch, case_ids, ids)
            for seq, ((ev, rid), ev_id) in enumerate(zip(c.events, ev_ids), 1)])
        report.case_numbers.extend(case_no[c.line] for c in batch)
    report.imported = len(checked)
