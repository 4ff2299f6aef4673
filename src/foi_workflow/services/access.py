"""The access log (PIPL): every read of a case, its applicant's data, a notice, a list or a
report is recorded with who, how and when; admins query it for their agencies."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from .. import localtime
from ..domain.identity import Principal
from ..domain.policy import Action, authorize
from ..storage.repositories import AccessEntry
from ..storage.uow import UnitOfWork


def record(uow: UnitOfWork, principal: Principal, action: str, *, agency_id: int | None = None,
           case_id: int | None = None, applicant_id: int | None = None, target: str = "",
           outcome: str = "ok") -> None:
    """Log one read in the caller's transaction (ids and numbers only, never personal data)."""
    uow.access_log.add(AccessEntry(localtime.now(), principal.code, principal.operator, principal.via,
                                   action, agency_id, case_id, applicant_id, target, outcome))


def record_refused(uow: UnitOfWork, principal: Principal, action: str, **ids) -> None:
    """Log a refused or missing read in a transaction of its own (the read's own rolls back)."""
    with uow:
        record(uow, principal, action, **ids)


@dataclass(frozen=True)
class Query:
    agency: str | None = None     # default: the admin's own agency and every body under it
    staff: str | None = None
    case_no: str | None = None
    since: dt.datetime | None = None
    limit: int = 200


def entries(q: Query, uow: UnitOfWork, principal: Principal) -> list[AccessEntry]:
    """The access log for an admin's agencies (newest first)."""
    from ..domain.errors import InputError
    from ..storage.models import CaseRow
    from sqlalchemy import select

    if not 1 <= q.limit <= 10_000:
        raise InputError("limit", "条数为1–10000", f"无效的条数 {q.limit}")
    if q.agency:
        found = uow.directory.agency_by_code(q.agency)
        if found is None:
            raise InputError("agency", "须为已登记的机关代码", "未知的机关")
        root_id = found.id
    else:
        root_id = principal.agency_id
    authorize(principal, Action.ACCESS_LOG_READ, uow.directory.agency_path(root_id), q.agency or "")
    case_id = None
    if q.case_no:
        case_id = uow.session.scalar(select(CaseRow.id).where(CaseRow.case_no == q.case_no))
        if case_id is None:
            return []
    return uow.access_log.query(agency_ids=uow.directory.subtree_ids(root_id), staff=q.staff,
                                case_id=case_id, since=q.since, limit=q.limit)


def as_dict(entry: AccessEntry) -> dict:
    d = asdict(entry)
    d["at"] = localtime.as_local(entry.at).isoformat(timespec="seconds")
    return d
