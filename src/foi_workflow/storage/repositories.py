"""Repositories: the directory (agencies, accounts, roles, tokens), sign-in failures, the access log.

Each returns plain records (no ORM rows) so that services can be tested on the in-memory
unit of work of tests/fakes.py; the SQL behind them is tested in tests/integration.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..domain.identity import Role
from ..localtime import as_local
from .identity_tables import AccessLogRow, ApiTokenRow, SigninFailureRow, StaffChangeRow
from .models import AgencyRow, StaffRoleRow, StaffRow


@dataclass(frozen=True)
class Agency:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    settings: dict


@dataclass(frozen=True)
class Account:
    id: int
    code: str
    name: str
    agency_id: int
    kind: str  # person | system
    identifier: str | None
    roles: frozenset[Role]
    active: bool
    password_hash: str | None = field(repr=False)  # argon2id; kept out of logs and tracebacks
    created_at: dt.datetime | None = None
    deactivated_at: dt.datetime | None = None


@dataclass(frozen=True)
class Token:
    id: int
    staff_id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


@dataclass(frozen=True)
class AccountChange:
    id: int
    staff_id: int
    change: str
    detail: dict
    by: str
    operator: str
    at: dt.datetime


@dataclass(frozen=True)
class AccessEntry:
    at: dt.datetime
    staff: str
    operator: str
    via: str
    action: str
    agency_id: int | None = None
    case_id: int | None = None
    applicant_id: int | None = None
    target: str = ""
    outcome: str = "ok"
    id: int = 0


def _agency(row: AgencyRow) -> Agency:
    return Agency(row.id, row.code, row.name, row.kind, row.parent_id, dict(row.settings or {}))


def _t(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else as_local(value)


def _token(row: ApiTokenRow) -> Token:
    return Token(row.id, row.staff_id, row.name, row.prefix, _t(row.created_at),  # type: ignore[arg-type]
                 _t(row.expires_at), _t(row.revoked_at), _t(row.last_used_at))  # type: ignore[arg-type]


class DirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._parents: dict[int, int | None] = {}  # agency_path's reads (a parent is set once, at creation)

    # ----- agencies
    def agency_by_code(self, code: str) -> Agency | None:
        row = self.session.scalar(select(AgencyRow).where(AgencyRow.code == code))
        return _agency(row) if row else None

    def agency_by_id(self, agency_id: int) -> Agency | None:
        row = self.session.get(AgencyRow, agency_id)
        return _agency(row) if row else None

    def add_agency(self, *, code: str, name: str, kind: str, parent_id: int | None,
                   settings: dict[str, Any]) -> Agency:
        row = AgencyRow(code=code, name=name, kind=kind, parent_id=parent_id, settings=settings)
        self.session.add(row)
        self.session.flush()
        return _agency(row)

    def agency_path(self, agency_id: int) -> tuple[int, ...]:
        """The agency's id, then its parent's, up to the top-level government."""
        path, seen = [], set()
        current: int | None = agency_id
        while current is not None and current not in seen:
            seen.add(current)
            path.append(current)
            if current not in self._parents:  # each agency's parent read once per unit of work
                self._parents[current] = self.session.scalar(select(AgencyRow.parent_id)
                                                             .where(AgencyRow.id == current))
            current = self._parents[current]
        return tuple(path)

    def subtree_ids(self, agency_id: int) -> list[int]:
        """The agency and every body under it, at any depth."""
        children: dict[int | None, list[int]] = {}
        for id_, parent in self.session.execute(select(AgencyRow.id, AgencyRow.parent_id)):
            children.setdefault(parent, []).append(id_)
        out, todo = [], [agency_id]
        while todo:
            id_ = todo.pop()
            out.append(id_)
            todo.extend(children.get(id_, []))
        return out

    def has_admin(self) -> bool:
        q = (select(func.count()).select_from(StaffRow)
             .join(StaffRoleRow, StaffRoleRow.staff_id == StaffRow.id)
             .where(StaffRoleRow.role == Role.ADMIN.value, StaffRow.active.is_(True),
                    StaffRow.kind == "person"))
        return bool(self.session.scalar(q))

    # ----- accounts
    def _account(self, row: StaffRow | None) -> Account | None:
        if row is None:
            return None
        roles = self.session.scalars(select(StaffRoleRow.role).where(StaffRoleRow.staff_id == row.id)).all()
        return Account(row.id, row.code, row.name, row.agency_id, row.kind, row.identifier,
                       frozenset(Role(r) for r in roles), bool(row.active), row.password_hash,
                       _t(row.created_at), _t(row.deactivated_at))

    def account_by_code(self, code: str) -> Account | None:
        return self._account(self.session.scalar(select(StaffRow).where(StaffRow.code == code)))

    def account_by_id(self, account_id: int) -> Account | None:
        return self._account(self.session.get(StaffRow, account_id))

    def account_by_identifier(self, identifier: str) -> Account | None:
        return self._account(self.session.scalar(select(StaffRow).where(StaffRow.identifier == identifier)))

    def accounts(self, agency_ids: Iterable[int] | None = None) -> list[Account]:
        q = select(StaffRow).where(StaffRow.kind == "person").order_by(StaffRow.agency_id, StaffRow.code)
        if agency_ids is not None:
            q = q.where(StaffRow.agency_id.in_(list(agency_ids)))
        rows = self.session.scalars(q).all()
        roles: dict[int, set[Role]] = {}
        if rows:
            for sid, role in self.session.execute(select(StaffRoleRow.staff_id, StaffRoleRow.role)
                                                  .where(StaffRoleRow.staff_id.in_([r.id for r in rows]))):
                roles.setdefault(sid, set()).add(Role(role))
        return [Account(r.id, r.code, r.name, r.agency_id, r.kind, r.identifier,
                        frozenset(roles.get(r.id, ())), bool(r.active), r.password_hash,
                        _t(r.created_at), _t(r.deactivated_at)) for r in rows]

    def add_account(self, *, code: str, name: str, agency_id: int, identifier: str | None,
                    roles: frozenset[Role], password_hash: str | None, at: dt.datetime,
                    kind: str = "person") -> Account:
        row = StaffRow(code=code, name=name, agency_id=agency_id, identifier=identifier, kind=kind,
                       password_hash=password_hash, password_set_at=at if password_hash else None,
                       created_at=at, active=True)
        self.session.add(row)
        self.session.flush()
        self.session.add_all(StaffRoleRow(staff_id=row.id, role=r.value) for r in roles)
        self.session.flush()
        return self.account_by_id(row.id)  # type: ignore[return-value]

    def set_roles(self, account_id: int, roles: frozenset[Role]) -> None:
        self.session.execute(delete(StaffRoleRow).where(StaffRoleRow.staff_id == account_id))
        self.session.add_all(StaffRoleRow(staff_id=account_id, role=r.value) for r in roles)
        self.session.flush()

    def set_active(self, account_id: int, active: bool, at: dt.datetime) -> None:
        row = self.session.get(StaffRow, account_id)
        assert row is not None
        row.active = active
        row.deactivated_at = None if active else at
        self.session.flush()

    def set_password_hash(self, account_id: int, password_hash: str, at: dt.datetime) -> None:
        row = self.session.get(StaffRow, account_id)
        assert row is not None
        row.password_hash, row.password_set_at = password_hash, at
        self.session.flush()

    def record_change(self, account_id: int, change: str, detail: dict[str, Any], *, by: str,
                      operator: str, at: dt.datetime) -> None:
        self.session.add(StaffChangeRow(staff_id=account_id, change=change, detail=detail, by=by,
                                        operator=operator, at=at))
        self.session.flush()

    def changes(self, account_id: int | None = None) -> list[AccountChange]:
        q = select(StaffChangeRow).order_by(StaffChangeRow.id)
        if account_id is not None:
            q = q.where(StaffChangeRow.staff_id == account_id)
        return [AccountChange(r.id, r.staff_id, r.change, dict(r.detail or {}), r.by, r.operator, as_local(r.at))
                for r in self.session.scalars(q)]

    # ----- tokens
    def add_token(self, *, staff_id: int, name: str, token_hash: str, prefix: str,
                  created_at: dt.datetime, expires_at: dt.datetime) -> Token:
        row = ApiTokenRow(staff_id=staff_id, name=name, token_hash=token_hash, prefix=prefix,
                          created_at=created_at, expires_at=expires_at)
        self.session.add(row)
        self.session.flush()
        return _token(row)

    def token_by_hash(self, token_hash: str) -> Token | None:
        row = self.session.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash))
        return _token(row) if row else None

    def token_by_id(self, token_id: int) -> Token | None:
        row = self.session.get(ApiTokenRow, token_id)
        return _token(row) if row else None

    def tokens(self, staff_id: int) -> list[Token]:
        return [_token(r) for r in self.session.scalars(
            select(ApiTokenRow).where(ApiTokenRow.staff_id == staff_id).order_by(ApiTokenRow.id))]

    def revoke_token(self, token_id: int, at: dt.datetime) -> None:
        row = self.session.get(ApiTokenRow, token_id)
        assert row is not None
        row.revoked_at = at
        self.session.flush()

    def touch_token(self, token_id: int, at: dt.datetime) -> None:
        row = self.session.get(ApiTokenRow, token_id)
        if row is not None:
            row.last_used_at = at


class SigninRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def failures_since(self, account: str, since: dt.datetime) -> int:
        return self.session.scalar(select(func.count()).select_from(SigninFailureRow)
                                   .where(SigninFailureRow.account == account,
                                          SigninFailureRow.at >= since)) or 0

    def add_failure(self, account: str, at: dt.datetime) -> None:
        self.session.add(SigninFailureRow(account=account[:60], at=at))
        self.session.flush()

    def clear(self, account: str) -> None:
        self.session.execute(delete(SigninFailureRow).where(SigninFailureRow.account == account))


class AccessLogRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, entry: AccessEntry) -> None:
        self.session.add(AccessLogRow(at=entry.at, staff=entry.staff, operator=entry.operator[:80],
                                      via=entry.via, action=entry.action, agency_id=entry.agency_id,
                                      case_id=entry.case_id, applicant_id=entry.applicant_id,
                                      target=entry.target[:80], outcome=entry.outcome))
        self.session.flush()

    def query(self, *, agency_ids: Iterable[int] | None = None, staff: str | None = None,
              case_id: int | None = None, since: dt.datetime | None = None,
              limit: int = 200) -> list[AccessEntry]:
        q = select(AccessLogRow).order_by(AccessLogRow.id.desc()).limit(limit)
        if agency_ids is not None:
            q = q.where(AccessLogRow.agency_id.in_(list(agency_ids)))
        if staff is not None:
            q = q.where(AccessLogRow.staff == staff)
        if case_id is not None:
            q = q.where(AccessLogRow.case_id == case_id)
        if since is not None:
            q = q.where(AccessLogRow.at >= since)
        return [AccessEntry(as_local(r.at), r.staff, r.operator, r.via, r.action, r.agency_id, r.case_id,
                            r.applicant_id, r.target, r.outcome, r.id) for r in self.session.scalars(q)]
