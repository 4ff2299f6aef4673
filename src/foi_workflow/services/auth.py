"""Who is acting: sign-in with a password, personal API tokens, and server-side principals.

A Principal is made here and nowhere else: from a verified password (sign_in), a token
(principal_from_token), or by the server for its own entry points (principal_for: the CLI's
operator acting for a member of staff, a flow run acting for the staff member who asked for it;
system_principal: the sweep and the calendar recompute; bootstrap_principal: the first set-up).

Passwords are hashed with argon2id (argon2-cffi); tokens are 256-bit random strings of which
only the SHA-256 is stored. Sign-in is throttled per account code after repeated failures; an
unknown account and a wrong password get the same answer in the same time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from functools import lru_cache
from dataclasses import replace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .. import localtime
from ..domain.errors import InputError
from ..domain.identity import SYSTEM_NAME, SYSTEM_PREFIX, Principal, Role
from ..domain.policy import AuthenticationError, PermissionDenied
from ..storage.repositories import Account
from ..storage.uow import UnitOfWork

TOKEN_PREFIX = "foi_"
_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against for unknown accounts, so that they take as long as a wrong password
    (made on first use: hashing costs ~0.1 s, not to be paid at import)."""
    return _hasher.hash("not-a-password-of-anyone")
SIGNIN_RULE = "账户代码或密码不正确；连续失败将暂停登录"
ACTIVE_RULE = "须为已登记且在职的工作人员"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def make_principal(uow: UnitOfWork, account: Account, *, operator: str, via: str,
                   token_id: int | None = None) -> Principal:
    return Principal(account.id, account.code, account.name, account.agency_id,
                     uow.directory.agency_path(account.agency_id), account.roles,
                     operator=operator, via=via, token_id=token_id)


def _usable(account: Account | None) -> Account | None:
    return account if account is not None and account.kind == "person" else None


def sign_in(code: str, password: str, uow: UnitOfWork, *, via: str = "web",
            now: dt.datetime | None = None) -> Principal:
    """The signed-in person, or AuthenticationError (nothing about which part was wrong).

    Runs in a transaction of its own (give it a unit of work not yet entered, as for
    services.cases.step): a wrong password is recorded, and counts towards the throttle, even
    though the sign-in is refused (raising inside the caller's transaction would roll it back).
    """
    with uow:
        outcome = _sign_in(code, password, uow, via=via, now=now or localtime.now())
    if isinstance(outcome, AuthenticationError):
        raise outcome
    return outcome


def _sign_in(code: str, password: str, uow: UnitOfWork, *, via: str,
             now: dt.datetime) -> Principal | AuthenticationError:
    settings = uow.settings
    key = (code or "").strip().lower()[:60]
    since = now - dt.timedelta(minutes=settings.signin_window_minutes)
    if uow.signins.failures_since(key, since) >= settings.signin_max_failures:
        raise AuthenticationError(
            "password", f"连续登录失败 {settings.signin_max_failures} 次后暂停登录 "
                        f"{settings.signin_window_minutes} 分钟", "登录已暂停，请稍后再试或联系管理员")
    account = _usable(uow.directory.account_by_code(key))
    ok = verify_password(account.password_hash if account else None, password or "")
    if not ok:
        uow.signins.add_failure(key, now)  # committed: the refusal is returned, not raised
        return AuthenticationError("password", SIGNIN_RULE, "账户代码或密码不正确")
    assert account is not None
    if not account.active:
        raise AuthenticationError("account", ACTIVE_RULE, f"账户“{account.code}”已停用")
    uow.signins.clear(key)
    if _hasher.check_needs_rehash(account.password_hash or ""):
        uow.directory.set_password_hash(account.id, hash_password(password), now)
    return make_principal(uow, account, operator="web", via=via)


def principal_from_token(token: str, uow: UnitOfWork, *, via: str = "api",
                         now: dt.datetime | None = None) -> Principal:
    """The token's owner, or AuthenticationError (unknown, revoked or expired token)."""
    now = now or localtime.now()
    rule = "须为有效的个人访问令牌（foi user token create）"
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise AuthenticationError("token", rule, "令牌无效")
    found = uow.directory.token_by_hash(hash_token(token))
    if found is None:
        raise AuthenticationError("token", rule, "令牌无效")
    if found.revoked_at is not None:
        raise AuthenticationError("token", rule, "令牌已撤销")
    if found.expires_at <= now:
        raise AuthenticationError("token", rule, f"令牌已于 {localtime.as_local(found.expires_at):%Y-%m-%d %H:%M} 过期")
    account = _usable(uow.directory.account_by_id(found.staff_id))
    if account is None or not account.active:
        raise AuthenticationError("token", ACTIVE_RULE, "令牌所属账户已停用")
    uow.directory.touch_token(found.id, now)
    return make_principal(uow, account, operator=f"token:{account.code}", via=via, token_id=found.id)


def principal_for(code: str, uow: UnitOfWork, *, operator: str, via: str,
                  field_name: str = "--as") -> Principal:
    """A member of staff, looked up by the server for its own entry points (never from a form)."""
    account = _usable(uow.directory.account_by_code(code)) if isinstance(code, str) else None
    if account is None:
        shown = code if isinstance(code, str) and code.isprintable() else repr(code)
        raise InputError(field_name, ACTIVE_RULE, f"未知的工作人员“{shown[:60]}”")
    if not account.active:
        raise InputError(field_name, ACTIVE_RULE, f"工作人员“{account.code}”已停用")
    return make_principal(uow, account, operator=operator, via=via)


def acting_for(operator: Principal, code: str, uow: UnitOfWork) -> Principal:
    """A token's owner acting for another member of staff: an admin of that person's agency."""
    if code == operator.code:
        return operator
    target = principal_for(code, uow, operator=operator.operator, via=operator.via)
    if not (Role.ADMIN in operator.roles and target.agency_id == operator.agency_id):
        raise PermissionDenied("--as", "以令牌代他人办理，限于本机关的管理员代本机关的工作人员",
                               f"{operator.code} 不能代 {code} 办理")
    # still "came in by a token": a token cannot mint tokens, not even acting for someone else
    return replace(target, token_id=operator.token_id)


def system_principal(uow: UnitOfWork, agency_id: int, *, operator: str = "system") -> Principal:
    """The agency's system actor (kind system, role system; created on first use)."""
    agency = uow.directory.agency_by_id(agency_id)
    if agency is None:
        raise InputError("agency", "须为已登记的机关", f"未知的机关（{agency_id}）")
    code = f"{SYSTEM_PREFIX}-{agency.code}"
    if len(code) > 40:
        code = f"{SYSTEM_PREFIX}-{agency.id}"
    account = uow.directory.account_by_code(code)
    if account is None:
        account = uow.directory.add_account(code=code, name=SYSTEM_NAME, agency_id=agency.id,
                                            identifier=None, roles=frozenset({Role.SYSTEM}),
                                            password_hash=None, at=localtime.now(), kind="system")
    elif account.kind != "system" or account.agency_id != agency.id:
        raise InputError("staff", "系统账户代码 system-<机关代码> 为系统保留", f"“{code}”已被占用")
    return Principal(account.id, account.code, account.name, agency.id,
                     uow.directory.agency_path(agency.id), frozenset({Role.SYSTEM}),
                     operator=operator, via="system")


def bootstrap_principal(uow: UnitOfWork, *, operator: str) -> Principal:
    """The server operator's first set-up of an agency tree that has no admin yet: it may create
    agencies and accounts there (services/accounts.py refuses it once an admin covers the
    agency concerned), and nothing else."""
    return Principal(0, "system-bootstrap", "初始设置", 0, (), frozenset(), operator=operator,
                     via="cli", bootstrap=True)


BOOTSTRAP_OVER_RULE = "本机关（或其上级机关）已有管理员：须以管理员身份（--as 或 --token）办理"


def check_bootstrap(uow: UnitOfWork, principal: Principal, agency_path: tuple[int, ...] | None) -> None:
    """The first set-up ends, for an agency tree, as soon as an active admin covers it."""
    if not principal.bootstrap or not agency_path:
        return
    if any(a.active and Role.ADMIN in a.roles for a in uow.directory.accounts(agency_path)):
        raise AuthenticationError("--as", BOOTSTRAP_OVER_RULE, "缺少办理人")


def scheduler_principal(*, operator: str) -> Principal:
    """The installation's scheduler (scheduled flows, `foi sweep` run by the operator): it may
    sweep, read boards and reports and apply a calendar everywhere (domain/policy.py), and
    makes its case moves as each agency's system actor (system_principal)."""
    return Principal(0, SYSTEM_PREFIX, "系统（定时任务）", 0, (), frozenset({Role.SYSTEM}),
                     operator=operator, via="system")
