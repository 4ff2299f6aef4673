"""The information-processing fee: per-request and per-volume tiers of 国办函〔2020〕109号."""

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from foi_workflow.domain.errors import InputError
from foi_workflow.domain.fees import (
    BASIS,
    PER_REQUEST_TIERS,
    PER_VOLUME_TIERS,
    Fee,
    nth_request_in_month,
    per_request_fee,
    per_volume_fee,
)

D = dt.date
PROPS = settings(max_examples=200, deadline=None)
MEDIA = ("paper", "email", "electronic_copy")


# ----- per request (按件计收) ------------------------------------------------------------------

@pytest.mark.parametrize(("nth", "yuan"), [
    (1, 0), (10, 0),            # 1st–10th free
    (11, 100), (30, 100),       # 11th–30th: 100 each
    (31, 200), (40, 200),       # 31st–40th: 200 each
    (41, 300), (50, 300),       # 41st–50th: 300 each
    (51, 400), (60, 400), (61, 500),
])
def test_per_request_first_ten_free_then_100_to_30th_then_100_more_every_10(nth, yuan):
    fee = per_request_fee(nth)
    assert fee.method == "per_request"
    assert fee.amount_yuan == yuan
    assert fee.free == (yuan == 0)


def test_per_request_breakdown_states_the_band_and_the_rate():
    fee = per_request_fee(31)
    assert fee.breakdown == ("按件计收：本月第31件申请，适用第31–40件档，每件200元", "合计：200元")
    assert "免费" in per_request_fee(10).breakdown[0]
    assert "第11–30件" in per_request_fee(11).breakdown[0]


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "3", None])
def test_per_request_rejects_an_ordinal_below_one_or_not_an_integer(bad):
    with pytest.raises(InputError) as exc:
        per_request_fee(bad)
    assert exc.value.field == "nth_in_month"


@PROPS
@given(st.integers(min_value=1, max_value=10_000))
def test_per_request_fee_never_falls_as_the_monthly_count_rises(n):
    assert per_request_fee(n).amount_yuan <= per_request_fee(n + 1).amount_yuan


@PROPS
@given(st.integers(min_value=31, max_value=10_000))
def test_per_request_from_the_31st_each_band_of_ten_adds_100(n):
    assert per_request_fee(n).amount_yuan == 200 + (n - 31) // 10 * 100


# ----- per volume (按量计收) -------------------------------------------------------------------

@pytest.mark.parametrize(("pages", "yuan"), [
    (1, 0), (30, 0),            # pages 1–30 free
    (31, 10), (100, 700),       # 31–100: 10/page
    (101, 720), (200, 2700),    # 101–200: 20/page
    (201, 2740), (250, 4700),   # 201+: 40/page
])
def test_per_volume_is_marginal_30_free_then_10_20_40_per_page(pages, yuan):
    fee = per_volume_fee(pages, "paper")
    assert fee.method == "per_volume"
    assert fee.amount_yuan == yuan
    assert fee.free == (yuan == 0)


def test_per_volume_breakdown_has_one_line_per_band_used_and_a_total():
    fee = per_volume_fee(201, "email")
    assert fee.breakdown == (
        "按量计收（电子邮件）：共201页",
        "第1–30页：30页，免费",
        "第31–100页：70页 × 10元 = 700元",
        "第101–200页：100页 × 20元 = 2000元",
        "第201–201页：1页 × 40元 = 40元",
        "合计：2740元",
    )
    assert per_volume_fee(50, "paper").breakdown[2] == "第31–50页：20页 × 10元 = 200元"


@pytest.mark.parametrize("medium", MEDIA)
def test_per_volume_applies_to_paper_email_and_electronic_copies(medium):
    assert per_volume_fee(31, medium).amount_yuan == 10


@pytest.mark.parametrize("medium", ["on_site", "", "Paper", "cd"])
def test_per_volume_only_for_paper_email_or_electronic_copies(medium):
    with pytest.raises(InputError) as exc:
        per_volume_fee(50, medium)
    assert exc.value.field == "medium"
    assert "纸质复印件" in exc.value.rule and "电子邮件" in exc.value.rule
    assert "电子数据复制件" in exc.value.rule


@pytest.mark.parametrize("bad", [0, -5, False, 2.0, "40", None])
def test_per_volume_rejects_pages_below_one_or_not_an_integer(bad):
    with pytest.raises(InputError) as exc:
        per_volume_fee(bad, "paper")
    assert exc.value.field == "pages"


@PROPS
@given(st.integers(min_value=1, max_value=5_000), st.sampled_from(MEDIA))
def test_per_volume_fee_never_falls_and_the_price_per_page_never_drops(pages, medium):
    a = per_volume_fee(pages, medium).amount_yuan
    b = per_volume_fee(pages + 1, medium).amount_yuan
    c = per_volume_fee(pages + 2, medium).amount_yuan
    assert a <= b <= c
    assert b - a <= c - b  # the marginal price of the next page is never lower


@PROPS
@given(st.integers(min_value=1, max_value=5_000))
def test_per_volume_fee_does_not_depend_on_the_medium(pages):
    assert len({per_volume_fee(pages, m).amount_yuan for m in MEDIA}) == 1


@PROPS
@given(st.integers(min_value=1, max_value=5_000))
def test_per_volume_breakdown_lines_add_up_to_the_amount(pages):
    fee = per_volume_fee(pages, "paper")
    assert fee.breakdown[-1] == f"合计：{fee.amount_yuan}元"
    charged = [int(line.rsplit("= ", 1)[1].rstrip("元")) for line in fee.breakdown if "= " in line]
    assert sum(charged) == fee.amount_yuan


# ----- the tiers as data, and the Fee ----------------------------------------------------------

@pytest.mark.parametrize("tiers", [PER_REQUEST_TIERS, PER_VOLUME_TIERS])
def test_tiers_start_at_one_are_contiguous_and_only_the_last_is_open(tiers):
    assert tiers[0].first == 1
    for a, b in zip(tiers, tiers[1:]):
        assert a.last is not None and b.first == a.last + 1
    assert tiers[-1].last is None


def test_fee_names_the_2020_measures_as_its_basis_and_is_frozen():
    fee = per_request_fee(11)
    assert fee.basis == BASIS == "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"
    with pytest.raises(AttributeError):
        fee.amount_yuan = 0  # type: ignore[misc]
    assert Fee("per_volume", 0, ()).free


# ----- counting an applicant's requests in a calendar month ------------------------------------

def test_nth_request_counts_only_the_same_calendar_month():
    dates = [D(2026, 1, 5), D(2026, 1, 20), D(2026, 2, 1), D(2026, 2, 3)]
    assert [nth_request_in_month(dates, i) for i in range(4)] == [1, 2, 1, 2]


def test_nth_request_resets_on_the_first_of_the_month_and_in_a_new_year():
    dates = [D(2025, 12, 31)] * 12 + [D(2026, 1, 1)]
    assert nth_request_in_month(dates, 11) == 12
    assert nth_request_in_month(dates, 12) == 1
    same_month_last_year = [D(2025, 1, 10)] * 15 + [D(2026, 1, 10)]
    assert nth_request_in_month(same_month_last_year, 15) == 1


def test_nth_request_orders_by_date_and_same_day_requests_by_list_order():
    dates = [D(2026, 3, 20), D(2026, 3, 2), D(2026, 3, 20), D(2026, 3, 10)]
    assert [nth_request_in_month(dates, i) for i in range(4)] == [3, 1, 4, 2]


def test_nth_request_is_per_applicant_other_applicants_requests_are_not_passed():
    by_applicant = {
        "甲": [D(2026, 4, d) for d in range(1, 12)],  # 11 requests in April
        "乙": [D(2026, 4, 15)],
    }
    assert nth_request_in_month(by_applicant["甲"], 10) == 11
    assert per_request_fee(nth_request_in_month(by_applicant["甲"], 10)).amount_yuan == 100
    assert nth_request_in_month(by_applicant["乙"], 0) == 1
    assert per_request_fee(nth_request_in_month(by_applicant["乙"], 0)).free


@pytest.mark.parametrize("bad", [-1, 3, True, None])
def test_nth_request_rejects_an_index_outside_the_list(bad):
    with pytest.raises(InputError) as exc:
        nth_request_in_month([D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3)], bad)
    assert exc.value.field == "index"


@PROPS
@given(st.lists(st.dates(D(2024, 1, 1), D(2026, 12, 31)), min_size=1, max_size=40))
def test_nth_request_ordinals_in_each_month_are_1_to_count(dates):
    months: dict[tuple[int, int], list[int]] = {}
    for i, d in enumerate(dates):
        months.setdefault((d.year, d.month), []).append(nth_request_in_month(dates, i))
    for ordinals in months.values():
        assert sorted(ordinals) == list(range(1, len(ordinals) + 1))


# ----- fee rules by date (ogi-rules.md "Fees"): a 2008 case, a 2020 case, a 2021 case ----------

from foi_workflow.domain.case import Case, Command, Role, apply, decide  # noqa: E402
from foi_workflow.domain.errors import FoiError  # noqa: E402
from foi_workflow.domain.rulepacks import pack_for  # noqa: E402

TODAY = D(2026, 11, 29)
CLERK = Role.CLERK


def _case(calendar, received, *moves):
    case = Case()
    register = {"channel": "in_person", "items": [{"description": "某地块征收补偿方案"}],
                "form": "paper", "delivery": "post"}
    for kind, on, data in (("register", received, register), ("accept", received, {}), *moves):
        case = apply(case, decide(case, Command(kind, on, "c1", CLERK, data), calendar, today=TODAY))
    return case


def _refused(calendar, case, kind, on, data):
    with pytest.raises(FoiError) as info:
        decide(case, Command(kind, on, "c1", CLERK, data), calendar, today=TODAY)
    return info.value


def test_fee_regime_is_a_pack_feature_by_the_date_charged():
    assert pack_for(D(2015, 3, 2)).fee_regime(D(2015, 3, 5)).regime == "cost"
    p2019 = pack_for(D(2020, 6, 1))
    assert p2019.fee_regime(D(2020, 12, 31)).regime == "none"
    assert p2019.fee_regime(D(2021, 1, 1)).regime == "processing"


def test_2008_case_cost_fees_with_their_kinds_no_abandonment_no_clock_exclusion(calendar):
    received = D(2015, 3, 2)
    before = _case(calendar, received).schedule(calendar).reply_due
    case = _case(calendar, received, ("fee_notice", D(2015, 3, 4), {"costs": {"copying": 12, "mailing": 10}}))
    assert (case.fee_method, case.fee_amount, case.fee_regime) == ("cost", 22, "cost")
    sched = case.schedule(calendar)
    assert sched.reply_due == before               # 2008 Art 27: the clock is not stopped
    assert sched.get("fee_payment_due") is None    # nor is there a window that ends in abandonment
    err = _refused(calendar, case, "fee_lapsed", D(2015, 6, 1), {})
    assert "第二十七条" in err.rule
    paid = apply(case, decide(case, Command("fee_paid", D(2015, 6, 1), "c1", CLERK, {}), calendar, today=TODAY))
    assert paid.fee_paid == D(2015, 6, 1)


def test_2008_case_refuses_the_109号_processing_fee(calendar):
    case = _case(calendar, D(2015, 3, 2))
    err = _refused(calendar, case, "fee_notice", D(2015, 3, 4), {"method": "per_request", "nth_in_month": 11})
    assert err.field == "costs" and "2008" in err.rule
    err = _refused(calendar, case, "fee_notice", D(2015, 3, 4), {"costs": {"processing": 100}})
    assert err.field == "costs"


def test_2020_case_no_fee_at_all_before_2021(calendar):
    case = _case(calendar, D(2020, 6, 1))
    err = _refused(calendar, case, "fee_notice", D(2020, 6, 3), {"method": "per_request", "nth_in_month": 40})
    assert err.field == "on" and "2021年1月1日" in err.rule


def test_2021_case_per_request_fee_computed_from_the_month_count(calendar):
    case = _case(calendar, D(2021, 3, 1))
    # a first request of the month is free: no fee notice at all
    err = _refused(calendar, case, "fee_notice", D(2021, 3, 2), {"method": "per_request", "nth_in_month": 1})
    assert err.field == "amount"
    ev = decide(case, Command("fee_notice", D(2021, 3, 2), "c1", CLERK,
                              {"method": "per_request", "nth_in_month": 35}), calendar, today=TODAY)
    assert ev.data["amount"] == 200 and ev.data["regime"] == "processing"
    comp = ev.data["computation"]
    assert comp["bands"] == [{"band": "第31–40件", "units": 1, "rate": 200, "amount": 200}]
    assert comp["basis"] == BASIS


def test_2021_case_per_volume_fee_computed_from_the_pages(calendar):
    case = _case(calendar, D(2021, 3, 1))
    ev = decide(case, Command("fee_notice", D(2021, 3, 2), "c1", CLERK,
                              {"method": "per_volume", "pages": 120, "medium": "paper"}), calendar, today=TODAY)
    assert ev.data["amount"] == 70 * 10 + 20 * 20
    assert [b["rate"] for b in ev.data["computation"]["bands"]] == [0, 10, 20]


def test_fee_typed_by_hand_refused_with_the_rule(calendar):
    case = _case(calendar, D(2021, 3, 1))
    err = _refused(calendar, case, "fee_notice", D(2021, 3, 2), {"method": "per_request", "amount": 100})
    assert err.field == "amount" and "不得手工填写" in err.rule
