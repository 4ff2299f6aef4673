"""Parsing dates and intervals typed by staff, with errors that name the field."""

from __future__ import annotations

import datetime as dt

from .errors import InputError

DATE_FORMAT_RULE = "日期格式为 YYYY-MM-DD（如 2026-09-25）"


def parse_date(value: object, field: str) -> dt.date:
    """Parse an ISO date (YYYY-MM-DD); a date passes through unchanged."""
    if isinstance(value, dt.datetime):
        raise InputError(field, DATE_FORMAT_RULE, f"应为日期而非时间：{value!r}")
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise InputError(field, DATE_FORMAT_RULE, f"无法识别的日期：{value!r}")
    text = value.strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(field, DATE_FORMAT_RULE, f"无法识别的日期“{value}”") from None


def parse_interval(value: object, field: str) -> tuple[dt.date, dt.date]:
    """Parse an excluded interval given as "S:E" or as a pair [S, E]; E must not precede S."""
    if isinstance(value, str):
        parts = value.split(":")
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        parts = []
    if len(parts) != 2:
        raise InputError(field, "排除期间写作 开始日:结束日（如 2026-09-29:2026-10-09）",
                         f"无法识别的期间：{value!r}")
    start = parse_date(parts[0], field)
    end = parse_date(parts[1], field)
    if end < start:
        raise InputError(field, "排除期间的结束日不得早于开始日",
                         f"结束日 {end.isoformat()} 早于开始日 {start.isoformat()}")
    return start, end
