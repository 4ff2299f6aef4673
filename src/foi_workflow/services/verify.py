"""`foi verify`: recompute the hash chains of the history and name any break (issue 17).

    verify(VerifyQuery(agency=...), uow, principal) -> Verification

Each case's events must be numbered 1..n without gaps (n = cases.event_count), each link must
equal the hash of the one before and of the event as stored (storage/chain.py), and the last
link must equal cases.chain_head; each agency's notices of a year must be linked the same way in
number order. A break names the case or notice and the first entry that does not match — never
any content (no personal data in the answer). The digest of all heads is returned too: kept
from one run to the next (the scheduled flow publishes it), it shows a history rewritten with
every later link recomputed.

Read like the board (Action.BOARD_READ for every agency checked: a supervisor or head checks
their agency and the bodies under it; the scheduler every agency); logged as "history.verify".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..domain.errors import InputError
from ..domain.identity import Principal
from ..domain.policy import Action, PermissionDenied, authorize
from ..storage import chain
from ..storage.models import AgencyRow, CaseEventRow, CaseRow
from ..storage.notice_tables import NoticeRow
from ..storage.uow import UnitOfWork
from . import access
from . import board as board_service
from . import sweep as sweep_service

ACTION = "history.verify"
BATCH = 1000


@dataclass(frozen=True)
class VerifyQuery:
    agency: str | None = None  # None: the reader's agency (the scheduler: every agency)


@dataclass
class Verification:
    cases: int = 0
    events: int = 0
    notices: int = 0
    breaks: list[dict[str, Any]] = field(default_factory=list)
    heads_sha256: str = ""

    @property
    def ok(self) -> bool:
        return not self.breaks

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "cases": self.cases, "events": self.events, "notices": self.notices,
                "breaks": self.breaks, "heads_sha256": self.heads_sha256}


def _break(what: str, ref: str, seq: int | None, problem: str) -> dict[str, Any]:
    return {"what": what, "ref": ref, "seq": seq, "problem": problem}


def check_cases(session, case_ids: list[int], out: Verification, heads: hashlib._Hash) -> None:
    for start in range(0, len(case_ids), BATCH):
        ids = case_ids[start:start + BATCH]
        rows = {r.id: r for r in session.execute(
            select(CaseRow.id, CaseRow.case_no, CaseRow.event_count, CaseRow.chain_head)
            .where(CaseRow.id.in_(ids)))}
        events: dict[int, list] = {i: [] for i in ids}
        for e in session.execute(select(CaseEventRow).where(CaseEventRow.case_id.in_(ids))
                                 .order_by(CaseEventRow.case_id, CaseEventRow.seq)).scalars():
            events[e.case_id].append(e)
        for case_id in ids:
            row = rows[case_id]
            out.cases += 1
            link, problem = "", None
            history = events[case_id]
            out.events += len(history)
            for expected, e in enumerate(history, 1):
                if e.seq != expected:
                    problem = _break("case", row.case_no, expected, f"第 {expected} 条办理记录缺失（记录编号不连续）")
                    break
                link = chain.event_link(link, row.case_no, e)
                if e.chain != link:
                    problem = _break("case", row.case_no, e.seq, f"第 {e.seq} 条办理记录与哈希链不符（记录被改动，"
                                                                 "或其前的记录被改动、插入或删除）")
                    break
            if problem is None and len(history) != row.event_count:
                problem = _break("case", row.case_no, len(history) + 1,
                                 f"案件登记 {row.event_count} 条办理记录，实有 {len(history)} 条")
            if problem is None and link != (row.chain_head or ""):
                problem = _break("case", row.case_no, len(history), "最后一条办理记录与案件记载的链尾不符（最新记录被删除或改动）")
            if problem is not None:
                out.breaks.append(problem)
            heads.update(f"{row.case_no}:{row.chain_head}\n".encode())


def check_notices(session, agency_ids: list[int], out: Verification, heads: hashlib._Hash) -> None:
    codes = dict(session.execute(select(AgencyRow.id, AgencyRow.code).where(AgencyRow.id.in_(agency_ids))).all())
    numbers: dict[int, str] = {}
    for agency_id in sorted(agency_ids):
        last: tuple[int, int, str] | None = None  # (year, number, link)
        for n in session.execute(select(NoticeRow).where(NoticeRow.agency_id == agency_id)
                                 .order_by(NoticeRow.year, NoticeRow.number)).scalars():
            out.notices += 1
            if n.case_id not in numbers:
                numbers[n.case_id] = session.scalar(select(CaseRow.case_no).where(CaseRow.id == n.case_id)) or ""
            prev = last[2] if last is not None and last[0] == n.year and last[1] == n.number - 1 else ""
            if n.number > 1 and (last is None or last[0] != n.year or last[1] != n.number - 1):
                out.breaks.append(_break("notice", n.doc_no, n.number, f"{n.year} 年第 {n.number - 1} 号文书缺失"))
            link = chain.notice_link(prev, numbers[n.case_id], codes[agency_id], n)
            if n.chain != link:
                out.breaks.append(_break("notice", n.doc_no, n.number, "文书登记内容与哈希链不符（文书被改动，或其前的文书被改动或删除）"))
            last = (n.year, n.number, n.chain or "")
        if last is not None:
            heads.update(f"{codes[agency_id]}:{last[0]}:{last[1]}:{last[2]}\n".encode())


def verify(q: VerifyQuery, uow: UnitOfWork, principal: Principal) -> Verification:
    denied: PermissionDenied | None = None
    with uow:
        session = uow.session
        parents = board_service._parents(session)
        if q.agency is not None:
            root = uow.directory.agency_by_code(q.agency) if isinstance(q.agency, str) else None
            if root is None:
                shown = q.agency[:60] if isinstance(q.agency, str) and q.agency.isprintable() else "?"
                raise InputError("agency", "须为已登记的机关代码", f"未知的机关“{shown}”")
        elif sweep_service.installation_wide(principal):
            root = None
        else:
            root = uow.directory.agency_by_id(principal.agency_id) if principal.agency_id else None
            if root is None:
                raise InputError("agency", "须指明机关代码", "请指明要核对的机关")
        try:
            if root is None:
                authorize(principal, Action.BOARD_READ, None, sweep_service.ALL_AGENCIES)
            else:
                authorize(principal, Action.BOARD_READ, board_service._path(parents, root.id), root.code)
        except PermissionDenied as err:
            denied = err
        if denied is None:
            ids = sorted(parents) if root is None else board_service.readable(session, principal, root.id, parents)
            out = Verification()
            heads = hashlib.sha256()
            case_ids = list(session.scalars(select(CaseRow.id).where(CaseRow.agency_id.in_(ids)).order_by(CaseRow.id)))
            check_cases(session, case_ids, out, heads)
            check_notices(session, ids, out, heads)
            out.heads_sha256 = heads.hexdigest()
            access.record(uow, principal, ACTION, agency_id=None if root is None else root.id,
                          target=("" if root is None else root.code) + (":ok" if out.ok else f":{len(out.breaks)}"))
            return out
    access.record_refused(uow, principal, ACTION, agency_id=None if root is None else root.id,
                          target="" if root is None else root.code, outcome="refused")
    raise denied
