"""Case rules: the moves of ogi-rules.md as a state machine over an append-only event history.

decide(case, command) checks a move against the rules and returns the event to append (or
raises RuleViolation naming the rule); apply(case, event) folds an event into the derived case
without checking; replay(events) rebuilds a case from its history. Pure: no I/O, no ORM.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from .calendar import WorkingCalendar
from .clock import ClockEvents, Consultation, Schedule, compute_schedule
from .errors import FoiError
from .identity import ROLE_LABELS, Role, roles_text
from .parsing import parse_date
from .outcomes import OUTCOMES
from .rulepacks import pack_for
from .settings import DEFAULT_SETTINGS, AgencySettings


class RuleViolation(FoiError):
    """A move the rules do not allow in the case's present state; nothing was recorded."""


class State(StrEnum):
    RECEIVED = "received"                        # 已登记，待审查
    AWAITING_CORRECTION = "awaiting_correction"  # 已告知补正，待申请人补正
    IN_PROCESS = "in_process"                    # 审查通过，办理中
    CLOSED = "closed"                            # 已办结


CHANNELS = MappingProxyType({
    "in_person": "当面提交", "post": "邮寄（签收）", "letter": "平信（需确认）",
    "online": "网络提交", "fax": "传真",
})
GROUNDS = ("state_secret", "prohibited_by_law", "security_stability", "third_party_rights",
           "internal_affairs", "process_info", "enforcement_file")
ANSWERS = ("consent", "objection", "none")
REMEDY_KINDS = ("review", "litigation_direct", "litigation_after_review")
REMEDY_RESULTS = ("upheld", "corrected", "other", "pending")
# Outcomes a reply may not choose directly: each has its own move.
OWN_MOVE_OUTCOMES = {"other.no_correction": "correction_lapsed", "other.fee_unpaid": "fee_lapsed",
                     "other.withdrawn": "withdraw"}
NEEDS_SIGN_OFF = {"disclosed", "partial"} | {f"withheld.{g}" for g in GROUNDS}


@dataclass(frozen=True)
class Command:
    """A move asked for by a member of staff: kind, the legal date it happened, and its data.

    `roles`: the roles the acting person holds in the case's agency (one Role or several).
    """

    kind: str
    on: dt.date
    actor: str
    roles: frozenset[Role]
    data: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.roles, Role):
            object.__setattr__(self, "roles", frozenset((self.roles,)))
        else:
            object.__setattr__(self, "roles", frozenset(self.roles))


@dataclass(frozen=True)
class Event:
    """An accepted move, as appended to the case's history (seq is given by the store)."""

    kind: str
    on: dt.date
    actor: str
    data: Mapping[str, Any]
    basis: str
    seq: int = 0


@dataclass(frozen=True)
class ConsultationRecord:
    kind: str
    party: str
    sent: dt.date
    delivered: dt.date | None = None
    answered: dt.date | None = None
    answer: str | None = None


@dataclass(frozen=True)
class Case:
    """The derived state of a case: everything the rules need, rebuilt from the history."""

    state: State = State.RECEIVED
    received: dt.date | None = None
    channel: str = ""
    handler: str = ""
    acknowledged: bool = False
    correction_notice_sent: dt.date | None = None
    correction_notice_delivered: dt.date | None = None
    correction_received: dt.date | None = None
    consultations: tuple[ConsultationRecord, ...] = ()
    public_interest_override: bool = False
    signed_off_by: str = ""
    sign_off_decision: str = ""
    sign_off_ground: str = ""
    fee_method: str = ""
    fee_amount: int = 0
    fee_notice_sent: dt.date | None = None
    fee_notice_delivered: dt.date | None = None
    fee_paid: dt.date | None = None
    extension_days: int = 0
    extension_approved: dt.date | None = None
    art35_due: dt.date | None = None
    outcome: str = ""
    replied_on: dt.date | None = None
    reply_delivered: dt.date | None = None
    right_agency: str = ""
    remedies: tuple[tuple[str, str], ...] = ()
    # who handled the case (registered it or made a handling move): never its confidentiality
    # reviewer, whatever roles they hold (the four-eyes rule is by person)
    handled_by: tuple[str, ...] = ()
    last_on: dt.date | None = None  # the legal date of the latest step made by a person
    events: int = 0

    def clock_events(self) -> ClockEvents:
        assert self.received is not None
        return ClockEvents(
            received=self.received, channel=self.channel,
            correction_notice_sent=self.correction_notice_sent,
            correction_notice_delivered=self.correction_notice_delivered,
            correction_received=self.correction_received,
            consultations=tuple(Consultation(c.kind, c.sent, c.delivered, c.answered, c.party)
                                for c in self.consultations),
            fee_notice_sent=self.fee_notice_sent, fee_notice_delivered=self.fee_notice_delivered,
            fee_paid=self.fee_paid, extension_days=self.extension_days,
            extension_approved=self.extension_approved, reply_delivered=self.reply_delivered,
            longer_deadline=self.art35_due,
        )

    def schedule(self, calendar: WorkingCalendar,
                 settings: AgencySettings = DEFAULT_SETTINGS) -> Schedule:
        return compute_schedule(self.clock_events(), calendar, settings)

    @property
    def pending_consultations(self) -> tuple[ConsultationRecord, ...]:
        return tuple(c for c in self.consultations if c.answered is None)

    @property
    def report_row(self) -> str | None:
        return OUTCOMES[self.outcome].report_row if self.outcome else None


# ----- applying events (no checks: the history is the truth) ---------------------------------

def _d(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


# Moves that handle the case: whoever made one may not sign off its confidentiality check.
HANDLING_MOVES = frozenset({"register", "accept", "request_correction", "correction_received",
                            "consult", "consultation_answered", "fee_notice", "reply_on_spot"})


def apply(case: Case, ev: Event) -> Case:
    """The case after one event."""
    changes = _changes(case, ev)
    if ev.kind in HANDLING_MOVES and ev.actor not in case.handled_by:
        changes["handled_by"] = (*case.handled_by, ev.actor)
    if ev.kind not in SYSTEM_MOVES:
        changes["last_on"] = max(ev.on, case.last_on) if case.last_on else ev.on
    return replace(case, events=case.events + 1, **changes)


def _changes(c: Case, ev: Event) -> dict[str, Any]:
    k, d, on = ev.kind, ev.data, ev.on
    if k == "register":
        return dict(state=State.RECEIVED, received=_d(d["received"]), channel=d["channel"],
                       handler=ev.actor)
    if k == "acknowledge":
        return dict(acknowledged=True)
    if k == "accept":
        return dict(state=State.IN_PROCESS)
    if k == "request_correction":
        return dict(state=State.AWAITING_CORRECTION, correction_notice_sent=on,
                       correction_notice_delivered=_d(d.get("delivered")))
    if k == "correction_delivered":
        return dict(correction_notice_delivered=on)
    if k == "correction_received":
        return dict(state=State.RECEIVED, correction_received=on)
    if k == "consult":
        rec = ConsultationRecord(d["kind"], d["party"], on, _d(d.get("delivered")))
        # a new consultation reopens the confidentiality check
        return dict(consultations=(*c.consultations, rec), signed_off_by="",
                       sign_off_decision="", sign_off_ground="")
    if k in ("consultation_delivered", "consultation_answered"):
        i = d["index"]
        old = c.consultations[i]
        new = (replace(old, delivered=on) if k == "consultation_delivered"
               else replace(old, answered=on, answer=d["answer"]))
        return dict(consultations=(*c.consultations[:i], new, *c.consultations[i + 1:]))
    if k == "public_interest_override":
        return dict(public_interest_override=True)
    if k == "sign_off":
        return dict(signed_off_by=ev.actor, sign_off_decision=d["decision"],
                       sign_off_ground=d.get("ground", ""))
    if k == "fee_notice":
        return dict(fee_method=d["method"], fee_amount=d["amount"], fee_notice_sent=on,
                       fee_notice_delivered=_d(d.get("delivered")))
    if k == "fee_paid":
        return dict(fee_paid=on)
    if k == "extend":
        return dict(extension_days=d["days"], extension_approved=on)
    if k == "set_longer_deadline":
        return dict(art35_due=_d(d["due"]))
    if k in ("reply", "correction_lapsed", "fee_lapsed", "withdraw", "reply_on_spot"):
        return dict(state=State.CLOSED, outcome=d["outcome"], replied_on=on,
                       right_agency=d.get("right_agency", ""),
                       reply_delivered=on if k == "reply_on_spot" else c.reply_delivered)
    if k == "reply_delivered":
        return dict(reply_delivered=on)
    if k == "record_remedy":
        return dict(remedies=(*c.remedies, (d["kind"], d["result"])))
    if k == "dates_recomputed":  # the dates follow from the calendar; the event is the record
        return {}
    raise ValueError(f"unknown event kind {k!r}")


def replay(events: Iterable[Event]) -> Case:
    case = Case()
    for ev in events:
        case = apply(case, ev)
    return case


# ----- deciding moves -------------------------------------------------------------------------

def _refuse(field_name: str, rule: str, message: str) -> RuleViolation:
    return RuleViolation(field_name, rule, message)


def _need_state(case: Case, cmd: Command, *states: State) -> None:
    if case.state not in states:
        allowed = "、".join(STATE_LABELS[s] for s in states)
        raise _refuse("state", f"“{MOVE_LABELS.get(cmd.kind, cmd.kind)}”只能在{allowed}时办理",
                      f"本案当前为“{STATE_LABELS[case.state]}”")


def _need_role(cmd: Command, *roles: Role) -> None:
    if not cmd.roles & set(roles):
        names = "、".join(ROLE_LABELS[r] for r in roles)
        raise _refuse("actor", f"“{MOVE_LABELS.get(cmd.kind, cmd.kind)}”须由{names}办理",
                      f"{cmd.actor}（{roles_text(cmd.roles) or '无角色'}）无此权限")


def open_moves(case: Case, roles: frozenset[Role]) -> list[str]:
    """The moves a person with these roles could make on the case in its present state
    (the data and dates are still checked when the move is made)."""
    out = []
    for kind, (_h, allowed, states) in _MOVES.items():
        if kind == "register" or kind in SYSTEM_MOVES or not roles & set(allowed):
            continue
        if states and case.state not in states:
            continue
        out.append(kind)
    return out


def may_make(kind: str, roles: frozenset[Role]) -> bool:
    """Whether a person with these roles may make this move at all (the case page's forms)."""
    move = _MOVES.get(kind)
    return move is not None and bool(roles & set(move[1]))


def _need(data: Mapping[str, Any], key: str, rule: str) -> Any:
    value = data.get(key)
    if value in (None, ""):
        raise _refuse(key, rule, f"缺少“{key}”")
    return value


STATE_LABELS = {State.RECEIVED: "待审查", State.AWAITING_CORRECTION: "待补正",
                State.IN_PROCESS: "办理中", State.CLOSED: "已办结"}
MOVE_LABELS = {
    "register": "登记申请", "acknowledge": "出具接收回执", "accept": "审查通过",
    "reply_on_spot": "当场答复", "request_correction": "告知补正",
    "correction_delivered": "补正告知送达", "correction_received": "收到补正",
    "correction_lapsed": "逾期未补正", "consult": "征求意见", "consultation_delivered": "征求意见送达",
    "consultation_answered": "收到征求意见答复", "public_interest_override": "公共利益决定公开",
    "sign_off": "保密审查签发", "fee_notice": "发出收费通知", "fee_paid": "缴费",
    "fee_lapsed": "逾期未缴费", "extend": "延期答复", "set_longer_deadline": "确定合理答复期限",
    "reply": "答复", "reply_delivered": "答复送达", "withdraw": "撤回申请", "record_remedy": "登记复议诉讼",
    "dates_recomputed": "按新工作日历重新计算期限",
}
# Moves made by the system (the sweep, the calendar recompute), never chosen by staff.
SYSTEM_MOVES = frozenset({"dates_recomputed"})


@dataclass(frozen=True)
class Transition:
    """An accepted move: the event to append, the case after it, and the case's dates."""

    event: Event
    case: Case
    schedule: Schedule
    backdated: bool = False  # recorded more working days after its legal date than the setting allows


def decide(case: Case, cmd: Command, calendar: WorkingCalendar, *, today: dt.date,
           settings: AgencySettings = DEFAULT_SETTINGS) -> Event:
    """The event that `cmd` appends to the case, or RuleViolation naming the rule it breaks."""
    return transition(case, cmd, calendar, today=today, settings=settings).event


def transition(case: Case, cmd: Command, calendar: WorkingCalendar, *, today: dt.date,
               settings: AgencySettings = DEFAULT_SETTINGS) -> Transition:
    """decide() with its by-products: the new case and its schedule (computed once)."""
    if cmd.on > today:
        raise _refuse("received" if cmd.kind == "register" else "on", "办理日期不得晚于今天（按北京时间）",
                      f"{cmd.on.isoformat()} 晚于今天 {today.isoformat()}")
    if cmd.kind == "register":
        if case.received is not None:
            raise _refuse("kind", "一件申请只能登记一次", "本案已登记")
    elif case.received is None:
        raise _refuse("case", "先登记申请，后办理其他事项", "本案尚未登记")
    elif cmd.on < case.received:
        raise _refuse("on", "事项日期不得早于收到申请日", f"{cmd.on.isoformat()} 早于 {case.received.isoformat()}")
    elif cmd.kind not in SYSTEM_MOVES and case.last_on and cmd.on < case.last_on:
        raise _refuse("on", "办理日期不得早于本案上一事项的日期（日期不得倒流）",
                      f"{cmd.on.isoformat()} 早于上一事项的日期 {case.last_on.isoformat()}")
    move = _MOVES.get(cmd.kind)
    if move is None:
        raise _refuse("kind", "可办理事项：" + "、".join(MOVE_LABELS), f"未知的事项“{cmd.kind}”")
    handler, roles, states = move
    _need_role(cmd, *roles)
    if states:
        _need_state(case, cmd, *states)
    if cmd.data.get("delivered") is not None:
        delivered = parse_date(cmd.data["delivered"], "delivered")
        if not cmd.on <= delivered <= today:
            raise _refuse("delivered", "送达日不得早于发出日，也不得晚于今天",
                          f"送达日 {delivered.isoformat()}，发出日 {cmd.on.isoformat()}")
    data, basis = handler(case, cmd, calendar, settings)
    event = Event(cmd.kind, cmd.on, cmd.actor, MappingProxyType(dict(data)), basis)
    new = apply(case, event)
    backdated = (cmd.kind not in SYSTEM_MOVES and cmd.on < today and calendar.working_days_between(
        calendar.check(cmd.on, "on"), calendar.check(today, "today")) > settings.backdate_working_days)
    # the dates must still compute
    return Transition(event, new, new.schedule(calendar, settings), backdated)


Decision = tuple[Mapping[str, Any], str]
STAFF = (Role.CLERK, Role.HEAD)


def _register(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    channel = _need(cmd.data, "channel", "收件渠道：" + "、".join(f"{k}（{v}）" for k, v in CHANNELS.items()))
    if channel not in CHANNELS:
        raise _refuse("channel", "收件渠道：" + "、".join(CHANNELS), f"未知的渠道“{channel}”")
    pack = pack_for(cmd.on)  # refuses receipt dates before 2008-05-01
    cal.check(cmd.on, "received")
    return {"received": cmd.on.isoformat(), "channel": channel, "rules": pack.id}, \
        f"{pack.short}第三十一条：收到申请的日期（{CHANNELS[channel]}）"


def _acknowledge(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    if case.acknowledged:
        raise _refuse("kind", "接收回执只出具一次", "本案已出具接收回执")
    return {}, "出具接收回执"


def _reply_on_spot(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    if cmd.on != case.received or case.correction_notice_sent:
        raise _refuse("on", "第三十三条第一款：能够当场答复的，应当当场答复（收到申请当日）",
                      f"收到日为 {case.received}，不是当场")
    outcome = _reply_outcome(case, cmd)
    if outcome in NEEDS_SIGN_OFF:
        raise _refuse("outcome", "当场答复限于不需保密审查的情形（已公开、不掌握、非本机关等）",
                      f"“{OUTCOMES[outcome].label}”须经保密审查")
    return {"outcome": outcome, **_right_agency(outcome, cmd)}, f"第三十三条第一款；{OUTCOMES[outcome].article}"


def _accept(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    return {}, "审查：申请内容明确，予以办理"


def _request_correction(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    if case.correction_notice_sent:
        raise _refuse("kind", "第三十条：补正应当一次性告知", "本案已告知过补正")
    items = _need(cmd.data, "items", "第三十条：一次性告知需要补正的事项")
    due = case.schedule(cal, s).get("correction_notice_due")
    late = bool(due and due.date and cmd.on > due.date)
    return {"items": items, "late": late, "delivered": cmd.data.get("delivered")}, \
        "第三十条：申请内容不明确的，一次性告知申请人作出补正"


def _correction_delivered(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    assert case.correction_notice_sent
    if cmd.on < case.correction_notice_sent:
        raise _refuse("on", "送达日不得早于发出日", f"{cmd.on} 早于 {case.correction_notice_sent}")
    return {}, "补正告知书送达申请人"


def _correction_received(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    return {}, "第三十条：答复期限自收到补正后的申请之日起计算"


def _correction_lapsed(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    end = case.schedule(cal, s).get("correction_window_end")
    assert end is not None and end.date is not None
    if cmd.on <= end.date:
        raise _refuse("on", "第三十条：补正期限届满后方可视为放弃申请",
                      f"补正期限至 {end.date.isoformat()} 止，尚未届满")
    return {"outcome": "other.no_correction"}, "第三十条：申请人无正当理由逾期不补正的，视为放弃申请"


def _consult(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    kind = _need(cmd.data, "kind", "征求意见对象：third_party（第三方）或 other_agency（其他机关）")
    if kind not in ("third_party", "other_agency"):
        raise _refuse("kind", "征求意见对象：third_party 或 other_agency", f"未知的对象“{kind}”")
    party = _need(cmd.data, "party", "须写明被征求意见的第三方或机关名称")
    article = "第三十二条" if kind == "third_party" else "第三十四条"
    return {"kind": kind, "party": party, "delivered": cmd.data.get("delivered")}, \
        f"{article}：书面征求意见"


def _consultation_index(case: Case, cmd: Command) -> int:
    i = cmd.data.get("index", len(case.consultations) - 1)
    if not isinstance(i, int) or not 0 <= i < len(case.consultations):
        raise _refuse("index", "须指明本案已发出的某一征求意见", f"没有第 {i} 项征求意见")
    return i


def _consultation_delivered(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    i = _consultation_index(case, cmd)
    if case.consultations[i].answered:
        raise _refuse("index", "已答复的征求意见不再登记送达", "该征求意见已答复")
    return {"index": i}, "征求意见书送达"


def _consultation_answered(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    i = _consultation_index(case, cmd)
    if case.consultations[i].answered:
        raise _refuse("index", "每项征求意见只登记一次答复", "该征求意见已答复")
    answer = _need(cmd.data, "answer", "答复：consent（同意）、objection（不同意）、none（逾期未答复）")
    if answer not in ANSWERS:
        raise _refuse("answer", "答复：consent、objection、none", f"未知的答复“{answer}”")
    return {"index": i, "answer": answer}, "收到被征求意见方的答复"


def _public_interest_override(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    pack = pack_for(case.received)  # type: ignore[arg-type]
    if pack.id == "ogi-2008":
        raise _refuse("kind", "《条例》（2008）第二十三条：第三方不同意的，不得公开", "2008年规则下无公共利益例外")
    if not any(c.kind == "third_party" and c.answer == "objection" for c in case.consultations):
        raise _refuse("kind", "第三十二条：仅在第三方不同意公开时适用", "本案没有第三方提出异议")
    reasons = _need(cmd.data, "reasons", "第三十二条：须书面告知第三方决定公开的内容和理由")
    return {"reasons": reasons}, "第三十二条：不公开可能对公共利益造成重大影响的，予以公开并书面告知第三方"


def _sign_off(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    if cmd.actor == case.handler or cmd.actor in case.handled_by:
        raise _refuse("actor", "保密审查不得由本案承办人或办理过本案的人签发（按人而非账户：同一人无论持有何种角色都不得审查自己办理的案件）",
                      f"{cmd.actor} 办理过本案")
    if case.pending_consultations:
        raise _refuse("kind", "征求意见答复后方可完成保密审查", "仍有未答复的征求意见")
    decision = _need(cmd.data, "decision", "审查结论：disclose（公开）、partial（部分公开）、withhold（不予公开）")
    if decision not in ("disclose", "partial", "withhold"):
        raise _refuse("decision", "审查结论：disclose、partial、withhold", f"未知的结论“{decision}”")
    ground = cmd.data.get("ground", "")
    if decision != "disclose":
        if ground not in GROUNDS:
            raise _refuse("ground", "第十四条至第十六条：不予公开须写明一项依据（" + "、".join(GROUNDS) + "）",
                          f"无效的依据“{ground}”")
    objection = any(c.kind == "third_party" and c.answer == "objection" for c in case.consultations)
    if decision == "disclose" and objection and not case.public_interest_override:
        raise _refuse("decision", "第三十二条：第三方有合理理由不同意公开的，不予公开（公共利益例外须负责人决定）",
                      "第三方已提出异议")
    return {"decision": decision, "ground": ground if decision != "disclose" else ""}, \
        "保密审查：第十四条至第十六条"


def _fee_notice(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    if case.fee_notice_sent:
        raise _refuse("kind", "一件申请只发一次收费通知", "本案已发出收费通知")
    method = _need(cmd.data, "method", "计费方式：per_request（按件）或 per_volume（按量）")
    if method not in ("per_request", "per_volume"):
        raise _refuse("method", "计费方式：per_request 或 per_volume（一件申请只用一种）", f"未知的方式“{method}”")
    amount = cmd.data.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise _refuse("amount", "收费金额须为正整数（元）；免费的不发收费通知", f"无效的金额 {amount!r}")
    return {"method": method, "amount": amount, "delivered": cmd.data.get("delivered")}, \
        "第四十二条；《政府信息公开信息处理费管理办法》"


def _unpaid_fee_due(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> dt.date:
    """The payment due date of the case's unpaid fee (refuses when no fee is waiting)."""
    if not case.fee_notice_sent or case.fee_paid:
        raise _refuse("kind", "缴费事项须在收费通知之后、缴费之前办理", "没有待缴的费用")
    due = case.schedule(cal, s).get("fee_payment_due")
    assert due is not None and due.date is not None
    return due.date


def _fee_paid(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    due = _unpaid_fee_due(case, cmd, cal, s)
    if cmd.on > due:
        raise _refuse("on", "《政府信息公开信息处理费管理办法》：逾期未缴费的视为放弃申请",
                      f"缴费期限至 {due.isoformat()} 已届满")
    return {}, "申请人缴纳信息处理费"


def _fee_lapsed(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    due = _unpaid_fee_due(case, cmd, cal, s)
    if cmd.on <= due:
        raise _refuse("on", "缴费期限届满后方可视为放弃申请", f"缴费期限至 {due.isoformat()} 止，尚未届满")
    return {"outcome": "other.fee_unpaid"}, "《政府信息公开信息处理费管理办法》：逾期未缴费，视为放弃申请"


def _extend(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    pack = pack_for(case.received)  # type: ignore[arg-type]
    cap = pack.periods["extension"]
    if case.extension_days:
        raise _refuse("kind", f"{pack.short}{cap.basis}（只能延期一次）", "本案已延期")
    days = cmd.data.get("days")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= cap.length:
        raise _refuse("days", cap.basis, f"延期 {days!r} 个工作日不在 1–{cap.length} 之间")
    _need(cmd.data, "reasons", "延期须写明理由并告知申请人")
    due = case.schedule(cal, s).reply_due
    if due is None or cmd.on > due:
        raise _refuse("on", "延期须在答复期限届满前（含当日）批准",
                      f"答复期限 {due.isoformat() if due else '待定'}，批准日 {cmd.on.isoformat()}")
    return {"days": days, "reasons": cmd.data["reasons"]}, cap.basis


def _set_longer_deadline(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    if pack_for(case.received).id != "ogi-2019":  # type: ignore[arg-type]
        raise _refuse("kind", "第三十五条（2019）", "2008年规则无此规定")
    _need(cmd.data, "reasons", "第三十五条：须说明理由")
    due = parse_date(_need(cmd.data, "due", "第三十五条：确定合理的答复期限"), "due")
    current = case.schedule(cal, s).reply_due
    if current is None or due is None or due <= current:
        raise _refuse("due", "第三十五条：确定的期限须晚于法定答复期限", f"{due} 不晚于 {current}")
    if not cal.is_working_day(due):
        raise _refuse("due", "答复期限须为工作日", f"{due.isoformat()} 不是工作日")
    return {"due": due.isoformat(), "reasons": cmd.data["reasons"]}, \
        "第三十五条：申请数量、频次明显超过合理范围，有合理理由的，可以确定延迟答复的合理期限"


def _reply_outcome(case: Case, cmd: Command) -> str:
    outcome = _need(cmd.data, "outcome", "答复结果须为规定的处理结果之一")
    if outcome not in OUTCOMES:
        raise _refuse("outcome", "答复结果须为规定的处理结果之一", f"未知的结果“{outcome}”")
    if outcome in OWN_MOVE_OUTCOMES:
        raise _refuse("outcome", f"该结果须通过“{MOVE_LABELS[OWN_MOVE_OUTCOMES[outcome]]}”办理",
                      f"不能直接答复为“{OUTCOMES[outcome].label}”")
    if outcome == "unavailable.still_unclear" and not case.correction_received:
        raise _refuse("outcome", "第三十条：补正后仍不明确的方可如此答复", "本案未经补正")
    return outcome


def _right_agency(outcome: str, cmd: Command) -> dict[str, str]:
    if outcome == "unavailable.not_this_agency":
        return {"right_agency": str(cmd.data.get("right_agency") or "")}
    return {}


def _reply(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    outcome = _reply_outcome(case, cmd)
    if outcome in NEEDS_SIGN_OFF:
        if case.state != State.IN_PROCESS or not case.signed_off_by:
            raise _refuse("outcome", "公开、部分公开或不予公开须经保密审查签发", "本案尚未完成保密审查")
        expected = {"disclose": {"disclosed"}, "partial": {"partial"},
                    "withhold": {f"withheld.{case.sign_off_ground}"}}[case.sign_off_decision]
        if outcome not in expected:
            raise _refuse("outcome", "答复须与保密审查结论一致",
                          f"审查结论为“{case.sign_off_decision}”，不能答复为“{OUTCOMES[outcome].label}”")
        objection = any(c.kind == "third_party" and c.answer == "objection" for c in case.consultations)
        if outcome == "disclosed" and objection and not case.public_interest_override:
            raise _refuse("outcome", "第三十二条：第三方有合理理由不同意公开的，不予公开（公共利益例外须负责人决定）",
                          "第三方已提出异议")
        if case.fee_notice_sent and not case.fee_paid:
            raise _refuse("outcome", "收费的申请须缴费后提供信息", "信息处理费尚未缴纳")
    if case.pending_consultations and outcome in NEEDS_SIGN_OFF:
        raise _refuse("kind", "征求意见答复或期限届满后方可答复", "仍有未答复的征求意见")
    return {"outcome": outcome, **_right_agency(outcome, cmd)}, OUTCOMES[outcome].article


def _reply_delivered(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    if case.reply_delivered:
        raise _refuse("kind", "答复送达只登记一次", "本案已登记送达")
    if case.replied_on and cmd.on < case.replied_on:
        raise _refuse("on", "送达日不得早于答复日", f"{cmd.on} 早于 {case.replied_on}")
    return {}, "答复书送达申请人（复议、诉讼期限自此起算）"


def _withdraw(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    return {"outcome": "other.withdrawn"}, "申请人在答复前撤回申请"


def _dates_recomputed(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    """Record that a newly loaded calendar moved the case's dates (clock.md: provisional dates).

    `previous` holds the dates as they stood before (given by the caller, who noticed the move);
    the new dates are the case's schedule under the calendar in force.
    """
    if cmd.data.get("calendar_version") != cal.version:
        raise _refuse("calendar_version", "重新计算期限须按现行工作日历进行",
                      f"现行工作日历为 {cal.version}")
    previous = cmd.data.get("previous")
    if not isinstance(previous, Mapping) or not previous:
        raise _refuse("previous", "须写明重新计算前的各项期限", "缺少原期限")
    sched = case.schedule(cal, s)
    dates = {k: d.date.isoformat() if d.date else None for k, d in sched.keyed().items()}
    return {"calendar_version": cal.version, "previous": dict(previous),
            "dates": {**dates, "provisional": sched.provisional}}, \
        f"工作日历更新（{cal.version}）：按新公布的年度放假安排重新计算期限"


def _record_remedy(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    kind = _need(cmd.data, "kind", "种类：review、litigation_direct、litigation_after_review")
    result = _need(cmd.data, "result", "结果：upheld（维持）、corrected（纠正）、other（其他）、pending（尚未审结）")
    if kind not in REMEDY_KINDS:
        raise _refuse("kind", "种类：" + "、".join(REMEDY_KINDS), f"未知的种类“{kind}”")
    if result not in REMEDY_RESULTS:
        raise _refuse("result", "结果：" + "、".join(REMEDY_RESULTS), f"未知的结果“{result}”")
    return {"kind": kind, "result": result}, "政府信息公开行政复议、行政诉讼情况（年度报告表四）"


OPEN = (State.RECEIVED, State.AWAITING_CORRECTION, State.IN_PROCESS)
R, AC, IP, C = State.RECEIVED, State.AWAITING_CORRECTION, State.IN_PROCESS, State.CLOSED
HEAD, REVIEWER = (Role.HEAD,), (Role.REVIEWER,)

# Who may make each move, and in which states: (decide the move's data, roles, states).
_MOVES: dict[str, tuple[Any, tuple[Role, ...], tuple[State, ...]]] = {
    "register": (_register, STAFF, ()),
    "acknowledge": (_acknowledge, STAFF, OPEN),
    "reply_on_spot": (_reply_on_spot, STAFF, (R,)),
    "accept": (_accept, STAFF, (R,)),
    "request_correction": (_request_correction, STAFF, (R,)),
    "correction_delivered": (_correction_delivered, STAFF, (AC,)),
    "correction_received": (_correction_received, STAFF, (AC,)),
    "correction_lapsed": (_correction_lapsed, (*STAFF, Role.SYSTEM), (AC,)),
    "consult": (_consult, STAFF, (IP,)),
    "consultation_delivered": (_consultation_delivered, STAFF, (IP,)),
    "consultation_answered": (_consultation_answered, STAFF, (IP,)),
    "public_interest_override": (_public_interest_override, HEAD, (IP,)),
    "sign_off": (_sign_off, REVIEWER, (IP,)),
    "fee_notice": (_fee_notice, STAFF, (IP,)),
    "fee_paid": (_fee_paid, STAFF, (IP,)),
    "fee_lapsed": (_fee_lapsed, (*STAFF, Role.SYSTEM), (IP,)),
    "extend": (_extend, HEAD, (R, IP)),
    "set_longer_deadline": (_set_longer_deadline, HEAD, (IP,)),
    "reply": (_reply, HEAD, (R, IP)),
    "reply_delivered": (_reply_delivered, STAFF, (C,)),
    "withdraw": (_withdraw, STAFF, OPEN),
    "record_remedy": (_record_remedy, (*STAFF, Role.SUPERVISOR), (C,)),
    # the system actor (one per agency, role system, services/sweep.py) closes lapsed windows
    # and records dates moved by a newly loaded calendar
    "dates_recomputed": (_dates_recomputed, (Role.SYSTEM,), OPEN),
}
