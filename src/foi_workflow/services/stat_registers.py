"""The statistics registers: proactive disclosure figures, consultations, fees, narrative texts.

Each entry is checked (field and rule named in Chinese) and written in one transaction; bulk
import (JSON lines or CSV with a header row) checks every line first and writes nothing if any
line is bad. A year whose figures are locked (published) takes no more entries.
Formats: docs/statistics.md.

Every use case is `use_case(cmd, uow, principal)`, one transaction: the registers of an agency
are written by its own clerk, head or admin (Action.STATS_WRITE), and each row records the
staff member (`recorded_by`) and the operator through whom it came. "Today" (no future dates,
no future years) is the settings' legal today.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import localtime
from ..domain.errors import FoiError, InputError
from ..domain.identity import Principal
from ..domain.parsing import parse_date
from ..domain.policy import Action, authorize
from ..domain.statistics.layout import (CONSULTATION_CHANNELS, DECIMAL_CELLS, DISCLOSURE_KEYS,
                                        FEE_KINDS, NARRATIVE_SECTIONS, SECTIONS)
from ..domain.statistics.report import yuan_to_fen
from ..storage.models import AgencyRow
from ..storage.statistics_tables import (ConsultationRow, DisclosureCellRow, FeeRow, LockedReportRow,
                                         NarrativeRow, StatVersionRow)
from ..storage.uow import UnitOfWork
from . import directory

MAX_COUNT = 10_000_000
MAX_NOTE = 500
MAX_NARRATIVE = 20_000
KINDS = ("disclosure", "consultation", "fee")
FORMAT_RULE = "导入格式：每行一个 JSON 对象，或带表头的 CSV（见 docs/statistics.md）"
FIELDS = {
    "disclosure": ({"agency", "year", "cells"}, {"agency", "year", "key", "value"}),
    "consultation": ({"agency", "on", "channel", "count", "note"}, None),
    "fee": ({"agency", "on", "kind", "amount_yuan", "note"}, None),
}


def _writable(uow: UnitOfWork, principal: Principal, agency: Any) -> AgencyRow:
    """The agency, if the person may write its registers (STATS_WRITE: its own clerk, head or
    admin; a superior government's staff read the figures but do not record them in its name)."""
    row = directory.agency(uow.session, agency) if isinstance(agency, str) else None
    if row is None:
        shown = agency if isinstance(agency, str) and agency.isprintable() else repr(agency)
        raise InputError("agency", "须为已登记的机关代码", f"未知的机关“{shown[:60]}”")
    authorize(principal, Action.STATS_WRITE, uow.directory.agency_path(row.id), row.code)
    return row


def _not_locked(session: Session, agency_row: AgencyRow, year: int) -> None:
    if session.scalar(select(LockedReportRow.id).where(LockedReportRow.agency_id == agency_row.id,
                                                       LockedReportRow.year == year)) is not None:
        raise InputError("year", "已公布（已锁定）年度的数字不再修改",
                         f"{agency_row.name}{year}年度已锁定")


def _year(value: Any, today: dt.date) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 2008 <= value <= today.year:
        raise InputError("year", "年度为2008年至今年之间的四位整数", f"无效的年度“{value}”")
    return value


def _count(value: Any, name: str = "count") -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise InputError(name, f"数量为0至{MAX_COUNT}之间的整数", f"无效的数量“{value}”")
    return value


def _day(value: Any, today: dt.date, name: str = "on") -> dt.date:
    day = parse_date(value, name)
    if day > today:
        raise InputError(name, "日期不得晚于今天（按北京时间）", f"{day.isoformat()} 晚于今天")
    return day


def _note(value: Any) -> str:
    value = "" if value is None else value
    if not isinstance(value, str) or len(value) > MAX_NOTE:
        raise InputError("note", f"备注为不超过{MAX_NOTE}字的文字", "备注无效或过长")
    return value


def disclosure_value(key: str, value: Any) -> Decimal:
    """A disclosure cell's value, checked: a count, or (for the fee amount) ≥ 0 with ≤ 4 decimals."""
    if key not in DISCLOSURE_KEYS:
        raise InputError("key", "主动公开登记项：" + "、".join(DISCLOSURE_KEYS), f"未知的项目“{key}”")
    if key in DECIMAL_CELLS:
        try:
            d = Decimal(str(value).strip()) if not isinstance(value, bool) else None
        except InvalidOperation:
            d = None
        if d is None or not d.is_finite() or d < 0 or d != d.quantize(Decimal("0.0001")):
            raise InputError(key, "收费金额以万元为单位，不小于0，至多四位小数", f"无效的金额“{value}”")
        return d
    return Decimal(_count(value, key))


@dataclass(frozen=True)
class SetDisclosure:
    """Proactive-disclosure figures (table 2 cells, older-format item counts) of a year: set."""

    agency: str
    year: Any
    cells: Mapping[str, Any]


@dataclass(frozen=True)
class AddConsultation:
    """Consultations received on a day through one channel: added up."""

    agency: str
    on: Any
    channel: str
    count: Any
    note: str = ""


@dataclass(frozen=True)
class AddFee:
    """A fee collected outside the cases' own fee steps: added up."""

    agency: str
    on: Any
    kind: str
    amount_yuan: Any
    note: str = ""


@dataclass(frozen=True)
class SetNarrative:
    """The text of a narrative section (一、五、六) of the agency's report for the year."""

    agency: str
    year: Any
    section: str
    text: str


def _who(principal: Principal) -> dict[str, str]:
    return {"recorded_by": principal.code, "operator": principal.operator[:80]}


def _set_disclosure(uow: UnitOfWork, principal: Principal, cmd: SetDisclosure, today: dt.date) -> int:
    session = uow.session
    row = _writable(uow, principal, cmd.agency)
    year = _year(cmd.year, today)
    _not_locked(session, row, year)
    cells = cmd.cells
    if not isinstance(cells, Mapping) or not cells:
        raise InputError("cells", "须至少给出一个登记项（项目=数值）", "没有登记项")
    checked = {k: disclosure_value(k, v) for k, v in cells.items()}
    now = localtime.now()
    existing = {r.key: r for r in session.scalars(select(DisclosureCellRow).where(
        DisclosureCellRow.agency_id == row.id, DisclosureCellRow.year == year))}
    for key, value in checked.items():
        text = str(value)
        if key in existing:
            found = existing[key]
            if found.value != text:
                _version(session, principal, row.id, year, "disclosure", key, text, now)
            found.value, found.recorded_by, found.operator, found.recorded_at = \
                text, principal.code, principal.operator[:80], now
        else:
            session.add(DisclosureCellRow(agency_id=row.id, year=year, key=key, value=text,
                                          recorded_at=now, **_who(principal)))
            _version(session, principal, row.id, year, "disclosure", key, text, now)
    session.flush()
    return len(checked)


def _version(session: Session, principal: Principal, agency_id: int, year: int, kind: str, key: str,
             value: str, now: dt.datetime) -> None:
    """Keep the value being written as a version of its entry (an overwrite loses nothing)."""
    session.add(StatVersionRow(agency_id=agency_id, year=year, kind=kind, key=key, value=value,
                               recorded_at=now, **_who(principal)))


def _add_consultation(uow: UnitOfWork, principal: Principal, cmd: AddConsultation, today: dt.date) -> None:
    row = _writable(uow, principal, cmd.agency)
    day = _day(cmd.on, today)
    if cmd.channel not in CONSULTATION_CHANNELS:
        raise InputError("channel", "咨询渠道：" + "、".join(f"{k}（{v}）" for k, v in CONSULTATION_CHANNELS.items()),
                         f"未知的渠道“{cmd.channel}”")
    n = _count(cmd.count)
    if n == 0:
        raise InputError("count", "登记的咨询人次须大于0", "人次为0")
    _not_locked(uow.session, row, day.year)
    uow.session.add(ConsultationRow(agency_id=row.id, on=day, channel=cmd.channel, count=n,
                                    note=_note(cmd.note), recorded_at=localtime.now(), **_who(principal)))
    uow.session.flush()


def _add_fee(uow: UnitOfWork, principal: Principal, cmd: AddFee, today: dt.date) -> None:
    row = _writable(uow, principal, cmd.agency)
    day = _day(cmd.on, today)
    if cmd.kind not in FEE_KINDS:
        raise InputError("kind", "收费种类：" + "、".join(f"{k}（{v}）" for k, v in FEE_KINDS.items()),
                         f"未知的种类“{cmd.kind}”")
    fen = yuan_to_fen(cmd.amount_yuan, "amount_yuan")
    if fen == 0:
        raise InputError("amount_yuan", "登记的收费金额须大于0", "金额为0")
    _not_locked(uow.session, row, day.year)
    uow.session.add(FeeRow(agency_id=row.id, on=day, kind=cmd.kind, amount_fen=fen, note=_note(cmd.note),
                           recorded_at=localtime.now(), **_who(principal)))
    uow.session.flush()


def _set_narrative(uow: UnitOfWork, principal: Principal, cmd: SetNarrative, today: dt.date) -> None:
    session = uow.session
    row = _writable(uow, principal, cmd.agency)
    year = _year(cmd.year, today)
    if cmd.section not in NARRATIVE_SECTIONS:
        raise InputError("section", "叙述部分：" + "、".join(f"{k}（{SECTIONS[k]}）" for k in NARRATIVE_SECTIONS),
                         f"未知的部分“{cmd.section}”")
    text = cmd.text
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_NARRATIVE:
        raise InputError("text", f"正文为1至{MAX_NARRATIVE}字", "正文为空或过长")
    _not_locked(session, row, year)
    found = session.scalar(select(NarrativeRow).where(NarrativeRow.agency_id == row.id,
                                                      NarrativeRow.year == year,
                                                      NarrativeRow.section == cmd.section))
    now = localtime.now()
    if found is None or found.text != text:
        _version(session, principal, row.id, year, "narrative", cmd.section, text, now)
    if found:
        found.text, found.recorded_by, found.operator, found.recorded_at = \
            text, principal.code, principal.operator[:80], now
    else:
        session.add(NarrativeRow(agency_id=row.id, year=year, section=cmd.section, text=text,
                                 recorded_at=now, **_who(principal)))
    session.flush()


def set_disclosure(cmd: SetDisclosure, uow: UnitOfWork, principal: Principal) -> int:
    """Set proactive-disclosure figures for a year; returns how many were set."""
    with uow:
        return _set_disclosure(uow, principal, cmd, uow.settings.legal_today())


def add_consultation(cmd: AddConsultation, uow: UnitOfWork, principal: Principal) -> None:
    with uow:
        _add_consultation(uow, principal, cmd, uow.settings.legal_today())


def add_fee(cmd: AddFee, uow: UnitOfWork, principal: Principal) -> None:
    with uow:
        _add_fee(uow, principal, cmd, uow.settings.legal_today())


def set_narrative(cmd: SetNarrative, uow: UnitOfWork, principal: Principal) -> None:
    with uow:
        _set_narrative(uow, principal, cmd, uow.settings.legal_today())


VERSION_KINDS = {"narrative": "叙述部分", "disclosure": "主动公开数据"}


@dataclass(frozen=True)
class Versions:
    """The versions of one agency's entries of a year, newest first: all of them, or those of
    one kind ("narrative" | "disclosure") and key (a section or a cell key)."""

    agency: str
    year: int
    kind: str | None = None
    key: str | None = None


def versions(q: Versions, uow: UnitOfWork, principal: Principal) -> list[dict[str, Any]]:
    """Action.REPORT_READ on the agency (whoever may read its report may see how it was written)."""
    with uow:
        session = uow.session
        row = directory.agency(session, q.agency)
        authorize(principal, Action.REPORT_READ, uow.directory.agency_path(row.id), row.code)
        year = _year(q.year, uow.settings.legal_today())
        if q.kind is not None and q.kind not in VERSION_KINDS:
            raise InputError("kind", "种类：" + "、".join(f"{k}（{v}）" for k, v in VERSION_KINDS.items()),
                             f"未知的种类“{q.kind}”")
        stmt = select(StatVersionRow).where(StatVersionRow.agency_id == row.id, StatVersionRow.year == year)
        if q.kind is not None:
            stmt = stmt.where(StatVersionRow.kind == q.kind)
        if q.key is not None:
            stmt = stmt.where(StatVersionRow.key == q.key)
        return [{"kind": v.kind, "key": v.key, "value": v.value, "recorded_by": v.recorded_by,
                 "operator": v.operator, "recorded_at": localtime.as_local(v.recorded_at).isoformat()}
                for v in session.scalars(stmt.order_by(StatVersionRow.id.desc()))]


# ----- bulk import ----------------------------------------------------------------------------

@dataclass
class ImportReport:
    imported: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"imported": self.imported, "errors": self.errors}


def _records(kind: str, text: str, csv_format: bool) -> Iterable[tuple[int, Any]]:
    if csv_format:
        reader = csv.DictReader(io.StringIO(text))
        for n, rec in enumerate(reader, 2):
            yield n, {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in rec.items() if k}
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except json.JSONDecodeError as exc:
            yield n, InputError("line", FORMAT_RULE, f"无法解析：{exc.msg}")


def _apply(uow: UnitOfWork, principal: Principal, kind: str, rec: Mapping[str, Any], today: dt.date) -> None:
    json_keys, csv_keys = FIELDS[kind]
    allowed = json_keys | (csv_keys or set())
    unknown = sorted(set(rec) - allowed)
    if unknown:
        raise InputError(unknown[0], FORMAT_RULE, f"未知的字段“{unknown[0]}”")
    if kind == "disclosure":
        cells = rec.get("cells")
        if cells is None and "key" in rec:
            cells = {rec["key"]: rec.get("value")}
        _set_disclosure(uow, principal, SetDisclosure(rec.get("agency"), rec.get("year"), cells), today)
    elif kind == "consultation":
        _add_consultation(uow, principal, AddConsultation(rec.get("agency"), rec.get("on"), rec.get("channel"),
                                                          rec.get("count"), rec.get("note") or ""), today)
    else:
        _add_fee(uow, principal, AddFee(rec.get("agency"), rec.get("on"), rec.get("kind"),
                                        rec.get("amount_yuan"), rec.get("note") or ""), today)


@dataclass(frozen=True)
class ImportRecords:
    """A register file: JSON lines, or CSV with a header row (csv_format)."""

    kind: str
    text: str
    csv_format: bool = False


class _Abort(Exception):
    pass


def import_records(cmd: ImportRecords, uow: UnitOfWork, principal: Principal) -> ImportReport:
    """Import a register file in one transaction: every line checked (its agency's registers
    must be the person's to write, like a single entry); nothing written when any line is bad."""
    if cmd.kind not in KINDS:
        raise InputError("kind", "登记簿：" + "、".join(KINDS), f"未知的登记簿“{cmd.kind}”")
    report = ImportReport()
    try:
        with uow:
            today = uow.settings.legal_today()
            for n, rec in _records(cmd.kind, cmd.text, cmd.csv_format):
                try:
                    if isinstance(rec, FoiError):
                        raise rec
                    if not isinstance(rec, Mapping):
                        raise InputError("line", FORMAT_RULE, "该行不是 JSON 对象")
                    _apply(uow, principal, cmd.kind, rec, today)  # checks everything before it adds a row
                    report.imported += 1
                except FoiError as err:
                    report.errors.append({"line": n, **err.as_dict()})
            if report.errors:
                raise _Abort()
    except _Abort:
        report.imported = 0
    return report
