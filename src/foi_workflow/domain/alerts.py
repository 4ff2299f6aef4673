"""Deadline alerts: kinds, levels, urgency, Chinese reasons, thresholds, tracks and "since".

Pure: the rules of which stored date raises which alert on which day live here as data
(RULES); services/sweep.py and services/board.py turn them into set-wise SQL over the indexed
date columns of the cases table, and `classify()` is the same rule in Python (the tests hold
the SQL to it).

An alert is derived, never copied: it holds on a day when the case's stored date (and state)
put it at that level. What is stored is when it was *raised*: each case keeps, per kind, the
step from which its current date for that kind holds (its *track*, `track_since`), and the
sweep records which alerts became new since the last sweep (a date crossed a threshold, or a
step started a new track). An alert whose track ended (the case moved on) is cleared.

Thresholds are computed once per sweep from the calendar, so that SQL only compares dates:
`soon_until(calendar, today, n)` is the day D such that a reply due in (today, D] is due within
n working days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from ..labels import DATE_LABELS
from .calendar import WorkingCalendar
from .case import State


class Kind(StrEnum):
    REPLY = "reply"                          # 答复期限
    CORRECTION_NOTICE = "correction_notice"  # 补正告知期限（第7个工作日）
    CONSULTATION = "consultation"            # 第三方、其他机关答复期限
    CORRECTION_WINDOW = "correction_window"  # 补正期限届满：自动办结（视为放弃）
    FEE_WINDOW = "fee_window"                # 缴费期限届满：自动办结（视为放弃）
    DELIVERY = "delivery"                    # 期限届满但通知书未登记送达：先登记送达，不自动办结
    PROVISIONAL = "provisional"              # 期限为预估


class Level(StrEnum):
    OVERDUE = "overdue"  # the date has passed
    TODAY = "today"      # the date is today
    SOON = "soon"        # within the agency's N working days
    ENDED = "ended"      # a window ended and the automatic close did not go through
    INFO = "info"        # for information (provisional dates)


@dataclass(frozen=True)
class AlertRule:
    """One kind of alert: the stored date column it watches, in which case states, which levels.

    Levels by the date d of `column` (never NULL when an alert is raised):
    overdue: d < today; today: d = today; soon: today < d <= soon_until;
    ended: d < today (a window that ended); info: the case's `provisional` flag is set
    (the alert's date is then the reply_due, which may be unknown).
    """

    kind: Kind
    column: str
    states: tuple[State, ...]
    levels: tuple[Level, ...]


OPEN_STATES = (State.RECEIVED, State.AWAITING_CORRECTION, State.IN_PROCESS)

RULES: tuple[AlertRule, ...] = (
    AlertRule(Kind.REPLY, "reply_due", OPEN_STATES, (Level.OVERDUE, Level.TODAY, Level.SOON)),
    # Art 30: the correction notice within 7 working days; the case is neither accepted nor
    # sent a notice while it is still `received` (after a correction arrives the column is NULL).
    # A notice sent late keeps the lapse in view while the case awaits the correction: the
    # column is kept only for a late notice (services/cases.derived_columns).
    AlertRule(Kind.CORRECTION_NOTICE, "correction_notice_due", (State.RECEIVED, State.AWAITING_CORRECTION),
              (Level.OVERDUE, Level.TODAY)),
    AlertRule(Kind.CONSULTATION, "consultation_due", (State.IN_PROCESS,),
              (Level.OVERDUE, Level.TODAY)),
    AlertRule(Kind.CORRECTION_WINDOW, "correction_window_end", (State.AWAITING_CORRECTION,),
              (Level.ENDED,)),
    AlertRule(Kind.FEE_WINDOW, "fee_payment_due", (State.IN_PROCESS,), (Level.ENDED,)),
    # ogi-rules.md "Delivery": the correction or fee window, counted from the sending date because
    # the notice's receipt is not recorded, has run: the case is not closed; record the delivery.
    AlertRule(Kind.DELIVERY, "delivery_unrecorded", (State.AWAITING_CORRECTION, State.IN_PROCESS),
              (Level.ENDED,)),
    AlertRule(Kind.PROVISIONAL, "reply_due", OPEN_STATES, (Level.INFO,)),
)
RULE_BY_KIND = MappingProxyType({r.kind: r for r in RULES})

# The windows whose end closes the case as abandoned, with the move that does it (domain/case.py).
AUTO_CLOSE_MOVES = MappingProxyType({Kind.CORRECTION_WINDOW: "correction_lapsed",
                                     Kind.FEE_WINDOW: "fee_lapsed"})

# Most urgent first: the board, the digest and the artifact sort by this.
URGENCY: tuple[tuple[Kind, Level], ...] = (
    (Kind.REPLY, Level.OVERDUE),
    (Kind.CORRECTION_NOTICE, Level.OVERDUE),
    (Kind.CORRECTION_WINDOW, Level.ENDED),
    (Kind.FEE_WINDOW, Level.ENDED),
    (Kind.DELIVERY, Level.ENDED),
    (Kind.REPLY, Level.TODAY),
    (Kind.CORRECTION_NOTICE, Level.TODAY),
    (Kind.CONSULTATION, Level.OVERDUE),
    (Kind.CONSULTATION, Level.TODAY),
    (Kind.REPLY, Level.SOON),
    (Kind.PROVISIONAL, Level.INFO),
)
URGENCY_RANK = MappingProxyType({kl: i for i, kl in enumerate(URGENCY)})

KIND_LABELS = MappingProxyType({
    Kind.REPLY: DATE_LABELS["reply_due"],
    Kind.CORRECTION_NOTICE: DATE_LABELS["correction_notice_due"],
    Kind.CONSULTATION: "征求意见答复期限",
    Kind.CORRECTION_WINDOW: DATE_LABELS["correction_window_end"],
    Kind.FEE_WINDOW: DATE_LABELS["fee_payment_due"],
    Kind.DELIVERY: "送达未登记",
    Kind.PROVISIONAL: "预估期限",
})
LEVEL_LABELS = MappingProxyType({
    Level.OVERDUE: "已逾期", Level.TODAY: "今日到期", Level.SOON: "即将到期",
    Level.ENDED: "期限届满", Level.INFO: "提示",
})
SOON_DAYS_MARK = "{n}"
_REASONS = {
    (Kind.REPLY, Level.OVERDUE): "答复期限已过，尚未答复（第三十三条）",
    (Kind.REPLY, Level.TODAY): "今日为答复期限最后一日（第三十三条）",
    (Kind.REPLY, Level.SOON): "答复期限将在{n}个工作日内届满（第三十三条）",
    (Kind.CORRECTION_NOTICE, Level.OVERDUE):
        "收到申请已超过7个工作日，未按期告知补正或审查通过（第三十条；逾期告知补正的仍为逾期）",
    (Kind.CORRECTION_NOTICE, Level.TODAY): "今日为告知补正的最后一日（第三十条：收到申请之日起7个工作日内）",
    (Kind.CONSULTATION, Level.OVERDUE):
        "征求意见答复期限已过，尚未登记答复（第三十二条、第三十四条；逾期未答复的由本机关依法决定）",
    (Kind.CONSULTATION, Level.TODAY): "今日为第三方或其他机关答复期限（第三十二条、第三十四条）",
    (Kind.CORRECTION_WINDOW, Level.ENDED):
        "补正期限已届满，未能自动按“逾期未补正”办结（视为放弃申请），请人工处理（第三十条）",
    (Kind.FEE_WINDOW, Level.ENDED):
        "缴费期限已届满，未能自动按“逾期未缴费”办结（视为放弃申请），请人工处理",
    (Kind.DELIVERY, Level.ENDED):
        "补正告知书或收费通知书未登记送达，按发出日推算的期限已届满：未登记送达的不能视为放弃申请，"
        "请登记送达（送达回证、邮件查询记录或系统送达记录）",
    (Kind.PROVISIONAL, Level.INFO): "期限按预估日历计算（该年度放假安排尚未公布），公布后将重新计算",
}


def reason(kind: Kind | str, level: Level | str, soon_days: int) -> str:
    """The Chinese reason shown with an alert (soon_days: the agency's N for `soon`)."""
    return _REASONS[(Kind(kind), Level(level))].replace(SOON_DAYS_MARK, str(soon_days))


def rank(kind: Kind | str, level: Level | str) -> int:
    return URGENCY_RANK[(Kind(kind), Level(level))]


# ----- thresholds ------------------------------------------------------------------------------

def soon_until(calendar: WorkingCalendar, today: dt.date, n: int) -> dt.date:
    """The last day D of "due within n working days": a reply due in (today, D] is due soon.

    D is the n-th working day after today (today not counted, as everywhere in clock.md), so on
    a Friday with n = 3 the window runs over the weekend into Wednesday, and around a holiday it
    stretches past the days off.
    """
    return dt.date.fromordinal(calendar.nth_working_day_after(today.toordinal(), n))


def is_sweep_day(calendar: WorkingCalendar, today: dt.date) -> bool:
    """The scheduled sweep runs on working days only (make-up Saturdays included)."""
    return calendar.is_working_day(today)


@dataclass(frozen=True)
class CaseDates:
    """The stored columns of one case that the alert rules read."""

    state: str
    reply_due: dt.date | None = None
    correction_notice_due: dt.date | None = None
    consultation_due: dt.date | None = None
    correction_window_end: dt.date | None = None
    fee_payment_due: dt.date | None = None
    provisional: bool = False
    delivery_unrecorded: dt.date | None = None  # a window's end on the sending date, receipt not recorded


def classify(case: CaseDates, today: dt.date, soon: dt.date) -> list[tuple[Kind, Level, dt.date | None]]:
    """The alerts that hold for a case on `today` (soon = soon_until(...) for its agency).

    The rules as Python, for tests and single cases; the sweep evaluates the same rules in SQL.
    Automatic closes are not attempted here: a window that ended shows as `ended`.
    """
    out: list[tuple[Kind, Level, dt.date | None]] = []
    for rule in RULES:
        if case.state not in rule.states:
            continue
        d = getattr(case, rule.column)
        if rule.kind == Kind.PROVISIONAL:
            if case.provisional:
                out.append((rule.kind, Level.INFO, d))
            continue
        if d is None:
            continue
        level = level_for(d, today, soon, rule.levels)
        if level is not None:
            out.append((rule.kind, level, d))
    return sorted(out, key=lambda a: rank(a[0], a[1]))


def level_for(d: dt.date, today: dt.date, soon: dt.date, levels: tuple[Level, ...]) -> Level | None:
    if d < today:
        if Level.OVERDUE in levels:
            return Level.OVERDUE
        if Level.ENDED in levels:
            return Level.ENDED
        return None
    if d == today:
        return Level.TODAY if Level.TODAY in levels else None
    if d <= soon and Level.SOON in levels:
        return Level.SOON
    return None


# ----- tracks: the step from which an alert's date holds ------------------------------------------

def track_key(rule: AlertRule, case: CaseDates) -> tuple | None:
    """What an alert of this rule rests on, or None when the case cannot have one: a state the
    rule watches and the date it watches (provisional: the flag and the reply date)."""
    if case.state not in rule.states:
        return None
    d = getattr(case, rule.column)
    if rule.kind == Kind.PROVISIONAL:
        return ("provisional", d) if case.provisional else None
    return None if d is None else (d,)


def track_since(before: CaseDates | None, after: CaseDates, since: dict[str, int] | None,
                step: int) -> dict[str, int]:
    """The per-kind track marks after a step: kind -> the id of the step from which the kind's
    current key holds, for every kind the case can have an alert of. Unchanged keys keep their
    mark, changed (or new) ones take `step` (step ids only grow)."""
    since = since or {}
    out: dict[str, int] = {}
    for rule in RULES:
        key = track_key(rule, after)
        if key is None:
            continue
        kept = before is not None and key == track_key(rule, before) and rule.kind.value in since
        out[rule.kind.value] = since[rule.kind.value] if kept else step
    return out


def level_since(calendar: WorkingCalendar, kind: Kind | str, level: Level | str, due: dt.date | None,
                n: int) -> dt.date | None:
    """The first day on which a date `due` puts an alert at `level` (None: not by date, e.g. the
    provisional flag): the day after for overdue and ended, the day itself for today, and for
    soon the working day with n working days up to the date."""
    level = Level(level)
    if due is None or level == Level.INFO:
        return None
    if level in (Level.OVERDUE, Level.ENDED):
        return due + dt.timedelta(days=1)
    if level == Level.TODAY:
        return due
    return dt.date.fromordinal(calendar.working_day_before(due.toordinal(), n))
