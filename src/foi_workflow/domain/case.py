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
from . import fees
from .errors import FoiError
from .identity import ROLE_LABELS, Role, roles_text
from .parsing import parse_date
from .outcomes import OUTCOMES
from . import replies
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
# 行政复议法 (2023 revision, in force 2024-01-01) Art 23: review before litigation for a refusal
# to disclose and for a failure to perform a statutory duty (no reply in time).
REVIEW_FIRST_FROM = dt.date(2024, 1, 1)
REVIEW_FIRST_RULE = ("《中华人民共和国行政复议法》第二十三条（2024年1月1日起施行）：对行政机关不予公开政府信息、"
                     "不履行法定职责（逾期未答复）不服的，应当先申请行政复议，对复议决定不服的再提起诉讼")
# Art 35: the applicant's answer to a request for reasons, as judged by the agency.
REASONS_ANSWERS = ("reasonable", "unreasonable", "none")
ART35_RULE = ("第三十五条：申请数量、频次明显超过合理范围的，行政机关可以要求申请人说明理由；理由不合理的，"
              "告知不予处理；理由合理但无法在规定期限内答复的，可以确定延迟答复的合理期限。"
              "二者均须先要求说明理由，并经政府信息公开工作机构负责人决定")
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
    # an objection's reasonable grounds (Art 32, 2019); None: not judged (2008, or older records)
    reasonable: bool | None = None


@dataclass(frozen=True)
class ItemRecord:
    """One item the application asks for, numbered from 1 (each gets its own decision)."""

    n: int
    description: str
    document_no: str = ""


@dataclass(frozen=True)
class Case:
    """The derived state of a case: everything the rules need, rebuilt from the history."""

    state: State = State.RECEIVED
    received: dt.date | None = None
    channel: str = ""
    handler: str = ""
    # what the application asks (Art 29): the items sought, the form and the delivery method;
    # an oral application filled in by `recorded_by` (older histories: no items recorded)
    items: tuple[ItemRecord, ...] = ()
    form: str = ""
    delivery: str = ""
    oral: bool = False
    recorded_by: str = ""
    acknowledged: bool = False
    correction_notice_sent: dt.date | None = None
    correction_notice_delivered: dt.date | None = None
    correction_received: dt.date | None = None
    correction_notice_late: bool = False  # sent after the 7th working day (a lapse that stays visible)
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
    reasons_requested: dt.date | None = None   # Art 35: the applicant asked to state reasons
    reasons_answer: str = ""                   # REASONS_ANSWERS, as recorded
    fee_regime: str = ""                       # the fee rules the fee was charged under
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
    # delivery and case management (the block "Delivery and case management" below)
    deliveries: tuple[DeliveryRecord, ...] = ()
    transfers: tuple[tuple[str, str], ...] = ()  # (from agency code, to agency code), in order
    split_into: tuple[str, ...] = ()             # the case numbers split off this application
    split_items: tuple[int, ...] = ()            # the item numbers (1-based) moved to them
    contacts: int = 0                            # contacts with the applicant recorded
    proactive: str = ""                          # Art 44: marked for proactive publication (the reasons)

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
                            "consult", "consultation_answered", "fee_notice", "reply_on_spot",
                            "request_reasons", "reasons_answered"})


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
    if k in MANAGEMENT_CHANGES:
        return MANAGEMENT_CHANGES[k](c, ev)
    if k == "register":
        return dict(state=State.RECEIVED, received=_d(d["received"]), channel=d["channel"],
                    handler=ev.actor,
                    items=tuple(ItemRecord(i["n"], i["description"], i.get("document_no", ""))
                                for i in d.get("items", ())),
                    form=d.get("form", ""), delivery=d.get("delivery", ""),
                    oral=bool(d.get("oral")), recorded_by=d.get("recorded_by", ""))
    if k == "acknowledge":
        return dict(acknowledged=True)
    if k == "accept":
        return dict(state=State.IN_PROCESS)
    if k == "request_correction":
        return dict(state=State.AWAITING_CORRECTION, correction_notice_sent=on,
                       correction_notice_delivered=_d(d.get("delivered")),
                       correction_notice_late=bool(d.get("late")))
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
               else replace(old, answered=on, answer=d["answer"],
                            reasonable=d.get("reasonable_grounds")))
        return dict(consultations=(*c.consultations[:i], new, *c.consultations[i + 1:]))
    if k == "public_interest_override":
        return dict(public_interest_override=True)
    if k == "sign_off":
        return dict(signed_off_by=ev.actor, sign_off_decision=d["decision"],
                       sign_off_ground=d.get("ground", ""))
    if k == "fee_notice":
        return dict(fee_method=d["method"], fee_amount=d["amount"], fee_notice_sent=on,
                       fee_notice_delivered=_d(d.get("delivered")), fee_regime=d.get("regime", ""))
    if k == "fee_paid":
        return dict(fee_paid=on)
    if k == "extend":
        return dict(extension_days=d["days"], extension_approved=on)
    if k == "set_longer_deadline":
        return dict(art35_due=_d(d["due"]))
    if k == "request_reasons":
        return dict(reasons_requested=on)
    if k == "reasons_answered":
        return dict(reasons_answer=d["answer"])
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


def open_moves(case: Case, roles: frozenset[Role], *, schedule: Any = None,
               today: dt.date | None = None) -> list[str]:
    """The moves a person with these roles could make on the case in its present state
    (the data and dates are still checked when the move is made). A move that depends on a
    date having passed (逾期未缴费) needs the case's schedule and today's legal date; without
    them it is not offered."""
    out = []
    for kind, (_h, allowed, states) in _MOVES.items():
        if kind == "register" or kind in SYSTEM_MOVES or not roles & set(allowed):
            continue
        if states and case.state not in states:
            continue
        if not _offered(case, kind, schedule, today):
            continue
        out.append(kind)
    return out


def _offered(case: Case, kind: str, schedule: Any = None, today: dt.date | None = None) -> bool:
    """The order of a procedure's moves, as the case page offers them (the rules still decide)."""
    if kind == "consultation_delivered":  # a consultation sent whose delivery is not recorded
        return any(c.delivered is None and c.answered is None for c in case.consultations)
    if kind == "consultation_answered":   # a consultation still waiting for its answer
        return any(c.answered is None for c in case.consultations)
    if kind == "fee_paid":
        return case.fee_notice_sent is not None and case.fee_paid is None
    if kind == "fee_lapsed":  # a fee notice issued, not paid, and its payment period over
        if case.fee_notice_sent is None or case.fee_paid is not None or today is None or schedule is None:
            return False
        due = schedule.get("fee_payment_due")
        return due is not None and today > due.date and _fee_abandonment(case)
    if kind == "request_reasons":
        return not case.reasons_requested
    if kind == "reasons_answered":
        return bool(case.reasons_requested) and not case.reasons_answer
    if kind == "set_longer_deadline":
        return case.reasons_answer == "reasonable" and not case.art35_due
    return True


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
    "request_reasons": "要求说明理由（第三十五条）", "reasons_answered": "登记申请人说明的理由",
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
    if Role.APPLICANT in cmd.roles:
        _applicant_may(cmd)
    else:
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
# What an applicant does on the agency's online channel (the portal, services/portal.py): apply
# (Art 29, channel online; the system's receipt is the confirmation of Art 31) and get the
# receipt, and send the corrected request (Art 30). Everything else is the office's.
APPLICANT_MOVES = frozenset({"register", "acknowledge", "correction_received"})
APPLICANT_RULE = "网上申请人只能通过本机关的网上申请渠道提出申请（取得接收回执）和提交补正"
MAX_CORRECTION = 5000


def _applicant_may(cmd: Command) -> None:
    if cmd.kind not in APPLICANT_MOVES:
        raise _refuse("actor", APPLICANT_RULE, f"网上申请人不能办理“{MOVE_LABELS.get(cmd.kind, cmd.kind)}”")
    if cmd.kind == "register" and (cmd.data.get("channel") != "online" or cmd.data.get("oral")):
        raise _refuse("channel", APPLICANT_RULE, "网上申请的收件渠道为“网络提交”")


def _register(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    channel = _need(cmd.data, "channel", "收件渠道：" + "、".join(f"{k}（{v}）" for k, v in CHANNELS.items()))
    if channel not in CHANNELS:
        raise _refuse("channel", "收件渠道：" + "、".join(CHANNELS), f"未知的渠道“{channel}”")
    pack = pack_for(cmd.on)  # refuses receipt dates before 2008-05-01
    cal.check(cmd.on, "received")
    content = _application_content(cmd, channel)
    return {"received": cmd.on.isoformat(), "channel": channel, "rules": pack.id, **content}, \
        f"{pack.short}第三十一条：收到申请的日期（{CHANNELS[channel]}）"


def _application_content(cmd: Command, channel: str) -> dict[str, Any]:
    """What the application asks (Art 29): the items (numbered), the form, the delivery; an oral
    application (made in person, filled in by the staff member recorded)."""
    from .applicants import DELIVERY, FORMS, RULE_DELIVERY, RULE_FORM, RULE_ORAL, check_items

    raw = cmd.data.get("items")
    if isinstance(raw, (list, tuple)):  # items as recorded ({"n", "description"}) or as given
        raw = [{k: v for k, v in i.items() if k != "n"} if isinstance(i, Mapping) else i for i in raw]
    items = check_items(raw or ())
    form, delivery = cmd.data.get("form"), cmd.data.get("delivery")
    if form not in FORMS:
        raise _refuse("form", RULE_FORM, f"未知的形式“{str(form)[:20]}”" if form else "缺少信息的形式要求")
    if delivery not in DELIVERY:
        raise _refuse("delivery", RULE_DELIVERY,
                      f"未知的获取方式“{str(delivery)[:20]}”" if delivery else "缺少获取信息的方式")
    out: dict[str, Any] = {
        "items": [{"n": n, "description": i.description, **({"document_no": i.document_no} if i.document_no else {})}
                  for n, i in enumerate(items, 1)],
        "form": form, "delivery": delivery}
    if cmd.data.get("oral"):
        if channel != "in_person":
            raise _refuse("channel", RULE_ORAL, "口头申请须当面提出（收件渠道 in_person）")
        out["oral"] = True
        out["recorded_by"] = str(cmd.data.get("recorded_by") or cmd.actor)[:40]
    return out


def _acknowledge(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    if case.acknowledged:
        raise _refuse("kind", "接收回执只出具一次", "本案已出具接收回执")
    return {}, "出具接收回执"


def _reply_on_spot(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    if cmd.on != case.received or case.correction_notice_sent:
        raise _refuse("on", "第三十三条第一款：能够当场答复的，应当当场答复（收到申请当日）",
                      f"收到日为 {case.received}，不是当场")
    cmd, checked = _checked_reply(case, cmd)
    outcome = _reply_outcome(case, cmd)
    if checked.reviewed:
        outcome = checked.reviewed  # an item that needs the confidentiality review
    if outcome == "not_processed.excessive":
        raise _refuse("outcome", ART35_RULE, "不得当场以申请数量、频次明显超过合理范围为由不予处理")
    if outcome in NEEDS_SIGN_OFF:
        raise _refuse("outcome", "当场答复限于不需保密审查的情形（已公开、不掌握、非本机关等）",
                      f"“{OUTCOMES[outcome].label}”须经保密审查")
    return {"outcome": outcome, **_right_agency(outcome, cmd), **checked.event_data()}, \
        f"第三十三条第一款；{OUTCOMES[outcome].article}"


def _accept(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    return {}, "审查：申请内容明确，予以办理"


def _request_correction(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    if case.correction_notice_sent:
        raise _refuse("kind", "第三十条：补正应当一次性告知", "本案已告知过补正")
    items = _need(cmd.data, "items", "第三十条：一次性告知需要补正的事项")
    sched = case.schedule(cal, s)
    reply_due = sched.reply_due
    if reply_due is not None and cmd.on > reply_due:
        raise _refuse("on", "第三十条：补正告知须在收到申请之日起7个工作日内作出，答复期限届满后不得再告知补正"
                      "（逾期的告知不重新起算答复期限，也不使已逾期的案件脱离督办）",
                      f"答复期限 {reply_due.isoformat()} 已届满，告知日 {cmd.on.isoformat()}")
    due = sched.get("correction_notice_due")
    late = bool(due and due.date and cmd.on > due.date)
    return {"items": items, "late": late, "delivered": cmd.data.get("delivered")}, \
        "第三十条：申请内容不明确的，一次性告知申请人作出补正"


def _correction_delivered(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    assert case.correction_notice_sent
    if cmd.on < case.correction_notice_sent:
        raise _refuse("on", "送达日不得早于发出日", f"{cmd.on} 早于 {case.correction_notice_sent}")
    return {}, "补正告知书送达申请人"


def _correction_received(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    """The corrected request arrived; its text is kept when it came as text (the portal)."""
    text = cmd.data.get("corrected")
    if text in (None, ""):
        return {}, "第三十条：答复期限自收到补正后的申请之日起计算"
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_CORRECTION or "\x00" in text:
        raise _refuse("corrected", f"补正内容为1–{MAX_CORRECTION}字的文字，不含空字符", "补正内容为空、过长或含空字符")
    return {"corrected": text.strip()}, "第三十条：答复期限自收到补正后的申请之日起计算（申请人网上提交补正）"


def _correction_lapsed(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    need_receipt(case, "correction")
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
    data: dict[str, Any] = {"index": i, "answer": answer}
    pack = pack_for(case.received)  # type: ignore[arg-type]
    if (answer == "objection" and case.consultations[i].kind == "third_party"
            and pack.objection_reasonableness_test):
        grounds = cmd.data.get("reasonable_grounds")
        if not isinstance(grounds, bool):
            raise _refuse("reasonable_grounds", "第三十二条：第三方不同意公开的，须判断其是否有合理理由"
                          "（reasonable_grounds：true 有合理理由，不予公开；false 无合理理由，由本机关依法决定）",
                          f"未判断异议是否有合理理由（收到 {grounds!r}）")
        data["reasonable_grounds"] = grounds
        return data, ("第三十二条：第三方不同意公开且有合理理由" if grounds
                      else "第三十二条：第三方不同意公开但无合理理由，由本机关依法决定")
    return data, "收到被征求意见方的答复"


def binding_objection(case: Case) -> bool:
    """Whether a third party's objection bars disclosure (save by the public-interest override):
    under 2019 Art 32 only an objection with reasonable grounds; under 2008 Art 23 any refusal."""
    if case.received is None:
        return False
    test = pack_for(case.received).objection_reasonableness_test
    return any(c.kind == "third_party" and c.answer == "objection"
               and (not test or c.reasonable is not False) for c in case.consultations)


def _public_interest_override(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    pack = pack_for(case.received)  # type: ignore[arg-type]
    basis = pack.public_interest_basis
    if not binding_objection(case):
        raise _refuse("kind", f"{basis}（仅在第三方的异议阻止公开时适用；无合理理由的异议不阻止公开，无须公共利益决定）",
                      "本案没有阻止公开的第三方异议")
    reasons = _need(cmd.data, "reasons", f"{basis}（须书面告知第三方决定公开的内容和理由）")
    return {"reasons": reasons}, basis


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
    objection = binding_objection(case)
    if decision == "disclose" and objection and not case.public_interest_override:
        raise _refuse("decision", "第三十二条：第三方有合理理由不同意公开的，不予公开（公共利益例外须负责人决定）",
                      "第三方已提出异议")
    return {"decision": decision, "ground": ground if decision != "disclose" else ""}, \
        "保密审查：第十四条至第十六条"


def _fee_notice(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    """A fee notice under the fee rules in force on the day the fee is charged (ogi-rules.md
    "Fees"): 2008 cost fees with their kinds; none between 2019-05-15 and 2020-12-31; from
    2021-01-01 the 109号 fee computed from the applicant's count of requests in the month
    (`nth_in_month`, counted by the service) or from the pages, never typed in."""
    if case.fee_notice_sent:
        raise _refuse("kind", "一件申请只发一次收费通知", "本案已发出收费通知")
    regime = pack_for(case.received).fee_regime(cmd.on)  # type: ignore[arg-type]
    if regime.regime == "none":
        raise _refuse("on", regime.basis, f"{cmd.on.isoformat()} 不得收取任何费用")
    if regime.regime == "cost":
        fee = fees.cost_fee(_need(cmd.data, "costs", fees.COST_RULE))
    else:
        if cmd.data.get("amount") is not None:
            raise _refuse("amount", "《政府信息公开信息处理费管理办法》：收费金额按申请人本月申请件数或页数计算，"
                          "不得手工填写", f"填写的金额 {cmd.data['amount']!r} 未被采用")
        method = _need(cmd.data, "method", "计费方式：per_request（按件）或 per_volume（按量）")
        if method == "per_request":
            nth = cmd.data.get("nth_in_month")
            if nth is None:
                raise _refuse("nth_in_month", fees.PER_REQUEST_RULE + "（由系统按同一申请人统计）",
                              "未能统计申请人本月的申请件数")
            fee = fees.per_request_fee(nth)
        elif method == "per_volume":
            fee = fees.per_volume_fee(_need(cmd.data, "pages", fees.PER_VOLUME_RULE),
                                      _need(cmd.data, "medium", fees.PER_VOLUME_MEDIUM_RULE))
        else:
            raise _refuse("method", "计费方式：per_request 或 per_volume（一件申请只用一种）", f"未知的方式“{method}”")
        if fee.free:
            raise _refuse("amount", "《政府信息公开信息处理费管理办法》：在免费范围内的不收费，不发收费通知",
                          "；".join(fee.breakdown))
    data: dict[str, Any] = {"method": fee.method, "regime": regime.regime, "amount": fee.amount_yuan,
                            "computation": fee.computation(), "delivered": cmd.data.get("delivered")}
    for key in ("nth_in_month", "pages", "medium"):
        if fee.method != "cost" and cmd.data.get(key) is not None:
            data[key] = cmd.data[key]
    if fee.method == "cost":
        data["costs"] = dict(cmd.data["costs"])
    return data, regime.basis


def _unpaid_fee_due(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> dt.date | None:
    """The payment due date of the case's unpaid fee (refuses when no fee is waiting)."""
    if not case.fee_notice_sent or case.fee_paid:
        raise _refuse("kind", "缴费事项须在收费通知之后、缴费之前办理", "没有待缴的费用")
    due = case.schedule(cal, s).get("fee_payment_due")
    return due.date if due is not None else None  # no payment window under these fee rules


def _fee_abandonment(case: Case) -> bool:
    """Whether an unpaid fee of this case closes it as abandoned (not under 2008 cost fees)."""
    assert case.received is not None and case.fee_notice_sent is not None
    return pack_for(case.received).fee_regime(case.fee_notice_sent).abandonment


def _fee_paid(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    due = _unpaid_fee_due(case, cmd, cal, s)
    if due is not None and cmd.on > due:
        raise _refuse("on", "《政府信息公开信息处理费管理办法》：逾期未缴费的视为放弃申请",
                      f"缴费期限至 {due.isoformat()} 已届满")
    return {}, "申请人缴纳信息处理费"


def _fee_lapsed(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    due = _unpaid_fee_due(case, cmd, cal, s)
    if not _fee_abandonment(case) or due is None:
        raise _refuse("kind", "《条例》（2008）第二十七条：成本费用未缴纳的，不视为放弃申请",
                      "本案收费适用的规则没有逾期未缴费视为放弃的规定")
    need_receipt(case, "fee")
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


def _art35(case: Case, cmd: Command) -> None:
    if not pack_for(case.received).art35_procedure:  # type: ignore[arg-type]
        raise _refuse("kind", "第三十五条（2019）", "2008年规则无此规定")


def _reasons_window_end(case: Case, cal: WorkingCalendar, s: AgencySettings) -> dt.date:
    assert case.reasons_requested is not None
    return dt.date.fromordinal(cal.nth_working_day_after(case.reasons_requested.toordinal(),
                                                         s.reasons_period_working_days))


def _request_reasons(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    _art35(case, cmd)
    if case.reasons_requested:
        raise _refuse("kind", ART35_RULE, "本案已要求申请人说明理由")
    _need(cmd.data, "facts", "第三十五条：须写明申请数量、频次明显超过合理范围的情况")
    due = case.schedule(cal, s).reply_due
    if due is None or cmd.on > due:
        raise _refuse("on", "第三十五条：要求说明理由须在答复期限届满前（含当日）作出",
                      f"答复期限 {due.isoformat() if due else '待定'}，告知日 {cmd.on.isoformat()}")
    return {"facts": cmd.data["facts"], "answer_days": s.reasons_period_working_days,
            "delivered": cmd.data.get("delivered")}, \
        "第三十五条：申请人申请公开政府信息的数量、频次明显超过合理范围，行政机关可以要求申请人说明理由"


def _reasons_answered(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    if not case.reasons_requested:
        raise _refuse("kind", ART35_RULE, "本案未要求申请人说明理由")
    if case.reasons_answer:
        raise _refuse("kind", "申请人的说明只登记一次", "已登记申请人的说明")
    answer = _need(cmd.data, "answer", "说明：reasonable（理由合理）、unreasonable（理由不合理）、none（逾期未说明）")
    if answer not in REASONS_ANSWERS:
        raise _refuse("answer", "说明：" + "、".join(REASONS_ANSWERS), f"未知的结果“{answer}”")
    if answer == "none":
        end = _reasons_window_end(case, cal, s)
        if cmd.on <= end:
            raise _refuse("on", f"说明理由期限（{s.reasons_period_working_days}个工作日）届满后方可登记未说明",
                          f"期限至 {end.isoformat()} 止，尚未届满")
        return {"answer": answer}, "第三十五条：申请人逾期未说明理由"
    reasons = _need(cmd.data, "reasons", "须记录申请人说明的理由")
    return {"answer": answer, "reasons": reasons}, \
        "第三十五条：申请人说明理由，" + ("本机关认为理由合理" if answer == "reasonable" else "本机关认为理由不合理")


def _set_longer_deadline(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    _art35(case, cmd)
    if case.art35_due:
        raise _refuse("kind", ART35_RULE + "（只能确定一次）", "本案已确定延迟答复的期限")
    if case.reasons_answer != "reasonable":
        raise _refuse("kind", ART35_RULE, "须先要求申请人说明理由，且理由经认定为合理")
    _need(cmd.data, "reasons", "第三十五条：须说明理由")
    due = parse_date(_need(cmd.data, "due", "第三十五条：确定合理的答复期限"), "due")
    current = case.schedule(cal, s).reply_due
    if current is None or cmd.on > current:
        raise _refuse("on", "第三十五条：延迟答复的期限须在答复期限届满前（含当日）确定",
                      f"答复期限 {current.isoformat() if current else '待定'}，决定日 {cmd.on.isoformat()}")
    if due is None or due <= current:
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
    if outcome == "not_processed.excessive" and case.reasons_answer not in ("unreasonable", "none"):
        raise _refuse("outcome", ART35_RULE, "须先要求申请人说明理由，且理由不合理或逾期未说明")
    return outcome


def _right_agency(outcome: str, cmd: Command) -> dict[str, str]:
    if outcome == "unavailable.not_this_agency":
        return {"right_agency": str(cmd.data.get("right_agency") or "")}
    return {}


def _checked_reply(case: Case, cmd: Command) -> tuple[Command, replies.CheckedReply]:
    """The reply's per-item decisions checked (domain/replies.py: every item decided, each with
    the elements the law requires), the command carrying the case's outcome derived from them.
    A one-item case may give its item's decision and elements at the top level (`outcome`,
    `search`, …): a missing element is refused naming that field and its rule."""
    given = cmd.data.get("outcome")
    if isinstance(given, str) and given in OWN_MOVE_OUTCOMES:
        _reply_outcome(case, cmd)  # refused: the outcome has its own move
    data, flat = replies.one_item_reply(cmd.data) if len(case.items) <= 1 else (dict(cmd.data), False)
    try:
        checked = replies.check_reply(case.items, data, corrected=bool(case.correction_received),
                                      requested={"form": case.form, "delivery": case.delivery})
    except replies.ReplyError as err:
        raise replies.top_level(err) if flat else err from None
    return replace(cmd, data={**data, "outcome": checked.outcome}), checked


def _reply(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    cmd, checked = _checked_reply(case, cmd)
    outcome = _reply_outcome(case, cmd)
    reviewed = checked.reviewed  # what the confidentiality review must match
    if reviewed in NEEDS_SIGN_OFF:
        if case.state != State.IN_PROCESS or not case.signed_off_by:
            raise _refuse("outcome", "公开、部分公开或不予公开须经保密审查签发", "本案尚未完成保密审查")
        expected = {"disclose": {"disclosed"}, "partial": {"partial"},
                    "withhold": {f"withheld.{case.sign_off_ground}"}}[case.sign_off_decision]
        if reviewed not in expected:
            raise _refuse("outcome", "答复须与保密审查结论一致",
                          f"审查结论为“{case.sign_off_decision}”，不能答复为“{OUTCOMES[reviewed].label}”")
        objection = binding_objection(case)
        if reviewed == "disclosed" and objection and not case.public_interest_override:
            raise _refuse("outcome", "第三十二条：第三方有合理理由不同意公开的，不予公开（公共利益例外须负责人决定）",
                          "第三方已提出异议")
        if case.fee_notice_sent and not case.fee_paid:
            raise _refuse("outcome", "收费的申请须缴费后提供信息", "信息处理费尚未缴纳")
    if case.pending_consultations and reviewed in NEEDS_SIGN_OFF:
        raise _refuse("kind", "征求意见答复或期限届满后方可答复", "仍有未答复的征求意见")
    return {"outcome": outcome, **_right_agency(outcome, cmd), **checked.event_data()}, \
        OUTCOMES[outcome].article


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
    if kind not in remedy_kinds(case, cmd.on):
        raise _refuse("kind", REVIEW_FIRST_RULE,
                      "本案未答复（不履行法定职责）" if case.state != State.CLOSED else "本案答复为不予公开")
    against = "not_replied" if case.state != State.CLOSED else "reply"
    return {"kind": kind, "result": result, "against": against}, \
        "政府信息公开行政复议、行政诉讼情况（年度报告表四）" + ("：针对逾期未答复（不履行法定职责）"
                                                 if against == "not_replied" else "")


def remedy_kinds(case: Case, on: dt.date) -> tuple[str, ...]:
    """The remedy kinds that may be recorded on `on`: since 2024-01-01 a refusal to disclose and
    a failure to reply (a case still open) go to review first, never straight to court."""
    if on >= REVIEW_FIRST_FROM:
        refusal = case.state == State.CLOSED and bool(case.outcome) and OUTCOMES[case.outcome].refusal
        if case.state != State.CLOSED or refusal:
            return tuple(k for k in REMEDY_KINDS if k != "litigation_direct")
    return REMEDY_KINDS


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
    "request_reasons": (_request_reasons, STAFF, (R, IP)),
    "reasons_answered": (_reasons_answered, STAFF, (R, IP)),
    "set_longer_deadline": (_set_longer_deadline, HEAD, (IP,)),
    "reply": (_reply, HEAD, (R, IP)),
    "reply_delivered": (_reply_delivered, STAFF, (C,)),
    "withdraw": (_withdraw, STAFF, OPEN),
    # a review or suit may be brought against a case still open (no reply in time)
    "record_remedy": (_record_remedy, (*STAFF, Role.SUPERVISOR), (*OPEN, C)),
    # the system actor (one per agency, role system, services/sweep.py) closes lapsed windows
    # and records dates moved by a newly loaded calendar
    "dates_recomputed": (_dates_recomputed, (Role.SYSTEM,), OPEN),
}


# ----- Delivery and case management (ogi-rules.md "Delivery", "Who acts for an agency",
# "Records", "Application content"; issue 12 items 4 and 5) ------------------------------------
#
# record_delivery: one record for the delivery of any notice of the case (method, tracking
# number, sent, received); the receipt it records is the date the clock counts from (the
# correction window, the fee payment, a consultation's answer window, the remedies from the
# reply's receipt). The older moves correction_delivered, consultation_delivered and
# reply_delivered set the same dates and stay as its special cases. A case is closed as abandoned
# only on a recorded receipt (need_receipt). The management moves: reassign (the head, to an
# account of the same agency the service checks), transfer (to another agency the service
# resolves: the case keeps its number and history, the receiving agency answers from then on),
# split (new linked cases the service numbers and registers), record_contact, mark_for_publication.

DELIVERY_METHODS = MappingProxyType({
    "in_person": "直接送达（送达回证）", "post": "邮寄送达（邮件查询记录）",
    "email": "电子邮件送达", "online": "网上申请平台送达（系统送达记录）",
})
DELIVERY_RULE = "送达须写明方式（" + "、".join(f"{k}（{v}）" for k, v in DELIVERY_METHODS.items()) + \
    "）、发出日和送达日；邮寄的须写明邮件号码"
SENT_RULE = "送达：发出日不得早于文书出具日，也不得晚于登记日"
RECEIVED_RULE = "送达：送达日（送达回证签收日、邮件妥投日或系统送达日）不得早于发出日，也不得晚于登记日"
RECEIPT_RULE = ("视为放弃申请（其他处理1、2）须已登记通知书的送达（送达回证、邮件查询记录或系统送达记录），"
                "且自送达之日起的期限已届满；未登记送达的，先登记送达")
# The notices of a case whose delivery can be recorded, by notice kind (notices/catalog.py).
CONSULTATION_NOTICES = MappingProxyType({"third_party_consultation": "third_party",
                                         "agency_consultation": "other_agency"})
DELIVERABLE_LABELS = MappingProxyType({
    "receipt": "接收回执", "correction": "补正告知书", "extension": "延期答复告知书",
    "third_party_consultation": "第三方征求意见书", "agency_consultation": "征求意见函",
    "public_interest": "公开告知书（第三方）", "fee": "收费通知书",
    "reasons_request": "要求说明理由通知书（第三十五条）",
    "longer_deadline": "说明理由告知书（第三十五条）", "reply": "答复书",
    "abandonment": "视为放弃申请告知书", "transfer": "转送告知书",
})
CONTACT_TYPES = MappingProxyType({
    "call": "电话沟通", "guidance": "指引、释明", "visit": "当面沟通",
    "receipt_confirmation": "确认收到申请（第三十一条）", "other": "其他联系",
})
CONFIRMED_CHANNELS = frozenset({"letter", "online", "fax"})  # Art 31: receipt is the day both confirm
MAX_NOTE = 2000
DISCLOSABLE_OUTCOMES = frozenset({"disclosed", "partial"})


@dataclass(frozen=True)
class DeliveryRecord:
    """The delivery of one notice: which (its kind, the consultation's index, its number), how,
    when sent and when received (None: not yet known)."""

    notice: str
    method: str
    sent: dt.date
    received: dt.date | None = None
    index: int | None = None
    doc_no: str = ""
    tracking: str = ""
    proof: str = ""


def _text(data: Mapping[str, Any], key: str, rule: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value in (None, "") and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _refuse(key, rule, f"缺少“{key}”")
    if len(value) > MAX_NOTE or "\x00" in value:
        raise _refuse(key, f"{rule}（不超过 {MAX_NOTE} 字，不含空字符）", f"“{key}”过长或含空字符")
    return value.strip()


def _consultation_at(case: Case, notice: str, index: Any) -> int:
    kind = CONSULTATION_NOTICES[notice]
    if index is None:
        found = [i for i, c in enumerate(case.consultations) if c.kind == kind]
        index = found[-1] if found else None
    if (isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(case.consultations)
            or case.consultations[index].kind != kind):
        raise _refuse("index", "须指明本案已发出的该类征求意见（index：第几项，从0起）", f"没有这一项征求意见：{index!r}")
    return index


def notice_issued(case: Case, notice: str, index: int | None = None) -> dt.date | None:
    """The day the case issued the notice of this kind (None: it has none, or the case does not
    keep its date: the register's date is given by the caller)."""
    if notice in CONSULTATION_NOTICES and index is not None:
        return case.consultations[index].sent
    return {"correction": case.correction_notice_sent, "fee": case.fee_notice_sent,
            "extension": case.extension_approved, "reply": case.replied_on,
            "reasons_request": getattr(case, "reasons_requested", None),
            "abandonment": case.replied_on if case.outcome in ("other.no_correction", "other.fee_unpaid")
            else None}.get(notice)


def notice_received(case: Case, notice: str, index: int | None = None) -> dt.date | None:
    """The recorded receipt of a notice: the date the clock counts its window from."""
    if notice in CONSULTATION_NOTICES and index is not None:
        return case.consultations[index].delivered
    own = {"correction": case.correction_notice_delivered, "fee": case.fee_notice_delivered,
           "reply": case.reply_delivered, "abandonment": case.reply_delivered}.get(notice)
    if own is not None:
        return own
    found = [d.received for d in case.deliveries if d.notice == notice and d.received and d.index == index]
    return found[-1] if found else None


def need_receipt(case: Case, notice: str) -> None:
    """Abandonment (其他处理 1, 2) only on the notice's recorded receipt (ogi-rules.md "Delivery")."""
    if notice_received(case, notice) is None:
        raise _refuse("delivered", RECEIPT_RULE,
                      f"{DELIVERABLE_LABELS[notice]}尚未登记送达，不能视为放弃申请：请先登记送达（record_delivery）")


def _record_delivery(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    d = cmd.data
    notice = _need(d, "notice", "送达的文书：" + "、".join(f"{k}（{v}）" for k, v in DELIVERABLE_LABELS.items())
                   + "，或文书编号、发文字号")
    if notice not in DELIVERABLE_LABELS:
        raise _refuse("notice", "送达的文书须为本案出具的文书（文书种类或文书编号、发文字号）", f"未知的文书“{notice}”")
    index = _consultation_at(case, notice, d.get("index")) if notice in CONSULTATION_NOTICES else None
    issued = parse_date(d["issued_on"], "issued_on") if d.get("issued_on") else notice_issued(case, notice, index)
    if issued is None:
        raise _refuse("notice", "送达的文书须为本案已出具的文书", f"本案没有{DELIVERABLE_LABELS[notice]}")
    method = _need(d, "method", DELIVERY_RULE)
    if method not in DELIVERY_METHODS:
        raise _refuse("method", DELIVERY_RULE, f"未知的送达方式“{method}”")
    tracking = _text(d, "tracking", "邮寄送达须写明邮件号码（挂号信、EMS）", required=method == "post")
    proof = _text(d, "proof", "送达凭证（送达回证编号、系统送达记录等）", required=False)
    sent = parse_date(d["sent"], "sent") if d.get("sent") else issued
    if not issued <= sent <= cmd.on:
        raise _refuse("sent", SENT_RULE, f"发出日 {sent.isoformat()}，文书出具日 {issued.isoformat()}，"
                      f"登记日 {cmd.on.isoformat()}")
    received = parse_date(d["received"], "received") if d.get("received") else None
    if received is not None and received < sent:
        raise _refuse("received", RECEIVED_RULE, f"送达日 {received.isoformat()} 早于发出日 {sent.isoformat()}")
    if received is not None and received > cmd.on:
        raise _refuse("received", RECEIVED_RULE, f"送达日 {received.isoformat()} 晚于登记日 {cmd.on.isoformat()}")
    if notice_received(case, notice, index) is not None:
        raise _refuse("notice", "每份文书的送达日只登记一次", f"{DELIVERABLE_LABELS[notice]}已登记送达")
    out = {"notice": notice, "index": index, "doc_no": str(d.get("doc_no") or ""), "method": method,
           "tracking": tracking, "proof": proof, "sent": sent.isoformat(),
           "received": received.isoformat() if received else None}
    basis = f"{DELIVERABLE_LABELS[notice]}{DELIVERY_METHODS[method]}" + \
        ("：期限自送达之日起计算" if received else "：已发出，送达日待登记")
    return out, basis


def _apply_delivery(c: Case, ev: Event) -> dict[str, Any]:
    d = ev.data
    rec = DeliveryRecord(d["notice"], d["method"], _d(d["sent"]), _d(d.get("received")),  # type: ignore[arg-type]
                         d.get("index"), d.get("doc_no", ""), d.get("tracking", ""), d.get("proof", ""))
    out: dict[str, Any] = {"deliveries": (*c.deliveries, rec)}
    got = rec.received
    if got is None:
        return out
    if rec.notice == "correction":
        out["correction_notice_delivered"] = got
    elif rec.notice == "fee":
        out["fee_notice_delivered"] = got
    elif rec.notice in ("reply", "abandonment"):
        out["reply_delivered"] = got
    elif rec.notice in CONSULTATION_NOTICES and rec.index is not None:
        i = rec.index
        out["consultations"] = (*c.consultations[:i], replace(c.consultations[i], delivered=got),
                                *c.consultations[i + 1:])
    return out


def _reassign(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    to = _need(cmd.data, "to", "改派承办人：写明本机关在职、具有承办人或负责人角色的账户代码")
    if to == case.handler:
        raise _refuse("to", "改派须改为另一名承办人", f"{to} 已是本案承办人")
    reasons = _text(cmd.data, "reasons", "改派理由", required=False)
    return {"to": to, "from": case.handler, "reasons": reasons}, "本机关负责人改派承办人"


def _transfer(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    d = cmd.data
    to = _need(d, "to", "转送须写明接收机关（已登记的机关代码）")
    source = _need(d, "from", "转送须写明转出机关")
    if case.transfers and case.transfers[-1][1] != source:
        raise _refuse("from", "转送由当前答复机关办理", f"本案当前由 {case.transfers[-1][1]} 答复")
    if to == source:
        raise _refuse("to", "转送须转至另一机关", f"本案已由 {to} 答复")
    reasons = _text(d, "reasons", "转送须写明理由并告知申请人")
    to_name = str(d.get("to_name") or to)
    return {"to": to, "to_name": to_name, "from": source, "from_name": str(d.get("from_name") or source),
            "reasons": reasons}, \
        f"转送{to_name}办理，自转送之日起由{to_name}答复（案件编号和办理记录不变）"


def _item_text(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        return str(item.get("description", ""))
    return str(getattr(item, "description", item))


SPLIT_RULE = ("拆分申请（一事一申请）：parts 为若干部分，每部分为申请事项序号的列表（从1起；申请有多个事项时）"
              "或一段申请内容描述；原案件至少保留一项")


def _split(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    parts = cmd.data.get("parts")
    if not isinstance(parts, (list, tuple)) or not parts:
        raise _refuse("parts", SPLIT_RULE, "缺少拆分的部分")
    items = tuple(getattr(case, "items", ()) or ())
    out, taken = [], set(case.split_items)
    for n, part in enumerate(parts, 1):
        if items:
            if (not isinstance(part, (list, tuple)) or not part
                    or any(isinstance(i, bool) or not isinstance(i, int) for i in part)):
                raise _refuse("parts", SPLIT_RULE, f"第{n}部分不是申请事项序号的列表")
            for i in part:
                if not 1 <= i <= len(items):
                    raise _refuse("parts", SPLIT_RULE, f"本申请没有第{i}项")
                if i in taken:
                    raise _refuse("parts", "每项申请事项只能拆分一次", f"第{i}项已拆分")
                taken.add(i)
            out.append({"items": sorted(part), "subject": "；".join(_item_text(items[i - 1]) for i in sorted(part))})
        else:
            text = _text({"parts": part}, "parts", SPLIT_RULE)
            out.append({"items": [], "subject": text})
    if items and len(taken) >= len(items):
        raise _refuse("parts", SPLIT_RULE, "拆分后原案件须至少保留一项申请事项")
    numbers = cmd.data.get("cases")
    if (not isinstance(numbers, (list, tuple)) or len(numbers) != len(out)
            or not all(isinstance(x, str) and x for x in numbers)):
        raise _refuse("cases", "拆分的新案件编号由系统分配，每部分一个", "缺少新案件编号")
    for part, no in zip(out, numbers):
        part["case_no"] = no
    return {"parts": out, "cases": list(numbers)}, \
        "申请拆分（一事一申请）：拆出的部分另立案件，与原案件相互关联，收到申请日不变"


def _record_contact(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    d = cmd.data
    kind = _need(d, "type", "联系类型：" + "、".join(f"{k}（{v}）" for k, v in CONTACT_TYPES.items()))
    if kind not in CONTACT_TYPES:
        raise _refuse("type", "联系类型：" + "、".join(CONTACT_TYPES), f"未知的联系类型“{kind}”")
    summary = _text(d, "summary", "须写明联系的内容")
    person = _text(d, "with", "联系对象", required=False)
    basis = f"与申请人联系：{CONTACT_TYPES[kind]}"
    if kind == "receipt_confirmation":
        if case.channel not in CONFIRMED_CHANNELS:
            raise _refuse("type", "第三十一条：平信、网络或传真提交的申请，以双方确认之日为收到申请之日",
                          f"本案为“{CHANNELS.get(case.channel, case.channel)}”，无须确认收到")
        if cmd.on != case.received:
            raise _refuse("on", "第三十一条：确认收到申请之日即为收到申请之日（登记的收到日）",
                          f"确认日 {cmd.on.isoformat()} 与收到日 {case.received} 不一致")
        basis = "第三十一条：与申请人确认收到申请（以双方确认之日为收到申请之日）"
    return {"type": kind, "summary": summary, "with": person}, basis


def _mark_for_publication(case: Case, cmd: Command, cal: WorkingCalendar, s: AgencySettings) -> Decision:
    if case.proactive:
        raise _refuse("kind", "第四十四条：一件案件只标记一次", "本案已标记纳入主动公开")
    disclosable = (case.outcome in DISCLOSABLE_OUTCOMES if case.state == State.CLOSED
                   else case.sign_off_decision in ("disclose", "partial"))
    if not disclosable:
        raise _refuse("kind", "第四十四条：可以公开的政府信息（经保密审查决定公开或部分公开、或已答复公开）方可纳入主动公开范围",
                      "本案的信息尚未确定可以公开")
    reasons = _text(cmd.data, "reasons", "第四十四条：写明理由（如多个申请人申请相同政府信息）")
    return {"reasons": reasons}, "第四十四条：多个申请人就相同政府信息申请公开且可以公开的，可以纳入主动公开范围"


MANAGEMENT_CHANGES: dict[str, Any] = {
    "record_delivery": _apply_delivery,
    "reassign": lambda c, ev: dict(handler=ev.data["to"]),
    "transfer": lambda c, ev: dict(transfers=(*c.transfers, (ev.data["from"], ev.data["to"])), handler=""),
    "split": lambda c, ev: dict(split_into=(*c.split_into, *ev.data["cases"]),
                                split_items=(*c.split_items, *(i for p in ev.data["parts"] for i in p["items"]))),
    "record_contact": lambda c, ev: dict(contacts=c.contacts + 1),
    "mark_for_publication": lambda c, ev: dict(proactive=ev.data["reasons"]),
}
_MANAGEMENT_MOVES: dict[str, tuple[Any, tuple[Role, ...], tuple[State, ...]]] = {
    "record_delivery": (_record_delivery, STAFF, ()),
    "reassign": (_reassign, HEAD, OPEN),
    "transfer": (_transfer, HEAD, OPEN),
    "split": (_split, STAFF, (R, IP)),
    "record_contact": (_record_contact, STAFF, ()),
    "mark_for_publication": (_mark_for_publication, STAFF, (IP, C)),
}
MOVE_LABELS.update({
    "record_delivery": "登记送达", "reassign": "改派承办人", "transfer": "转送其他机关",
    "split": "拆分申请", "record_contact": "与申请人联系", "mark_for_publication": "纳入主动公开（第四十四条）",
})
_MOVES.update(_MANAGEMENT_MOVES)
