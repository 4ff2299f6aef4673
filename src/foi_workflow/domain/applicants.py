"""Applicants and what an application says (Art 29): the six categories of table 3, identity
checks (GB 11643 resident ID, GB 32100 unified social credit code), contact details, the items
sought, the form and delivery asked for, oral applications; the applicant's match key; masking."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any, Iterable

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


def _shown(n: int, head: int, tail: int, full: int) -> tuple[int, int]:
    """How many leading and trailing characters of an n-character number may show: `head` and
    `tail` for a number of its full length (`full`) or longer; a shorter one never shows more
    than a third of its characters, the end weighing more than the start (issue 17)."""
    if n >= full:
        return head, tail
    shown = n // 3
    keep_tail = (shown + 1) // 2
    return shown - keep_tail, keep_tail


def _masked(text: str, head: int, tail: int) -> str:
    return text[:head] + "*" * (len(text) - head - tail) + (text[len(text) - tail:] if tail else "")


def mask(number: str) -> str:
    """An ID number as shown in every listing, export and log: an 18-character one keeps its
    first 3 and last 4 characters; a shorter one at most a third of them."""
    head, tail = _shown(len(number), 3, 4, 18)
    return _masked(number, head, tail)


def mask_contact(contact: str) -> str:
    """A contact as shown: a phone keeps its first 3 and last 2 digits (a number shorter than a
    mobile's 11 digits at most a third of them), an e-mail its first character and domain;
    anything else its first character only."""
    text = (contact or "").strip()
    if not text:
        return ""
    local, at, domain = text.partition("@")
    if at and local and domain:
        return local[0] + "***@" + domain
    digits = [c for c in text if c.isdigit()]
    if len(digits) >= 7 and len(digits) >= len(text) * 0.6:
        head, tail = _shown(len(digits), 3, 2, 11)
        return _masked("".join(digits), head, tail)
    return text[0] + "*" * min(len(text) - 1, 8)


RULE_ORG = "第二十九条：申请人为法人或其他组织的，提供名称、统一社会信用代码、法定代表人或者联系人"
RULE_CREDIT_CODE = "统一社会信用代码为18位（数字或大写字母，不含I、O、Z、S、V），第18位校验码按GB 32100-2015计算"
RULE_PHONE = "联系电话：11位手机号码（1开头），或固定电话（可带区号、分机号，如0354-1234567转8）"
RULE_POSTCODE = "邮政编码为6位数字"
RULE_EMAIL = "电子邮箱形如 name@example.cn"
MAX_ADDRESS = 200
MAX_EMAIL = 254
# GB 32100-2015: the 31 characters of the code, in the order of their values 0–30.
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"(0\d{2,3})?[2-9]\d{6,7}(转\d{1,6})?")
_SERVICE = re.compile(r"[48]00\d{7}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_POSTCODE = re.compile(r"[0-8]\d{5}")
_SEPARATORS = re.compile(r"[\s\-－—_·.]+")


def credit_code_check(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015) from the first 17."""
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def credit_code_ok(code: str) -> bool:
    """An 18-character unified social credit code with a correct check character."""
    if len(code) != 18 or any(c not in CREDIT_CHARS for c in code):
        return False
    return credit_code_check(code[:17]) == code[17]


def normalise_number(number: str) -> str:
    """An identity document number or credit code as compared: full-width to half-width,
    spaces and separators removed, letters upper-case."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", number or "")).upper()


def match_key(id_type: str, id_number: str) -> str | None:
    """The key that recognises one applicant across cases: the document type and its
    normalised number (None: nothing to recognise by). Stored as is; issue 17 may store an
    HMAC of it instead, so it is only ever compared for equality."""
    number = normalise_number(id_number)
    if not number:
        return None
    return f"{id_type or 'other'}:{number}"


def normalise_phone(phone: str) -> str:
    """A phone number as compared: half-width, no +86, no spaces, brackets or hyphens; an
    extension after 转 or # kept."""
    text = re.sub(r"[\s()（）\-]", "", unicodedata.normalize("NFKC", phone or ""))
    if text.startswith("+86"):
        text = text[3:]
    return text.replace("#", "转")


def phone_ok(phone: str) -> bool:
    text = normalise_phone(phone)
    return bool(_MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text) or _SERVICE.fullmatch(text))


@dataclass(frozen=True)
class Applicant:
    """The applicant as given in an application. A person: name and identity document; an
    organisation: name, unified social credit code (id_type "credit_code", id_number the code)
    and its legal representative or contact person. Both: phone, address, postcode, e-mail.
    `contact`: free text kept from before these fields (masked wherever shown)."""

    kind: str
    name: str
    id_type: str = ""
    id_number: str = ""
    contact: str = ""
    legal_representative: str = ""
    contact_person: str = ""
    phone: str = ""
    address: str = ""
    postcode: str = ""
    email: str = ""

    @classmethod
    def of(cls, raw: dict[str, Any], field_prefix: str = "applicant") -> "Applicant":
        """From a mapping (bulk lines, flow parameters, forms); `credit_code` sets the
        organisation's document. Unknown keys are refused naming them."""
        known = {f.name for f in fields(cls)} | {"credit_code"}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise InputError(f"{field_prefix}.{unknown[0]}", "申请人信息字段：" + "、".join(sorted(known)),
                             f"未知的字段“{unknown[0]}”")
        values = {k: v for k, v in raw.items() if v is not None}
        for k, v in values.items():
            if not isinstance(v, str):
                raise InputError(f"{field_prefix}.{k}", "申请人信息均为文字", f"“{k}”应为文字")
        code = values.pop("credit_code", "")
        if code:
            if values.get("id_number") and normalise_number(values["id_number"]) != normalise_number(code):
                raise InputError(f"{field_prefix}.credit_code", RULE_ORG, "统一社会信用代码与证件号码不一致")
            values["id_type"], values["id_number"] = "credit_code", code
        if "kind" not in values or "name" not in values:
            missing = "kind" if "kind" not in values else "name"
            raise InputError(f"{field_prefix}.{missing}", RULE_IDENTITY, f"缺少“{missing}”")
        return cls(**values)

    @property
    def is_person(self) -> bool:
        return self.kind == "natural_person"

    @property
    def credit_code(self) -> str:
        return self.id_number if self.id_type == "credit_code" else ""

    @property
    def key(self) -> str | None:
        return match_key(self.id_type, self.id_number)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError("applicant.kind", "申请人类别：" + "、".join(KINDS), f"未知的类别“{self.kind}”")
        if not self.name.strip():
            raise InputError("applicant.name", RULE_IDENTITY, "缺少申请人姓名或名称")
        if len(self.name) > MAX_NAME:
            raise InputError("applicant.name", f"姓名或名称不超过 {MAX_NAME} 字", f"共 {len(self.name)} 字")
        for f in fields(self):
            if "\x00" in getattr(self, f.name):
                raise InputError(f"applicant.{f.name}", RULE_NO_NUL, "含有空字符（\\x00）")
        if len(self.contact) > MAX_CONTACT:
            raise InputError("applicant.contact", f"联系方式不超过 {MAX_CONTACT} 字", f"共 {len(self.contact)} 字")
        if self.kind == "natural_person":
            if not self.id_number.strip():
                raise InputError("applicant.id_number", RULE_IDENTITY, "自然人申请须提供身份证件号码")
            if self.id_type not in ID_TYPES or self.id_type == "credit_code":
                raise InputError("applicant.id_type", "身份证件类型：" + "、".join(
                    k for k in ID_TYPES if k != "credit_code"), f"无效的证件类型“{self.id_type}”")
            if self.id_type == "resident_id" and not resident_id_ok(normalise_number(self.id_number)):
                raise InputError("applicant.id_number", "居民身份证号码为18位且校验码正确",
                                 f"号码 {mask(self.id_number)} 无效")
            for key in ("legal_representative", "contact_person"):
                if getattr(self, key).strip():
                    raise InputError(f"applicant.{key}", RULE_ORG, "自然人申请不填法定代表人或联系人")
        else:
            self._check_organisation()
        if len(self.id_number) > 40:
            raise InputError("applicant.id_number", "证件号码不超过 40 位", "号码过长")
        self._check_contact_details()

    def _check_organisation(self) -> None:
        if self.id_type not in ("", "credit_code") or not self.id_number.strip():
            shown = f"（给出的是“{ID_TYPES.get(self.id_type, self.id_type)}”）" if self.id_type not in ("", "credit_code") else ""
            raise InputError("applicant.credit_code", RULE_ORG, "法人或其他组织申请须提供统一社会信用代码" + shown)
        code = normalise_number(self.id_number)
        if not credit_code_ok(code):
            detail = ("应为18位" if len(code) != 18 else "含有不允许的字符" if any(c not in CREDIT_CHARS for c in code)
                      else f"校验码应为“{credit_code_check(code[:17])}”")
            raise InputError("applicant.credit_code", RULE_CREDIT_CODE, f"代码 {mask(code)} 无效：{detail}")
        object.__setattr__(self, "id_type", "credit_code")
        object.__setattr__(self, "id_number", code)
        if not (self.legal_representative.strip() or self.contact_person.strip()):
            raise InputError("applicant.contact_person", RULE_ORG, "法人或其他组织申请须提供法定代表人或联系人")
        for key in ("legal_representative", "contact_person"):
            if len(getattr(self, key)) > MAX_NAME:
                raise InputError(f"applicant.{key}", f"姓名不超过 {MAX_NAME} 字", "过长")

    def _check_contact_details(self) -> None:
        if self.phone and not phone_ok(self.phone):
            raise InputError("applicant.phone", RULE_PHONE, f"无效的电话 {mask_contact(self.phone)}")
        if self.postcode and not _POSTCODE.fullmatch(unicodedata.normalize("NFKC", self.postcode).strip()):
            raise InputError("applicant.postcode", RULE_POSTCODE, f"无效的邮政编码“{self.postcode[:10]}”")
        if self.postcode:
            object.__setattr__(self, "postcode", unicodedata.normalize("NFKC", self.postcode).strip())
        if self.email and (len(self.email) > MAX_EMAIL or not _EMAIL.fullmatch(self.email.strip())):
            raise InputError("applicant.email", RULE_EMAIL, f"无效的电子邮箱 {mask_contact(self.email)}")
        if len(self.address) > MAX_ADDRESS:
            raise InputError("applicant.address", f"通信地址不超过 {MAX_ADDRESS} 字", f"共 {len(self.address)} 字")
        if self.address and not self.address.strip():
            raise InputError("applicant.address", "通信地址不得只有空白", "地址为空白")

    @property
    def masked_id(self) -> str:
        return mask(self.id_number) if self.id_number else ""


# ----- the application (Art 29): items, form, delivery; oral applications (Art 29(1)) ----------

FORMS = MappingProxyType({"paper": "纸质", "electronic": "电子数据"})
DELIVERY = MappingProxyType({"post": "邮寄", "email": "电子邮件", "in_person": "当面领取",
                             "online": "网上获取"})
RULE_ITEMS = "第二十九条：申请公开的政府信息的名称、文号或者便于行政机关查询的其他特征性描述（至少一项）"
RULE_FORM = "第二十九条：申请公开的政府信息的形式要求（" + "、".join(f"{k}：{v}" for k, v in FORMS.items()) + "）"
RULE_DELIVERY = "第二十九条：获取信息的方式（" + "、".join(f"{k}：{v}" for k, v in DELIVERY.items()) + "）"
RULE_ORAL = "第二十九条第一款：采用书面形式确有困难的，申请人可以口头提出，由受理机关代为填写申请"
MAX_ITEM = 5000
MAX_ITEMS = 100
MAX_DOCUMENT_NO = 100


@dataclass(frozen=True)
class Item:
    """One piece of information sought: its description (title or features) and, when known,
    its document number (文号)."""

    description: str
    document_no: str = ""

    @classmethod
    def of(cls, value: Any, where: str = "items[1]") -> "Item":
        if isinstance(value, Item):
            return value
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, dict) and set(value) <= {"description", "document_no"} \
                and all(isinstance(v, str) for v in value.values()):
            return cls(value.get("description", ""), value.get("document_no", ""))
        raise InputError(where, RULE_ITEMS, "每项为文字，或含 description、document_no 的对象")


def check_items(items: Iterable[Any]) -> tuple[Item, ...]:
    """The items sought, numbered from 1: at least one, each described (and storable)."""
    if isinstance(items, (str, dict, Item)):
        items = [items]
    out = tuple(Item.of(v, f"items[{n}]") for n, v in enumerate(items or (), 1))
    if not out:
        raise InputError("items", RULE_ITEMS, "申请未列明所需的政府信息")
    if len(out) > MAX_ITEMS:
        raise InputError("items", f"一件申请至多 {MAX_ITEMS} 项", f"共 {len(out)} 项")
    for n, item in enumerate(out, 1):
        where = f"items[{n}]"
        if not item.description.strip():
            raise InputError(f"{where}.description", RULE_ITEMS, f"第 {n} 项缺少内容描述")
        if len(item.description) > MAX_ITEM:
            raise InputError(f"{where}.description", f"每项描述不超过 {MAX_ITEM} 字", f"共 {len(item.description)} 字")
        if len(item.document_no) > MAX_DOCUMENT_NO:
            raise InputError(f"{where}.document_no", f"文号不超过 {MAX_DOCUMENT_NO} 字", "过长")
        for key in ("description", "document_no"):
            if "\x00" in getattr(item, key):
                raise InputError(f"{where}.{key}", RULE_NO_NUL, "含有空字符（\\x00）")
    return out


@dataclass(frozen=True)
class Application:
    """What an application says (Art 29), checked: the applicant, the items sought, the form
    required, how the applicant wants to receive it, and whether staff filled it in for an oral
    application (then it was made in person, and `recorded_by` is the staff member)."""

    applicant: Applicant
    items: tuple[Item, ...]
    form: str
    delivery: str
    channel: str
    oral: bool = False
    recorded_by: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", check_items(self.items))
        if self.form not in FORMS:
            raise InputError("form", RULE_FORM, f"未知的形式“{str(self.form)[:20]}”" if self.form else "缺少信息的形式要求")
        if self.delivery not in DELIVERY:
            raise InputError("delivery", RULE_DELIVERY,
                             f"未知的获取方式“{str(self.delivery)[:20]}”" if self.delivery else "缺少获取信息的方式")
        a = self.applicant
        if self.delivery == "post" and not (a.address.strip() and a.postcode):
            missing = "address" if not a.address.strip() else "postcode"
            raise InputError(f"applicant.{missing}", "获取方式为邮寄的，须提供通信地址和邮政编码",
                             "缺少通信地址" if missing == "address" else "缺少邮政编码")
        if self.delivery == "email" and not a.email:
            raise InputError("applicant.email", "获取方式为电子邮件的，须提供电子邮箱", "缺少电子邮箱")
        if not isinstance(self.oral, bool):
            raise InputError("oral", RULE_ORAL, "应为是或否")
        if self.oral:
            if self.channel != "in_person":
                raise InputError("channel", RULE_ORAL, "口头申请须当面提出（收件渠道 in_person）")
            if not self.recorded_by.strip():
                raise InputError("recorded_by", RULE_ORAL, "口头申请须记录代为填写的工作人员")
        elif self.recorded_by:
            raise InputError("recorded_by", RULE_ORAL, "只有口头申请记录代为填写的工作人员")

    @property
    def subject(self) -> str:
        """The items as one line (lists, the case's subject column)."""
        parts = [(f"{i.description}（{i.document_no}）" if i.document_no else i.description) for i in self.items]
        return parts[0] if len(parts) == 1 else "；".join(f"{n}. {p}" for n, p in enumerate(parts, 1))

    def event_data(self) -> dict[str, Any]:
        """What the register event records of the application (no personal data)."""
        data: dict[str, Any] = {
            "items": [{"n": n, "description": i.description, **({"document_no": i.document_no} if i.document_no else {})}
                      for n, i in enumerate(self.items, 1)],
            "form": self.form, "delivery": self.delivery}
        if self.oral:
            data["oral"] = True
            data["recorded_by"] = self.recorded_by
        return data


def mask_address(address: str) -> str:
    """An address as shown in listings: its first 6 characters (province, city), the rest
    hidden."""
    text = (address or "").strip()
    if len(text) <= 6:
        return text[:2] + "*" * max(len(text) - 2, 0)
    return text[:6] + "*" * min(len(text) - 6, 8)
