"""Agency settings that change the marked defaults of ogi-rules.md and clock.md."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .errors import InputError


@dataclass(frozen=True)
class AgencySettings:
    # Art 30: the law names no number; a reasonable period, in working days.
    correction_period_working_days: int = 15
    # (practice) an online or fax submission on a non-working day counts as received on the
    # next working day.
    weekend_online_receipt_next_working_day: bool = False
    # (practice) from sending the fee notice to payment is not counted in the reply period.
    exclude_fee_time: bool = True
    # (practice) alerts: a reply due within this many working days is flagged "due soon".
    alert_working_days: int = 3
    # ogi-rules.md "Dates of steps": a step recorded more than this many working days after its
    # legal date shows as back-dated, with who recorded it.
    backdate_working_days: int = 3
    # (practice) Art 35: the period given to the applicant to state reasons for excessive
    # requests (the law names no number), in working days after the request was sent.
    reasons_period_working_days: int = 15
    # ogi-rules.md "What a reply must say": every notice states the agency's contact (person or
    # office, phone, address) — a notice is refused while these are missing (CONTACT_REQUIRED)
    contact_office: str = ""      # 联系机构（政府信息公开工作机构）
    contact_person: str = ""      # 联系人
    contact_phone: str = ""       # 联系电话
    contact_address: str = ""     # 通信地址
    contact_postcode: str = ""    # 邮政编码（6位数字）
    contact_email: str = ""       # 电子邮箱
    contact_hours: str = ""       # 办公时间（申请指南所载受理时间，如“工作日 9:00–12:00，13:30–17:30”）
    # the fee notice's payment details (Art 42; 109号: the notice states how to pay)
    payee: str = ""               # 收款单位
    bank: str = ""                # 开户银行
    account: str = ""             # 银行账号
    payment_method: str = ""      # 缴费方式（如：持本通知书到窗口缴纳，或通过非税收入缴款码缴纳）
    # GB/T 9704-2012 7.2.3: the 发文字号 is 机关代字〔年份〕序号号 — the agency's short code (e.g.
    # "榆政信公" → 榆政信公〔2026〕3号), 1–10 Chinese characters. Unset: the agency's name with
    # "依申请公开" stands in (榆次区自然资源局依申请公开〔2026〕3号; notices/register.doc_code).
    doc_code: str = ""            # 机关代字

    def missing_contact(self) -> str | None:
        """The first contact setting a notice needs that is not set (None: complete)."""
        if not (self.contact_office.strip() or self.contact_person.strip()):
            return "contact_office"
        for key in ("contact_phone", "contact_address"):
            if not getattr(self, key).strip():
                return key
        return None

    def missing_payment(self) -> str | None:
        """The first payment setting the fee notice needs that is not set (None: complete)."""
        for key in PAYMENT_REQUIRED:
            if not getattr(self, key).strip():
                return key
        return None

    def __post_init__(self) -> None:
        for key in (*CONTACT_FIELDS, *PAYMENT_REQUIRED):
            value = getattr(self, key)
            if not isinstance(value, str) or len(value) > 200 or "\x00" in value:
                raise InputError(key, "联系方式、缴费信息每项不超过200字，不含空字符", f"设置值“{str(value)[:40]}”无效")
        if self.doc_code and not (isinstance(self.doc_code, str) and len(self.doc_code) <= DOC_CODE_MAX
                                  and all(_cjk(ch) for ch in self.doc_code)):
            shown = self.doc_code if isinstance(self.doc_code, str) and self.doc_code.isprintable() \
                else repr(self.doc_code)
            raise InputError("doc_code", DOC_CODE_RULE, f"设置值“{str(shown)[:40]}”无效")
        if self.contact_postcode and not (len(self.contact_postcode) == 6 and self.contact_postcode.isdigit()):
            raise InputError("contact_postcode", "邮政编码为6位数字", f"设置值“{self.contact_postcode[:20]}”无效")
        if self.contact_email and "@" not in self.contact_email:
            raise InputError("contact_email", "电子邮箱须含“@”", f"设置值“{self.contact_email[:60]}”无效")
        if not 1 <= self.alert_working_days <= 20:
            raise InputError("alert_working_days", "到期提醒提前量须为1至20个工作日",
                             f"设置值 {self.alert_working_days} 不在范围内")
        if not 0 <= self.backdate_working_days <= 20:
            raise InputError("backdate_working_days", "补录提示的工作日数须为0至20",
                             f"设置值 {self.backdate_working_days} 不在范围内")
        if not 1 <= self.correction_period_working_days <= 60:
            raise InputError("correction_period_working_days", "补正期限须为1至60个工作日",
                             f"设置值 {self.correction_period_working_days} 不在范围内")


def _cjk(ch: str) -> bool:
    """A Chinese character (CJK Unified Ideographs, any block): what a 机关代字 is written in."""
    return unicodedata.name(ch, "").startswith("CJK UNIFIED IDEOGRAPH")


DOC_CODE_MAX = 10
DOC_CODE_RULE = f"机关代字为1至{DOC_CODE_MAX}个汉字（如“榆政信公”，发文字号写作 榆政信公〔2026〕3号），不含字母、数字、标点"
# settings a notice states besides the contact and payment blocks (set like them: foi agency contact)
NOTICE_FIELDS = ("doc_code",)
CONTACT_FIELDS = ("contact_office", "contact_person", "contact_phone", "contact_address",
                  "contact_postcode", "contact_email", "contact_hours")
PAYMENT_REQUIRED = ("payee", "bank", "account", "payment_method")
# what a notice refused for a missing setting cites
CONTACT_RULE = "每份告知书须载明本机关的联系方式（联系机构或联系人、电话、地址），在机关设置中填写（foi agency contact）"
PAYMENT_RULE = "收费通知书须载明缴费方式（收款单位、开户银行、账号、缴费方式），在机关设置中填写（foi agency contact）"
SETTING_LABELS = {
    "contact_office": "联系机构", "contact_person": "联系人", "contact_phone": "联系电话",
    "contact_address": "通信地址", "contact_postcode": "邮政编码", "contact_email": "电子邮箱",
    "contact_hours": "办公时间",
    "payee": "收款单位", "bank": "开户银行", "account": "银行账号", "payment_method": "缴费方式",
    "doc_code": "机关代字",
}

DEFAULT_SETTINGS = AgencySettings()
