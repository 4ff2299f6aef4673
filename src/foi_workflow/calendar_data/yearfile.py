"""The year file an administrator loads (`foi calendar load FILE`): format and validation.

    # 国务院办公厅关于2027年部分节假日安排的通知
    year = 2027
    reference = "国办发明电〔2026〕N号"
    days_off = ["2027-01-01", "2027-02-05..2027-02-13"]     # single days or first..last
    make_up_workdays = ["2027-02-14"]
    # only to change a year that is already official:
    # replaces_official = true
    # reason = "国务院办公厅更正通知"

TOML (.toml) or JSON (.json) with the same keys. Nothing else is accepted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..domain.calendar import FIRST_YEAR, LAST_YEAR, YearArrangement
from ..domain.errors import InputError
from ..domain.parsing import parse_date

FORMAT_RULE = "年度节假日安排文件格式（见 docs/calendar.md）"
KEYS = {"year", "reference", "days_off", "make_up_workdays", "replaces_official", "reason"}


@dataclass(frozen=True)
class YearFile:
    arrangement: YearArrangement
    replaces_official: bool
    reason: str
    sha256: str


def _days(value: object, field: str) -> list[dt.date]:
    if not isinstance(value, list):
        raise InputError(field, FORMAT_RULE, "应为日期列表")
    out: list[dt.date] = []
    for item in value:
        if isinstance(item, str) and ".." in item:
            first_s, last_s = item.split("..", 1)
            first, last = parse_date(first_s, field), parse_date(last_s, field)
            if last < first:
                raise InputError(field, "日期区间写作 起始日..结束日，结束日不得早于起始日",
                                 f"区间“{item}”的结束日早于起始日")
            out.extend(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
        else:
            out.append(parse_date(item, field))
    return out


def parse_year_file(path: Path) -> YearFile:
    """Read and check a year file; raises InputError naming the field and the rule."""
    try:
        data_bytes = path.read_bytes()
    except OSError as exc:
        raise InputError("FILE", FORMAT_RULE, f"无法读取文件 {path}：{exc.strerror}") from None
    try:
        text = data_bytes.decode("utf-8")
        raw = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError("FILE", FORMAT_RULE, f"文件无法解析：{exc}") from None
    if not isinstance(raw, dict):
        raise InputError("FILE", FORMAT_RULE, "文件内容应为键值表")
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise InputError(unknown[0], FORMAT_RULE, f"未知的字段“{unknown[0]}”，可用字段：" + "、".join(sorted(KEYS)))
    year = raw.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError("year", f"年度须为 {FIRST_YEAR}–{LAST_YEAR} 之间的整数", f"无效的年度：{year!r}")
    reference = raw.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        raise InputError("reference", "须写明所依据的通知（文号或标题）", "缺少 reference")
    days_off = _days(raw.get("days_off", []), "days_off")
    make_up = _days(raw.get("make_up_workdays", []), "make_up_workdays")
    replaces = raw.get("replaces_official", False)
    if not isinstance(replaces, bool):
        raise InputError("replaces_official", FORMAT_RULE, "应为 true 或 false")
    reason = raw.get("reason", "")
    if not isinstance(reason, str):
        raise InputError("reason", FORMAT_RULE, "应为文字")
    if replaces and not reason.strip():
        raise InputError("reason", "修改已公布的官方年度须写明理由", "replaces_official = true 但缺少 reason")
    arrangement = YearArrangement(
        year=year,
        days_off={d: "放假" for d in days_off},
        make_up_workdays=frozenset(make_up),
        reference=reference.strip(),
        official=True,
        source=f"管理员载入：{path.name}",
    )
    arrangement.validate()
    return YearFile(arrangement, replaces, reason.strip(), hashlib.sha256(data_bytes).hexdigest())
