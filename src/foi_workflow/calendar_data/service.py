"""The calendar in force (shipped years plus those loaded into the database) and loading a year."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..domain.calendar import WorkingCalendar
from ..domain.errors import InputError
from . import build_calendar
from .yearfile import parse_year_file


def current_calendar(url: str | None = None) -> WorkingCalendar:
    """The calendar in force for the configured database (shipped years if none are loaded)."""
    from ..storage import db

    if not db.has_table("calendar_years", url):
        return build_calendar()
    from ..storage.calendar_repo import loaded_years

    with db.session_scope(url) as session:
        return build_calendar(loaded_years(session))


@dataclass(frozen=True)
class LoadResult:
    year: int
    status: str  # "loaded" | "replaced" | "unchanged"
    version_before: str
    version_after: str


def load_year(path: Path, loaded_by: str, url: str | None = None) -> LoadResult:
    """Load an official year from a file: all checked first, then one transaction."""
    from ..storage import db
    from ..storage.calendar_repo import loaded_years, record_year

    yf = parse_year_file(path)
    new = yf.arrangement
    db.upgrade(url)
    with db.session_scope(url) as session:
        loaded = loaded_years(session)
        before = build_calendar(loaded)
        current = before.arrangements[new.year]
        if current.official and current.same_days_as(new):
            return LoadResult(new.year, "unchanged", before.version, before.version)
        if current.official and not yf.replaces_official:
            raise InputError(
                "replaces_official", "已公布的官方年度不得静默修改：须在文件中写明 "
                "replaces_official = true 和 reason",
                f"{new.year} 年已有官方安排（{current.reference}），文件内容与之不同")
        after = build_calendar([*[a for a in loaded if a.year != new.year], new])
        record_year(session, new, replaces_official=current.official, reason=yf.reason,
                    sha256=yf.sha256, loaded_by=loaded_by, calendar_version=after.version)
        status = "replaced" if current.official else "loaded"
        return LoadResult(new.year, status, before.version, after.version)
