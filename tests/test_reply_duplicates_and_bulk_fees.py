"""Through the services: a duplicate (36(6)) repeats the earlier reply looked up from the earlier
case, never typed; bulk intake computes the per-request fee (109号) from the applicant's count
of the month as a single step does (services.cases.nth_in_month)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from foi_workflow.domain import fees
from foi_workflow.domain.errors import FoiError
from foi_workflow.services import bulk
from foi_workflow.services.case_management import DUPLICATE_RULE
from foi_workflow.storage import db
from foi_workflow.storage.models import CaseEventRow, CaseRow
from foi_workflow.storage.notice_tables import NoticeRow

from . import factories
from .test_notices import AGENCY, PERSON_ID, RECEIVED, TODAY, D, new_case, office, step  # noqa: F401


def _reply_notice(url: str, case_no: str) -> tuple[str, str]:
    with db.session_scope(url) as s:
        row = s.scalar(select(NoticeRow).join(CaseRow, CaseRow.id == NoticeRow.case_id)
                       .where(CaseRow.case_no == case_no, NoticeRow.kind == "reply"))
        return row.doc_no, row.issued_on.isoformat()


def _events(url: str, case_no: str) -> list[CaseEventRow]:
    with db.session_scope(url) as s:
        return list(s.scalars(select(CaseEventRow).join(CaseRow, CaseRow.id == CaseEventRow.case_id)
                              .where(CaseRow.case_no == case_no).order_by(CaseEventRow.seq)))


def _answered(url: str) -> str:
    earlier = new_case(url, received=D(2026, 2, 2))
    step(url, earlier, "reply", "h1", D(2026, 2, 6), outcome="unavailable.not_held")
    return earlier


def test_a_duplicate_reply_names_the_earlier_reply_looked_up_from_the_earlier_case(office):
    earlier = _answered(office)
    case_no = new_case(office)
    # a number and date typed in are not taken: the earlier case says what was answered
    step(office, case_no, "reply", "h1", D(2026, 3, 5), outcome="not_processed.duplicate",
         earlier_case=earlier, earlier_doc_no="随手写的文号", earlier_date="2020-01-01")
    (item,) = _events(office, case_no)[-1].data["items"]
    doc_no, issued = _reply_notice(office, earlier)
    assert (item["earlier_case"], item["earlier_doc_no"], item["earlier_date"]) == (earlier, doc_no, issued)


def test_a_duplicate_reply_in_items_names_the_earlier_reply_too(office):
    earlier = _answered(office)
    case_no = new_case(office)
    step(office, case_no, "reply", "h1", D(2026, 3, 5),
         items=[{"no": 1, "decision": "not_processed.duplicate", "earlier_case": earlier}])
    (item,) = _events(office, case_no)[-1].data["items"]
    assert (item["earlier_doc_no"], item["earlier_date"]) == _reply_notice(office, earlier)


def _refused_duplicate(url: str, case_no: str, **data) -> FoiError:
    before = len(_events(url, case_no))
    with pytest.raises(FoiError) as info:
        step(url, case_no, "reply", "h1", D(2026, 3, 5), outcome="not_processed.duplicate", **data)
    assert info.value.field == "earlier_case" and info.value.rule == DUPLICATE_RULE
    assert len(_events(url, case_no)) == before  # nothing written
    return info.value


def test_a_duplicate_of_another_applicants_case_is_refused(office):
    other = factories.register(office, agency=AGENCY, actor="c1", received=D(2026, 2, 2), today=TODAY).case_no
    step(office, other, "reply", "h1", D(2026, 2, 6), outcome="unavailable.not_held")
    err = _refused_duplicate(office, new_case(office), earlier_case=other)
    assert "不是同一申请人" in err.message


def test_a_duplicate_of_a_case_without_a_reply_is_refused(office):
    still_open = new_case(office, received=D(2026, 2, 2))
    err = _refused_duplicate(office, new_case(office), earlier_case=still_open)
    assert "尚未作出答复" in err.message


@pytest.mark.parametrize("earlier", [None, "", "yc-zrzy-2026-99999"])
def test_a_duplicate_without_a_known_earlier_case_is_refused(office, earlier):
    data = {} if earlier is None else {"earlier_case": earlier}
    _refused_duplicate(office, new_case(office), **data)


def test_bulk_intake_charges_the_per_request_fee_by_the_applicants_count_of_the_month(office):
    url = office
    factories.staff(url, "a1", "赵管理", "admin", AGENCY)
    for day in range(2, 12):  # ten requests of the applicant stored in March: free (1–10)
        new_case(url, received=D(2026, 3, day), subject=f"征收批复{day}")
    applicant = {"kind": "natural_person", "name": "张三", "id_type": "resident_id", "id_number": PERSON_ID}

    def line(n: int, events=()) -> str:
        return json.dumps({"agency": AGENCY, "received": "2026-03-20", "channel": "online", "handler": "c1",
                           "subject": f"台账申请{n}", "applicant": applicant, "events": list(events),
                           **factories.BULK_APPLICATION}, ensure_ascii=False)

    # a count typed into the line is not taken; the line ahead of it in the import counts
    fee = [{"move": "accept", "on": "2026-03-20", "actor": "c1"},
           {"move": "fee_notice", "on": "2026-03-23", "actor": "c1",
            "data": {"method": "per_request", "nth_in_month": 1}}]
    report = bulk.import_register(bulk.ImportRegister([line(1), line(2, fee)]), factories.uow(url),
                                  factories.principal(url, "a1"), today=TODAY)
    assert (report.errors, report.imported) == ([], 2)
    data = _events(url, report.case_numbers[1])[-1].data
    assert (data["nth_in_month"], data["amount"]) == (12, fees.per_request_fee(12).amount_yuan)


def test_bulk_intake_counts_only_the_applicants_requests_of_the_same_month(office):
    url = office
    factories.staff(url, "a1", "赵管理", "admin", AGENCY)
    for day in range(2, 13):  # eleven requests in February do not count in March
        new_case(url, received=D(2026, 2, day), subject=f"征收批复{day}")
    applicant = {"kind": "natural_person", "name": "张三", "id_type": "resident_id", "id_number": PERSON_ID}
    raw = json.dumps({"agency": AGENCY, "received": "2026-03-02", "channel": "online", "handler": "c1",
                      "subject": "台账申请", "applicant": applicant, **factories.BULK_APPLICATION,
                      "events": [{"move": "accept", "on": "2026-03-02", "actor": "c1"},
                                 {"move": "fee_notice", "on": "2026-03-03", "actor": "c1",
                                  "data": {"method": "per_request"}}]}, ensure_ascii=False)
    report = bulk.import_register(bulk.ImportRegister([raw]), factories.uow(url), factories.principal(url, "a1"),
                                  today=TODAY)
    # the first request of March is free: no fee notice may be issued for it
    assert report.imported == 0 and report.errors[0].field == "events[2].amount"
