"""Case management through services.cases (ogi-rules.md "Who acts for an agency", "Delivery",
"Records", "Application content"): reassign, transfer, split, contacts, proactive publication
and the delivery of a notice named by its number, each one transaction with the policy applied;
a refused move writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from foi_workflow.domain.errors import FoiError
from foi_workflow.domain.policy import PermissionDenied
from foi_workflow.services import case_management, views
from foi_workflow.storage import db
from foi_workflow.storage.models import CaseEventRow, CaseRow
from foi_workflow.storage.notice_tables import NoticeRow

from . import factories as f

D = dt.date
TODAY = D(2026, 11, 29)
RECEIVED = D(2026, 6, 1)  # a Monday
AGENCY, OTHER = "yc-zrzy", "yc-zjj"


@pytest.fixture
def office(clean_db: str) -> str:
    """A district government with two departments (each with its staff) and an unrelated one."""
    f.agency(clean_db, "yc", "榆次区人民政府", "government")
    f.agency(clean_db, AGENCY, "榆次区自然资源局", "department", parent="yc")
    f.agency(clean_db, OTHER, "榆次区住房和城乡建设局", "department", parent="yc")
    f.agency(clean_db, "tg", "太谷区人民政府", "government")
    for code, name, role, agency in (("c1", "张三", "clerk", AGENCY), ("c2", "赵六", "clerk", AGENCY),
                                     ("r1", "李四", "reviewer", AGENCY), ("h1", "王五", "head", AGENCY),
                                     ("c9", "周九", "clerk", OTHER), ("h9", "吴十", "head", OTHER),
                                     ("o1", "孙八", "clerk", "tg")):
        f.staff(clean_db, code, name, role, agency)
    return clean_db


def register(url: str, **kw: Any) -> str:
    return f.register(url, agency=AGENCY, actor="c1", received=RECEIVED, today=TODAY, **kw).case_no


def step(url: str, case_no: str, kind: str, actor: str, on: dt.date = RECEIVED, /, **data: Any):
    return f.step(url, case_no, kind, actor, on, today=TODAY, **data)


def row_of(url: str, case_no: str) -> CaseRow:
    with db.session_scope(url) as s:
        row = s.scalar(select(CaseRow).where(CaseRow.case_no == case_no))
        s.expunge(row)
        return row


def events_of(url: str, case_no: str) -> list[CaseEventRow]:
    with db.session_scope(url) as s:
        rows = s.scalars(select(CaseEventRow).join(CaseRow, CaseRow.id == CaseEventRow.case_id)
                         .where(CaseRow.case_no == case_no).order_by(CaseEventRow.seq)).all()
        for r in rows:
            s.expunge(r)
        return list(rows)


def refused_and_nothing_written(url: str, case_no: str, *args: Any, **data: Any) -> FoiError:
    before = len(events_of(url, case_no)), row_of(url, case_no).version
    with pytest.raises(FoiError) as info:
        step(url, case_no, *args, **data)
    assert (len(events_of(url, case_no)), row_of(url, case_no).version) == before
    return info.value


def page(url: str, case_no: str, who: str) -> dict[str, Any]:
    return views.case_page(case_no, f.uow(url), f.principal(url, who)).data


# ----- reassign ----------------------------------------------------------------------------------

def test_reassign_by_the_head_moves_the_handler_to_a_clerk_of_the_same_agency(office):
    no = register(office)
    step(office, no, "reassign", "h1", RECEIVED, to="c2", reasons="c1 休假")
    assert row_of(office, no).handler == "c2"
    assert page(office, no, "c2")["handler"] == {"code": "c2", "name": "赵六"}


def test_reassign_by_a_clerk_or_to_someone_outside_the_agency_or_without_a_handling_role_is_refused(office):
    no = register(office)
    assert refused_and_nothing_written(office, no, "reassign", "c1", RECEIVED, to="c2").field == "actor"
    for to in ("c9", "o1", "r1", "nobody"):
        err = refused_and_nothing_written(office, no, "reassign", "h1", RECEIVED, to=to)
        assert err.field == "to" and "本机关在职" in err.rule, to


# ----- transfer ----------------------------------------------------------------------------------

def test_a_transfer_moves_the_case_to_the_receiving_agency_which_answers_from_then_on(office, tmp_path):
    no = register(office)
    step(office, no, "transfer", "h1", D(2026, 6, 2), to=OTHER, reasons="所申请信息由住建局制作、保存")
    row = row_of(office, no)
    assert row.case_no == no and row.handler == ""
    transfer = events_of(office, no)[-1]
    assert transfer.kind == "transfer"
    assert (transfer.data["from"], transfer.data["to"]) == (AGENCY, OTHER)
    assert transfer.data["to_name"] == "榆次区住房和城乡建设局"
    # the applicant is told: a transfer notice in the sending agency's register
    with db.session_scope(office) as s:
        kinds = s.execute(select(NoticeRow.kind, NoticeRow.agency_id).where(NoticeRow.case_id == row.id)).all()
    assert [k for k, _ in kinds] == ["transfer"]
    from foi_workflow.notices import register as notices

    with db.session_scope(office) as s:
        year, number = s.execute(select(NoticeRow.year, NoticeRow.number).where(NoticeRow.case_id == row.id)).one()
    key = notices.notice_key(AGENCY, year, number)  # in the sending agency's series, read by it
    html = notices.render(notices.RenderRequest(key, tmp_path), f.uow(office),
                          f.principal(office, "h1")).files["html"].read_text("utf-8")
    # the case is named in Chinese (受理编号), never by its Latin number (issue 15)
    assert "转送告知书" in html and "榆次区住房和城乡建设局" in html and "2026年第1号" in html and no not in html
    assert "所申请信息由住建局制作、保存" in html   # the reasons the applicant is told
    # the sending agency no longer acts; the receiving one does, on the same case and history
    with pytest.raises(PermissionDenied):
        step(office, no, "accept", "c1", D(2026, 6, 3))
    step(office, no, "reassign", "h9", D(2026, 6, 3), to="c9")
    step(office, no, "accept", "c9", D(2026, 6, 3))
    shown = page(office, no, "c9")
    assert shown["agency"]["code"] == OTHER and shown["handler"]["code"] == "c9"
    assert [h["kind"] for h in shown["history"]] == ["register", "transfer", "reassign", "accept"]


def test_a_transfer_to_an_agency_that_does_not_exist_is_refused_and_nothing_written(office):
    no = register(office)
    err = refused_and_nothing_written(office, no, "transfer", "h1", D(2026, 6, 2), to="no-such", reasons="x")
    assert err.field == "to" and "已登记的机关" in err.rule and "no-such" in err.message


# ----- split -------------------------------------------------------------------------------------

def test_a_split_makes_linked_cases_with_their_own_numbers_and_the_items_split_between_them(office):
    no = register(office, items=["甲地块征收补偿方案", "乙路段规划许可", "丙项目环评批复"])
    other = register(office)  # the next number in the series is taken meanwhile
    step(office, no, "split", "c1", D(2026, 6, 2), parts=[[2], [3]])
    split = events_of(office, no)[-1]
    new = split.data["cases"]
    assert len(new) == 2 and len(set(new) | {no, other}) == 4
    assert all(n.startswith(f"{AGENCY}-2026-") for n in new)
    parent = row_of(office, no)
    for number, item in zip(new, ["乙路段规划许可", "丙项目环评批复"]):
        child = row_of(office, number)
        first = events_of(office, number)[0]
        assert first.kind == "register" and first.data["split_from"] == no
        assert child.subject == item and child.received == RECEIVED
        assert child.applicant_id == parent.applicant_id and child.agency_id == parent.agency_id
    # the parent keeps item 1 and cannot split an item again
    err = refused_and_nothing_written(office, no, "split", "c1", D(2026, 6, 2), parts=[[2]])
    assert err.field == "parts"
    shown = page(office, no, "c1")
    assert [h["kind"] for h in shown["history"]] == ["register", "split"]
    assert shown["links"] == {"split_from": None, "split_into": new}
    assert page(office, new[0], "c1")["links"] == {"split_from": no, "split_into": []}


# ----- contacts, delivery, proactive publication ---------------------------------------------------

def test_contacts_with_the_applicant_appear_in_the_case_page_history(office):
    no = register(office)
    step(office, no, "record_contact", "c1", RECEIVED, type="receipt_confirmation",
         summary="电话确认已收到网上申请", **{"with": "申请人联系人王经理"})
    step(office, no, "record_contact", "c2", D(2026, 6, 3), type="call", summary="询问申请的地块位置")
    history = page(office, no, "c1")["history"]
    contacts = [h for h in history if h["kind"] == "record_contact"]
    assert [c["label"] for c in contacts] == ["与申请人联系", "与申请人联系"]
    assert contacts[0]["data"]["summary"] == "电话确认已收到网上申请" and "第三十一条" in contacts[0]["basis"]
    assert contacts[1]["actor"] == "c2" and contacts[1]["on"] == "2026-06-03"


def test_a_delivery_recorded_by_notice_number_starts_the_window_and_allows_the_abandonment(office):
    no = register(office)
    step(office, no, "request_correction", "c1", D(2026, 6, 2), items="请写明地块名称")
    row = row_of(office, no)
    assert row.correction_window_end is None and row.delivery_unrecorded is not None
    with db.session_scope(office) as s:
        doc_no = s.scalar(select(NoticeRow.doc_no).where(NoticeRow.case_id == row.id, NoticeRow.kind == "correction"))
    step(office, no, "record_delivery", "c1", D(2026, 6, 5), notice=doc_no, method="post",
         tracking="EMS1234567890", received="2026-06-04")
    row = row_of(office, no)
    assert row.delivery_unrecorded is None and row.correction_window_end == D(2026, 6, 26)
    ev = events_of(office, no)[-1]
    assert ev.data["notice"] == "correction" and ev.data["doc_no"] == doc_no
    [shown] = page(office, no, "c1")["deliveries"]
    assert (shown["notice_label"], shown["tracking"], shown["received"]) == ("补正告知书", "EMS1234567890", "2026-06-04")
    step(office, no, "correction_lapsed", "c1", D(2026, 6, 29))
    assert row_of(office, no).outcome == "other.no_correction"


def test_a_delivery_of_a_notice_of_another_case_is_refused(office):
    first, second = register(office), register(office)
    step(office, first, "request_correction", "c1", D(2026, 6, 2), items="x")
    with db.session_scope(office) as s:
        doc_no = s.scalar(select(NoticeRow.doc_no).where(NoticeRow.kind == "correction"))
    err = refused_and_nothing_written(office, second, "record_delivery", "c1", D(2026, 6, 5), notice=doc_no,
                                      method="online", received="2026-06-04")
    assert err.field == "notice"


def test_cases_marked_for_proactive_publication_are_listed_for_their_agency(office):
    marked, plain = register(office), register(office)
    for no in (marked, plain):
        step(office, no, "accept", "c1", RECEIVED)
        step(office, no, "sign_off", "r1", D(2026, 6, 3), decision="disclose")
    step(office, marked, "mark_for_publication", "c1", D(2026, 6, 4), reasons="多名申请人申请相同信息")
    listed = case_management.publication_list(None, f.uow(office), f.principal(office, "h1"))
    assert [(x["case_no"], x["marked_on"], x["reasons"]) for x in listed] == \
        [(marked, "2026-06-04", "多名申请人申请相同信息")]
    with pytest.raises(PermissionDenied):
        case_management.publication_list(AGENCY, f.uow(office), f.principal(office, "o1"))


# ----- the command line --------------------------------------------------------------------------

def test_foi_case_split_and_proactive_from_the_command_line(office, monkeypatch):
    import json

    from .cli import foi, ok

    monkeypatch.setenv("FOI_TODAY", TODAY.isoformat())
    no = register(office, items=["甲地块征收补偿方案", "乙路段规划许可", "丙项目环评批复"])
    res = ok("case", "split", no, "--part", "2,3", "--on", "2026-06-02", "--as", "c1", "--json")
    [child] = json.loads(res.stdout)["split_into"]
    assert row_of(office, child).subject == "乙路段规划许可；丙项目环评批复"
    bad = foi("case", "split", no, "--part", "2", "--on", "2026-06-02", "--as", "c1")
    assert bad.exit_code == 2 and "parts" in bad.output
    step(office, child, "accept", "c1", D(2026, 6, 2))
    step(office, child, "sign_off", "r1", D(2026, 6, 3), decision="disclose")
    ok("case", "step", child, "mark_for_publication", "--on", "2026-06-04", "--as", "c1",
       "--data", "reasons=多名申请人申请相同信息")
    listed = json.loads(ok("case", "proactive", "--as", "h1", "--json").stdout)["cases"]
    assert [c["case_no"] for c in listed] == [child]
