"""Bulk intake: many applications with their past events; every bad line reported by number;
only an admin of the receiving agency imports, and every event is made by that agency's staff."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from foi_workflow.domain.applicants import Applicant
from foi_workflow.domain.policy import Action, PermissionDenied, rule_text
from foi_workflow.services import accounts, bulk, cases
from foi_workflow.storage.models import CaseEventRow, CaseRow

from . import factories as f

TODAY = dt.date(2026, 11, 29)


@pytest.fixture
def district(clean_db):
    f.agency(clean_db, "yc", "榆次区人民政府", "government")
    f.agency(clean_db, "yc-zrzy", "榆次区自然资源局", "department", parent="yc")
    f.agency(clean_db, "yc-jy", "榆次区教育局", "department", parent="yc")
    f.staff(clean_db, "c1", "张三", "clerk", "yc-zrzy")
    f.staff(clean_db, "r1", "李四", "reviewer", "yc-zrzy")
    f.staff(clean_db, "h1", "王五", "head", "yc-zrzy")
    f.staff(clean_db, "a1", "赵管理", "admin", "yc-zrzy")      # imports yc-zrzy's register
    f.staff(clean_db, "yc-h", "区政府负责人", "head", "yc")      # the government above
    f.staff(clean_db, "yc-a", "区政府管理员", "admin", "yc")
    f.staff(clean_db, "jy-c", "教育局承办人", "clerk", "yc-jy")  # a sibling body
    return clean_db


def imports(url, lines, *, by="a1", all_or_nothing=True, today=TODAY) -> bulk.BulkReport:
    return bulk.import_register(bulk.ImportRegister(lines, all_or_nothing), f.uow(url),
                                f.principal(url, by), today=today)


def line(i: int, received="2026-03-02", events=(), **over) -> str:
    obj = {"agency": "yc-zrzy", "received": received, "channel": "online",
           "subject": f"某地块征收补偿方案（{i}）", "handler": "c1",
           "applicant": {"kind": "natural_person", "name": f"申请人{i}",
                         "id_type": "resident_id", "id_number": "11010519491231002X"},
           "events": list(events), "request_id": f"legacy-{i}", **f.BULK_APPLICATION}
    obj.update(over)
    return json.dumps(obj, ensure_ascii=False)


CLOSED_HISTORY = [
    {"move": "accept", "on": "2026-03-03", "actor": "c1"},
    {"move": "sign_off", "on": "2026-03-05", "actor": "r1", "data": {"decision": "disclose"}},
    {"move": "reply", "on": "2026-03-10", "actor": "h1", "data": f.reply_data("disclosed")},
]


def counts(url):
    u = f.uow(url)
    with u:
        return (u.session.scalar(select(func.count()).select_from(CaseRow)),
                u.session.scalar(select(func.count()).select_from(CaseEventRow)))


def loaded(url, case_no):
    u = f.uow(url)
    with u:
        return cases.load(u.session, case_no)


def event_rows(url, case_no):
    u = f.uow(url)
    with u:
        case_id = u.session.scalar(select(CaseRow.id).where(CaseRow.case_no == case_no))
        return u.session.scalars(select(CaseEventRow).where(CaseEventRow.case_id == case_id)
                                 .order_by(CaseEventRow.seq)).all()


def test_bulk_intake_registers_cases_with_their_past_events(district):
    report = imports(district, [line(1), line(2, events=CLOSED_HISTORY)])
    assert report.imported == 2 and not report.errors
    assert counts(district) == (2, 1 + 4)
    row, events, case = loaded(district, report.case_numbers[1])
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert (row.state, row.outcome, row.report_row) == ("closed", "disclosed", "disclosed")
    assert row.closed_on == dt.date(2026, 3, 10)
    first, _, _ = loaded(district, report.case_numbers[0])
    assert first.state == "received" and first.reply_due == dt.date(2026, 3, 30)


def test_case_numbers_continue_the_agency_series_of_the_year(district):
    single = f.register(district, agency="yc-zrzy", actor="c1", channel="post",
                        received=dt.date(2026, 3, 2), subject="某地块征收补偿方案（1）", today=TODAY)
    report = imports(district, [line(1), line(2, received="2025-06-03")])
    assert single.case_no == "yc-zrzy-2026-00001"
    assert report.case_numbers == ["yc-zrzy-2026-00002", "yc-zrzy-2025-00001"]


def test_all_or_nothing_reports_every_bad_line_by_number_and_writes_nothing(district):
    lines = [
        line(1),
        "not json",
        line(3, agency="nowhere"),
        line(4, applicant={"kind": "natural_person", "name": "无证件"}),
        line(5, received="2027-01-04"),
        line(6, events=[{"move": "reply", "on": "2026-03-03", "actor": "c1",
                         "data": f.reply_data("disclosed")}]),
        line(7, subject="长" * 5001),
        line(77, subject="空\x00字符"),
        line(8),
    ]
    report = imports(district, lines)
    assert [(e.line, e.field) for e in report.errors] == [
        (2, "line"), (3, "agency"), (4, "applicant.id_number"), (5, "received"),
        (6, "events[1].actor"), (7, "subject"), (8, "subject")]
    assert report.imported == 0
    assert counts(district) == (0, 0)


def test_partial_import_writes_the_good_lines_and_reports_the_bad(district):
    report = imports(district, [line(1), line(2, channel="pigeon"), line(3)], all_or_nothing=False)
    assert report.imported == 2
    assert [(e.line, e.field) for e in report.errors] == [(2, "channel")]
    assert counts(district)[0] == 2


def test_rerunning_an_import_skips_lines_already_imported(district):
    lines = [line(1), line(2, events=CLOSED_HISTORY)]
    imports(district, lines)
    again = imports(district, lines + [line(3)])
    assert (again.imported, again.already_imported) == (1, 2)
    assert counts(district)[0] == 3


def test_a_request_id_repeated_inside_the_file_is_a_bad_line(district):
    report = imports(district, [line(1), line(2, request_id="legacy-1")])
    assert [(e.line, e.field) for e in report.errors] == [(2, "request_id")]
    assert counts(district) == (0, 0)


def test_imported_history_equals_what_single_steps_would_store(district):
    report = imports(district, [line(1, events=CLOSED_HISTORY)])
    one = f.register(district, agency="yc-zrzy", actor="c1", applicant=Applicant(
        "natural_person", "申请人", "resident_id", "11010519491231002X"), channel="online",
        received=dt.date(2026, 3, 2), subject="某地块征收补偿方案（1）", today=TODAY)
    for e in CLOSED_HISTORY:
        f.step(district, one.case_no, e["move"], e["actor"], dt.date.fromisoformat(e["on"]),
               today=TODAY, **e.get("data", {}))
    cols = ("state", "outcome", "report_row", "closed_on", "reply_due", "provisional",
            "event_count", "calendar_version")
    a, ea, _ = loaded(district, report.case_numbers[0])
    b, eb, _ = loaded(district, one.case_no)
    assert [getattr(a, c) for c in cols] == [getattr(b, c) for c in cols]
    assert [(e.kind, e.on, e.actor, e.data, e.basis) for e in ea] == \
        [(e.kind, e.on, e.actor, e.data, e.basis) for e in eb]
    # back-dated as a single step recorded today would be
    assert [r.backdated for r in event_rows(district, a.case_no)] == \
        [r.backdated for r in event_rows(district, b.case_no)] == [True] * 4


# ----- who imports, and in whose name ---------------------------------------------------------

def test_imported_events_record_the_importing_admin_as_their_operator(district):
    report = imports(district, [line(1, events=CLOSED_HISTORY),
                                line(2, received="2026-11-27", events=[
                                    {"move": "accept", "on": "2026-11-27", "actor": "c1"}])])
    old = event_rows(district, report.case_numbers[0])
    assert [(r.actor, r.operator) for r in old] == [
        ("c1", "import:a1 test"), ("c1", "import:a1 test"), ("r1", "import:a1 test"),
        ("h1", "import:a1 test")]
    assert all(r.backdated for r in old)  # months after their legal dates
    recent = event_rows(district, report.case_numbers[1])
    assert [r.backdated for r in recent] == [False, False]  # within the agency's 3 working days


def test_bulk_intake_by_a_clerk_is_refused_admin_only_and_writes_nothing(district):
    with pytest.raises(PermissionDenied) as exc:
        imports(district, [line(1), line(2)], by="c1")
    assert exc.value.rule == rule_text(Action.BULK_IMPORT) and "管理员" in exc.value.rule
    assert "第 1 行" in exc.value.message
    with pytest.raises(PermissionDenied):  # partial mode too: a refusal is not a bad line
        imports(district, [line(1)], by="h1", all_or_nothing=False)
    assert counts(district) == (0, 0)


def test_an_admin_of_the_government_above_cannot_import_into_a_body_below_it(district):
    with pytest.raises(PermissionDenied) as exc:
        imports(district, [line(1)], by="yc-a")
    assert exc.value.rule == rule_text(Action.BULK_IMPORT) and "下级机关" in exc.value.message
    # nor can an admin of the body import a line of a sibling body among its own lines
    with pytest.raises(PermissionDenied, match="第 2 行"):
        imports(district, [line(1), line(2, agency="yc-jy", handler="jy-c")], all_or_nothing=False)
    assert counts(district) == (0, 0)


def test_events_are_made_only_by_staff_of_the_receiving_agency(district):
    lines = [
        line(1, handler="yc-h"),  # a head of the government above registers in the body's name
        line(2, events=[{"move": "accept", "on": "2026-03-03", "actor": "jy-c"}]),  # a sibling's clerk
        line(3, events=[{"move": "accept", "on": "2026-03-03", "actor": "a1"}]),  # admin: no handling role
        line(4, handler="nobody"),
    ]
    report = imports(district, lines)
    assert [(e.line, e.field) for e in report.errors] == [
        (1, "handler"), (2, "events[1].actor"), (3, "events[1].actor"), (4, "handler")]
    assert report.errors[0].rule == rule_text(Action.CASE_REGISTER)
    assert report.errors[1].rule == rule_text(Action.CASE_STEP)
    assert counts(district) == (0, 0)


def test_a_deactivated_account_cannot_be_an_imported_events_actor(district):
    u = f.uow(district)
    with u:
        accounts.set_active(accounts.SetActive("r1", False), u, f.principal(district, "a1"))
    report = imports(district, [line(1, events=CLOSED_HISTORY)])
    assert [(e.line, e.field) for e in report.errors] == [(1, "events[2].actor")]
    assert counts(district) == (0, 0)


def test_the_handler_of_an_imported_case_never_signs_off_its_confidentiality_check(district):
    f.staff(district, "cr", "钱多", "clerk,reviewer", "yc-zrzy")  # one person, two roles
    history = [{"move": "accept", "on": "2026-03-03", "actor": "cr"},
               {"move": "sign_off", "on": "2026-03-05", "actor": "cr", "data": {"decision": "disclose"}}]
    report = imports(district, [line(1, handler="cr", events=history)])
    assert [(e.line, e.field) for e in report.errors] == [(1, "events[2].actor")]
    # the same person signs off a case someone else handled: with the reviewer role it holds
    ok = imports(district, [line(2, events=[history[0] | {"actor": "c1"}, history[1]])])
    assert ok.imported == 1 and not ok.errors


def test_a_request_id_of_another_case_is_refused_never_taken_as_already_imported(district):
    other = f.register(district, agency="yc-zrzy", actor="c1", received=dt.date(2026, 3, 2),
                       today=TODAY)
    f.step(district, other.case_no, "accept", "c1", dt.date(2026, 3, 3), today=TODAY,
           request_id="legacy-1")
    report = imports(district, [line(1), line(2)])
    assert [(e.line, e.field) for e in report.errors] == [(1, "request_id")]
    assert (report.imported, report.already_imported) == (0, 0)
    assert counts(district) == (1, 2)


def test_a_later_import_updates_the_stored_applicants_details_to_the_latest_application(district):
    """One applicant record per identity document: a later import's lines (two applicants here,
    written set-wise) give the stored records their latest details, and the cases share them."""
    from foi_workflow.storage.models import ApplicantRow

    other = {"kind": "natural_person", "name": "钱六", "id_type": "resident_id", "id_number": "110105198001010016"}
    first = imports(district, [line(1), line(2, applicant={**other})])
    assert first.imported == 2
    again = imports(district, [line(3), line(4, applicant={**other, "name": "钱六（改名）"})])
    assert again.imported == 2 and not again.errors
    u = f.uow(district)
    with u:
        names = {r.id_number: r.name for r in u.session.scalars(select(ApplicantRow))}
        owners = u.session.execute(select(CaseRow.case_no, CaseRow.applicant_id)).all()
    assert names == {"11010519491231002X": "申请人3", "110105198001010016": "钱六（改名）"}
    assert len({app for _no, app in owners}) == 2
