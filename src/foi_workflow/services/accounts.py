"""Accounts and agencies, managed by admins: one account per person, roles, deactivation,
passwords and personal API tokens. Every change is recorded with who made it and when.

Each use case is `use_case(cmd, uow, principal)`; the policy (domain/policy.py) decides who may.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from .. import localtime
from ..domain.errors import InputError
from ..domain.identity import (Principal, Role, check_code, check_password, check_person_name,
                               normalize_identifier, parse_roles, roles_text)
from ..domain.policy import Action, PermissionDenied, authorize
from ..domain.settings import AgencySettings
from ..storage.repositories import Account, Agency, Token
from ..storage.uow import UnitOfWork
from . import auth, directory

MAX_TOKEN_NAME = 100
LAST_ADMIN_RULE = "每个机关须保留一名在职的管理员（在本机关或其上级机关）"


def _agency(uow: UnitOfWork, code: str, field_name: str = "agency") -> Agency:
    found = uow.directory.agency_by_code(code) if isinstance(code, str) else None
    if found is None:
        shown = code if isinstance(code, str) and code.isprintable() else repr(code)
        raise InputError(field_name, "须为已登记的机关代码", f"未知的机关“{shown[:60]}”")
    return found


def _account(uow: UnitOfWork, code: str, field_name: str = "code") -> Account:
    found = uow.directory.account_by_code(code) if isinstance(code, str) else None
    if found is None or found.kind != "person":
        shown = code if isinstance(code, str) and code.isprintable() else repr(code)
        raise InputError(field_name, "须为已登记的工作人员账户", f"未知的账户“{shown[:60]}”")
    return found


def _manage(uow: UnitOfWork, principal: Principal, agency_id: int, target: str) -> None:
    path = uow.directory.agency_path(agency_id)
    authorize(principal, Action.DIRECTORY_MANAGE, path, target)
    auth.check_bootstrap(uow, principal, path)


def _record(uow: UnitOfWork, principal: Principal, account_id: int, change: str, detail: dict) -> None:
    uow.directory.record_change(account_id, change, detail, by=principal.code,
                                operator=principal.operator, at=localtime.now())


# ----- agencies ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AddAgency:
    code: str
    name: str
    kind: str
    parent: str | None = None
    settings: AgencySettings | None = None


def add_agency(cmd: AddAgency, uow: UnitOfWork, principal: Principal) -> Agency:
    """A government or a body under it; managed by an admin of the parent (or a top-level one)."""
    parent = _agency(uow, cmd.parent, "parent") if cmd.parent else None
    path = uow.directory.agency_path(parent.id) if parent else None
    authorize(principal, Action.DIRECTORY_MANAGE, path, cmd.parent or cmd.code)
    auth.check_bootstrap(uow, principal, path)
    directory.check_agency(cmd.code, cmd.name, cmd.kind)
    if uow.directory.agency_by_code(cmd.code) is not None:
        raise InputError("code", "机关代码不得重复", f"代码“{cmd.code}”已存在")
    return uow.directory.add_agency(code=cmd.code, name=cmd.name, kind=cmd.kind,
                                    parent_id=parent.id if parent else None,
                                    settings=asdict(cmd.settings or AgencySettings()))


@dataclass(frozen=True)
class SetAgencyContact:
    """The agency's contact block and payment details (domain/settings.py CONTACT_FIELDS,
    PAYMENT_REQUIRED): the given ones replace the stored ones, the others stay."""

    code: str
    values: dict[str, str]


def set_agency_contact(cmd: SetAgencyContact, uow: UnitOfWork, principal: Principal) -> AgencySettings:
    """Set an agency's contact and payment details (every notice states them); an admin of the
    agency or above it."""
    from sqlalchemy import select

    from ..domain.settings import CONTACT_FIELDS, NOTICE_FIELDS, PAYMENT_REQUIRED
    from ..storage.models import AgencyRow

    found = _agency(uow, cmd.code, "code")
    _manage(uow, principal, found.id, found.code)
    settable = (*CONTACT_FIELDS, *PAYMENT_REQUIRED, *NOTICE_FIELDS)
    unknown = [k for k in cmd.values if k not in settable]
    if unknown:
        raise InputError(unknown[0], "可设置：" + "、".join(settable), "未知的设置项")
    row = uow.session.get(AgencyRow, found.id)
    assert row is not None
    settings = AgencySettings(**{**(row.settings or {}), **{k: v.strip() for k, v in cmd.values.items()}})
    if settings.doc_code:  # 发文字号 are told apart by the code: no two agencies share one
        for other_code, other in uow.session.execute(select(AgencyRow.code, AgencyRow.settings)
                                                     .where(AgencyRow.id != row.id)).all():
            if (other or {}).get("doc_code") == settings.doc_code:
                raise InputError("doc_code", "机关代字不得与其他机关重复（发文字号据此区分）",
                                 f"机关代字“{settings.doc_code}”已由 {other_code} 使用")
    row.settings = asdict(settings)
    uow.session.flush()
    return settings


ALERT_DAYS_RULE = "答复期限到期提醒提前量为1–20个工作日"


@dataclass(frozen=True)
class SetAgencyAlertDays:
    code: str
    days: int


def set_agency_alert_days(cmd: SetAgencyAlertDays, uow: UnitOfWork, principal: Principal) -> AgencySettings:
    """How many working days ahead a reply due is flagged 即将到期 (the sweep and the board);
    an admin of the agency or above it."""
    from ..storage.models import AgencyRow

    found = _agency(uow, cmd.code, "code")
    _manage(uow, principal, found.id, found.code)
    if isinstance(cmd.days, bool) or not isinstance(cmd.days, int) or not 1 <= cmd.days <= 20:
        raise InputError("alert_working_days", ALERT_DAYS_RULE, f"无效的天数 {cmd.days!r}")
    row = uow.session.get(AgencyRow, found.id)
    assert row is not None
    settings = AgencySettings(**{**(row.settings or {}), "alert_working_days": cmd.days})
    row.settings = asdict(settings)
    uow.session.flush()
    return settings


# ----- accounts -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CreateAccount:
    code: str
    name: str
    agency: str
    identifier: str
    roles: tuple[str, ...] | str
    password: str | None = None  # None: the account cannot sign in until a password is set


def create_account(cmd: CreateAccount, uow: UnitOfWork, principal: Principal) -> Account:
    code = check_code(cmd.code)
    name = check_person_name(cmd.name)
    identifier = normalize_identifier(cmd.identifier)
    roles = parse_roles(cmd.roles)
    agency = _agency(uow, cmd.agency)
    _manage(uow, principal, agency.id, agency.code)
    if cmd.password is not None:
        check_password(cmd.password, code=code, identifier=identifier)
    if uow.directory.account_by_code(code) is not None:
        raise InputError("code", "账户代码不得重复", f"代码“{code}”已存在")
    existing = uow.directory.account_by_identifier(identifier)
    if existing is not None:
        raise InputError("identifier", "一人一个账户：同一工号或手机号码不得再登记账户（需要其他角色的，为原账户增加角色）",
                         f"该人员已有账户“{existing.code}”")
    account = uow.directory.add_account(
        code=code, name=name, agency_id=agency.id, identifier=identifier, roles=roles,
        password_hash=auth.hash_password(cmd.password) if cmd.password is not None else None,
        at=localtime.now())
    _record(uow, principal, account.id, "created",
            {"agency": agency.code, "roles": sorted(r.value for r in roles)})
    return account


def _keeps_an_admin(uow: UnitOfWork, account: Account, *, roles: frozenset[Role], active: bool) -> None:
    """An agency keeps an active admin in it or above it (someone can still manage its accounts)."""
    if Role.ADMIN not in account.roles or (Role.ADMIN in roles and active):
        return
    covering = set(uow.directory.agency_path(account.agency_id))
    others = [a for a in uow.directory.accounts(covering)
              if a.id != account.id and a.active and Role.ADMIN in a.roles]
    if not others:
        raise InputError("role" if active else "code", LAST_ADMIN_RULE,
                         f"“{account.code}”是本机关及其上级机关唯一在职的管理员")


@dataclass(frozen=True)
class SetRoles:
    code: str
    roles: tuple[str, ...] | str


def set_roles(cmd: SetRoles, uow: UnitOfWork, principal: Principal) -> Account:
    account = _account(uow, cmd.code)
    _manage(uow, principal, account.agency_id, account.code)
    roles = parse_roles(cmd.roles)
    _keeps_an_admin(uow, account, roles=roles, active=True)
    uow.directory.set_roles(account.id, roles)
    _record(uow, principal, account.id, "roles",
            {"from": sorted(r.value for r in account.roles), "to": sorted(r.value for r in roles)})
    return uow.directory.account_by_id(account.id)  # type: ignore[return-value]


@dataclass(frozen=True)
class SetActive:
    code: str
    active: bool


def set_active(cmd: SetActive, uow: UnitOfWork, principal: Principal) -> Account:
    """Deactivate (the account can no longer sign in, use tokens or be acted for) or reactivate."""
    account = _account(uow, cmd.code)
    _manage(uow, principal, account.agency_id, account.code)
    if account.active == cmd.active:
        raise InputError("code", "停用、启用须改变账户状态",
                         f"账户“{account.code}”已{'在用' if account.active else '停用'}")
    _keeps_an_admin(uow, account, roles=account.roles, active=cmd.active)
    uow.directory.set_active(account.id, cmd.active, localtime.now())
    _record(uow, principal, account.id, "reactivated" if cmd.active else "deactivated", {})
    return uow.directory.account_by_id(account.id)  # type: ignore[return-value]


@dataclass(frozen=True)
class ResetPassword:
    code: str
    password: str


def reset_password(cmd: ResetPassword, uow: UnitOfWork, principal: Principal) -> None:
    """An admin sets a new password (the person should change it at first sign-in)."""
    account = _account(uow, cmd.code)
    _manage(uow, principal, account.agency_id, account.code)
    check_password(cmd.password, code=account.code, identifier=account.identifier or "")
    uow.directory.set_password_hash(account.id, auth.hash_password(cmd.password), localtime.now())
    uow.signins.clear(account.code)
    _record(uow, principal, account.id, "password_reset", {})


@dataclass(frozen=True)
class ChangePassword:
    current: str
    new: str


def change_password(cmd: ChangePassword, uow: UnitOfWork, principal: Principal) -> None:
    """A person changes their own password, proving the current one."""
    account = _account(uow, principal.code)
    if not auth.verify_password(account.password_hash, cmd.current):
        raise InputError("current", "修改密码须输入当前密码", "当前密码不正确")
    check_password(cmd.new, code=account.code, identifier=account.identifier or "")
    if cmd.new == cmd.current:
        raise InputError("new", "新密码须与当前密码不同", "新旧密码相同")
    uow.directory.set_password_hash(account.id, auth.hash_password(cmd.new), localtime.now())
    _record(uow, principal, account.id, "password_changed", {})


# ----- tokens ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CreateToken:
    name: str
    days: int | None = None       # default: settings.token_days
    code: str | None = None       # whose token (default: the acting person's own)


def _token_owner(uow: UnitOfWork, principal: Principal, code: str | None) -> Account:
    account = _account(uow, code or principal.code)
    if account.id != principal.account_id:
        _manage(uow, principal, account.agency_id, account.code)
    return account


def create_token(cmd: CreateToken, uow: UnitOfWork, principal: Principal) -> tuple[Token, str]:
    """A new personal token: (its record, the secret, shown once and never stored)."""
    if principal.token_id is not None:  # by token (API or `foi --token`), also acting for another
        raise PermissionDenied("token", "令牌不能用于创建新令牌（须登录或在服务器上办理）", "以令牌创建令牌")
    owner = _token_owner(uow, principal, cmd.code)
    name = (cmd.name or "").strip()
    if not name or len(name) > MAX_TOKEN_NAME or not name.isprintable():
        raise InputError("name", f"令牌名称为1–{MAX_TOKEN_NAME}个可打印字符（说明用途）", "名称为空、过长或含控制字符")
    days = uow.settings.token_days if cmd.days is None else cmd.days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
        raise InputError("days", "令牌有效期为1–366天", f"无效的天数 {days!r}")
    now = localtime.now()
    secret = auth.new_token()
    token = uow.directory.add_token(staff_id=owner.id, name=name, token_hash=auth.hash_token(secret),
                                    prefix=secret[:10], created_at=now,
                                    expires_at=now + dt.timedelta(days=days))
    _record(uow, principal, owner.id, "token_created", {"token_id": token.id, "name": name, "days": days})
    return token, secret


@dataclass(frozen=True)
class RevokeToken:
    token_id: int


def revoke_token(cmd: RevokeToken, uow: UnitOfWork, principal: Principal) -> Token:
    token = uow.directory.token_by_id(cmd.token_id) if isinstance(cmd.token_id, int) else None
    owner = uow.directory.account_by_id(token.staff_id) if token else None
    if token is None or owner is None:
        raise InputError("token_id", "须为已创建的令牌编号", f"没有编号为 {cmd.token_id!r} 的令牌")
    _token_owner(uow, principal, owner.code)
    if token.revoked_at is not None:
        raise InputError("token_id", "已撤销的令牌不再撤销", f"令牌 {token.id} 已撤销")
    uow.directory.revoke_token(token.id, localtime.now())
    _record(uow, principal, owner.id, "token_revoked", {"token_id": token.id})
    return uow.directory.token_by_id(token.id)  # type: ignore[return-value]


def tokens(code: str | None, uow: UnitOfWork, principal: Principal) -> list[Token]:
    return uow.directory.tokens(_token_owner(uow, principal, code).id)


# ----- reads ---------------------------------------------------------------------------------------------

def accounts(agency: str | None, uow: UnitOfWork, principal: Principal) -> list[Account]:
    """The accounts an admin manages (an agency's, or all in the admin's scope)."""
    if agency:
        found = _agency(uow, agency)
        _manage(uow, principal, found.id, found.code)
        return uow.directory.accounts([found.id])
    _manage(uow, principal, principal.agency_id, "")
    return uow.directory.accounts(uow.directory.subtree_ids(principal.agency_id))


def changes(code: str, uow: UnitOfWork, principal: Principal) -> list:
    account = _account(uow, code)
    _manage(uow, principal, account.agency_id, account.code)
    return uow.directory.changes(account.id)


def describe(account: Account) -> dict:
    from ..domain.identity import mask_identifier

    d = asdict(account)
    d.pop("password_hash")
    d["identifier"] = mask_identifier(account.identifier or "")
    d["roles"] = sorted(r.value for r in account.roles)
    d["roles_label"] = roles_text(account.roles)
    for k in ("created_at", "deactivated_at"):
        d[k] = d[k].isoformat() if d[k] else None
    return d
