"""The annual report as data: tables in the codes of annual-report-2021.md, the counting rules, roll-up.

Pure: the counting rules take plain case facts (what a case's history says: receipt date, the
applicant's category at receipt, the closing date and its table-3 row) and count them; the
database does the same counting in SQL (services/statistics.py) and the tests compare the two.
`recount_from_events` is the independent oracle: it replays each case's history with the case
rules and counts the result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

from ..case import Event, State, replay
from .layout import (APPLICANT_COLUMNS, COLUMNS, NARRATIVE_SECTIONS, OUTCOME_ROWS, REMEDY_CELLS,
                     REMEDY_GROUPS, ROWS, TABLE2, TABLE2_KEYS)

Table3 = dict[str, dict[str, int]]
Table4 = dict[str, dict[str, int]]
Table2 = dict[str, dict[str, Any]]


# ----- empty tables and totals ----------------------------------------------------------------

def empty_table3() -> Table3:
    return {row: {col: 0 for col in COLUMNS} for row in ROWS}


def empty_table4() -> Table4:
    return {g: {c: 0 for c in REMEDY_CELLS} for g in REMEDY_GROUPS}


def empty_table2() -> Table2:
    return {block: {cell: (Decimal(0) if cell == "amount_10k_yuan" else 0) for cell in cells}
            for block, (_p, _l, cells) in TABLE2.items()}


def table2_from_cells(cells: Mapping[str, Any]) -> Table2:
    """Table 2 from register cells "block.cell" → value (cells not given are 0)."""
    t = empty_table2()
    for key in TABLE2_KEYS:
        if key in cells:
            block, cell = key.split(".")
            t[block][cell] = cells[key]
    return t


def with_totals(t: Table3) -> Table3:
    """Fill the total column and the results_total row from the other cells."""
    out = {row: dict(cols) for row, cols in t.items()}
    for col in APPLICANT_COLUMNS:
        out["results_total"][col] = sum(out[row][col] for row in OUTCOME_ROWS)
    for row in ROWS:
        out[row]["total"] = sum(out[row][col] for col in APPLICANT_COLUMNS)
    return out


def table4_with_totals(t: Table4) -> Table4:
    out = {g: dict(cells) for g, cells in t.items()}
    for g in REMEDY_GROUPS:
        out[g]["total"] = sum(out[g][c] for c in REMEDY_CELLS if c != "total")
    return out


def add_tables(a: Mapping[str, Mapping[str, Any]], b: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Cell-by-cell sum of two tables with the same codes (a roll-up step)."""
    return {row: {col: a[row][col] + b[row][col] for col in a[row]} for row in a}


# ----- counting rules (table 3) ---------------------------------------------------------------

@dataclass(frozen=True)
class CaseFacts:
    """What the counting rules need of one case."""

    applicant_kind: str
    received: dt.date                  # the original receipt date (before any correction)
    closed_on: dt.date | None = None   # the date of the closing reply; None while open
    report_row: str | None = None      # table-3 row of the outcome, when closed


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def cells_of(case: CaseFacts, year: int) -> list[str]:
    """The table-3 rows one case counts in for `year` (in its applicant column)."""
    start, end = year_bounds(year)
    rows: list[str] = []
    if start <= case.received <= end:
        rows.append("new")
    if case.received < start and (case.closed_on is None or case.closed_on >= start):
        rows.append("carried_in")
    if case.closed_on is not None and start <= case.closed_on <= end:
        assert case.report_row in OUTCOME_ROWS, case.report_row
        rows.append(case.report_row)
    if case.received <= end and (case.closed_on is None or case.closed_on > end):
        rows.append("carried_out")
    return rows


def count_table3(cases: Iterable[CaseFacts], year: int) -> Table3:
    """Table 3 for `year` by the counting rules of annual-report-2021.md."""
    t = empty_table3()
    for case in cases:
        for row in cells_of(case, year):
            t[row][case.applicant_kind] += 1
    return with_totals(t)


@dataclass(frozen=True)
class RemedyRecord:
    """One `record_remedy` event of a case (table 4)."""

    case_key: Any
    kind: str
    result: str
    on: dt.date
    seq: int = 0


def count_table4(records: Iterable[RemedyRecord], year: int) -> Table4:
    """Table 4 for `year`: each (case, remedy kind) with a record dated in the year counts once,
    under the result of its latest record up to the year's end (尚未审结 if that is pending)."""
    start, end = year_bounds(year)
    latest: dict[tuple[Any, str], RemedyRecord] = {}
    active: set[tuple[Any, str]] = set()
    for r in records:
        if r.on > end:
            continue
        key = (r.case_key, r.kind)
        if r.on >= start:
            active.add(key)
        old = latest.get(key)
        if old is None or (r.on, r.seq) > (old.on, old.seq):
            latest[key] = r
    t = empty_table4()
    for key in active:
        r = latest[key]
        t[r.kind][r.result] += 1
    return table4_with_totals(t)


def recount_from_events(histories: Iterable[tuple[str, Sequence[Event]]], year: int) -> Table3:
    """The independent oracle: replay each (applicant_kind, history) with the case rules, count."""
    facts = []
    for kind, events in histories:
        case = replay(events)
        assert case.received is not None
        closed = case.replied_on if case.state == State.CLOSED else None
        facts.append(CaseFacts(kind, case.received, closed, case.report_row if closed else None))
    return count_table3(facts, year)


def remedies_from_events(histories: Iterable[tuple[Any, Sequence[Event]]]) -> list[RemedyRecord]:
    return [RemedyRecord(key, ev.data["kind"], ev.data["result"], ev.on, ev.seq or i)
            for key, events in histories for i, ev in enumerate(events, 1)
            if ev.kind == "record_remedy"]


# ----- the whole report ------------------------------------------------------------------------

@dataclass(frozen=True)
class AnnualReport:
    """One agency's (or a roll-up's) report for one year, every table in the official codes."""

    year: int
    agency: str                       # the agency's name, as printed
    agency_code: str = ""
    rollup: bool = False              # the sum over the agency and every body under it
    table2: Table2 = field(default_factory=empty_table2)
    table3: Table3 = field(default_factory=empty_table3)
    table4: Table4 = field(default_factory=empty_table4)
    fees_fen: Mapping[str, int] = field(default_factory=dict)        # fees collected, by kind
    # section 六: the fee notices issued in the year (收费通知书), their number and total amount
    fee_notices: int = 0
    fee_notices_fen: int = 0
    consultations: Mapping[str, int] = field(default_factory=dict)   # by channel
    legacy_items: Mapping[str, int] = field(default_factory=dict)    # older format, by category
    narrative: Mapping[str, str] = field(default_factory=dict)       # overview/problems/other
    locked: bool = False
    members: tuple[str, ...] = ()     # for a roll-up: the agency codes summed

    @property
    def fees_total_fen(self) -> int:
        return sum(self.fees_fen.values())

    def to_json(self) -> dict[str, Any]:
        """The JSON form of annual-report-2021.md (plus the registers, under their own keys)."""
        return {
            "year": self.year, "agency": self.agency, "agency_code": self.agency_code,
            "rollup": self.rollup, "locked": self.locked,
            "table2": {b: {c: (float(v) if isinstance(v, Decimal) else v) for c, v in cells.items()}
                       for b, cells in self.table2.items()},
            "table3": {r: dict(c) for r, c in self.table3.items()},
            "table4": {g: dict(c) for g, c in self.table4.items()},
            "fees_collected_yuan": {k: fen_to_yuan(v) for k, v in sorted(self.fees_fen.items())},
            "fee_notices": {"count": self.fee_notices, "total_yuan": fen_to_yuan(self.fee_notices_fen)},
            "consultations": dict(sorted(self.consultations.items())),
            "legacy_items": dict(sorted(self.legacy_items.items())),
            "narrative": {k: self.narrative[k] for k in NARRATIVE_SECTIONS if k in self.narrative},
            **({"members": list(self.members)} if self.rollup else {}),
        }


def fen_to_yuan(fen: int) -> str:
    """An amount in fen as yuan with two decimals (exact)."""
    return f"{Decimal(fen) / 100:.2f}"


def _add_maps(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return out


def roll_up(reports: Sequence[AnnualReport], *, year: int, agency: str, agency_code: str,
            narrative: Mapping[str, str] | None = None) -> AnnualReport:
    """A government's report: the sum over the bodies it covers, cell by cell."""
    if not reports:
        return AnnualReport(year, agency, agency_code, rollup=True, table3=with_totals(empty_table3()),
                            table4=table4_with_totals(empty_table4()), narrative=dict(narrative or {}))
    t2, t3, t4 = empty_table2(), empty_table3(), empty_table4()
    fees: dict[str, int] = {}
    cons: dict[str, int] = {}
    items: dict[str, int] = {}
    notices = sum(r.fee_notices for r in reports)
    notices_fen = sum(r.fee_notices_fen for r in reports)
    for r in reports:
        assert r.year == year
        t2, t3, t4 = add_tables(t2, r.table2), add_tables(t3, r.table3), add_tables(t4, r.table4)
        fees, cons, items = _add_maps(fees, r.fees_fen), _add_maps(cons, r.consultations), \
            _add_maps(items, r.legacy_items)
    return AnnualReport(year, agency, agency_code, rollup=True, table2=t2, table3=t3, table4=t4,
                        fees_fen=fees, fee_notices=notices, fee_notices_fen=notices_fen,
                        consultations=cons, legacy_items=items,
                        narrative=dict(narrative or {}),
                        locked=all(r.locked for r in reports),
                        members=tuple(r.agency_code for r in reports))


def with_carried_in(report: AnnualReport, carried_in: Mapping[str, int]) -> AnnualReport:
    """The report with carried_in taken from elsewhere (a locked previous year), totals redone."""
    t3 = {row: dict(cols) for row, cols in report.table3.items()}
    t3["carried_in"] = {col: carried_in[col] for col in APPLICANT_COLUMNS} | {"total": 0}
    return replace(report, table3=with_totals(t3))


def yuan_to_fen(text: Any, field_name: str = "amount") -> int:
    """An amount in yuan (at most two decimals, ≥ 0) as fen, exactly; InputError otherwise."""
    from ..errors import InputError

    try:
        d = Decimal(str(text).strip()) if not isinstance(text, (bool, float)) else Decimal(repr(text))
    except ArithmeticError:
        d = None
    if d is None or not d.is_finite() or d < 0 or d != d.quantize(Decimal("0.01")):
        raise InputError(field_name, "金额以元为单位，不小于0，至多两位小数", f"无效的金额“{text}”")
    return int(d * 100)


def from_json(obj: Mapping[str, Any]) -> AnnualReport:
    """A report back from its JSON form (as stored when a period is locked)."""
    t2 = empty_table2()
    for block, cells in obj["table2"].items():
        for cell, v in cells.items():
            t2[block][cell] = Decimal(str(v)) if cell == "amount_10k_yuan" else int(v)
    return AnnualReport(
        year=int(obj["year"]), agency=obj["agency"], agency_code=obj.get("agency_code", ""),
        rollup=bool(obj.get("rollup")), table2=t2,
        table3={r: {c: int(v) for c, v in cols.items()} for r, cols in obj["table3"].items()},
        table4={g: {c: int(v) for c, v in cells.items()} for g, cells in obj["table4"].items()},
        fees_fen={k: yuan_to_fen(v) for k, v in obj.get("fees_collected_yuan", {}).items()},
        fee_notices=int(obj.get("fee_notices", {}).get("count", 0)),
        fee_notices_fen=yuan_to_fen(obj.get("fee_notices", {}).get("total_yuan", "0")),
        consultations={k: int(v) for k, v in obj.get("consultations", {}).items()},
        legacy_items={k: int(v) for k, v in obj.get("legacy_items", {}).items()},
        narrative=dict(obj.get("narrative", {})), locked=bool(obj.get("locked")),
        members=tuple(obj.get("members", ())))
