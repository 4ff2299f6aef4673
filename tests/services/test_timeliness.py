"""时效统计 (ogi-rules.md "Dates of steps"): late replies and late correction notices stay visible
in the year's figures, open cases past reply_due are listed; read like the board."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from foi_workflow.domain import timeliness as T
from foi_workflow.domain.errors import InputError
from foi_workflow.domain.policy import PermissionDenied
from foi_workflow.services import timeliness
from foi_workflow.storage import db
from foi_workflow.storage.models import CaseRow

from .. import factories as f
from ..test_case_store import AGENCY, TODAY, office  # noqa: F401  (fixture)

D = dt.date


def _reply(url: str, case_no: str, on: D) -> None:
    f.step(url, case_no, "accept", "c1", D(2026, 6, 2), today=TODAY)
    f.step(url, case_no, "sign_off", "r1", on, today=TODAY, decision="disclose")
    f.step(url, case_no, "reply", "h1", on, today=TODAY, outcome="disclosed")


def _read(url: str, who: str = "s1", agency: str | None = AGENCY, year: int = 2026):
    return timeliness.read(timeliness.TimelinessQuery(year, agency, TODAY), f.uow(url), f.principal(url, who))


def test_a_reply_after_reply_due_counts_late_and_one_on_the_day_is_on_time(office):
    on_time = f.register(office, agency=AGENCY, actor="c1", received=D(2026, 6, 1), today=TODAY)
    late = f.register(office, agency=AGENCY, actor="c1", received=D(2026, 6, 1), today=TODAY)
    with db.session_scope(office) as s:
        due = s.scalar(select(CaseRow.reply_due).where(CaseRow.case_no == on_time.case_no))
    _reply(office, on_time.case_no, due)                       # on the due day itself: on time
    _reply(office, late.case_no, due + dt.timedelta(days=14))  # two weeks after: late
    row = _read(office)["agencies"][0]
    assert (row["replies"], row["replies_late"], row["late_cases"]) == (2, 1, [late.case_no])
    assert row["on_time_share"] == 0.5


def test_a_correction_notice_after_the_7th_working_day_stays_counted_as_late(office):
    prompt = f.register(office, agency=AGENCY, actor="c1", received=D(2026, 6, 1), today=TODAY)
    tardy = f.register(office, agency=AGENCY, actor="c1", received=D(2026, 6, 1), today=TODAY)
    f.step(office, prompt.case_no, "request_correction", "c1", D(2026, 6, 3), today=TODAY, items="写明文件名称")
    f.step(office, tardy.case_no, "request_correction", "c1", D(2026, 6, 22), today=TODAY, items="写明文件名称")
    # the applicant corrects and the case goes on: the lapse is still in the year's figures
    f.step(office, tardy.case_no, "correction_delivered", "c1", D(2026, 6, 23), today=TODAY)
    f.step(office, tardy.case_no, "correction_received", "c1", D(2026, 6, 24), today=TODAY)
    row = _read(office)["agencies"][0]
    assert (row["correction_notices"], row["correction_notices_late"]) == (2, 1)
    assert row["late_correction_cases"] == [tardy.case_no]


def test_cases_closed_without_a_reply_are_neither_on_time_nor_late_and_open_overdue_are_listed(office):
    withdrawn = f.register(office, agency=AGENCY, actor="c1", received=D(2026, 6, 1), today=TODAY)
    f.step(office, withdrawn.case_no, "withdraw", "c1", D(2026, 9, 1), today=TODAY)
    waiting = f.register(office, agency=AGENCY, actor="c1", received=D(2026, 6, 1), today=TODAY)
    result = _read(office)
    row = result["agencies"][0]
    assert row["replies"] == 0 and row["on_time_share"] is None
    assert row["open_overdue_cases"] == [waiting.case_no]
    assert result["total"]["open_overdue"] == 1


def test_a_supervisor_of_the_government_reads_its_bodies_a_clerk_elsewhere_is_refused(office):
    f.staff(office, "gs", "周九", "supervisor", "yc")
    f.register(office, agency=AGENCY, actor="c1", received=D(2026, 6, 1), today=TODAY)
    result = _read(office, "gs", "yc")
    assert [r["agency"] for r in result["agencies"]] == sorted(["yc", AGENCY])
    with pytest.raises(PermissionDenied):
        _read(office, "o1", AGENCY)


@pytest.mark.parametrize("year", [2007, 2027, "2026", True])
def test_the_year_must_be_one_of_the_regulations_up_to_this_year(office, year):
    with pytest.raises(InputError) as exc:
        _read(office, year=year)
    assert exc.value.field == "year"


def test_the_late_rule_only_counts_replies_in_substance():
    assert T.reply_late("disclosed", D(2026, 7, 1), D(2026, 6, 30))
    assert not T.reply_late("disclosed", D(2026, 6, 30), D(2026, 6, 30))
    assert not T.reply_late("other.withdrawn", D(2026, 7, 1), D(2026, 6, 30))
    assert not T.reply_late(None, D(2026, 7, 1), D(2026, 6, 30))


def test_foi_timeliness_prints_the_table_and_json_and_refuses_a_bad_year(office):
    import json

    from ..cli import bad, ok

    waiting = f.register(office, agency=AGENCY, actor="c1", received=D(2026, 6, 1), today=TODAY)
    out = ok("timeliness", "--year", "2026", "--as", "s1", "--today", "2026-11-29").output
    assert "时效统计" in out and "逾期未答复" in out and waiting.case_no in out
    data = json.loads(ok("timeliness", "--year", "2026", "--as", "s1", "--json").output)
    assert data["total"]["open_overdue"] == 1
    assert "年份" in bad("timeliness", "--year", "2001", "--as", "s1").output
