"""The statutory clock: one pure function from a case's dated events to every date of clock.md.

compute_schedule() is the only place dates are computed; the case store, alerts and notices call
it and nothing else. Each DueDate carries its provisional flag, the provision it applies and an
Explanation that can list the days counted and the days excluded and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from .calendar import WorkingCalendar, merge_intervals
from .errors import InputError
from .rulepacks import EARLIEST_RECEIPT, EARLIEST_RULE, Period, RulePack, pack_by_id, pack_for
from .settings import DEFAULT_SETTINGS, AgencySettings

ConsultationKind = Literal["third_party", "other_agency"]
ONLINE_CHANNELS = frozenset({"online", "fax"})

# The order in which dates are listed (and their keys); labels live in foi_workflow.labels.
DATE_KEYS = (
    "reply_due",
    "correction_notice_due",
    "correction_window_end",
    "third_party_answer_due",
    "other_agency_answer_due",
    "fee_payment_due",
    "review_window_end",
    "litigation_window_end",
)


# ----- input --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Consultation:
    """A consultation letter (Art 32 third party, Art 34 other agency) and its answer."""

    kind: ConsultationKind
    sent: dt.date
    delivered: dt.date | None = None
    answered: dt.date | None = None
    party: str = ""


@dataclass(frozen=True)
class Exclusion:
    """An interval (start, end] not counted in the reply period, with the reason."""

    start: dt.date
    end: dt.date
    reason: str


@dataclass(frozen=True)
class ClockEvents:
    """The dated events of one case that the clock depends on."""

    received: dt.date
    channel: str | None = None
    rules: str | None = None
    correction_notice_sent: dt.date | None = None
    correction_notice_delivered: dt.date | None = None
    correction_received: dt.date | None = None
    consultations: tuple[Consultation, ...] = ()
    fee_notice_sent: dt.date | None = None
    fee_notice_delivered: dt.date | None = None
    fee_paid: dt.date | None = None
    extension_days: int = 0
    extension_approved: dt.date | None = None
    reply_delivered: dt.date | None = None
    longer_deadline: dt.date | None = None  # Art 35: a longer, reasonable deadline set by the agency
    exclusions: tuple[Exclusion, ...] = ()  # given by hand (what-if), on top of the above


# ----- output -------------------------------------------------------------------------------

Method = Literal["working_days", "days", "months", "pending"]


@dataclass(frozen=True)
class ExcludedSpan:
    start: dt.date
    end: dt.date
    reason: str
    working_days: int  # working days in (start, end] that were not counted


@dataclass(frozen=True)
class DueDate:
    """One computed date with why it is that date."""

    key: str
    date: dt.date | None
    provisional: bool
    basis: str
    method: Method
    start: dt.date  # counting starts the day after this date
    length: int
    excluded: tuple[ExcludedSpan, ...] = ()
    notes: tuple[str, ...] = ()
    subject: str = ""
    calendar: WorkingCalendar | None = field(default=None, compare=False, repr=False)

    def counted_days(self) -> list[dt.date]:
        """The working days counted, in order (empty for calendar-day periods)."""
        if self.method != "working_days" or self.date is None or self.calendar is None:
            return []
        cal = self.calendar
        skip = merge_intervals((e.start.toordinal(), e.end.toordinal()) for e in self.excluded)
        days = cal.working_days_list(self.start.toordinal(), self.date.toordinal())
        return [dt.date.fromordinal(o) for o in days
                if not any(s < o <= a for s, a in skip)]

    def skipped_days(self) -> list[tuple[dt.date, str]]:
        """Non-working days passed over between start and date, with the reason."""
        if self.date is None or self.calendar is None:
            return []
        cal = self.calendar
        out = []
        day = self.start + dt.timedelta(days=1)
        while day <= self.date:
            if not cal.is_working_day(day):
                name = cal.day_off_name(day)
                out.append((day, name or ("周六" if day.weekday() == 5 else "周日")))
            day += dt.timedelta(days=1)
        return out

    def to_dict(self, explain: bool = False) -> dict[str, object]:
        out: dict[str, object] = {
            "date": self.date.isoformat() if self.date else None,
            "provisional": self.provisional,
            "basis": self.basis,
        }
        if self.subject:
            out["subject"] = self.subject
        if explain:
            out["explanation"] = {
                "method": self.method,
                "from": self.start.isoformat(),
                "length": self.length,
                "counted": [d.isoformat() for d in self.counted_days()],
                "excluded": [{"after": e.start.isoformat(), "through": e.end.isoformat(),
                              "reason": e.reason, "working_days": e.working_days}
                             for e in self.excluded],
                "non_working": [{"date": d.isoformat(), "why": why}
                                for d, why in self.skipped_days()],
                "notes": list(self.notes),
            }
        return out


@dataclass(frozen=True)
class Schedule:
    """Every date that applies to a case, as of its events."""

    received: dt.date
    effective_received: dt.date
    rules: RulePack
    calendar_version: str
    dates: tuple[DueDate, ...]

    def get(self, key: str) -> DueDate | None:
        return next((d for d in self.dates if d.key == key), None)

    @property
    def reply_due(self) -> dt.date | None:
        due = self.get("reply_due")
        return due.date if due else None

    @property
    def provisional(self) -> bool:
        return any(d.provisional for d in self.dates)

    def keyed(self) -> dict[str, DueDate]:
        """The dates by unique key (a second consultation of a kind gets the suffix _2, …)."""
        out: dict[str, DueDate] = {}
        for d in self.dates:
            key, n = d.key, 1
            while key in out:
                n += 1
                key = f"{d.key}_{n}"
            out[key] = d
        return out

    def to_dict(self, explain: bool = False) -> dict[str, object]:
        return {
            "received": self.received.isoformat(),
            "effective_received": self.effective_received.isoformat(),
            "rules": self.rules.id,
            "calendar_version": self.calendar_version,
            "reply_due": self.reply_due.isoformat() if self.reply_due else None,
            "provisional": self.provisional,
            "dates": {k: d.to_dict(explain) for k, d in self.keyed().items()},
        }


# ----- the hot path -------------------------------------------------------------------------

def reply_due(calendar: WorkingCalendar, received: dt.date, rules: RulePack | None = None,
              extension_days: int = 0,
              exclusions: tuple[tuple[dt.date, dt.date], ...] = ()) -> tuple[dt.date, bool]:
    """reply_due and its provisional flag, for the common what-if questions.

    The same counting as compute_schedule, on the calendar's lookup tables.
    """
    pack = rules or pack_for(received)
    n = pack.reply_days
    if extension_days:
        n += _checked_extension(pack, extension_days)
    r = received.toordinal()
    if not exclusions:
        return calendar.nth_working_date_after(r, n)
    merged = merge_intervals((s.toordinal(), a.toordinal()) for s, a in exclusions)
    due = calendar.nth_counted_day(r, n, merged)
    return dt.date.fromordinal(due), calendar.provisional_between(r + 1, due)


def _checked_extension(pack: RulePack, days: int) -> int:
    if days == 0:
        return 0
    cap = pack.periods["extension"]
    if not 1 <= days <= cap.length:
        raise InputError("extension", cap.basis,
                         f"延期 {days} 个工作日超出上限 {cap.length} 个工作日" if days > 0
                         else f"延期天数须为正数，收到 {days}")
    return days


# ----- the whole schedule -------------------------------------------------------------------

class _Builder:
    def __init__(self, calendar: WorkingCalendar) -> None:
        self.cal = calendar
        self.dates: list[DueDate] = []

    def working(self, key: str, start: dt.date, period: Period, *, subject: str = "",
                notes: tuple[str, ...] = ()) -> DueDate:
        s = start.toordinal()
        due = self.cal.nth_working_day_after(s, period.length)
        d = DueDate(key, dt.date.fromordinal(due), self.cal.provisional_between(s + 1, due),
                    period.basis, "working_days", start, period.length, notes=notes,
                    subject=subject, calendar=self.cal)
        self.dates.append(d)
        return d

    def calendar_period(self, key: str, start: dt.date, period: Period) -> DueDate:
        if period.unit == "days":
            last = start + dt.timedelta(days=period.length)
        else:  # months: a review or court window, after a reply (not imported for `foi clock`)
            from dateutil.relativedelta import relativedelta

            last = start + relativedelta(months=period.length)
        o = self.cal.check(last, key)
        rolled = self.cal.next_working_day_on_or_after(o)
        notes = ()
        if rolled != o:
            notes = (f"期间最后一日 {last.isoformat()} 不是工作日，顺延至下一工作日",)
        d = DueDate(key, dt.date.fromordinal(rolled), self.cal.provisional_between(o, rolled),
                    period.basis, period.unit, start, period.length, notes=notes,
                    calendar=self.cal)
        self.dates.append(d)
        return d


def _not_before(later: dt.date | None, earlier: dt.date | None, field: str, what: str) -> None:
    if later is not None and earlier is not None and later < earlier:
        raise InputError(field, "事件日期须按办理顺序发生",
                         f"{later.isoformat()} 早于{what} {earlier.isoformat()}")


def _validate(ev: ClockEvents) -> None:
    if ev.received < EARLIEST_RECEIPT:
        raise InputError("received", EARLIEST_RULE,
                         f"收到日期 {ev.received.isoformat()} 早于 2008-05-01")
    _not_before(ev.correction_notice_sent, ev.received, "correction_notice_sent", "收到申请日")
    _not_before(ev.correction_notice_delivered, ev.correction_notice_sent,
                "correction_notice_delivered", "补正告知发出日")
    _not_before(ev.correction_received, ev.correction_notice_sent, "correction_received",
                "补正告知发出日")
    if ev.correction_received and not ev.correction_notice_sent:
        raise InputError("correction_received", "第三十条：先告知补正，后收到补正",
                         "没有补正告知却记录了收到补正")
    for i, c in enumerate(ev.consultations, 1):
        if c.kind not in ("third_party", "other_agency"):
            raise InputError(f"consultations[{i}].kind", "征求意见对象为 third_party 或 other_agency",
                             f"未知的征求意见对象“{c.kind}”")
        _not_before(c.sent, ev.received, f"consultations[{i}].sent", "收到申请日")
        _not_before(c.delivered, c.sent, f"consultations[{i}].delivered", "征求意见发出日")
        _not_before(c.answered, c.sent, f"consultations[{i}].answered", "征求意见发出日")
        _not_before(c.answered, c.delivered, f"consultations[{i}].answered", "征求意见送达日")
    _not_before(ev.fee_notice_sent, ev.received, "fee_notice_sent", "收到申请日")
    _not_before(ev.fee_notice_delivered, ev.fee_notice_sent, "fee_notice_delivered", "收费通知发出日")
    _not_before(ev.fee_paid, ev.fee_notice_sent, "fee_paid", "收费通知发出日")
    if ev.fee_paid and not ev.fee_notice_sent:
        raise InputError("fee_paid", "先发收费通知，后缴费", "没有收费通知却记录了缴费")
    _not_before(ev.extension_approved, ev.received, "extension_approved", "收到申请日")
    if ev.extension_approved and not ev.extension_days:
        raise InputError("extension", "延期须写明延长的工作日数", "记录了延期批准日但没有延期天数")
    _not_before(ev.reply_delivered, ev.received, "reply_delivered", "收到申请日")
    for e in ev.exclusions:
        if e.end < e.start:
            raise InputError("exclude", "排除期间的结束日不得早于开始日",
                             f"结束日 {e.end.isoformat()} 早于开始日 {e.start.isoformat()}")


def compute_schedule(events: ClockEvents, calendar: WorkingCalendar,
                     settings: AgencySettings = DEFAULT_SETTINGS) -> Schedule:
    """Every date of clock.md that applies to the case, each with its explanation."""
    ev = events
    _validate(ev)
    b = _Builder(calendar)
    cal = calendar
    cal.check(ev.received, "received")
    pack = pack_by_id(ev.rules) if ev.rules else pack_for(ev.received)
    if ev.extension_days:
        _checked_extension(pack, ev.extension_days)
    notes: list[str] = []
    if not pack.applies_to(ev.received):
        notes.append(f"按指定的{pack.short}计算（收到日期适用{pack_for(ev.received).short}）")

    # Art 31 receipt date, with the agency's weekend online-receipt setting.
    r0 = ev.received
    if (settings.weekend_online_receipt_next_working_day and ev.channel in ONLINE_CHANNELS
            and not cal.is_working_day(r0)):
        r0 = dt.date.fromordinal(cal.next_working_day_on_or_after(r0.toordinal()))
        notes.append(f"非工作日网上/传真提交，按本机关设置视为 {r0.isoformat()} 收到")

    # Correction (Art 30): notice within 7 working days of the original receipt.
    correction_notice = pack.period("correction_notice")
    if correction_notice and not ev.correction_received:
        b.working("correction_notice_due", r0, correction_notice)
    if ev.correction_notice_sent:
        base = ev.correction_notice_delivered or ev.correction_notice_sent
        window = Period(settings.correction_period_working_days, "working_days",
                        f"第三十条：补正期限（本机关设定 {settings.correction_period_working_days} 个工作日，"
                        "自申请人收到补正告知次日起算）")
        b.working("correction_window_end", base, window,
                  notes=() if ev.correction_notice_delivered else ("未记录送达日，以发出日代替",))

    # Intervals not counted: consultations of the kinds this pack excludes, and fee time.
    excluded: list[Exclusion] = list(ev.exclusions)
    open_ended: list[str] = []
    for c in ev.consultations:
        answer_period = pack.period(f"{c.kind}_answer")
        due_date = None
        if answer_period:
            base = c.delivered or c.sent
            due_date = b.working(f"{c.kind}_answer_due", base, answer_period, subject=c.party,
                                 notes=() if c.delivered else ("未记录送达日，以发出日代替",)).date
        if c.kind not in pack.excluded_consultations:
            continue
        label = "征求第三方意见" if c.kind == "third_party" else "征求其他机关意见"
        # the interval ends on the answer or the window's end, whichever is EARLIER: a late
        # answer never stretches the reply period (clock.md)
        late = bool(c.answered and due_date and c.answered > due_date)
        end = min(c.answered, due_date) if c.answered and due_date else (c.answered or due_date)
        if end is None:
            open_ended.append(f"{label}（{c.sent.isoformat()} 发出）尚未答复")
            continue
        why = ("逾期答复，按答复期限届满日计" if late else "已答复") if c.answered \
            else "未答复，按答复期限届满日计"
        excluded.append(Exclusion(c.sent, end, f"{label}{('：' + c.party) if c.party else ''}（{why}）"))
    fee_excluded = False
    regime = pack.fee_regime(ev.fee_notice_sent) if ev.fee_notice_sent else None
    # a payment window (and abandonment when it ends) and the clock exclusion exist only where
    # the fee rules in force when the fee was charged provide them (2008 cost fees: neither)
    if ev.fee_notice_sent and regime is not None and regime.abandonment:
        base = ev.fee_notice_delivered or ev.fee_notice_sent
        pay = b.working("fee_payment_due", base, pack.periods["fee_payment"],
                        notes=() if ev.fee_notice_delivered else ("未记录送达日，以发出日代替",))
        if settings.exclude_fee_time and regime.clock_exclusion:
            end = ev.fee_paid or pay.date
            assert end is not None
            why = "已缴费" if ev.fee_paid else "未缴费，按缴费期限届满日计"
            excluded.append(Exclusion(ev.fee_notice_sent, end, f"收费通知至缴费（{why}，本机关设置不计入）"))
            fee_excluded = True

    # The reply period: from the (corrected) receipt date, N (+E) counted working days.
    reply = pack.periods["reply"]
    if ev.correction_notice_sent and not ev.correction_received:
        b.dates.insert(0, DueDate("reply_due", None, False, reply.basis, "pending", r0,
                                  reply.length, notes=(*notes, "已告知补正：答复期限自收到补正之日起重新计算"),
                                  calendar=cal))
    elif open_ended:
        b.dates.insert(0, DueDate("reply_due", None, False, reply.basis, "pending", r0,
                                  reply.length, notes=(*notes, *open_ended,
                                                       "答复期限暂停计算，待答复后确定"), calendar=cal))
    else:
        r = ev.correction_received or r0
        if ev.correction_received:
            notes.append(f"申请人于 {r.isoformat()} 补正，答复期限自该日起重新计算")
        merged = merge_intervals((e.start.toordinal(), e.end.toordinal()) for e in excluded)
        ro = r.toordinal()
        base_due = cal.nth_counted_day(ro, reply.length, merged)
        n = reply.length
        basis = reply.basis
        if ev.extension_days:
            ext = ev.extension_days  # checked against the cap above
            if ev.extension_approved and ev.extension_approved.toordinal() > base_due:
                raise InputError("extension_approved", "延期须在原答复期限届满前（含当日）批准",
                                 f"批准日 {ev.extension_approved.isoformat()} 晚于答复期限 "
                                 f"{dt.date.fromordinal(base_due).isoformat()}")
            n += ext
            basis = f"{reply.basis}；{pack.periods['extension'].basis}"
            notes.append(f"原答复期限 {dt.date.fromordinal(base_due).isoformat()}，延长 {ext} 个工作日")
        due = cal.nth_counted_day(ro, n, merged) if n != reply.length else base_due
        if ev.longer_deadline and ev.longer_deadline.toordinal() > due:
            notes.append(f"法定答复期限为 {dt.date.fromordinal(due).isoformat()}；本机关依第三十五条"
                         f"确定合理答复期限至 {ev.longer_deadline.isoformat()}")
            basis = f"{basis}；第三十五条：确定延迟答复的合理期限"
            due = cal.check(ev.longer_deadline, "longer_deadline")
        spans = tuple(
            ExcludedSpan(e.start, e.end, e.reason,
                         cal.working_days_between(max(e.start.toordinal(), ro), e.end.toordinal()))
            for e in sorted(excluded, key=lambda e: (e.start, e.end)))
        if len(excluded) > len(ev.exclusions) + (1 if fee_excluded else 0):
            notes.append(pack.exclusion_basis)  # a consultation stopped the clock
        b.dates.insert(0, DueDate("reply_due", dt.date.fromordinal(due),
                                  cal.provisional_between(ro + 1, due), basis, "working_days", r, n,
                                  excluded=spans, notes=tuple(notes), calendar=cal))

    # Remedies after the reply: calendar-day periods, the last day moved to a working day.
    if ev.reply_delivered:
        b.calendar_period("review_window_end", ev.reply_delivered, pack.periods["review"])
        b.calendar_period("litigation_window_end", ev.reply_delivered, pack.periods["litigation"])

    order = {k: i for i, k in enumerate(DATE_KEYS)}
    dates = tuple(sorted(b.dates, key=lambda d: order[d.key]))
    return Schedule(ev.received, r0, pack, cal.version, dates)
