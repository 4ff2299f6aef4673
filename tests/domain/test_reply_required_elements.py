"""A reply is the legal act (ogi-rules.md "What a reply must say"): every reply — the head's
reply and the reply on the spot, a one-item case too — states the elements its decision
requires; a one-item case may give them at the top level of the reply or as `items`, and a
missing one is refused naming the field and the rule, nothing recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foi_workflow.domain import replies
from foi_workflow.domain.case import Case, Command, Role, apply, decide
from foi_workflow.domain.errors import FoiError
from foi_workflow.domain.replies import ELEMENTS, FIELDS, NEEDS_SIGN_OFF

from ..factories import reply_data

D = dt.date
TODAY = D(2026, 11, 29)
R = D(2026, 3, 2)
APPLICATION = {"channel": "online", "items": [{"description": "某地块征收补偿方案"}],
               "form": "electronic", "delivery": "online"}
SIGN_OFF = {"disclosed": {"decision": "disclose"}, "partial": {"decision": "partial", "ground": "third_party_rights"},
            **{f"withheld.{g}": {"decision": "withhold", "ground": g} for g in replies.GROUNDS}}
BEFORE = {"unavailable.still_unclear": [("request_correction", "c1", Role.CLERK, {"items": "请写明文件名称"}),
                                        ("correction_received", "c1", Role.CLERK, {})],
          "not_processed.excessive": [("request_reasons", "c1", Role.CLERK, {"facts": "本月已申请45件"}),
                                      ("reasons_answered", "c1", Role.CLERK, {"answer": "unreasonable", "reasons": "研究需要"})]}
ON_SPOT = [d for d in replies.DECISIONS
           if d not in NEEDS_SIGN_OFF and d not in ("not_processed.excessive", "unavailable.still_unclear")]


def ready(calendar, decision: str) -> Case:
    """A one-item case on which the head may reply with `decision`."""
    case = apply(Case(), decide(Case(), Command("register", R, "c1", Role.CLERK, APPLICATION), calendar, today=TODAY))
    moves = list(BEFORE.get(decision, []))
    if decision in SIGN_OFF:
        moves = [("accept", "c1", Role.CLERK, {}), ("sign_off", "r1", Role.REVIEWER, SIGN_OFF[decision])]
    for kind, actor, role, data in moves:
        case = apply(case, decide(case, Command(kind, D(2026, 3, 3), actor, role, data), calendar, today=TODAY))
    return case


def reply(calendar, case: Case, data: dict, kind: str = "reply"):
    on, actor, role = (R, "c1", Role.CLERK) if kind == "reply_on_spot" else (D(2026, 3, 10), "h1", Role.HEAD)
    return decide(case, Command(kind, on, actor, role, data), calendar, today=TODAY)


REQUIRED = [(d, k) for d in replies.DECISIONS for k in ELEMENTS[d][0]]


@pytest.mark.parametrize("decision,element", REQUIRED)
def test_a_one_item_reply_without_a_required_element_is_refused_naming_the_field_and_rule(calendar, decision, element):
    case = ready(calendar, decision)
    data = reply_data(decision)
    del data[element]
    with pytest.raises(FoiError) as info:
        reply(calendar, case, data)
    assert (info.value.field, info.value.rule) == (element, FIELDS[element][1])
    assert FIELDS[element][0] in info.value.message


@pytest.mark.parametrize("decision,element", [(d, k) for d, k in REQUIRED if d in ON_SPOT])
def test_a_reply_on_the_spot_without_a_required_element_is_refused_naming_the_field_and_rule(calendar, decision, element):
    case = ready(calendar, decision)
    data = reply_data(decision)
    del data[element]
    with pytest.raises(FoiError) as info:
        reply(calendar, case, data, "reply_on_spot")
    assert (info.value.field, info.value.rule) == (element, FIELDS[element][1])


@pytest.mark.parametrize("kind", ["reply", "reply_on_spot"])
def test_a_bare_outcome_is_no_longer_a_reply(calendar, kind):
    """The standard wording alone is not a reply: a one-item case states its elements too."""
    case = ready(calendar, "unavailable.not_held")
    with pytest.raises(FoiError) as info:
        reply(calendar, case, {"outcome": "unavailable.not_held"}, kind)
    assert info.value.field == "search" and "第三十六条第（四）项" in info.value.rule


def test_a_reply_without_a_decision_is_refused_naming_the_outcome(calendar):
    case = ready(calendar, "unavailable.not_held")
    with pytest.raises(FoiError) as info:
        reply(calendar, case, {"search": "检索了收文登记"})
    assert info.value.field == "outcome"


@pytest.mark.parametrize("decision", replies.DECISIONS)
def test_a_one_item_reply_states_the_same_at_the_top_level_or_as_items(calendar, decision):
    case = ready(calendar, decision)
    flat = reply_data(decision)
    item = {"no": 1, "decision": decision, **{k: v for k, v in flat.items() if k != "outcome"}}
    by_top, by_items = reply(calendar, case, flat), reply(calendar, case, {"items": [item]})
    assert dict(by_top.data) == dict(by_items.data)
    assert by_top.data["items"][0]["decision"] == decision
    assert all(by_top.data["items"][0][k] for k in ELEMENTS[decision][0])


@settings(max_examples=60, deadline=None)
@given(decision=st.sampled_from(replies.DECISIONS), data=st.data())
def test_a_reply_is_recorded_only_with_every_required_element(calendar, decision, data):
    """Any subset of a decision's required elements: recorded exactly when none is missing."""
    case = ready(calendar, decision)
    required = ELEMENTS[decision][0]
    kept = data.draw(st.lists(st.sampled_from(required), unique=True)) if required else []
    given_data = {k: v for k, v in reply_data(decision).items() if k == "outcome" or k in kept}
    if set(kept) == set(required):
        assert reply(calendar, case, given_data).data["outcome"] == decision
    else:
        with pytest.raises(FoiError) as info:
            reply(calendar, case, given_data)
        assert info.value.field in set(required) - set(kept)
