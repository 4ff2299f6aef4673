"""What a notice template is given: built from the case row, its history, its schedule, the agency
and the applicant, as plain JSON data (stored with the notice, so it can be rendered again).

Every string passes through literal() (hidden characters made visible); dates are ISO strings
(the templates format them); an applicant's ID number appears only masked. Facts that come from
the rules — articles, periods, labels, fee tiers — are taken from where the rules keep them
(outcomes.py, the rule packs, fees.py, case.py), never restated here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Mapping

from ..domain import fees
from ..domain.applicants import ID_TYPES, KINDS, mask
from ..domain.calendar import WorkingCalendar
from ..domain.case import CHANNELS, Case, Event
from ..domain.clock import Schedule
from ..domain.errors import InputError
from ..domain.outcomes import OUTCOMES
from ..domain.replies import DELIVERIES, FORMS, attachment_numbers, one_item_reply
from ..domain.replies import ELEMENTS as REPLY_ELEMENTS
from ..domain.rulepacks import pack_by_id
from ..domain.settings import (CONTACT_FIELDS, CONTACT_RULE, PAYMENT_REQUIRED, PAYMENT_RULE, SETTING_LABELS,
                               AgencySettings)
from .catalog import NOTICE_KINDS
from .literal import literal
from .templating import CASE_NO


@dataclass(frozen=True)
class Facts:
    """Everything known about one notice at the moment it is issued."""

    kind: str
    case_no: str
    subject: str
    received: dt.date
    channel: str
    rules: str
    agency_code: str
    agency_name: str
    review_body: str           # where administrative review is applied for
    applicant_name: str
    applicant_kind: str
    applicant_id_type: str
    applicant_id_number: str   # masked here, never stored or shown in clear
    event: Event               # the event that issues the notice (with its seq)
    case: Case                 # the case right after that event
    schedule: Schedule         # its dates right after that event
    calendar: WorkingCalendar
    settings: AgencySettings
    doc_no: str
    year: int
    number: int
    issued_on: dt.date         # the notice's date (the event's date; a correction's own date)
    corrects: Mapping[str, str] | None = None  # {"doc_no", "issued_on"} of the notice corrected
    reason: str = ""
    # the case's attachments (storage/attachment_tables.py): {"no", "name", "size", "sha256"}
    attachments: tuple[Mapping[str, Any], ...] = ()
    # the name of the agency that gave the case its number, when not the issuing one (a
    # transferred case keeps its number): notices name the case as "<it>受理编号：2026年第4号"
    case_agency_name: str = ""


def _s(value: Any) -> Any:
    """Strings made literal, dates made ISO, containers walked."""
    if isinstance(value, str):
        return literal(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _s(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_s(v) for v in value]
    return value


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _article(basis: str) -> str:
    """"第三十条：…" → "第三十条" (the provision a period's basis names first)."""
    head = basis.split("：", 1)[0]
    return head if head.startswith("第") else ""


def _dates(schedule: Schedule) -> dict[str, Any]:
    # start: counting begins the day after it (for reply_due, the Art 31 receipt date as the
    # clock took it: a weekend online submission counts from the next working day)
    return {key: {"date": _iso(d.date), "provisional": d.provisional, "basis": d.basis,
                  "article": _article(d.basis), "subject": d.subject, "start": _iso(d.start)}
            for key, d in schedule.keyed().items()}


def _date_of(schedule: Schedule, key: str, subject: str | None = None) -> dt.date | None:
    for d in schedule.dates:
        if d.key == key and (subject is None or d.subject == subject):
            return d.date
    return None


def _tiers(method: str) -> list[list[str]]:
    """The fee bands as a notice states them: [band, price] (from domain.fees)."""
    unit = "件" if method == "per_request" else "页"
    tiers = fees.PER_REQUEST_TIERS if method == "per_request" else fees.PER_VOLUME_TIERS
    rows = []
    for t in tiers:
        band = (f"第{t.first}{unit}起" if t.last is None else f"第{t.first}–{t.last}{unit}")
        if t.yuan == 0:
            price = "免费"
        elif t.step_every:
            price = (f"每{unit}{t.yuan}元，此后每增加{t.step_every}{unit}，"
                     f"每{unit}加收{t.step_yuan}元")
        else:
            price = f"每{unit}{t.yuan}元"
        rows.append([band, price])
    return rows


def _reply(f: Facts, pack) -> dict[str, Any]:
    c = f.case
    o = OUTCOMES[c.outcome]
    ground = c.sign_off_ground if c.outcome == "partial" else ""
    ground_outcome = OUTCOMES.get(f"withheld.{ground}") if ground else None
    objection = any(x.kind == "third_party" and x.answer == "objection" for x in c.consultations)
    return {
        "outcome": o.code,
        "label": o.label,
        "report_row": o.report_row,
        "article": o.article if o.article.startswith("第") else "",
        "adverse": o.adverse,
        "refusal": o.refusal,
        "right_agency": c.right_agency,
        "ground": ground,
        "ground_article": ground_outcome.article if ground_outcome else "",
        "third_party_objection": objection,
        "public_interest": c.public_interest_override,
        "on_the_spot": f.event.kind == "reply_on_spot",
        "replied_on": c.replied_on,
    }


def _numbered_by(f: Facts) -> str:
    """Who gave the case its number, as a notice says it: 本机关, or (a transferred case) the
    agency whose code the number carries. A number of another form is left to the filter
    case_ref, which refuses it."""
    m = CASE_NO.match(f.case_no)
    if m is None or m.group("agency") == f.agency_code:
        return "本机关"
    return f.case_agency_name or "原受理机关"


def _contact(f: Facts) -> dict[str, str]:
    """The agency's contact block (every notice) from its settings; a missing one is an error."""
    missing = f.settings.missing_contact()
    if missing:
        raise InputError(f"settings.{missing}", CONTACT_RULE,
                         f"本机关未设置“{SETTING_LABELS[missing]}”，不能出具{NOTICE_KINDS[f.kind].label}")
    return {k.removeprefix("contact_"): getattr(f.settings, k).strip() for k in CONTACT_FIELDS}


def _payment(f: Facts) -> dict[str, str]:
    missing = f.settings.missing_payment()
    if missing:
        raise InputError(f"settings.{missing}", PAYMENT_RULE,
                         f"本机关未设置“{SETTING_LABELS[missing]}”，不能出具收费通知书")
    return {k: getattr(f.settings, k).strip() for k in PAYMENT_REQUIRED}


def _item_descriptions(f: Facts) -> tuple[str, ...]:
    """The application's items (Case.items, numbered from 1); a case without items: its subject."""
    return tuple(str(getattr(i, "description", i)) for i in (getattr(f.case, "items", ()) or ())) or (f.subject,)


def _listed(f: Facts, numbers: list[int]) -> list[dict[str, Any]]:
    """The case attachments a notice sends (its 附件说明, in this order), each by its number."""
    files = {int(a["no"]): a for a in f.attachments}
    listed = []
    for n in numbers:
        if n not in files:
            raise InputError("files", "附件须为本案已上传的附件（foi case attach）", f"本案没有第{n}号附件")
        listed.append({"no": n, "name": files[n]["name"], "size": files[n]["size"],
                       "sha256": files[n]["sha256"]})
    return listed


def _sent_files(f: Facts) -> list[int]:
    """The attachment numbers a notice other than the reply sends: its event's `files`, should a
    move record some (today only replies send files, item by item); listed in its 附件说明 like
    the reply's, so no notice can send a file it does not list."""
    raw = f.event.data.get("files") or ()
    if not isinstance(raw, (list, tuple)) or not all(isinstance(n, int) and not isinstance(n, bool) for n in raw):
        raise InputError("files", "附件以序号列出（如 [1, 2]）", "附件序号无效")
    return list(dict.fromkeys(raw))


def _decisions(f: Facts) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each item's decision with its elements and labels, and the attachments the reply provides
    (its 附件说明), from the reply event's data (domain/replies.py). A reply recorded with only an
    outcome at the top level (a history from before items) is read as its one item — so every
    reply says what the law requires in one wording, and an element it lacks is an error."""
    if f.event.kind not in ("reply", "reply_on_spot"):
        return [], []
    data = f.event.data
    raw = data.get("items")
    if not raw and isinstance(data.get("outcome"), str):
        raw = one_item_reply(data)[0]["items"]
    if not raw:
        return [], []
    descriptions = _item_descriptions(f)
    listed = _listed(f, attachment_numbers(raw))
    position = {a["no"]: i + 1 for i, a in enumerate(listed)}  # 附件1, 附件2 … as listed
    out = []
    for item in raw:
        o = OUTCOMES[item["decision"]]
        ground = item.get("ground", "")
        # an optional element of the decision the reply leaves out is empty (its template tests it)
        d = {**{k: "" for k in REPLY_ELEMENTS.get(item["decision"], ((), ()))[1] if k != "files"},
             **{k: v for k, v in item.items() if k != "files"}}
        d.update({
            "description": descriptions[item["no"] - 1] if item["no"] <= len(descriptions) else "",
            "label": o.label, "article": o.article if o.article.startswith("第") else "",
            "form_label": FORMS.get(item.get("form", ""), ""),
            "delivery_label": DELIVERIES.get(item.get("delivery", ""), ""),
            "ground_article": OUTCOMES[f"withheld.{ground}"].article if ground else "",
            "attachments": [position[n] for n in item.get("files", ())],
        })
        out.append(d)
    return out, listed


def build(f: Facts) -> dict[str, Any]:
    """The template context of one notice (JSON-safe; stored with the notice)."""
    pack = pack_by_id(f.rules)
    c, ev = f.case, f.event
    kind = NOTICE_KINDS[f.kind]
    contact = _contact(f)
    ctx: dict[str, Any] = {
        "notice": {"kind": f.kind, "label": kind.label, "doc_no": f.doc_no, "year": f.year,
                   "number": f.number, "issued_on": f.issued_on, "corrects": f.corrects,
                   "reason": f.reason},
        "agency": {"code": f.agency_code, "name": f.agency_name, "review_body": f.review_body,
                   "contact": contact},
        "attachments": [],
        "case": {
            "case_no": f.case_no, "subject": f.subject, "received": f.received,
            # who gave the case its number (the filter case_ref writes "本机关受理编号：2026年第4号")
            "numbered_by": _numbered_by(f),
            "channel": f.channel, "channel_label": CHANNELS.get(f.channel, f.channel),
            "rules": pack.id, "rules_title": pack.title, "rules_short": pack.short,
            "regulation": pack.title.split("（", 1)[0],
            "reply_days": pack.reply_days, "exclusion_basis": pack.exclusion_basis,
            "calendar_version": f.schedule.calendar_version,
            "provisional": f.schedule.provisional,
            "correction_notice_sent": c.correction_notice_sent,
            "correction_received": c.correction_received,
            "fee_notice_sent": c.fee_notice_sent, "fee_amount": c.fee_amount,
            "fee_paid": c.fee_paid, "fee_time_excluded": f.settings.exclude_fee_time,
            "fee_regime": c.fee_regime,
            "extension_days": c.extension_days, "longer_deadline": c.art35_due,
            "reasons_requested": c.reasons_requested, "reasons_answer": c.reasons_answer,
        },
        "applicant": {
            "name": f.applicant_name, "kind": f.applicant_kind,
            "kind_label": KINDS.get(f.applicant_kind, f.applicant_kind),
            "id_type_label": ID_TYPES.get(f.applicant_id_type, f.applicant_id_type),
            "id_masked": mask(f.applicant_id_number) if f.applicant_id_number else "",
        },
        "event": {"kind": ev.kind, "seq": ev.seq, "on": ev.on, "actor": ev.actor, "basis": ev.basis},
        "dates": _dates(f.schedule),
        "remedy_periods": {
            "review_days": pack.periods["review"].length,
            "review_basis": pack.periods["review"].basis,
            "litigation_months": pack.periods["litigation"].length,
            "litigation_basis": pack.periods["litigation"].basis,
        },
    }
    d = ev.data
    if f.kind == "correction":
        delivered = c.correction_notice_delivered
        ctx["correction"] = {
            "matters": d["items"], "period_days": f.settings.correction_period_working_days,
            "delivered": delivered,
            # the window's end is stated only when the delivery date is known (else the sending
            # date would stand in for it and the applicant would be told too early a date)
            "window_end": _date_of(f.schedule, "correction_window_end") if delivered else None,
        }
    elif f.kind == "extension":
        before = replace(c, extension_days=0, extension_approved=None).schedule(f.calendar, f.settings)
        ctx["extension"] = {
            "days": d["days"], "reasons": d["reasons"], "original_due": before.reply_due,
            "new_due": f.schedule.reply_due, "provisional": f.schedule.provisional,
            "article": _article(pack.periods["extension"].basis),
        }
    elif f.kind in ("third_party_consultation", "agency_consultation"):
        rec = c.consultations[-1]
        period = pack.period(f"{rec.kind}_answer")
        ctx["consultation"] = {
            "kind": rec.kind, "party": rec.party, "sent": rec.sent, "delivered": rec.delivered,
            "answer_days": period.length if period else None,
            "answer_due": (_date_of(f.schedule, f"{rec.kind}_answer_due", rec.party)
                           if period and rec.delivered else None),
            "time_excluded": rec.kind in pack.excluded_consultations,
        }
    elif f.kind == "public_interest":
        objecting = [x for x in c.consultations if x.kind == "third_party" and x.answer == "objection"]
        ctx["public_interest"] = {
            "parties": [x.party for x in objecting],
            "consulted_on": objecting[0].sent if objecting else None,
            "answered_on": objecting[0].answered if objecting else None,
            "reasons": d["reasons"],
        }
    elif f.kind == "fee":
        method = d["method"]
        computation = d.get("computation") or {}
        ctx["fee"] = {
            "method": method,
            # cost: 2008 Art 27 cost fees by kind; processing: the 109号 fee, its computation shown
            "regime": d.get("regime", "processing"),
            "method_label": {"per_request": "按件计收", "per_volume": "按量计收"}.get(method, "成本费用"),
            "rule": {"per_request": fees.PER_REQUEST_RULE, "per_volume": fees.PER_VOLUME_RULE}.get(method, fees.COST_BASIS),
            "media": list(fees.PER_VOLUME_MEDIA.values()) if method == "per_volume" else [],
            "tiers": _tiers(method) if method != "cost" else [],
            "computation": computation.get("breakdown", []),
            "count": d.get("nth_in_month"), "pages": d.get("pages"),
            "amount": d["amount"], "basis": computation.get("basis", fees.BASIS),
            "payment": _payment(f),
            "payment_days": pack.periods["fee_payment"].length,
            "payment_due": (_date_of(f.schedule, "fee_payment_due")
                            if c.fee_notice_delivered else None),
        }
    elif f.kind == "transfer":
        ctx["transfer"] = {"to": d.get("to", ""), "to_name": d.get("to_name", ""),
                           "from_name": d.get("from_name", ""), "reasons": d.get("reasons", "")}
    elif f.kind == "reasons_request":
        delivered = d.get("delivered")
        ctx["reasons_request"] = {
            "facts": d["facts"], "answer_days": d["answer_days"],
            # the answer's due date is stated only when the delivery date is known
            "answer_due": (dt.date.fromordinal(f.calendar.nth_working_day_after(
                dt.date.fromisoformat(delivered).toordinal(), d["answer_days"])) if delivered else None),
        }
    elif f.kind == "longer_deadline":
        statutory = replace(c, art35_due=None).schedule(f.calendar, f.settings).reply_due
        ctx["longer_deadline"] = {"due": c.art35_due, "statutory_due": statutory,
                                  "reasons": d["reasons"], "reasons_requested": c.reasons_requested}
    elif f.kind in ("reply", "abandonment"):
        ctx["reply"] = _reply(f, pack)
        ctx["reply"]["decisions"], ctx["attachments"] = _decisions(f)
        if f.kind == "abandonment":
            ctx["abandonment"] = {
                "correction_period_days": f.settings.correction_period_working_days,
                "correction_window_end": _date_of(f.schedule, "correction_window_end"),
                "correction_delivered": c.correction_notice_delivered,
                "fee_delivered": c.fee_notice_delivered,
                "fee_payment_due": _date_of(f.schedule, "fee_payment_due"),
                "fee_basis": fees.BASIS,
            }
    if not ctx["attachments"] and _sent_files(f):  # a notice other than the reply that sends files
        ctx["attachments"] = _listed(f, _sent_files(f))
    return _s(ctx)
