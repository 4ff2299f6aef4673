"""Intake of the Art 29 application in full, and the same applicant across cases: one applicant
record recognised by identity document or credit code, each case keeping the contact details
of its own application, the items in their own table and in the register event, hints at
intake (the month's count, possible duplicates with the earlier reply), migration 0013."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import create_engine, func, select, text

from foi_workflow.domain.applicants import Applicant, Item
from foi_workflow.domain.errors import FoiError
from foi_workflow.services import cases, views
from foi_workflow.storage import db
from foi_workflow.storage.models import ApplicantRow, CaseContactRow, CaseEventRow, CaseItemRow, CaseRow

from . import factories as f
from .cli import foi
from .test_accounts_store import _migrate, scratch_url  # noqa: F401  (fixture)
from .test_case_store import AGENCY, TODAY, office  # noqa: F401  (fixture)

D = dt.date
ID = "11010519491231002X"


def person(id_number: str = ID, **kw) -> Applicant:
    return Applicant("natural_person", "赵六", "resident_id", id_number, **kw)


def reg(url: str, applicant: Applicant, received: D = D(2026, 6, 1), **kw):
    return f.register(url, agency=AGENCY, actor="c1", applicant=applicant, received=received, today=TODAY, **kw)


def count(url: str, table) -> int:
    with db.session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(table))


def test_one_applicant_across_cases_same_id_number_with_other_spacing_and_case(office):
    a = reg(office, person(ID, phone="13912345678"))
    b = reg(office, person("110105 1949 1231 002x", phone="13800001111"), received=D(2026, 6, 2))
    org1 = reg(office, f.DEFAULT_APPLICANT)
    org2 = reg(office, Applicant("commercial", "某公司（更名）", "credit_code", f.CREDIT_CODE.lower(),
                                 legal_representative="张董事"))
    with db.session_scope(office) as s:
        by_no = {r.case_no: r.applicant_id for r in s.scalars(select(CaseRow))}
        assert by_no[a.case_no] == by_no[b.case_no] and by_no[org1.case_no] == by_no[org2.case_no]
        assert by_no[a.case_no] != by_no[org1.case_no]
        assert s.scalar(select(func.count()).select_from(ApplicantRow)) == 2
        # the record keeps the latest details given
        latest = s.get(ApplicantRow, by_no[a.case_no])
        assert latest.phone == "13800001111" and latest.match_key == "resident_id:" + ID
        assert s.get(ApplicantRow, by_no[org1.case_no]).name == "某公司（更名）"


def test_the_case_keeps_the_contact_details_of_its_own_application(office):
    first = reg(office, person(phone="13912345678", address="山西省晋中市榆次区顺城街1号", postcode="030600"),
                delivery="post", form="paper")
    reg(office, person(phone="13800001111", address="北京市东城区某路2号", postcode="100010"))
    with db.session_scope(office) as s:
        row = s.scalar(select(CaseRow).where(CaseRow.case_no == first.case_no))
        given = s.get(CaseContactRow, row.id)
        assert (given.phone, given.address, given.postcode) == ("13912345678", "山西省晋中市榆次区顺城街1号", "030600")
    page = views.case_page(first.case_no, f.uow(office), f.principal(office, "c1")).data
    assert page["applicant"]["phone_masked"] == "139******78"
    assert page["applicant"]["address_masked"].startswith("山西省晋中市") and "顺城街" not in json.dumps(page)
    assert "13912345678" not in json.dumps(page, ensure_ascii=False)
    assert (page["form"], page["delivery"]) == ("paper", "post")


def test_register_event_carries_the_items_and_the_items_table_holds_them(office):
    res = reg(office, person(), items=[Item("某批复", "晋政函〔2020〕1号"), "某会议纪要"])
    with cases_loaded(office, res.case_no) as (row, events, case):
        assert [(i.n, i.description, i.document_no) for i in case.items] == [
            (1, "某批复", "晋政函〔2020〕1号"), (2, "某会议纪要", "")]
        assert events[0].data["items"][1] == {"n": 2, "description": "某会议纪要"}
        assert "赵六" not in json.dumps(dict(events[0].data), ensure_ascii=False)  # no personal data in history
    with db.session_scope(office) as s:
        assert [(r.n, r.document_no) for r in s.scalars(select(CaseItemRow).order_by(CaseItemRow.n))] == [
            (1, "晋政函〔2020〕1号"), (2, "")]


class cases_loaded:
    def __init__(self, url, case_no):
        self.u, self.no = f.uow(url), case_no

    def __enter__(self):
        self.u.__enter__()
        return cases.load(self.u.session, self.no)

    def __exit__(self, *exc):
        return self.u.__exit__(*exc)


def test_application_with_no_item_refused_and_nothing_written(office):
    with pytest.raises(FoiError) as exc:
        reg(office, person(), items=[])
    assert exc.value.field == "items"
    assert count(office, CaseRow) == count(office, ApplicantRow) == 0


def test_organisation_without_credit_code_refused_and_nothing_written(office):
    with pytest.raises(FoiError) as exc:
        reg(office, Applicant.of({"kind": "commercial", "name": "某公司", "contact_person": "王经理"}))
    assert exc.value.field == "applicant.credit_code"
    assert count(office, CaseRow) == 0


def test_oral_application_records_the_staff_member_who_filled_it_in(office):
    res = reg(office, person(), channel="in_person", oral=True, form="paper", delivery="in_person")
    with cases_loaded(office, res.case_no) as (_row, _events, case):
        assert case.oral and case.recorded_by == "c1"
    with pytest.raises(FoiError) as exc:
        reg(office, person(), channel="online", oral=True)
    assert exc.value.field == "channel"


def test_hints_list_the_earlier_case_and_the_months_count(office):
    earlier = reg(office, person(), received=D(2026, 6, 1), subject="2025年某地块征收补偿方案")
    f.step(office, earlier.case_no, "withdraw", "c1", D(2026, 6, 3), today=TODAY)
    other = reg(office, person(), received=D(2026, 6, 4), subject="某道路改造工程招标文件")
    reg(office, person(), received=D(2026, 5, 29), subject="某学校建设项目批复")
    hints = views.intake_hints(person(" 110105 19491231002x"), f.uow(office), f.principal(office, "c1"),
                               items=["某地块征收补偿方案"], on=D(2026, 6, 10))
    assert hints["known"] and hints["cases_this_month"] == 2
    assert [c["case_no"] for c in hints["cases"]][-2:] == [earlier.case_no, other.case_no]
    dup = hints["possible_duplicates"]
    assert [c["case_no"] for c in dup] == [earlier.case_no] and "reply_no" in dup[0]
    assert "赵六" not in json.dumps(hints, ensure_ascii=False) and ID not in json.dumps(hints)
    # an applicant never seen: nothing to hint
    assert views.intake_hints(person("110101199003074477"), f.uow(office), f.principal(office, "c1"))["cases"] == []


def test_another_agencys_staff_see_no_hints_of_cases_they_may_not_read(office):
    reg(office, person())
    hints = views.intake_hints(person(), f.uow(office), f.principal(office, "o1"))
    assert hints["cases"] == [] and hints["cases_this_month"] == 0


def test_art35_the_case_page_counts_the_same_applicants_requests_by_month_and_year(office):
    """Art 35 (number and frequency of requests) and 109号 (count per month) are judged on the
    applicant's other cases: the case page counts them, the case itself included."""
    reg(office, person(), received=D(2025, 6, 1))      # more than a year before
    reg(office, person(), received=D(2026, 5, 29))     # within the year, another month
    reg(office, person(), received=D(2026, 6, 2))
    this = reg(office, person(), received=D(2026, 6, 8))
    reg(office, person("110101199003074477"), received=D(2026, 6, 3))  # someone else
    page = views.case_page(this.case_no, f.uow(office), f.principal(office, "c1")).data
    ac = page["applicant_cases"]
    assert (ac["total"], ac["same_month"], ac["last_365_days"]) == (4, 2, 3)
    assert [c["received"] for c in ac["recent"]] == ["2026-06-02", "2026-05-29", "2025-06-01"]
    # a later case of the same applicant counts every earlier one
    alone = reg(office, person(), received=D(2026, 6, 9))
    assert views.case_page(alone.case_no, f.uow(office), f.principal(office, "c1")).data["applicant_cases"]["total"] == 5


# ----- CLI -------------------------------------------------------------------------------------

def _cli(*extra: str):
    return foi("case", "register", "--agency", AGENCY, "--as", "c1", "--channel", "in_person",
               "--received", "2026-11-03", "--applicant-kind", "commercial", "--applicant-name", "某公司",
               *extra)


@pytest.mark.parametrize("args, field", [
    (["--credit-code", f.CREDIT_CODE[:17] + "A", "--contact-person", "王经理"], "applicant.credit_code"),
    (["--contact-person", "王经理"], "applicant.credit_code"),
    (["--credit-code", f.CREDIT_CODE], "applicant.contact_person"),
    (["--credit-code", f.CREDIT_CODE, "--contact-person", "王经理", "--postcode", "3006"], "applicant.postcode"),
    (["--credit-code", f.CREDIT_CODE, "--contact-person", "王经理", "--phone", "12345"], "applicant.phone"),
    (["--credit-code", f.CREDIT_CODE, "--contact-person", "王经理", "--email", "x@"], "applicant.email"),
])
def test_cli_register_bad_applicant_exits_2_naming_the_field_and_writes_nothing(office, args, field):
    res = _cli("--item", "某文件", "--form", "paper", "--delivery", "in_person", *args)
    assert res.exit_code == 2, res.output
    assert f"错误：{field}：" in res.stderr and res.stdout == ""
    assert count(office, CaseRow) == count(office, ApplicantRow) == 0


@pytest.mark.parametrize("args, field", [([], "items"), (["--item", "某文件"], "form"),
                                         (["--item", "某文件", "--form", "paper"], "delivery"),
                                         (["--item", "某文件", "--form", "paper", "--delivery", "post"],
                                          "applicant.address")])
def test_cli_register_incomplete_application_exits_2_and_writes_nothing(office, args, field):
    res = _cli("--credit-code", f.CREDIT_CODE, "--contact-person", "王经理", *args)
    assert res.exit_code == 2, res.output
    assert f"错误：{field}：" in res.stderr
    assert count(office, CaseRow) == 0


def test_cli_register_items_oral_and_masked_contact_details(office):
    res = _cli("--credit-code", f.CREDIT_CODE, "--contact-person", "王经理", "--phone", "13912345678",
               "--email", "wang@example.cn", "--address", "山西省晋中市榆次区顺城街1号", "--postcode", "030600",
               "--item", "某批复::晋政函〔2020〕1号", "--item", "某会议纪要", "--form", "paper",
               "--delivery", "post", "--oral", "--json")
    assert res.exit_code == 0, res.output
    no = json.loads(res.stdout)["case_no"]
    shown = foi("case", "show", no, "--as", "c1", "--json")
    page = json.loads(shown.stdout)
    assert [i["description"] for i in page["items"]] == ["某批复", "某会议纪要"]
    assert page["oral"] and page["recorded_by"] == "c1"
    a = page["applicant"]
    assert (a["phone_masked"], a["email_masked"], a["contact_person"]) == ("139******78", "w***@example.cn", "王经理")
    assert "13912345678" not in shown.stdout and "wang@" not in shown.stdout
    again = _cli("--credit-code", f.CREDIT_CODE, "--contact-person", "王经理", "--item", "某批复",
                 "--form", "electronic", "--delivery", "online")
    assert again.exit_code == 0, again.output
    assert "同一申请人：本月第 2 件申请" in again.stdout


# ----- migration 0011 (intake) ----------------------------------------------------------------------

def test_migration_0013_moves_duplicate_applicants_into_one_record(scratch_url):  # noqa: F811
    _migrate(scratch_url, "upgrade", "0010")
    engine = create_engine(db.database_url(scratch_url))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO agencies (id, code, name, kind, parent_id, settings) VALUES "
                          "(1, 'yc', '榆次区人民政府', 'government', NULL, '{}')"))
        conn.execute(text(
            "INSERT INTO applicants (id, kind, name, id_type, id_number, contact) VALUES "
            "(1, 'natural_person', '赵六', 'resident_id', '11010519491231002x', '13900000001'), "
            "(2, 'natural_person', '赵六', 'resident_id', '110105 19491231002X', '13900000002'), "
            "(3, 'commercial', '某公司', '', '', '0354-1'), "
            "(4, 'commercial', '某公司', '', '', '0354-2'), "
            "(5, 'natural_person', '钱七', 'passport', 'E1', '')"))
        for i, app in enumerate((1, 2, 3, 4, 5), 1):
            conn.execute(text(
                "INSERT INTO cases (id, case_no, agency_id, applicant_id, applicant_kind, handler, channel, subject, "
                "received, rules, state, provisional, calendar_version, alert_event, event_count, version) VALUES "
                f"({i}, 'yc-2026-0000{i}', 1, {app}, 'natural_person', 'c1', 'online', '事项{i}', '2026-03-02', "
                "'ogi-2019', 'received', FALSE, 'v', 0, 1, 1)"))
            conn.execute(text(
                "INSERT INTO case_events (id, case_id, seq, kind, \"on\", actor, data, basis, recorded_at, operator, "
                f"backdated) VALUES ({i}, {i}, 1, 'register', '2026-03-02', 'c1', "
                "'{\"received\": \"2026-03-02\", \"channel\": \"online\", \"rules\": \"ogi-2019\"}', 'x', "
                "'2026-03-02 09:00:00+08:00', '', FALSE)"))
    engine.dispose()
    _migrate(scratch_url, "upgrade", "0011")
    engine = create_engine(db.database_url(scratch_url))
    with engine.connect() as conn:
        owners = dict(conn.execute(text("SELECT id, applicant_id FROM cases")).all())
        assert owners == {1: 1, 2: 1, 3: 3, 4: 4, 5: 5}  # no key, no sharing
        kept = conn.execute(text("SELECT contact, match_key FROM applicants WHERE id = 1")).one()
        assert tuple(kept) == ("13900000002", "resident_id:11010519491231002X")  # the latest details
        contacts = dict(conn.execute(text("SELECT case_id, contact FROM case_contacts")).all())
        assert contacts[1] == "13900000001" and contacts[2] == "13900000002"
        assert conn.execute(text("SELECT description FROM case_items WHERE case_id = 2")).scalar() == "事项2"
        data = conn.execute(text("SELECT data FROM case_events WHERE case_id = 2")).scalar()
        data = json.loads(data) if isinstance(data, str) else data
        assert data["items"] == [{"n": 1, "description": "事项2"}]
    engine.dispose()
    _migrate(scratch_url, "downgrade", "0010")
    engine = create_engine(db.database_url(scratch_url))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT c.id, a.contact FROM cases c JOIN applicants a ON a.id = c.applicant_id "
                                 "ORDER BY c.id")).all()
        assert [tuple(r) for r in rows][:2] == [(1, "13900000001"), (2, "13900000002")]
    engine.dispose()
    _migrate(scratch_url, "upgrade", "heads")
