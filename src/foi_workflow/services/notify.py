"""E-mail digests of a sweep: one mail per recipient listing their agencies' new alerts (SMTP).

Recipients are staff with an address in `alert_recipients` (`foi notify set`); each gets the
alerts the sweep raised for their agency and every body under it, and the cases it closed
automatically there — one mail per recipient per sweep, none when there is nothing new.

SMTP settings come from the environment:
FOI_SMTP_HOST (no host: no mail), FOI_SMTP_PORT (default 25, or 465 with FOI_SMTP_SSL),
FOI_SMTP_USER / FOI_SMTP_PASSWORD (login when a user is given), FOI_SMTP_FROM (sender address),
FOI_SMTP_STARTTLS=true (upgrade the connection), FOI_SMTP_SSL=true (implicit TLS),
FOI_SMTP_TIMEOUT (seconds, default 30).
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import localtime
from ..domain import alerts as A
from ..domain.errors import InputError
from ..labels import fmt_date, move_label, outcome_label
from ..storage.alert_tables import AlertRecipientRow
from ..storage.models import AgencyRow, StaffRow
from . import board, directory
from .sweep import SweepResult

SUBJECT_PREFIX = "【政府信息公开期限督办】"
SENDER_NAME = "政府信息公开期限督办"
MAX_ADDRESS = 254


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    user: str = ""
    password: str = ""
    starttls: bool = False
    ssl: bool = False
    timeout: float = 30.0

    @classmethod
    def from_env(cls) -> SmtpSettings | None:
        """The configured server, or None when FOI_SMTP_HOST is not set (mail is off)."""
        host = os.environ.get("FOI_SMTP_HOST", "").strip()
        if not host:
            return None
        use_ssl = _flag("FOI_SMTP_SSL")
        port_text = os.environ.get("FOI_SMTP_PORT", "").strip() or ("465" if use_ssl else "25")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise InputError("FOI_SMTP_PORT", "邮件服务器端口为1–65535的整数", f"无效的端口“{port_text}”")
        sender = os.environ.get("FOI_SMTP_FROM", "").strip()
        if "@" not in sender:
            raise InputError("FOI_SMTP_FROM", "须设置发件人邮箱地址", f"无效的发件人“{sender}”")
        return cls(host, int(port_text), sender, os.environ.get("FOI_SMTP_USER", ""),
                   os.environ.get("FOI_SMTP_PASSWORD", ""), _flag("FOI_SMTP_STARTTLS"), use_ssl,
                   float(os.environ.get("FOI_SMTP_TIMEOUT", "30") or 30))


# ----- recipients ----------------------------------------------------------------------------------

def check_address(address: str) -> str:
    address = address.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or len(address) > MAX_ADDRESS or " " in address:
        raise InputError("email", "电子邮箱地址形如 name@example.gov.cn", f"无效的地址“{address}”")
    return address


def set_recipient(session: Session, staff_code: str, email: str | None, enabled: bool = True) -> AlertRecipientRow:
    """Give a member of staff an address for the digests (or switch them off: enabled=False)."""
    staff = session.scalar(select(StaffRow).where(StaffRow.code == staff_code))
    if staff is None or not staff.active:
        raise InputError("staff", "须为已登记且在职的工作人员", f"未知的工作人员“{staff_code}”")
    row = session.get(AlertRecipientRow, staff.id)
    if row is None:
        if email is None:
            raise InputError("email", "首次设置须给出电子邮箱地址", f"{staff_code} 尚无邮箱")
        row = AlertRecipientRow(staff_id=staff.id, email=check_address(email), enabled=enabled,
                                updated_at=localtime.now())
        session.add(row)
    else:
        if email is not None:
            row.email = check_address(email)
        row.enabled = enabled
        row.updated_at = localtime.now()
    session.flush()
    return row


def recipients(session: Session) -> list[tuple[StaffRow, AgencyRow, AlertRecipientRow]]:
    q = (select(StaffRow, AgencyRow, AlertRecipientRow)
         .join(AlertRecipientRow, AlertRecipientRow.staff_id == StaffRow.id)
         .join(AgencyRow, AgencyRow.id == StaffRow.agency_id)
         .order_by(AgencyRow.code, StaffRow.code))
    return [tuple(r) for r in session.execute(q)]  # type: ignore[misc]


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


def compose(session: Session, result: SweepResult) -> list[Digest]:
    """The digests of one sweep: one per enabled recipient with something new in their agencies."""
    out: list[Digest] = []
    if result.sweep_id is None:
        return out
    closes_by_agency: dict[int, list] = {}
    for c in result.auto_closed:
        closes_by_agency.setdefault(c.agency_id, []).append(c)
    for staff, agency, rec in recipients(session):
        if not rec.enabled or not staff.active:
            continue
        ids = directory.subtree_ids(session, agency)
        rows = board.sweep_alerts(session, result.sweep_id, ids)
        closes = [c for i in ids for c in closes_by_agency.get(i, [])]
        if not rows and not closes:
            continue
        out.append(_digest(staff, agency, rec, result.today, rows, closes))
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
    lines += ["全部未处理的提醒：foi board" + f" --agency {agency.code}", "",
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


def send(digests: list[Digest], settings: SmtpSettings | None) -> SendReport:
    """Send each digest over one SMTP connection; a refused address does not stop the others."""
    report = SendReport(disabled=settings is None)
    if settings is None or not digests:
        return report
    try:
        if settings.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
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
                report.failed.setdefault(d.email, f"无法连接或登录邮件服务器 {settings.host}:{settings.port}：{exc}")
    return report
