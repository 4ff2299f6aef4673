"""Bulk intake: many applications, optionally with their past events, from JSON lines.

    report = import_register(ImportRegister(lines, all_or_nothing=True), uow, principal)

The importer is an admin of the receiving agency (domain/policy.py Action.BULK_IMPORT). Every
line is checked by the same domain rules as a single step (register, then each past event in
order) before anything is written: each event's actor is an account of the receiving agency and
acts with the roles it holds there (a superior government's staff do not act in a body's name),
and is held to the policy as if it made the step itself. The events record the importer as
their operator and are flagged back-dated as the domain says. The writes are set-wise (COPY on
PostgreSQL, one INSERT per table and batch elsewhere), so a legacy register of tens of
thousands of cases loads in seconds. Format: docs/bulk-intake.md.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .. import localtime
from ..domain.applicants import Applicant, Application, Item
from ..domain.case import Case, Command, Event, transition
from ..domain.errors import FoiError, InputError
from ..domain.identity import Principal, Role
from ..domain.parsing import parse_date
from ..domain.policy import Action, PermissionDenied, allowed, authorize, rule_text
from ..domain.settings import AgencySettings
from ..storage import chain
from ..storage.bulkwrite import insert_rows
from ..storage.applicants_repo import details
from ..storage.models import (AgencyRow, ApplicantRow, CaseContactRow, CaseEventRow, CaseItemRow, CaseRow,
                              StaffRoleRow, StaffRow)
from ..storage.numbering import hold_events, reserve_ids, take_numbers
from ..storage.uow import UnitOfWork
from .cases import REQUEST_ID_RULE, alert_marks, check_subject, derived_columns, nth_in_month, session_calendar

LINE_KEYS = {"agency", "received", "channel", "subject", "items", "form", "delivery", "oral",
             "handler", "applicant", "events", "request_id"}
EVENT_KEYS = {"move", "on", "actor", "data", "request_id"}
FORMAT_RULE = "批量导入格式：每行一个 JSON 对象（见 docs/bulk-intake.md）"
ACTIVE_RULE = "须为受理机关已登记且在职的工作人员"
BATCH = 2000


class _NotImporter(PermissionDenied):
    """The importer may not import into a line's agency: the whole import is refused."""


@dataclass(frozen=True)
class ImportRegister:
    """A legacy register as JSON lines; all_or_nothing: write nothing when any line is bad."""

    lines: Iterable[str]
    all_or_nothing: bool = True


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
    items: tuple[Item, ...]
    received: dt.date
    rules: str
    request_id: str | None
    events: list[tuple[Event, str | None, bool]]  # (domain Event, request id, back-dated)
    derived: dict[str, Any]


class _Directory:
    """Agencies and accounts read once, so that checking a line needs no query."""

    def __init__(self, session: Session, importer: Principal) -> None:
        self.importer = importer
        self.agencies = {a.code: a for a in session.scalars(select(AgencyRow))}
        self.parent = {a.id: a.parent_id for a in self.agencies.values()}
        self.settings = {a.id: AgencySettings(**(a.settings or {})) for a in self.agencies.values()}
        self.staff = {s.code: s for s in session.scalars(
            select(StaffRow).where(StaffRow.kind == "person", StaffRow.active.is_(True)))}
        roles: dict[int, set[Role]] = defaultdict(set)
        for staff_id, role in session.execute(select(StaffRoleRow.staff_id, StaffRoleRow.role)):
            roles[staff_id].add(Role(role))
        self.roles = {sid: frozenset(r) for sid, r in roles.items()}
        self._paths: dict[int, tuple[int, ...]] = {}
        self._importable: set[int] = set()
        self._actors: dict[tuple[str, int, Action], str | None] = {}

    def path(self, agency_id: int) -> tuple[int, ...]:
        """The agency's id, then its parent's, up to the top (as DirectoryRepository.agency_path)."""
        found = self._paths.get(agency_id)
        if found is None:
            out: list[int] = []
            current: int | None = agency_id
            while current is not None and current not in out:
                out.append(current)
                current = self.parent.get(current)
            found = self._paths[agency_id] = tuple(out)
        return found

    def agency_id(self, code: Any, line: int) -> int:
        row = self.agencies.get(code) if isinstance(code, str) else None
        if row is None:
            shown = code if isinstance(code, str) and code.isprintable() else repr(code)
            raise InputError("agency", "须为已登记的机关代码", f"未知的机关“{str(shown)[:60]}”")
        if row.id not in self._importable:
            try:
                authorize(self.importer, Action.BULK_IMPORT, self.path(row.id), row.code)
            except PermissionDenied as err:  # not a bad line: the whole import is refused
                raise _NotImporter(err.field, err.rule, f"第 {line} 行：{err.message}") from None
            self._importable.add(row.id)
        return row.id

    def actor(self, code: Any, agency_id: int, field_name: str, action: Action) -> tuple[str, frozenset[Role]]:
        """The account of the receiving agency that made this move, with its roles there."""
        row = self.staff.get(code) if isinstance(code, str) else None
        if row is None:
            shown = code if isinstance(code, str) and code.isprintable() else repr(code)
            raise InputError(field_name, ACTIVE_RULE, f"未知或已停用的工作人员“{str(shown)[:60]}”")
        roles = self.roles.get(row.id, frozenset())
        key = (row.code, agency_id, action)
        if key not in self._actors:
            who = Principal(row.id, row.code, row.name, row.agency_id, self.path(row.agency_id), roles,
                            operator=self.importer.operator, via=self.importer.via)
            self._actors[key] = None if allowed(who, action, self.path(agency_id)) else rule_text(action)
        refused = self._actors[key]
        if refused is not None:
            raise PermissionDenied(field_name, refused, f"{row.code} 不是受理机关的工作人员，不能以该机关名义办理")
        return row.code, roles


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key, "")
    if not isinstance(value, str):
        raise InputError(key, FORMAT_RULE, f"“{key}”应为文字")
    return value


def _request_id(value: Any, field_name: str) -> str | None:
    if value is not None and (not isinstance(value, str) or not 1 <= len(value) <= 64
                              or not value.isprintable()):
        raise InputError(field_name, REQUEST_ID_RULE, "无效的请求编号")
    return value


class _MonthCounts:
    """The per-request fee's count (109号) for a line's fee notice: the applicant's stored cases
    of the month and the lines of this import ahead of it (services.cases.nth_in_month)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.stored: dict[str, int | None] = {}         # match key → stored applicant record
        self.pending: dict[str, list[dt.date]] = defaultdict(list)  # this import's lines so far

    def nth(self, applicant: Applicant, received: dt.date) -> int:
        key = applicant.key
        if key is None:  # an applicant recognised by nothing: a record of its own
            return 1
        if key not in self.stored:
            self.stored[key] = self.session.scalar(select(ApplicantRow.id).where(ApplicantRow.match_key == key))
        return nth_in_month(self.session, applicant_id=self.stored[key], received=received,
                            pending=self.pending[key])

    def add(self, applicant: Applicant, received: dt.date) -> None:
        if applicant.key is not None:
            self.pending[applicant.key].append(received)


def _check_line(n: int, raw: str, d: _Directory, calendar, today: dt.date,
                counts: _MonthCounts | None = None) -> _Checked:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError("line", FORMAT_RULE, f"无法解析：{exc.msg}") from None
    if not isinstance(obj, dict):
        raise InputError("line", FORMAT_RULE, "该行不是 JSON 对象")
    unknown = sorted(set(obj) - LINE_KEYS)
    if unknown:
        raise InputError(unknown[0], FORMAT_RULE, f"未知的字段“{unknown[0]}”")
    agency_id = d.agency_id(obj.get("agency"), n)
    settings = d.settings[agency_id]
    raw_app = obj.get("applicant")
    if not isinstance(raw_app, dict):
        raise InputError("applicant", FORMAT_RULE, "缺少申请人信息")
    applicant = Applicant.of(raw_app)
    if "items" in obj:
        if "subject" in obj:
            raise InputError("subject", FORMAT_RULE, "items 与 subject 只给其一（subject 即唯一一项）")
        items = obj["items"]
        if not isinstance(items, list):
            raise InputError("items", FORMAT_RULE, "items 应为列表")
    else:
        subject = _text(obj, "subject")
        check_subject(subject)
        items = [subject]
    received = parse_date(obj.get("received"), "received")
    handler, roles = d.actor(obj.get("handler"), agency_id, "handler", Action.CASE_REGISTER)
    request_id = _request_id(obj.get("request_id"), "request_id")
    channel = obj.get("channel")
    oral = obj.get("oral", False)
    application = Application(applicant, items, obj.get("form", ""), obj.get("delivery", ""),
                              str(channel), oral, handler if oral is True else "")
    t = transition(Case(), Command("register", received, handler, roles,
                                   {"channel": channel, **application.event_data()}),
                   calendar, today=today, settings=settings)
    first = t.event
    events: list[tuple[Event, str | None, bool]] = [(first, request_id, t.backdated)]
    raw_events = obj.get("events", [])
    if not isinstance(raw_events, list):
        raise InputError("events", FORMAT_RULE, "events 应为列表")
    for i, e in enumerate(raw_events, 1):
        where = f"events[{i}]"
        if not isinstance(e, dict) or set(e) - EVENT_KEYS:
            raise InputError(where, FORMAT_RULE, "事件字段为 move、on、actor、data、request_id")
        who, who_roles = d.actor(e.get("actor"), agency_id, f"{where}.actor", Action.CASE_STEP)
        data = e.get("data", {})
        if not isinstance(data, dict):
            raise InputError(f"{where}.data", FORMAT_RULE, "data 应为 JSON 对象")
        rid = _request_id(e.get("request_id"), f"{where}.request_id")
        if e.get("move") == "fee_notice":
            # the per-request fee is computed from the applicant's count, never taken from the line
            data = {k: v for k, v in data.items() if k != "nth_in_month"}
            if data.get("method") == "per_request" and counts is not None:
                data["nth_in_month"] = counts.nth(applicant, received)
        cmd = Command(str(e.get("move")), parse_date(e.get("on"), f"{where}.on"), who, who_roles, data)
        try:
            t = transition(t.case, cmd, calendar, today=today, settings=settings)
        except FoiError as err:
            raise type(err)(f"{where}.{err.field}", err.rule, err.message) from None
        events.append((t.event, rid, t.backdated))
    derived = derived_columns(t.case, t.schedule)
    return _Checked(n, agency_id, applicant, handler, str(channel), application.subject,
                    application.items, received,
                    first.data["rules"], request_id, events, derived)


def import_register(cmd: ImportRegister, uow: UnitOfWork, principal: Principal, *,
                    today: dt.date | None = None) -> BulkReport:
    """Check every line, then write the good ones (or none, when any line is bad and
    all_or_nothing). Lines whose request_id was imported before are skipped.

    PermissionDenied (nothing written) when the principal is not an admin of a line's agency.
    """
    today = today or uow.settings.legal_today()
    report = BulkReport()
    with uow:
        session = uow.session
        directory = _Directory(session, principal)
        calendar = session_calendar(session)
        checked: list[_Checked] = []
        counts = _MonthCounts(session)
        seen_ids: set[str] = set()
        for n, raw in enumerate(cmd.lines, 1):
            if not raw.strip():
                continue
            try:
                c = _check_line(n, raw, directory, calendar, today, counts)
            except _NotImporter as err:
                raise PermissionDenied(err.field, err.rule, err.message) from None
            except FoiError as err:
                report.errors.append(LineError(n, err.field, err.rule, err.message))
                continue
            ids = [rid for _ev, rid, _b in c.events if rid]
            dup = next((rid for rid in ids if rid in seen_ids), None) or \
                next((rid for k, rid in enumerate(ids) if rid in ids[:k]), None)
            if dup:
                report.errors.append(LineError(n, "request_id", "请求编号不得重复", f"重复的请求编号“{dup}”"))
                continue
            seen_ids.update(ids)
            checked.append(c)
            counts.add(c.applicant, c.received)
        if report.errors and cmd.all_or_nothing:
            return report
        fresh = _not_yet_imported(session, checked, seen_ids, report)
        if report.errors and cmd.all_or_nothing:
            return report
        _write(session, fresh, principal, report)
    return report


def _not_yet_imported(session: Session, checked: list[_Checked], request_ids: set[str],
                      report: BulkReport) -> list[_Checked]:
    """The lines to write: a line whose registration's request id is stored for a case of the
    same agency was imported before (skipped); a request id stored for anything else belongs to
    that other case or step (the line is reported, never answered with the other case)."""
    stored: dict[str, tuple[str, int]] = {}
    ids = sorted(request_ids)
    for i in range(0, len(ids), 1000):
        chunk = ids[i:i + 1000]
        stored.update((rid, (kind, agency_id)) for rid, kind, agency_id in session.execute(
            select(CaseEventRow.request_id, CaseEventRow.kind, CaseRow.agency_id)
            .join(CaseRow, CaseRow.id == CaseEventRow.case_id)
            .where(CaseEventRow.request_id.in_(chunk))))
    if not stored:
        return checked
    fresh: list[_Checked] = []
    conflicts: list[LineError] = []
    for c in checked:
        first = stored.get(c.request_id) if c.request_id else None
        if first is not None and first == ("register", c.agency_id):
            report.already_imported += 1
            continue
        clash = next((rid for _ev, rid, _b in c.events if rid and rid in stored), None)
        if clash is not None:
            conflicts.append(LineError(c.line, "request_id", REQUEST_ID_RULE,
                                       f"请求编号“{clash}”已用于另一件案件或另一项办理"))
            continue
        fresh.append(c)
    report.errors = sorted(report.errors + conflicts, key=lambda e: e.line)
    return fresh


def _write(session: Session, checked: list[_Checked], principal: Principal, report: BulkReport) -> None:
    if not checked:
        return
    numbers: dict[tuple[int, int], list[_Checked]] = defaultdict(list)
    for c in checked:
        numbers[(c.agency_id, c.received.year)].append(c)
    codes = {a: code for code, a in session.execute(select(AgencyRow.code, AgencyRow.id))}
    case_no: dict[int, str] = {}
    for (agency_id, year), group in sorted(numbers.items()):
        first = take_numbers(session, agency_id, "case", year, len(group))
        for k, c in enumerate(group):
            case_no[c.line] = f"{codes[agency_id]}-{year}-{first + k:05d}"
    now = localtime.now()
    # who recorded the history: the importing admin, and how their request reached the system
    operator = f"import:{principal.code} {principal.operator}".strip()[:80]
    for start in range(0, len(checked), BATCH):
        batch = checked[start:start + BATCH]
        app_ids = _applicant_ids(session, batch)
        case_ids = reserve_ids(session, CaseRow.__table__, len(batch))
        # the events' ids are taken while holding the events table, as a step takes its own:
        # the sweep's mark never passes an event still to come (services/sweep.py)
        hold_events(session)
        event_ids = iter(reserve_ids(session, CaseEventRow.__table__, sum(len(c.events) for c in batch)))
        ids = [[next(event_ids) for _ev in c.events] for c in batch]
        # each case's history chained by hash as a step chains it (storage/chain.py)
        event_rows, heads = [], []
        for c, case_id, ev_ids in zip(batch, case_ids, ids):
            link = ""
            for seq, ((ev, rid, backdated), ev_id) in enumerate(zip(c.events, ev_ids), 1):
                e = {"id": ev_id, "case_id": case_id, "seq": seq, "kind": ev.kind, "on": ev.on,
                     "actor": ev.actor, "data": dict(ev.data), "basis": ev.basis, "request_id": rid,
                     "recorded_at": now, "operator": operator, "backdated": backdated}
                e["chain"] = link = chain.event_link(link, case_no[c.line], e)
                event_rows.append(e)
            heads.append(link)
        insert_rows(session, CaseRow.__table__, [
            {"id": case_id, "case_no": case_no[c.line], "agency_id": c.agency_id,
             "applicant_id": app_id, "applicant_kind": c.applicant.kind, "handler": c.handler,
             "channel": c.channel, "subject": c.subject, "received": c.received,
             "rules": c.rules, "version": 1, **c.derived,
             # every alert track of an imported case starts with the import (its last event)
             **alert_marks(None, c.derived, ev_ids[-1]), "chain_head": head}
            for c, app_id, case_id, ev_ids, head in zip(batch, app_ids, case_ids, ids, heads)])
        insert_rows(session, CaseEventRow.__table__, event_rows)
        insert_rows(session, CaseContactRow.__table__, [
            {"case_id": case_id, **details(c.applicant)} for c, case_id in zip(batch, case_ids)])
        insert_rows(session, CaseItemRow.__table__, [
            {"case_id": case_id, "n": n, "description": item.description, "document_no": item.document_no}
            for c, case_id in zip(batch, case_ids) for n, item in enumerate(c.items, 1)])
        report.case_numbers.extend(case_no[c.line] for c in batch)
    report.imported = len(checked)


def _applicant_ids(session: Session, batch: list[_Checked]) -> list[int]:
    """The shared applicant record of each line (domain/applicants.match_key): found among the
    stored ones, or made once for the batch; a record takes the details of the batch's last
    line for it (the latest application), as a single intake does."""
    keys = {c.applicant.key for c in batch if c.applicant.key is not None}
    found: dict[str, int] = {}
    ordered = sorted(keys)
    for i in range(0, len(ordered), 1000):
        found.update(session.execute(select(ApplicantRow.match_key, ApplicantRow.id)
                                     .where(ApplicantRow.match_key.in_(ordered[i:i + 1000]))).tuples().all())
    latest: dict[str, _Checked] = {}
    for c in batch:
        if c.applicant.key is not None:
            latest[c.applicant.key] = c
    new_keys = [k for k in latest if k not in found]
    fresh_keys = set(new_keys)
    unkeyed = [c for c in batch if c.applicant.key is None]
    ids = iter(reserve_ids(session, ApplicantRow.__table__, len(new_keys) + len(unkeyed)))

    def row(app: Applicant, app_id: int, key: str | None) -> dict[str, Any]:
        return {"id": app_id, "kind": app.kind, "id_type": app.id_type, "id_number": app.id_number,
                "match_key": key, **details(app)}

    fresh: list[dict[str, Any]] = []
    for key in new_keys:
        found[key] = next(ids)
        fresh.append(row(latest[key].applicant, found[key], key))
    own: dict[int, int] = {}
    for c in unkeyed:
        own[id(c)] = next(ids)
        fresh.append(row(c.applicant, own[id(c)], None))
    if fresh:
        insert_rows(session, ApplicantRow.__table__, fresh)
    stored = [{"_id": found[key], "kind": c.applicant.kind, **details(c.applicant)}
              for key, c in latest.items() if key not in fresh_keys]
    if stored:  # stored records take the latest details: one UPDATE, executed for every record
        table = ApplicantRow.__table__
        session.execute(table.update().where(table.c.id == bindparam("_id")), stored)
    return [found[c.applicant.key] if c.applicant.key is not None else own[id(c)] for c in batch]
