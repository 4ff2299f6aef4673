"""Permissions: what each role may do, and in which agency (ogi-rules.md "Who acts for an agency").

The answering agency's own office handles, reviews, approves and signs; staff of a superior
government read and supervise the bodies under it (cases, alerts, reports) but never act in
their name. Which role may make which case move is the legal rule in domain/case.py (`_MOVES`);
this table adds the agency scope for every use case. Pure: the caller gives the target agency's
path (its id, then its parent's, up to the top), read from the directory.

    authorize(principal, Action.STATS_LOCK, target_path)   # None, or PermissionDenied
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .errors import FoiError, InputError
from .identity import ROLE_LABELS, Principal, Role


class PermissionDenied(FoiError):
    """The acting person may not do this here; nothing was done (HTTP 403)."""


class AuthenticationError(FoiError):
    """No verified person: unknown account, wrong password, bad token (HTTP 401)."""


class NotFound(InputError):
    """No such record, or none this person may see: both answer alike (HTTP 404)."""


class Action(StrEnum):
    CASE_REGISTER = "case.register"
    CASE_STEP = "case.step"
    CASE_READ = "case.read"
    NOTICE_READ = "notice.read"
    NOTICE_REISSUE = "notice.reissue"
    BOARD_READ = "board.read"
    SWEEP_RUN = "sweep.run"
    REPORT_READ = "report.read"
    STATS_WRITE = "stats.write"          # registers, narrative sections
    STATS_LOCK = "stats.lock"
    BULK_IMPORT = "bulk.import"
    CALENDAR_MANAGE = "calendar.manage"  # load a year, recompute open cases
    DIRECTORY_MANAGE = "directory.manage"  # agencies, accounts, roles, tokens of others
    NOTIFY_MANAGE = "notify.manage"      # who receives the supervisors' digest
    ACCESS_LOG_READ = "access_log.read"


class Relation(StrEnum):
    OWN = "own"                  # the person's own agency
    SUBORDINATE = "subordinate"  # a body under the person's agency, at any depth
    SUPERIOR = "superior"        # a government above the person's agency
    SIBLING = "sibling"          # another body under the same parent
    UNRELATED = "unrelated"
    NATIONAL = "national"        # data with no agency (the working-day calendar)


RELATION_LABELS = {Relation.OWN: "本机关", Relation.SUBORDINATE: "下级机关", Relation.SUPERIOR: "上级机关",
                   Relation.SIBLING: "同级机关", Relation.UNRELATED: "其他机关",
                   Relation.NATIONAL: "全国性数据"}
ACTION_LABELS = {
    Action.CASE_REGISTER: "登记申请", Action.CASE_STEP: "办理案件事项", Action.CASE_READ: "查阅案件",
    Action.NOTICE_READ: "查阅告知书", Action.NOTICE_REISSUE: "重新出具告知书", Action.BOARD_READ: "查看督办看板",
    Action.SWEEP_RUN: "运行期限督办扫描", Action.REPORT_READ: "查看年度报告", Action.STATS_WRITE: "填报统计登记簿和报告正文",
    Action.STATS_LOCK: "锁定或解锁年度数据", Action.BULK_IMPORT: "批量导入申请", Action.CALENDAR_MANAGE: "管理工作日历",
    Action.DIRECTORY_MANAGE: "管理机关和账户", Action.NOTIFY_MANAGE: "设置督办摘要收件地址",
    Action.ACCESS_LOG_READ: "查阅访问日志",
}


@dataclass(frozen=True)
class Grant:
    roles: frozenset[Role]
    relations: frozenset[Relation]


def _g(roles: tuple[Role, ...], *relations: Relation) -> Grant:
    return Grant(frozenset(roles), frozenset(relations))


C, RV, H, S, A, SYS = Role.CLERK, Role.REVIEWER, Role.HEAD, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM
AP = Role.APPLICANT  # the public portal's actor (channel online), in the one agency it applies to
OWN, SUB, NATIONAL = Relation.OWN, Relation.SUBORDINATE, Relation.NATIONAL
HANDLING = (C, RV, H)

# The table: an action is allowed when one of its grants covers a role the person holds and
# the target's relation to the person's agency. Admins manage accounts and settings; they read
# no case unless they also hold a handling or supervising role (PIPL: least access).
RULES: dict[Action, tuple[Grant, ...]] = {
    # the portal's applicant (AP): register online, and — on the one case whose number and query
    # code were checked (services/portal.py) — read it, its notices, and make the applicant's own
    # moves (domain/case.py APPLICANT_MOVES); nothing else, nowhere else
    Action.CASE_REGISTER: (_g((C, H), OWN), _g((AP,), OWN)),
    Action.CASE_STEP: (_g((C, RV, H, S, SYS), OWN), _g((AP,), OWN)),  # which move: domain/case.py
    Action.CASE_READ: (_g(HANDLING, OWN), _g((S,), OWN, SUB), _g((H,), SUB), _g((SYS,), OWN), _g((AP,), OWN)),
    Action.NOTICE_READ: (_g(HANDLING, OWN), _g((S,), OWN, SUB), _g((H,), SUB), _g((SYS,), OWN),
                         _g((AP,), OWN)),
    Action.NOTICE_REISSUE: (_g((H,), OWN),),
    Action.BOARD_READ: (_g(HANDLING, OWN), _g((S,), OWN, SUB), _g((H,), SUB), _g((SYS,), OWN, SUB)),
    Action.SWEEP_RUN: (_g((S, A, SYS), OWN, SUB),),
    Action.REPORT_READ: (_g((*HANDLING, S, A, SYS), OWN), _g((H, S, A, SYS), SUB)),
    Action.STATS_WRITE: (_g((C, H, A), OWN),),
    Action.STATS_LOCK: (_g((H, A), OWN),),
    Action.BULK_IMPORT: (_g((A,), OWN),),
    Action.CALENDAR_MANAGE: (_g((A, SYS), NATIONAL),),
    Action.DIRECTORY_MANAGE: (_g((A,), OWN, SUB, NATIONAL),),  # NATIONAL: a new top-level government
    Action.NOTIFY_MANAGE: (_g((A,), OWN, SUB),),
    Action.ACCESS_LOG_READ: (_g((A,), OWN, SUB),),
}


def relation(principal: Principal, target_path: tuple[int, ...] | None) -> Relation:
    """How the target agency stands to the person's agency (None: national data)."""
    if target_path is None:
        return NATIONAL
    mine = principal.agency_path
    if target_path[0] == principal.agency_id:
        return OWN
    if principal.agency_id in target_path[1:]:
        return SUB
    if target_path[0] in mine[1:]:
        return Relation.SUPERIOR
    if len(target_path) > 1 and len(mine) > 1 and target_path[1] == mine[1]:
        return Relation.SIBLING
    return Relation.UNRELATED


# What the installation's scheduler (the system principal of no agency: scheduled flows) may do
# in every agency: run the sweep, read what it reports on, and apply a loaded calendar.
SCHEDULER_ACTIONS = frozenset({Action.SWEEP_RUN, Action.BOARD_READ, Action.REPORT_READ,
                               Action.NOTICE_READ, Action.CALENDAR_MANAGE})


def allowed(principal: Principal, action: Action, target_path: tuple[int, ...] | None) -> bool:
    if principal.bootstrap:  # first-run set-up: accounts and agencies only (services/auth.py)
        return action is Action.DIRECTORY_MANAGE
    if principal.is_system and not principal.agency_path:
        return action in SCHEDULER_ACTIONS
    rel = relation(principal, target_path)
    if rel is NATIONAL and len(principal.agency_path) != 1:
        return False  # national data is managed from a top-level government only
    return any(principal.roles & g.roles and rel in g.relations for g in RULES[action])


def rule_text(action: Action) -> str:
    """The rule in words, for the refusal message."""
    parts = []
    for g in RULES[action]:
        roles = "、".join(ROLE_LABELS[r] for r in Role if r in g.roles and r not in (SYS, AP))
        if not roles:
            continue
        where = "、".join(RELATION_LABELS[r] for r in Relation if r in g.relations and r is not NATIONAL)
        if where:
            parts.append(f"{where}的{roles}")
        if NATIONAL in g.relations:  # stated beside the agencies it also covers, not instead of them
            parts.append(f"最上级人民政府的{roles}（全国性数据）")
    text = "；".join(parts)
    if action in (Action.CASE_STEP, Action.CASE_REGISTER):
        text += "（上级机关可以查阅、督办，但不得以下级机关名义办理）"
    return f"“{ACTION_LABELS[action]}”限于{text}"


def authorize(principal: Principal, action: Action, target_path: tuple[int, ...] | None,
              target: str = "") -> None:
    """Nothing, or PermissionDenied naming the rule (the message says who and where)."""
    if allowed(principal, action, target_path):
        return
    rel = relation(principal, target_path)
    where = f"{target}（{RELATION_LABELS[rel]}）" if target else RELATION_LABELS[rel]
    raise PermissionDenied("actor", rule_text(action), f"{principal.label()}无权对{where}{ACTION_LABELS[action]}")
