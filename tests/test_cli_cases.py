"""`foi agency`, `foi user`, `foi case`: the operator's commands over the case store."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .cli import foi, ok



TODAY = "2026-11-29"  # a Sunday
RESIDENT_ID = "11010519491231002X"
MASKED_ID = "110***********002X"


def case_count(url: str) -> int:
    from foi_workflow.services import queries
    from foi_workflow.storage import db

    with db.session_scope(url) as session:
        return queries.count_cases(session)


# every notice states the agency's contact (ogi-rules.md), the fee notice how to pay
CONTACT = ("--contact-office", "政府信息公开办公室", "--contact-phone", "0354-1234567",
           "--contact-address", "某区政府大院1号", "--payee", "某区财政局", "--bank", "某银行",
           "--account", "123456789", "--payment-method", "到窗口缴纳")


@pytest.fixture
def office(clean_db, monkeypatch):
    """A district government with a department and a town under it, and its staff."""
    monkeypatch.setenv("FOI_TODAY", TODAY)
    ok("agency", "add", "GOV", "某区人民政府", "--kind", "government", *CONTACT)
    ok("agency", "add", "EDU", "区教育局", "--kind", "department", "--parent", "GOV",
       "--correction-days", "10", *CONTACT)
    ok("agency", "add", "T1", "某镇人民政府", "--kind", "town", "--parent", "GOV",
       "--weekend-online-next-day", *CONTACT)
    ok("agency", "add", "OTHER", "另一区人民政府", "--kind", "government", "--no-fee-exclusion", *CONTACT)
    # the first account is made in the first set-up (no admin yet); the admin makes the others
    ok("user", "create", "a1", "管理员甲", "--agency", "GOV", "--identifier", "GOV-001", "--role", "admin")
    for code, name, role, agency, ident in (("c1", "张三", "clerk", "GOV", "GOV-002"),
                                            ("r1", "李四", "reviewer", "GOV", "GOV-003"),
                                            ("h1", "王五", "head", "GOV", "GOV-004"),
                                            ("e1", "赵教", "clerk", "EDU", "EDU-001")):
        ok("user", "create", code, name, "--agency", agency, "--identifier", ident, "--role", role,
           "--as", "a1")
    return clean_db


ORG_CODE = "91140700MA0GRXQJ7Y"  # a unified social credit code with its GB 32100 check character


def register(*extra: str, agency: str = "GOV", actor: str = "c1", received: str = "2026-11-03",
             subject: str = "某道路改造工程招标文件"):
    return foi("case", "register", "--agency", agency, "--as", actor, "--channel", "in_person",
               "--received", received, "--subject", subject, "--applicant-kind", "natural_person",
               "--applicant-name", "赵六", "--id-type", "resident_id", "--id-number", RESIDENT_ID,
               "--contact", "北京市某区某路1号", "--form", "paper", "--delivery", "in_person", *extra)


def registered(*extra: str, **kw) -> str:
    res = register("--json", *extra, **kw)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["case_no"]


# ----- agencies and staff -------------------------------------------------------------------

def test_agency_list_is_a_tree_with_settings(office):
    rows = json.loads(ok("agency", "list", "--json").stdout)
    assert [(r["code"], r["depth"], r["parent"]) for r in rows] == [
        ("GOV", 0, None), ("EDU", 1, "GOV"), ("T1", 1, "GOV"), ("OTHER", 0, None)]
    by_code = {r["code"]: r for r in rows}
    assert by_code["EDU"]["settings"]["correction_period_working_days"] == 10
    assert by_code["T1"]["settings"]["weekend_online_receipt_next_working_day"] is True
    assert by_code["OTHER"]["settings"]["exclude_fee_time"] is False
    assert by_code["GOV"]["kind_label"] == "人民政府"
    text = ok("agency", "list").stdout
    assert "└─ EDU" in text and "└─ T1" in text and "政府部门" in text
    assert "补正期限（工作日）：10" in text


@pytest.mark.parametrize("args, field", [
    (["agency", "add", "X1", "某局", "--kind", "ministry"], "kind"),
    (["agency", "add", "X1", "某局", "--kind", "department", "--parent", "NOPE"], "parent"),
    (["agency", "add", "GOV", "重复", "--kind", "government"], "code"),
    (["agency", "add", "X1", "某局", "--kind", "department", "--correction-days", "61"],
     "correction_period_working_days"),
    (["agency", "add", "X1", "某局", "--kind", "department", "--alert-days", "21"], "alert_working_days"),
    (["user", "create", "x1", "某人", "--role", "boss", "--agency", "GOV", "--identifier", "X-1"], "role"),
    (["user", "create", "x1", "某人", "--role", "system", "--agency", "GOV", "--identifier", "X-1"], "role"),
    (["user", "create", "x1", "某人", "--role", "clerk", "--agency", "NOPE", "--identifier", "X-1"], "agency"),
    (["user", "create", "c1", "某人", "--role", "clerk", "--agency", "GOV", "--identifier", "X-1"], "code"),
    (["user", "create", "../x", "某人", "--role", "clerk", "--agency", "GOV", "--identifier", "X-1"], "code"),
    (["user", "create", "a\x1b[31m", "某人", "--role", "clerk", "--agency", "GOV", "--identifier", "X-1"], "code"),
    (["user", "create", "system-gov", "某人", "--role", "clerk", "--agency", "GOV", "--identifier", "X-1"], "code"),
    # one account per person: 张三 cannot get a second (reviewer) account
    (["user", "create", "c1b", "张三", "--role", "reviewer", "--agency", "GOV", "--identifier", "gov-002"],
     "identifier"),
    # only an admin manages accounts, and not once an admin exists without naming one
    (["user", "create", "x1", "某人", "--role", "clerk", "--agency", "GOV", "--identifier", "X-1",
      "--as", "c1"], "actor"),
    (["user", "create", "x1", "某人", "--role", "clerk", "--agency", "GOV", "--identifier", "X-1",
      "--as", "ghost"], "--as"),
    (["agency", "add", "X1", "某局", "--kind", "department", "--parent", "GOV", "--as", "h1"], "actor"),
])
def test_directory_bad_input_exits_2_and_writes_nothing(office, args, field):
    def state():
        return ok("agency", "list", "--json").stdout, ok("user", "list", "--json", "--as", "a1").stdout

    before = state()
    extra = [] if "--as" in args else ["--as", "a1"]
    res = foi(*args, *extra)
    assert res.exit_code == 2, res.output
    assert f"错误：{field}：" in res.stderr and "依据" in res.stderr
    assert state() == before


def test_once_an_admin_exists_the_first_set_up_is_over(office):
    res = foi("user", "create", "x1", "某人", "--role", "admin", "--agency", "GOV", "--identifier", "X-1")
    assert res.exit_code == 2 and "错误：--as：" in res.stderr and "管理员" in res.stderr
    res = foi("agency", "add", "X1", "某局", "--kind", "department", "--parent", "GOV")
    assert res.exit_code == 2 and "错误：--as：" in res.stderr


def test_an_agency_sets_how_many_working_days_ahead_its_supervisors_are_alerted(office):
    ok("agency", "add", "X2", "区财政局", "--kind", "department", "--parent", "GOV", "--alert-days", "5",
       "--as", "a1")
    rows = {r["code"]: r for r in json.loads(ok("agency", "list", "--json").stdout)}
    assert rows["X2"]["settings"]["alert_working_days"] == 5
    assert rows["EDU"]["settings"]["alert_working_days"] == 3          # the default


def test_accounts_are_listed_with_role_labels_and_filtered_by_agency(office):
    rows = json.loads(ok("user", "list", "--json", "--as", "a1").stdout)
    assert {(r["code"], r["roles_label"], r["agency"]) for r in rows} == {
        ("a1", "管理员", "GOV"), ("c1", "承办人", "GOV"), ("r1", "保密审查人", "GOV"),
        ("h1", "负责人", "GOV"), ("e1", "承办人", "EDU")}
    edu = json.loads(ok("user", "list", "--agency", "EDU", "--json", "--as", "a1").stdout)
    assert [r["code"] for r in edu] == ["e1"]
    assert "保密审查人" in ok("user", "list", "--as", "a1").stdout
    assert all("password" not in k for r in rows for k in r)


def test_a_person_holds_several_roles_in_one_account_and_changes_are_recorded(office):
    ok("user", "roles", "c1", "--role", "clerk,reviewer", "--as", "a1")
    row = next(r for r in json.loads(ok("user", "list", "--json", "--as", "a1").stdout) if r["code"] == "c1")
    assert row["roles"] == ["clerk", "reviewer"]
    ok("user", "deactivate", "e1", "--as", "a1")
    assert foi("case", "list", "--as", "e1").exit_code == 2            # a deactivated account cannot act
    history = json.loads(ok("user", "history", "c1", "--json", "--as", "a1").stdout)
    assert [(h["change"], h["by"]) for h in history] == [("created", "a1"), ("roles", "a1")]
    assert history[1]["detail"] == {"from": ["clerk"], "to": ["clerk", "reviewer"]}
    assert history[1]["operator"].startswith("os:") and history[1]["at"]


def test_commands_without_schema_say_to_upgrade(monkeypatch, tmp_path):
    monkeypatch.setenv("FOI_DATABASE_URL", f"sqlite:///{tmp_path / 'none.sqlite3'}")
    res = foi("agency", "list")
    assert res.exit_code == 2 and "foi db upgrade" in res.stderr, res.output
    assert not (tmp_path / "none.sqlite3").exists()


# ----- registering, and the ID number never shown in full -----------------------------------

def test_register_natural_person_and_id_number_is_always_masked(office):
    res = register()
    assert res.exit_code == 0, res.output
    assert "GOV-2026-00001" in res.stdout and "2026-12-01" in res.stdout
    outputs = [res.output]
    for args in (["case", "show", "GOV-2026-00001"], ["case", "show", "GOV-2026-00001", "--json"],
                 ["case", "show", "GOV-2026-00001", "--explain"],
                 ["case", "show", "GOV-2026-00001", "--json", "--explain"],
                 ["case", "list"], ["case", "list", "--json"]):
        outputs.append(ok(*args, "--as", "c1").output)
    for out in outputs:
        assert RESIDENT_ID not in out and RESIDENT_ID.lower() not in out
    assert MASKED_ID in outputs[1] and MASKED_ID in outputs[2]
    shown = json.loads(outputs[2])
    assert shown["applicant"]["id_number_masked"] == MASKED_ID
    assert "id_number" not in shown["applicant"] and "contact" not in shown["applicant"]
    assert shown["applicant"]["contact_masked"] == "北********"
    assert all("北京市某区某路1号" not in out for out in outputs)
    assert shown["state_label"] == "待审查"
    assert shown["handler"] == {"code": "c1", "name": "张三"}


def test_the_stored_number_is_the_full_one(office):
    """Masking is for display: the database keeps the number given (so the test above means something)."""
    from sqlalchemy import select

    from foi_workflow.storage import db
    from foi_workflow.storage.models import ApplicantRow

    registered()
    with db.session_scope(office) as session:
        assert session.scalar(select(ApplicantRow.id_number)) == RESIDENT_ID


def test_register_bad_id_number_message_is_masked(office):
    bad = RESIDENT_ID[:-1] + "1"
    res = register_with(id_number=bad)
    assert res.exit_code == 2
    assert bad not in res.output and "applicant.id_number" in res.stderr


def register_with(*extra: str, id_number: str | None = RESIDENT_ID, kind: str = "natural_person"):
    args = ["case", "register", "--agency", "GOV", "--as", "c1", "--channel", "in_person",
            "--received", "2026-11-03", "--subject", "某文件", "--applicant-kind", kind,
            "--applicant-name", "赵六", "--form", "paper", "--delivery", "in_person"]
    if id_number is not None:
        args += ["--id-number", id_number]
    return foi(*args, *extra)


@pytest.mark.parametrize("args, field", [
    (["--agency", "NOPE"], "agency"),
    (["--as", "ghost"], "--as"),
    (["--as", "a1"], "actor"),  # an admin manages accounts, and handles no case
    (["--as", "e1"], "actor"),  # staff of a department may not register for the government
    (["--received", "2026-11-30"], "received"),  # after FOI_TODAY
    (["--received", "2026/11/03"], "received"),
    (["--subject", "文" * 5001], "subject"),
    (["--subject", "  "], "subject"),
    (["--subject", "某文件\x00"], "subject"),            # PostgreSQL cannot store NUL
    (["--applicant-name", "赵\x00六"], "applicant.name"),
    (["--channel", "pigeon"], "channel"),
    (["--applicant-kind", "alien"], "applicant.kind"),
])
def test_register_bad_input_exits_2_and_writes_nothing(office, args, field):
    base = {"--agency": "GOV", "--as": "c1", "--channel": "in_person", "--received": "2026-11-03",
            "--subject": "某文件", "--applicant-kind": "natural_person", "--applicant-name": "赵六",
            "--id-number": RESIDENT_ID, "--form": "paper", "--delivery": "in_person"}
    base.update(dict(zip(args[::2], args[1::2])))
    res = foi("case", "register", *[x for kv in base.items() for x in kv])
    assert res.exit_code == 2, res.output
    assert f"错误：{field}：" in res.stderr and "依据" in res.stderr
    assert res.stdout == ""
    assert case_count(office) == 0


def test_natural_person_without_id_number_exits_2_and_writes_nothing(office):
    res = register_with(id_number=None)
    assert res.exit_code == 2
    assert "错误：applicant.id_number：" in res.stderr and "第二十九条" in res.stderr
    assert case_count(office) == 0
    # an organisation gives its credit code instead, and its contact person (Art 29)
    assert register_with("--credit-code", ORG_CODE, "--contact-person", "钱研究", id_number=None,
                         kind="research").exit_code == 0
    assert case_count(office) == 1


def test_register_with_the_same_request_id_twice_registers_once(office):
    first = registered("--request-id", "intake-1")
    res = register("--request-id", "intake-1")
    assert res.exit_code == 0
    assert first in res.stdout and "未重复记录" in res.stdout
    assert case_count(office) == 1


# ----- steps ---------------------------------------------------------------------------------

def test_full_path_accept_sign_off_reply_closes_with_outcome_label(office):
    no = registered()
    accepted = json.loads(ok("case", "step", no, "accept", "--as", "c1", "--on", "2026-11-05",
                             "--json").stdout)
    assert accepted["state"] == "in_process" and accepted["state_label"] == "办理中"
    assert accepted["reply_due"] == "2026-12-01"
    ok("case", "step", no, "sign_off", "--as", "r1", "--on", "2026-11-10",
       "--data", "decision=disclose")
    res = ok("case", "step", no, "reply", "--as", "h1", "--on", "2026-11-12",
             "--data", "outcome=disclosed", "--data", "provided=某地块征收补偿方案全文",
             "--data", "form=paper", "--data", "delivery=in_person")
    assert "已办结" in res.stdout and "予以公开" in res.stdout

    shown = json.loads(ok("case", "show", "--as", "c1", no, "--json").stdout)
    assert shown["state"] == "closed" and shown["state_label"] == "已办结"
    assert shown["outcome"] == "disclosed"
    assert shown["outcome_label"].startswith("予以公开")
    assert shown["report_row"] == "disclosed" and shown["report_row_label"] == "三、（一）予以公开"
    assert [(h["seq"], h["kind"], h["label"], h["actor"]) for h in shown["history"]] == [
        (1, "register", "登记申请", "c1"), (2, "accept", "审查通过", "c1"),
        (3, "sign_off", "保密审查签发", "r1"), (4, "reply", "答复", "h1")]
    assert all(h["basis"] for h in shown["history"])
    assert shown["schedule"]["dates"]["reply_due"]["date"] == "2026-12-01"
    assert "第三十三条" in shown["schedule"]["dates"]["reply_due"]["basis"]

    text = ok("case", "show", "--as", "c1", no).stdout
    for expected in ("已办结", "予以公开", "三、（一）予以公开", "保密审查签发", "h1 王五",
                     "答复期限", "2026-12-01（星期二）", "第三十三条"):
        assert expected in text
    explained = ok("case", "show", "--as", "c1", no, "--explain").stdout
    assert "计入的工作日" in explained and "12-01(20)" in explained
    explained_json = json.loads(ok("case", "show", "--as", "c1", no, "--json", "--explain").stdout)
    assert len(explained_json["schedule"]["dates"]["reply_due"]["explanation"]["counted"]) == 20


def test_step_data_values_are_typed(office):
    from foi_workflow.cli.case_cmd import parse_data

    assert parse_data(["days=15", "public=true", "x=False", "reasons=需要检索档案", "n=-2",
                       "note=a=b"]) == {
        "days": 15, "public": True, "x": False, "reasons": "需要检索档案", "n": -2, "note": "a=b"}
    no = registered()
    res = ok("case", "step", no, "extend", "--as", "h1", "--on", "2026-11-20", "--data", "days=15",
             "--data", "reasons=需要检索档案", "--json")
    assert json.loads(res.stdout)["reply_due"] == "2026-12-22"


def test_illegal_move_exits_2_with_the_chinese_rule_and_writes_nothing(office):
    no = registered()
    res = foi("case", "step", no, "reply", "--as", "c1", "--on", "2026-11-05",
              "--data", "outcome=disclosed")
    assert res.exit_code == 2
    assert "“答复”须由负责人办理" in res.stderr
    res = foi("case", "step", no, "sign_off", "--as", "r1", "--on", "2026-11-05",
              "--data", "decision=disclose")
    assert res.exit_code == 2 and "只能在办理中时办理" in res.stderr
    assert len(json.loads(ok("case", "show", "--as", "c1", no, "--json").stdout)["history"]) == 1


@pytest.mark.parametrize("args, field", [
    (["frobnicate"], "move"),
    (["register"], "move"),
    (["accept", "--data", "novalue"], "--data"),
    (["accept", "--on", "2026-11-30"], "on"),  # after FOI_TODAY
    (["accept", "--as", "ghost"], "--as"),
    (["accept", "--as", "e1"], "actor"),   # a department's clerk may not act for the government
])
def test_step_bad_input_exits_2(office, args, field):
    no = registered()
    move, *rest = args
    opts = {"--as": "c1", "--on": "2026-11-05"}
    extra: list[str] = []
    for flag, value in zip(rest[::2], rest[1::2]):
        if flag in opts:
            opts[flag] = value
        else:
            extra += [flag, value]
    res = foi("case", "step", no, move, *[x for kv in opts.items() for x in kv], *extra)
    assert res.exit_code == 2, res.output
    assert f"错误：{field}：" in res.stderr
    assert len(json.loads(ok("case", "show", "--as", "c1", no, "--json").stdout)["history"]) == 1


def test_unknown_case_exits_2(office):
    for args in (["case", "show", "GOV-2026-09999", "--as", "c1"],
                 ["case", "step", "GOV-2026-09999", "accept", "--as", "c1", "--on", "2026-11-05"]):
        res = foi(*args)
        assert res.exit_code == 2 and "错误：case_no：" in res.stderr


def test_same_request_id_twice_applies_the_step_once(office):
    no = registered()
    args = ("case", "step", no, "accept", "--as", "c1", "--on", "2026-11-05", "--request-id", "r-42")
    first = json.loads(ok(*args, "--json").stdout)
    second = json.loads(ok(*args, "--json").stdout)
    assert (first["seq"], first["repeated"]) == (2, False)
    assert (second["seq"], second["repeated"]) == (2, True)
    assert "未重复记录" in ok(*args).stdout
    assert [h["kind"] for h in json.loads(ok("case", "show", "--as", "c1", no, "--json").stdout)["history"]] == [
        "register", "accept"]


# ----- listing ------------------------------------------------------------------------------

def test_list_due_within_counts_working_days_from_today(office):
    soon = registered(received="2026-11-03")     # reply due Tue 2026-12-01
    later = registered(received="2026-11-20")    # reply due Fri 2026-12-18
    overdue = registered(received="2026-10-09")  # reply due 2026-11-06: overdue
    closed = registered(received="2026-11-04")   # due soon, but closed
    ok("case", "step", closed, "withdraw", "--as", "c1", "--on", "2026-11-05")

    out = json.loads(ok("case", "list", "--as", "c1", "--due-within", "3", "--json").stdout)
    assert out["today"] == TODAY and out["due_by"] == "2026-12-02"  # Mon, Tue, Wed
    assert [c["case_no"] for c in out["cases"]] == [overdue, soon]
    assert out["cases"][0]["overdue"] is True and out["cases"][1]["overdue"] is False
    assert later not in json.dumps(out) and closed not in json.dumps(out)

    text = ok("case", "list", "--as", "c1", "--due-within", "3").stdout
    assert soon in text and overdue in text and later not in text and "已逾期" in text
    assert "张三" in text and "办理中" not in text and "待审查" in text

    assert [c["case_no"] for c in json.loads(ok("case", "list", "--as", "c1", "--due-within", "1", "--json")
                                             .stdout)["cases"]] == [overdue]
    everything = json.loads(ok("case", "list", "--as", "c1", "--json").stdout)["cases"]
    assert [c["case_no"] for c in everything] == [overdue, soon, closed, later]  # by reply_due
    assert [c["case_no"] for c in json.loads(ok("case", "list", "--as", "c1", "--state", "closed", "--json")
                                             .stdout)["cases"]] == [closed]


def test_list_by_agency_with_subordinates(office):
    gov = registered()
    edu = registered(agency="EDU", actor="e1")
    only_gov = json.loads(ok("case", "list", "--as", "c1", "--agency", "GOV", "--json").stdout)["cases"]
    assert [c["case_no"] for c in only_gov] == [gov]
    # the district's head supervises the bodies under it; its clerk reads only its own cases
    assert foi("case", "list", "--as", "c1", "--agency", "GOV", "--with-subordinates").exit_code == 0
    tree = json.loads(ok("case", "list", "--as", "h1", "--agency", "GOV", "--with-subordinates", "--json")
                      .stdout)["cases"]
    assert {c["case_no"] for c in tree} == {gov, edu}
    assert edu.startswith("EDU-2026-")
    assert json.loads(ok("case", "list", "--as", "e1", "--agency", "EDU", "--json").stdout)["cases"][0][
        "agency"] == "EDU"


def test_list_marks_provisional_reply_due(office, monkeypatch):
    monkeypatch.setenv("FOI_TODAY", "2026-12-21")
    no = registered(received="2026-12-21")  # due in 2027, a year not yet published
    row = json.loads(ok("case", "list", "--as", "c1", "--json").stdout)["cases"][0]
    assert row["case_no"] == no and row["provisional"] is True
    assert "预估" in ok("case", "list", "--as", "c1").stdout
    assert "预估" in ok("case", "show", "--as", "c1", no).stdout


@pytest.mark.parametrize("args, field", [
    (["--state", "sleeping"], "--state"),
    (["--due-within", "-1"], "--due-within"),
    (["--agency", "NOPE"], "--agency"),
    (["--with-subordinates"], "--with-subordinates"),
    (["--agency", "OTHER"], "actor"),   # another government's cases
])
def test_list_bad_input_exits_2(office, args, field):
    res = foi("case", "list", "--as", "c1", *args)
    assert res.exit_code == 2
    assert f"错误：{field}：" in res.stderr


def test_report_row_labels_cover_every_row():
    from foi_workflow.domain.outcomes import OUTCOMES, REPORT_ROWS
    from foi_workflow.labels import REPORT_ROW_LABELS, report_row_label

    assert set(REPORT_ROW_LABELS) == set(REPORT_ROWS)
    assert all(report_row_label(o.report_row) for o in OUTCOMES.values())


def test_case_commands_do_not_import_prefect(office, tmp_path):
    code = ("import sys; from foi_workflow.cli.main import app\n"
            "for args in (['case', 'list', '--due-within', '3', '--as', 'c1'], ['agency', 'list'],"
            " ['user', 'list', '--as', 'a1'], ['case', 'show', 'GOV-2026-00001', '--explain', '--as', 'c1']):\n"
            "    try:\n        app(args)\n    except SystemExit as e:\n"
            "        assert not e.code, (args, e.code)\n"
            "print('PREFECT' if 'prefect' in sys.modules else 'NO-PREFECT')")
    registered()
    env = {**os.environ, "FOI_DATABASE_URL": office}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().endswith("NO-PREFECT")
