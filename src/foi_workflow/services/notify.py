"""E-mail digests of a sweep: one mail per recipient listing their agencies' new alerts (SMTP).

    set_recipient(SetRecipient(staff, email, enabled), uow, principal)   # an admin (NOTIFY_MANAGE)
    list_recipients(agency, uow, principal)                              # likewise
    send_digests(result, uow, principal) -> SendReport                   # after a sweep

Recipients are staff with an address in `alert_recipients` (`foi notify set`); who receives the
supervisors' digest is set by an admin of the recipient's agency or of a government above it
(Action.NOTIFY_MANAGE), and each change is recorded in staff_changes (change "notify_address",
with who and through which operator). Each recipient gets the alerts the sweep raised in their
agency and the bodies under it whose board they may read, and the cases it closed
automatically there — one mail per recipient per sweep, none when there is nothing new.

SMTP comes from the settings (config.SmtpSettings, `uow.settings.smtp`): FOI_SMTP_HOST (no
host: no mail), FOI_SMTP_PORT (default 25, or 465 with FOI_SMTP_SSL), FOI_SMTP_USER /
FOI_SMTP_PASSWORD (login when a user is given), FOI_SMTP_FROM (sender address),
FOI_SMTP_STARTTLS=true (upgrade the connection), FOI_SMTP_SSL=true (implicit TLS),
FOI_SMTP_TIMEOUT (seconds, default 30).
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from sqlalchemy import select

from .. import localtime
from ..config import SmtpSettings
from ..domain import alerts as A
from ..domain.errors import InputError
from ..domain.identity import Principal, roles_text
from ..domain.policy import Action, authorize
from ..labels import fmt_date, move_label, outcome_label
from ..storage.alert_tables import AlertRecipientRow
from ..storage.models import AgencyRow, StaffRow
from ..storage.repositories import Account
from ..storage.uow import UnitOfWork
from . import access, auth, board
from .sweep import ALL_AGENCIES, SweepResult

SUBJECT_PREFIX = "【政府信息公开期限督办】"
SENDER_NAME = "政府信息公开期限督办"
MAX_ADDRESS = 254
CHANGE = "notify_address"


def check_smtp(settings: SmtpSettings) -> SmtpSettings | None:
    """The configured server, or None when no host is set (mail is off)."""
    if not settings.enabled:
        return None
    if "@" not in settings.sender.strip():
        raise InputError("FOI_SMTP_FROM", "须设置发件人邮箱地址", f"无效的发件人“{settings.sender}”")
    return settings


# ----- recipients ----------------------------------------------------------------------------------

def check_address(address: str) -> str:
    address = address.strip() if isinstance(address, str) else ""
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or len(address) > MAX_ADDRESS or " " in address \
            or not address.isprintable():
        shown = address if address.isprintable() else repr(address)
        raise InputError("email", "电子邮箱地址形如 name@example.gov.cn", f"无效的地址“{shown[:80]}”")
    return address


@dataclass(frozen=True)
class SetRecipient:
    """Give a member of staff an address for the digests (or switch them off: enabled=False)."""

    staff: str
    email: str | None = None
    enabled: bool = True


@dataclass(frozen=True)
class Recipient:
    staff: str
    name: str
    roles: frozenset
    agency: str
    email: str
    enabled: bool

    def to_dict(self) -> dict[str, Any]:
        return {"staff": self.staff, "name": self.name, "roles": sorted(r.value for r in self.roles),
                "roles_label": roles_text(self.roles), "agency": self.agency, "email": self.email,
                "enabled": self.enabled}


def _staff(uow: UnitOfWork, code: str) -> Account:
    found = uow.directory.account_by_code(code) if isinstance(code, str) else None
    if found is None or found.kind != "person" or not found.active:
        shown = code if isinstance(code, str) and code.isprintable() else repr(code)
        raise InputError("staff", "须为已登记且在职的工作人员", f"未知的工作人员“{shown[:60]}”")
    return found


def set_recipient(cmd: SetRecipient, uow: UnitOfWork, principal: Principal) -> Recipient:
    """In the caller's transaction: an admin of the recipient's agency (or of a government above
    it) sets where their digest goes; the change is recorded with who made it."""
    staff = _staff(uow, cmd.staff)
    authorize(principal, Action.NOTIFY_MANAGE, uow.directory.agency_path(staff.agency_id), staff.code)
    session = uow.session
    row = session.get(AlertRecipientRow, staff.id)
    previous = None if row is None else {"email": row.email, "enabled": row.enabled}
    now = localtime.now()
    if row is None:
        if cmd.email is None:
            raise InputError("email", "首次设置须给出电子邮箱地址", f"{staff.code} 尚无邮箱")
        row = AlertRecipientRow(staff_id=staff.id, email=check_address(cmd.email),
                                enabled=bool(cmd.enabled), updated_at=now)
        session.add(row)
    else:
        if cmd.email is not None:
            row.email = check_address(cmd.email)
        row.enabled = bool(cmd.enabled)
        row.updated_at = now
    session.flush()
    uow.directory.record_change(staff.id, CHANGE, {"email": row.email, "enabled": row.enabled,
                                                   "previous": previous},
                                by=principal.code, operator=principal.operator, at=now)
    agency = uow.directory.agency_by_id(staff.agency_id)
    return Recipient(staff.code, staff.name, staff.roles, agency.code if agency else "", row.email,
                     row.enabled)


def recipients(session, agency_ids: list[int] | None = None) -> list[tuple[StaffRow, AgencyRow, AlertRecipientRow]]:
    """Every recipient (in these agencies), by agency and code: for the digests."""
    q = (select(StaffRow, AgencyRow, AlertRecipientRow)
         .join(AlertRecipientRow, AlertRecipientRow.staff_id == StaffRow.id)
         .join(AgencyRow, AgencyRow.id == StaffRow.agency_id)
         .order_by(AgencyRow.code, StaffRow.code))
    if agency_ids is not None:
        q = q.where(StaffRow.agency_id.in_(agency_ids))
    return [tuple(r) for r in session.execute(q)]  # type: ignore[misc]


def list_recipients(agency: str | None, uow: UnitOfWork, principal: Principal) -> list[Recipient]:
    """In the caller's transaction: the recipients in an agency and the bodies under it (default:
    the admin's own), for whoever may manage them (Action.NOTIFY_MANAGE)."""
    if agency is not None:
        found = uow.directory.agency_by_code(agency) if isinstance(agency, str) else None
        if found is None:
            shown = agency if isinstance(agency, str) and agency.isprintable() else repr(agency)
            raise InputError("agency", "须为已登记的机关代码", f"未知的机关“{shown[:60]}”")
        root_id = found.id
    else:
        root_id = principal.agency_id
    authorize(principal, Action.NOTIFY_MANAGE,
              uow.directory.agency_path(root_id) if root_id else None, agency or "")
    out = []
    for s, a, r in recipients(uow.session, uow.directory.subtree_ids(root_id)):
        account = uow.directory.account_by_id(s.id)
        out.append(Recipient(s.code, s.name, account.roles if account else frozenset(), a.code,
                             r.email, r.enabled))
    return out


# ----- the digest ----------------------------------------------------------------------------------

@dataclass
class Digest:
    staff_code: str
    staff_name: str
    email: str
    subject: str
    body: str
    alerts: int
    closes: int

    def message(self, sender: str) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = self.subject
        msg["From"] = formataddr((SENDER_NAME, sender))
        msg["To"] = formataddr((self.staff_name, self.email))
        msg["Date"] = localtime.now().strftime("%a, %d %b %Y %H:%M:%S %z")
        msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        msg.set_content(self.body, charset="utf-8")
        return msg


def _level_counts(rows: list[board.BoardRow]) -> str:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.level] = counts.get(r.level, 0) + 1
    return "，".join(f"{A.LEVEL_LABELS[A.Level(lv)]} {counts[lv.value]}" for lv in A.Level
                    if lv.value in counts)


def compose(uow: UnitOfWork, result: SweepResult, principal: Principal) -> list[Digest]:
    """In the caller's transaction: the digests of one sweep, one per enabled recipient with
    something new in the agencies whose board they may read (their own, and for a supervisor or
    head the bodies under it); each is recorded in the access log as the recipient's read."""
    out: list[Digest] = []
    if result.sweep_id is None:
        return out
    session = uow.session
    parents = board._parents(session)
    closes_by_agency: dict[int, list] = {}
    for c in result.auto_closed:
        closes_by_agency.setdefault(c.agency_id, []).append(c)
    for staff, agency, rec in recipients(session):
        if not rec.enabled or not staff.active or staff.kind != "person":
            continue
        account = uow.directory.account_by_id(staff.id)
        assert account is not None
        reader = auth.make_principal(uow, account, operator=principal.operator or "system", via="mail")
        ids = board.readable(session, reader, agency.id, parents)
        if not ids:
            continue
        rows = board.sweep_alerts(session, result.sweep_id, ids)
        closes = [c for i in ids for c in closes_by_agency.get(i, [])]
        if not rows and not closes:
            continue
        out.append(_digest(staff, agency, rec, result.today, rows, closes))
        access.record(uow, reader, board.ACTION, agency_id=agency.id, target=f"digest:{result.sweep_id}")
    return out


def _digest(staff: StaffRow, agency: AgencyRow, rec: AlertRecipientRow, today: dt.date,
            rows: list[board.BoardRow], closes: list) -> Digest:
    parts = []
    if rows:
        parts.append(f"新增提醒 {len(rows)} 条（{_level_counts(rows)}）")
    done = [c for c in closes if c.ok]
    failed = [c for c in closes if not c.ok]
    if done:
        parts.append(f"自动办结 {len(done)} 件")
    subject = f"{SUBJECT_PREFIX}{today.isoformat()} {agency.name}：" + "，".join(parts)
    lines = [f"{staff.name}：", "",
             f"{fmt_date(today)} 期限督办扫描结果（{agency.name}及其下属机关）。", ""]
    for code, name, items in board.by_agency(rows):
        lines.append(f"■ {name}（{code}）")
        for r in items:
            due = f"，期限 {fmt_date(r.due)}" if r.due else ""
            lines.append(f"  [{r.level_label}] {r.case_no}  承办人：{r.handler_name}"
                         f"  {r.kind_label}{due}")
            lines.append(f"      {r.reason}")
        lines.append("")
    if done:
        lines.append("■ 自动办结（视为放弃申请，已记入办理记录" + ("并出具告知书" if any(c.notice for c in done)
                                                         else "") + "）")
        for c in done:
            notice = f"，告知书 {c.notice}" if c.notice else ""
            lines.append(f"  {c.case_no}  {move_label(c.move)}：{outcome_label(c.outcome)}{notice}")
        lines.append("")
    if failed:
        lines.append("■ 未能自动办结（请人工处理）")
        for c in failed:
            lines.append(f"  {c.case_no}  {move_label(c.move)}：{c.error}")
        lines.append("")
    lines += [f"全部未处理的提醒：foi board --as {staff.code}", "",
              "（本邮件由系统自动发送，请勿直接回复。）"]
    return Digest(staff.code, staff.name, rec.email, subject, "\n".join(lines), len(rows), len(done))


# ----- sending -------------------------------------------------------------------------------------

@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)       # addresses
    failed: dict[str, str] = field(default_factory=dict)  # address -> error
    disabled: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "failed": self.failed, "disabled": self.disabled}


def send_digests(result: SweepResult, uow: UnitOfWork, principal: Principal) -> SendReport:
    """After a sweep, by whoever ran it (Action.SWEEP_RUN over the agencies it swept): compose
    the digests (one transaction of `uow`) and send them over the settings' SMTP server."""
    smtp = check_smtp(uow.settings.smtp)
    if smtp is None or result.sweep_id is None:
        return SendReport(disabled=smtp is None)
    with uow:
        if result.scope is None:
            authorize(principal, Action.SWEEP_RUN, None, ALL_AGENCIES)
        else:
            for code in result.scope:
                found = uow.directory.agency_by_code(code)
                authorize(principal, Action.SWEEP_RUN,
                          uow.directory.agency_path(found.id) if found else None, code)
        digests = compose(uow, result, principal)
    return send(digests, smtp)


def send(digests: list[Digest], settings: SmtpSettings | None) -> SendReport:
    """Send each digest over one SMTP connection; a refused address does not stop the others.
    No settings, or no host in them: nothing is sent (the report says mail is off)."""
    settings = check_smtp(settings) if settings is not None else None
    report = SendReport(disabled=settings is None)
    if settings is None or not digests:
        return report
    try:
        if settings.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port_or_default, timeout=settings.timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings.host, settings.port_or_default, timeout=settings.timeout)
        with smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password)
            for d in digests:
                try:
                    smtp.send_message(d.message(settings.sender))
                    report.sent.append(d.email)
                except smtplib.SMTPRecipientsRefused as exc:
                    report.failed[d.email] = f"收件人被拒绝：{exc.recipients}"
                except smtplib.SMTPDataError as exc:
                    report.failed[d.email] = f"邮件被拒绝：{exc.smtp_code} {exc.smtp_error!r}"
    except (OSError, smtplib.SMTPException) as exc:
        for d in digests:
            if d.email not in report.sent:
                report.failed.setdefault(d.email, f"无法连接或登录邮件服务器 {settings.host}:{settings.port_or_default}：{exc}")
    return report
