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


# ----- case-store labels (the CLI's `foi agency`, `foi staff` and `foi case`) ---------------------
# The rules' own names (states, moves, roles, channels, outcomes, applicant categories, agency
# kinds) are defined beside the rules; these functions are the one place the CLI looks them up.

PROVISIONAL_MARK = "（预估）"
OVERDUE_MARK = "（已逾期）"

AGENCY_SETTING_LABELS = {
    "correction_period_working_days": "补正期限（工作日）",
    "weekend_online_receipt_next_working_day": "非工作日网上提交视为下一工作日收到",
    "exclude_fee_time": "收费通知至缴费期间不计入答复期限",
    "alert_working_days": "答复期限到期提醒提前量（工作日）",
}
from .domain.settings import SETTING_LABELS as _CONTACT_LABELS  # noqa: E402

AGENCY_SETTING_LABELS.update(_CONTACT_LABELS)  # the contact block and payment details

CASE_FIELD_LABELS = {
    "case_no": "案件编号",
    "state": "状态",
    "agency": "机关",
    "handler": "承办人",
    "channel": "收件渠道",
    "received": "收到申请",
    "subject": "申请内容",
    "applicant": "申请人",
    "id_number": "证件号码",
    "contact": "联系方式",
    "outcome": "处理结果",
    "report_row": "年度报告表三",
    "reply_due": "答复期限",
    "history": "办理记录",
    "seq": "序号",
    "on": "日期",
    "move": "事项",
    "actor": "办理人",
    "basis": "依据",
    "recorded_at": "登记时间",
    "code": "代码",
    "name": "名称",
    "kind": "类别",
    "role": "角色",
    "active": "在职",
    "settings": "设置",
}

# Table 3 of the annual report (annual-report-2021.md): the row each outcome is counted in.
# Table-3 row labels are the official ones, kept with the outcomes.
from .domain.outcomes import REPORT_ROW_LABELS  # noqa: E402

REPEATED_REQUEST = "该请求编号已办理过，本次未重复记录（显示首次办理的结果）"


def state_label(state: str) -> str:
    from .domain.case import STATE_LABELS, State

    return STATE_LABELS[State(state)] if state in {s.value for s in State} else state


def move_label(kind: str) -> str:
    from .domain.case import MOVE_LABELS

    return MOVE_LABELS.get(kind, kind)


def role_label(role: str) -> str:
    from .domain.case import ROLE_LABELS, Role

    return ROLE_LABELS[Role(role)] if role in {r.value for r in Role} else role


def channel_label(channel: str) -> str:
    from .domain.case import CHANNELS

    return CHANNELS.get(channel, channel)


def outcome_label(outcome: str | None) -> str:
    from .domain.outcomes import OUTCOMES

    if not outcome:
        return ""
    return OUTCOMES[outcome].label if outcome in OUTCOMES else outcome


def report_row_label(row: str | None) -> str:
    return REPORT_ROW_LABELS.get(row, row) if row else ""


def applicant_kind_label(kind: str) -> str:
    from .domain.applicants import KINDS

    return KINDS.get(kind, kind)


def id_type_label(id_type: str) -> str:
    from .domain.applicants import ID_TYPES

    return ID_TYPES.get(id_type, id_type)


def agency_kind_label(kind: str) -> str:
    from .services.directory import AGENCY_KINDS

    return AGENCY_KINDS.get(kind, kind)


def due_text(day: dt.date | None, provisional: bool, overdue: bool = False) -> str:
    """A due date as listed: the date, then the 预估 mark and the overdue mark if they apply."""
    return (fmt_date(day) + (PROVISIONAL_MARK if provisional and day else "")
            + (OVERDUE_MARK if overdue else ""))
