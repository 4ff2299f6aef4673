"""Every outcome counts in exactly one row of table 3, and every row can be reached."""

from foi_workflow.domain.outcomes import OUTCOMES, REPORT_ROWS


def test_every_outcome_maps_to_one_official_table3_row():
    for outcome in OUTCOMES.values():
        assert outcome.report_row in REPORT_ROWS, outcome.code


def test_every_table3_outcome_row_is_reachable_from_some_outcome():
    assert {o.report_row for o in OUTCOMES.values()} == set(REPORT_ROWS)


def test_table3_has_the_21_outcome_rows_of_the_2021_format_in_order():
    assert len(REPORT_ROWS) == 21
    assert REPORT_ROWS[0] == "disclosed" and REPORT_ROWS[-1] == "other.other"


def test_refusals_to_disclose_offer_review_first_and_state_remedies():
    for code, outcome in OUTCOMES.items():
        if code.startswith("withheld.") or code == "partial":
            assert outcome.refusal and outcome.adverse, code
    assert not OUTCOMES["disclosed"].adverse


def test_not_this_agency_counts_as_not_held():
    assert OUTCOMES["unavailable.not_this_agency"].report_row == "unavailable.not_held"
    assert OUTCOMES["unavailable.not_this_agency"].article == "第三十六条第（五）项"
