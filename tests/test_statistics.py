"""Table 3 and table 4 counted in the database: equal to an independent recount from the events,
passing every check, rolled up, continuous from one year to the next, stable once locked."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from foi_workflow.domain.case import Event
from foi_workflow.domain.errors import InputError
from foi_workflow.domain.outcomes import OUTCOMES
from foi_workflow.domain.policy import PermissionDenied
from foi_workflow.domain.statistics.checks import check_report
from foi_workflow.domain.statistics.layout import APPLICANT_COLUMNS
from foi_workflow.domain.statistics.report import (count_table4, recount_from_events,
                                                   remedies_from_events)
from foi_workflow.services import bulk, cases, directory, stat_registers, statistics
from foi_workflow.storage import db
from foi_workflow.storage.identity_tables import AccessLogRow
from foi_workflow.storage.models import CaseContactRow, CaseEventRow, CaseItemRow, CaseRow
from foi_workflow.storage.statistics_tables import ConsultationRow, LockedReportRow

from . import factories

TODAY = dt.date(2026, 6, 30)
AGENCIES = ("gov", "dept-a", "town-b")
# every body has its own clerk, reviewer, head and admin: "<agency>-c", "-r", "-h", "-a"
STAFF = {"c": "clerk", "r": "reviewer", "h": "head", "a": "admin"}
SPOT = ("already_public", "unavailable.not_held", "unavailable.not_this_agency",
        "not_processed.petition", "not_processed.duplicate", "other.other")
SIGNED = {"disclosed": ("disclose", None), "partial": ("partial", "third_party_rights"),
          "withheld.process_info": ("withhold", "process_info"),
          "withheld.state_secret": ("withhold", "state_secret")}


@pytest.fixture
def district(clean_db, monkeypatch):
    monkeypatch.setenv("FOI_TODAY", TODAY.isoformat())
    factories.agency(clean_db, "gov", "某区人民政府", "government")
    factories.agency(clean_db, "dept-a", "某区自然资源局", "department", parent="gov")
    factories.agency(clean_db, "town-b", "某镇人民政府", "town", parent="gov")
    for code in AGENCIES:
        for letter, role in STAFF.items():
            factories.staff(clean_db, f"{code}-{letter}", f"{code}的{role}", role, code)
    return clean_db


def reports(url: str, year: int, who: str = "gov-h", root: str | None = None) -> statistics.ReportSet:
    return statistics.build_reports(statistics.BuildReports(year, root), factories.uow(url),
                                    factories.principal(url, who))


def lock(url: str, year: int, agency: str = "gov", who: str = "gov-h") -> list[str]:
    return statistics.lock_period(statistics.LockPeriod(year, agency), factories.uow(url),
                                  factories.principal(url, who))


def history(agency: str, received: dt.date, close_after: int | None, outcome: str,
            remedy: tuple | None) -> list[dict]:
    """A valid past history: open, or closed `close_after` days after receipt with `outcome`
    (every move by the agency's own staff)."""
    c, r, h = (f"{agency}-{x}" for x in "crh")
    if close_after is None:
        return [{"move": "accept", "on": received.isoformat(), "actor": c}]
    closed = received + dt.timedelta(days=close_after)
    if outcome == "withdrawn":
        events = [{"move": "withdraw", "on": closed.isoformat(), "actor": c}]
    elif outcome in SIGNED:
        decision, ground = SIGNED[outcome]
        events = [{"move": "accept", "on": received.isoformat(), "actor": c},
                  {"move": "sign_off", "on": received.isoformat(), "actor": r,
                   "data": {"decision": decision, **({"ground": ground} if ground else {})}},
                  {"move": "reply", "on": closed.isoformat(), "actor": h, "data": factories.reply_data(outcome)}]
    else:
        events = [{"move": "reply", "on": closed.isoformat(), "actor": h, "data": factories.reply_data(outcome)}]
    if remedy is not None:
        kind, results, after = remedy
        if kind == "litigation_direct" and outcome in OUTCOMES and OUTCOMES[outcome].refusal:
            kind = "litigation_after_review"  # review first for refusals (行政复议法 Art 23, 2024)
        for i, result in enumerate(results):
            day = min(closed + dt.timedelta(days=after + 40 * i), TODAY)
            events.append({"move": "record_remedy", "on": day.isoformat(), "actor": c,
                           "data": {"kind": kind, "result": result}})
    return events


def line(n: int, agency: str, kind: str, received: dt.date, events: list[dict]) -> str:
    return json.dumps({"agency": agency, "received": received.isoformat(), "channel": "online",
                       "subject": f"信息{n}", "handler": f"{agency}-c",
                       "applicant": factories.bulk_applicant(kind, f"申请人{n}", n), "events": events,
                       **factories.BULK_APPLICATION},
                      ensure_ascii=False)


def load(url: str, specs, first: int = 0) -> None:
    """The cases through the bulk intake, each agency's by its own admin."""
    by_agency: dict[str, list[str]] = {}
    for n, spec in enumerate(specs, first):
        by_agency.setdefault(spec[0], []).append(line(n, *spec[:3], history(spec[0], *spec[2:])))
    for agency, lines in by_agency.items():
        report = bulk.import_register(bulk.ImportRegister(lines), factories.uow(url),
                                      factories.principal(url, f"{agency}-a"), today=TODAY)
        assert not report.errors, report.errors[:3]


def histories(url: str, agency_codes=None):
    """(applicant_kind, events) per case, read back from the stored histories."""
    with db.session_scope(url) as s:
        ids = None
        if agency_codes:
            ids = [directory.agency(s, c).id for c in agency_codes]
        q = select(CaseRow.id, CaseRow.applicant_kind)
        if ids:
            q = q.where(CaseRow.agency_id.in_(ids))
        kinds = dict(s.execute(q).all())
        evs: dict[int, list[Event]] = {k: [] for k in kinds}
        for r in s.scalars(select(CaseEventRow).order_by(CaseEventRow.case_id, CaseEventRow.seq)):
            if r.case_id in evs:
                evs[r.case_id].append(Event(r.kind, r.on, r.actor, r.data, r.basis, r.seq))
    return [(kinds[c], evs[c]) for c in kinds], list(evs.items())


case_spec = st.tuples(
    st.sampled_from(AGENCIES),
    st.sampled_from(APPLICANT_COLUMNS),
    st.one_of(st.dates(dt.date(2024, 11, 1), dt.date(2026, 1, 31)),  # year ends are likelier
              st.sampled_from([dt.date(y, m, d) for y in (2024, 2025) for m, d in ((12, 30), (12, 31))]
                              + [dt.date(y, 1, d) for y in (2025, 2026) for d in (1, 2)])),
    st.one_of(st.none(), st.integers(0, 3), st.integers(0, 70)),
    st.sampled_from((*SPOT, *SIGNED, "withdrawn")),
    st.one_of(st.none(), st.tuples(st.sampled_from(("review", "litigation_direct", "litigation_after_review")),
                                   st.lists(st.sampled_from(("upheld", "corrected", "other", "pending")),
                                            min_size=1, max_size=2),
                                   st.integers(0, 200))),
)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(case_spec, min_size=1, max_size=25))
def test_table3_counted_in_sql_equals_recount_from_events_and_passes_every_check(district, specs):
    specs = [s for s in specs if s[3] is None or s[2] + dt.timedelta(days=s[3]) <= TODAY]
    with db.session_scope(district) as s:
        if s.bind.dialect.name == "postgresql":  # case_events is append-only but for a superuser (0016)
            s.execute(text("SET LOCAL session_replication_role = replica"))
        for table in (CaseEventRow, CaseContactRow, CaseItemRow, CaseRow):
            s.execute(table.__table__.delete())
    load(district, specs)
    previous: dict | None = None
    for year in (2024, 2025, 2026):
        found = reports(district, year)
        assert found.failures == [], [f.text() for f in found.failures]
        for code in AGENCIES:
            hist, keyed = histories(district, [code])
            assert found.own[code].table3 == recount_from_events(hist, year), (code, year)
            assert found.own[code].table4 == count_table4(remedies_from_events(keyed), year)
        # the roll-up is the sum of its children, cell by cell
        gov = found.rollups["gov"]
        for row, cols in gov.table3.items():
            for col, v in cols.items():
                assert v == sum(found.own[c].table3[row][col] for c in AGENCIES)
        hist, _ = histories(district)
        assert gov.table3 == recount_from_events(hist, year)
        # one year's carried_out is the next year's carried_in
        if previous is not None:
            assert gov.table3["carried_in"] == previous["carried_out"]
        previous = gov.table3


def test_case_received_on_12_31_and_closed_on_01_02_counts_in_both_years(district):
    load(district, [("dept-a", "research", dt.date(2025, 12, 31), 2, "disclosed", None)])
    y25 = reports(district, 2025).own["dept-a"].table3
    y26 = reports(district, 2026).own["dept-a"].table3
    nonzero = lambda t: {(r, c): v for r, cols in t.items() for c, v in cols.items() if v}
    assert nonzero(y25) == {("new", "research"): 1, ("new", "total"): 1,
                            ("carried_out", "research"): 1, ("carried_out", "total"): 1}
    assert nonzero(y26) == {("carried_in", "research"): 1, ("carried_in", "total"): 1,
                            ("disclosed", "research"): 1, ("disclosed", "total"): 1,
                            ("results_total", "research"): 1, ("results_total", "total"): 1}


def test_partial_disclosure_counts_only_under_partial(district):
    load(district, [("gov", "natural_person", dt.date(2025, 3, 2), 10, "partial", None)])
    t = reports(district, 2025).own["gov"].table3
    assert t["partial"]["total"] == 1 and t["disclosed"]["total"] == 0
    assert t["results_total"]["total"] == 1


def test_locked_period_keeps_its_figures_when_old_cases_are_edited(district):
    load(district, [("dept-a", "natural_person", dt.date(2025, 12, 1), None, "", None),
                    ("dept-a", "commercial", dt.date(2025, 11, 3), 5, "disclosed", None)])
    assert set(lock(district, 2025)) == set(AGENCIES)
    before = reports(district, 2025).own["dept-a"].to_json()
    assert before["locked"] and before["table3"]["carried_out"]["natural_person"] == 1
    open_case = _case_no(district, dt.date(2025, 12, 1))
    # the carried-over case is closed with a date inside the locked year, and a forgotten 2025
    # application is registered late (already closed in 2025)
    factories.step(district, open_case, "reply", "dept-a-h", dt.date(2025, 12, 20), today=TODAY,
                   outcome="unavailable.not_held")
    load(district, [("dept-a", "public_interest", dt.date(2025, 6, 1), 3, "already_public", None)], first=2)
    cases.step(cases.Step(_case_no(district, dt.date(2025, 11, 3)), "record_remedy", dt.date(2025, 12, 1),
                          {"kind": "review", "result": "pending"}),
               factories.uow(district), factories.principal(district, "dept-a-c"), today=TODAY)
    after25 = reports(district, 2025)
    after26 = reports(district, 2026)
    assert after25.own["dept-a"].to_json()["table3"] == before["table3"]
    t26 = after26.own["dept-a"].table3
    assert t26["carried_in"]["natural_person"] == 1            # from the locked figures
    assert t26["unavailable.not_held"]["natural_person"] == 1  # the late closing counts in 2026
    assert t26["new"]["public_interest"] == 1                  # the late registration too
    assert t26["disclosed"]["public_interest"] == 1            # already_public counts as disclosed
    assert after25.own["dept-a"].table4["review"]["total"] == 0  # recorded after the lock
    assert after26.own["dept-a"].table4["review"]["pending"] == 1
    assert after26.failures == [], [f.text() for f in after26.failures]


def _case_no(url, received):
    with db.session_scope(url) as s:
        return s.scalar(select(CaseRow.case_no).where(CaseRow.received == received))


def test_lock_is_refused_for_an_unfinished_year_and_out_of_order(district):
    with pytest.raises(InputError) as err:
        lock(district, 2026)
    assert err.value.field == "year"
    lock(district, 2025)
    with pytest.raises(InputError) as err:
        lock(district, 2024)
    assert "年度顺序" in err.value.rule


def test_generated_report_passes_checks_and_a_tampered_one_names_cell_rule_and_numbers(district):
    load(district, [("gov", "natural_person", dt.date(2025, 3, 2), 3, "disclosed", None),
                    ("gov", "commercial", dt.date(2025, 12, 30), None, "", None)])
    report = reports(district, 2025).own["gov"].to_json()
    assert check_report(report) == []
    report["table3"]["disclosed"]["natural_person"] = 2
    failures = check_report(report)
    cells = {f.cell: f for f in failures}
    assert set(cells) == {"table3.disclosed.total", "table3.results_total.natural_person"}
    assert dict(cells["table3.results_total.natural_person"].numbers) == {"总计": 1, "各项之和": 2}
    report["table3"]["disclosed"]["natural_person"] = 1
    report["table3"]["carried_out"]["commercial"] = 0
    report["table3"]["carried_out"]["total"] = 0
    failures = check_report(report)
    assert [f.cell for f in failures] == ["table3.*.commercial", "table3.*.total"]
    balance = failures[0]
    assert "勾稽关系" in balance.rule and "法人或其他组织 / 商业企业" in balance.message
    assert dict(balance.numbers) == {"本年新收": 1, "上年结转": 0, "办理结果总计": 0, "结转下年度": 0}


# ----- who may read, write and lock (domain/policy.py: REPORT_READ, STATS_WRITE, STATS_LOCK) -----

def _locks(url: str) -> list[tuple[int, int, str, str]]:
    with db.session_scope(url) as s:
        return [(r.agency_id, r.year, r.locked_by, r.operator) for r in s.scalars(select(LockedReportRow))]


def _report_reads(url: str) -> list[tuple[str, str, int | None, str, str]]:
    with db.session_scope(url) as s:
        return [(r.staff, r.operator, r.agency_id, r.target, r.outcome) for r in s.scalars(
            select(AccessLogRow).where(AccessLogRow.action == "report.read").order_by(AccessLogRow.id))]


def _agency_id(url: str, code: str) -> int:
    with db.session_scope(url) as s:
        return directory.agency(s, code).id


def test_clerk_of_another_government_cannot_lock_the_district_figures(district):
    factories.agency(district, "other", "另一区人民政府", "government")
    factories.staff(district, "other-c", "另一区承办人", "clerk", "other")
    factories.staff(district, "other-h", "另一区负责人", "head", "other")
    for who in ("other-c", "other-h"):
        with pytest.raises(PermissionDenied) as err:
            lock(district, 2025, "gov", who)
        assert err.value.rule == "“锁定或解锁年度数据”限于本机关的负责人、管理员"
        assert "gov（其他机关）" in err.value.message
    assert _locks(district) == []


def test_clerk_of_the_agency_cannot_lock_its_figures_only_its_head_or_admin(district):
    for who in ("gov-c", "gov-r"):
        with pytest.raises(PermissionDenied) as err:
            lock(district, 2025, "gov", who)
        assert "负责人、管理员" in err.value.rule
    assert _locks(district) == []
    assert lock(district, 2025, "town-b", "town-b-a") == ["town-b"]      # the body's own admin
    assert set(lock(district, 2025, "gov", "gov-h")) == {"gov", "dept-a"}  # town-b stays as locked


def test_district_head_cannot_lock_a_department_in_its_name(district):
    with pytest.raises(PermissionDenied) as err:
        lock(district, 2025, "dept-a", "gov-h")
    assert "dept-a（下级机关）" in err.value.message
    assert _locks(district) == []


def test_lock_records_who_and_through_whom(district):
    head = factories.principal(district, "gov-h", operator="os:alice")
    statistics.lock_period(statistics.LockPeriod(2025, "gov"), factories.uow(district), head)
    assert sorted(_locks(district)) == sorted((_agency_id(district, c), 2025, "gov-h", "os:alice")
                                              for c in AGENCIES)
    [info] = statistics.locked_years("dept-a", factories.uow(district), factories.principal(district, "dept-a-c"))
    assert (info.year, info.locked_by, info.operator) == (2025, "gov-h", "os:alice")


def test_district_head_reads_the_roll_up_with_its_departments_but_cannot_write_a_departments_register(district):
    load(district, [("dept-a", "commercial", dt.date(2025, 3, 2), 3, "disclosed", None),
                    ("gov", "research", dt.date(2025, 4, 1), 2, "already_public", None)])
    head = factories.principal(district, "gov-h")
    rollup, failures = statistics.report_for(statistics.ReadReport(2025, "gov", rollup=True),
                                             factories.uow(district), head)
    assert failures == [] and rollup.rollup and set(rollup.members) == set(AGENCIES)
    assert rollup.table3["new"]["total"] == 2 and rollup.table3["new"]["commercial"] == 1
    dept, _ = statistics.report_for(statistics.ReadReport(2025, "dept-a"), factories.uow(district), head)
    assert dept.table3["new"]["total"] == 1
    for write in (lambda u: stat_registers.add_consultation(
                      stat_registers.AddConsultation("dept-a", "2025-03-02", "phone", 3), u, head),
                  lambda u: stat_registers.set_narrative(
                      stat_registers.SetNarrative("dept-a", 2025, "overview", "某局工作情况"), u, head)):
        with pytest.raises(PermissionDenied) as err:
            write(factories.uow(district))
        assert err.value.rule == "“填报统计登记簿和报告正文”限于本机关的承办人、负责人、管理员"
        assert "dept-a（下级机关）" in err.value.message
    assert reports(district, 2025).own["dept-a"].consultations == {}
    assert reports(district, 2025).own["dept-a"].narrative == {}


def test_department_clerk_cannot_read_the_district_roll_up(district):
    clerk = factories.principal(district, "dept-a-c")
    for cmd in (statistics.ReadReport(2025, "gov", rollup=True), statistics.ReadReport(2025, "gov"),
                statistics.ReadReport(2025, "town-b")):
        with pytest.raises(PermissionDenied) as err:
            statistics.report_for(cmd, factories.uow(district), clerk)
        assert err.value.rule.startswith("“查看年度报告”限于本机关的")
    with pytest.raises(PermissionDenied):
        statistics.build_reports(statistics.BuildReports(2025), factories.uow(district), clerk)
    own, _ = statistics.report_for(statistics.ReadReport(2025), factories.uow(district), clerk)
    assert own.agency_code == "dept-a" and not own.rollup    # no agency given: one's own
    gov, dept = _agency_id(district, "gov"), _agency_id(district, "dept-a")
    assert _report_reads(district) == [
        ("dept-a-c", "test", gov, "2025 rollup", "refused"), ("dept-a-c", "test", gov, "2025", "refused"),
        ("dept-a-c", "test", _agency_id(district, "town-b"), "2025", "refused"),
        ("dept-a-c", "test", None, "2025 all", "refused"), ("dept-a-c", "test", dept, "2025", "ok")]


def test_clerk_of_the_government_reads_its_own_report_but_not_the_roll_up_over_its_bodies(district):
    clerk = factories.principal(district, "gov-c")
    own, _ = statistics.report_for(statistics.ReadReport(2025, "gov"), factories.uow(district), clerk)
    assert own.agency_code == "gov"
    with pytest.raises(PermissionDenied) as err:
        statistics.report_for(statistics.ReadReport(2025, "gov", rollup=True), factories.uow(district), clerk)
    assert "下级机关" in err.value.message   # the roll-up shows the bodies' figures


def test_registers_record_who_and_through_whom_and_an_import_refuses_another_agencys_line(district):
    clerk = factories.principal(district, "dept-a-c", operator="token:dept-a-c")
    stat_registers.add_consultation(stat_registers.AddConsultation("dept-a", "2025-03-02", "phone", 3),
                                    factories.uow(district), clerk)
    text = (json.dumps({"agency": "dept-a", "on": "2025-04-01", "channel": "online", "count": 2}) + "\n"
            + json.dumps({"agency": "town-b", "on": "2025-04-01", "channel": "online", "count": 5}) + "\n")
    out = stat_registers.import_records(stat_registers.ImportRecords("consultation", text),
                                        factories.uow(district), clerk)
    assert out.imported == 0 and [(e["line"], e["field"]) for e in out.errors] == [(2, "actor")]
    assert "town-b（同级机关）" in out.errors[0]["message"]
    with db.session_scope(district) as s:
        rows = [(r.count, r.recorded_by, r.operator) for r in s.scalars(select(ConsultationRow))]
    assert rows == [(3, "dept-a-c", "token:dept-a-c")]


def test_report_year_is_checked_against_the_settings_today(district, monkeypatch):
    with pytest.raises(InputError) as err:
        reports(district, 2027)
    assert err.value.field == "year"
    monkeypatch.setenv("FOI_TODAY", "2027-03-01")   # the drill's date, read from the settings
    assert reports(district, 2027).year == 2027


def person_line(n: int, received: dt.date, events: list[dict]) -> str:
    """A natural person's application to dept-a with its Art 29 content, and its history."""
    obj = json.loads(line(n, "dept-a", "natural_person", received, events))
    obj["applicant"]["phone"] = "13912345678"
    return json.dumps({**obj, "form": "paper", "delivery": "in_person"}, ensure_ascii=False)


def test_remedy_against_a_case_still_open_counts_in_table4_of_the_year_pending(district):
    # 不履行法定职责: no reply in time (received 2025-03-03, still open), a review pending
    events = [{"move": "accept", "on": "2025-03-03", "actor": "dept-a-c"},
              {"move": "record_remedy", "on": "2025-05-06", "actor": "dept-a-c",
               "data": {"kind": "review", "result": "pending"}}]
    report = bulk.import_register(bulk.ImportRegister([person_line(1, dt.date(2025, 3, 3), events)]),
                                  factories.uow(district), factories.principal(district, "dept-a-a"), today=TODAY)
    assert not report.errors, report.errors[:3]
    t4 = reports(district, 2025).own["dept-a"].table4
    assert t4["review"]["pending"] == 1 and t4["review"]["total"] == 1


def test_section_six_states_fee_notices_issued_their_total_and_the_amount_collected(district):
    from foi_workflow.documents.annual_report import fees_text

    def fee_case(n, paid):
        events = [{"move": "accept", "on": "2025-03-03", "actor": "dept-a-c"},
                  {"move": "fee_notice", "on": "2025-03-04", "actor": "dept-a-c",
                   "data": {"method": "per_volume", "pages": 40 + 10 * n, "medium": "paper"}}]
        if paid:
            events.append({"move": "fee_paid", "on": "2025-03-10", "actor": "dept-a-c"})
        return person_line(n, dt.date(2025, 3, 3), events)

    report = bulk.import_register(bulk.ImportRegister([fee_case(0, True), fee_case(1, False)]),
                                  factories.uow(district), factories.principal(district, "dept-a-a"), today=TODAY)
    assert not report.errors, report.errors[:3]
    r = reports(district, 2025).own["dept-a"]
    # 40 pages: 10 × 10 = 100 yuan (paid); 50 pages: 20 × 10 = 200 yuan (not paid)
    assert (r.fee_notices, r.fee_notices_fen, r.fees_total_fen) == (2, 30000, 10000)
    text = fees_text(r)
    assert "发出收费通知书2件" in text and "300.00元" in text and "实际收取费用共100.00元" in text
    assert r.to_json()["fee_notices"] == {"count": 2, "total_yuan": "300.00"}
    empty = reports(district, 2024).own["dept-a"]
    assert "未发出收费通知书" in fees_text(empty)
