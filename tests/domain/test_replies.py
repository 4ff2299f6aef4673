"""What a reply must say (ogi-rules.md): every item decided, each decision with its elements, and
the case's one outcome counted by the report's rule for multi-item applications."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from foi_workflow.domain import replies
from foi_workflow.domain.outcomes import OUTCOMES
from foi_workflow.domain.replies import ELEMENTS, ReplyError, case_outcome, check_reply

VALUES = {"form": "electronic", "delivery": "email", "ground": "process_info",
          "earlier_date": "2026-01-05", "files": [1]}


def full(decision: str, no: int = 1, **over) -> dict:
    required, optional = ELEMENTS[decision]
    item = {"no": no, "decision": decision}
    for k in (*required, *optional):
        item[k] = VALUES.get(k, f"{k}-内容")
    item.update(over)
    return item


@pytest.mark.parametrize("decision", replies.DECISIONS)
def test_every_decision_with_its_elements_is_a_reply(decision):
    checked = check_reply((), {"items": [full(decision)]})
    assert checked.outcome == decision
    assert checked.items[0]["decision"] == decision


@pytest.mark.parametrize("decision,element", [(d, k) for d in replies.DECISIONS for k in ELEMENTS[d][0]])
def test_a_missing_required_element_is_refused_naming_the_field(decision, element):
    item = full(decision)
    del item[element]
    with pytest.raises(ReplyError) as info:
        check_reply((), {"items": [item]})
    assert info.value.field == f"items[1].{element}"
    assert replies.FIELDS[element][0] in info.value.message
    item[element] = "   "  # a blank is missing too
    with pytest.raises(ReplyError):
        check_reply((), {"items": [item]})


def test_a_reply_that_leaves_an_item_undecided_is_refused():
    with pytest.raises(ReplyError) as info:
        check_reply(("甲文件", "乙文件", "丙文件"), {"items": [full("disclosed", 1), full("unavailable.not_held", 3)]})
    assert info.value.field == "items[2]" and "第2项未作出答复" in info.value.message
    with pytest.raises(ReplyError) as info:
        check_reply(("甲", "乙"), {"outcome": "disclosed"})
    assert info.value.field == "items"
    with pytest.raises(ReplyError):  # a number the application does not have
        check_reply(("甲",), {"items": [full("disclosed", 2)]})
    with pytest.raises(ReplyError):  # an item decided twice
        check_reply(("甲", "乙"), {"items": [full("disclosed", 1), full("disclosed", 1)]})


def test_a_decision_a_reply_may_not_make_is_refused():
    for code in ("other.withdrawn", "other.fee_unpaid", "other.no_correction", "nonsense", None):
        with pytest.raises(ReplyError):
            check_reply((), {"items": [{"no": 1, "decision": code}]})


def test_disclosure_in_another_form_than_asked_needs_the_reason_art_40():
    item = full("disclosed", form="paper", delivery="post")
    del item["form_reason"]
    with pytest.raises(ReplyError) as info:
        check_reply((), {"items": [item]}, requested={"form": "electronic", "delivery": "post"})
    assert info.value.field == "items[1].form_reason" and "电子" in info.value.message
    check_reply((), {"items": [item]}, requested={"form": "paper", "delivery": "post"})
    with pytest.raises(ReplyError):
        check_reply((), {"items": [full("disclosed", form="carrier-pigeon")]})


def test_still_unclear_only_after_a_correction_art_30():
    with pytest.raises(ReplyError):
        check_reply((), {"items": [full("unavailable.still_unclear")]}, corrected=False)


def test_partial_names_the_ground_among_the_grounds_of_arts_14_to_16():
    with pytest.raises(ReplyError) as info:
        check_reply((), {"items": [full("partial", ground="because")]})
    assert info.value.field == "items[1].ground"


def test_an_element_the_decision_does_not_have_is_refused():
    with pytest.raises(ReplyError) as info:
        check_reply((), {"items": [full("unavailable.not_held", where="网站")]})
    assert info.value.field == "items[1].where"


def test_outcome_of_a_multi_item_application_counts_once_partial_when_some_disclosed_and_some_not():
    assert case_outcome(["disclosed", "withheld.process_info"]) == "partial"
    assert case_outcome(["already_public", "unavailable.not_held"]) == "partial"
    assert case_outcome(["disclosed", "partial"]) == "partial"
    assert case_outcome(["disclosed", "already_public"]) == "disclosed"
    assert case_outcome(["unavailable.not_held", "unavailable.not_held"]) == "unavailable.not_held"
    assert case_outcome(["not_processed.petition", "unavailable.not_held"]) == "unavailable.not_held"


@given(st.lists(st.sampled_from(replies.DECISIONS), min_size=1, max_size=6))
def test_the_outcome_is_one_row_and_disclosure_mixed_with_anything_else_is_partial(decisions):
    out = case_outcome(decisions)
    assert out in OUTCOMES
    kinds = set(decisions)
    if len(kinds) == 1:
        assert out == decisions[0]
    elif kinds & replies.DISCLOSING and kinds - replies.DISCLOSING:
        assert out == "partial"
    elif not kinds & replies.DISCLOSING:  # none disclosed: one of the items' own rows
        assert out in kinds
    assert case_outcome(list(reversed(decisions))) == out  # the order of items does not matter


def test_the_reply_given_outcome_must_agree_with_the_items():
    with pytest.raises(ReplyError) as info:
        check_reply(("甲", "乙"), {"outcome": "disclosed",
                                   "items": [full("disclosed", 1), full("unavailable.not_held", 2)]})
    assert info.value.field == "outcome"
    checked = check_reply(("甲", "乙"), {"items": [full("disclosed", 1), full("unavailable.not_held", 2)]})
    assert (checked.outcome, checked.reviewed) == ("partial", "disclosed")
    assert checked.event_data()["items"][1]["search"] == "search-内容"


def test_attachment_numbers_are_listed_once_in_item_order():
    checked = check_reply(("甲", "乙"), {"items": [full("disclosed", 1, files=[2, 1]),
                                                   full("partial", 2, files=[1, 3])]})
    assert replies.attachment_numbers(checked.items) == [2, 1, 3]
    with pytest.raises(ReplyError):
        check_reply((), {"items": [full("disclosed", files=[0])]})
