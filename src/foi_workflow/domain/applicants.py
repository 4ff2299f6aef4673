"""Applicants: the six categories of table 3, identity checks, and masking of ID numbers."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from .errors import InputError

# Table-3 columns (annual-report-2021.md); the applicant's category at receipt.
KINDS = MappingProxyType({
    "natural_person": "自然人",
    "commercial": "法人或其他组织 / 商业企业",
    "research": "法人或其他组织 / 科研机构",
    "public_interest": "法人或其他组织 / 社会公益组织",
    "legal_services": "法人或其他组织 / 法律服务机构",
    "other_org": "法人或其他组织 / 其他",
})
ID_TYPES = MappingProxyType({
    "resident_id": "居民身份证", "passport": "护照", "hk_macao_permit": "港澳居民来往内地通行证",
    "taiwan_permit": "台湾居民来往大陆通行证", "other": "其他有效身份证件",
    "credit_code": "统一社会信用代码",
})
MAX_NAME = 100
MAX_CONTACT = 200
RULE_IDENTITY = "第二十九条：申请人为公民的，提交身份证明；为法人或其他组织的，提交名称、统一社会信用代码等"
# The one character no database text column can store (PostgreSQL refuses it outright).
RULE_NO_NUL = "文字中不得含有空字符（\\x00），数据库无法保存"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def resident_id_ok(number: str) -> bool:
    """The GB 11643 check digit of an 18-character resident ID number."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(c) * w for c, w in zip(number[:17], _WEIGHTS))
    return _CHECK[total % 11] == number[17].upper()


def mask(number: str) -> str:
    """An ID number as shown in every listing, export and log: first 3 and last 4 kept."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_contact(contact: str) -> str:
    """A contact as shown: a phone keeps its first 3 and last 2 digits, an e-mail its first
    character and domain; anything else its first character only."""
    text = (contact or "").strip()
    if not text:
        return ""
    local, at, domain = text.partition("@")
    if at and local and domain:
        return local[0] + "***@" + domain
    digits = [c for c in text if c.isdigit()]
    if len(digits) >= 7 and len(digits) >= len(text) * 0.6:
        return "".join(digits[:3]) + "*" * (len(digits) - 5) + "".join(digits[-2:])
    return text[0] + "*" * min(len(text) - 1, 8)


@dataclass(frozen=True)
class Applicant:
    kind: str
    name: str
    id_type: str = ""
    id_number: str = ""
    contact: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError("applicant.kind", "申请人类别：" + "、".join(KINDS), f"未知的类别“{self.kind}”")
        if not self.name.strip():
            raise InputError("applicant.name", RULE_IDENTITY, "缺少申请人姓名或名称")
        if len(self.name) > MAX_NAME:
            raise InputError("applicant.name", f"姓名或名称不超过 {MAX_NAME} 字", f"共 {len(self.name)} 字")
        for key in ("name", "contact", "id_number"):
            if "\x00" in getattr(self, key):
                raise InputError(f"applicant.{key}", RULE_NO_NUL, "含有空字符（\\x00）")
        if len(self.contact) > MAX_CONTACT:
            raise InputError("applicant.contact", f"联系方式不超过 {MAX_CONTACT} 字", f"共 {len(self.contact)} 字")
        if self.kind == "natural_person":
            if not self.id_number.strip():
                raise InputError("applicant.id_number", RULE_IDENTITY, "自然人申请须提供身份证件号码")
            if self.id_type not in ID_TYPES or self.id_type == "credit_code":
                raise InputError("applicant.id_type", "身份证件类型：" + "、".join(
                    k for k in ID_TYPES if k != "credit_code"), f"无效的证件类型“{self.id_type}”")
            if self.id_type == "resident_id" and not resident_id_ok(self.id_number):
                raise InputError("applicant.id_number", "居民身份证号码为18位且校验码正确",
                                 f"号码 {mask(self.id_number)} 无效")
        elif self.id_type and self.id_type not in ID_TYPES:
            raise InputError("applicant.id_type", "证件类型：" + "、".join(ID_TYPES), f"无效的证件类型“{self.id_type}”")
        if len(self.id_number) > 40:
            raise InputError("applicant.id_number", "证件号码不超过 40 位", "号码过长")

    @property
    def masked_id(self) -> str:
        return mask(self.id_number) if self.id_number else ""
