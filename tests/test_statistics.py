"""Table 3 and table 4 counted in the database: equal to an independent recount from the events,
passing every check, rolled up, continuous from one year to the next, stable once locked."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from foi_workflow.domain.case import Event
from foi_workflow.domain.errors import InputError
from foi_workflow.domain.statistics.checks import check_report
from foi_workflow.domain.statistics.layout import APPLICANT_COLUMNS
from foi_workflow.domain.statistics.report import (count_table4, recount_from_events,
                                                   remedies_from_events)
from foi_workflow.services import bulk, cases, directory, statistics
from foi_workflow.storage import db
from foi_workflow.storage.models import CaseEventRow, CaseRow

TODAY = dt.date(2026, 6, 30)
AGENCIES = ("gov", "dept-a", "town-b")
SPOT = ("already_public", "unavailable.not_held", "unavailable.not_this_agency",
        "not_processed.petition", "not_processed.duplicate", "other.other")
SIGNED = {"disclosed": ("disclose", None), "partial": ("partial", "third_party_rights"),
          "withheld.process_info": ("withhold", "process_info"),
          "withheld.state_secret": ("withhold", "state_secret")}


@pytest.fixture
def district(clean_db, monkeypatch):
    monkeypatch.setenv("FOI_TODAY", TODAY.isoformat())
    with db.session_scope(clean_db) as s:
        directory.add_agency(s, "gov", "某区人民政府", "government")
        directory.add_agency(s, "dept-a", "某区自然资源局", "department", parent="gov")
        directory.add_agency(s, "town-b", "某镇人民政府", "town", parent="gov")
        directory.add_staff(s, "c1", "承办人", "clerk", "gov")
        directory.add_staff(s, "r1", "审查人", "reviewer", "gov")
        directory.add_staff(s, "h1", "负责人", "head", "gov")
    return clean_db


def history(received: dt.date, close_after: int | None, outcome: str, remedy: tuple | None) -> list[dict]:
    """A valid past history: open, or closed `close_after` days after receipt with `outcome`."""
    if close_after is None:
        return [{"move": "accept", "on": received.isoformat(), "actor": "c1"}]
    closed = received + dt.timedelta(days=close_after)
    if outcome == "withdrawn":
        events = [{"move": "withdraw", "on": closed.isoformat(), "actor": "c1"}]
    elif outcome in SIGNED:
        decision, ground = SIGNED[outcome]
        events = [{"move": "accept", "on": received.isoformat(), "actor": "c1"},
                  {"move": "sign_off", "on": received.isoformat(), "actor": "r1",
                   "data": {"decision": decision, **({"ground": ground} if ground else {})}},
                  {"move": "reply", "on": closed.isoformat(), "actor": "h1", "data": {"outcome": outcome}}]
    else:
        events = [{"move": "reply", "on": closed.isoformat(), "actor": "h1", "data": {"outcome": outcome}}]
    if remedy is not None:
        kind, results, after = remedy
        for i, result in enumerate(results):
            day = min(closed + dt.timedelta(days=after + 40 * i), TODAY)
            events.append({"move": "record_remedy", "on": day.isoformat(), "actor": "c1",
                           "data": {"kind": kind, "result": result}})
    return events


def line(n: int, agency: str, kind: str, received: dt.date, events: list[dict]) -> str:
    return json.dumps({"agency": agency, "received": received.isoformat(), "channel": "online",
                       "subject": f"信息{n}", "handler": "c1",
                       "applicant": {"kind": kind, "name": f"申请人{n}", "id_type": "passport",
                                     "id_number": f"E{n:08d}"}, "events": events},
                      ensure_ascii=False)


def load(url: str, specs) -> None:
    lines = [line(n, *spec[:3], history(*spec[2:])) for n, spec in enumerate(specs)]
    report = bulk.import_lines(lines, today=TODAY, url=url)
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
        s.execute(CaseEventRow.__table__.delete())
        s.execute(CaseRow.__table__.delete())
    load(district, specs)
    previous: dict | None = None
    for year in (2024, 2025, 2026):
        with db.session_scope(district) as s:
            reports = statistics.build_reports(s, year)
        assert reports.failures == [], [f.text() for f in reports.failures]
        for code in AGENCIES:
            hist, keyed = histories(district, [code])
            assert reports.own[code].table3 == recount_from_events(hist, year), (code, year)
            assert reports.own[code].table4 == count_table4(remedies_from_events(keyed), year)
        # the roll-up is the sum of its children, cell by cell
        gov = reports.rollups["gov"]
        for row, cols in gov.table3.items():
            for col, v in cols.items():
                assert v == sum(reports.own[c].table3[row][col] for c in AGENCIES)
        hist, _ = histories(district)
        assert gov.table3 == recount_from_events(hist, year)
        # one year's carried_out is the next year's carried_in
        if previous is not None:
            assert gov.table3["carried_in"] == previous["carried_out"]
        previous = gov.table3


def test_case_received_on_12_31_and_closed_on_01_02_counts_in_both_years(district):
    load(district, [("dept-a", "research", dt.date(2025, 12, 31), 2, "disclosed", None)])
    with db.session_scope(district) as s:
        y25 = statistics.build_reports(s, 2025).own["dept-a"].table3
        y26 = statistics.build_reports(s, 2026).own["dept-a"].table3
    nonzero = lambda t: {(r, c): v for r, cols in t.items() for c, v in cols.items() if v}
    assert nonzero(y25) == {("new", "research"): 1, ("new", "total"): 1,
                            ("carried_out", "research"): 1, ("carried_out", "total"): 1}
    assert nonzero(y26) == {("carried_in", "research"): 1, ("carried_in", "total"): 1,
                            ("disclosed", "research"): 1, ("disclosed", "total"): 1,
                            ("results_total", "research"): 1, ("results_total", "total"): 1}


def test_partial_disclosure_counts_only_under_partial(district):
    load(district, [("gov", "natural_person", dt.date(2025, 3, 2), 10, "partial", None)])
    with db.session_scope(district) as s:
        t = statistics.build_reports(s, 2025).own["gov"].table3
    assert t["partial"]["total"] == 1 and t["disclosed"]["total"] == 0
    assert t["results_total"]["total"] == 1


def test_locked_period_keeps_its_figures_when_old_cases_are_edited(district):
    load(district, [("dept-a", "natural_person", dt.date(2025, 12, 1), None, "", None),
                    ("dept-a", "commercial", dt.date(2025, 11, 3), 5, "disclosed", None)])
    with db.session_scope(district) as s:
        assert set(statistics.lock_period(s, 2025, "gov", "h1")) == set(AGENCIES)
    with db.session_scope(district) as s:
        before = statistics.build_reports(s, 2025).own["dept-a"].to_json()
    assert before["locked"] and before["table3"]["carried_out"]["natural_person"] == 1
    open_case = _case_no(district, dt.date(2025, 12, 1))
    # the carried-over case is closed with a date inside the locked year, and a forgotten 2025
    # application is registered late (already closed in 2025)
    cases.step(open_case, "reply", on=dt.date(2025, 12, 20), actor="h1",
               data={"outcome": "unavailable.not_held"}, today=TODAY, url=district)
    load(district, [("dept-a", "public_interest", dt.date(2025, 6, 1), 3, "already_public", None)])
    cases.step(_case_no(district, dt.date(2025, 11, 3)), "record_remedy", on=dt.date(2025, 12, 1), actor="c1",
               data={"kind": "review", "result": "pending"}, today=TODAY, url=district)
    with db.session_scope(district) as s:
        after25 = statistics.build_reports(s, 2025)
        after26 = statistics.build_reports(s, 2026)
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
    with db.session_scope(district) as s:
        with pytest.raises(InputError) as err:
            statistics.lock_period(s, 2026, "gov", "h1")
        assert err.value.field == "year"
        statistics.lock_period(s, 2025, "gov", "h1")
    with db.session_scope(district) as s:
        with pytest.raises(InputError) as err:
            statistics.lock_period(s, 2024, "gov", "h1")
        assert "年度顺序" in err.value.rule


def test_generated_report_passes_checks_and_a_tampered_one_names_cell_rule_and_numbers(district):
    load(district, [("gov", "natural_person", dt.date(2025, 3, 2), 3, "disclosed", None),
                    ("gov", "commercial", dt.date(2025, 12, 30), None, "", None)])
    with db.session_scope(district) as s:
        report = statistics.build_reports(s, 2025).own["gov"].to_json()
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
