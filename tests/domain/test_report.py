"""The annual report's pure rules: counting, roll-up, the checks of annual-report-2021.md, and the
older format's exact shares."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from foi_workflow.domain.outcomes import OUTCOMES, REPORT_ROWS
from foi_workflow.domain.statistics.checks import check_many, check_report, check_rollup
from foi_workflow.domain.statistics.layout import APPLICANT_COLUMNS, COLUMNS, ROW_LABELS, ROWS
from foi_workflow.domain.statistics.legacy import (LegacyReport, acceptable_shares, check_legacy,
                                                   render_text, round_half_up, share)
from foi_workflow.domain.statistics.report import (AnnualReport, CaseFacts, RemedyRecord, count_table3,
                                                   count_table4, from_json, roll_up)

facts = st.builds(
    lambda kind, received, days, row: CaseFacts(kind, received,
                                                received + dt.timedelta(days=days) if days is not None else None,
                                                row if days is not None else None),
    st.sampled_from(APPLICANT_COLUMNS), st.dates(dt.date(2019, 6, 1), dt.date(2026, 12, 31)),
    st.one_of(st.none(), st.integers(0, 400)), st.sampled_from(REPORT_ROWS))


def report(year: int, cases, code: str = "a") -> AnnualReport:
    return AnnualReport(year, code, code, table3=count_table3(cases, year),
                        table4=count_table4([], year))


def test_every_outcome_has_exactly_one_table3_row_and_every_row_a_label():
    assert {o.report_row for o in OUTCOMES.values()} == set(REPORT_ROWS)
    assert len(ROWS) == 25 and all(ROW_LABELS[r] for r in ROWS)


@given(st.lists(facts, max_size=60), st.integers(2020, 2026))
def test_counted_table_passes_every_check_and_carries_into_the_next_year(cases, year):
    this, nxt = report(year, cases).to_json(), report(year + 1, cases).to_json()
    assert check_report(this) == []
    assert check_report(nxt, previous=this) == []
    assert nxt["table3"]["carried_in"] == this["table3"]["carried_out"]


@given(st.lists(st.lists(facts, max_size=20), min_size=1, max_size=4), st.integers(2020, 2026))
def test_roll_up_is_the_cell_by_cell_sum_and_passes_the_checks(groups, year):
    parts = [report(year, cases, f"a{i}") for i, cases in enumerate(groups)]
    total = roll_up(parts, year=year, agency="区政府", agency_code="gov")
    assert total.table3 == count_table3([c for g in groups for c in g], year)
    assert check_report(total.to_json()) == []
    assert check_rollup(total.to_json(), [p.to_json() for p in parts]) == []


def test_case_received_12_31_closed_01_02_is_new_and_carried_out_then_carried_in_and_closed():
    case = CaseFacts("commercial", dt.date(2025, 12, 31), dt.date(2026, 1, 2), "partial")
    t25, t26 = count_table3([case], 2025), count_table3([case], 2026)
    assert t25["new"]["commercial"] == t25["carried_out"]["commercial"] == 1
    assert t25["partial"]["commercial"] == 0
    assert t26["carried_in"]["commercial"] == t26["partial"]["commercial"] == 1
    assert t26["new"]["commercial"] == t26["carried_out"]["commercial"] == 0


def test_table4_counts_each_remedy_once_under_its_latest_result_in_the_year():
    records = [RemedyRecord(1, "review", "pending", dt.date(2025, 11, 1), 5),
               RemedyRecord(1, "review", "corrected", dt.date(2026, 2, 1), 6),
               RemedyRecord(2, "litigation_direct", "upheld", dt.date(2025, 3, 1), 4)]
    t25, t26 = count_table4(records, 2025), count_table4(records, 2026)
    assert t25["review"] == {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1}
    assert t25["litigation_direct"]["upheld"] == 1
    assert t26["review"]["corrected"] == 1 and t26["review"]["total"] == 1
    assert t26["litigation_direct"]["total"] == 0
    assert check_report(AnnualReport(2026, "x", table3=count_table3([], 2026), table4=t26).to_json()) == []


def test_report_survives_its_json_form():
    r = report(2025, [CaseFacts("research", dt.date(2025, 1, 5))])
    assert from_json(r.to_json()).to_json() == r.to_json()


def test_a_report_with_a_missing_table_and_unknown_codes_is_named_cell_by_cell():
    bad = report(2025, []).to_json()
    del bad["table4"]
    bad["table3"]["new"]["robots"] = 1
    bad["table3"]["mystery"] = {c: 0 for c in COLUMNS}
    cells = {f.cell: f.rule for f in check_report(bad)}
    assert set(cells) == {"table4", "table3.new.robots", "table3.mystery"}


def test_check_many_compares_consecutive_years_of_the_same_agency_only():
    a24 = report(2024, [CaseFacts("research", dt.date(2024, 5, 5))], "a").to_json()
    b25 = report(2025, [], "b").to_json()
    assert check_many([a24, b25]) == []
    a25 = report(2025, [], "a").to_json()
    assert [f.cell for f in check_many([a24, a25])] == ["table3.carried_in.research", "table3.carried_in.total"]


# ----- the older format ------------------------------------------------------------------------

@given(st.integers(0, 10_000), st.integers(1, 10_000), st.integers(0, 3))
def test_round_half_up_on_the_exact_fraction_agrees_with_decimal_rounding(count, total, digits):
    exact = Decimal(100 * count) / Decimal(total)  # 28 significant digits: ties are exact here
    expected = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    if abs(Fraction(exact) - share(count, total)) < Fraction(1, 10 ** 20):
        assert round_half_up(share(count, total), digits) == expected


def test_seed_shares_staged_rounding_is_accepted_and_its_transposed_digits_are_not():
    assert Decimal("72.5") in acceptable_shares(1775, 2450, 1)   # 72.449…% → 72.45 → 72.5
    assert Decimal("72.4") in acceptable_shares(1775, 2450, 1)
    assert Decimal("6") in acceptable_shares(144, 2450, 0)
    assert Decimal("3.2") not in acceptable_shares(57, 2450, 1)
    assert round_half_up(share(57, 2450), 1) == Decimal("2.3")


@given(st.dictionaries(st.sampled_from(["institutions", "policies", "work_updates", "decisions", "other"]),
                       st.integers(0, 5000), min_size=1))
def test_generated_legacy_report_passes_its_own_checks(items):
    r = LegacyReport(2011, "某区人民政府", items=items, consultations={"on_site": 3, "phone": 4},
                     fees_fen={"search": 150})
    assert check_legacy(r.to_json()) == []
    text = render_text(r)
    assert "咨询7人次" in text and "检索费1.50元" in text
