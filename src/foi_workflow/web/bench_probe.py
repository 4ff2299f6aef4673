"""Bare endpoints for bench/web.py: the indexed queries of 我的待办 and of the case page, served
by the same app and the same HTTP stack, with nothing else — no session, policy, access log,
replay or template. Installed only when Settings.web_bench_probe is set (FOI_WEB_BENCH_PROBE=1,
which only the bench sets); never in production. They answer case numbers and counts only."""

from __future__ import annotations

from typing import Any, Callable

from fastapi import FastAPI
from sqlalchemy import select

PREFIX = "/_bench"


def install(app: FastAPI, uow: Callable[[], Any]) -> None:
    from ..services import queries
    from ..storage.models import CaseEventRow, CaseRow

    @app.get(PREFIX + "/inbox/{agency_id}")
    def bare_inbox(agency_id: int) -> dict[str, Any]:
        """The inbox's query (services/queries.cases, the agency's open cases by reply_due)."""
        with uow() as u:
            found = queries.cases(u.session, agency_ids=[agency_id], open_only=True)
            return {"n": len(found), "cases": [c.case_no for c, _a in found]}

    @app.get(PREFIX + "/cases/{case_no}")
    def bare_case(case_no: str) -> dict[str, Any]:
        """The case page's query: the case row by its number and its events in order."""
        with uow() as u:
            row = u.session.scalar(select(CaseRow).where(CaseRow.case_no == case_no))
            if row is None:
                return {"case_no": None, "events": 0}
            events = u.session.scalars(select(CaseEventRow).where(CaseEventRow.case_id == row.id)
                                       .order_by(CaseEventRow.seq)).all()
            return {"case_no": row.case_no, "events": len(events)}
