"""The checks of annual-report-2021.md on a report in its JSON codes: each failure names the cell,
the rule and the numbers, in Chinese.

Run on every generated report and on any report given as JSON (`foi stats check FILE`). A file
may hold one report or a list of them; reports of the same agency in consecutive years are also
checked for carried_in = last year's carried_out. Reports of the older (2008) format
(`"format": "legacy-2008"`) go to legacy.check_legacy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

from .layout import (APPLICANT_COLUMNS, COLUMN_LABELS, COLUMNS, OUTCOME_ROWS, REMEDY_CELL_LABELS,
                     REMEDY_CELLS, REMEDY_GROUP_LABELS, REMEDY_GROUPS, ROW_LABELS, ROWS, TABLE2,
                     TABLE2_CELL_LABELS)

RULE_PRESENT = "年度报告每个单元格均须按规定代码列出"
RULE_INTEGER = "每个单元格为不小于0的整数"
RULE_AMOUNT = "收费金额为不小于0的数（单位：万元，可有小数）"
RULE_TOTAL_COLUMN = "总计 = 六类申请人之和（每行）"
RULE_RESULTS_TOTAL = "三、（七）总计 = 各项办理结果之和（每列）"
RULE_BALANCE = "勾稽关系：本年新收 + 上年结转 = 办理结果总计 + 结转下年度（每列）"
RULE_CARRY = "本年“上年结转” = 上年“结转下年度继续办理”（每列）"
RULE_TABLE4_TOTAL = "表四：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结"
RULE_ROLLUP = "汇总：本级政府的数字 = 所辖各机关之和（逐格）"
RULE_UNKNOWN = "只使用 annual-report-2021.md 规定的代码"
RULE_YEAR = "报告须写明年度（四位整数）"
TABLE_NAMES = {"table2": "表二", "table3": "表三", "table4": "表四"}


@dataclass(frozen=True)
class CheckFailure:
    """One failed check: the cell (in the JSON codes), the rule, the numbers, a Chinese message."""

    cell: str
    rule: str
    numbers: Mapping[str, Any] = field(default_factory=dict)
    message: str = ""
    report: str = ""   # which report of a file ("agency year"), when a file holds several

    def as_dict(self) -> dict[str, Any]:
        return {"report": self.report, "cell": self.cell, "rule": self.rule,
                "numbers": {k: _plain(v) for k, v in self.numbers.items()}, "message": self.message}

    def text(self) -> str:
        where = f"{self.report}：" if self.report else ""
        nums = "，".join(f"{k}={_plain(v)}" for k, v in self.numbers.items())
        return f"{where}{self.cell}：{self.message}（规则：{self.rule}；数字：{nums}）"


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() and v.as_tuple().exponent >= 0 else str(v)
    return v


def _is_count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def cell_name(row: str, col: str) -> str:
    return f"table3.{row}.{col}"


def _table(report: Mapping[str, Any], key: str, out: list[CheckFailure]) -> Mapping[str, Any] | None:
    t = report.get(key)
    if not isinstance(t, Mapping):
        out.append(CheckFailure(key, RULE_PRESENT, {}, f"缺少{TABLE_NAMES[key]}"))
        return None
    return t


def _grid(t: Mapping[str, Any], name: str, rows: Sequence[str], cols: Sequence[str],
          out: list[CheckFailure], label) -> dict[str, dict[str, int]]:
    """The table's valid cells (a count each); missing, unknown and bad cells are reported and
    left out, so that the sums are checked wherever all their cells are valid."""
    for row in t:
        if row not in rows:
            out.append(CheckFailure(f"{name}.{row}", RULE_UNKNOWN, {}, f"未知的行代码“{row}”"))
    grid: dict[str, dict[str, int]] = {}
    for row in rows:
        cells = t.get(row)
        if not isinstance(cells, Mapping):
            out.append(CheckFailure(f"{name}.{row}", RULE_PRESENT, {}, f"缺少{label(row, None)}"))
            grid[row] = {}
            continue
        for col in cells:
            if col not in cols:
                out.append(CheckFailure(f"{name}.{row}.{col}", RULE_UNKNOWN, {}, f"未知的列代码“{col}”"))
        grid[row] = {}
        for col in cols:
            if col not in cells:
                out.append(CheckFailure(f"{name}.{row}.{col}", RULE_PRESENT, {}, f"缺少{label(row, col)}"))
            elif not _is_count(cells[col]):
                out.append(CheckFailure(f"{name}.{row}.{col}", RULE_INTEGER, {"值": cells[col]},
                                        f"{label(row, col)}不是不小于0的整数"))
            else:
                grid[row][col] = cells[col]
    return grid


def _t3_label(row: str, col: str | None) -> str:
    return f"表三“{ROW_LABELS.get(row, row)}”行" + (f"“{COLUMN_LABELS.get(col, col)}”列" if col else "")


def _t4_label(group: str, cell: str | None) -> str:
    return f"表四“{REMEDY_GROUP_LABELS.get(group, group)}”" + (f"“{REMEDY_CELL_LABELS.get(cell, cell)}”" if cell else "")


def _all(grid: Mapping[str, Mapping[str, int]], cells: Iterable[tuple[str, str]]) -> bool:
    return all(col in grid.get(row, {}) for row, col in cells)


def check_table3(t: Mapping[str, Any], out: list[CheckFailure]) -> dict[str, dict[str, int]]:
    grid = _grid(t, "table3", ROWS, COLUMNS, out, _t3_label)
    for row in ROWS:
        if not _all(grid, [(row, c) for c in COLUMNS]):
            continue
        parts = sum(grid[row][c] for c in APPLICANT_COLUMNS)
        if parts != grid[row]["total"]:
            out.append(CheckFailure(cell_name(row, "total"), RULE_TOTAL_COLUMN,
                                    {"总计": grid[row]["total"], "六类之和": parts},
                                    f"{_t3_label(row, 'total')}为 {grid[row]['total']}，六类申请人之和为 {parts}"))
    for col in COLUMNS:
        if not _all(grid, [(row, col) for row in (*OUTCOME_ROWS, "results_total")]):
            continue
        parts = sum(grid[row][col] for row in OUTCOME_ROWS)
        if parts != grid["results_total"][col]:
            out.append(CheckFailure(cell_name("results_total", col), RULE_RESULTS_TOTAL,
                                    {"总计": grid["results_total"][col], "各项之和": parts},
                                    f"{_t3_label('results_total', col)}为 {grid['results_total'][col]}，"
                                    f"各项办理结果之和为 {parts}"))
    for col in COLUMNS:
        if not _all(grid, [(r, col) for r in ("new", "carried_in", "results_total", "carried_out")]):
            continue
        g = {r: grid[r][col] for r in ("new", "carried_in", "results_total", "carried_out")}
        left, right = g["new"] + g["carried_in"], g["results_total"] + g["carried_out"]
        if left != right:
            out.append(CheckFailure(
                f"table3.*.{col}", RULE_BALANCE,
                {"本年新收": g["new"], "上年结转": g["carried_in"], "办理结果总计": g["results_total"],
                 "结转下年度": g["carried_out"]},
                f"“{COLUMN_LABELS[col]}”列：新收 {g['new']} + 上年结转 {g['carried_in']} = {left}，"
                f"而办理结果总计 {g['results_total']} + 结转下年度 {g['carried_out']} = {right}"))
    return grid


def check_table4(t: Mapping[str, Any], out: list[CheckFailure]) -> None:
    grid = _grid(t, "table4", REMEDY_GROUPS, REMEDY_CELLS, out, _t4_label)
    for g in REMEDY_GROUPS:
        if not _all(grid, [(g, c) for c in REMEDY_CELLS]):
            continue
        parts = sum(grid[g][c] for c in REMEDY_CELLS if c != "total")
        if parts != grid[g]["total"]:
            out.append(CheckFailure(f"table4.{g}.total", RULE_TABLE4_TOTAL,
                                    {"总计": grid[g]["total"], "四项之和": parts},
                                    f"{_t4_label(g, 'total')}为 {grid[g]['total']}，其余四项之和为 {parts}"))


def check_table2(t: Mapping[str, Any], out: list[CheckFailure]) -> None:
    for block in t:
        if block not in TABLE2:
            out.append(CheckFailure(f"table2.{block}", RULE_UNKNOWN, {}, f"未知的代码“{block}”"))
    for block, (_p, item, cells) in TABLE2.items():
        given = t.get(block)
        if not isinstance(given, Mapping):
            out.append(CheckFailure(f"table2.{block}", RULE_PRESENT, {}, f"缺少表二“{item}”"))
            continue
        for cell in cells:
            name = f"table2.{block}.{cell}"
            label = f"表二“{item}”“{TABLE2_CELL_LABELS[cell]}”"
            if cell not in given:
                out.append(CheckFailure(name, RULE_PRESENT, {}, f"缺少{label}"))
                continue
            v = given[cell]
            if cell == "amount_10k_yuan":
                if isinstance(v, bool) or not isinstance(v, (int, float, Decimal)) or v < 0:
                    out.append(CheckFailure(name, RULE_AMOUNT, {"值": v}, f"{label}不是不小于0的数"))
            elif not _is_count(v):
                out.append(CheckFailure(name, RULE_INTEGER, {"值": v}, f"{label}不是不小于0的整数"))


def report_name(report: Mapping[str, Any]) -> str:
    return f"{report.get('agency', '')} {report.get('year', '')}年".strip()


def check_report(report: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> list[CheckFailure]:
    """Every check of annual-report-2021.md on one report (2021 format, JSON codes).

    `previous`: last year's report of the same agency, for carried_in = last carried_out."""
    if report.get("format") == "legacy-2008":
        from .legacy import check_legacy

        return check_legacy(report)
    out: list[CheckFailure] = []
    year = report.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1000 <= year <= 9999:
        out.append(CheckFailure("year", RULE_YEAR, {"值": year}, "年度缺失或无效"))
    t2 = _table(report, "table2", out)
    if t2 is not None:
        check_table2(t2, out)
    t3 = _table(report, "table3", out)
    if t3 is not None:
        check_table3(t3, out)
    t4 = _table(report, "table4", out)
    if t4 is not None:
        check_table4(t4, out)
    if t3 is not None and previous is not None:
        out.extend(check_carry(previous, report))
    name = report_name(report)
    return [CheckFailure(f.cell, f.rule, f.numbers, f.message, f.report or name) for f in out]


def check_carry(previous: Mapping[str, Any], report: Mapping[str, Any]) -> list[CheckFailure]:
    """This year's carried_in = last year's carried_out, column by column."""
    out = []
    try:
        last = previous["table3"]["carried_out"]
        this = report["table3"]["carried_in"]
    except (KeyError, TypeError):
        return [CheckFailure("table3.carried_in", RULE_CARRY, {}, "缺少上年或本年的结转数")]
    for col in COLUMNS:
        if last.get(col) != this.get(col):
            out.append(CheckFailure(cell_name("carried_in", col), RULE_CARRY,
                                    {"本年上年结转": this.get(col), "上年结转下年度": last.get(col)},
                                    f"{_t3_label('carried_in', col)}为 {this.get(col)}，"
                                    f"{previous.get('year', '上')}年结转下年度为 {last.get(col)}"))
    return out


def check_rollup(total: Mapping[str, Any], parts: Sequence[Mapping[str, Any]]) -> list[CheckFailure]:
    """A government's roll-up equals the sum of the bodies it covers, cell by cell."""
    out = []
    for key in ("table2", "table3", "table4"):
        for row, cols in total[key].items():
            for col, v in cols.items():
                s = sum(p[key][row][col] for p in parts)
                if s != v:
                    out.append(CheckFailure(f"{key}.{row}.{col}", RULE_ROLLUP, {"汇总": v, "各机关之和": s},
                                            f"汇总数 {v} 不等于所辖各机关之和 {s}", report_name(total)))
    return out


def check_many(reports: Iterable[Mapping[str, Any]]) -> list[CheckFailure]:
    """Each report's checks, and carried_in = carried_out between consecutive years of one agency."""
    reports = list(reports)
    out: list[CheckFailure] = []
    by_key = {(r.get("agency_code") or r.get("agency"), r.get("year")): r for r in reports
              if isinstance(r, Mapping)}
    for i, r in enumerate(reports):
        if not isinstance(r, Mapping):
            out.append(CheckFailure(f"[{i}]", RULE_PRESENT, {}, "该项不是一份报告（JSON 对象）"))
            continue
        year = r.get("year")
        prev = by_key.get((r.get("agency_code") or r.get("agency"), year - 1)) \
            if isinstance(year, int) and r.get("format") != "legacy-2008" else None
        out.extend(check_report(r, prev if prev and prev.get("format") != "legacy-2008" else None))
    return out
