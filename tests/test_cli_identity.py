"""The operator's tool: who acts (--as, --token / FOI_TOKEN), what is recorded beside the staff
member (the operator), tokens and the access log, through the `foi` command."""

from __future__ import annotations

import json

import pytest

from .cli import foi, ok

TODAY = "2026-11-29"
RESIDENT_ID = "11010519491231002X"


@pytest.fixture
def office(clean_db, monkeypatch):
    monkeypatch.setenv("FOI_TODAY", TODAY)
    monkeypatch.delenv("FOI_TOKEN", raising=False)
    ok("agency", "add", "GOV", "某区人民政府", "--kind", "government")
    ok("agency", "add", "EDU", "区教育局", "--kind", "department", "--parent", "GOV")
    ok("agency", "add", "HLT", "区卫生健康局", "--kind", "department", "--parent", "GOV")
    ok("user", "create", "a1", "管理员甲", "--agency", "GOV", "--identifier", "GOV-001", "--role", "admin")
    for code, name, role, agency, ident in (("e1", "赵教", "clerk", "EDU", "EDU-001"),
                                            ("er", "钱审", "reviewer", "EDU", "EDU-002"),
                                            ("ea", "孙管", "admin", "EDU", "EDU-003"),
                                            ("h1", "王五", "clerk,head", "HLT", "HLT-001"),
                                            ("gs", "周督", "supervisor", "GOV", "13800000000")):
        ok("user", "create", code, name, "--agency", agency, "--identifier", ident, "--role", role,
           "--as", "a1")
    return clean_db


def register(actor: str = "e1", *extra: str) -> str:
    res = ok("case", "register", "--agency", "EDU", "--as", actor, "--channel", "in_person",
             "--received", "2026-11-03", "--subject", "某学校建设项目批复", "--applicant-kind",
             "natural_person", "--applicant-name", "赵六", "--id-number", RESIDENT_ID,
             "--contact", "13912345678", "--form", "paper", "--delivery", "in_person", "--json", *extra)
    return json.loads(res.stdout)["case_no"]


def token_for(actor: str, *extra: str) -> str:
    return json.loads(ok("user", "token", "create", "脚本", "--as", actor, "--json", *extra).stdout)["token"]


def test_a_step_records_the_os_operator_beside_the_staff_member(office):
    no = register()
    history = json.loads(ok("case", "show", no, "--as", "e1", "--json").stdout)["history"]
    assert history[0]["actor"] == "e1" and history[0]["operator"].startswith("os:")
    assert history[0]["recorded_at"].startswith("20")


def test_a_token_acts_as_its_owner_and_is_recorded_as_the_operator(office):
    token = token_for("e1")
    res = foi("--token", token, "case", "register", "--agency", "EDU", "--channel", "post",
              "--received", "2026-11-04", "--subject", "某文件", "--applicant-kind", "research",
              "--applicant-name", "某研究所", "--credit-code", "91140700MA0GRXQJ7Y", "--contact-person", "钱研究",
              "--form", "electronic", "--delivery", "online", "--json")
    assert res.exit_code == 0, res.output
    no = json.loads(res.stdout)["case_no"]
    history = json.loads(ok("--token", token, "case", "show", no, "--json").stdout)["history"]
    assert (history[0]["actor"], history[0]["operator"]) == ("e1", "token:e1")


def test_foi_token_from_the_environment(office, monkeypatch):
    monkeypatch.setenv("FOI_TOKEN", token_for("e1"))
    assert ok("case", "list", "--json").stdout


def test_an_operator_may_not_act_for_staff_of_another_agency(office):
    token = token_for("ea")           # EDU's admin
    no = register()
    res = foi("--token", token, "case", "step", no, "accept", "--as", "h1", "--on", "2026-11-05")
    assert res.exit_code == 2 and "错误：--as：" in res.stderr and "本机关" in res.stderr
    # for staff of their own agency an admin's token may act; the policy is that person's
    ok("--token", token, "case", "step", no, "accept", "--as", "e1", "--on", "2026-11-05")
    res = foi("--token", token_for("e1"), "case", "step", no, "accept", "--as", "er", "--on", "2026-11-05")
    assert res.exit_code == 2 and "错误：--as：" in res.stderr     # a clerk acts for nobody


@pytest.mark.parametrize("mutate, message", [
    (lambda t: t[:-2] + "xx", "令牌无效"),
    (lambda t: "not-a-token", "令牌无效"),
])
def test_a_bad_token_is_refused_with_the_rule(office, mutate, message):
    res = foi("--token", mutate(token_for("e1")), "case", "list")
    assert res.exit_code == 2 and "错误：token：" in res.stderr and message in res.stderr


def test_a_revoked_or_expired_token_is_refused_and_a_deactivated_owner_too(office, monkeypatch):
    created = json.loads(ok("user", "token", "create", "对接", "--as", "e1", "--json").stdout)
    ok("user", "token", "revoke", str(created["id"]), "--as", "e1")
    res = foi("--token", created["token"], "case", "list")
    assert res.exit_code == 2 and "令牌已撤销" in res.stderr
    token = token_for("e1", "--days", "1")
    ok("user", "deactivate", "e1", "--as", "a1")
    res = foi("--token", token, "case", "list")
    assert res.exit_code == 2 and "已停用" in res.stderr
    ok("user", "reactivate", "e1", "--as", "a1")
    import datetime as dt

    from foi_workflow import localtime

    later = localtime.now() + dt.timedelta(days=2)
    monkeypatch.setattr(localtime, "now", lambda: later)
    res = foi("--token", token, "case", "list")
    assert res.exit_code == 2 and "过期" in res.stderr


def test_the_token_is_shown_once_and_only_its_hash_is_stored(office):
    from sqlalchemy import select

    from foi_workflow.storage import db
    from foi_workflow.storage.identity_tables import ApiTokenRow

    token = token_for("e1")
    listed = ok("user", "token", "list", "--as", "e1").stdout
    assert token not in listed and token[:10] in listed
    with db.session_scope(office) as s:
        stored = s.scalars(select(ApiTokenRow.token_hash)).all()
    assert token not in stored and len(stored[0]) == 64


def test_a_case_of_another_agency_answers_like_an_unknown_one_and_the_attempt_is_logged(office):
    no = register()
    mine = foi("case", "show", no.replace("00001", "00099"), "--as", "h1")
    theirs = foi("case", "show", no, "--as", "h1")          # a sibling department's clerk
    assert mine.exit_code == theirs.exit_code == 2
    assert theirs.stderr.replace(no, "X") == mine.stderr.replace(no.replace("00001", "00099"), "X")
    log = json.loads(ok("access-log", "--as", "a1", "--json").stdout)
    refused = [e for e in log if e["staff"] == "h1" and e["action"] == "case.read"]
    assert {e["outcome"] for e in refused} == {"refused", "missing"}


def test_every_read_of_a_case_is_in_the_access_log(office):
    no = register()
    ok("case", "show", no, "--as", "e1")
    ok("case", "show", no, "--as", "gs", "--json")             # the district's supervisor reads it
    ok("case", "list", "--as", "gs", "--agency", "GOV", "--with-subordinates")
    log = json.loads(ok("access-log", "--as", "a1", "--case", no, "--json").stdout)
    assert [(e["staff"], e["action"]) for e in log] == [("gs", "case.read"), ("e1", "case.read")]
    assert all(e["operator"].startswith("os:") and e["via"] == "cli" for e in log)
    # ids and numbers only: no name, no ID number, no contact in the log
    text = ok("access-log", "--as", "a1", "--json").stdout
    assert RESIDENT_ID not in text and "赵六" not in text and "13912345678" not in text
    # only admins read the log
    res = foi("access-log", "--as", "gs")
    assert res.exit_code == 2 and "查阅访问日志" in res.stderr
    # a department's admin sees its own agency's entries only
    assert json.loads(ok("access-log", "--as", "ea", "--json").stdout)
    res = foi("access-log", "--as", "ea", "--agency", "GOV")
    assert res.exit_code == 2


def test_contact_and_identity_number_are_masked_everywhere(office):
    no = register()
    for args in (["case", "show", no, "--as", "e1"], ["case", "show", no, "--as", "e1", "--json"]):
        out = ok(*args).stdout
        assert RESIDENT_ID not in out and "13912345678" not in out
        assert "139******78" in out


def test_a_superior_supervisor_reads_but_does_not_act(office):
    no = register()
    assert ok("case", "show", no, "--as", "gs").stdout
    res = foi("case", "step", no, "accept", "--as", "gs", "--on", "2026-11-05")
    assert res.exit_code == 2 and "不得以下级机关名义办理" in res.stderr


def test_a_back_dated_step_is_flagged_with_who_recorded_it(office):
    no = register()                             # received 2026-11-03, recorded 2026-11-29
    shown = json.loads(ok("case", "show", no, "--as", "e1", "--json").stdout)
    assert shown["history"][0]["backdated"] is True
    assert "补录" in ok("case", "show", no, "--as", "e1").stdout


def test_steps_never_go_back_in_time_nor_into_the_future(office):
    no = register()
    ok("case", "step", no, "accept", "--as", "e1", "--on", "2026-11-10")
    res = foi("case", "step", no, "acknowledge", "--as", "e1", "--on", "2026-11-09")
    assert res.exit_code == 2 and "错误：on：" in res.stderr and "上一事项" in res.stderr
    res = foi("case", "step", no, "acknowledge", "--as", "e1", "--on", "2026-11-30")
    assert res.exit_code == 2 and "晚于今天" in res.stderr


def test_four_eyes_by_person_a_clerk_who_is_also_reviewer_cannot_sign_off_their_case(office):
    ok("user", "roles", "e1", "--role", "clerk,reviewer", "--as", "a1")
    no = register()
    ok("case", "step", no, "accept", "--as", "e1", "--on", "2026-11-05")
    res = foi("case", "step", no, "sign_off", "--as", "e1", "--on", "2026-11-06", "--data", "decision=disclose")
    assert res.exit_code == 2 and "办理过本案" in res.stderr
    ok("case", "step", no, "sign_off", "--as", "er", "--on", "2026-11-06", "--data", "decision=disclose")


def test_a_request_id_is_scoped_to_its_case(office):
    first, second = register(), register()
    ok("case", "step", first, "accept", "--as", "e1", "--on", "2026-11-05", "--request-id", "req-1")
    res = foi("case", "step", second, "accept", "--as", "e1", "--on", "2026-11-05", "--request-id", "req-1")
    assert res.exit_code == 2 and "错误：request_id：" in res.stderr
    assert [h["kind"] for h in json.loads(ok("case", "show", second, "--as", "e1", "--json").stdout)["history"]] == ["register"]


def test_passwords_come_from_stdin_and_are_never_stored_in_clear(office):
    from sqlalchemy import select

    from foi_workflow.storage import db
    from foi_workflow.storage.models import StaffRow

    res = foi("user", "reset-password", "e1", "--password-stdin", "--as", "a1", input="correct horse battery\n")
    assert res.exit_code == 0, res.output
    with db.session_scope(office) as s:
        stored = s.scalar(select(StaffRow.password_hash).where(StaffRow.code == "e1"))
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    res = foi("user", "reset-password", "e1", "--password-stdin", "--as", "a1", input="short\n")
    assert res.exit_code == 2 and "错误：password：" in res.stderr


def test_an_agency_keeps_an_admin_in_it_or_above_it(office):
    # EDU's admin does not manage the district: the district's only admin stays
    for args in (["user", "roles", "a1", "--role", "clerk"], ["user", "deactivate", "a1"]):
        res = foi(*args, "--as", "a1")
        assert res.exit_code == 2 and "须保留一名在职的管理员" in res.stderr, res.output
    ok("user", "deactivate", "ea", "--as", "a1")       # the district's admin still covers EDU
