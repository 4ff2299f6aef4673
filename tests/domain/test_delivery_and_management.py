"""Delivery of notices and the case management moves (ogi-rules.md "Delivery", "Who acts for an
agency", "Records", "Application content"): windows count from the recorded receipt, a case is
abandoned only on a recorded receipt, and the reassign, transfer, split, contact and Art 44 moves
keep to their rules. Pure: the domain only (the services: tests/test_case_management.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foi_workflow.domain.case import (
    DELIVERY_METHODS, RECEIPT_RULE, Case, Command, Role, State, apply, decide, open_moves, replay,
)
from foi_workflow.domain.errors import FoiError

from ..factories import complete_reply

D = dt.date
TODAY = D(2026, 11, 29)
R = D(2026, 3, 2)  # a Monday, 2019 rules; no holidays in March 2026
CLERK, REVIEWER, HEAD = Role.CLERK, Role.REVIEWER, Role.HEAD
APPLICATION = {"form": "electronic", "delivery": "online"}


def mv(kind, on, actor="c1", role=CLERK, /, **data):
    """A move; a one-item reply given by its outcome gets its required elements (reply_data)."""
    return (kind, on, actor, role, complete_reply(kind, data))


def register(on=R, channel="online", items=("某地块征收补偿方案",)):
    return mv("register", on, channel=channel, items=[{"description": i} for i in items], **APPLICATION)


def correction(on=D(2026, 3, 4)):
    return mv("request_correction", on, items="请写明地块名称")


def delivery(on, notice, received, **data):
    return mv("record_delivery", on, notice=notice, received=received, **{"method": "online", **data})


def run(calendar, moves, case=None):
    case = case or Case()
    events = []
    for kind, on, actor, role, data in moves:
        ev = decide(case, Command(kind, on, actor, role, data), calendar, today=TODAY)
        case = apply(case, ev)
        events.append(ev)
    assert replay(events) == case
    return case, events


def refused(calendar, moves, bad) -> FoiError:
    case, _ = run(calendar, moves)
    kind, on, actor, role, data = bad
    with pytest.raises(FoiError) as info:
        decide(case, Command(kind, on, actor, role, data), calendar, today=TODAY)
    return info.value


# ----- delivery ---------------------------------------------------------------------------------

def test_a_delivery_received_before_it_was_sent_is_refused_naming_the_field_and_rule(calendar):
    err = refused(calendar, [register(), correction()],
                  delivery(D(2026, 3, 9), "correction", "2026-03-05", sent="2026-03-06"))
    assert err.field == "received"
    assert "不得早于发出日" in err.rule and "2026-03-05" in err.message


def test_a_delivery_sent_before_its_notice_was_issued_is_refused(calendar):
    err = refused(calendar, [register(), correction()],
                  delivery(D(2026, 3, 9), "correction", "2026-03-05", sent="2026-03-03"))
    assert err.field == "sent" and "文书出具日" in err.rule


def test_a_delivery_received_after_the_day_it_is_recorded_is_refused(calendar):
    err = refused(calendar, [register(), correction()], delivery(D(2026, 3, 9), "correction", "2026-03-10"))
    assert err.field == "received"


def test_post_delivery_needs_its_tracking_number(calendar):
    err = refused(calendar, [register(), correction()],
                  delivery(D(2026, 3, 9), "correction", "2026-03-06", method="post"))
    assert err.field == "tracking" and "邮件号码" in err.rule
    case, _ = run(calendar, [register(), correction(),
                             delivery(D(2026, 3, 9), "correction", "2026-03-06", method="post",
                                      tracking="EMS1234567890")])
    assert case.deliveries[-1].tracking == "EMS1234567890"


def test_an_unknown_delivery_method_or_a_notice_the_case_never_issued_is_refused(calendar):
    assert refused(calendar, [register(), correction()],
                   delivery(D(2026, 3, 9), "correction", "2026-03-06", method="pigeon")).field == "method"
    assert refused(calendar, [register()], delivery(D(2026, 3, 9), "fee", "2026-03-06")).field == "notice"
    assert set(DELIVERY_METHODS) == {"in_person", "post", "email", "online"}


def test_the_correction_window_counts_from_the_recorded_receipt(calendar):
    case, _ = run(calendar, [register(), correction()])
    stand_in = case.schedule(calendar).get("correction_window_end").date  # from the sending date
    case, _ = run(calendar, [register(), correction(), delivery(D(2026, 3, 9), "correction", "2026-03-09")])
    assert case.correction_notice_delivered == D(2026, 3, 9)
    assert case.schedule(calendar).get("correction_window_end").date == D(2026, 3, 30)
    assert stand_in == D(2026, 3, 25)


def test_the_fee_payment_window_counts_from_the_recorded_receipt(calendar):
    fee = mv("fee_notice", D(2026, 3, 4), method="per_request", nth_in_month=11)
    case, _ = run(calendar, [register(), mv("accept", R), fee,
                             delivery(D(2026, 3, 6), "fee", "2026-03-06", method="in_person")])
    assert case.fee_notice_delivered == D(2026, 3, 6)
    assert case.schedule(calendar).get("fee_payment_due").date == D(2026, 4, 3)


def test_the_remedies_count_from_the_recorded_receipt_of_the_reply(calendar):
    case, _ = run(calendar, [register(), mv("accept", R),
                             mv("reply", D(2026, 3, 10), "h1", HEAD, outcome="unavailable.not_held"),
                             delivery(D(2026, 3, 16), "reply", "2026-03-13", method="post", tracking="XA1")])
    assert case.reply_delivered == D(2026, 3, 13)
    assert case.schedule(calendar).get("review_window_end").date == D(2026, 5, 12)  # 60 days after 3-13


def test_a_consultation_answer_window_counts_from_the_letter_receipt(calendar):
    case, _ = run(calendar, [register(), mv("accept", R),
                             mv("consult", D(2026, 3, 3), kind="third_party", party="某公司"),
                             delivery(D(2026, 3, 6), "third_party_consultation", "2026-03-05", method="post",
                                      tracking="XA2")])
    assert case.consultations[0].delivered == D(2026, 3, 5)
    assert case.schedule(calendar).get("third_party_answer_due").date == D(2026, 3, 26)


def test_a_notice_receipt_is_recorded_once(calendar):
    moves = [register(), correction(), mv("correction_delivered", D(2026, 3, 6))]
    err = refused(calendar, moves, delivery(D(2026, 3, 9), "correction", "2026-03-09"))
    assert err.field == "notice" and "只登记一次" in err.rule


def test_a_delivery_sent_first_and_received_later_completes_one_record(calendar):
    case, _ = run(calendar, [register(), correction(),
                             mv("record_delivery", D(2026, 3, 4), notice="correction", method="post",
                                tracking="XA3"),
                             delivery(D(2026, 3, 9), "correction", "2026-03-07", method="post", tracking="XA3")])
    assert case.correction_notice_delivered == D(2026, 3, 7)
    assert [d.received for d in case.deliveries] == [None, D(2026, 3, 7)]


@settings(max_examples=60, deadline=None)
@given(sent=st.integers(0, 6), received=st.integers(0, 8))
def test_a_receipt_before_the_sending_is_always_refused_and_otherwise_is_the_window_start(calendar, sent, received):
    issued = D(2026, 3, 4)
    s, r = issued + dt.timedelta(days=sent), issued + dt.timedelta(days=received)
    on = max(s, r)
    case, _ = run(calendar, [register(), correction(issued)])
    cmd = Command("record_delivery", on, "c1", CLERK,
                  {"notice": "correction", "method": "email", "sent": s.isoformat(), "received": r.isoformat()})
    if r < s:
        with pytest.raises(FoiError) as info:
            decide(case, cmd, calendar, today=TODAY)
        assert info.value.field == "received"
    else:
        after = apply(case, decide(case, cmd, calendar, today=TODAY))
        end = after.schedule(calendar).get("correction_window_end").date
        assert after.correction_notice_delivered == r
        assert end == D.fromordinal(calendar.nth_working_day_after(r.toordinal(), 15))


# ----- abandonment only on a recorded receipt ---------------------------------------------------

def test_abandonment_without_a_recorded_receipt_of_the_correction_notice_is_refused(calendar):
    err = refused(calendar, [register(), correction()], mv("correction_lapsed", D(2026, 5, 4)))
    assert err.field == "delivered" and err.rule == RECEIPT_RULE
    case, _ = run(calendar, [register(), correction(), delivery(D(2026, 3, 6), "correction", "2026-03-06"),
                             mv("correction_lapsed", D(2026, 5, 4))])
    assert case.outcome == "other.no_correction"


def test_abandonment_without_a_recorded_receipt_of_the_fee_notice_is_refused(calendar):
    fee = mv("fee_notice", D(2026, 3, 4), method="per_request", nth_in_month=11)
    err = refused(calendar, [register(), mv("accept", R), fee], mv("fee_lapsed", D(2026, 5, 4)))
    assert err.field == "delivered" and err.rule == RECEIPT_RULE
    case, _ = run(calendar, [register(), mv("accept", R), fee, delivery(D(2026, 3, 5), "fee", "2026-03-05"),
                             mv("fee_lapsed", D(2026, 5, 4))])
    assert case.outcome == "other.fee_unpaid"


# ----- reassign, transfer -------------------------------------------------------------------------

def test_reassign_is_for_the_head_only(calendar):
    err = refused(calendar, [register()], mv("reassign", D(2026, 3, 3), to="c2"))
    assert err.field == "actor" and "负责人" in err.rule
    case, events = run(calendar, [register(), mv("reassign", D(2026, 3, 3), "h1", HEAD, to="c2")])
    assert case.handler == "c2" and events[-1].data["from"] == "c1"
    assert refused(calendar, [register()], mv("reassign", D(2026, 3, 3), "h1", HEAD, to="c1")).field == "to"


def transfer(on=D(2026, 3, 4), **data):
    return mv("transfer", on, "h1", HEAD, **{"to": "yc-zrzy", "from": "yc-bgs", "reasons": "所申请信息由该局制作、保存", **data})


def test_a_transfer_records_from_and_to_and_leaves_the_case_open_without_a_handler(calendar):
    case, events = run(calendar, [register(), transfer()])
    assert case.transfers == (("yc-bgs", "yc-zrzy"),) and case.handler == ""
    assert case.state == State.RECEIVED and case.received == R  # the case keeps its receipt date
    assert events[-1].data["from"] == "yc-bgs" and events[-1].data["to"] == "yc-zrzy"


def test_a_transfer_needs_the_head_reasons_and_another_agency(calendar):
    assert refused(calendar, [register()], mv("transfer", D(2026, 3, 4), to="x", reasons="y", **{"from": "a"})).field == "actor"
    assert refused(calendar, [register()], transfer(reasons="")).field == "reasons"
    assert refused(calendar, [register()], transfer(to="yc-bgs")).field == "to"
    # a second transfer is made by the agency that now answers
    assert refused(calendar, [register(), transfer()], transfer(D(2026, 3, 5), to="other")).field == "from"
    case, _ = run(calendar, [register(), transfer(), transfer(D(2026, 3, 5), to="third", **{"from": "yc-zrzy"})])
    assert case.transfers[-1] == ("yc-zrzy", "third")


def test_a_closed_case_is_not_transferred(calendar):
    moves = [register(), mv("accept", R), mv("reply", D(2026, 3, 10), "h1", HEAD, outcome="unavailable.not_held")]
    assert refused(calendar, moves, transfer(D(2026, 3, 11))).field == "state"


# ----- split -------------------------------------------------------------------------------------

def test_a_split_moves_items_to_new_cases_and_keeps_at_least_one(calendar):
    moves = [register(items=("甲地块补偿方案", "乙路段规划", "丙项目审批"))]
    case, events = run(calendar, [*moves, mv("split", D(2026, 3, 3), parts=[[2], [3]], cases=["X-1", "X-2"])])
    assert case.split_into == ("X-1", "X-2") and case.split_items == (2, 3)
    assert [p["subject"] for p in events[-1].data["parts"]] == ["乙路段规划", "丙项目审批"]
    assert refused(calendar, moves, mv("split", D(2026, 3, 3), parts=[[1, 2, 3]], cases=["X-1"])).field == "parts"
    assert refused(calendar, moves, mv("split", D(2026, 3, 3), parts=[[2], [2]], cases=["X-1", "X-2"])).field == "parts"
    assert refused(calendar, moves, mv("split", D(2026, 3, 3), parts=[[4]], cases=["X-1"])).field == "parts"
    assert refused(calendar, moves, mv("split", D(2026, 3, 3), parts=[[2]])).field == "cases"


def test_an_item_split_once_is_not_split_again(calendar):
    moves = [register(items=("甲", "乙", "丙")), mv("split", D(2026, 3, 3), parts=[[2]], cases=["X-1"])]
    assert refused(calendar, moves, mv("split", D(2026, 3, 4), parts=[[2]], cases=["X-2"])).field == "parts"


# ----- contacts, proactive publication -----------------------------------------------------------

def test_the_art31_confirmation_of_receipt_is_for_letters_and_online_on_the_receipt_day(calendar):
    ok = mv("record_contact", R, type="receipt_confirmation", summary="电话确认已收到网上申请")
    case, events = run(calendar, [register(), ok])
    assert case.contacts == 1 and "第三十一条" in events[-1].basis
    assert refused(calendar, [register(channel="in_person")], ok).field == "type"
    late = mv("record_contact", D(2026, 3, 3), type="receipt_confirmation", summary="确认")
    assert refused(calendar, [register()], late).field == "on"


def test_a_contact_needs_its_type_and_what_was_said_and_is_allowed_after_closing(calendar):
    assert refused(calendar, [register()], mv("record_contact", R, type="fax", summary="x")).field == "type"
    assert refused(calendar, [register()], mv("record_contact", R, type="call")).field == "summary"
    closed = [register(), mv("accept", R), mv("reply", D(2026, 3, 10), "h1", HEAD, outcome="unavailable.not_held")]
    case, _ = run(calendar, [*closed, mv("record_contact", D(2026, 3, 11), type="guidance", summary="指引向自然资源局申请")])
    assert case.contacts == 1


def test_only_information_that_can_be_disclosed_is_marked_for_proactive_publication(calendar):
    mark = mv("mark_for_publication", D(2026, 3, 6), reasons="多名申请人申请相同信息")
    accepted = [register(), mv("accept", R)]
    assert refused(calendar, accepted, mark).field == "kind"
    signed = [*accepted, mv("sign_off", D(2026, 3, 5), "r1", REVIEWER, decision="disclose")]
    case, _ = run(calendar, [*signed, mark])
    assert case.proactive == "多名申请人申请相同信息"
    assert refused(calendar, [*signed, mark], mv("mark_for_publication", D(2026, 3, 7), reasons="x")).field == "kind"


def test_the_head_is_offered_the_management_moves_and_a_clerk_not_reassign_or_transfer(calendar):
    case, _ = run(calendar, [register()])
    head, clerk = open_moves(case, frozenset({HEAD})), open_moves(case, frozenset({CLERK}))
    assert {"reassign", "transfer", "split", "record_contact", "record_delivery"} <= set(head)
    assert "reassign" not in clerk and "transfer" not in clerk and "split" in clerk


def test_every_notice_the_catalog_issues_can_have_its_delivery_recorded():
    from foi_workflow.domain.case import DELIVERABLE_LABELS
    from foi_workflow.notices import catalog

    assert set(catalog.NOTICE_KINDS) == set(DELIVERABLE_LABELS)
