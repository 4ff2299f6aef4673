"""An in-memory unit of work for testing services where no SQL is under test.

    uow = FakeUnitOfWork()
    with uow:                                  # one transaction: kept at the end, undone on error
        accounts.create_account(cmd, uow, principal)

It has the repositories of storage/repositories.py (DirectoryRepository, SigninRepository,
AccessLogRepository) with the same methods on dicts and lists, and the same uniqueness rules
as the database (account code, person identifier, token hash: IntegrityError). It has no
`session`: a service that reaches for SQL fails here, loudly. Like SqlUnitOfWork, it is used
only inside `with uow:` and may be entered again after a transaction ended.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

from sqlalchemy.exc import IntegrityError

from foi_workflow.config import Settings
from foi_workflow.domain.identity import Role
from foi_workflow.localtime import as_local
from foi_workflow.storage.repositories import AccessEntry, Account, AccountChange, Agency, Token


def _unique(what: str) -> IntegrityError:
    return IntegrityError(f"UNIQUE constraint failed: {what}", None, Exception(what))


@dataclass
class _Data:
    """Everything the fake database holds (copied at the start of each transaction)."""

    agencies: dict[int, Agency] = field(default_factory=dict)
    accounts: dict[int, dict[str, Any]] = field(default_factory=dict)  # the staff row's columns
    roles: dict[int, set[Role]] = field(default_factory=dict)
    changes: list[AccountChange] = field(default_factory=list)
    tokens: dict[int, dict[str, Any]] = field(default_factory=dict)
    signin_failures: list[tuple[str, dt.datetime]] = field(default_factory=list)
    access_log: list[AccessEntry] = field(default_factory=list)
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class _Repository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def data(self) -> _Data:
        return self._uow._in_transaction()


class FakeDirectoryRepository(_Repository):
    # ----- agencies
    def add_agency(self, *, code: str, name: str, kind: str, parent_id: int | None,
                   settings: dict[str, Any]) -> Agency:
        d = self.data
        if any(a.code == code for a in d.agencies.values()):
            raise _unique("agencies.code")
        if parent_id is not None and parent_id not in d.agencies:
            raise IntegrityError("FOREIGN KEY constraint failed", None, Exception("agencies.parent_id"))
        agency = Agency(d.new_id(), code, name, kind, parent_id, dict(settings))
        d.agencies[agency.id] = agency
        return agency

    def agency_by_code(self, code: str) -> Agency | None:
        return next((a for a in self.data.agencies.values() if a.code == code), None)

    def agency_by_id(self, agency_id: int) -> Agency | None:
        return self.data.agencies.get(agency_id)

    def agency_path(self, agency_id: int) -> tuple[int, ...]:
        path, seen = [], set()
        current: int | None = agency_id
        while current is not None and current not in seen:
            seen.add(current)
            path.append(current)
            found = self.data.agencies.get(current)
            current = found.parent_id if found else None
        return tuple(path)

    def subtree_ids(self, agency_id: int) -> list[int]:
        out, todo = [], [agency_id]
        while todo:
            id_ = todo.pop()
            out.append(id_)
            todo.extend(a.id for a in self.data.agencies.values() if a.parent_id == id_)
        return out

    def has_admin(self) -> bool:
        return any(r["active"] and r["kind"] == "person" and Role.ADMIN in self.data.roles.get(i, ())
                   for i, r in self.data.accounts.items())

    # ----- accounts
    def _account(self, row: dict[str, Any] | None) -> Account | None:
        if row is None:
            return None
        return Account(row["id"], row["code"], row["name"], row["agency_id"], row["kind"],
                       row["identifier"], frozenset(self.data.roles.get(row["id"], ())),
                       row["active"], row["password_hash"], row["created_at"], row["deactivated_at"])

    def account_by_code(self, code: str) -> Account | None:
        return self._account(next((r for r in self.data.accounts.values() if r["code"] == code), None))

    def account_by_id(self, account_id: int) -> Account | None:
        return self._account(self.data.accounts.get(account_id))

    def account_by_identifier(self, identifier: str) -> Account | None:
        return self._account(next((r for r in self.data.accounts.values()
                                   if r["identifier"] is not None and r["identifier"] == identifier), None))

    def accounts(self, agency_ids: Iterable[int] | None = None) -> list[Account]:
        wanted = None if agency_ids is None else set(agency_ids)
        rows = sorted((r for r in self.data.accounts.values()
                       if r["kind"] == "person" and (wanted is None or r["agency_id"] in wanted)),
                      key=lambda r: (r["agency_id"], r["code"]))
        return [self._account(r) for r in rows]  # type: ignore[misc]

    def add_account(self, *, code: str, name: str, agency_id: int, identifier: str | None,
                    roles: frozenset[Role], password_hash: str | None, at: dt.datetime,
                    kind: str = "person") -> Account:
        d = self.data
        if any(r["code"] == code for r in d.accounts.values()):
            raise _unique("staff.code")
        if identifier is not None and any(r["identifier"] == identifier for r in d.accounts.values()):
            raise _unique("staff.identifier")
        if agency_id not in d.agencies:
            raise IntegrityError("FOREIGN KEY constraint failed", None, Exception("staff.agency_id"))
        id_ = d.new_id()
        d.accounts[id_] = {"id": id_, "code": code, "name": name, "agency_id": agency_id,
                           "identifier": identifier, "kind": kind, "active": True,
                           "password_hash": password_hash,
                           "password_set_at": at if password_hash else None,
                           "created_at": as_local(at), "deactivated_at": None}
        d.roles[id_] = set(roles)
        return self.account_by_id(id_)  # type: ignore[return-value]

    def set_roles(self, account_id: int, roles: frozenset[Role]) -> None:
        assert account_id in self.data.accounts
        self.data.roles[account_id] = set(roles)

    def set_active(self, account_id: int, active: bool, at: dt.datetime) -> None:
        row = self.data.accounts[account_id]
        row["active"] = active
        row["deactivated_at"] = None if active else as_local(at)

    def set_password_hash(self, account_id: int, password_hash: str, at: dt.datetime) -> None:
        row = self.data.accounts[account_id]
        row["password_hash"], row["password_set_at"] = password_hash, at

    def record_change(self, account_id: int, change: str, detail: dict[str, Any], *, by: str,
                      operator: str, at: dt.datetime) -> None:
        d = self.data
        assert account_id in d.accounts
        d.changes.append(AccountChange(d.new_id(), account_id, change, copy.deepcopy(detail), by,
                                       operator, as_local(at)))

    def changes(self, account_id: int | None = None) -> list[AccountChange]:
        return [c for c in self.data.changes if account_id is None or c.staff_id == account_id]

    # ----- tokens
    def _token(self, row: dict[str, Any] | None) -> Token | None:
        if row is None:
            return None
        return Token(row["id"], row["staff_id"], row["name"], row["prefix"], row["created_at"],
                     row["expires_at"], row["revoked_at"], row["last_used_at"])

    def add_token(self, *, staff_id: int, name: str, token_hash: str, prefix: str,
                  created_at: dt.datetime, expires_at: dt.datetime) -> Token:
        d = self.data
        if any(t["token_hash"] == token_hash for t in d.tokens.values()):
            raise _unique("api_tokens.token_hash")
        assert staff_id in d.accounts
        id_ = d.new_id()
        d.tokens[id_] = {"id": id_, "staff_id": staff_id, "name": name, "token_hash": token_hash,
                         "prefix": prefix, "created_at": as_local(created_at),
                         "expires_at": as_local(expires_at), "revoked_at": None, "last_used_at": None}
        return self._token(d.tokens[id_])  # type: ignore[return-value]

    def token_by_hash(self, token_hash: str) -> Token | None:
        return self._token(next((t for t in self.data.tokens.values() if t["token_hash"] == token_hash), None))

    def token_by_id(self, token_id: int) -> Token | None:
        return self._token(self.data.tokens.get(token_id))

    def tokens(self, staff_id: int) -> list[Token]:
        return [self._token(t) for t in sorted(self.data.tokens.values(), key=lambda t: t["id"])  # type: ignore[misc]
                if t["staff_id"] == staff_id]

    def revoke_token(self, token_id: int, at: dt.datetime) -> None:
        self.data.tokens[token_id]["revoked_at"] = as_local(at)

    def touch_token(self, token_id: int, at: dt.datetime) -> None:
        row = self.data.tokens.get(token_id)
        if row is not None:
            row["last_used_at"] = as_local(at)

    # what the fake stores, for the tests' eyes only (the real repository has no such method)
    def stored_token_hashes(self) -> list[str]:
        return [t["token_hash"] for t in self.data.tokens.values()]


class FakeSigninRepository(_Repository):
    def failures_since(self, account: str, since: dt.datetime) -> int:
        return sum(1 for who, at in self.data.signin_failures if who == account and at >= since)

    def add_failure(self, account: str, at: dt.datetime) -> None:
        self.data.signin_failures.append((account[:60], at))

    def clear(self, account: str) -> None:
        self.data.signin_failures = [f for f in self.data.signin_failures if f[0] != account]


class FakeAccessLogRepository(_Repository):
    def add(self, entry: AccessEntry) -> None:
        d = self.data
        d.access_log.append(replace(entry, id=d.new_id(), operator=entry.operator[:80],
                                    target=entry.target[:80]))

    def query(self, *, agency_ids: Iterable[int] | None = None, staff: str | None = None,
              case_id: int | None = None, since: dt.datetime | None = None,
              limit: int = 200) -> list[AccessEntry]:
        wanted = None if agency_ids is None else set(agency_ids)
        out = [e for e in reversed(self.data.access_log)
               if (wanted is None or e.agency_id in wanted) and (staff is None or e.staff == staff)
               and (case_id is None or e.case_id == case_id) and (since is None or e.at >= since)]
        return out[:limit]


class FakeUnitOfWork:
    """The unit of work of storage/uow.py on dicts and lists (see the module's docstring)."""

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        self.settings = settings or Settings.load(database_url="sqlite://", **overrides)
        self.committed = _Data()
        self._working: _Data | None = None
        self.transactions = 0  # how many ended with a commit
        self.directory = FakeDirectoryRepository(self)
        self.signins = FakeSigninRepository(self)
        self.access_log = FakeAccessLogRepository(self)

    def _in_transaction(self) -> _Data:
        if self._working is None:
            raise RuntimeError("the unit of work is not entered (use `with uow:`)")
        return self._working

    @property
    def session(self):
        raise AttributeError("FakeUnitOfWork has no SQL session: a service reached for SQL "
                             "where a repository method would do")

    def __enter__(self) -> FakeUnitOfWork:
        if self._working is not None:
            raise RuntimeError("the unit of work is already in a transaction")
        self._working = copy.deepcopy(self.committed)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        working, self._working = self._working, None
        if exc_type is None:
            assert working is not None
            self.committed = working
            self.transactions += 1

    def snapshot(self) -> _Data:
        """A copy of what the open transaction holds now (to show that a refusal wrote nothing)."""
        return copy.deepcopy(self._in_transaction())
