"""A tamper-evident history (issue 17): every case event and every notice is chained by hash to
the one before; `foi verify` and the scheduled flow recompute the chains and name any break; on
PostgreSQL a case event can be neither changed nor removed."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import select, text, update

from foi_workflow.services import verify as V
from foi_workflow.storage import db
from foi_workflow.storage.models import CaseEventRow, CaseRow
from foi_workflow.storage.notice_tables import NoticeRow

from . import factories as f
from .cli import foi
from .test_accounts_store import _migrate, scratch_url  # noqa: F401  (fixture)
from .test_bulk_intake import CLOSED_HISTORY, district, imports, line  # noqa: F401  (fixture)
from .test_case_store import AGENCY, FULL_PATH, TODAY, office, register, step  # noqa: F401  (fixture)

D = dt.date


def verify(url: str, who: str = "s1", agency: str | None = None) -> V.Verification:
    return V.verify(V.VerifyQuery(agency), f.uow(url), f.principal(url, who))


def tamper(url: str, sql: str, **params) -> None:
    """What someone with the database could do; on PostgreSQL only a superuser, past the trigger."""
    with db.session_scope(url) as s:
        if s.bind.dialect.name == "postgresql":
            s.execute(text("SET LOCAL session_replication_role = replica"))
        s.execute(text(sql), params)


def full_case(url: str) -> str:
    case_no = register(url).case_no
    for kind, actor, on, data in FULL_PATH:
        step(url, case_no, kind, actor, on, **data)
    return case_no


def test_a_whole_history_and_its_notices_verify_and_every_link_is_stored(office):
    case_no = full_case(office)
    result = verify(office)
    assert result.ok, result.breaks
    assert (result.cases, result.events) == (1, len(FULL_PATH) + 1) and result.notices >= 3
    with db.session_scope(office) as s:
        row = s.scalar(select(CaseRow).where(CaseRow.case_no == case_no))
        chain = list(s.scalars(select(CaseEventRow.chain).where(CaseEventRow.case_id == row.id)
                               .order_by(CaseEventRow.seq)))
        assert None not in chain and len(set(chain)) == len(chain) and row.chain_head == chain[-1]
        assert None not in s.scalars(select(NoticeRow.chain)).all()


def test_an_edited_event_is_named_with_its_case_and_number(office):
    case_no = full_case(office)
    tamper(office, "UPDATE case_events SET actor = 'r1' WHERE seq = 13 AND case_id = "
                   "(SELECT id FROM cases WHERE case_no = :no)", no=case_no)
    [b] = verify(office).breaks
    assert (b["what"], b["ref"], b["seq"]) == ("case", case_no, 13) and "哈希链不符" in b["problem"]


def test_a_deleted_event_is_found_in_the_middle_and_at_the_end(office):
    first, last = full_case(office), register(office).case_no
    step(office, last, "acknowledge", "c1", D(2026, 6, 1))
    tamper(office, "DELETE FROM case_events WHERE seq = 3 AND case_id = (SELECT id FROM cases WHERE case_no = :no)",
           no=first)
    tamper(office, "DELETE FROM case_events WHERE seq = 2 AND case_id = (SELECT id FROM cases WHERE case_no = :no)",
           no=last)
    breaks = {b["ref"]: b for b in verify(office).breaks}
    assert breaks[first]["seq"] == 3 and "缺失" in breaks[first]["problem"]
    assert breaks[last]["seq"] == 2


def test_an_edited_notice_is_named_by_its_document_number(office):
    full_case(office)
    with db.session_scope(office) as s:
        doc_no = s.scalar(select(NoticeRow.doc_no).order_by(NoticeRow.number).limit(1))
    tamper(office, "UPDATE notices SET issued_on = :d WHERE doc_no = :no", d=D(2026, 1, 1), no=doc_no)
    assert [b["ref"] for b in verify(office).breaks if b["what"] == "notice"][:1] == [doc_no]


def test_imported_cases_are_chained_like_registered_ones(district):
    report = imports(district, [line(1), line(2, events=CLOSED_HISTORY)])
    f.staff(district, "s9", "督办", "supervisor", "yc")
    result = verify(district, "s9", "yc")
    assert result.ok and result.cases == 2 and result.events == 5


def test_the_migration_chains_the_history_already_stored(scratch_url):
    db.upgrade(scratch_url)
    f.agency(scratch_url, "yc", "榆次区人民政府", "government")
    f.agency(scratch_url, AGENCY, "榆次区自然资源局", "department", parent="yc")
    for code, role in (("c1", "clerk"), ("c2", "clerk"), ("r1", "reviewer"), ("h1", "head"), ("s1", "supervisor")):
        f.staff(scratch_url, code, code, role, AGENCY)
    case_no = full_case(scratch_url)
    before = verify(scratch_url)
    _migrate(scratch_url, "downgrade", "0015")
    _migrate(scratch_url, "upgrade", "head")
    after = verify(scratch_url)
    assert after.ok and after.heads_sha256 == before.heads_sha256 and after.events == len(FULL_PATH) + 1
    assert case_no


@pytest.mark.skipif("not __import__('os').environ.get('FOI_TEST_DATABASE_URL')",
                    reason="the append-only trigger is PostgreSQL's (migration 0016); .ci/run runs that pass")
def test_on_postgresql_a_case_event_can_be_neither_changed_nor_removed(office):
    case_no = register(office).case_no
    for sql in ("UPDATE case_events SET actor = 'x'", "DELETE FROM case_events"):
        with pytest.raises(sa_exc.DBAPIError, match="append-only"):
            with db.session_scope(office) as s:
                s.execute(text(sql))
    with db.session_scope(office) as s:
        assert s.scalar(select(CaseEventRow.actor).join(CaseRow).where(CaseRow.case_no == case_no)) == "c1"


def test_foi_verify_prints_the_break_and_exits_1(office):
    case_no = full_case(office)
    ok = foi("verify")
    assert ok.exit_code == 0 and "哈希链完好" in ok.output, ok.output
    tamper(office, "UPDATE case_events SET \"on\" = :d WHERE seq = 2 AND case_id = "
                   "(SELECT id FROM cases WHERE case_no = :no)", d=D(2026, 5, 1), no=case_no)
    bad = foi("verify", "--as", "s1")
    assert bad.exit_code == 1 and case_no in bad.output and "第 2 条" in bad.output
    data = json.loads(foi("verify", "--json").output)
    assert data["ok"] is False and data["breaks"][0]["ref"] == case_no
    assert foi("verify", "--as", "o1", "--agency", AGENCY).exit_code == 2   # another agency's clerk


def test_the_history_verify_flow_fails_on_a_break_and_names_it_in_its_artifact(office, prefect_backend, prefect_dir):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from .prefect_harness import prefect_home

    with prefect_home(prefect_dir):
        import flows.verify as module
    case_no = full_case(office)
    assert module.history_verify_flow()["ok"] is True
    tamper(office, "UPDATE case_events SET kind = 'withdraw' WHERE seq = 4 AND case_id = "
                   "(SELECT id FROM cases WHERE case_no = :no)", no=case_no)
    with pytest.raises(module.HistoryBroken):
        module.history_verify_flow()
    with get_client(sync_client=True) as client:
        [art] = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["history-verify"])),
                                      limit=1, sort="CREATED_DESC")
    assert case_no in str(art.data) and "断裂" in str(art.data)
