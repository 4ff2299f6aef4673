"""Accounts on real SQL (SQLite by default, PostgreSQL with FOI_TEST_DATABASE_URL) through
SqlUnitOfWork: the key rules of tests/services/test_accounts.py where the database holds them
too (one account per person, sign-in failures kept across transactions, only a token's SHA-256
stored, times read back as written), migration 0008 from 0007 and back keeping staff and their
roles; and through services.cases: the four-eyes rule by person, request ids scoped to their
case, dates of steps (never before the previous step, never in the future, back-dated steps
flagged with who recorded them), and the access log.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from foi_workflow.domain.case import RuleViolation
from foi_workflow.domain.errors import InputError
from foi_workflow.domain.identity import Role
from foi_workflow.domain.policy import AuthenticationError, PermissionDenied
from foi_workflow.localtime import now as local_now
from foi_workflow.services import access, accounts, auth
from foi_workflow.services.accounts import CreateToken, SetActive, SetRoles
from foi_workflow.storage import db
from foi_workflow.storage.identity_tables import AccessLogRow, ApiTokenRow, SigninFailureRow, StaffChangeRow
from foi_workflow.storage.models import CaseEventRow, CaseRow, StaffRoleRow, StaffRow

from . import factories as f

D = dt.date
TODAY = D(2026, 11, 30)  # a Monday
AGENCY = "yc-zrzy"
PW = "correct horse battery"


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    """argon2id with the least cost (tests/services/test_accounts.py tests the production cost)."""
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def office(clean_db: str) -> str:
    """榆次区人民政府 with its 自然资源局 and staff; 太谷区人民政府 beside it."""
    f.agency(clean_db, "yc", "榆次区人民政府", "government")
    f.agency(clean_db, AGENCY, "榆次区自然资源局", "department", parent="yc")
    f.agency(clean_db, "tg", "太谷区人民政府", "government")
    f.staff(clean_db, "adm", "吴管理", "admin", AGENCY, identifier="Z-1", password=PW)
    f.staff(clean_db, "c1", "张三", "clerk", AGENCY, identifier="13800000001", password=PW)
    f.staff(clean_db, "cr", "赵六", "clerk,reviewer", AGENCY)   # one person, two roles
    f.staff(clean_db, "r1", "李四", "reviewer", AGENCY)
    f.staff(clean_db, "h1", "王五", "head", AGENCY)
    f.staff(clean_db, "tc", "孙七", "clerk", "tg")
    return clean_db


def rows(url: str, model, *where):
    u = f.uow(url)
    with u:
        return u.session.scalars(select(model).where(*where)).all()


# ----- accounts ----------------------------------------------------------------------------------

def test_one_account_per_person_is_kept_by_the_service_and_by_the_database(office):
    with pytest.raises(InputError) as caught:
        f.staff(office, "zs2", "张三", "reviewer", AGENCY, identifier="+86 138 0000 0001")
    assert caught.value.field == "identifier" and "c1" in caught.value.message
    # past the service's check, the database refuses it too (and the code's uniqueness)
    u = f.uow(office)
    for code, identifier in (("zs2", "13800000001"), ("c1", "Z-77")):
        with pytest.raises(IntegrityError), u:
            agency_id = u.directory.agency_by_code(AGENCY).id
            u.directory.add_account(code=code, name="张三", agency_id=agency_id, identifier=identifier,
                                    roles=frozenset({Role.REVIEWER}), password_hash=None, at=local_now())
    assert [r.code for r in rows(office, StaffRow, StaffRow.identifier == "13800000001")] == ["c1"]
    assert not rows(office, StaffRow, StaffRow.code == "zs2")


@pytest.mark.parametrize("code", ["system-yc-zrzy", "../x", "a/b", "a\x1b[31m"])
def test_reserved_and_unsafe_codes_are_refused_and_nothing_is_written(office, code):
    before = len(rows(office, StaffRow))
    with pytest.raises(InputError) as caught:
        f.staff(office, code, "某人", "clerk", AGENCY, identifier="Z-90")
    assert caught.value.field == "code"
    assert len(rows(office, StaffRow)) == before


def test_roles_are_rows_and_changes_are_recorded_with_who_and_when(office):
    adm = f.principal(office, "adm")
    u = f.uow(office)
    with u:
        accounts.set_roles(SetRoles("c1", "clerk,head"), u, adm)
    with u:
        accounts.set_active(SetActive("r1", False), u, adm)
    c1 = rows(office, StaffRow, StaffRow.code == "c1")[0]
    assert {r.role for r in rows(office, StaffRoleRow, StaffRoleRow.staff_id == c1.id)} == {"clerk", "head"}
    made = [(c.change, c.by, c.operator)
            for c in sorted(rows(office, StaffChangeRow, StaffChangeRow.by == "adm"), key=lambda c: c.id)
            if c.change != "created"]  # the test set-up made the accounts as that admin
    assert made == [("roles", "adm", f.OPERATOR), ("deactivated", "adm", f.OPERATOR)]
    with u:
        r1 = u.directory.account_by_code("r1")
        assert not r1.active and r1.deactivated_at is not None
        assert abs(r1.deactivated_at - local_now()) < dt.timedelta(minutes=1)  # read back as written
        assert u.directory.changes(r1.id)[-1].at.utcoffset() == dt.timedelta(hours=8)


def test_the_last_admin_of_an_agency_stays(office):
    adm = f.principal(office, "adm")
    u = f.uow(office)
    with pytest.raises(InputError) as caught, u:
        accounts.set_active(SetActive("adm", False), u, adm)
    assert "管理员" in caught.value.rule
    assert rows(office, StaffRow, StaffRow.code == "adm")[0].active


def test_a_password_is_stored_as_an_argon2_hash_only(office):
    stored = rows(office, StaffRow, StaffRow.code == "c1")[0].password_hash
    assert stored.startswith("$argon2id$") and PW not in stored


def test_sign_in_failures_are_kept_although_the_sign_in_is_refused(office):
    u = f.uow(office, signin_max_failures=2, signin_window_minutes=10)
    t0 = local_now()
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            auth.sign_in("c1", "wrong password!", u, now=t0)
    assert len(rows(office, SigninFailureRow, SigninFailureRow.account == "c1")) == 2
    with pytest.raises(AuthenticationError, match="暂停"):
        auth.sign_in("c1", PW, u, now=t0 + dt.timedelta(minutes=9))
    assert auth.sign_in("c1", PW, u, now=t0 + dt.timedelta(minutes=10, seconds=1)).code == "c1"
    assert not rows(office, SigninFailureRow, SigninFailureRow.account == "c1")


def test_only_a_token_s_sha256_is_stored_and_it_expires_and_is_revoked(office):
    c1 = f.principal(office, "c1")
    u = f.uow(office)
    with u:
        token, secret = accounts.create_token(CreateToken("脚本", days=2), u, c1)
    stored = rows(office, ApiTokenRow)
    assert [r.token_hash for r in stored] == [hashlib.sha256(secret.encode()).hexdigest()]
    assert all(secret not in str(v) for r in stored for v in vars(r).values())
    with u:
        assert auth.principal_from_token(secret, u, now=token.expires_at - dt.timedelta(seconds=1)).code == "c1"
    with pytest.raises(AuthenticationError, match="过期"), u:
        auth.principal_from_token(secret, u, now=token.expires_at)
    with u:
        accounts.revoke_token(accounts.RevokeToken(token.id), u, c1)
    with pytest.raises(AuthenticationError, match="撤销"), u:
        auth.principal_from_token(secret, u)


def test_an_operator_cannot_act_for_staff_of_another_agency(office):
    adm = f.principal(office, "adm")
    u = f.uow(office)
    with u:
        _, secret = accounts.create_token(CreateToken("运维"), u, adm)
    with u:
        owner = auth.principal_from_token(secret, u, via="cli")
        assert auth.acting_for(owner, "c1", u).code == "c1"
        with pytest.raises(PermissionDenied) as caught:
            auth.acting_for(owner, "tc", u)
    assert caught.value.field == "--as" and "本机关的管理员" in caught.value.rule


# ----- migration 0008 from 0007 and back -----------------------------------------------------------

@pytest.fixture
def scratch_url(db_url: str, tmp_path):
    """An empty database of its own (PostgreSQL: a schema of its own in the test database)."""
    if not db_url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    schema = "accounts_store_migration"
    engine = create_engine(db.database_url(db_url))
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in db_url else "?"
    yield f"{db_url}{sep}options=-csearch_path%3D{schema}"
    db.get_engine(f"{db_url}{sep}options=-csearch_path%3D{schema}").dispose()
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def _migrate(url: str, how: str, revision: str) -> None:
    from alembic import command

    getattr(command, how)(db.alembic_config(url), revision)


def _staff(url: str) -> dict[str, tuple]:
    engine = create_engine(db.database_url(url))
    with engine.connect() as conn:
        cols = {c["name"] for c in inspect(conn).get_columns("staff")}
        if "role" in cols:
            out = {code: (role, active) for code, role, active in
                   conn.execute(text("SELECT code, role, active FROM staff"))}
        else:
            out = {}
            for code, kind, active, role in conn.execute(text(
                    "SELECT s.code, s.kind, s.active, r.role FROM staff s "
                    "JOIN staff_roles r ON r.staff_id = s.id ORDER BY r.role")):
                roles, _k, _a = out.get(code, ((), kind, active))
                out[code] = ((*roles, role), kind, bool(active))
    engine.dispose()
    return out


def test_migration_0008_keeps_staff_and_their_roles_up_and_down(scratch_url):
    _migrate(scratch_url, "upgrade", "0007")
    engine = create_engine(db.database_url(scratch_url))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO agencies (id, code, name, kind, parent_id, settings) VALUES "
                          "(1, 'yc', '榆次区人民政府', 'government', NULL, '{}'), "
                          "(2, 'yc-zrzy', '榆次区自然资源局', 'department', 1, '{}')"))
        conn.execute(text("INSERT INTO staff (id, code, name, role, agency_id, active) VALUES "
                          "(1, 'adm', '吴管理', 'admin', 2, TRUE), (2, 'c1', '张三', 'clerk', 2, TRUE), "
                          "(3, 'old', '钱八', 'reviewer', 2, FALSE), "
                          "(4, 'system-yc-zrzy', '系统（期限督办）', 'admin', 2, TRUE)"))
    engine.dispose()
    _migrate(scratch_url, "upgrade", "0008")
    assert _staff(scratch_url) == {"adm": (("admin",), "person", True), "c1": (("clerk",), "person", True),
                                   "old": (("reviewer",), "person", False),
                                   "system-yc-zrzy": (("system",), "system", True)}
    _migrate(scratch_url, "upgrade", "heads")
    u = f.uow(scratch_url)
    with u:  # the admin created before 0008 comes back as an admin, with no first set-up needed
        adm = auth.principal_for("adm", u, operator="os:root", via="cli")
        assert adm.roles == {Role.ADMIN} and u.directory.has_admin()
        with pytest.raises(AuthenticationError):  # the first set-up is over for this tree
            accounts.create_account(accounts.CreateAccount("x1", "某人", "yc-zrzy", "X-1", "clerk"), u,
                                    auth.bootstrap_principal(u, operator="os:root"))
        accounts.set_roles(SetRoles("c1", "clerk,reviewer"), u, adm)
    _migrate(scratch_url, "downgrade", "0007")
    assert _staff(scratch_url) == {"adm": ("admin", True), "c1": ("clerk", True), "old": ("reviewer", False),
                                   "system-yc-zrzy": ("admin", True)}
    _migrate(scratch_url, "upgrade", "heads")
    assert _staff(scratch_url)["adm"] == (("admin",), "person", True)
    with u:
        assert auth.principal_for("adm", u, operator="os:root", via="cli").roles == {Role.ADMIN}


# ----- cases: the four-eyes rule by person, request ids, dates of steps ----------------------------

def _case(url: str, by: str = "c1", received: D = D(2026, 11, 2), **kw) -> str:
    return f.register(url, agency=AGENCY, actor=by, received=received, today=TODAY, **kw).case_no


def test_a_person_holding_clerk_and_reviewer_cannot_sign_off_a_case_they_registered(office):
    no = _case(office, by="cr")
    f.step(office, no, "accept", "cr", D(2026, 11, 3), today=TODAY)
    with pytest.raises(RuleViolation) as caught:
        f.step(office, no, "sign_off", "cr", D(2026, 11, 5), today=TODAY, decision="disclose")
    assert caught.value.field == "actor" and "按人而非账户" in caught.value.rule
    assert [e.kind for e in rows(office, CaseEventRow)] == ["register", "accept"]
    assert f.step(office, no, "sign_off", "r1", D(2026, 11, 5), today=TODAY, decision="disclose").seq == 3


def test_a_person_who_made_a_handling_move_cannot_sign_off_but_one_who_did_not_can(office):
    no = _case(office, by="c1")
    f.step(office, no, "accept", "cr", D(2026, 11, 3), today=TODAY)
    with pytest.raises(RuleViolation):
        f.step(office, no, "sign_off", "cr", D(2026, 11, 5), today=TODAY, decision="disclose")
    other = _case(office, by="c1")
    f.step(office, other, "accept", "c1", D(2026, 11, 3), today=TODAY)
    # the same person with both roles signs off a case they never handled
    assert f.step(office, other, "sign_off", "cr", D(2026, 11, 5), today=TODAY, decision="disclose").seq == 3


def test_a_request_id_reused_on_another_case_is_refused(office):
    first, second = _case(office), _case(office)
    f.step(office, first, "accept", "c1", D(2026, 11, 3), today=TODAY, request_id="req-accept-1")
    again = f.step(office, first, "accept", "c1", D(2026, 11, 3), today=TODAY, request_id="req-accept-1")
    assert again.repeated and again.case_no == first
    with pytest.raises(InputError) as caught:
        f.step(office, second, "accept", "c1", D(2026, 11, 3), today=TODAY, request_id="req-accept-1")
    assert caught.value.field == "request_id" and "只对应一件案件" in caught.value.rule
    second_row = rows(office, CaseRow, CaseRow.case_no == second)[0]
    assert second_row.event_count == 1 and second_row.state == "received"


def test_a_registration_s_request_id_is_refused_for_another_agency(office):
    _case(office, request_id="req-reg-1")
    with pytest.raises(InputError) as caught:
        f.register(office, agency="tg", actor="tc", received=D(2026, 11, 2), today=TODAY, request_id="req-reg-1")
    assert caught.value.field == "request_id"
    assert len(rows(office, CaseRow)) == 1


def test_a_step_dated_before_the_previous_step_is_refused(office):
    no = _case(office)
    f.step(office, no, "accept", "c1", D(2026, 11, 5), today=TODAY)
    with pytest.raises(RuleViolation) as caught:
        f.step(office, no, "acknowledge", "c1", D(2026, 11, 4), today=TODAY)
    assert caught.value.field == "on" and "不得早于本案上一事项" in caught.value.rule
    assert len(rows(office, CaseEventRow)) == 2
    assert f.step(office, no, "acknowledge", "c1", D(2026, 11, 5), today=TODAY).seq == 3  # the same day is fine


def test_a_future_date_is_refused(office):
    with pytest.raises(RuleViolation) as caught:
        _case(office, received=TODAY + dt.timedelta(days=1))
    assert caught.value.field == "received" and "不得晚于今天" in caught.value.rule
    no = _case(office)
    with pytest.raises(RuleViolation) as caught:
        f.step(office, no, "accept", "c1", TODAY + dt.timedelta(days=1), today=TODAY)
    assert caught.value.field == "on"
    assert [e.kind for e in rows(office, CaseEventRow)] == ["register"]


def test_a_step_recorded_more_than_3_working_days_late_is_flagged_backdated_with_its_operator(office):
    c1 = f.principal(office, "c1", operator="os:lihua")
    late = _case(office, by=c1, received=D(2026, 11, 24))      # 4 working days before today
    on_time = _case(office, by=c1, received=D(2026, 11, 25))   # 3 working days: not yet back-dated
    f.step(office, on_time, "accept", c1, TODAY, today=TODAY)
    events = {(e.case_id, e.seq): e for e in rows(office, CaseEventRow)}
    ids = {r.case_no: r.id for r in rows(office, CaseRow)}
    assert events[(ids[late], 1)].backdated is True
    assert events[(ids[on_time], 1)].backdated is False and events[(ids[on_time], 2)].backdated is False
    for e in events.values():
        assert (e.actor, e.operator) == ("c1", "os:lihua") and e.recorded_at is not None


def test_another_government_s_clerk_cannot_register_or_act_for_the_agency(office):
    with pytest.raises(PermissionDenied):
        f.register(office, agency=AGENCY, actor="tc", received=D(2026, 11, 2), today=TODAY)
    no = _case(office)
    with pytest.raises(PermissionDenied):
        f.step(office, no, "accept", "tc", D(2026, 11, 3), today=TODAY)
    assert [e.kind for e in rows(office, CaseEventRow)] == ["register"]


# ----- the access log ----------------------------------------------------------------------------

def test_reads_are_in_the_access_log_for_an_admin_and_a_clerk_cannot_read_it(office):
    no = _case(office)
    case = rows(office, CaseRow, CaseRow.case_no == no)[0]
    c1, adm = f.principal(office, "c1"), f.principal(office, "adm")
    u = f.uow(office)
    with u:
        access.record(u, c1, "case.read", agency_id=case.agency_id, case_id=case.id,
                      applicant_id=case.applicant_id, target=no)
    access.record_refused(u, f.principal(office, "tc"), "case.read", agency_id=case.agency_id,
                          case_id=case.id, target=no, outcome="refused")
    with u:
        found = access.entries(access.Query(case_no=no), u, adm)
        assert [(e.staff, e.action, e.target, e.outcome, e.applicant_id) for e in found] == [
            ("tc", "case.read", no, "refused", None), ("c1", "case.read", no, "ok", case.applicant_id)]
        assert found[1].operator == f.OPERATOR and abs(found[1].at - local_now()) < dt.timedelta(minutes=1)
        assert access.entries(access.Query(case_no="yc-zrzy-2026-99999"), u, adm) == []
        with pytest.raises(PermissionDenied) as caught:
            access.entries(access.Query(), u, c1)
    assert "查阅访问日志" in caught.value.rule
    assert len(rows(office, AccessLogRow)) == 2
