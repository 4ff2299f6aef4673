"""The deadline sweep on the case store: each alert kind at its edges, automatic closes, no
duplicates, clearing, the incremental sweep against the rules, the board, the calendar recompute;
who may sweep, read the board, and how automatic closes are recorded.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from foi_workflow.cli.main import app
from foi_workflow.domain import alerts as A
from foi_workflow.domain.alerts import CaseDates
from foi_workflow.domain.applicants import Applicant
from foi_workflow.domain.clock import reply_due
from foi_workflow.domain.errors import InputError
from foi_workflow.domain.identity import SYSTEM_NAME, Principal
from foi_workflow.domain.policy import PermissionDenied
from foi_workflow.services import auth, board, cases, directory, recompute
from foi_workflow.services import sweep as sweep_service
from foi_workflow.storage import db
from foi_workflow.storage.alert_tables import AlertRaiseRow, AlertSweepRow
from foi_workflow.storage.identity_tables import AccessLogRow
from foi_workflow.storage.models import AgencyRow, CaseEventRow, CaseRow, StaffRoleRow, StaffRow
from tests import factories
from tests.conftest import TEST_DATA

D = dt.date
LATE = D(2026, 12, 31)  # "today" for recording steps: every step date below is on or before it
GOV, DEPT = "XQ", "XQ-ZJ"
PERSON = Applicant("natural_person", "王五", "passport", "E1234567", "")
SCHEDULER = auth.scheduler_principal(operator="test")
runner = CliRunner()


@pytest.fixture
def district(clean_db):
    factories.agency(clean_db, GOV, "某区人民政府", "government")
    factories.agency(clean_db, DEPT, "某区住房和城乡建设局", "department", GOV)
    for code, name, role, agency in (("c1", "张承办", "clerk", GOV), ("h1", "李负责", "head", GOV),
                                     ("r1", "赵审查", "reviewer", GOV),
                                     ("zc1", "钱承办", "clerk", DEPT),
                                     ("s1", "孙督办", "supervisor", GOV),
                                     ("s2", "周督办", "supervisor", DEPT),
                                     ("a1", "吴管理", "admin", GOV)):
        factories.staff(clean_db, code, name, role, agency)
    return clean_db


def register(url: str, received: D, agency: str = GOV, actor: str = "c1",
             channel: str = "in_person") -> str:
    return factories.register(url, agency=agency, actor=actor, received=received, applicant=PERSON,
                              channel=channel, subject="某事项", today=LATE).case_no


def step(url: str, case_no: str, move: str, on: D, actor: str = "c1", **data) -> cases.StepResult:
    return factories.step(url, case_no, move, actor, on, today=LATE, **data)


def sweep(url: str, day: D, who: Principal | str = SCHEDULER, agencies=(), **kw) -> sweep_service.SweepResult:
    """A sweep by the scheduler (or by a member of staff, given by code)."""
    who = factories.principal(url, who) if isinstance(who, str) else who
    return sweep_service.sweep(sweep_service.Sweep(day, tuple(agencies), **kw), factories.uow(url), who)


def open_alerts(url: str, day: D | None = None) -> set[tuple[str, str, str, D | None]]:
    """The board on `day` (default: the day of the last sweep)."""
    with db.session_scope(url) as s:
        day = day or s.scalar(select(AlertSweepRow.today).order_by(AlertSweepRow.id.desc()).limit(1))
        return {(r.case_no, r.kind, r.level, r.due) for r in board.open_alerts(s, today=day)}


def raised(url: str, case_no: str | None = None, sweep_id: int | None = None) -> list[tuple[str, str, str]]:
    """Every alert raised so far (or by one sweep), in sweep order: (case no, kind, level)."""
    q = select(AlertRaiseRow).order_by(AlertRaiseRow.sweep_id, AlertRaiseRow.id)
    if sweep_id is not None:
        q = q.where(AlertRaiseRow.sweep_id == sweep_id)
    with db.session_scope(url) as s:
        nos = dict(s.execute(select(CaseRow.id, CaseRow.case_no)).tuples().all())
        out = [(nos[i], r.kind, r.level) for r in s.scalars(q) for i in r.case_ids]
    return [x for x in out if case_no is None or x[0] == case_no]


def alerts_of(url: str, case_no: str) -> set[tuple[str, str]]:
    return {(k, lvl) for no, k, lvl, _d in open_alerts(url) if no == case_no}


def received_for(calendar, due: D) -> D:
    """A receipt date (2019 rules, no events) whose reply_due is `due`."""
    day = due
    while True:
        day -= dt.timedelta(days=1)
        got, _prov = reply_due(calendar, day)
        if got == due:
            return day
        if got < due:
            raise AssertionError(f"no receipt date gives {due}")


def expected_alerts(url: str, today: D, calendar) -> set[tuple[str, str, str, D | None]]:
    """The rules of domain/alerts.py applied in Python to every stored case (the oracle)."""
    out = set()
    with db.session_scope(url) as s:
        soon = {}
        for agency_id, settings in s.execute(select(AgencyRow.id, AgencyRow.settings)):
            n = directory.AgencySettings(**(settings or {})).alert_working_days
            soon[agency_id] = A.soon_until(calendar, today, n)
        for c in s.scalars(select(CaseRow)):
            dates = CaseDates(c.state, c.reply_due, c.correction_notice_due, c.consultation_due,
                              c.correction_window_end, c.fee_payment_due, c.provisional,
                              delivery_unrecorded=c.delivery_unrecorded)
            for kind, level, due in A.classify(dates, today, soon[c.agency_id]):
                out.add((c.case_no, kind.value, level.value, due))
    return out


# ----- each alert kind at its edges ------------------------------------------------------------------

def test_reply_alerts_escalate_soon_today_overdue_and_are_raised_once_each(district, calendar):
    no = register(district, D(2026, 9, 25))  # reply_due 2026-10-29 (clock.md worked example)
    step(district, no, "accept", D(2026, 9, 28))
    assert sweep(district, D(2026, 10, 23)).raised.get("reply/soon") is None   # 4 working days ahead
    assert alerts_of(district, no) == set()
    r = sweep(district, D(2026, 10, 26))                                       # 3 working days ahead
    assert r.raised == {"reply/soon": 1} and alerts_of(district, no) == {("reply", "soon")}
    assert sweep(district, D(2026, 10, 27)).raised == {}                       # nothing raised twice
    assert sweep(district, D(2026, 10, 28)).raised == {}
    r = sweep(district, D(2026, 10, 29))
    assert r.raised == {"reply/today": 1}                            # soon gives way to today
    assert alerts_of(district, no) == {("reply", "today")}
    r = sweep(district, D(2026, 10, 30))
    assert r.raised == {"reply/overdue": 1} and alerts_of(district, no) == {("reply", "overdue")}
    for day in (D(2026, 11, 2), D(2026, 11, 3), D(2026, 11, 3)):
        assert sweep(district, day).raised == {}                               # no repeats every day
    assert [lvl for _no, _k, lvl in raised(district, no)] == ["soon", "today", "overdue"]
    assert alerts_of(district, no) == {("reply", "overdue")}


def test_a_reply_due_after_national_day_is_flagged_soon_before_the_holiday(district, calendar):
    due = D(2026, 10, 8)
    received = received_for(calendar, due)
    no = register(district, received)
    step(district, no, "accept", received)
    assert sweep(district, D(2026, 9, 25)).raised == {}          # 3 working days from the holiday: 09-30
    assert sweep(district, D(2026, 9, 28)).raised == {"reply/soon": 1}
    assert sweep(district, D(2026, 10, 3)).raised == {}          # a sweep on demand during the holiday
    assert sweep(district, D(2026, 10, 8)).raised == {"reply/today": 1}
    assert sweep(district, D(2026, 10, 9)).raised == {"reply/overdue": 1}
    assert alerts_of(district, no) == {("reply", "overdue")}


def test_reply_due_soon_around_spring_festival_uses_the_make_up_days(district, calendar):
    due = D(2026, 2, 25)  # 3rd working day after Fri 02-13: Sat 02-14 (make-up), 02-24, 02-25
    no = register(district, received_for(calendar, due))
    step(district, no, "accept", due - dt.timedelta(days=25))
    assert sweep(district, D(2026, 2, 12)).raised == {}
    assert sweep(district, D(2026, 2, 13)).raised == {"reply/soon": 1}
    assert alerts_of(district, no) == {("reply", "soon")}


def test_an_agency_setting_changes_how_early_due_soon_is_flagged(district, calendar):
    with db.session_scope(district) as s:
        row = directory.agency(s, DEPT)
        row.settings = {**row.settings, "alert_working_days": 5}
    gov = register(district, D(2026, 9, 25))
    dept = register(district, D(2026, 9, 25), agency=DEPT, actor="zc1")
    for no in (gov, dept):
        step(district, no, "accept", D(2026, 9, 28), actor="c1" if no == gov else "zc1")
    r = sweep(district, D(2026, 10, 22))  # 5 working days before 10-29
    assert r.raised == {"reply/soon": 1}
    assert alerts_of(district, dept) == {("reply", "soon")} and alerts_of(district, gov) == set()
    with db.session_scope(district) as s:
        [row] = board.open_alerts(s, today=D(2026, 10, 22))
    assert "5个工作日内" in row.reason and row.since == D(2026, 10, 22)


def test_correction_notice_not_sent_by_the_seventh_working_day(district):
    no = register(district, D(2026, 9, 25))  # correction notice due 2026-10-12 (clock.md)
    assert sweep(district, D(2026, 10, 10)).raised == {}                          # make-up Saturday, day 6
    assert sweep(district, D(2026, 10, 12)).raised == {"correction_notice/today": 1}
    assert sweep(district, D(2026, 10, 13)).raised == {"correction_notice/overdue": 1}
    step(district, no, "request_correction", D(2026, 10, 13), items="请写明文件名称")  # late, but lawful
    # the lapse stays in the supervisors' view while the case awaits the correction (not raised
    # again: its date has not changed)
    r = sweep(district, D(2026, 10, 14))
    assert r.raised == {} and alerts_of(district, no) == {("correction_notice", "overdue")}
    step(district, no, "correction_received", D(2026, 10, 15))
    sweep(district, D(2026, 10, 16))
    assert alerts_of(district, no) == set()


def test_timely_correction_notice_clears_the_correction_notice_alert(district):
    no = register(district, D(2026, 9, 25))
    assert sweep(district, D(2026, 10, 12)).raised == {"correction_notice/today": 1}
    step(district, no, "request_correction", D(2026, 10, 12), items="请写明文件名称")
    sweep(district, D(2026, 10, 13))
    assert alerts_of(district, no) == set()


def test_consultation_answer_due_alerts_and_clears_when_the_answer_is_recorded(district, calendar):
    no = register(district, D(2026, 3, 2))
    step(district, no, "accept", D(2026, 3, 3))
    step(district, no, "consult", D(2026, 3, 4), kind="third_party", party="某公司")
    due = D.fromordinal(calendar.nth_working_day_after(D(2026, 3, 4).toordinal(), 15))
    assert sweep(district, due - dt.timedelta(days=1)).raised.get("consultation/today") is None
    assert sweep(district, due).raised.get("consultation/today") == 1
    assert sweep(district, due + dt.timedelta(days=1)).raised.get("consultation/overdue") == 1
    step(district, no, "consultation_answered", due + dt.timedelta(days=1), answer="none")
    sweep(district, due + dt.timedelta(days=2))
    assert {k for k, _l in alerts_of(district, no)} == set()


def test_provisional_dates_are_flagged_once(district):
    no = register(district, D(2026, 12, 20))  # reply_due 2027-01-18, provisional until 2027 is loaded
    assert sweep(district, D(2026, 12, 21)).raised == {"provisional/info": 1}
    assert sweep(district, D(2026, 12, 22)).raised == {}
    assert alerts_of(district, no) == {("provisional", "info")}


# ----- automatic closes --------------------------------------------------------------------------------

def _notices(url: str, case_no: str) -> dict[int, str]:
    """{event seq: notice number} of a case's issued notices."""
    from foi_workflow.storage.notice_tables import NoticeRow

    with db.session_scope(url) as s:
        case_id = s.scalar(select(CaseRow.id).where(CaseRow.case_no == case_no))
        return dict(s.execute(select(NoticeRow.event_seq, NoticeRow.doc_no)
                              .where(NoticeRow.case_id == case_id)).tuples().all())


def assert_close_notice(url: str, case_no: str, closed) -> None:
    """The automatic close issued its abandonment notice, like every other step's notice."""
    notices = _notices(url, case_no)
    with db.session_scope(url) as s:
        seq = cases.load(s, case_no)[0].event_count
    assert seq in notices, "the automatic close issued no notice"
    assert closed.notice == notices[seq]


def test_correction_window_ended_closes_the_case_as_abandoned_the_day_after(district, calendar):
    no = register(district, D(2026, 5, 6))
    step(district, no, "request_correction", D(2026, 5, 8), items="请说明所需信息的名称", delivered="2026-05-11")
    end = D.fromordinal(calendar.nth_working_day_after(D(2026, 5, 11).toordinal(), 15))
    r = sweep(district, end)
    assert r.auto_closed == [] and alerts_of(district, no) == set()   # the last day still counts
    r = sweep(district, end + dt.timedelta(days=1))
    [closed] = r.auto_closed
    assert closed.ok and closed.case_no == no and closed.move == "correction_lapsed"
    assert closed.outcome == "other.no_correction"
    with db.session_scope(district) as s:
        row, events, _case = cases.load(s, no)
        assert row.state == "closed" and row.report_row == "other.no_correction"  # 其他处理 1
        assert events[-1].kind == "correction_lapsed" and events[-1].on == end + dt.timedelta(days=1)
        assert events[-1].actor == f"system-{GOV}"
        system = s.scalar(select(StaffRow).where(StaffRow.code == events[-1].actor))
        assert system.kind == "system" and system.name == SYSTEM_NAME
        assert s.scalars(select(StaffRoleRow.role).where(StaffRoleRow.staff_id == system.id)).all() == ["system"]
    # a second sweep finds nothing more to close, and nothing was recorded twice
    assert sweep(district, end + dt.timedelta(days=2)).auto_closed == []
    with db.session_scope(district) as s:
        assert [e.kind for e in cases.load(s, no)[1]].count("correction_lapsed") == 1
    assert_close_notice(district, no, closed)


def test_fee_window_ended_closes_the_case_as_fee_unpaid(district, calendar):
    no = register(district, D(2026, 5, 6))
    step(district, no, "accept", D(2026, 5, 7))
    step(district, no, "fee_notice", D(2026, 5, 8), method="per_volume", pages=40, medium="paper", delivered="2026-05-08")
    due = D.fromordinal(calendar.nth_working_day_after(D(2026, 5, 8).toordinal(), 20))
    assert sweep(district, due).auto_closed == []
    [closed] = sweep(district, due + dt.timedelta(days=1)).auto_closed
    assert closed.ok and closed.move == "fee_lapsed" and closed.outcome == "other.fee_unpaid"
    with db.session_scope(district) as s:
        row = cases.load(s, no)[0]
    assert row.state == "closed" and row.report_row == "other.fee_unpaid"  # 其他处理 2
    assert alerts_of(district, no) == set()
    assert_close_notice(district, no, closed)


def test_abandonment_only_on_a_recorded_receipt_else_the_sweep_alerts_to_record_the_delivery(district, calendar):
    """ogi-rules.md "Delivery": without the correction notice's recorded receipt the case is not
    closed as abandoned; the sweep raises the alert to record the delivery (on the board), and once
    the receipt is recorded the window runs from it and the next sweep after it closes the case."""
    no = register(district, D(2026, 5, 6))
    step(district, no, "request_correction", D(2026, 5, 8), items="请说明所需信息的名称")
    stand_in = D.fromordinal(calendar.nth_working_day_after(D(2026, 5, 8).toordinal(), 15))
    assert sweep(district, stand_in).auto_closed == [] and alerts_of(district, no) == set()
    r = sweep(district, stand_in + dt.timedelta(days=1))
    assert r.auto_closed == [] and r.raised.get("delivery/ended") == 1
    assert alerts_of(district, no) == {("delivery", "ended")}
    with db.session_scope(district) as s:
        [row] = [a for a in board.open_alerts(s, today=stand_in + dt.timedelta(days=1)) if a.case_no == no]
        assert "请登记送达" in row.reason and row.due == stand_in
        assert cases.load(s, no)[0].state == "awaiting_correction"
    # the return receipt shows the notice was signed for on 05-12: the window runs from then
    step(district, no, "record_delivery", stand_in + dt.timedelta(days=1), notice="correction",
         method="post", tracking="EMS0000000001", received="2026-05-12")
    end = D.fromordinal(calendar.nth_working_day_after(D(2026, 5, 12).toordinal(), 15))
    assert end > stand_in
    r = sweep(district, end)
    assert r.auto_closed == [] and alerts_of(district, no) == set()
    [closed] = sweep(district, end + dt.timedelta(days=1)).auto_closed
    assert closed.ok and closed.outcome == "other.no_correction"


def test_a_close_that_cannot_be_made_stays_on_the_board_as_ended(district, calendar):
    no = register(district, D(2026, 5, 6))
    step(district, no, "request_correction", D(2026, 5, 8), items="请说明", delivered="2026-05-11")
    dept = register(district, D(2026, 5, 6), agency=DEPT, actor="zc1")
    step(district, dept, "request_correction", D(2026, 5, 8), actor="zc1", items="请说明",
         delivered="2026-05-11")
    with db.session_scope(district) as s:  # a legacy account holds the system code: no system actor
        gov_id = directory.agency(s, GOV).id
        s.add(StaffRow(code=f"system-{GOV}", name="某人", agency_id=gov_id, kind="person",
                       identifier="LEGACY-1", active=True))
    r = sweep(district, D(2026, 7, 1))
    failed, done = sorted(r.auto_closed, key=lambda c: c.case_no != no)
    assert not failed.ok and "system-" in failed.error
    assert done.ok and done.case_no == dept   # the other agency's close is made all the same
    assert ("correction_window", "ended") in alerts_of(district, no)
    res = runner.invoke(app, ["board", "--json", "--today", "2026-07-01", "--as", "s1"])
    assert res.exit_code == 0, res.output
    [agency] = json.loads(res.stdout)["agencies"]
    assert agency["alerts"][0]["kind"] == "correction_window" and agency["alerts"][0]["urgency"] == 2


def test_an_automatic_close_is_recorded_by_the_agencys_system_actor_with_role_system(district, calendar):
    """The close is the agency's act, made by its system actor (role system, never an account's
    role), with the operator of the sweep that made it; the sweep records who ran it."""
    no = register(district, D(2026, 5, 6), agency=DEPT, actor="zc1")
    step(district, no, "request_correction", D(2026, 5, 8), actor="zc1", items="请说明",
         delivered="2026-05-11")
    s1 = factories.principal(district, "s1", operator="os:duban")
    r = sweep(district, D(2026, 7, 1), s1)
    [closed] = r.auto_closed
    assert closed.ok and r.by == "s1" and r.scope == [GOV]
    with db.session_scope(district) as s:
        ev = s.scalar(select(CaseEventRow).join(CaseRow, CaseRow.id == CaseEventRow.case_id)
                      .where(CaseRow.case_no == no).order_by(CaseEventRow.seq.desc()).limit(1))
        assert ev.kind == "correction_lapsed" and ev.actor == f"system-{DEPT}" and ev.operator == "os:duban"
        system = s.scalar(select(StaffRow).where(StaffRow.code == ev.actor))
        assert system.kind == "system" and system.agency_id == directory.agency(s, DEPT).id
        assert s.scalars(select(StaffRoleRow.role).where(StaffRoleRow.staff_id == system.id)).all() == ["system"]
        row = s.get(AlertSweepRow, r.sweep_id)
        assert row.summary["by"] == "s1" and row.summary["operator"] == "os:duban"
    with pytest.raises(InputError) as refused:  # the system actor is no account: nobody acts as it
        factories.principal(district, f"system-{DEPT}")
    assert refused.value.field == "--as"


# ----- clearing, duplicates, the incremental sweep against the rules --------------------------------

def test_alerts_clear_when_the_case_moves_on_and_a_new_date_raises_a_new_alert(district):
    no = register(district, D(2026, 9, 25))
    step(district, no, "accept", D(2026, 9, 28))
    sweep(district, D(2026, 10, 27))
    assert alerts_of(district, no) == {("reply", "soon")}
    step(district, no, "extend", D(2026, 10, 27), actor="h1", days=20, reasons="需要调取档案")
    r = sweep(district, D(2026, 10, 28))
    assert r.raised == {} and alerts_of(district, no) == set()        # due 2026-11-26 now
    step(district, no, "sign_off", D(2026, 11, 20), actor="r1", decision="disclose")
    sweep(district, D(2026, 11, 23))
    assert {a for a in open_alerts(district) if a[0] == no} == {(no, "reply", "soon", D(2026, 11, 26))}
    step(district, no, "reply", D(2026, 11, 24), actor="h1", outcome="disclosed")
    r = sweep(district, D(2026, 11, 24))
    assert r.raised == {} and open_alerts(district) == set()
    # the new date was raised as a new alert: soon for 10-29, then soon again for 11-26
    assert raised(district, no) == [(no, "reply", "soon"), (no, "reply", "soon")]


def test_repeated_sweeps_raise_nothing_twice_on_the_same_day_or_an_earlier_one(district, calendar):
    for r in (D(2026, 9, 1), D(2026, 9, 25), D(2026, 10, 9), D(2026, 12, 20)):
        register(district, r)
    first = sweep(district, D(2026, 10, 27))
    assert first.mode == "full" and first.raised_total > 0
    again = sweep(district, D(2026, 10, 27))
    earlier = sweep(district, D(2026, 10, 20))
    assert again.mode == earlier.mode == "incremental"
    assert again.raised_total == earlier.raised_total == 0
    before = set(raised(district))
    new = {x[:3] for x in expected_alerts(district, D(2026, 10, 29), calendar)} - before
    assert new and sweep(district, D(2026, 10, 29)).raised_total == len(new)   # the next day: only what is new
    assert len(raised(district)) == len(set(raised(district))) == first.raised_total + len(new)


def test_incremental_sweeps_day_by_day_agree_with_the_rules_in_python(district, calendar):
    rnd = random.Random(5)
    nos = []
    for i in range(24):
        received = D(2026, 8, 3) + dt.timedelta(days=rnd.randint(0, 60))
        nos.append(register(district, received, agency=GOV if i % 3 else DEPT, actor="c1" if i % 3 else "zc1"))
    day = D(2026, 9, 1)
    moves = ["accept", "request_correction", "extend", "consult", "consultation_answered",
             "fee_notice", "reply"]
    modes, held, last_mark = [], {}, None
    while day <= D(2026, 12, 10):
        for no in rnd.sample(nos, 4):  # a few steps each day; refusals are part of life
            move = rnd.choice(moves)
            actor = "h1" if move in ("extend", "reply") else ("c1" if no.startswith("XQ-2") else "zc1")
            data = {"accept": {}, "request_correction": {"items": "写明名称"},
                    "extend": {"days": 10, "reasons": "复杂"},
                    "consult": {"kind": "third_party", "party": "某公司"},
                    "consultation_answered": {"answer": "consent"},
                    "fee_notice": {"method": "per_volume", "pages": 40, "medium": "paper"},
                    "reply": {"outcome": "not_held"}}[move]
            try:
                step(district, no, move, day, actor=actor, **data)
            except Exception as exc:  # noqa: BLE001 - only rule refusals are expected
                assert isinstance(exc, (cases.FoiError,)), exc
        result = sweep(district, day)
        modes.append(result.mode)
        expected = {a for a in expected_alerts(district, day, calendar)
                    if a[1] not in ("correction_window", "fee_window")}  # those were closed
        assert open_alerts(district) == expected, day
        # raised: what holds now and did not hold at the last sweep with the same level and
        # date, or holds on a track a step started since that sweep's mark
        with db.session_scope(district) as s:
            since = dict(s.execute(select(CaseRow.case_no, CaseRow.alert_since)).tuples().all())
            mark = s.get(AlertSweepRow, result.sweep_id).event_mark
        new = {(no, k, lvl) for no, k, lvl, due in expected
               if last_mark is None or held.get((no, k)) != (lvl, due)
               or (since[no] or {}).get(k, 0) > last_mark}
        assert set(raised(district, sweep_id=result.sweep_id)) == new, day
        assert result.raised_total == len(new)
        held, last_mark = {(no, k): (lvl, due) for no, k, lvl, due in expected}, mark
        day += dt.timedelta(days=rnd.choice([1, 1, 1, 3]))
    assert modes[0] == "full" and set(modes[1:]) == {"incremental"}
    assert len(raised(district)) > 50  # the sweeps had work to do


def test_untouched_cases_escalate_on_the_right_day_for_each_agency_lead_time_over_a_holiday(
        district, calendar):
    """Cases without any new step change level only by the date: the daily sweep finds them in
    the date bands (per agency lead time N) and by the open alerts' own dates — checked against
    the rules in Python every day across National Day 2026 and its make-up Saturday."""
    with db.session_scope(district) as s:
        row = directory.agency(s, DEPT)
        row.settings = {**row.settings, "alert_working_days": 5}
    for i, received in enumerate(D(2026, 8, 20) + dt.timedelta(days=k) for k in range(0, 45, 2)):
        register(district, received, agency=GOV if i % 2 else DEPT, actor="c1" if i % 2 else "zc1")
    day, modes = D(2026, 9, 14), []
    while day <= D(2026, 11, 6):
        result = sweep(district, day)
        modes.append(result.mode)
        expected = {a for a in expected_alerts(district, day, calendar)
                    if a[1] not in ("correction_window", "fee_window")}
        assert open_alerts(district) == expected, day
        assert {a[:3] for a in expected} <= set(raised(district)), day   # each was raised
        day = D.fromordinal(calendar.nth_working_day_after(day.toordinal(), 1))
    assert modes[0] == "full" and set(modes[1:]) == {"incremental"}
    rows = raised(district)  # every level raised once: no alert was raised twice
    assert len(rows) == len(set(rows))


@pytest.mark.skipif(not os.environ.get("FOI_TEST_DATABASE_URL"),
                    reason="SQLite commits one writer at a time: a later commit always has a higher id")
def test_a_step_in_progress_during_a_sweep_is_waited_for_and_its_new_track_raised_once(district, calendar):
    """PostgreSQL hands out event ids before commit: a step still in progress when a sweep starts
    may commit after a later step with a higher id. The sweep waits for it (a SHARE lock on the
    events), so its mark never passes an event it has not seen, and the new track is raised."""
    import threading

    from sqlalchemy import text

    late = register(district, D(2026, 9, 1))
    other = register(district, D(2026, 9, 2))
    sweep(district, D(2026, 10, 12))
    assert alerts_of(district, late) == {("correction_notice", "overdue"), ("reply", "overdue")}
    engine = db.get_engine(district)
    result: dict = {}
    with engine.connect() as in_flight:   # a step on `late` that moves its reply to 10-13
        with db.session_scope(district) as s:
            late_id = s.scalar(select(CaseRow.id).where(CaseRow.case_no == late))
        ev = in_flight.execute(text(
            "INSERT INTO case_events (case_id, seq, kind, \"on\", actor, data, basis, request_id, "
            "recorded_at) SELECT id, event_count + 1, 'accept', :on, 'c1', '{}', '', NULL, now() "
            "FROM cases WHERE id = :i RETURNING id"), {"i": late_id, "on": D(2026, 10, 12)}).scalar_one()
        in_flight.execute(text(
            "UPDATE cases SET state = 'in_process', correction_notice_due = NULL, reply_due = :d, "
            "alert_since = CAST(:since AS json), alert_event = :ev, event_count = event_count + 1, "
            "version = version + 1 WHERE id = :i"),
            {"i": late_id, "d": D(2026, 10, 13), "since": json.dumps({"reply": ev}), "ev": ev})
        step(district, other, "accept", D(2026, 10, 12))  # commits first, with a higher event id
        worker = threading.Thread(target=lambda: result.update(r=sweep(district, D(2026, 10, 13))))
        worker.start()
        worker.join(1.0)
        assert worker.is_alive(), "the sweep must wait for the step in progress"
        in_flight.commit()
    worker.join(30)
    r = result["r"]
    assert ("correction_notice", "overdue") not in alerts_of(district, late)
    assert (late, "reply", "today") in set(raised(district)) and r.raised.get("reply/today") == 1
    assert sweep(district, D(2026, 10, 13)).raised_total == 0
    assert open_alerts(district) == expected_alerts(district, D(2026, 10, 13), calendar)


def test_a_sweep_of_one_agency_leaves_the_others_alone(district):
    gov = register(district, D(2026, 9, 25))
    dept = register(district, D(2026, 9, 25), agency=DEPT, actor="zc1")
    r = sweep(district, D(2026, 10, 13), agencies=[DEPT])
    assert r.mode == "full" and raised(district) == [(dept, "correction_notice", "overdue")]
    assert alerts_of(district, dept) == alerts_of(district, gov) == {("correction_notice", "overdue")}
    r = sweep(district, D(2026, 10, 13))            # the government's first sweep; the department's second
    assert r.mode == "full" and raised(district, gov) == [(gov, "correction_notice", "overdue")]
    assert r.raised_total == 1


# ----- the board ---------------------------------------------------------------------------------------

def test_board_lists_each_agency_by_urgency_with_the_handler_and_the_reason(district):
    a = register(district, D(2026, 9, 1))                        # overdue reply + overdue correction notice
    b = register(district, D(2026, 9, 25))
    step(district, b, "accept", D(2026, 9, 28))                  # due 10-29: soon on 10-27
    c = register(district, D(2026, 9, 25), agency=DEPT, actor="zc1")
    r = sweep(district, D(2026, 10, 27))
    with db.session_scope(district) as s:   # the sweep's own list (digest, artifact): the same order
        listed = [(x.case_no, x.kind, x.level) for x in board.sweep_alerts(s, r.sweep_id)]
        assert [(x.case_no, x.kind, x.level) for x in board.sweep_alerts(s, r.sweep_id, limit=2)] == listed[:2]
    assert listed == [(a, "reply", "overdue"), (a, "correction_notice", "overdue"), (b, "reply", "soon"),
                      (c, "correction_notice", "overdue"), (c, "reply", "soon")]
    res = runner.invoke(app, ["board", "--as", "s1", "--json", "--today", "2026-10-27"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [g["code"] for g in out["agencies"]] == [GOV, DEPT]   # the government's supervisor: both
    gov = out["agencies"][0]["alerts"]
    assert [(x["case_no"], x["kind"], x["level"]) for x in gov] == [
        (a, "reply", "overdue"), (a, "correction_notice", "overdue"), (b, "reply", "soon")]
    assert gov[0]["handler_name"] == "张承办" and gov[0]["reason"].startswith("答复期限已过")
    assert out["agencies"][1]["alerts"][0]["handler_name"] == "钱承办"
    res = runner.invoke(app, ["board", "--as", "s2", "--today", "2026-10-27"])   # a department's supervisor sees only it
    assert res.exit_code == 0 and c in res.stdout and a not in res.stdout
    assert "已逾期" in res.stdout and "钱承办" in res.stdout
    res = runner.invoke(app, ["board", "--as", "s1", "--agency", "nope"])
    assert res.exit_code == 2 and "agency" in res.output
    res = runner.invoke(app, ["board", "--today", "2026-10-27"])       # nobody named: refused
    assert res.exit_code == 2 and "--as" in res.output


def _board(url: str, who: str, agency: str | None = None, day: D = D(2026, 10, 27)) -> board.Board:
    return board.read(board.BoardQuery(agency, day), factories.uow(url), factories.principal(url, who))


def test_a_supervisor_of_a_sibling_agency_cannot_read_the_board_of_another(district):
    factories.agency(district, "XQ-JY", "某区教育局", "department", GOV)
    factories.staff(district, "s3", "郑督办", "supervisor", "XQ-JY")
    register(district, D(2026, 9, 25), agency=DEPT, actor="zc1")
    with pytest.raises(PermissionDenied) as refused:
        _board(district, "s3", DEPT)
    assert "查看督办看板" in refused.value.rule and "同级机关" in refused.value.message
    with pytest.raises(PermissionDenied):        # nor a department's supervisor its government's
        _board(district, "s2", GOV)
    res = runner.invoke(app, ["board", "--as", "s3", "--agency", DEPT, "--today", "2026-10-27"])
    assert res.exit_code == 2 and "查看督办看板" in res.output and "钱承办" not in res.output
    assert _board(district, "s3").rows == []     # its own agency: nothing due there
    with db.session_scope(district) as s:        # the refusals are in the access log
        log = s.scalars(select(AccessLogRow).where(AccessLogRow.staff.in_(["s2", "s3"]))
                        .order_by(AccessLogRow.id)).all()
        dept_id = directory.agency(s, DEPT).id
    assert [(e.staff, e.action, e.outcome) for e in log] == [
        ("s3", "board.read", "refused"), ("s2", "board.read", "refused"),
        ("s3", "board.read", "refused"), ("s3", "board.read", "ok")]
    assert log[0].agency_id == dept_id and log[0].case_id is None and log[0].applicant_id is None


def test_a_clerk_reads_only_their_own_agencys_board_and_every_read_is_logged(district):
    a = register(district, D(2026, 9, 1))
    c = register(district, D(2026, 9, 25), agency=DEPT, actor="zc1")
    clerk = _board(district, "c1")
    assert {r.case_no for r in clerk.rows} == {a} and clerk.agency == GOV      # not the department's
    assert sum(clerk.counts.values()) == len(clerk.rows) == 2
    head = _board(district, "h1")                 # a head reads the bodies under the government too
    assert {r.case_no for r in head.rows} == {a, c}
    assert {r.case_no for r in _board(district, "zc1").rows} == {c}
    with pytest.raises(PermissionDenied):
        _board(district, "zc1", GOV)
    with db.session_scope(district) as s:
        log = s.scalars(select(AccessLogRow).where(AccessLogRow.action == "board.read")
                        .order_by(AccessLogRow.id)).all()
        gov_id = directory.agency(s, GOV).id
    assert [(e.staff, e.outcome) for e in log] == [("c1", "ok"), ("h1", "ok"), ("zc1", "ok"),
                                                   ("zc1", "refused")]
    assert log[0].agency_id == gov_id and log[0].operator == factories.OPERATOR
    assert all(e.case_id is None and e.applicant_id is None for e in log)  # no personal data


def test_foi_sweep_runs_on_demand_and_skips_non_working_days_when_asked(district):
    register(district, D(2026, 9, 1))
    res = runner.invoke(app, ["sweep", "--today", "2026-10-03", "--working-days-only", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["skipped"] == "非工作日"
    with db.session_scope(district) as s:
        assert s.scalar(select(func.count()).select_from(AlertSweepRow)) == 0
    res = runner.invoke(app, ["sweep", "--today", "2026-10-03", "--no-mail"])
    assert res.exit_code == 0, res.output
    assert "新增提醒 2 条" in res.stdout and "答复期限·已逾期：1" in res.stdout
    with db.session_scope(district) as s:   # without --as: the scheduler, the OS user as operator
        row = s.scalar(select(AlertSweepRow))
    assert row.scope is None and row.summary["by"] == "system"
    assert row.summary["operator"].startswith("os:")


def test_a_sweep_by_a_supervisor_covers_only_their_agencies(district):
    gov = register(district, D(2026, 9, 25))
    dept = register(district, D(2026, 9, 25), agency=DEPT, actor="zc1")
    r = sweep(district, D(2026, 10, 13), "s2")    # the department's supervisor
    assert r.scope == [DEPT] and raised(district) == [(dept, "correction_notice", "overdue")]
    with db.session_scope(district) as s:
        assert s.get(AlertSweepRow, r.sweep_id).scope == [directory.agency(s, DEPT).id]
    with pytest.raises(PermissionDenied) as refused:   # not the government above it
        sweep(district, D(2026, 10, 13), "s2", agencies=[GOV])
    assert "运行期限督办扫描" in refused.value.rule and "上级机关" in refused.value.message
    for who in ("c1", "h1"):                           # nor a clerk or a head at all
        with pytest.raises(PermissionDenied):
            sweep(district, D(2026, 10, 13), who)
    res = runner.invoke(app, ["sweep", "--as", "zc1", "--today", "2026-10-13", "--no-mail"])
    assert res.exit_code == 2 and "运行期限督办扫描" in res.output
    with db.session_scope(district) as s:              # the refusals wrote nothing
        assert s.scalar(select(func.count()).select_from(AlertSweepRow)) == 1
    res = runner.invoke(app, ["sweep", "--as", "s1", "--today", "2026-10-13", "--no-mail", "--json"])
    assert res.exit_code == 0, res.output               # the government's: it and the bodies under it
    out = json.loads(res.stdout)
    assert out["scope"] == [GOV] and out["by"] == "s1" and out["raised_total"] == 1
    assert set(raised(district)) == {(dept, "correction_notice", "overdue"), (gov, "correction_notice", "overdue")}


# ----- a newly loaded calendar year ------------------------------------------------------------------

def test_loading_a_calendar_year_moves_exactly_the_dates_it_should(district, calendar):
    from foi_workflow.calendar_data.service import LoadYear, current_calendar, load_year

    in_2026 = register(district, D(2026, 6, 1))                  # every date in 2026: untouched
    confirmed = register(district, D(2026, 12, 20))              # 2027-01-18 either way: now official
    moved = register(district, D(2026, 12, 30))                  # extended: its 40 days cross the
    step(district, moved, "accept", D(2026, 12, 30))             # 2027 Spring Festival (loaded: 02-05..12
    step(district, moved, "extend", D(2026, 12, 31), actor="h1", days=20, reasons="需要调取档案")  # off)
    closed = register(district, D(2026, 12, 21))
    step(district, closed, "reply_on_spot", D(2026, 12, 21), outcome="already_public")
    with db.session_scope(district) as s:
        before = {r.case_no: (r.reply_due, r.provisional, r.event_count)
                  for r in s.scalars(select(CaseRow))}
    sweep(district, D(2026, 12, 31))
    load_year(LoadYear(TEST_DATA / "calendar-2027-test.toml"), factories.uow(district),
              factories.principal(district, "a1"))
    new_cal = current_calendar(district)
    report = recompute.recompute_open_cases(factories.uow(district), SCHEDULER, today=LATE)
    assert report.calendar_version == new_cal.version
    changed = {m.case_no: m.changed for m in report.moved}
    assert set(changed) == {confirmed, moved} and all(m.ok for m in report.moved)
    assert changed[confirmed] == {"provisional": (True, False)}
    assert report.unchanged == 1 and report.checked == 3          # the closed case is not read
    with db.session_scope(district) as s:
        after = {r.case_no: r for r in s.scalars(select(CaseRow))}
        events = {no: [e.kind for e in cases.load(s, no)[1]] for no in after}
        last = cases.load(s, moved)[1][-1]
    assert after[in_2026].reply_due == before[in_2026][0] and events[in_2026][-1] != "dates_recomputed"
    assert after[in_2026].calendar_version == new_cal.version
    assert events[closed][-1] == "reply_on_spot" and after[closed].event_count == before[closed][2]
    for no in (confirmed, moved):
        assert events[no][-1] == "dates_recomputed" and not after[no].provisional
    expected_due, prov = reply_due(new_cal, D(2026, 12, 30), extension_days=20)
    assert after[moved].reply_due == expected_due != before[moved][0] and not prov
    assert changed[moved]["reply_due"] == (before[moved][0].isoformat(), expected_due.isoformat())
    assert last.data["calendar_version"] == new_cal.version
    assert last.data["previous"]["provisional"] is True
    # run again: nothing more is recorded; the next sweep clears the provisional alerts
    again = recompute.recompute_open_cases(factories.uow(district), SCHEDULER, today=LATE)
    assert again.checked == 0 and again.moved == []
    sweep(district, D(2027, 1, 4))
    assert all(k != "provisional" for _no, k, _l, _d in open_alerts(district))


def test_cases_brought_in_by_bulk_intake_are_raised_by_the_next_sweep_once(district):
    from foi_workflow.services import bulk

    sweep(district, D(2026, 10, 13))
    lines = [json.dumps({"agency": GOV, "received": received, "channel": "online", "subject": "某事项",
                         "handler": "c1", "applicant": {"kind": "natural_person", "name": f"申请人{i}",
                                                         "id_type": "passport", "id_number": f"E{i:07d}"},
                         "events": events, "request_id": f"legacy-{i}", **factories.BULK_APPLICATION},
                        ensure_ascii=False)
             for i, (received, events) in enumerate([
                 ("2026-09-01", []),                                                # overdue
                 ("2026-09-02", [{"move": "accept", "on": "2026-09-03", "actor": "c1"}]),
                 ("2026-10-12", [])])]                                              # nothing yet
    report = bulk.import_register(bulk.ImportRegister(lines), factories.uow(district),
                                  factories.principal(district, "a1"), today=LATE)
    assert not report.errors, report.errors
    old, accepted, new = report.case_numbers
    r = sweep(district, D(2026, 10, 13))            # the same day: only what the import started is new
    assert set(raised(district, sweep_id=r.sweep_id)) == {
        (old, "reply", "overdue"), (old, "correction_notice", "overdue"), (accepted, "reply", "overdue")}
    with db.session_scope(district) as s:
        rows = {c.case_no: c for c in s.scalars(select(CaseRow))}
        last = {no: max(e.id for e in s.scalars(select(CaseEventRow).where(CaseEventRow.case_id == rows[no].id)))
                for no in (old, accepted, new)}
    assert rows[accepted].alert_since == {"reply": last[accepted]} == {"reply": rows[accepted].alert_event}
    assert sweep(district, D(2026, 10, 13)).raised_total == 0
    assert {a for a in open_alerts(district) if a[0] == new} == set()
