"""The notice register under concurrent issuing on PostgreSQL: numbers without gaps or repeats.

Many staff issue notices for one agency at once; some of their steps fail after the number was
taken (the transaction rolls back and gives the number back). The register must hold exactly
1..n for the agency's year, each number once, one notice per successful step.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from foi_workflow.domain.errors import FoiError
from foi_workflow.notices import register
from foi_workflow.storage import db
from foi_workflow.storage.models import CaseEventRow, CaseRow
from foi_workflow.storage.notice_tables import NoticeRow

from .test_notices import RECEIVED, new_case, office, step  # noqa: F401  (fixture)

ON_POSTGRES = bool(os.environ.get("FOI_TEST_DATABASE_URL"))
postgres_only = pytest.mark.skipif(
    not ON_POSTGRES, reason="concurrency needs PostgreSQL (FOI_TEST_DATABASE_URL); .ci/run runs that pass")

THREADS = 8
CASES = 40


@postgres_only
def test_concurrent_issuing_gives_every_number_once_and_no_gaps(office, monkeypatch):
    url = office
    case_nos = [new_case(url) for _ in range(CASES)]
    failing = set(case_nos[::4])  # these steps fail after taking their notice number
    real_build = register.build

    def build(facts):
        if facts.case_no in failing:
            raise FoiError("test", "并发测试", "在取号之后失败，事务回滚")
        return real_build(facts)

    monkeypatch.setattr(register, "build", build)
    start = threading.Barrier(THREADS)

    def work(chunk: list[str]) -> list[str]:
        start.wait()
        done = []
        for case_no in chunk:
            try:
                step(url, case_no, "acknowledge", "c1", RECEIVED)
                done.append(case_no)
            except FoiError:
                assert case_no in failing
        return done

    chunks = [case_nos[i::THREADS] for i in range(THREADS)]
    with ThreadPoolExecutor(THREADS) as pool:
        done = [c for part in pool.map(work, chunks) for c in part]
    assert set(done) == set(case_nos) - failing

    with db.session_scope(url) as s:
        rows = s.execute(select(NoticeRow.number, CaseRow.case_no)
                         .join(CaseRow, CaseRow.id == NoticeRow.case_id)
                         .where(NoticeRow.year == RECEIVED.year)).all()
        acknowledged = set(s.scalars(select(CaseRow.case_no).join(CaseEventRow, CaseEventRow.case_id == CaseRow.id)
                                     .where(CaseEventRow.kind == "acknowledge")))
    numbers = sorted(n for n, _c in rows)
    assert numbers == list(range(1, len(done) + 1))           # no gaps, no repeats
    assert {c for _n, c in rows} == set(done) == acknowledged  # one notice per successful step


@postgres_only
def test_two_staff_acknowledging_one_case_at_once_issue_one_receipt(office):
    url = office
    case_no = new_case(url)
    start = threading.Barrier(2)

    def work(_):
        start.wait()
        try:
            step(url, case_no, "acknowledge", "c1", RECEIVED)
            return "ok"
        except FoiError as err:
            return type(err).__name__

    with ThreadPoolExecutor(2) as pool:
        results = sorted(pool.map(work, range(2)))
    assert results.count("ok") == 1
    with db.session_scope(url) as s:
        assert [r.number for r in s.scalars(select(NoticeRow))] == [1]
