"""The applicant portal's use cases (docs/portal.md): the guide, applying online, following a case
with its number and query code, sending the correction online.

Who acts is each agency's portal actor (account kind "portal", role applicant: domain/policy.py,
domain/case.py APPLICANT_MOVES), made here and only here. It is scoped to one agency by the
policy and to one case by this module: every read and move on a case first checks the case
number and query code (`follow`, `check_follow`), and a wrong code, an unknown case number and a
throttled look-up all answer with the one message of UNKNOWN, after the same work.

Stored: only the SHA-256 of a query code (80 random bits: no dictionary to try, and a hash that
costs nothing to check keeps a look-up's time the same whatever was typed), an HMAC (keyed with
the app secret) of a client address, an applicant's identity key and a case number (the rate
limits), and the SHA-256 of a submission (its fingerprint; the case holds the data in clear anyway).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import tempfile
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update

from .. import localtime
from ..domain.applicants import DELIVERY, FORMS, Applicant, Application, Item
from ..domain.case import STATE_LABELS, State
from ..domain.errors import FoiError, InputError
from ..domain.identity import SYSTEM_PREFIX, Principal, Role
from ..domain.policy import Action, NotFound, authorize
from ..domain.rulepacks import pack_for
from ..storage.models import AgencyRow, CaseEventRow, CaseItemRow, CaseRow
from ..storage.portal_tables import PortalCodeRow, PortalHitRow, PortalOneTimeRow, PortalSubmissionRow
from ..storage.uow import UnitOfWork
from . import access, cases, directory

PORTAL_NAME = "网上申请平台"
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed without doubt
CODE_LENGTH = 16                                      # 16 × 5 bits = 80 random bits
MAX_CODES_PER_CASE = 3        # a form sent again (double click, reload) gets its own code, this often
FINGERPRINT_DAYS = 7          # the same application again within this many days: the same case
LOOKUP_WINDOW = dt.timedelta(minutes=15)
HIT_KEEP = dt.timedelta(days=2)
UNKNOWN_RULE = "凭案件编号和提交申请时显示的查询码查询（二者须一致；连续输错将暂停查询15分钟）"
UNKNOWN = "案件编号或查询码不正确，或查询过于频繁。请核对后重试，或稍后再试"
CONSENT_RULE = ("《中华人民共和国个人信息保护法》第十七条：处理个人信息前，告知处理的目的、方式和保存期限；"
                "须阅读个人信息处理说明并勾选同意后提交")
SUBMIT_RULE = "同一网络地址每小时、同一申请人每日在线提交的申请件数有上限（防止滥用），超出的请稍后再试或到申请受理窗口提交"
CONTACT_RULE = "第二十九条：申请人的联系方式——网上申请须留联系电话或电子邮箱（至少一项），以便告知补正、送达文书"
RESENT_RULE = "同一份表单只提交一次：页面已过期或已提交过的，请重新打开申请页面填写"
# the dates an applicant is shown (those that concern them), in this order
APPLICANT_DATES = ("reply_due", "correction_window_end", "fee_payment_due", "review_window_end",
                   "litigation_window_end")
APPLICANT_STATES = {State.RECEIVED.value: "已收到，正在审查", State.AWAITING_CORRECTION.value: "等待您补正",
                    State.IN_PROCESS.value: "办理中", State.CLOSED.value: "已办结"}
_DUMMY = hashlib.sha256(b"no-such-code").hexdigest()


class Throttled(InputError):
    """Too many attempts from this address or for this applicant: try later (HTTP 429)."""


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# ----- who acts: the agency's portal actor ------------------------------------------------------

def portal_principal(uow: UnitOfWork, agency_id: int, *, operator: str = "portal") -> Principal:
    """The agency's portal actor (kind portal, role applicant; created on first use). Call inside
    the caller's transaction."""
    agency = uow.directory.agency_by_id(agency_id)
    if agency is None:
        raise NotFound("agency", "须为已开通网上申请的机关", "没有这个机关")
    code = f"{SYSTEM_PREFIX}-portal.{agency.code}"
    if len(code) > 40:
        code = f"{SYSTEM_PREFIX}-portal.{agency.id}"
    account = uow.directory.account_by_code(code)
    if account is None:
        account = uow.directory.add_account(code=code, name=PORTAL_NAME, agency_id=agency.id, identifier=None,
                                            roles=frozenset({Role.APPLICANT}), password_hash=None,
                                            at=localtime.now(), kind="portal")
    elif account.kind != "portal" or account.agency_id != agency.id:
        raise InputError("agency", "网上申请平台的账户代码 system-portal.<机关代码> 为系统保留", f"“{code}”已被占用")
    return Principal(account.id, account.code, account.name, agency.id, uow.directory.agency_path(agency.id),
                     frozenset({Role.APPLICANT}), operator=operator[:80], via="portal")


def _actor(uow: UnitOfWork, agency_id: int, operator: str) -> Principal:
    """The portal actor in a transaction of its own (two first submissions at once: one creates
    it, the other finds it)."""
    from sqlalchemy.exc import IntegrityError

    try:
        with uow:
            return portal_principal(uow, agency_id, operator=operator)
    except IntegrityError:
        with uow:
            return portal_principal(uow, agency_id, operator=operator)


@dataclass(frozen=True)
class Client:
    """Where a request came from (the client address), only ever stored as a digest keyed with the
    app secret (FOI_WEB_SECRET): without the key no one can find an address by trying them all."""

    address: str
    secret: str = ""

    def digest(self, text: str) -> str:
        key = (self.secret or "foi-portal").encode()
        return hmac.new(key, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:40]

    @property
    def key(self) -> str:
        return self.digest("ip:" + (self.address or "?"))

    @property
    def operator(self) -> str:
        return "portal:" + self.key[:12]


# ----- rate limits: counted in the database, so that every worker shares them -----------------

def _count(session, bucket: str, since: dt.datetime) -> int:
    return session.scalar(select(func.count()).select_from(PortalHitRow)
                          .where(PortalHitRow.bucket == bucket, PortalHitRow.at >= since)) or 0


def _hit(uow: UnitOfWork, *buckets: str, now: dt.datetime) -> None:
    """Count one attempt for each bucket, in a transaction of its own (a refusal still counts)."""
    with uow:
        s = uow.session
        s.execute(delete(PortalHitRow).where(PortalHitRow.bucket.in_(buckets), PortalHitRow.at < now - HIT_KEEP))
        s.add_all(PortalHitRow(bucket=b, at=now) for b in buckets)


# ----- the guide (申请指南) ---------------------------------------------------------------------

def open_agencies(uow: UnitOfWork) -> list[dict[str, str]]:
    """The agencies taking applications online: those whose contact block is complete (every
    notice states it, so an agency without it could not issue the receipt)."""
    with uow:
        rows = uow.session.scalars(select(AgencyRow).order_by(AgencyRow.id)).all()
        return [{"code": r.code, "name": r.name} for r in rows
                if directory.agency_settings(r).missing_contact() is None]


def _open_agency(session, code: str) -> AgencyRow:
    row = session.scalar(select(AgencyRow).where(AgencyRow.code == code)) \
        if isinstance(code, str) and len(code) <= 40 else None
    if row is None or directory.agency_settings(row).missing_contact() is not None:
        raise NotFound("agency", "须为已开通网上申请的机关", "没有这个机关，或该机关尚未开通网上申请")
    return row


def guide(agency_code: str, uow: UnitOfWork) -> dict[str, Any]:
    """申请指南: the agency's office, address, hours, phone, and the steps and periods of the law
    in force today (the rule pack's own words and numbers, the agency's own settings)."""
    today = uow.settings.legal_today()
    pack = pack_for(today)
    with uow:
        row = _open_agency(uow.session, agency_code)
        s = directory.agency_settings(row)
    periods = {k: {"length": p.length, "unit": p.unit, "basis": p.basis} for k, p in pack.periods.items()}
    return {
        "agency": {"code": row.code, "name": row.name},
        "contact": {"office": s.contact_office, "person": s.contact_person, "phone": s.contact_phone,
                    "address": s.contact_address, "postcode": s.contact_postcode, "email": s.contact_email,
                    "hours": getattr(s, "contact_hours", "")},
        "rules": {"id": pack.id, "title": pack.title, "short": pack.short},
        "periods": periods,
        "correction_days": s.correction_period_working_days,
        "weekend_next_day": s.weekend_online_receipt_next_working_day,
        "forms": dict(FORMS), "deliveries": dict(DELIVERY),
        "excluded": pack.exclusion_basis,
        "art35": pack.art35_procedure,
        "fees": pack.fee_regime(today).basis,
    }


# ----- applying online --------------------------------------------------------------------------

@dataclass(frozen=True)
class Submission:
    """What the online form sends (Art 29): the applicant, the items, the form and delivery asked
    for, the consent to the processing of personal information, and the form's request id."""

    agency: str
    applicant: Applicant
    items: tuple[Item, ...]
    form: str
    delivery: str
    consent: bool
    request_id: str

    def fingerprint(self) -> str:
        a = self.applicant
        norm = lambda t: " ".join(unicodedata.normalize("NFKC", t or "").split())  # noqa: E731
        body = {"agency": self.agency, "kind": a.kind, "name": norm(a.name), "id": a.key or "",
                "contact": [norm(getattr(a, k)) for k in ("legal_representative", "contact_person", "phone",
                                                          "address", "postcode", "email")],
                "items": [[norm(i.description), norm(i.document_no)] for i in self.items],
                "form": self.form, "delivery": self.delivery}
        return sha(json.dumps(body, ensure_ascii=False, sort_keys=True))


@dataclass(frozen=True)
class Submitted:
    case_no: str
    code: str | None        # the query code, shown once (None: the same application sent before)
    received: dt.date
    effective_received: dt.date
    reply_due: dt.date | None
    provisional: bool
    repeated: bool          # an identical application: the case it made, no second case
    follow: "Follow | None" = None  # the code just issued, to follow the case at once


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    text = unicodedata.normalize("NFKC", code or "").upper()
    return "".join(c for c in text if c.isalnum())[:40]


def shown_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def check_consent(consent: bool) -> None:
    if consent is not True:
        raise InputError("consent", CONSENT_RULE, "请阅读个人信息处理说明并勾选同意")


def _submitted(session, row: CaseRow, code: str | None, repeated: bool) -> Submitted:
    agency = session.get(AgencyRow, row.agency_id)
    _row, _events, case = cases.load(session, row.case_no)
    schedule = case.schedule(cases.session_calendar(session), directory.agency_settings(agency))
    code_id = session.scalar(select(PortalCodeRow.id).where(PortalCodeRow.code_hash == sha(code))) if code else None
    return Submitted(row.case_no, code, schedule.received, schedule.effective_received, schedule.reply_due,
                     bool(row.provisional), repeated, Follow(row.case_no, code_id) if code_id else None)


CHALLENGE_RULE = "提交前须回答验证题（防止自动程序批量提交）；每题只能回答一次"


def spend_challenge(nonce: str, uow: UnitOfWork, *, now: dt.datetime | None = None) -> bool:
    """Mark a challenge's nonce used (True), or find it used already (False): each challenge is
    answered once, rightly or wrongly, so a solved one cannot be sent again with other content."""
    from sqlalchemy.exc import IntegrityError

    now = now or localtime.now()
    try:
        with uow:
            uow.session.add(PortalOneTimeRow(purpose="challenge", code_hash=sha("challenge:" + nonce),
                                             expires_at=now + dt.timedelta(hours=2), used_at=now))
            uow.session.flush()
    except IntegrityError:
        return False
    return True


def submit(sub: Submission, uow: UnitOfWork, client: Client, *, challenge: str | None = None,
           now: dt.datetime | None = None) -> Submitted:
    """Apply online: check, throttle, recognise a repeat, then register with the receipt, the
    query code's hash and the fingerprint in one transaction. The receipt date is today (Art 31:
    the system confirms at once; the agency's weekend setting moves it in the schedule)."""
    now = now or localtime.now()
    settings = uow.settings
    check_consent(sub.consent)
    if not (sub.applicant.phone.strip() or sub.applicant.email.strip()):
        raise InputError("applicant.phone", CONTACT_RULE, "请填写联系电话或电子邮箱（至少一项）")
    Application(sub.applicant, sub.items, sub.form, sub.delivery, "online")  # Art 29, before anything counts
    cases._check_request_id(sub.request_id)
    fingerprint = sub.fingerprint()
    with uow:
        session = uow.session
        agency = _open_agency(session, sub.agency)
        earlier = session.scalar(select(PortalSubmissionRow).where(
            PortalSubmissionRow.agency_id == agency.id, PortalSubmissionRow.fingerprint == fingerprint,
            PortalSubmissionRow.created_at >= now - dt.timedelta(days=FINGERPRINT_DAYS)))
        used = session.scalar(select(CaseEventRow.case_id).where(CaseEventRow.request_id == sub.request_id))
        if earlier is not None:
            row = session.get(CaseRow, earlier.case_id)
            code = None
            if earlier.request_id == sub.request_id:  # this same form again: its own code, a few times
                n = session.scalar(select(func.count()).select_from(PortalCodeRow)
                                   .where(PortalCodeRow.case_id == row.id)) or 0
                if n < MAX_CODES_PER_CASE:
                    code = new_code()
                    session.add(PortalCodeRow(case_id=row.id, code_hash=sha(code), request_id=sub.request_id,
                                              created_at=now))
            return _submitted(session, row, code, True)
        if used is not None:
            raise InputError("request_id", RESENT_RULE, "此表单已提交过另一份申请内容")
        ip_bucket = "submit-ip:" + client.key
        who_bucket = "submit-app:" + client.digest("applicant:" + (sub.applicant.key or ""))
        if (_count(session, ip_bucket, now - dt.timedelta(hours=1)) >= settings.portal_submits_per_hour
                or _count(session, who_bucket, now - dt.timedelta(days=1)) >= settings.portal_submits_per_day):
            raise Throttled("", SUBMIT_RULE, "提交过于频繁，本次申请未提交。请稍后再试")
        agency_id = agency.id
    if challenge is not None and not spend_challenge(challenge, uow, now=now):
        raise InputError("challenge", CHALLENGE_RULE, "验证题已回答过，请回答新的验证题")
    _hit(uow, ip_bucket, who_bucket, now=now)
    code = new_code()

    def then(session, row: CaseRow) -> None:
        # an earlier fingerprint past the window makes way; one within it makes this insert fail
        # (the same application sent at the same moment: the other one's case is the answer)
        session.execute(delete(PortalSubmissionRow).where(
            PortalSubmissionRow.agency_id == agency_id, PortalSubmissionRow.fingerprint == fingerprint,
            PortalSubmissionRow.created_at < now - dt.timedelta(days=FINGERPRINT_DAYS)))
        session.add(PortalSubmissionRow(agency_id=agency_id, fingerprint=fingerprint, case_id=row.id,
                                        request_id=sub.request_id, created_at=now))
        session.add(PortalCodeRow(case_id=row.id, code_hash=sha(code), request_id=sub.request_id, created_at=now))
        session.flush()

    who = _actor(uow, agency_id, client.operator)
    cmd = cases.Register(agency=sub.agency, applicant=sub.applicant, channel="online",
                         received=settings.legal_today(), items=sub.items, form=sub.form,
                         delivery=sub.delivery, request_id=sub.request_id)
    try:
        result = cases.register(cmd, uow, who, receipt=True, then=then)
    except cases.ConflictError:
        # the same application sent twice at the same moment: the other one made the case
        with uow:
            earlier = uow.session.scalar(select(PortalSubmissionRow).where(
                PortalSubmissionRow.agency_id == agency_id, PortalSubmissionRow.fingerprint == fingerprint))
            if earlier is None:
                raise
            return _submitted(uow.session, uow.session.get(CaseRow, earlier.case_id), None, True)
    with uow:
        row = uow.session.scalar(select(CaseRow).where(CaseRow.case_no == result.case_no))
        return _submitted(uow.session, row, None if result.repeated else code, result.repeated)


# ----- following a case -------------------------------------------------------------------------

@dataclass(frozen=True)
class Follow:
    """A checked case number and query code: what the session keeps (no personal data)."""

    case_no: str
    code_id: int


def _unknown() -> NotFound:
    return NotFound("code", UNKNOWN_RULE, UNKNOWN)


def follow(case_no: str, code: str, uow: UnitOfWork, client: Client, *,
           now: dt.datetime | None = None) -> Follow:
    """The case, when its number and query code match; else NotFound with UNKNOWN — the same for an
    unknown number, a wrong code and a throttled address or number, after the same work: the
    hits are counted, the given code hashed and compared (in constant time) with every code of
    the case or with a stand-in, and a failure is counted in a transaction of its own."""
    now = now or localtime.now()
    settings = uow.settings
    number = unicodedata.normalize("NFKC", case_no or "").strip()[:60]
    given = sha(normalise_code(code))
    ip_bucket, case_bucket = "lookup-ip:" + client.key, "lookup-case:" + client.digest("case:" + number.lower())
    since = now - LOOKUP_WINDOW
    with uow:
        s = uow.session
        # both counts always (`|`, not `or`): the same work whichever limit is reached
        throttled = (_count(s, ip_bucket, since) >= settings.portal_lookup_failures) | \
            (_count(s, case_bucket, since) >= settings.portal_case_failures)
        found = s.execute(select(CaseRow.id, PortalCodeRow.id, PortalCodeRow.code_hash)
                          .join(PortalCodeRow, PortalCodeRow.case_id == CaseRow.id)
                          .where(CaseRow.case_no == number)).all()
        match = None
        for _cid, code_id, stored in found or [(None, None, _DUMMY)]:
            if hmac.compare_digest(stored, given) and code_id is not None:
                match = code_id
        ok = match is not None and not throttled
        if ok:
            s.execute(update(PortalCodeRow).where(PortalCodeRow.id == match).values(last_used_at=now))
            case_id = found[0][0]
            row = s.get(CaseRow, case_id)
            who = portal_principal(uow, row.agency_id, operator=client.operator)
            access.record(uow, who, "portal.follow", agency_id=row.agency_id, case_id=row.id,
                          applicant_id=row.applicant_id, target=row.case_no)
    if not ok:
        _hit(uow, ip_bucket, case_bucket, now=now)
        raise _unknown()
    return Follow(number, match)


def _checked(uow: UnitOfWork, f: Follow, operator: str) -> tuple[CaseRow, Principal]:
    """Inside a transaction: the followed case, if its query code still stands (a revoked code
    ends every session that used it), and the portal actor of its agency."""
    s = uow.session
    row = s.scalar(select(CaseRow).join(PortalCodeRow, PortalCodeRow.case_id == CaseRow.id)
                   .where(CaseRow.case_no == f.case_no, PortalCodeRow.id == f.code_id))
    if row is None:
        raise _unknown()
    who = portal_principal(uow, row.agency_id, operator=operator)
    authorize(who, Action.CASE_READ, uow.directory.agency_path(row.agency_id), row.case_no)
    return row, who


def status(f: Follow, uow: UnitOfWork, client: Client) -> dict[str, Any]:
    """The case as its applicant sees it: state, the dates that concern them (provisional ones
    marked), what the office asked (the correction's items), the notices addressed to them."""
    from ..labels import date_label, outcome_label
    from ..notices.catalog import NOTICE_KINDS
    from ..notices.register import notice_key
    from ..storage.notice_tables import NoticeRow

    with uow:
        s = uow.session
        row, who = _checked(uow, f, client.operator)
        agency = s.get(AgencyRow, row.agency_id)
        _row, events, case = cases.load(s, row.case_no)
        schedule = case.schedule(cases.session_calendar(s), directory.agency_settings(agency))
        keyed = schedule.keyed()
        dates = [{"key": k, "label": date_label(k), "date": d.date.isoformat() if d.date else None,
                  "provisional": d.provisional, "basis": d.basis}
                 for k, d in keyed.items() if k.rstrip("_0123456789") in APPLICANT_DATES or k in APPLICANT_DATES]
        asked = next((e.data.get("items") for e in reversed(events) if e.kind == "request_correction"), None)
        notices = []
        for n in s.scalars(select(NoticeRow).where(NoticeRow.case_id == row.id).order_by(NoticeRow.id)):
            kind = NOTICE_KINDS.get(n.kind)
            if kind is None or not kind.to_applicant:
                continue
            notices.append({"key": notice_key(agency.code, n.year, n.number), "kind": n.kind, "label": kind.label,
                            "doc_no": n.doc_no, "issued_on": n.issued_on.isoformat(),
                            "superseded": n.supersedes_id is not None})
        items = [{"n": i.n, "description": i.description, "document_no": i.document_no}
                 for i in s.scalars(select(CaseItemRow).where(CaseItemRow.case_id == row.id).order_by(CaseItemRow.n))]
        access.record(uow, who, "portal.case.read", agency_id=row.agency_id, case_id=row.id,
                      applicant_id=row.applicant_id, target=row.case_no)
        return {
            "case_no": row.case_no, "agency": {"code": agency.code, "name": agency.name},
            "state": case.state.value, "state_label": APPLICANT_STATES.get(case.state.value,
                                                                            STATE_LABELS[case.state]),
            "received": schedule.received.isoformat(),
            "effective_received": schedule.effective_received.isoformat(),
            "items": items, "dates": dates, "provisional": any(d["provisional"] for d in dates),
            "correction_asked": asked if case.state == State.AWAITING_CORRECTION else None,
            "correction_sent": next((e.data.get("corrected") for e in reversed(events)
                                     if e.kind == "correction_received"), None),
            "may_correct": case.state == State.AWAITING_CORRECTION,
            "outcome_label": outcome_label(case.outcome) if case.outcome else "",
            "notices": notices,
            "fee": _fee_block(case, directory.agency_settings(agency)),
        }


def _fee_block(case, s) -> dict[str, Any] | None:
    """A fee waiting to be paid (Art 42; 109号: the notice states how to pay): the amount and the
    agency's payment details, as on the fee notice."""
    if case.fee_notice_sent is None or case.fee_paid is not None or case.state == State.CLOSED:
        return None
    return {"amount": case.fee_amount, "sent": case.fee_notice_sent.isoformat(), "payee": s.payee,
            "bank": s.bank, "account": s.account, "method": s.payment_method}


def notice_pdf(f: Follow, key: str, uow: UnitOfWork, client: Client) -> tuple[str, bytes]:
    """A notice of the followed case addressed to the applicant, as PDF (the register's own
    rendering, hashes checked); any other notice answers as unknown."""
    from ..notices import register as notices
    from ..notices.catalog import NOTICE_KINDS

    with uow:
        row, who = _checked(uow, f, client.operator)
        try:
            found = notices.find(uow.session, key) if isinstance(key, str) and len(key) <= 200 else None
        except NotFound:
            found = None
        if found is None or found.case_id != row.id or not NOTICE_KINDS[found.kind].to_applicant:
            raise NotFound("notice", "须为本案发给申请人的文书", "没有这份文书")
    with tempfile.TemporaryDirectory(prefix="foi-portal-") as folder:
        rendered = notices.render(notices.RenderRequest(key, folder, ("pdf",)), uow, who)
        return rendered.files["pdf"].name, rendered.files["pdf"].read_bytes()


def send_correction(f: Follow, text: str, request_id: str | None, uow: UnitOfWork,
                    client: Client) -> cases.StepResult:
    """The corrected request (Art 30), sent online: the case's correction_received, today, with
    the text as given (the reply period counts again from today)."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("corrected", "第三十条：按补正告知书的要求写明补正的内容", "请填写补正内容")
    with uow:
        row, who = _checked(uow, f, client.operator)
        case_no = row.case_no
    try:
        return cases.step(cases.Step(case_no, "correction_received", uow.settings.legal_today(),
                                     {"corrected": text}, request_id), uow, who)
    except FoiError as err:
        if err.field == "state":
            raise InputError("corrected", "第三十条：在本机关告知补正后、补正期限内提交补正",
                             "本案现在不需要补正") from None
        raise
