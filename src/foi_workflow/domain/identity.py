"""Who is acting: the Principal, the roles a person may hold, and the rules for account data.

A Principal is the authenticated person (one account per person), the agency they belong to
with its chain of superiors, their roles there, and how they came in (the operator: a web
session, a token, the server's OS user, a Prefect flow). It is built only from a verified
sign-in, token or server-side lookup (services/auth.py), never from a form field. Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from .errors import InputError


class Role(StrEnum):
    CLERK = "clerk"            # 承办人
    REVIEWER = "reviewer"      # 保密审查人
    HEAD = "head"              # 负责人（政府信息公开工作机构负责人）
    SUPERVISOR = "supervisor"  # 督办人
    ADMIN = "admin"            # 管理员
    SYSTEM = "system"          # 系统（期限督办、日历重算）; never held by an account
    # an applicant on the public portal (services/portal.py): held by no person's account, only
    # by each agency's portal actor, and only after the case number and query code check out
    APPLICANT = "applicant"    # 网上申请人


ROLE_LABELS = {Role.CLERK: "承办人", Role.REVIEWER: "保密审查人", Role.HEAD: "负责人",
               Role.SUPERVISOR: "督办人", Role.ADMIN: "管理员", Role.SYSTEM: "系统",
               Role.APPLICANT: "网上申请人"}
ACCOUNT_ROLES = tuple(r for r in Role if r not in (Role.SYSTEM, Role.APPLICANT))

# The system actor's reserved namespace: no account code may start with it.
SYSTEM_PREFIX = "system"
SYSTEM_NAME = "系统（期限督办）"

CODE_RULE = "账户代码为2–40位小写字母、数字、点、连字符或下划线，以字母或数字开头"
_CODE = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")
IDENTIFIER_RULE = "人员标识为工号（2–32位字母、数字或连字符）或11位手机号码；一人一号，不得重复"
_STAFF_NO = re.compile(r"[A-Z0-9][A-Z0-9-]{1,31}")
_MOBILE = re.compile(r"1[3-9]\d{9}")
MAX_PERSON_NAME = 100
PASSWORD_RULE = "密码至少10位，且不得与账户代码或人员标识相同"
MIN_PASSWORD = 10
MAX_PASSWORD = 256


def check_code(code: str, field_name: str = "code") -> str:
    """An account code: printable, no path separators, outside the system namespace."""
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        shown = code if isinstance(code, str) and code.isprintable() else repr(code)
        raise InputError(field_name, CODE_RULE, f"无效的账户代码“{shown[:60]}”")
    if code.startswith(SYSTEM_PREFIX):
        raise InputError(field_name, f"以“{SYSTEM_PREFIX}”开头的代码为系统保留，任何账户不得使用",
                         f"代码“{code}”属于系统保留范围")
    return code


def normalize_identifier(value: str) -> str:
    """The person's identifier as stored: a staff number (upper case) or an 11-digit mobile."""
    text = unicodedata.normalize("NFKC", value or "").strip().upper().replace(" ", "")
    if text.startswith("+86") and len(text) == 14:
        text = text[3:]
    if text.isdigit() and len(text) == 11:
        if _MOBILE.fullmatch(text):
            return text
    elif _STAFF_NO.fullmatch(text):
        return text
    raise InputError("identifier", IDENTIFIER_RULE, "无效的人员标识")


def mask_identifier(value: str) -> str:
    """A mobile shows its first 3 and last 2 digits; a staff number is shown (not personal)."""
    if _MOBILE.fullmatch(value or ""):
        return value[:3] + "******" + value[-2:]
    return value


def check_person_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_PERSON_NAME \
            or not name.isprintable():
        raise InputError("name", f"姓名为1–{MAX_PERSON_NAME}个可打印字符", "姓名为空、过长或含控制字符")
    return name.strip()


def parse_roles(values: list[str] | tuple[str, ...] | str) -> frozenset[Role]:
    """One or more account roles ("clerk,reviewer" or a list); the system role is refused."""
    items = values.split(",") if isinstance(values, str) else list(values)
    items = [v.strip() for v in items if v and v.strip()]
    rule = "角色：" + "、".join(f"{r.value}（{ROLE_LABELS[r]}）" for r in ACCOUNT_ROLES) + "，可多个"
    if not items:
        raise InputError("role", rule, "至少须有一个角色")
    out = set()
    for v in items:
        if v not in {r.value for r in ACCOUNT_ROLES}:
            shown = v if v.isprintable() else repr(v)
            raise InputError("role", rule, f"未知的角色“{shown[:40]}”")
        out.add(Role(v))
    return frozenset(out)


def check_password(password: str, *, code: str = "", identifier: str = "") -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InputError("password", PASSWORD_RULE, "密码长度不符合要求")
    if "\x00" in password:
        raise InputError("password", PASSWORD_RULE, "密码含有空字符")
    if password.lower() in {code.lower(), identifier.lower()} - {""}:
        raise InputError("password", PASSWORD_RULE, "密码与账户代码或人员标识相同")
    return password


def roles_text(roles: frozenset[Role] | set[Role]) -> str:
    return "、".join(ROLE_LABELS[r] for r in Role if r in roles)


@dataclass(frozen=True)
class Principal:
    """The authenticated person acting now.

    agency_path: the person's agency id first, then its parent, up to the top-level
    government (policy compares it with a target agency's path). operator: who made the
    request reach the system ("web", "token:<code>", "os:<user>", "prefect:<run>", "system").
    """

    account_id: int
    code: str
    name: str
    agency_id: int
    agency_path: tuple[int, ...]
    roles: frozenset[Role]
    operator: str = ""
    via: str = "cli"  # cli | web | api | flow | system
    token_id: int | None = None
    # the operator's first-run set-up on the server: no admin exists yet, so the operator may
    # create the first agencies and accounts (services/auth.bootstrap_principal)
    bootstrap: bool = False

    @property
    def is_system(self) -> bool:
        return Role.SYSTEM in self.roles

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    def label(self) -> str:
        return f"{self.code} {self.name}（{roles_text(self.roles)}）"
