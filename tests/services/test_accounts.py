"""Accounts, sign-in and tokens (services/accounts.py, services/auth.py) and the access log's
record (services/access.py) on the in-memory unit of work (tests/fakes.py): no SQL under test.

One account per person; a reserved namespace for the system actor; codes that cannot be used
in a path or a terminal; role changes and deactivation by an admin of the agency or a superior,
recorded with who and when; the last admin kept; passwords hashed with argon2; sign-in that
tells no one which accounts exist, throttled; tokens hashed, expiring, revocable, never minting
tokens. Every refusal is a Chinese message naming the field and the rule, and writes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import inspect
import re
from typing import Any, Callable

import pytest
from argon2 import PasswordHasher, Type

from foi_workflow.domain.errors import FoiError, InputError
from foi_workflow.domain.identity import CODE_RULE, Principal, Role
from foi_workflow.domain.policy import AuthenticationError, PermissionDenied
from foi_workflow.localtime import now as local_now
from foi_workflow.services import access, accounts, auth
from foi_workflow.services.accounts import (CreateAccount, CreateToken, ResetPassword, RevokeToken,
                                            SetActive, SetRoles)
from foi_workflow.storage import repositories

from ..factories import SETUP
from ..fakes import (FakeAccessLogRepository, FakeDirectoryRepository, FakeSigninRepository,
                     FakeUnitOfWork)

PW = "correct horse battery"
OPERATOR = "os:tester"
MAX_FAILURES = 3
WINDOW = 15  # minutes
CJK = re.compile(r"[\u4e00-\u9fff]")


# ----- the fake itself ---------------------------------------------------------------------------

@pytest.mark.parametrize("real,fake", [(repositories.DirectoryRepository, FakeDirectoryRepository),
                                       (repositories.SigninRepository, FakeSigninRepository),
                                       (repositories.AccessLogRepository, FakeAccessLogRepository)],
                         ids=lambda c: c.__name__)
def test_the_fake_has_every_repository_method_with_the_same_parameters(real, fake):
    for name, method in inspect.getmembers(real, inspect.isfunction):
        if name.startswith("_"):
            continue
        assert hasattr(fake, name), f"{fake.__name__} lacks {name}"
        assert list(inspect.signature(getattr(fake, name)).parameters) == \
            list(inspect.signature(method).parameters), name


def test_the_fake_undoes_a_failed_transaction_and_has_no_session():
    uow = FakeUnitOfWork()
    with pytest.raises(RuntimeError):
        uow.directory.agency_by_code("yc")  # outside a transaction, as SqlUnitOfWork
    with pytest.raises(InputError), uow:
        accounts.add_agency(accounts.AddAgency("yc", "榆次区人民政府", "government"), uow, SETUP)
        raise InputError("x", "规则", "中止")
    with uow:
        assert uow.directory.agency_by_code("yc") is None
        with pytest.raises(AttributeError, match="no SQL session"):
            uow.session  # noqa: B018


# ----- set-up ------------------------------------------------------------------------------------

PRODUCTION_HASHER = auth._hasher


def test_the_password_hasher_is_argon2id_with_at_least_the_recommended_cost():
    p = PRODUCTION_HASHER  # OWASP: argon2id, 19 MiB, 2 iterations at the least
    assert p.type is Type.ID and p.memory_cost >= 19 * 1024 and p.time_cost >= 2


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    """argon2id with the least cost in these tests (the production cost is tested above)."""
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def _installer(uow: FakeUnitOfWork, agency: str) -> Principal:
    """The first set-up until an admin covers the agency, then that admin (as an office would)."""
    found = uow.directory.agency_by_code(agency)
    if found is not None:
        for a in uow.directory.accounts(uow.directory.agency_path(found.id)):
            if a.active and Role.ADMIN in a.roles:
                return auth.make_principal(uow, a, operator=OPERATOR, via="cli")
    return SETUP


def _create(uow: FakeUnitOfWork, code: str, name: str, agency: str, identifier: str, roles: str,
            password: str | None = PW, by: Principal | None = None):
    return accounts.create_account(CreateAccount(code, name, agency, identifier, roles, password), uow,
                                   by or _installer(uow, agency))


@pytest.fixture
def uow() -> FakeUnitOfWork:
    """榆次区人民政府 (yc) with two departments under it, and 太谷区人民政府 (tg) beside it."""
    u = FakeUnitOfWork(signin_max_failures=MAX_FAILURES, signin_window_minutes=WINDOW)
    with u:
        add = lambda *a: accounts.add_agency(accounts.AddAgency(*a), u, SETUP)  # noqa: E731
        add("yc", "榆次区人民政府", "government")
        add("yc-zrzy", "榆次区自然资源局", "department", "yc")
        add("yc-fgw", "榆次区发展和改革局", "department", "yc")
        add("tg", "太谷区人民政府", "government")
        _create(u, "gadm", "周管理", "yc", "G-1", "admin")         # admin of the superior government
        _create(u, "adm", "吴管理", "yc-zrzy", "Z-1", "admin")     # admin of the department
        _create(u, "c1", "张三", "yc-zrzy", "13800000001", "clerk")
        _create(u, "r1", "李四", "yc-zrzy", "Z-3", "reviewer", password=None)
        _create(u, "fadm", "郑管理", "yc-fgw", "F-1", "admin")     # admin of the sibling department
        _create(u, "tadm", "孙管理", "tg", "T-1", "admin")         # admin of another government
    return u


def who(uow: FakeUnitOfWork, code: str) -> Principal:
    with uow:
        return auth.principal_for(code, uow, operator=OPERATOR, via="cli")


def account(uow: FakeUnitOfWork, code: str):
    with uow:
        return uow.directory.account_by_code(code)


def changes(uow: FakeUnitOfWork, code: str):
    with uow:
        found = uow.directory.account_by_code(code)
        return uow.directory.changes(found.id)


def assert_chinese(err: FoiError) -> None:
    assert err.field and CJK.search(err.rule) and CJK.search(err.message), err.as_dict()


def refused(uow: FakeUnitOfWork, fn: Callable[[], Any], kind: type[FoiError] = FoiError) -> FoiError:
    """fn() refused inside an open transaction, having written nothing in it."""
    with uow:
        before = uow.snapshot()
        with pytest.raises(kind) as caught:
            fn()
        assert uow.snapshot() == before, "a refusal wrote something"
    assert_chinese(caught.value)
    return caught.value


def done(uow: FakeUnitOfWork, fn: Callable[[], Any]) -> Any:
    with uow:
        return fn()


# ----- one account per person ------------------------------------------------------------------

@pytest.mark.parametrize("again", ["+86 138 0000 0001", "13800000001", "１３８００００００01", " 138 0000 0001 "])
def test_one_account_per_person_the_same_mobile_written_differently_is_refused(uow, again):
    err = refused(uow, lambda: _create(uow, "zs2", "张三", "yc-fgw", again, "reviewer"), InputError)
    assert err.field == "identifier"
    assert "一人一个账户" in err.rule and "c1" in err.message


def test_one_account_per_person_the_same_staff_number_in_any_case_is_refused(uow):
    err = refused(uow, lambda: _create(uow, "wu2", "吴管理", "yc-zrzy", "z-1", "clerk"), InputError)
    assert err.field == "identifier" and "adm" in err.message


def test_a_second_role_is_added_to_the_person_s_account_not_a_second_account(uow):
    adm = who(uow, "adm")
    done(uow, lambda: accounts.set_roles(SetRoles("c1", "clerk,reviewer"), uow, adm))
    assert account(uow, "c1").roles == {Role.CLERK, Role.REVIEWER}


def test_an_account_code_is_taken_once(uow):
    err = refused(uow, lambda: _create(uow, "c1", "张三丰", "yc-zrzy", "Z-99", "clerk"), InputError)
    assert err.field == "code" and "不得重复" in err.rule


@pytest.mark.parametrize("code", ["system", "system-yc-zrzy", "systemd", "system.admin"])
def test_the_system_namespace_is_reserved(uow, code):
    err = refused(uow, lambda: _create(uow, code, "假系统", "yc-zrzy", "Z-50", "admin"), InputError)
    assert err.field == "code" and "系统保留" in err.rule


@pytest.mark.parametrize("code", ["../x", "a/b", "a\\b", "a\x1b[31m", "ab\x00", "a b", "ab\n", "Ab", "-ab",
                                  "a", "x" * 41, "", "张三"])
def test_codes_with_control_characters_or_path_separators_are_refused(uow, code):
    err = refused(uow, lambda: _create(uow, code, "某人", "yc-zrzy", "Z-51", "clerk"), InputError)
    assert err.field == "code" and err.rule == CODE_RULE
    assert "\x1b" not in err.message and "\x00" not in err.message and "\n" not in err.message


@pytest.mark.parametrize("roles,shown", [("clerk,boss", "boss"), ("system", "system"), ("Admin", "Admin"),
                                         ("", ""), ("clerk,\x1b[2J", "\\x1b")])
def test_an_unknown_role_is_refused(uow, roles, shown):
    err = refused(uow, lambda: _create(uow, "w1", "王五", "yc-zrzy", "Z-52", roles), InputError)
    assert err.field == "role" and "clerk（承办人）" in err.rule
    assert shown in err.message and "\x1b" not in err.message


def test_an_unknown_role_is_refused_when_changing_roles_too(uow):
    adm = who(uow, "adm")
    err = refused(uow, lambda: accounts.set_roles(SetRoles("c1", "clerk,system"), uow, adm), InputError)
    assert err.field == "role"


@pytest.mark.parametrize("field,kw", [("identifier", {"identifier": "12345678901"}),  # 11 digits, no mobile
                                      ("identifier", {"identifier": "138-0000-0009/x"}),
                                      ("identifier", {"identifier": ""}),
                                      ("name", {"name": "  "}), ("name", {"name": "张\x1b三"}),
                                      ("agency", {"agency": "../yc"}),
                                      ("password", {"password": "short"}),
                                      ("password", {"password": "w9-account"}),
                                      ("password", {"password": "0123456789\x00"})])
def test_bad_account_data_is_refused_naming_the_field(uow, field, kw):
    args = {"code": "w9-account", "name": "王九", "agency": "yc-zrzy", "identifier": "Z-53",
            "roles": "clerk", "password": PW} | kw
    adm = who(uow, "adm")
    err = refused(uow, lambda: accounts.create_account(CreateAccount(**args), uow, adm), InputError)
    assert err.field == field


# ----- who may manage accounts -----------------------------------------------------------------

def test_role_changes_by_an_admin_of_the_agency_are_recorded_with_who_and_when(uow):
    adm = who(uow, "adm")
    before = local_now()
    after = done(uow, lambda: accounts.set_roles(SetRoles("c1", ["clerk", "head"]), uow, adm))
    assert after.roles == {Role.CLERK, Role.HEAD}
    last = changes(uow, "c1")[-1]
    assert (last.change, last.by, last.operator) == ("roles", "adm", OPERATOR)
    assert last.detail == {"from": ["clerk"], "to": ["clerk", "head"]}
    assert before <= last.at <= local_now()


def test_an_admin_of_a_superior_government_manages_the_bodies_under_it(uow):
    gadm = who(uow, "gadm")
    done(uow, lambda: accounts.set_active(SetActive("c1", False), uow, gadm))
    last = changes(uow, "c1")[-1]
    assert (last.change, last.by) == ("deactivated", "gadm")


@pytest.mark.parametrize("actor", ["c1", "fadm", "tadm"])
def test_only_an_admin_of_the_agency_or_a_superior_changes_roles_or_deactivates(uow, actor):
    p = who(uow, actor)
    for fn in (lambda: accounts.set_roles(SetRoles("r1", "clerk,reviewer"), uow, p),
               lambda: accounts.set_active(SetActive("r1", False), uow, p),
               lambda: accounts.reset_password(ResetPassword("r1", "another good one"), uow, p),
               lambda: _create(uow, "w2", "王二", "yc-zrzy", "Z-60", "clerk", by=p)):
        err = refused(uow, fn, PermissionDenied)
        assert err.field == "actor" and "管理机关和账户" in err.rule


def test_an_admin_of_a_department_cannot_manage_its_superior_s_accounts(uow):
    adm = who(uow, "adm")
    err = refused(uow, lambda: accounts.set_roles(SetRoles("gadm", "admin,clerk"), uow, adm), PermissionDenied)
    assert "上级机关" in err.message


def test_deactivation_is_recorded_and_the_account_can_no_longer_act(uow):
    adm = who(uow, "adm")
    done(uow, lambda: accounts.set_active(SetActive("c1", False), uow, adm))
    c1 = account(uow, "c1")
    assert not c1.active and c1.deactivated_at is not None
    assert (changes(uow, "c1")[-1].change, changes(uow, "c1")[-1].by) == ("deactivated", "adm")
    with uow, pytest.raises(InputError, match="已停用"):
        auth.principal_for("c1", uow, operator=OPERATOR, via="cli")
    with pytest.raises(AuthenticationError) as caught:
        auth.sign_in("c1", PW, uow)
    assert caught.value.field == "account" and "在职" in caught.value.rule
    err = refused(uow, lambda: accounts.set_active(SetActive("c1", False), uow, adm), InputError)
    assert err.field == "code"
    done(uow, lambda: accounts.set_active(SetActive("c1", True), uow, adm))
    assert account(uow, "c1").active and account(uow, "c1").deactivated_at is None
    assert changes(uow, "c1")[-1].change == "reactivated"


def test_the_last_active_admin_cannot_be_removed(uow):
    gadm = who(uow, "gadm")
    # the government's only admin: the admins of the bodies under it or of tg cannot manage yc
    for fn in (lambda: accounts.set_roles(SetRoles("gadm", "clerk"), uow, gadm),
               lambda: accounts.set_active(SetActive("gadm", False), uow, gadm)):
        err = refused(uow, fn, InputError)
        assert "须保留一名在职的管理员" in err.rule and "gadm" in err.message
    # a department's admin may go: the government's admin still manages the department
    done(uow, lambda: accounts.set_active(SetActive("adm", False), uow, gadm))
    # a second admin of the government: then the first may go
    done(uow, lambda: _create(uow, "gadm2", "冯管理", "yc", "G-2", "admin,supervisor", by=gadm))
    done(uow, lambda: accounts.set_roles(SetRoles("gadm", "supervisor"), uow, gadm))
    gadm2 = who(uow, "gadm2")
    err = refused(uow, lambda: accounts.set_active(SetActive("gadm2", False), uow, gadm2), InputError)
    assert err.field == "code"


# ----- passwords ---------------------------------------------------------------------------------

def test_passwords_are_hashed_with_argon2_and_never_kept_in_clear(uow):
    c1 = account(uow, "c1")
    assert c1.password_hash.startswith("$argon2id$")
    assert PW not in c1.password_hash and PW not in repr(c1)
    assert c1.password_hash not in repr(c1)  # not even the hash in a log line or traceback
    assert auth.verify_password(c1.password_hash, PW) and not auth.verify_password(c1.password_hash, PW + "x")
    shown = accounts.describe(c1)
    assert "password_hash" not in shown and shown["identifier"] == "138******01"
    with uow:
        assert PW not in repr(uow.snapshot())
    assert account(uow, "r1").password_hash is None  # created without: cannot sign in yet


def test_an_admin_resets_a_password_and_a_person_changes_their_own(uow):
    adm, c1 = who(uow, "adm"), who(uow, "c1")
    done(uow, lambda: accounts.reset_password(ResetPassword("c1", "reset by the admin"), uow, adm))
    assert changes(uow, "c1")[-1].change == "password_reset"
    err = refused(uow, lambda: accounts.change_password(accounts.ChangePassword(PW, "mine at last!"), uow, c1),
                  InputError)
    assert err.field == "current"
    err = refused(uow, lambda: accounts.change_password(
        accounts.ChangePassword("reset by the admin", "reset by the admin"), uow, c1), InputError)
    assert err.field == "new"
    done(uow, lambda: accounts.change_password(accounts.ChangePassword("reset by the admin", "mine at last!"),
                                               uow, c1))
    assert auth.sign_in("c1", "mine at last!", uow).code == "c1"
    assert [c.change for c in changes(uow, "c1")][-2:] == ["password_reset", "password_changed"]
    assert all("mine at last!" not in repr(c.detail) for c in changes(uow, "c1"))


# ----- sign-in -----------------------------------------------------------------------------------

def test_sign_in_gives_the_person_with_their_agency_and_roles(uow):
    p = auth.sign_in("c1", PW, uow, via="web")
    with uow:
        zrzy, yc = uow.directory.agency_by_code("yc-zrzy"), uow.directory.agency_by_code("yc")
    assert (p.code, p.agency_id, p.agency_path, p.roles) == ("c1", zrzy.id, (zrzy.id, yc.id),
                                                             frozenset({Role.CLERK}))
    assert (p.operator, p.via, p.token_id, p.bootstrap) == ("web", "web", None, False)


def _sign_in_error(uow, code, password, **kw) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as caught:
        auth.sign_in(code, password, uow, **kw)
    return caught.value


def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(uow):
    with uow:
        auth.system_principal(uow, uow.directory.agency_by_code("yc-zrzy").id)
    answers = {code: _sign_in_error(uow, code, "wrong password!").as_dict()
               for code in ("c1", "nobody", "r1", "system-yc-zrzy", "", "a\x1b[31m")}
    assert len({tuple(a.items()) for a in answers.values()}) == 1, answers
    only = answers["c1"]
    assert only["field"] == "password" and CJK.search(only["message"]) and "c1" not in only["message"]


class _CountingHasher:
    def __init__(self, real):
        self.real, self.verified = real, []

    def verify(self, hash_, password):
        self.verified.append(hash_)
        return self.real.verify(hash_, password)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_an_unknown_account_takes_an_argon2_verification_like_a_known_one(uow, monkeypatch):
    spy = _CountingHasher(auth._hasher)
    monkeypatch.setattr(auth, "_hasher", spy)
    for code in ("c1", "nobody", "r1"):  # r1 has no password yet
        _sign_in_error(uow, code, "wrong password!")
    assert len(spy.verified) == 3 and all(h.startswith("$argon2id$") for h in spy.verified)


def test_sign_in_is_throttled_after_repeated_failures_then_allowed_when_the_window_passes(uow):
    t0 = local_now()
    for i in range(MAX_FAILURES):
        assert _sign_in_error(uow, "c1", f"wrong password {i}", now=t0).field == "password"
    # the failures were kept although each sign-in was refused (each is its own transaction)
    with uow:
        assert uow.signins.failures_since("c1", t0 - dt.timedelta(seconds=1)) == MAX_FAILURES
    throttled = _sign_in_error(uow, "c1", PW, now=t0 + dt.timedelta(minutes=1))
    assert f"{MAX_FAILURES} 次" in throttled.rule and f"{WINDOW} 分钟" in throttled.rule
    assert _sign_in_error(uow, "c1", PW, now=t0 + dt.timedelta(minutes=WINDOW - 1)).as_dict() == throttled.as_dict()
    assert auth.sign_in("c1", PW, uow, now=t0 + dt.timedelta(minutes=WINDOW, seconds=1)).code == "c1"
    with uow:  # a good sign-in clears the count
        assert uow.signins.failures_since("c1", t0 - dt.timedelta(days=1)) == 0


def test_unknown_accounts_are_throttled_alike_so_throttling_tells_nothing(uow):
    t0 = local_now()
    for code in ("c1", "nobody"):
        for i in range(MAX_FAILURES):
            _sign_in_error(uow, code, f"wrong password {i}", now=t0)
    assert _sign_in_error(uow, "c1", PW, now=t0).as_dict() == _sign_in_error(uow, "nobody", PW, now=t0).as_dict()


def test_sign_in_failures_of_one_account_do_not_throttle_another(uow):
    t0 = local_now()
    for i in range(MAX_FAILURES):
        _sign_in_error(uow, "c1", f"wrong password {i}", now=t0)
    assert auth.sign_in("adm", PW, uow, now=t0).code == "adm"


def test_a_password_reset_lifts_the_throttle(uow):
    t0, adm = local_now(), who(uow, "adm")
    for i in range(MAX_FAILURES):
        _sign_in_error(uow, "c1", f"wrong password {i}", now=t0)
    done(uow, lambda: accounts.reset_password(ResetPassword("c1", "reset by the admin"), uow, adm))
    assert auth.sign_in("c1", "reset by the admin", uow, now=t0).code == "c1"


def test_a_deactivated_account_cannot_sign_in_and_a_wrong_password_tells_nothing_more(uow):
    adm = who(uow, "adm")
    done(uow, lambda: accounts.set_active(SetActive("c1", False), uow, adm))
    assert _sign_in_error(uow, "c1", PW).field == "account"
    assert _sign_in_error(uow, "c1", "wrong password!").as_dict() == \
        _sign_in_error(uow, "nobody", "wrong password!").as_dict()


def test_sign_in_writes_nothing_but_the_failure(uow):
    before = dataclasses.replace(uow.committed)
    _sign_in_error(uow, "c1", "wrong password!")
    after = uow.committed
    assert len(after.signin_failures) == len(before.signin_failures) + 1
    assert dataclasses.replace(after, signin_failures=before.signin_failures) == before


# ----- tokens ------------------------------------------------------------------------------------

def _token(uow, code="c1", **kw) -> tuple[repositories.Token, str]:
    p = who(uow, code)
    return done(uow, lambda: accounts.create_token(CreateToken(kw.pop("name", "脚本"), **kw), uow, p))


def test_a_token_is_shown_once_and_only_its_sha256_is_stored(uow):
    token, secret = _token(uow, days=30)
    assert secret.startswith("foi_") and len(secret) >= 40
    with uow:
        assert uow.directory.stored_token_hashes() == [hashlib.sha256(secret.encode()).hexdigest()]
        assert secret not in repr(uow.snapshot())
    assert token.prefix == secret[:10] and token.revoked_at is None
    assert dt.timedelta(days=30) - dt.timedelta(seconds=5) < token.expires_at - token.created_at \
        <= dt.timedelta(days=30)
    assert changes(uow, "c1")[-1].change == "token_created"
    assert secret not in repr(changes(uow, "c1")[-1].detail)


def test_a_token_gives_its_owner_and_records_its_use(uow):
    token, secret = _token(uow)
    with uow:
        p = auth.principal_from_token(secret, uow)
    assert (p.code, p.via, p.token_id, p.operator) == ("c1", "api", token.id, "token:c1")
    with uow:
        assert uow.directory.token_by_id(token.id).last_used_at is not None


def test_a_token_expires(uow):
    token, secret = _token(uow, days=1)
    with uow:
        auth.principal_from_token(secret, uow, now=token.expires_at - dt.timedelta(seconds=1))
    err = refused(uow, lambda: auth.principal_from_token(secret, uow, now=token.expires_at), AuthenticationError)
    assert err.field == "token" and "过期" in err.message


def test_the_default_lifetime_comes_from_the_settings(uow):
    token, _ = _token(uow)
    assert (token.expires_at - token.created_at).days == uow.settings.token_days


def test_a_revoked_token_is_refused_and_revocation_is_recorded(uow):
    token, secret = _token(uow)
    c1 = who(uow, "c1")
    done(uow, lambda: accounts.revoke_token(RevokeToken(token.id), uow, c1))
    err = refused(uow, lambda: auth.principal_from_token(secret, uow), AuthenticationError)
    assert err.field == "token" and "撤销" in err.message
    assert changes(uow, "c1")[-1].change == "token_revoked"
    err = refused(uow, lambda: accounts.revoke_token(RevokeToken(token.id), uow, c1), InputError)
    assert err.field == "token_id"


@pytest.mark.parametrize("bad", ["", "abc", "foi_", "foi_" + "x" * 300, "foi_not-a-token-anyone-made", None])
def test_a_token_nobody_made_is_refused(uow, bad):
    _token(uow)
    err = refused(uow, lambda: auth.principal_from_token(bad, uow), AuthenticationError)
    assert err.field == "token" and err.message == "令牌无效"


def test_the_token_of_a_deactivated_account_is_refused(uow):
    _, secret = _token(uow)
    adm = who(uow, "adm")
    done(uow, lambda: accounts.set_active(SetActive("c1", False), uow, adm))
    err = refused(uow, lambda: auth.principal_from_token(secret, uow), AuthenticationError)
    assert "停用" in err.message


@pytest.mark.parametrize("via", ["api", "cli", "web"])
def test_a_token_cannot_mint_a_new_token(uow, via):
    _, secret = _token(uow, code="adm")
    with uow:
        p = auth.principal_from_token(secret, uow, via=via)
    for cmd in (CreateToken("另一个"), CreateToken("给张三", code="c1")):
        err = refused(uow, lambda: accounts.create_token(cmd, uow, p), PermissionDenied)
        assert err.field == "token" and "令牌不能用于创建新令牌" in err.rule


def test_a_token_cannot_mint_a_token_acting_for_someone_else_either(uow):
    _, secret = _token(uow, code="adm")
    with uow:
        acting = auth.acting_for(auth.principal_from_token(secret, uow, via="cli"), "c1", uow)
    assert acting.code == "c1" and acting.operator == "token:adm"
    err = refused(uow, lambda: accounts.create_token(CreateToken("再来一个"), uow, acting), PermissionDenied)
    assert err.field == "token"


@pytest.mark.parametrize("field,kw", [("days", {"days": 0}), ("days", {"days": 367}), ("days", {"days": True}),
                                      ("days", {"days": "30"}), ("name", {"name": ""}),
                                      ("name", {"name": "脚本\x1b[31m"}), ("name", {"name": "x" * 101})])
def test_bad_token_requests_are_refused_naming_the_field(uow, field, kw):
    c1 = who(uow, "c1")
    cmd = CreateToken(**({"name": "脚本"} | kw))
    err = refused(uow, lambda: accounts.create_token(cmd, uow, c1), InputError)
    assert err.field == field


def test_tokens_of_others_are_managed_by_an_admin_only(uow):
    c1, r1, adm = who(uow, "c1"), who(uow, "r1"), who(uow, "adm")
    token, _ = _token(uow, code="c1")
    refused(uow, lambda: accounts.create_token(CreateToken("给张三", code="c1"), uow, r1), PermissionDenied)
    refused(uow, lambda: accounts.revoke_token(RevokeToken(token.id), uow, r1), PermissionDenied)
    refused(uow, lambda: accounts.tokens("c1", uow, r1), PermissionDenied)
    made, _ = done(uow, lambda: accounts.create_token(CreateToken("给张三", code="c1"), uow, adm))
    assert made.staff_id == c1.account_id and changes(uow, "c1")[-1].by == "adm"
    assert [t.id for t in done(uow, lambda: accounts.tokens(None, uow, c1))] == [token.id, made.id]
    fadm = who(uow, "fadm")
    refused(uow, lambda: accounts.create_token(CreateToken("给管理员", code="adm"), uow, fadm), PermissionDenied)


# ----- acting for another member of staff ---------------------------------------------------------

def test_an_admin_s_token_acts_for_staff_of_the_admin_s_own_agency(uow):
    token, secret = _token(uow, code="adm")
    with uow:
        acting = auth.acting_for(auth.principal_from_token(secret, uow, via="cli"), "c1", uow)
    assert (acting.code, acting.roles, acting.operator, acting.token_id) == \
        ("c1", frozenset({Role.CLERK}), "token:adm", token.id)


@pytest.mark.parametrize("operator,target,field", [
    ("fadm", "c1", "--as"),     # an admin of a sibling agency
    ("tadm", "c1", "--as"),     # an admin of another government
    ("gadm", "c1", "--as"),     # an admin of the superior government: manages, but does not act for
    ("c1", "r1", "--as"),       # not an admin
    ("adm", "nobody", "--as"),  # no such staff member
    ("adm", "../c1", "--as"),
])
def test_an_operator_cannot_act_for_staff_of_another_agency(uow, operator, target, field):
    _, secret = _token(uow, code=operator)
    with uow:
        owner = auth.principal_from_token(secret, uow, via="cli")
    err = refused(uow, lambda: auth.acting_for(owner, target, uow))
    assert err.field == field and isinstance(err, (PermissionDenied, InputError))


def test_nobody_acts_for_a_deactivated_member_of_staff(uow):
    _, secret = _token(uow, code="adm")
    adm = who(uow, "adm")
    done(uow, lambda: accounts.set_active(SetActive("c1", False), uow, adm))
    with uow:
        owner = auth.principal_from_token(secret, uow, via="cli")
    err = refused(uow, lambda: auth.acting_for(owner, "c1", uow), InputError)
    assert "停用" in err.message


# ----- the system actor and the first set-up ------------------------------------------------------

def test_the_system_actor_is_made_on_first_use_and_is_never_a_person(uow):
    with uow:
        zrzy = uow.directory.agency_by_code("yc-zrzy")
        first = auth.system_principal(uow, zrzy.id)
        again = auth.system_principal(uow, zrzy.id)
        assert first.account_id == again.account_id and first.roles == {Role.SYSTEM}
        assert first.code == "system-yc-zrzy" and first.agency_path[0] == zrzy.id
        assert "system-yc-zrzy" not in [a.code for a in uow.directory.accounts()]  # no person's list
    with uow, pytest.raises(InputError):
        auth.principal_for("system-yc-zrzy", uow, operator=OPERATOR, via="cli")  # not an account to act as


def test_the_first_set_up_is_refused_once_an_admin_exists():
    fresh = FakeUnitOfWork()
    with fresh:
        setup = auth.bootstrap_principal(fresh, operator="os:root")
        accounts.add_agency(accounts.AddAgency("yc", "榆次区人民政府", "government"), fresh, setup)
        _create(fresh, "adm", "吴管理", "yc", "Z-1", "admin", by=setup)
    setup = auth.bootstrap_principal(fresh, operator="os:root")
    err = refused(fresh, lambda: _create(fresh, "c9", "某人", "yc", "Z-9", "clerk", by=setup),
                  AuthenticationError)
    assert err.field == "--as" and "管理员" in err.rule
    err = refused(fresh, lambda: accounts.add_agency(
        accounts.AddAgency("yc-x", "某局", "department", "yc"), fresh, setup), AuthenticationError)
    assert err.field == "--as"


def test_the_first_set_up_of_a_new_government_is_open_to_the_operator():
    """A tree no admin covers (a new top-level government) is set up by the server's operator."""
    fresh = FakeUnitOfWork()
    setup = auth.bootstrap_principal(fresh, operator="os:root")
    with fresh:
        accounts.add_agency(accounts.AddAgency("yc", "榆次区人民政府", "government"), fresh, setup)
        _create(fresh, "adm", "吴管理", "yc", "Z-1", "admin", by=setup)
    with fresh:
        accounts.add_agency(accounts.AddAgency("tg", "太谷区人民政府", "government"), fresh, setup)
        _create(fresh, "tadm", "太管理", "tg", "Z-2", "admin", by=setup)
    err = refused(fresh, lambda: _create(fresh, "t2", "某人", "tg", "Z-3", "clerk", by=setup),
                  AuthenticationError)
    assert err.field == "--as"


def test_an_admin_of_a_department_cannot_add_a_top_level_government(uow):
    adm = who(uow, "adm")
    err = refused(uow, lambda: accounts.add_agency(accounts.AddAgency("jz", "晋中市人民政府", "government"),
                                                   uow, adm), PermissionDenied)
    assert "全国性数据" in err.rule
    agency = done(uow, lambda: accounts.add_agency(
        accounts.AddAgency("yc-zrzy-1", "某所", "department", "yc-zrzy"), uow, adm))
    assert agency.parent_id == account(uow, "adm").agency_id


@pytest.mark.parametrize("field,args", [("kind", ("yc-x", "某局", "bureau", "yc")),
                                        ("code", ("yc/x", "某局", "department", "yc")),
                                        ("code", ("yc\x1b[31m", "某局", "department", "yc")),
                                        ("code", ("yc-zrzy", "重复", "department", "yc")),
                                        ("name", ("yc-x", " ", "department", "yc")),
                                        ("parent", ("yc-x", "某局", "department", "nowhere"))])
def test_bad_agencies_are_refused_naming_the_field(uow, field, args):
    gadm = who(uow, "gadm")
    err = refused(uow, lambda: accounts.add_agency(accounts.AddAgency(*args), uow, gadm), InputError)
    assert err.field == field and "\x1b" not in err.message


def test_admins_list_the_accounts_of_their_agencies_only(uow):
    gadm, adm, c1 = who(uow, "gadm"), who(uow, "adm"), who(uow, "c1")
    listed = done(uow, lambda: accounts.accounts(None, uow, gadm))
    assert {a.code for a in listed} == {"gadm", "adm", "c1", "r1", "fadm"}
    assert {a.code for a in done(uow, lambda: accounts.accounts(None, uow, adm))} == {"adm", "c1", "r1"}
    refused(uow, lambda: accounts.accounts("yc", uow, adm), PermissionDenied)
    refused(uow, lambda: accounts.accounts(None, uow, c1), PermissionDenied)


# ----- the access log's record ---------------------------------------------------------------------

def test_a_read_is_recorded_with_who_how_and_when_and_admins_query_it(uow):
    c1, adm, gadm = who(uow, "c1"), who(uow, "adm"), who(uow, "gadm")
    with uow:
        zrzy = uow.directory.agency_by_code("yc-zrzy")
        access.record(uow, c1, "case.read", agency_id=zrzy.id, case_id=7, applicant_id=3,
                      target="yc-zrzy-2026-00007")
    entries = done(uow, lambda: access.entries(access.Query(), uow, adm))
    assert [(e.staff, e.operator, e.via, e.action, e.agency_id, e.case_id, e.applicant_id, e.target, e.outcome)
            for e in entries] == [("c1", OPERATOR, "cli", "case.read", zrzy.id, 7, 3, "yc-zrzy-2026-00007", "ok")]
    assert done(uow, lambda: access.entries(access.Query(agency="yc"), uow, gadm)) == entries
    assert done(uow, lambda: access.entries(access.Query(staff="r1"), uow, adm)) == []


@pytest.mark.parametrize("reader", ["c1", "r1", "fadm", "tadm"])
def test_only_an_admin_of_the_agency_or_a_superior_reads_its_access_log(uow, reader):
    p = who(uow, reader)
    err = refused(uow, lambda: access.entries(access.Query(agency="yc-zrzy"), uow, p), PermissionDenied)
    assert "查阅访问日志" in err.rule


def test_bad_access_log_queries_are_refused_naming_the_field(uow):
    adm = who(uow, "adm")
    assert refused(uow, lambda: access.entries(access.Query(limit=0), uow, adm), InputError).field == "limit"
    assert refused(uow, lambda: access.entries(access.Query(agency="nowhere"), uow, adm), InputError).field == "agency"
