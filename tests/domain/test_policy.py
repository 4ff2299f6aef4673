"""The permission policy (domain/policy.py) as a table: every role × every action × every
relation of the target agency to the person's agency, allowed or refused with the rule.

The expected table is written out below by hand (from issue 11 and ogi-rules.md "Who acts for
an agency"), never recomputed from RULES: a change to RULES that changes who may do what
makes a cell of this table fail.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from foi_workflow.domain.identity import Principal, Role
from foi_workflow.domain.policy import (Action, PermissionDenied, Relation, allowed, authorize,
                                        relation)
from foi_workflow.services.auth import scheduler_principal

# ----- the agencies: ids and paths (the agency first, then its parents up to the top) ----------
#
#   CITY 1 ─┬─ DIST 2 ─┬─ BUREAU 4 ── TOWN 6 ── VILLAGE 9
#           │          └─ SIB 5 ── COUSIN 8
#           └─ DIST2 3
#   OTHER_CITY 7
CITY, DIST, DIST2, BUREAU, SIB, TOWN, OTHER_CITY, COUSIN, VILLAGE = (
    (1,), (2, 1), (3, 1), (4, 2, 1), (5, 2, 1), (6, 4, 2, 1), (7,), (8, 5, 2, 1), (9, 6, 4, 2, 1))

# The person acts from BUREAU (a body two levels under the top-level government); column n
# asks for national data from the top-level government CITY, column m from BUREAU.
TARGETS = {
    "o": [BUREAU],                     # own agency
    "b": [TOWN, VILLAGE],              # subordinate (below), at any depth
    "s": [SIB],                        # sibling: another body under the same parent
    "u": [DIST, CITY],                 # superior (up)
    "x": [DIST2, COUSIN, OTHER_CITY],  # unrelated
    "n": [None],                       # national data, asked from a top-level government
    "m": [None],                       # national data, asked from a body under a government
}
RELATION_OF = {"o": Relation.OWN, "b": Relation.SUBORDINATE, "s": Relation.SIBLING,
               "u": Relation.SUPERIOR, "x": Relation.UNRELATED, "n": Relation.NATIONAL,
               "m": Relation.NATIONAL}
RELATION_WORDS = {"o": "本机关", "b": "下级机关", "s": "同级机关", "u": "上级机关", "x": "其他机关",
                  "n": "全国性数据", "m": "全国性数据"}

ROLES = (Role.CLERK, Role.REVIEWER, Role.HEAD, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM, Role.APPLICANT)

# Which relations each role may act in (letters as in TARGETS; "" refused everywhere).
EXPECTED: dict[Action, tuple[str, str, str, str, str, str, str]] = {
    #                          clerk reviewer head  supervisor admin  system applicant (portal)
    Action.CASE_REGISTER:     ("o",  "",      "o",  "",        "",    "", "o"),
    Action.CASE_STEP:         ("o",  "o",     "o",  "o",       "",    "o", "o"),
    Action.CASE_READ:         ("o",  "o",     "ob", "ob",      "",    "o", "o"),
    Action.NOTICE_READ:       ("o",  "o",     "ob", "ob",      "",    "o", "o"),
    Action.NOTICE_REISSUE:    ("",   "",      "o",  "",        "",    "", ""),
    Action.BOARD_READ:        ("o",  "o",     "ob", "ob",      "",    "ob", ""),
    Action.SWEEP_RUN:         ("",   "",      "",   "ob",      "ob",  "ob", ""),
    Action.REPORT_READ:       ("o",  "o",     "ob", "ob",      "ob",  "ob", ""),
    Action.STATS_WRITE:       ("o",  "",      "o",  "",        "o",   "", ""),
    Action.STATS_LOCK:        ("",   "",      "o",  "",        "o",   "", ""),
    Action.BULK_IMPORT:       ("",   "",      "",   "",        "o",   "", ""),
    Action.CALENDAR_MANAGE:   ("",   "",      "",   "",        "n",   "n", ""),
    Action.DIRECTORY_MANAGE:  ("",   "",      "",   "",        "obn", "", ""),
    Action.NOTIFY_MANAGE:     ("",   "",      "",   "",        "ob",  "", ""),
    Action.ACCESS_LOG_READ:   ("",   "",      "",   "",        "ob",  "", ""),
}

ACTION_WORDS = {
    Action.CASE_REGISTER: "登记申请", Action.CASE_STEP: "办理案件事项", Action.CASE_READ: "查阅案件",
    Action.NOTICE_READ: "查阅告知书", Action.NOTICE_REISSUE: "重新出具告知书",
    Action.BOARD_READ: "查看督办看板", Action.SWEEP_RUN: "运行期限督办扫描",
    Action.REPORT_READ: "查看年度报告", Action.STATS_WRITE: "填报统计登记簿和报告正文",
    Action.STATS_LOCK: "锁定或解锁年度数据", Action.BULK_IMPORT: "批量导入申请",
    Action.CALENDAR_MANAGE: "管理工作日历", Action.DIRECTORY_MANAGE: "管理机关和账户",
    Action.NOTIFY_MANAGE: "设置督办摘要收件地址", Action.ACCESS_LOG_READ: "查阅访问日志",
}


def person(path: tuple[int, ...], *roles: Role, **kw) -> Principal:
    return Principal(kw.pop("account_id", 10), kw.pop("code", "zs"), kw.pop("name", "张三"), path[0],
                     path, frozenset(roles), **kw)


def _cells():
    for action, row in EXPECTED.items():
        for role, allowed_in in zip(ROLES, row):
            for letter in TARGETS:
                yield pytest.param(action, role, letter, letter in allowed_in,
                                   id=f"{action.value}-{role.value}-{letter}")


def test_the_table_covers_every_action_and_role():
    assert set(EXPECTED) == set(Action)
    assert set(ROLES) == set(Role)


def test_every_target_stands_in_the_relation_its_column_names():
    me = person(BUREAU, Role.CLERK)
    for letter, targets in TARGETS.items():
        for target in targets:
            assert relation(me, target) is RELATION_OF[letter], (letter, target)


@pytest.mark.parametrize("action,role,letter,expected", list(_cells()))
def test_policy_table(action: Action, role: Role, letter: str, expected: bool):
    me = person(CITY if letter == "n" else BUREAU, role)
    for target in TARGETS[letter]:
        assert allowed(me, action, target) is expected, target
        if expected:
            assert authorize(me, action, target, "某机关") is None
            continue
        with pytest.raises(PermissionDenied) as refused:
            authorize(me, action, target, "某机关")
        err = refused.value
        assert err.field == "actor"
        assert err.rule.startswith(f"“{ACTION_WORDS[action]}”限于"), err.rule
        assert ACTION_WORDS[action] in err.message and me.label() in err.message
        assert f"某机关（{RELATION_WORDS[letter]}）" in err.message


# ----- the rules in words, as a refusal states them ------------------------------------------

RULE_WORDS = {
    Action.CASE_STEP: "“办理案件事项”限于本机关的承办人、保密审查人、负责人、督办人"
                      "（上级机关可以查阅、督办，但不得以下级机关名义办理）",
    Action.CASE_REGISTER: "“登记申请”限于本机关的承办人、负责人（上级机关可以查阅、督办，但不得以下级机关名义办理）",
    Action.CASE_READ: "“查阅案件”限于本机关的承办人、保密审查人、负责人；本机关、下级机关的督办人；下级机关的负责人",
    Action.STATS_LOCK: "“锁定或解锁年度数据”限于本机关的负责人、管理员",
    Action.CALENDAR_MANAGE: "“管理工作日历”限于最上级人民政府的管理员（全国性数据）",
    Action.DIRECTORY_MANAGE: "“管理机关和账户”限于本机关、下级机关的管理员；最上级人民政府的管理员（全国性数据）",
    Action.ACCESS_LOG_READ: "“查阅访问日志”限于本机关、下级机关的管理员",
}


@pytest.mark.parametrize("action", list(RULE_WORDS), ids=str)
def test_a_refusal_names_the_rule_in_chinese(action: Action):
    nobody = person(BUREAU)  # no role at all: refused everything
    with pytest.raises(PermissionDenied) as refused:
        authorize(nobody, action, OTHER_CITY)
    assert refused.value.rule == RULE_WORDS[action]


def test_clerk_of_another_government_cannot_lock_the_district_figures():
    clerk = person(OTHER_CITY, Role.CLERK, Role.HEAD, Role.ADMIN)
    with pytest.raises(PermissionDenied, match="锁定或解锁年度数据"):
        authorize(clerk, Action.STATS_LOCK, DIST, "榆次区人民政府")


def test_a_superior_head_reads_a_subordinate_case_but_cannot_act_in_its_name():
    head = person(DIST, Role.HEAD, Role.SUPERVISOR)
    assert allowed(head, Action.CASE_READ, BUREAU)
    assert allowed(head, Action.BOARD_READ, BUREAU)
    for action in (Action.CASE_STEP, Action.CASE_REGISTER, Action.NOTICE_REISSUE, Action.STATS_LOCK,
                   Action.STATS_WRITE):
        with pytest.raises(PermissionDenied, match="不得以下级机关名义办理|本机关的"):
            authorize(head, action, BUREAU)


def test_national_data_is_managed_from_a_top_level_government_only():
    for path in (DIST, BUREAU, TOWN):
        admin = person(path, Role.ADMIN)
        assert not allowed(admin, Action.CALENDAR_MANAGE, None)
        assert not allowed(admin, Action.DIRECTORY_MANAGE, None)  # a new top-level government
    assert allowed(person(CITY, Role.ADMIN), Action.CALENDAR_MANAGE, None)
    assert allowed(person(OTHER_CITY, Role.ADMIN), Action.DIRECTORY_MANAGE, None)


# ----- several roles at once: the union of what each allows -----------------------------------

MULTI: dict[tuple[Role, ...], dict[Action, str]] = {
    (Role.CLERK, Role.REVIEWER): {
        Action.CASE_REGISTER: "o", Action.CASE_STEP: "o", Action.CASE_READ: "o",
        Action.NOTICE_READ: "o", Action.NOTICE_REISSUE: "", Action.BOARD_READ: "o",
        Action.SWEEP_RUN: "", Action.REPORT_READ: "o", Action.STATS_WRITE: "o",
        Action.STATS_LOCK: "", Action.BULK_IMPORT: "", Action.CALENDAR_MANAGE: "",
        Action.DIRECTORY_MANAGE: "", Action.NOTIFY_MANAGE: "", Action.ACCESS_LOG_READ: ""},
    (Role.CLERK, Role.ADMIN): {
        Action.CASE_REGISTER: "o", Action.CASE_STEP: "o", Action.CASE_READ: "o",
        Action.NOTICE_READ: "o", Action.NOTICE_REISSUE: "", Action.BOARD_READ: "o",
        Action.SWEEP_RUN: "ob", Action.REPORT_READ: "ob", Action.STATS_WRITE: "o",
        Action.STATS_LOCK: "o", Action.BULK_IMPORT: "o", Action.CALENDAR_MANAGE: "",
        Action.DIRECTORY_MANAGE: "ob", Action.NOTIFY_MANAGE: "ob", Action.ACCESS_LOG_READ: "ob"},
    (Role.SUPERVISOR, Role.ADMIN): {
        Action.CASE_REGISTER: "", Action.CASE_STEP: "o", Action.CASE_READ: "ob",
        Action.NOTICE_READ: "ob", Action.NOTICE_REISSUE: "", Action.BOARD_READ: "ob",
        Action.SWEEP_RUN: "ob", Action.REPORT_READ: "ob", Action.STATS_WRITE: "o",
        Action.STATS_LOCK: "o", Action.BULK_IMPORT: "o", Action.CALENDAR_MANAGE: "",
        Action.DIRECTORY_MANAGE: "ob", Action.NOTIFY_MANAGE: "ob", Action.ACCESS_LOG_READ: "ob"},
    (Role.CLERK, Role.REVIEWER, Role.HEAD, Role.SUPERVISOR, Role.ADMIN): {
        Action.CASE_REGISTER: "o", Action.CASE_STEP: "o", Action.CASE_READ: "ob",
        Action.NOTICE_READ: "ob", Action.NOTICE_REISSUE: "o", Action.BOARD_READ: "ob",
        Action.SWEEP_RUN: "ob", Action.REPORT_READ: "ob", Action.STATS_WRITE: "o",
        Action.STATS_LOCK: "o", Action.BULK_IMPORT: "o", Action.CALENDAR_MANAGE: "",
        Action.DIRECTORY_MANAGE: "ob", Action.NOTIFY_MANAGE: "ob", Action.ACCESS_LOG_READ: "ob"},
}


@pytest.mark.parametrize("roles", list(MULTI), ids=lambda rs: "+".join(r.value for r in rs))
def test_a_person_with_several_roles(roles: tuple[Role, ...]):
    me = person(BUREAU, *roles)
    assert set(MULTI[roles]) == set(Action)
    for action, allowed_in in MULTI[roles].items():
        for letter in "obsuxm":  # m: from a body, so no national data whatever the roles
            for target in TARGETS[letter]:
                assert allowed(me, action, target) is (letter in allowed_in), (action, letter, target)


def test_a_person_with_no_role_may_do_nothing():
    me = person(BUREAU)
    for action in Action:
        for letter, targets in TARGETS.items():
            for target in targets:
                assert not allowed(me, action, target)


# ----- the scheduler and the first set-up --------------------------------------------------------

SCHEDULER_MAY = {Action.SWEEP_RUN, Action.BOARD_READ, Action.REPORT_READ, Action.NOTICE_READ,
                 Action.CALENDAR_MANAGE}
EVERY_TARGET = [t for targets in TARGETS.values() for t in targets]


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_the_scheduler_sweeps_and_reads_everywhere_and_does_nothing_else(action: Action):
    scheduler = scheduler_principal(operator="prefect:run-1")
    assert scheduler.is_system and scheduler.agency_path == ()
    for target in EVERY_TARGET:
        assert allowed(scheduler, action, target) is (action in SCHEDULER_MAY), target
        if action not in SCHEDULER_MAY:
            with pytest.raises(PermissionDenied) as refused:
                authorize(scheduler, action, target)
            assert refused.value.rule.startswith(f"“{ACTION_WORDS[action]}”限于")


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_the_first_set_up_manages_the_directory_only(action: Action):
    setup = Principal(0, "system-bootstrap", "初始设置", 0, (), frozenset(), operator="os:root",
                      bootstrap=True)
    for target in EVERY_TARGET:
        assert allowed(setup, action, target) is (action is Action.DIRECTORY_MANAGE), target
    # the flag wins over any role it might be given
    setup_with_roles = Principal(0, "system-bootstrap", "初始设置", 4, BUREAU, frozenset(Role),
                                 bootstrap=True)
    assert allowed(setup_with_roles, action, BUREAU) is (action is Action.DIRECTORY_MANAGE)


# ----- properties ------------------------------------------------------------------------------

@st.composite
def forests(draw):
    """Agencies 1..n, each with no parent or an earlier one: {id: parent}."""
    n = draw(st.integers(1, 9))
    return {i: draw(st.one_of(st.none(), st.integers(1, i - 1))) if i > 1 else None
            for i in range(1, n + 1)}


def path_in(parents: dict[int, int | None], agency: int) -> tuple[int, ...]:
    out = [agency]
    while parents[out[-1]] is not None:
        out.append(parents[out[-1]])  # type: ignore[arg-type]
    return tuple(out)


roles_st = st.frozensets(st.sampled_from(ROLES), max_size=6)
text_st = st.text(max_size=12)


@given(forest=forests(), data=st.data(), roles=roles_st, action=st.sampled_from(list(Action)),
       account_id=st.integers(0, 10**6), code=text_st, name=text_st, operator=text_st,
       via=st.sampled_from(["cli", "web", "api", "flow", "system"]),
       token_id=st.one_of(st.none(), st.integers(1, 10**6)))
def test_allowing_depends_only_on_roles_and_relation(forest, data, roles, action, account_id, code,
                                                     name, operator, via, token_id):
    ids = sorted(forest)
    mine = path_in(forest, data.draw(st.sampled_from(ids)))
    target = data.draw(st.one_of(st.none(), st.sampled_from(ids).map(lambda a: path_in(forest, a))))
    me = Principal(account_id, code, name, mine[0], mine, roles, operator=operator, via=via,
                   token_id=token_id)
    rel = relation(me, target)
    # the same roles in the fixed tree above, at a target in the same relation (for national
    # data: asked from a top-level government, or from a body under one, as `me` asks)
    letter = {Relation.OWN: "o", Relation.SUBORDINATE: "b", Relation.SIBLING: "s",
              Relation.SUPERIOR: "u", Relation.UNRELATED: "x"}.get(rel) or ("n" if len(mine) == 1 else "m")
    standard = person(CITY if letter == "n" else BUREAU, *roles)
    for standard_target in TARGETS[letter]:
        assert allowed(me, action, target) is allowed(standard, action, standard_target)


@given(forest=forests(), data=st.data())
def test_relations_are_mutual(forest, data):
    ids = sorted(forest)
    a = path_in(forest, data.draw(st.sampled_from(ids)))
    b = path_in(forest, data.draw(st.sampled_from(ids)))
    mirror = {Relation.OWN: Relation.OWN, Relation.SUBORDINATE: Relation.SUPERIOR,
              Relation.SUPERIOR: Relation.SUBORDINATE, Relation.SIBLING: Relation.SIBLING,
              Relation.UNRELATED: Relation.UNRELATED}
    assert relation(person(b), a) is mirror[relation(person(a), b)]


@given(roles=roles_st, extra=st.sampled_from(ROLES), action=st.sampled_from(list(Action)),
       letter=st.sampled_from(list(TARGETS)))
def test_another_role_never_takes_a_permission_away(roles, extra, action, letter):
    path = CITY if letter == "n" else BUREAU
    for target in TARGETS[letter]:
        if allowed(person(path, *roles), action, target):
            assert allowed(person(path, *roles, extra), action, target)
