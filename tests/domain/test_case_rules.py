"""Case rules end to end: every path of ogi-rules.md closes with its one outcome and report row,
and every illegal move is refused with the field and the (Chinese) rule it breaks."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from foi_workflow.domain.case import (
    CHANNELS, GROUNDS, MOVE_LABELS, REMEDY_KINDS, REMEDY_RESULTS, Case, Command, Role,
    State, apply, decide, replay,
)
from foi_workflow.domain.errors import FoiError, InputError
from foi_workflow.domain.outcomes import OUTCOMES, REPORT_ROWS

from ..factories import complete_reply

D = dt.date
TODAY = D(2026, 11, 29)
R = D(2026, 3, 2)        # a Monday; 2019 rules; reply due 2026-03-30 (no holidays in March)
R2008 = D(2015, 3, 2)    # 2008 rules; reply due 2015-03-23
CJK = re.compile(r"[\u4e00-\u9fff]")

CLERK, REVIEWER, HEAD, SUPERVISOR = Role.CLERK, Role.REVIEWER, Role.HEAD, Role.SUPERVISOR


def mv(kind, on, actor="c1", role=CLERK, /, **data):
    """A move; a one-item reply given by its outcome gets its required elements (reply_data)."""
    return (kind, on, actor, role, complete_reply(kind, data))


# what every application asks (Art 29): one item, the form and the delivery method
APPLICATION = {"items": [{"description": "某地块征收补偿方案"}], "form": "electronic", "delivery": "online"}


def register(on=R, channel="online", actor="c1", role=CLERK, **content):
    return mv("register", on, actor, role, channel=channel, **{**APPLICATION, **content})


def accept(on=R):
    return mv("accept", on)


def sign_off(on, decision, ground=None, actor="r1"):
    data = {"decision": decision}
    if ground is not None:
        data["ground"] = ground
    return mv("sign_off", on, actor, REVIEWER, **data)


def reply(on, outcome, **extra):
    return mv("reply", on, "h1", HEAD, outcome=outcome, **extra)


@pytest.fixture
def run(calendar):
    """run(moves, case=None) -> (case, events): each move decided, then applied."""

    def _run(moves, case=None, events=None):
        case = case if case is not None else Case()
        events = list(events or [])
        for kind, on, actor, role, data in moves:
            ev = decide(case, Command(kind, on, actor, role, data), calendar, today=TODAY)
            case = apply(case, ev)
            events.append(ev)
        assert replay(events) == case
        return case, events

    return _run


@pytest.fixture
def refused(run, calendar):
    """refused(moves, bad_move) -> the RuleViolation for bad_move after moves succeed."""

    def _refused(moves, bad, field):
        case, _ = run(moves)
        kind, on, actor, role, data = bad
        with pytest.raises(FoiError) as info:
            decide(case, Command(kind, on, actor, role, data), calendar, today=TODAY)
        err = info.value
        assert err.field == field, err.as_dict()
        assert CJK.search(err.rule), err.as_dict()
        return err

    return _refused


def assert_closed(case, outcome, row):
    assert case.state == State.CLOSED
    assert case.outcome == outcome
    assert case.report_row == row == OUTCOMES[outcome].report_row
    assert row in REPORT_ROWS


# ----- intake --------------------------------------------------------------------------------

@pytest.mark.parametrize("channel", list(CHANNELS))
def test_register_records_receipt_date_channel_and_handler(run, calendar, channel):
    case, events = run([register(channel=channel)])
    assert case.state == State.RECEIVED
    assert (case.received, case.channel, case.handler) == (R, channel, "c1")
    assert events[0].data["rules"] == "ogi-2019"
    assert "第三十一条" in events[0].basis
    assert case.schedule(calendar).reply_due == D(2026, 3, 30)


def test_register_picks_2008_rules_by_receipt_date(run, calendar):
    case, events = run([register(on=R2008)])
    assert events[0].data["rules"] == "ogi-2008"
    assert case.schedule(calendar).reply_due == D(2015, 3, 23)  # 15 working days


def test_register_unknown_channel_refused(refused):
    err = refused([], register(channel="pigeon"), "channel")
    assert "pigeon" in err.message


def test_register_without_channel_refused(refused):
    refused([], mv("register", R, **APPLICATION), "channel")


def test_register_receipt_before_2008_05_01_refused(calendar):
    with pytest.raises(InputError) as info:
        decide(Case(), Command("register", D(2008, 4, 30), "c1", CLERK, {"channel": "post", **APPLICATION}),
               calendar, today=TODAY)
    assert info.value.field == "received"
    assert "2008年5月1日" in info.value.rule


def test_register_first_day_of_2008_rules_allowed(run):
    case, _ = run([register(on=D(2008, 5, 1))])
    assert case.received == D(2008, 5, 1)


def test_register_date_after_today_refused(refused):
    err = refused([], register(on=TODAY + dt.timedelta(days=1)), "received")
    assert "今天" in err.rule


def test_register_on_today_allowed(run):
    case, _ = run([register(on=TODAY)])
    assert case.received == TODAY


def test_register_twice_refused(refused):
    err = refused([register()], register(on=R + dt.timedelta(days=1)), "kind")
    assert "只能登记一次" in err.rule


def test_register_needs_clerk_or_head(refused):
    refused([], register(actor="r1", role=REVIEWER), "actor")


@pytest.mark.parametrize("kind", sorted(k for k in MOVE_LABELS if k != "register"))
def test_any_move_before_register_refused(refused, kind):
    err = refused([], mv(kind, R, "h1", HEAD), "case")
    assert "先登记" in err.rule


def test_move_dated_before_receipt_refused(refused):
    err = refused([register()], accept(on=R - dt.timedelta(days=1)), "on")
    assert "收到申请日" in err.rule


def test_move_dated_after_today_refused(refused):
    refused([register()], accept(on=TODAY + dt.timedelta(days=1)), "on")


def test_acknowledge_only_once(run, refused):
    case, _ = run([register(), mv("acknowledge", R)])
    assert case.acknowledged
    refused([register(), mv("acknowledge", R)], mv("acknowledge", R), "kind")


def test_unknown_move_kind_refused(refused):
    err = refused([register()], mv("teleport", R), "kind")
    assert "可办理事项" in err.rule and "teleport" in err.message


# ----- on-the-spot reply (Art 33(1)) ---------------------------------------------------------

@pytest.mark.parametrize("outcome,row", [
    ("already_public", "disclosed"),
    ("unavailable.not_held", "unavailable.not_held"),
    ("not_processed.publication", "not_processed.publication"),
    ("withheld.admin_query", "withheld.admin_query"),  # the code lets this one through without sign-off
])
def test_reply_on_spot_on_receipt_day_closes_case(run, calendar, outcome, row):
    case, events = run([register(), mv("reply_on_spot", R, outcome=outcome)])
    assert_closed(case, outcome, row)
    assert case.replied_on == case.reply_delivered == R
    assert "第三十三条第一款" in events[-1].basis
    keyed = case.schedule(calendar).keyed()
    # delivered on the spot: review window 60 days → 2026-05-01 is 劳动节, rolled to 2026-05-06
    assert keyed["review_window_end"].date == D(2026, 5, 6)
    assert keyed["litigation_window_end"].date == D(2026, 9, 2)


def test_reply_on_spot_not_this_agency_records_right_agency(run):
    case, _ = run([register(), mv("reply_on_spot", R, outcome="unavailable.not_this_agency",
                                  right_agency="市自然资源局")])
    assert_closed(case, "unavailable.not_this_agency", "unavailable.not_held")
    assert case.right_agency == "市自然资源局"


def test_reply_on_spot_only_on_receipt_day(refused):
    err = refused([register()], mv("reply_on_spot", R + dt.timedelta(days=1), outcome="already_public"), "on")
    assert "当场答复" in err.rule


@pytest.mark.parametrize("outcome", ["disclosed", "partial", "withheld.state_secret"])
def test_reply_on_spot_refused_for_outcomes_needing_sign_off(refused, outcome):
    err = refused([register()], mv("reply_on_spot", R, outcome=outcome), "outcome")
    assert "保密审查" in err.rule


def test_reply_on_spot_refused_after_acceptance(refused):
    refused([register(), accept()], mv("reply_on_spot", R, outcome="already_public"), "state")


def test_reply_on_spot_refused_after_a_correction_notice(refused):
    moves = [register(), mv("request_correction", R, items="写明文件名称"),
             mv("correction_received", R)]
    refused(moves, mv("reply_on_spot", R, outcome="already_public"), "on")


# ----- review and correction (Art 30) --------------------------------------------------------

def test_accept_moves_case_into_process(run):
    case, _ = run([register(), accept()])
    assert case.state == State.IN_PROCESS


def test_accept_only_from_received(refused):
    refused([register(), accept()], accept(), "state")


def test_correction_notice_suspends_reply_due_and_opens_window(run, calendar):
    case, events = run([register(), mv("request_correction", D(2026, 3, 4), items="写明文件名称")])
    assert case.state == State.AWAITING_CORRECTION
    assert events[-1].data["late"] is False
    sched = case.schedule(calendar)
    assert sched.reply_due is None
    assert sched.get("correction_window_end").date == D(2026, 3, 25)  # 15 working days


def test_correction_notice_after_7_working_days_is_marked_late(run):
    _, events = run([register(), mv("request_correction", D(2026, 3, 12), items="写明文件名称")])
    assert events[-1].data["late"] is True  # due 2026-03-11


def test_correction_notice_needs_items(refused):
    refused([register()], mv("request_correction", D(2026, 3, 4)), "items")


def test_correction_window_counts_from_delivery(run, calendar):
    case, _ = run([register(), mv("request_correction", D(2026, 3, 4), items="x"),
                   mv("correction_delivered", D(2026, 3, 6))])
    assert case.schedule(calendar).get("correction_window_end").date == D(2026, 3, 27)


def test_correction_delivered_not_before_notice(refused):
    refused([register(), mv("request_correction", D(2026, 3, 4), items="x")],
            mv("correction_delivered", D(2026, 3, 3)), "on")


def test_correction_received_restarts_reply_due_from_correction_date(run, calendar):
    case, _ = run([register(), mv("request_correction", D(2026, 3, 4), items="x"),
                   mv("correction_received", D(2026, 3, 10))])
    assert case.state == State.RECEIVED
    # 20 working days after 2026-03-10, skipping 清明 2026-04-06
    assert case.schedule(calendar).reply_due == D(2026, 4, 8)


def test_correction_notice_only_once_一次性告知(refused):
    moves = [register(), mv("request_correction", D(2026, 3, 4), items="x"),
             mv("correction_received", D(2026, 3, 10))]
    err = refused(moves, mv("request_correction", D(2026, 3, 11), items="y"), "kind")
    assert "一次性告知" in err.rule


def test_correction_notice_refused_while_awaiting_correction(refused):
    refused([register(), mv("request_correction", D(2026, 3, 4), items="x")],
            mv("request_correction", D(2026, 3, 5), items="y"), "state")


def test_correction_lapsed_refused_until_window_end(refused):
    err = refused([register(), mv("request_correction", D(2026, 3, 4), items="x", delivered=D(2026, 3, 4))],
                  mv("correction_lapsed", D(2026, 3, 25)), "on")
    assert "补正期限" in err.rule and "2026-03-25" in err.message


def test_correction_lapsed_after_window_closes_as_no_correction(run):
    case, _ = run([register(), mv("request_correction", D(2026, 3, 4), items="x", delivered=D(2026, 3, 4)),
                   mv("correction_lapsed", D(2026, 3, 26))])
    assert_closed(case, "other.no_correction", "other.no_correction")


def test_correction_lapsed_needs_a_pending_correction(refused):
    refused([register()], mv("correction_lapsed", D(2026, 5, 1)), "state")


def test_still_unclear_refused_without_correction(refused):
    err = refused([register(), accept()], reply(D(2026, 3, 5), "unavailable.still_unclear"), "outcome")
    assert "第三十条" in err.rule


def test_still_unclear_after_correction_received(run):
    case, _ = run([register(), mv("request_correction", D(2026, 3, 4), items="x"),
                   mv("correction_received", D(2026, 3, 10)),
                   reply(D(2026, 3, 12), "unavailable.still_unclear")])
    assert_closed(case, "unavailable.still_unclear", "unavailable.still_unclear")


# ----- replies that need no sign-off ---------------------------------------------------------

@pytest.mark.parametrize("outcome,row", [
    ("not_processed.petition", "not_processed.petition"),
    ("not_processed.publication", "not_processed.publication"),
    ("not_processed.duplicate", "not_processed.duplicate"),
    ("not_processed.confirm_or_reissue", "not_processed.confirm_or_reissue"),
    ("unavailable.not_held", "unavailable.not_held"),
    ("unavailable.needs_creation", "unavailable.needs_creation"),
    ("already_public", "disclosed"),
    ("withheld.admin_query", "withheld.admin_query"),  # Art 36(7): this code asks no sign-off
    ("other.other", "other.other"),
])
def test_reply_closes_with_one_outcome_and_its_report_row(run, outcome, row):
    case, events = run([register(), accept(), reply(D(2026, 3, 10), outcome)])
    assert_closed(case, outcome, row)
    assert case.replied_on == D(2026, 3, 10)
    assert events[-1].basis == OUTCOMES[outcome].article


def test_reply_not_this_agency_records_right_agency(run):
    case, _ = run([register(), accept(), reply(D(2026, 3, 10), "unavailable.not_this_agency",
                                               right_agency="区市场监管局")])
    assert_closed(case, "unavailable.not_this_agency", "unavailable.not_held")
    assert case.right_agency == "区市场监管局"


def test_out_of_scope_reply_allowed_straight_from_review(run):
    case, _ = run([register(), reply(D(2026, 3, 3), "not_processed.petition")])
    assert_closed(case, "not_processed.petition", "not_processed.petition")


def test_reply_needs_the_head(refused):
    refused([register(), accept()],
            mv("reply", D(2026, 3, 10), "c1", CLERK, outcome="unavailable.not_held"), "actor")


def test_reply_unknown_outcome_refused(refused):
    refused([register(), accept()], reply(D(2026, 3, 10), "maybe"), "outcome")


@pytest.mark.parametrize("outcome,move", [("other.withdrawn", "撤回申请"),
                                          ("other.no_correction", "逾期未补正"),
                                          ("other.fee_unpaid", "逾期未缴费")])
def test_reply_cannot_choose_an_outcome_that_has_its_own_move(refused, outcome, move):
    err = refused([register(), accept()], reply(D(2026, 3, 10), outcome), "outcome")
    assert move in err.rule


def reasons_given(answer="reasonable", on=D(2026, 3, 4)):
    """Art 35: the request for reasons, then the applicant's answer as judged by the office."""
    data = {"answer": answer} | ({"reasons": "课题研究需要"} if answer != "none" else {})
    return [mv("request_reasons", D(2026, 3, 3), facts="本月已提出申请40件"),
            mv("reasons_answered", on, **data)]


def test_set_longer_deadline_for_excessive_requests_moves_reply_due(run, calendar):
    case, events = run([register(), accept(), *reasons_given(),
                        mv("set_longer_deadline", D(2026, 3, 5), "h1", HEAD,
                           due="2026-04-30", reasons="申请数量明显超过合理范围")])
    assert case.art35_due == D(2026, 4, 30)
    assert case.schedule(calendar).reply_due == D(2026, 4, 30)
    assert "第三十五条" in events[-1].basis


def test_set_longer_deadline_must_be_later_than_reply_due(refused):
    err = refused([register(), accept(), *reasons_given()],
                  mv("set_longer_deadline", D(2026, 3, 5), "h1", HEAD, due="2026-03-30", reasons="多"),
                  "due")
    assert "第三十五条" in err.rule


def test_set_longer_deadline_needs_reasons(refused):
    refused([register(), accept(), *reasons_given()],
            mv("set_longer_deadline", D(2026, 3, 5), "h1", HEAD, due="2026-04-30"), "reasons")


def test_set_longer_deadline_needs_the_head(refused):
    refused([register(), accept()],
            mv("set_longer_deadline", D(2026, 3, 5), due="2026-04-30", reasons="多"), "actor")


def test_set_longer_deadline_not_under_2008_rules(refused):
    refused([register(on=R2008), accept(on=R2008)],
            mv("set_longer_deadline", D(2015, 3, 5), "h1", HEAD, due="2015-04-30", reasons="多"), "kind")


# ----- confidentiality: sign-off and consultations -------------------------------------------

def test_disclose_after_sign_off(run):
    case, _ = run([register(), accept(), sign_off(D(2026, 3, 5), "disclose"),
                   reply(D(2026, 3, 6), "disclosed")])
    assert_closed(case, "disclosed", "disclosed")
    assert case.signed_off_by == "r1"


@pytest.mark.parametrize("outcome", ["disclosed", "partial", "withheld.process_info"])
def test_reply_needing_sign_off_refused_without_it(refused, outcome):
    err = refused([register(), accept()], reply(D(2026, 3, 6), outcome), "outcome")
    assert "保密审查" in err.rule


def test_sign_off_needs_role_reviewer(refused):
    err = refused([register(), accept()],
                  mv("sign_off", D(2026, 3, 5), "h1", HEAD, decision="disclose"), "actor")
    assert "保密审查人" in err.rule


def test_reviewer_cannot_be_the_handler(refused):
    err = refused([register(actor="c1"), accept()], sign_off(R, "disclose", actor="c1"), "actor")
    assert "承办人" in err.rule


@pytest.mark.parametrize("ground", GROUNDS)
def test_withhold_on_each_ground_counts_in_its_row(run, ground):
    case, _ = run([register(), accept(), sign_off(D(2026, 3, 5), "withhold", ground),
                   reply(D(2026, 3, 6), f"withheld.{ground}")])
    assert_closed(case, f"withheld.{ground}", f"withheld.{ground}")
    assert case.sign_off_ground == ground


@pytest.mark.parametrize("decision", ["withhold", "partial"])
@pytest.mark.parametrize("ground", [None, "", "admin_query", "too_embarrassing"])
def test_withhold_or_partial_needs_one_of_the_seven_grounds(refused, decision, ground):
    err = refused([register(), accept()], sign_off(D(2026, 3, 5), decision, ground), "ground")
    assert "第十四条" in err.rule


def test_sign_off_unknown_decision_refused(refused):
    refused([register(), accept()], sign_off(D(2026, 3, 5), "shred"), "decision")


def test_partial_disclosure(run):
    case, _ = run([register(), accept(), sign_off(D(2026, 3, 5), "partial", "third_party_rights"),
                   reply(D(2026, 3, 6), "partial")])
    assert_closed(case, "partial", "partial")


@pytest.mark.parametrize("decision,ground,outcome", [
    ("withhold", "state_secret", "disclosed"),
    ("withhold", "state_secret", "withheld.process_info"),
    ("withhold", "state_secret", "partial"),
    ("disclose", None, "withheld.state_secret"),
    ("partial", "process_info", "disclosed"),
])
def test_reply_must_match_the_sign_off_decision(refused, decision, ground, outcome):
    err = refused([register(), accept(), sign_off(D(2026, 3, 5), decision, ground)],
                  reply(D(2026, 3, 6), outcome), "outcome")
    assert "一致" in err.rule


def third_party_objects(on_receipt=R, year=2026):
    def d(m, day):
        return D(year, m, day)
    return [register(on=on_receipt), accept(on=on_receipt),
            mv("consult", d(3, 3), kind="third_party", party="某公司"),
            mv("consultation_answered", d(3, 10), answer="objection", reasonable_grounds=True)]


def test_third_party_objection_blocks_disclosure(refused):
    err = refused(third_party_objects(), sign_off(D(2026, 3, 11), "disclose"), "decision")
    assert "第三十二条" in err.rule


def test_third_party_objection_then_withhold(run):
    case, _ = run([*third_party_objects(), sign_off(D(2026, 3, 11), "withhold", "third_party_rights"),
                   reply(D(2026, 3, 12), "withheld.third_party_rights")])
    assert_closed(case, "withheld.third_party_rights", "withheld.third_party_rights")


def test_public_interest_override_by_head_allows_disclosure(run):
    case, events = run([*third_party_objects(),
                        mv("public_interest_override", D(2026, 3, 11), "h1", HEAD, reasons="涉及公共安全"),
                        sign_off(D(2026, 3, 12), "disclose"), reply(D(2026, 3, 13), "disclosed")])
    assert case.public_interest_override
    assert "第三十二条" in events[-3].basis
    assert_closed(case, "disclosed", "disclosed")


def test_public_interest_override_needs_the_head(refused):
    refused(third_party_objects(),
            mv("public_interest_override", D(2026, 3, 11), reasons="公共利益"), "actor")


def test_public_interest_override_needs_reasons(refused):
    refused(third_party_objects(),
            mv("public_interest_override", D(2026, 3, 11), "h1", HEAD), "reasons")


def test_public_interest_override_refused_without_objection(refused):
    moves = [register(), accept(), mv("consult", D(2026, 3, 3), kind="third_party", party="某公司"),
             mv("consultation_answered", D(2026, 3, 10), answer="consent")]
    err = refused(moves, mv("public_interest_override", D(2026, 3, 11), "h1", HEAD, reasons="x"), "kind")
    assert "第三十二条" in err.rule


def test_public_interest_override_exists_under_2008_rules_article_23(run, refused):
    moves = [register(on=R2008), accept(on=R2008),
             mv("consult", D(2015, 3, 3), kind="third_party", party="某公司"),
             mv("consultation_answered", D(2015, 3, 10), answer="objection")]
    # 2008 Art 23: any refusal bars disclosure (no reasonableness test) ...
    refused(moves, sign_off(D(2015, 3, 11), "disclose"), "decision")
    # ... save where the head judges that withholding would gravely affect the public interest
    case, events = run([*moves, mv("public_interest_override", D(2015, 3, 11), "h1", HEAD, reasons="涉及公共安全"),
                        sign_off(D(2015, 3, 12), "disclose"), reply(D(2015, 3, 13), "disclosed")])
    assert "2008" in events[-3].basis and "第二十三条" in events[-3].basis
    assert_closed(case, "disclosed", "disclosed")


def test_other_agency_consultation_time_not_counted(run, calendar):
    case, events = run([register(), accept(),
                        mv("consult", D(2026, 3, 3), kind="other_agency", party="市财政局")])
    sched = case.schedule(calendar)
    assert sched.get("other_agency_answer_due").date == D(2026, 3, 24)
    assert sched.reply_due == D(2026, 4, 21)  # unanswered: counted as running to 3-24
    case, _ = run([mv("consultation_answered", D(2026, 3, 10), answer="consent")], case, events)
    assert case.schedule(calendar).reply_due == D(2026, 4, 7)  # 3-04..3-10 not counted


def test_consult_unknown_party_kind_refused(refused):
    refused([register(), accept()], mv("consult", D(2026, 3, 3), kind="media", party="x"), "kind")


def test_consult_needs_party(refused):
    refused([register(), accept()], mv("consult", D(2026, 3, 3), kind="third_party"), "party")


def test_consultation_answer_must_be_known(refused):
    refused([register(), accept(), mv("consult", D(2026, 3, 3), kind="third_party", party="x")],
            mv("consultation_answered", D(2026, 3, 4), answer="maybe"), "answer")


def test_consultation_answered_only_once(refused):
    moves = [register(), accept(), mv("consult", D(2026, 3, 3), kind="third_party", party="x"),
             mv("consultation_answered", D(2026, 3, 4), answer="consent")]
    refused(moves, mv("consultation_answered", D(2026, 3, 5), answer="objection"), "index")


def test_consultation_index_must_exist(refused):
    refused([register(), accept()], mv("consultation_answered", D(2026, 3, 4), answer="consent"), "index")


def test_sign_off_refused_while_consultation_unanswered(refused):
    err = refused([register(), accept(), mv("consult", D(2026, 3, 3), kind="other_agency", party="x")],
                  sign_off(D(2026, 3, 5), "disclose"), "kind")
    assert "征求意见" in err.rule


def test_consultation_after_sign_off_reopens_the_confidentiality_check(refused):
    moves = [register(), accept(), sign_off(D(2026, 3, 3), "disclose"),
             mv("consult", D(2026, 3, 4), kind="other_agency", party="x")]
    err = refused(moves, reply(D(2026, 3, 6), "disclosed"), "outcome")
    assert "保密审查" in err.rule


def test_third_party_objection_after_a_disclose_sign_off_blocks_disclosure(refused):
    moves = [register(), accept(), sign_off(D(2026, 3, 3), "disclose"),
             mv("consult", D(2026, 3, 4), kind="third_party", party="某公司"),
             mv("consultation_answered", D(2026, 3, 5), answer="objection", reasonable_grounds=True),
             sign_off(D(2026, 3, 6), "withhold", ground="third_party_rights")]
    err = refused(moves, reply(D(2026, 3, 9), "disclosed"), "outcome")
    assert "保密审查结论" in err.rule or "第三十二条" in err.rule


def test_delivered_date_must_be_a_date_between_sending_and_today(refused):
    err = refused([register()], mv("request_correction", D(2026, 3, 5), items="x",
                                   delivered="garbage"), "delivered")
    assert "YYYY-MM-DD" in err.rule
    refused([register()], mv("request_correction", D(2026, 3, 5), items="x",
                             delivered="2026-03-04"), "delivered")


def test_art35_longer_deadline_must_be_a_working_day(refused):
    moves = [register(), accept(), *reasons_given()]
    refused(moves, mv("set_longer_deadline", D(2026, 3, 5), "h1", Role.HEAD,
                      due="2026-05-02", reasons="大量申请"), "due")


def test_reply_not_needing_sign_off_allowed_while_consultation_unanswered(run):
    case, _ = run([register(), accept(), mv("consult", D(2026, 3, 4), kind="other_agency", party="x"),
                   reply(D(2026, 3, 6), "unavailable.not_held")])
    assert_closed(case, "unavailable.not_held", "unavailable.not_held")


# ----- fees ----------------------------------------------------------------------------------

def fee(on=D(2026, 3, 4), method="per_request", **data):
    """A 109号 fee: per request the 11th request of the month (100 yuan) as the service counts it."""
    if method == "per_request":
        data.setdefault("nth_in_month", 11)
    return mv("fee_notice", on, method=method, **data)


@pytest.mark.parametrize("method,data", [("per_request", {"nth_in_month": 31}),
                                         ("per_volume", {"pages": 60, "medium": "paper"})])
def test_fee_notice_records_method_and_stops_the_clock(run, calendar, method, data):
    case, events = run([register(), accept(), fee(method=method, **data)])
    assert (case.fee_method, case.fee_amount) == (method, 200 if method == "per_request" else 300)
    assert events[-1].data["computation"]["amount"] == case.fee_amount
    sched = case.schedule(calendar)
    assert sched.get("fee_payment_due").date == D(2026, 4, 1)  # 20 working days
    assert sched.reply_due == D(2026, 4, 28)  # 3-05..4-01 not counted while unpaid


@pytest.mark.parametrize("amount", [0, 100, "100", 12.5])
def test_fee_typed_by_hand_refused_109号_computes_it(refused, amount):
    err = refused([register(), accept()], fee(amount=amount), "amount")
    assert "不得手工填写" in err.rule


def test_fee_method_must_be_known(refused):
    refused([register(), accept()], fee(method="per_hour"), "method")


def test_fee_notice_only_once(refused):
    refused([register(), accept(), fee()], fee(on=D(2026, 3, 5)), "kind")


def test_fee_paid_within_window(run, calendar):
    case, _ = run([register(), accept(), fee(), mv("fee_paid", D(2026, 4, 1))])
    assert case.fee_paid == D(2026, 4, 1)
    assert case.schedule(calendar).reply_due == D(2026, 4, 28)


def test_fee_paid_early_gives_back_the_days(run, calendar):
    case, _ = run([register(), accept(), fee(), mv("fee_paid", D(2026, 3, 6))])
    # 3-05, 3-06 not counted: two working days later than 3-30
    assert case.schedule(calendar).reply_due == D(2026, 4, 1)


def test_fee_paid_after_window_refused(refused):
    err = refused([register(), accept(), fee()], mv("fee_paid", D(2026, 4, 2)), "on")
    assert "逾期未缴费" in err.rule


def test_fee_paid_without_notice_refused(refused):
    refused([register(), accept()], mv("fee_paid", D(2026, 3, 5)), "kind")


def test_fee_lapsed_refused_before_window_end(refused):
    refused([register(), accept(), fee(delivered=D(2026, 3, 4))], mv("fee_lapsed", D(2026, 4, 1)), "on")


def test_fee_lapsed_after_window_closes_as_fee_unpaid(run):
    case, _ = run([register(), accept(), fee(delivered=D(2026, 3, 4)), mv("fee_lapsed", D(2026, 4, 2))])
    assert_closed(case, "other.fee_unpaid", "other.fee_unpaid")


def test_fee_lapsed_refused_once_paid(refused):
    refused([register(), accept(), fee(), mv("fee_paid", D(2026, 3, 10))],
            mv("fee_lapsed", D(2026, 4, 2)), "kind")


def test_disclosed_reply_refused_while_fee_unpaid(run, refused):
    moves = [register(), accept(), sign_off(D(2026, 3, 3), "disclose"), fee()]
    err = refused(moves, reply(D(2026, 3, 10), "disclosed"), "outcome")
    assert "缴费" in err.rule
    case, _ = run([*moves, mv("fee_paid", D(2026, 3, 10)), reply(D(2026, 3, 11), "disclosed")])
    assert_closed(case, "disclosed", "disclosed")


# ----- extension (Art 33(2); 2008 Art 24(2)) -------------------------------------------------

def extend(on, days, actor="h1", role=HEAD, reasons="涉及面广"):
    data = {"days": days}
    if reasons is not None:
        data["reasons"] = reasons
    return (mv("extend", on, actor, role, **data))


def test_extension_moves_reply_due(run, calendar):
    case, _ = run([register(), accept(), extend(D(2026, 3, 20), 10)])
    assert case.extension_days == 10
    assert case.schedule(calendar).reply_due == D(2026, 4, 14)  # 30 working days


def test_extension_20_days_allowed_under_2019_rules(run):
    case, _ = run([register(), accept(), extend(D(2026, 3, 20), 20)])
    assert case.extension_days == 20


@pytest.mark.parametrize("days", [0, 21, -1, None, "10"])
def test_extension_days_out_of_range_2019(refused, days):
    err = refused([register(), accept()], extend(D(2026, 3, 20), days), "days")
    assert "20个工作日" in err.rule


def test_extension_under_2008_rules_capped_at_15(run, refused, calendar):
    moves = [register(on=R2008), accept(on=R2008)]
    err = refused(moves, extend(D(2015, 3, 10), 16), "days")
    assert "15个工作日" in err.rule
    case, _ = run([*moves, extend(D(2015, 3, 10), 15)])
    assert case.schedule(calendar).reply_due == D(2015, 4, 14)


def test_extension_only_by_the_head(refused):
    refused([register(), accept()], extend(D(2026, 3, 20), 10, "c1", CLERK), "actor")


def test_extension_only_once(refused):
    err = refused([register(), accept(), extend(D(2026, 3, 20), 5)], extend(D(2026, 3, 23), 5), "kind")
    assert "只能延期一次" in err.rule


def test_extension_needs_reasons(refused):
    refused([register(), accept()], extend(D(2026, 3, 20), 5, reasons=None), "reasons")


def test_extension_on_the_due_date_allowed(run):
    case, _ = run([register(), accept(), extend(D(2026, 3, 30), 5)])
    assert case.extension_approved == D(2026, 3, 30)


def test_extension_after_reply_due_refused(refused):
    err = refused([register(), accept()], extend(D(2026, 3, 31), 5), "on")
    assert "届满前" in err.rule


# ----- withdrawal ----------------------------------------------------------------------------

@pytest.mark.parametrize("moves", [
    [register()],
    [register(), accept()],
    [register(), mv("request_correction", D(2026, 3, 4), items="x")],
], ids=["received", "in_process", "awaiting_correction"])
def test_withdrawal_before_reply_closes_as_withdrawn(run, moves):
    case, _ = run([*moves, mv("withdraw", D(2026, 3, 5))])
    assert_closed(case, "other.withdrawn", "other.other")


def test_withdrawal_after_reply_refused(refused):
    refused([register(), accept(), reply(D(2026, 3, 5), "unavailable.not_held")],
            mv("withdraw", D(2026, 3, 6)), "state")


# ----- after the reply -----------------------------------------------------------------------

CLOSED = [register(), accept(), reply(D(2026, 3, 20), "unavailable.not_held")]


def test_reply_delivered_opens_review_and_litigation_windows(run, calendar):
    case, _ = run(CLOSED)
    assert case.schedule(calendar).get("review_window_end") is None
    case, _ = run([*CLOSED, mv("reply_delivered", D(2026, 3, 23))])
    assert case.reply_delivered == D(2026, 3, 23)
    keyed = case.schedule(calendar).keyed()
    assert keyed["review_window_end"].date == D(2026, 5, 22)       # 60 days
    assert keyed["litigation_window_end"].date == D(2026, 9, 23)   # 6 months


def test_review_window_end_rolls_to_next_working_day(run, calendar):
    # 60 days after 2026-08-04 is Saturday 2026-10-03, inside the National Day break (10-01..10-07) → 2026-10-08
    case, _ = run([*CLOSED, mv("reply_delivered", D(2026, 8, 4))])
    due = case.schedule(calendar).get("review_window_end")
    assert due.date == D(2026, 10, 8)
    assert calendar.is_working_day(due.date)


def test_reply_delivered_only_once(refused):
    refused([*CLOSED, mv("reply_delivered", D(2026, 3, 23))], mv("reply_delivered", D(2026, 3, 24)), "kind")


def test_reply_delivered_not_before_reply_date(refused):
    refused(CLOSED, mv("reply_delivered", D(2026, 3, 19)), "on")


def test_reply_delivered_on_reply_date_allowed(run):
    case, _ = run([*CLOSED, mv("reply_delivered", D(2026, 3, 20))])
    assert case.reply_delivered == D(2026, 3, 20)


def test_reply_delivered_refused_before_reply(refused):
    refused([register(), accept()], mv("reply_delivered", D(2026, 3, 20)), "state")


@pytest.mark.parametrize("kind", REMEDY_KINDS)
@pytest.mark.parametrize("result", REMEDY_RESULTS)
def test_record_remedy_each_kind_and_result(run, kind, result):
    case, _ = run([*CLOSED, mv("reply_delivered", D(2026, 3, 23)),
                   mv("record_remedy", D(2026, 4, 10), "s1", SUPERVISOR, kind=kind, result=result)])
    assert case.remedies == ((kind, result),)
    assert case.state == State.CLOSED and case.outcome == "unavailable.not_held"


def test_record_remedy_accumulates(run):
    case, _ = run([*CLOSED, mv("record_remedy", D(2026, 4, 10), kind="review", result="upheld"),
                   mv("record_remedy", D(2026, 6, 10), kind="litigation_after_review", result="pending")])
    assert case.remedies == (("review", "upheld"), ("litigation_after_review", "pending"))


def test_remedy_against_an_open_case_not_replied_in_time_is_recorded(run):
    # 不履行法定职责: a review of a case still open (reply due 2026-03-30) counts in table 4
    case, events = run([register(), accept(), mv("record_remedy", D(2026, 4, 10), kind="review", result="pending")])
    assert case.state == State.IN_PROCESS and case.remedies == (("review", "pending"),)
    assert events[-1].data["against"] == "not_replied"


@pytest.mark.parametrize("data,field", [({"kind": "appeal", "result": "upheld"}, "kind"),
                                        ({"kind": "review", "result": "won"}, "result"),
                                        ({"kind": "review"}, "result")])
def test_record_remedy_bad_kind_or_result_refused(refused, data, field):
    refused(CLOSED, mv("record_remedy", D(2026, 4, 10), **data), field)


def test_record_remedy_not_by_reviewer(refused):
    refused(CLOSED, mv("record_remedy", D(2026, 4, 10), "r1", REVIEWER, kind="review", result="upheld"), "actor")


@pytest.mark.parametrize("kind", sorted(k for k in MOVE_LABELS
                                        if k not in ("register", "reply_delivered", "record_remedy",
                                                     # a closed case's notices are delivered, its
                                                     # applicant contacted, its information published
                                                     "record_delivery", "record_contact",
                                                     "mark_for_publication")))
def test_closed_case_refuses_every_working_move(refused, kind):
    data = {"outcome": "disclosed", "decision": "disclose", "days": 5, "reasons": "x",
            "kind": "third_party", "party": "x", "answer": "consent", "items": "x",
            "method": "per_request", "amount": 100, "due": "2026-06-30", "index": 0}
    actor, role = {"sign_off": ("r1", REVIEWER),
                   "dates_recomputed": ("system-yc", Role.SYSTEM)}.get(kind, ("h1", HEAD))
    refused(CLOSED, (kind, D(2026, 3, 21), actor, role, data), "state")


def test_replay_rebuilds_a_long_history(run):
    case, events = run([*third_party_objects(),
                        mv("public_interest_override", D(2026, 3, 11), "h1", HEAD, reasons="涉及公共安全"),
                        fee(on=D(2026, 3, 11)), mv("fee_paid", D(2026, 3, 12)),
                        extend(D(2026, 3, 13), 10),
                        sign_off(D(2026, 3, 16), "disclose"), reply(D(2026, 3, 17), "disclosed"),
                        mv("reply_delivered", D(2026, 3, 18)),
                        mv("record_remedy", D(2026, 4, 1), kind="review", result="pending")])
    assert replay(events) == case
    assert case.events == len(events) == 12


# ----- issue 12: the rules of correction, Art 35, Art 32 grounds, remedies on open cases -----

def test_correction_notice_after_reply_due_refused(refused):
    # reply due 2026-03-30: a correction notice after it would restart the period in full
    err = refused([register()], mv("request_correction", D(2026, 3, 31), items="x"), "on")
    assert "第三十条" in err.rule and "答复期限" in err.rule


def test_correction_notice_on_reply_due_allowed_and_recorded_late(run):
    case, events = run([register(), mv("request_correction", D(2026, 3, 30), items="x")])
    assert events[-1].data["late"] is True and case.correction_notice_late


def test_late_correction_notice_keeps_the_lapse_in_the_supervisors_view(run, calendar):
    from foi_workflow.domain import alerts
    from foi_workflow.services.cases import alert_dates, derived_columns

    late, _ = run([register(), mv("request_correction", D(2026, 3, 20), items="x")])
    timely, _ = run([register(), mv("request_correction", D(2026, 3, 5), items="x")])
    today = D(2026, 3, 23)
    soon = alerts.soon_until(calendar, today, 3)

    def kinds(case):
        return {(k, lvl) for k, lvl, _d in alerts.classify(
            alert_dates(derived_columns(case, case.schedule(calendar))), today, soon)}

    assert (alerts.Kind.CORRECTION_NOTICE, alerts.Level.OVERDUE) in kinds(late)
    assert not any(k == alerts.Kind.CORRECTION_NOTICE for k, _ in kinds(timely))


def test_art35_excessive_refusal_needs_a_request_for_reasons_first(refused):
    err = refused([register(), accept()], reply(D(2026, 3, 10), "not_processed.excessive"), "outcome")
    assert "第三十五条" in err.rule and "说明理由" in err.rule


def test_art35_excessive_refusal_after_unreasonable_or_no_answer(run, calendar):
    case, _ = run([register(), accept(), *reasons_given("unreasonable"),
                   reply(D(2026, 3, 10), "not_processed.excessive")])
    assert_closed(case, "not_processed.excessive", "not_processed.excessive")
    # no answer: recorded only after the reasons period (15 working days from 2026-03-03)
    case, _ = run([register(), accept(), *reasons_given("none", on=D(2026, 3, 25)),
                   reply(D(2026, 3, 26), "not_processed.excessive")])
    assert_closed(case, "not_processed.excessive", "not_processed.excessive")


def test_art35_no_answer_recorded_only_after_the_reasons_period(refused):
    err = refused([register(), accept(), mv("request_reasons", D(2026, 3, 3), facts="40件")],
                  mv("reasons_answered", D(2026, 3, 24), answer="none"), "on")
    assert "2026-03-24" in err.message


def test_art35_excessive_refusal_refused_after_a_reasonable_answer(refused):
    refused([register(), accept(), *reasons_given("reasonable")],
            reply(D(2026, 3, 10), "not_processed.excessive"), "outcome")


def test_art35_excessive_refusal_never_on_the_spot_by_a_clerk(refused):
    moves = [register(), mv("request_reasons", R, facts="40件"),
             mv("reasons_answered", R, answer="unreasonable", reasons="无")]
    err = refused(moves, mv("reply_on_spot", R, outcome="not_processed.excessive"), "outcome")
    assert "第三十五条" in err.rule


def test_art35_excessive_refusal_needs_the_head(refused):
    refused([register(), accept(), *reasons_given("unreasonable")],
            mv("reply", D(2026, 3, 10), outcome="not_processed.excessive"), "actor")


def test_art35_longer_deadline_needs_request_for_reasons_and_reasonable_answer(refused):
    longer = mv("set_longer_deadline", D(2026, 3, 10), "h1", HEAD, due="2026-04-30", reasons="多")
    refused([register(), accept()], longer, "kind")
    refused([register(), accept(), *reasons_given("unreasonable")], longer, "kind")


def test_art35_longer_deadline_after_reply_due_refused(refused):
    # months after the case was overdue (reply due 2026-03-30): refused
    err = refused([register(), accept(), *reasons_given()],
                  mv("set_longer_deadline", D(2026, 6, 1), "h1", HEAD, due="2026-07-31", reasons="多"), "on")
    assert "第三十五条" in err.rule


def test_art35_longer_deadline_only_once(refused):
    first = mv("set_longer_deadline", D(2026, 3, 10), "h1", HEAD, due="2026-04-30", reasons="多")
    refused([register(), accept(), *reasons_given(), first],
            mv("set_longer_deadline", D(2026, 3, 11), "h1", HEAD, due="2026-05-29", reasons="多"), "kind")


def test_art35_request_for_reasons_after_reply_due_refused(refused):
    refused([register(), accept()], mv("request_reasons", D(2026, 3, 31), facts="40件"), "on")


def test_art35_request_for_reasons_issues_its_notice():
    from foi_workflow.notices.catalog import NOTICE_KINDS, kinds_for

    assert kinds_for("request_reasons", {}) == ("reasons_request",)
    assert NOTICE_KINDS["reasons_request"].to_applicant


def test_art35_case_page_offers_the_procedure_in_order(run):
    from foi_workflow.domain.case import open_moves

    heads = frozenset({HEAD})
    case, _ = run([register(), accept()])
    assert "request_reasons" in open_moves(case, heads)
    assert not {"reasons_answered", "set_longer_deadline"} & set(open_moves(case, heads))
    case, _ = run([register(), accept(), *reasons_given()])
    assert {"set_longer_deadline"} <= set(open_moves(case, heads))
    assert not {"request_reasons", "reasons_answered"} & set(open_moves(case, heads))


def test_art32_objection_without_reasonable_grounds_does_not_bar_disclosure(run, refused):
    moves = [register(), accept(), mv("consult", D(2026, 3, 3), kind="third_party", party="某公司"),
             mv("consultation_answered", D(2026, 3, 10), answer="objection", reasonable_grounds=False)]
    case, events = run([*moves, sign_off(D(2026, 3, 11), "disclose"), reply(D(2026, 3, 12), "disclosed")])
    assert_closed(case, "disclosed", "disclosed")
    assert not case.public_interest_override
    assert "无合理理由" in events[3].basis
    # no override is needed, nor allowed
    refused(moves, mv("public_interest_override", D(2026, 3, 11), "h1", HEAD, reasons="x"), "kind")


def test_art32_objection_must_be_judged_for_reasonable_grounds(refused):
    moves = [register(), accept(), mv("consult", D(2026, 3, 3), kind="third_party", party="某公司")]
    refused(moves, mv("consultation_answered", D(2026, 3, 10), answer="objection"), "reasonable_grounds")


def test_review_first_since_2024_direct_litigation_refused_for_a_refusal(refused, run):
    withheld = [register(), accept(), sign_off(D(2026, 3, 3), "withhold", "process_info"),
                reply(D(2026, 3, 4), "withheld.process_info")]
    err = refused(withheld, mv("record_remedy", D(2026, 4, 10), kind="litigation_direct", result="pending"), "kind")
    assert "行政复议法" in err.rule and "第二十三条" in err.rule
    case, _ = run([*withheld, mv("record_remedy", D(2026, 4, 10), kind="review", result="pending")])
    assert case.remedies == (("review", "pending"),)


def test_review_first_since_2024_direct_litigation_refused_for_non_reply(refused):
    err = refused([register(), accept()],
                  mv("record_remedy", D(2026, 4, 10), kind="litigation_direct", result="pending"), "kind")
    assert "不履行法定职责" in err.rule


def test_direct_litigation_still_recorded_for_a_disclosure_or_before_2024(run):
    from foi_workflow.domain.case import remedy_kinds

    case, _ = run([*CLOSED, mv("record_remedy", D(2026, 4, 10), kind="litigation_direct", result="upheld")])
    assert case.remedies == (("litigation_direct", "upheld"),)
    old, _ = run([register(on=D(2023, 3, 1)), accept(on=D(2023, 3, 1))])
    assert "litigation_direct" in remedy_kinds(old, D(2023, 12, 29))
    assert "litigation_direct" not in remedy_kinds(old, D(2024, 1, 2))


def test_case_page_offers_remedies_on_an_open_case(run):
    from foi_workflow.domain.case import open_moves

    case, _ = run([register(), accept()])
    assert "record_remedy" in open_moves(case, frozenset({Role.SUPERVISOR}))
