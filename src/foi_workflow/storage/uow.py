"""The unit of work: one transaction, with the repositories the services use inside it.

    uow = SqlUnitOfWork(settings)        # once per process (one session factory per URL)
    with uow:                            # begins; commits at the end, rolls back on any error
        account = uow.directory.account_by_code("zs")
        uow.session                      # the SQLAlchemy session, for set-wise SQL

A unit of work may be entered again after it ended (a new transaction each time). Services
never open sessions from a URL and never read the environment: they are handed a unit of work.
tests/fakes.py has an in-memory unit of work with the same repositories.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from ..config import Settings
from . import db
from .repositories import AccessLogRepository, DirectoryRepository, SigninRepository


class UnitOfWork(Protocol):
    settings: Settings
    directory: DirectoryRepository
    access_log: AccessLogRepository
    signins: SigninRepository

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, *exc) -> None: ...


@lru_cache(maxsize=8)
def _factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(db.get_engine(url), expire_on_commit=False)


class SqlUnitOfWork:
    """A unit of work on the application database (SQLite or PostgreSQL)."""

    def __init__(self, settings: Settings | None = None, *, url: str | None = None) -> None:
        if settings is None:
            settings = Settings.load(**({"database_url": url} if url else {}))
        self.settings = settings
        self.url = db.database_url(settings.database_url)
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not entered (use `with uow:`)")
        return self._session

    def __enter__(self) -> SqlUnitOfWork:
        if self._session is not None:
            raise RuntimeError("the unit of work is already in a transaction")
        self._session = _factory(self.url)()
        # what runs inside the transaction without the unit of work (notices issued by a step:
        # their templates folder) finds the settings beside the session
        self._session.info["settings"] = self.settings
        self._session.begin()
        self.directory = DirectoryRepository(self._session)
        self.access_log = AccessLogRepository(self._session)
        self.signins = SigninRepository(self._session)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        session, self._session = self._session, None
        assert session is not None
        try:
            if exc_type is None:
                session.commit()
            else:
                session.rollback()
        finally:
            session.close()

    def __repr__(self) -> str:  # never the URL's password
        return f"SqlUnitOfWork({db.get_engine(self.url).url!r})"
