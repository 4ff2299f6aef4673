"""Bulk intake: many applications with their past events; every bad line reported by number."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from foi_workflow.domain.applicants import Applicant
from foi_workflow.services import bulk, cases, directory
from foi_workflow.storage import db
from foi_workflow.storage.models import CaseEventRow, CaseRow

TODAY = dt.date(2026, 11, 29)


@pytest.fixture
def district(clean_db):
    with db.session_scope(clean_db) as s:
        directory.add_agency(s, "yc", "榆次区人民政府", "government")
        directory.add_agency(s, "yc-zrzy", "榆次区自然资源局", "department", parent="yc")
        directory.add_staff(s, "c1", "张三", "clerk", "yc-zrzy")
        directory.add_staff(s, "r1", "李四", "reviewer", "yc-zrzy")
        directory.add_staff(s, "h1", "王五", "head", "yc-zrzy")
    return clean_db


def line(i: int, received="2026-03-02", events=(), **over) -> str:
    obj = {"agency": "yc-zrzy", "received": received, "channel": "online",
           "subject": f"某地块征收补偿方案（{i}）", "handler": "c1",
           "applicant": {"kind": "natural_person", "name": f"申请人{i}",
                         "id_type": "resident_id", "id_number": "11010519491231002X"},
           "events": list(events), "request_id": f"legacy-{i}"}
    obj.update(over)
    return json.dumps(obj, ensure_ascii=False)


CLOSED_HISTORY = [
    {"move": "accept", "on": "2026-03-03", "actor": "c1"},
    {"move": "sign_off", "on": "2026-03-05", "actor": "r1", "data": {"decision": "disclose"}},
    {"move": "reply", "on": "2026-03-10", "actor": "h1", "data": {"outcome": "disclosed"}},
]


def counts(url):
    with db.session_scope(url) as s:
        return (s.scalar(select(func.count()).select_from(CaseRow)),
                s.scalar(select(func.count()).select_from(CaseEventRow)))


def test_bulk_intake_registers_cases_with_their_past_events(district):
    report = bulk.import_lines([line(1), line(2, events=CLOSED_HISTORY)], today=TODAY, url=district)
    assert report.imported == 2 and not report.errors
    assert counts(district) == (2, 1 + 4)
    with db.session_scope(district) as s:
        row, events, case = cases.load(s, report.case_numbers[1])
        assert [e.seq for e in events] == [1, 2, 3, 4]
        assert (row.state, row.outcome, row.report_row) == ("closed", "disclosed", "disclosed")
        assert row.closed_on == dt.date(2026, 3, 10)
        first, _, _ = cases.load(s, report.case_numbers[0])
        assert first.state == "received" and first.reply_due == dt.date(2026, 3, 30)


def test_case_numbers_continue_the_agency_series_of_the_year(district):
    single = cases.register(agency="yc-zrzy", applicant=Applicant("commercial", "某公司"),
                            channel="post", received=dt.date(2026, 3, 2), subject="x", actor="c1",
                            today=TODAY, url=district)
    report = bulk.import_lines([line(1), line(2, received="2025-06-03")], today=TODAY, url=district)
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
                         "data": {"outcome": "disclosed"}}]),
        line(7, subject="长" * 5001),
        line(77, subject="空\x00字符"),
        line(8),
    ]
    report = bulk.import_lines(lines, today=TODAY, url=district)
    assert [(e.line, e.field) for e in report.errors] == [
        (2, "line"), (3, "agency"), (4, "applicant.id_number"), (5, "received"),
        (6, "events[1].actor"), (7, "subject"), (8, "subject")]
    assert report.imported == 0
    assert counts(district) == (0, 0)


def test_partial_import_writes_the_good_lines_and_reports_the_bad(district):
    report = bulk.import_lines([line(1), line(2, channel="pigeon"), line(3)],
                               all_or_nothing=False, today=TODAY, url=district)
    assert report.imported == 2
    assert [(e.line, e.field) for e in report.errors] == [(2, "channel")]
    assert counts(district)[0] == 2


def test_rerunning_an_import_skips_lines_already_imported(district):
    lines = [line(1), line(2, events=CLOSED_HISTORY)]
    bulk.import_lines(lines, today=TODAY, url=district)
    again = bulk.import_lines(lines + [line(3)], today=TODAY, url=district)
    assert (again.imported, again.already_imported) == (1, 2)
    assert counts(district)[0] == 3


def test_a_request_id_repeated_inside_the_file_is_a_bad_line(district):
    report = bulk.import_lines([line(1), line(2, request_id="legacy-1")], today=TODAY, url=district)
    assert [(e.line, e.field) for e in report.errors] == [(2, "request_id")]
    assert counts(district) == (0, 0)


def test_imported_history_equals_what_single_steps_would_store(district):
    report = bulk.import_lines([line(1, events=CLOSED_HISTORY)], today=TODAY, url=district)
    one = cases.register(agency="yc-zrzy", applicant=Applicant(
        "natural_person", "申请人", "resident_id", "11010519491231002X"), channel="online",
        received=dt.date(2026, 3, 2), subject="x", actor="c1", today=TODAY, url=district)
    for e in CLOSED_HISTORY:
        cases.step(one.case_no, e["move"], on=dt.date.fromisoformat(e["on"]), actor=e["actor"],
                   data=e.get("data"), today=TODAY, url=district)
    cols = ("state", "outcome", "report_row", "closed_on", "reply_due", "provisional",
            "event_count", "calendar_version")
    with db.session_scope(district) as s:
        a, ea, _ = cases.load(s, report.case_numbers[0])
        b, eb, _ = cases.load(s, one.case_no)
        assert [getattr(a, c) for c in cols] == [getattr(b, c) for c in cols]
        assert [(e.kind, e.on, e.data, e.basis) for e in ea] == [(e.kind, e.on, e.data, e.basis) for e in eb]
