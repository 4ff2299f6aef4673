"""`foi calendar load`: an administrator loads a published year; bad files change nothing.

The calendar is national data: only an admin of a top-level government loads a year or
recomputes the open cases' dates (Action.CALENDAR_MANAGE); anyone may show it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from foi_workflow.calendar_data.service import LoadYear, load_year
from foi_workflow.cli.main import app
from foi_workflow.domain.policy import PermissionDenied
from foi_workflow.services import cases, recompute
from foi_workflow.storage import db
from foi_workflow.storage.models import CalendarYearRow, CaseEventRow
from tests import factories
from tests.conftest import TEST_DATA

runner = CliRunner()
YEAR_2027 = TEST_DATA / "calendar-2027-test.toml"
GOV, DEPT = "yc", "yc-zrzy"
ADMIN, DEPT_ADMIN, CLERK, DEPT_CLERK = "gly", "zrzy-gly", "yc-cb", "zrzy-cb"


@pytest.fixture
def clean_db(clean_db):
    """A top-level government with an admin and a clerk, a department with its own."""
    factories.agency(clean_db, GOV, "榆次区人民政府", "government")
    factories.agency(clean_db, DEPT, "榆次区自然资源局", "department", parent=GOV)
    for code, name, role, agency in ((ADMIN, "管理员甲", "admin", GOV), (CLERK, "承办人甲", "clerk", GOV),
                                     (DEPT_ADMIN, "管理员乙", "admin", DEPT),
                                     (DEPT_CLERK, "承办人乙", "clerk", DEPT)):
        factories.staff(clean_db, code, name, role, agency)
    return clean_db


def foi(*args: str):
    return runner.invoke(app, list(args))


def rows(url: str) -> list[CalendarYearRow]:
    with db.session_scope(url) as s:
        return list(s.scalars(select(CalendarYearRow)))


def clock(received: str) -> dict:
    res = foi("clock", "--received", received, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_loading_a_year_turns_provisional_answers_into_official_ones(clean_db):
    before = clock("2026-12-20")
    assert before["provisional"] is True
    res = foi("calendar", "load", str(YEAR_2027), "--as", ADMIN, "--json")
    assert res.exit_code == 0, res.output
    result = json.loads(res.stdout)
    assert result["status"] == "loaded" and result["year"] == 2027
    after = clock("2026-12-20")
    assert after["provisional"] is False
    assert after["calendar_version"] == result["version_after"] != before["calendar_version"]
    assert after["calendar_version"].startswith("cn-2027-")
    # the loaded Spring Festival block (02-05..02-12) and make-up Saturday 02-20 now apply
    feb = clock("2027-02-04")
    assert feb["provisional"] is False
    assert feb["reply_due"] == "2027-03-11"
    [row] = rows(clean_db)
    # loaded by the admin's account, the operator (the OS user running foi) beside it
    assert row.loaded_by == ADMIN and row.year == 2027 and row.operator.startswith("os:")
    shown = foi("calendar", "show", "2027", "--json")  # public: no --as needed
    assert shown.exit_code == 0 and json.loads(shown.stdout)["source"].startswith("管理员载入")


def test_loading_the_same_year_twice_is_unchanged_and_writes_nothing_more(clean_db):
    assert foi("calendar", "load", str(YEAR_2027), "--as", ADMIN).exit_code == 0
    res = foi("calendar", "load", str(YEAR_2027), "--as", ADMIN, "--json")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["status"] == "unchanged"
    assert len(rows(clean_db)) == 1


def _write(tmp_path: Path, text: str, name: str = "year.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_a_day_both_off_and_working_is_refused_and_nothing_written(clean_db, tmp_path):
    path = _write(tmp_path, 'year = 2027\nreference = "x"\n'
                            'days_off = ["2027-02-06..2027-02-12"]\nmake_up_workdays = ["2027-02-06"]\n')
    res = foi("calendar", "load", str(path), "--as", ADMIN)
    assert res.exit_code == 2
    assert "make_up_workdays" in res.stderr and "同时被列为放假日和调休上班日" in res.stderr
    assert rows(clean_db) == []


def test_changing_a_past_official_year_without_saying_so_is_refused(clean_db, tmp_path):
    path = _write(tmp_path, 'year = 2026\nreference = "x"\ndays_off = ["2026-01-01"]\n')
    res = foi("calendar", "load", str(path), "--as", ADMIN)
    assert res.exit_code == 2
    assert "replaces_official" in res.stderr
    assert rows(clean_db) == []
    assert clock("2026-09-25")["reply_due"] == "2026-10-29"


def test_replacing_an_official_year_needs_a_reason_and_then_applies(clean_db, tmp_path):
    no_reason = _write(tmp_path, 'year = 2026\nreference = "x"\nreplaces_official = true\n'
                                 'days_off = ["2026-01-01"]\n')
    res = foi("calendar", "load", str(no_reason), "--as", ADMIN)
    assert res.exit_code == 2 and "reason" in res.stderr
    ok = _write(tmp_path, 'year = 2026\nreference = "更正通知"\nreplaces_official = true\n'
                          'reason = "测试：更正"\ndays_off = ["2026-01-01"]\n', "ok.toml")
    res = foi("calendar", "load", str(ok), "--as", ADMIN, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["status"] == "replaced"
    # with no Mid-Autumn or National Day holidays the 2026-09-25 case is due much earlier
    assert clock("2026-09-25")["reply_due"] == "2026-10-23"


def test_year_file_errors_name_the_field(clean_db, tmp_path):
    cases = {
        'year = 2027\nreference = "x"\ndays_off = ["2028-01-01"]\n': "days_off",
        'year = 2027\nreference = "x"\nmake_up_workdays = ["2027-02-22"]\n': "make_up_workdays",
        'year = 2027\nreference = "x"\ndays_off = ["2027-02-31"]\n': "days_off",
        'year = 2027\ndays_off = []\n': "reference",
        'year = 1999\nreference = "x"\n': "year",
        'year = 2027\nreference = "x"\nholidays = []\n': "holidays",
        'year = 2027\nreference = "x"\ndays_off = ["2027-02-12..2027-02-05"]\n': "days_off",
        'year = = 2027': "FILE",
    }
    for n, (text, field) in enumerate(cases.items()):
        res = foi("calendar", "load", str(_write(tmp_path, text, f"f{n}.toml")), "--as", ADMIN)
        assert res.exit_code == 2, text
        assert f"错误：{field}：" in res.stderr, (text, res.stderr)
    assert rows(clean_db) == []


def test_json_year_file_is_accepted(clean_db, tmp_path):
    path = _write(tmp_path, json.dumps({"year": 2027, "reference": "x", "days_off": ["2027-01-01"]}),
                  "y.json")
    assert foi("calendar", "load", str(path), "--as", ADMIN).exit_code == 0
    assert rows(clean_db)[0].days_off == {"2027-01-01": "放假"}


def test_calendar_show_lists_official_and_provisional_years(clean_db):
    res = foi("calendar", "show", "--json")
    years = {y["year"]: y["official"] for y in json.loads(res.stdout)["years"]}
    assert years[2008] and years[2026] and not years[2027]
    text = foi("calendar", "show", "2026").stdout
    assert "2026-10-10" in text and "调休上班日" in text


# ----- who may load a year and recompute the open cases ------------------------------------------------

def test_a_departments_admin_cannot_load_a_calendar(clean_db):
    res = foi("calendar", "load", str(YEAR_2027), "--as", DEPT_ADMIN)
    assert res.exit_code == 2
    assert "管理工作日历" in res.stderr and "最上级人民政府的管理员" in res.stderr
    assert rows(clean_db) == []
    with pytest.raises(PermissionDenied):  # the service itself, as any entry point calls it
        load_year(LoadYear(YEAR_2027), factories.uow(clean_db), factories.principal(clean_db, DEPT_ADMIN))
    assert rows(clean_db) == [] and clock("2026-12-20")["provisional"] is True


def test_a_clerk_cannot_load_a_calendar(clean_db):
    for clerk in (CLERK, DEPT_CLERK):  # not even of the top-level government
        res = foi("calendar", "load", str(YEAR_2027), "--as", clerk)
        assert res.exit_code == 2 and "管理工作日历" in res.stderr, res.output
    res = foi("calendar", "load", str(YEAR_2027))  # nobody named: refused, naming --as
    assert res.exit_code == 2 and "--as" in res.stderr
    assert rows(clean_db) == []


def test_only_an_admin_of_a_top_level_government_recomputes_the_open_cases(clean_db):
    for who in (CLERK, DEPT_ADMIN, DEPT_CLERK):
        res = foi("calendar", "recompute", "--as", who, "--json")
        assert res.exit_code == 2 and "管理工作日历" in res.stderr, res.output
        with pytest.raises(PermissionDenied):
            recompute.recompute_open_cases(factories.uow(clean_db), factories.principal(clean_db, who))
    res = foi("calendar", "recompute", "--as", ADMIN, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["moved"] == []


def test_a_load_recomputes_open_cases_as_each_agencys_system_actor_naming_who_asked(clean_db):
    today = dt.date(2026, 12, 31)
    case_no = factories.register(clean_db, agency=DEPT, actor=DEPT_CLERK, received=dt.date(2026, 12, 21),
                                 today=today).case_no
    result = load_year(LoadYear(YEAR_2027), factories.uow(clean_db), factories.principal(clean_db, ADMIN))
    assert result.status == "loaded" and result.loaded_by == ADMIN
    report = recompute.recompute_open_cases(factories.uow(clean_db), factories.principal(clean_db, ADMIN),
                                            today=today)
    assert [m.case_no for m in report.moved] == [case_no] and report.moved[0].ok
    with db.session_scope(clean_db) as s:
        row, events, _case = cases.load(s, case_no)
        assert row.provisional is False and row.calendar_version == result.version_after
        last = s.scalar(select(CaseEventRow).where(CaseEventRow.case_id == row.id)
                        .order_by(CaseEventRow.seq.desc()).limit(1))
    assert (events[-1].kind, events[-1].actor) == ("dates_recomputed", f"system-{DEPT}")
    assert last.operator == f"{factories.OPERATOR}/{ADMIN}"
    again = recompute.recompute_open_cases(factories.uow(clean_db), factories.principal(clean_db, ADMIN),
                                           today=today)
    assert again.moved == [] and again.checked == 0
