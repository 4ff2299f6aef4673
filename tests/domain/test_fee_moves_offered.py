"""The case page offers a move only when it can apply: 逾期未缴费 once a fee notice was issued and
its payment period has passed (《政府信息公开信息处理费管理办法》: unpaid after the period, the
request counts as abandoned); 缴费 only while a fee is waiting; the consultation moves only while
a consultation waits."""

from __future__ import annotations

from foi_workflow.domain.case import Role, open_moves
from foi_workflow.domain.settings import AgencySettings

from .test_case_rules import D, accept, fee, mv, register, run  # noqa: F401  (run: a fixture)

STAFF = frozenset({Role.CLERK, Role.HEAD})


def offered(run, calendar, moves, today):
    case, _ = run(moves)
    return set(open_moves(case, STAFF, schedule=case.schedule(calendar, AgencySettings()), today=today))


def test_fee_lapsed_is_not_offered_without_a_fee_notice(run, calendar):
    moves = offered(run, calendar, [register(), accept()], D(2026, 6, 1))
    assert not {"fee_lapsed", "fee_paid"} & moves and "fee_notice" in moves


def test_fee_lapsed_is_not_offered_while_the_payment_period_runs(run, calendar):
    moves = offered(run, calendar, [register(), accept(), fee(delivered=D(2026, 3, 4))], D(2026, 4, 1))
    assert "fee_lapsed" not in moves and "fee_paid" in moves


def test_fee_lapsed_is_offered_once_the_payment_period_has_passed(run, calendar):
    moves = offered(run, calendar, [register(), accept(), fee(delivered=D(2026, 3, 4))], D(2026, 4, 2))
    assert "fee_lapsed" in moves


def test_neither_fee_move_is_offered_once_the_fee_is_paid(run, calendar):
    moves = offered(run, calendar, [register(), accept(), fee(delivered=D(2026, 3, 4)),
                                    mv("fee_paid", D(2026, 3, 10))], D(2026, 6, 1))
    assert not {"fee_lapsed", "fee_paid"} & moves


def test_without_today_a_date_dependent_move_is_not_offered(run, calendar):
    case, _ = run([register(), accept(), fee(delivered=D(2026, 3, 4))])
    assert "fee_lapsed" not in open_moves(case, STAFF)


def test_consultation_moves_are_offered_only_while_a_consultation_waits(run, calendar):
    before = offered(run, calendar, [register(), accept()], D(2026, 3, 10))
    assert not {"consultation_delivered", "consultation_answered"} & before
    sent = [register(), accept(), mv("consult", D(2026, 3, 3), kind="third_party", party="某公司")]
    assert {"consultation_delivered", "consultation_answered"} <= offered(run, calendar, sent, D(2026, 3, 10))
    answered = [*sent, mv("consultation_answered", D(2026, 3, 9), answer="consent")]
    assert not {"consultation_delivered", "consultation_answered"} & offered(run, calendar, answered, D(2026, 3, 10))
