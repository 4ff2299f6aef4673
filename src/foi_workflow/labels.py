"""Chinese labels shown to staff: one place for every user-facing name of a date, rule or state."""

from __future__ import annotations

import datetime as dt

DATE_LABELS = {
    "reply_due": "答复期限",
    "correction_notice_due": "补正告知期限",
    "correction_window_end": "补正期限届满日",
    "third_party_answer_due": "第三方答复期限",
    "other_agency_answer_due": "其他机关答复期限",
    "fee_payment_due": "缴费期限",
    "review_window_end": "行政复议申请期限",
    "litigation_window_end": "行政诉讼起诉期限",
}

WEEKDAYS = "一二三四五六日"

METHOD_LABELS = {
    "working_days": "个工作日",
    "days": "日（自然日）",
    "months": "个月",
    "pending": "个工作日（暂停计算）",
}


def date_label(key: str) -> str:
    base, _, n = key.rpartition("_") if key.rsplit("_", 1)[-1].isdigit() else (key, "", "")
    return DATE_LABELS.get(base, base) + (f"（{n}）" if n else "")


def fmt_date(day: dt.date | None) -> str:
    if day is None:
        return "待定"
    return f"{day.isoformat()}（星期{WEEKDAYS[day.weekday()]}）"
