"""The calendar in force (shipped years plus those loaded into the database) and loading a year.

    load_year(LoadYear(path), uow, principal)   # Action.CALENDAR_MANAGE: an admin of a
                                                # top-level government (national data)

The calendar is public data: anyone may read it (current_calendar); only an admin of a
top-level government loads a year, recorded with their account code and the operator.
Loading imports the policy and the year-file parser when it runs: `foi clock` reads the calendar
through this module and stays light.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.calendar import WorkingCalendar
from ..domain.errors import InputError
from . import build_calendar

if TYPE_CHECKING:
    from ..domain.identity import Principal
    from ..storage.uow import UnitOfWork


def current_calendar(url: str) -> WorkingCalendar:
    """The calendar in force for a database (shipped years if none are loaded). Entry points
    pass their Settings' database URL; inside a unit of work use
    services.cases.session_calendar(uow.session)."""
    if _surely_no_loaded_years(url):
        return build_calendar()  # the shipped years: no SQLAlchemy imported (`foi clock` stays quick)
    from ..storage import db

    if not db.has_table("calendar_years", url):
        return build_calendar()
    from ..storage.calendar_repo import loaded_years

    with db.session_scope(url) as session:
        return build_calendar(loaded_years(session))


def _surely_no_loaded_years(url: str) -> bool:
    """True when an SQLite database certainly holds no loaded year — its file does not exist, or
    it has no calendar_years table or no row in it — checked with the standard library's sqlite3
    only; False (look properly) for any other database or any doubt."""
    if not url.startswith("sqlite:///"):
        return False
    path = url[len("sqlite:///"):]
    if path in ("", ":memory:"):
        return False
    file = Path(path)
    if not file.exists():
        return True
    import sqlite3

    try:
        con = sqlite3.connect(file.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            if con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                           "AND name = 'calendar_years'").fetchone() is None:
                return True
            return con.execute("SELECT 1 FROM calendar_years LIMIT 1").fetchone() is None
        finally:
            con.close()
    except sqlite3.Error:
        return False


@dataclass(frozen=True)
class LoadYear:
    """Load the official arrangement of one year from a file (TOML or JSON, docs/calendar.md)."""

    path: Path


@dataclass(frozen=True)
class LoadResult:
    year: int
    status: str  # "loaded" | "replaced" | "unchanged"
    version_before: str
    version_after: str
    loaded_by: str = ""


def load_year(cmd: LoadYear, uow: UnitOfWork, principal: Principal) -> LoadResult:
    """Load an official year from a file: all checked first, then one transaction.

    Action.CALENDAR_MANAGE (the calendar is national data: an admin of a top-level government);
    the year is recorded as loaded by the principal's account code, with the operator."""
    from ..domain.policy import Action, authorize
    from ..storage.calendar_repo import record_year
    from .yearfile import parse_year_file

    authorize(principal, Action.CALENDAR_MANAGE, None, "工作日历")
    yf = parse_year_file(Path(cmd.path))
    new = yf.arrangement
    with uow:
        session = uow.session
        before, after, current = _calendars(session, yf)
        if after is None:
            return LoadResult(new.year, "unchanged", before.version, before.version)
        record_year(session, new, replaces_official=current.official, reason=yf.reason,
                    sha256=yf.sha256, loaded_by=principal.code, calendar_version=after.version,
                    operator=principal.operator)
        status = "replaced" if current.official else "loaded"
        return LoadResult(new.year, status, before.version, after.version, principal.code)


def _calendars(session, yf):
    """(the calendar in force, the calendar after loading the year file or None when it changes
    nothing, the year's current arrangement); an official year is replaced only when the file
    says so."""
    from ..storage.calendar_repo import loaded_years

    new = yf.arrangement
    loaded = loaded_years(session)
    before = build_calendar(loaded)
    current = before.arrangements[new.year]
    if current.official and current.same_days_as(new):
        return before, None, current
    if current.official and not yf.replaces_official:
        raise InputError(
            "replaces_official", "已公布的官方年度不得静默修改：须在文件中写明 "
            "replaces_official = true 和 reason",
            f"{new.year} 年已有官方安排（{current.reference}），文件内容与之不同")
    return before, build_calendar([*[a for a in loaded if a.year != new.year], new]), current


@dataclass(frozen=True)
class LoadPreview:
    year: int
    status: str           # what load_year would do: "loaded" | "replaced" | "unchanged"
    version_before: str
    version_after: str
    moved: list           # services.recompute.Moved: the open cases whose dates would move
    checked: int          # open cases compared


def preview_year(cmd: LoadYear, uow: UnitOfWork, principal: Principal) -> LoadPreview:
    """A dry run of load_year followed by recompute_open_cases: which open cases' dates would
    move, from what to what. Same permission and checks as load_year; nothing is written."""
    from ..domain.policy import Action, authorize
    from ..services.recompute import moves_under
    from .yearfile import parse_year_file

    authorize(principal, Action.CALENDAR_MANAGE, None, "工作日历")
    yf = parse_year_file(Path(cmd.path))
    with uow:
        before, after, current = _calendars(uow.session, yf)
        if after is None:
            return LoadPreview(yf.arrangement.year, "unchanged", before.version, before.version, [], 0)
        checked, moved = moves_under(uow.session, after)
    return LoadPreview(yf.arrangement.year, "replaced" if current.official else "loaded",
                       before.version, after.version, moved, checked)
