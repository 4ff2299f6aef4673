"""The JSON API (/api/) for the workbench's use cases, under TestClient: search, 我的待办, the
board, bulk actions, attachments, notices and delivery records — the same services as the pages,
refusals as JSON {field, rule, message} in Chinese, a case of another agency as an unknown one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from foi_workflow.config import Settings
from foi_workflow.domain.applicants import Applicant
from foi_workflow.storage.identity_tables import AccessLogRow

from .. import factories as f
from .conftest import AGENCY, TODAY, sign_in
from .test_security import token_for

ON = TODAY.isoformat()


@pytest.fixture
def api(office, tmp_path):
    from fastapi.testclient import TestClient

    from foi_workflow.web.app import create_app

    settings = Settings.load(database_url=office, today=TODAY, web_secret="test-secret-for-signing-only",
                             files_dir=str(tmp_path / "files"), attachment_max_bytes=1000)
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def bearer(url: str, code: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(url, code)}"}


def new_case(url: str, **kw) -> str:
    return f.register(url, agency=AGENCY, actor="c1", received=TODAY, today=TODAY, **kw).case_no


def refusal(r) -> dict[str, str]:
    body = r.json()
    assert set(body) == {"field", "rule", "message"}, body
    return body


def test_the_openapi_document_describes_every_use_case_of_the_workbench(api):
    doc = api.get("/api/openapi.json").json()
    paths = doc["paths"]
    assert {"/cases", "/cases/{case_no}", "/cases/{case_no}/steps", "/search", "/inbox", "/board", "/bulk",
            "/cases/{case_no}/attachments", "/cases/{case_no}/attachments/{no}", "/cases/{case_no}/notices",
            "/notices", "/notices/{key}", "/notices/{key}/{fmt}", "/cases/{case_no}/deliveries"} <= set(paths)
    assert "multipart/form-data" in paths["/cases/{case_no}/attachments"]["post"]["requestBody"]["content"]
    assert "ErrorOut" in doc["components"]["schemas"]
    assert all(op.get("summary") for ops in paths.values() for op in ops.values())


@pytest.mark.parametrize("path", ["/api/search?q=x", "/api/inbox", "/api/board", "/api/notices",
                                  "/api/cases/yc-zrzy-2026-00001/attachments", "/api/cases/yc-zrzy-2026-00001/deliveries"])
def test_every_route_needs_a_bearer_token(api, path):
    r = api.get(path)
    assert r.status_code == 401 and refusal(r)["field"] == "token" and r.headers["www-authenticate"] == "Bearer"


def test_search_by_case_number_applicant_and_subject_answers_masked_data_of_readable_cases_only(api, office):
    person = Applicant("natural_person", "刘晓明", "resident_id", "110101199003074514", phone="13812345678")
    a = new_case(office, applicant=person, subject="东湖片区控制性详细规划")
    b = new_case(office, subject="某路拓宽工程批复")
    other = f.register(office, agency="tg", actor="o1", received=TODAY, today=TODAY, applicant=person).case_no
    auth = bearer(office, "c1")
    by_name = api.get("/api/search", params={"q": "刘晓明"}, headers=auth).json()
    assert [c["case_no"] for c in by_name["cases"]] == [a] and by_name["cases"][0]["applicant"] == "刘**"
    assert "110101199003074514" not in str(by_name) and "13812345678" not in str(by_name)
    assert [c["case_no"] for c in api.get("/api/search", params={"q": "拓宽"}, headers=auth).json()["cases"]] == [b]
    assert [c["case_no"] for c in api.get("/api/search", params={"q": b}, headers=auth).json()["cases"]] == [b]
    assert other not in api.get("/api/search", params={"q": "tg-"}, headers=auth).text
    empty = api.get("/api/search", params={"q": " "}, headers=auth)
    assert empty.status_code == 422 and refusal(empty)["field"] == "q" and "案件编号、申请人姓名" in empty.json()["rule"]
    missing = api.get("/api/search", headers=auth)
    assert missing.status_code == 422 and missing.json()["field"] == "q" and "缺少必填字段" in missing.json()["message"]


def test_the_inbox_groups_the_agency_s_open_cases_by_urgency(api, office):
    fresh = new_case(office)
    waiting = new_case(office)
    f.step(office, waiting, "request_correction", "c1", TODAY, today=TODAY, items="请写明文号")
    box = api.get("/api/inbox", headers=bearer(office, "c1")).json()
    groups = {g["key"]: [c["case_no"] for c in g["cases"]] for g in box["groups"]}
    assert waiting in groups["waiting"] and fresh not in groups["waiting"]
    assert fresh in groups["soon"] + groups["later"] and box["within"] == 5
    assert [g["label"] for g in box["groups"]][0] == "已逾期"
    bad = api.get("/api/inbox", params={"within": 99}, headers=bearer(office, "c1"))
    assert bad.status_code == 422 and refusal(bad)["field"] == "within" and "1–60个工作日" in bad.json()["rule"]
    typed = api.get("/api/inbox", params={"within": "soon"}, headers=bearer(office, "c1"))
    assert typed.status_code == 422 and typed.json() == {"field": "within", "rule": "请求须符合 /api/openapi.json 的说明",
                                                         "message": "“within”须为整数"}


def test_a_case_of_another_agency_answers_404_like_an_unknown_one_and_the_attempt_is_logged(api, office):
    case_no = new_case(office)
    other = bearer(office, "o1")
    for path in (f"/api/cases/{case_no}", f"/api/cases/{case_no}/attachments", f"/api/cases/{case_no}/deliveries",
                 f"/api/cases/{case_no}/attachments/1"):
        r = api.get(path, headers=other)
        assert r.status_code == 404 and refusal(r)["field"] == "case_no", path
        assert r.json()["message"] == f"未知的案件“{case_no}”"
    unknown = api.get("/api/cases/yc-zrzy-2026-99999", headers=other)
    assert unknown.status_code == 404 and unknown.json()["rule"] == r.json()["rule"]
    u = f.uow(office)
    with u:
        refused = u.session.execute(select(AccessLogRow.staff, AccessLogRow.via, AccessLogRow.target)
                                    .where(AccessLogRow.outcome == "refused")).all()
    assert ("o1", "api", case_no) in [tuple(r) for r in refused]
    stepped = api.post(f"/api/cases/{case_no}/steps", json={"kind": "accept", "on": ON}, headers=other)
    assert stepped.status_code in (403, 404) and refusal(stepped)


def test_bulk_acknowledge_records_each_case_on_its_own_and_answers_the_result_per_case(api, office):
    one, two = new_case(office), new_case(office)
    f.step(office, two, "withdraw", "c1", TODAY, today=TODAY)  # closed: refused for it alone
    r = api.post("/api/bulk", json={"action": "acknowledge", "cases": [one, two], "on": ON}, headers=bearer(office, "c1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["done"] == 1 and [x["ok"] for x in body["results"]] == [True, False]
    assert body["results"][1]["rule"] and body["results"][1]["message"]
    history = api.get(f"/api/cases/{one}", headers=bearer(office, "c1")).json()["history"]
    assert [h["kind"] for h in history] == ["register", "acknowledge"]


def test_bulk_assign_reassigns_every_chosen_case_and_names_a_bad_handler_per_case(api, office):
    cases = [new_case(office) for _ in range(2)]
    head = bearer(office, "h1")
    r = api.post("/api/bulk", json={"action": "assign", "to": "c2", "cases": cases, "on": ON}, headers=head).json()
    assert r["done"] == 2
    assert all(api.get(f"/api/cases/{c}", headers=head).json()["handler"] == {"code": "c2", "name": "赵六"}
               for c in cases)
    bad = api.post("/api/bulk", json={"action": "assign", "to": "r1", "cases": cases[:1], "on": ON}, headers=head).json()
    assert bad["done"] == 0 and bad["results"][0]["field"] == "to" and "改派的承办人须为本机关在职" in bad["results"][0]["rule"]
    no_to = api.post("/api/bulk", json={"action": "assign", "cases": cases, "on": ON}, headers=head)
    assert no_to.status_code == 422 and refusal(no_to)["field"] == "to"
    none = api.post("/api/bulk", json={"action": "assign", "to": "c2", "cases": [], "on": ON}, headers=head)
    assert none.status_code == 422 and none.json()["field"] == "cases" and "1–200件" in none.json()["rule"]
    wrong = api.post("/api/bulk", json={"action": "close_all", "cases": cases, "on": ON}, headers=head)
    assert wrong.status_code == 422 and wrong.json()["field"] == "action"


def stored(tmp_path) -> list:
    root = tmp_path / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_an_attachment_uploaded_is_listed_and_downloads_for_readers_of_the_case_only(api, office, tmp_path):
    case_no = new_case(office)
    blob = b"%PDF-1.4 test"
    up = api.post(f"/api/cases/{case_no}/attachments", files={"file": ("答复附件.pdf", blob, "application/pdf")},
                  data={"description": "征收补偿方案"}, headers=bearer(office, "c1"))
    assert up.status_code == 201, up.text
    assert up.json()["no"] == 1 and up.json()["size"] == len(blob)
    listed = api.get(f"/api/cases/{case_no}/attachments", headers=bearer(office, "c1")).json()["attachments"]
    assert [(a["no"], a["name"], a["description"]) for a in listed] == [(1, "答复附件.pdf", "征收补偿方案")]
    got = api.get(f"/api/cases/{case_no}/attachments/1", headers=bearer(office, "s1"))
    assert got.status_code == 200 and got.content == blob and got.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''" in got.headers["content-disposition"]
    assert api.get(f"/api/cases/{case_no}/attachments/2", headers=bearer(office, "c1")).json()["field"] == "no"
    assert api.get(f"/api/cases/{case_no}/attachments/x", headers=bearer(office, "c1")).status_code == 404
    assert api.get(f"/api/cases/{case_no}/attachments/1", headers=bearer(office, "o1")).status_code == 404


def test_an_oversized_or_disallowed_upload_is_refused_naming_the_file_and_its_rule_and_nothing_is_stored(
        api, office, tmp_path):
    case_no = new_case(office)
    auth = bearer(office, "c1")
    big = api.post(f"/api/cases/{case_no}/attachments", files={"file": ("大.pdf", b"%PDF-" + b"x" * 2000)}, headers=auth)
    assert big.status_code == 422 and refusal(big)["field"] == "file"
    assert "附件不超过 1000 字节" in big.json()["rule"] and "超过大小限制" in big.json()["message"]
    exe = api.post(f"/api/cases/{case_no}/attachments", files={"file": ("脚本.exe", b"MZ\x90\x00")}, headers=auth)
    assert exe.status_code == 422 and "附件类型限于" in exe.json()["rule"]
    fake = api.post(f"/api/cases/{case_no}/attachments", files={"file": ("伪装.pdf", b"not a pdf")}, headers=auth)
    assert fake.status_code == 422 and "文件内容须与其类型相符" in fake.json()["rule"]
    none = api.post(f"/api/cases/{case_no}/attachments", data={"description": "x"}, headers=auth)
    assert none.status_code == 422 and none.json()["field"] == "file" and "缺少必填字段" in none.json()["message"]
    reviewer_elsewhere = api.post(f"/api/cases/{case_no}/attachments", files={"file": ("a.pdf", b"%PDF-1")},
                                  headers=bearer(office, "o1"))
    assert reviewer_elsewhere.status_code in (403, 404)
    assert stored(tmp_path) == []
    assert api.get(f"/api/cases/{case_no}/attachments", headers=auth).json()["attachments"] == []


def test_the_notices_of_a_case_are_listed_and_download_as_docx_pdf_and_html(api, office):
    case_no = new_case(office)
    f.step(office, case_no, "acknowledge", "c1", TODAY, today=TODAY)  # issues the receipt
    auth = bearer(office, "c1")
    listed = api.get(f"/api/cases/{case_no}/notices", headers=auth).json()["notices"]
    assert [n["kind"] for n in listed] == ["receipt"] and listed[0]["case_no"] == case_no
    key = listed[0]["key"]
    assert api.get("/api/notices", params={"case_no": case_no}, headers=auth).json()["notices"] == listed
    assert api.get(f"/api/notices/{key}", headers=auth).json()["doc_no"] == listed[0]["doc_no"]
    docx = api.get(f"/api/notices/{key}/docx", headers=auth)
    assert docx.status_code == 200 and docx.content[:4] == b"PK\x03\x04" and "wordprocessingml" in docx.headers["content-type"]
    pdf = api.get(f"/api/notices/{key}/pdf", headers=auth)
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    html = api.get(f"/api/notices/{key}/html", headers=auth)
    assert html.status_code == 200 and "接收" in html.text
    assert api.get(f"/api/notices/{key}/exe", headers=auth).json()["field"] == "fmt"
    assert api.get(f"/api/notices/{key}", headers=bearer(office, "o1")).status_code == 404
    assert api.get(f"/api/cases/{case_no}/notices", headers=bearer(office, "o1")).status_code == 404


def test_a_delivery_recorded_by_a_step_is_listed_among_the_case_s_delivery_records(api, office):
    case_no = new_case(office)
    f.step(office, case_no, "request_correction", "c1", TODAY, today=TODAY, items="请写明文号")
    auth = bearer(office, "c1")
    refused = api.post(f"/api/cases/{case_no}/steps", json={"kind": "record_delivery", "on": ON,
                                                            "data": {"notice": "correction", "method": "post"}},
                       headers=auth)
    assert refused.status_code == 422 and refusal(refused)["field"] == "tracking"
    ok = api.post(f"/api/cases/{case_no}/steps", json={"kind": "record_delivery", "on": ON, "data": {
        "notice": "correction", "method": "post", "tracking": "EA1", "received": ON}}, headers=auth)
    assert ok.status_code == 200, ok.text
    got = api.get(f"/api/cases/{case_no}/deliveries", headers=auth).json()
    assert [(d["notice"], d["method"], d["tracking"], d["received"]) for d in got["deliveries"]] == \
        [("correction", "post", "EA1", ON)]


def test_the_board_shows_the_supervisor_the_alerts_of_the_bodies_below_and_filters_by_kind(api, office):
    import datetime as dt

    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY - dt.timedelta(days=60),
                         today=TODAY).case_no  # long overdue
    board = api.get("/api/board", params={"agency": "yc"}, headers=bearer(office, "s1"))
    assert board.status_code == 200, board.text
    alerts = [a for g in board.json()["agencies"] for a in g["alerts"]]
    assert case_no in [a["case_no"] for a in alerts] and all(a["kind_label"] for a in alerts)
    kind = next(a["kind"] for a in alerts if a["case_no"] == case_no)
    only = api.get("/api/board", params={"agency": "yc", "kind": kind}, headers=bearer(office, "s1")).json()
    assert {a["kind"] for g in only["agencies"] for a in g["alerts"]} == {kind}
    none = api.get("/api/board", params={"agency": "yc", "kind": "no-such-kind"}, headers=bearer(office, "s1")).json()
    assert none["agencies"] == []
    outside = api.get("/api/board", params={"agency": "yc"}, headers=bearer(office, "o1"))
    assert outside.status_code in (403, 404) and refusal(outside)


def test_a_malformed_request_is_refused_in_chinese_naming_the_field(api, office):
    auth = bearer(office, "c1")
    case_no = new_case(office)
    r = api.post(f"/api/cases/{case_no}/steps", json={"kind": "accept", "on": "yesterday"}, headers=auth)
    assert r.status_code == 422 and r.json()["field"] == "on" and "须为日期" in r.json()["message"]
    r = api.post(f"/api/cases/{case_no}/steps", content=b"{not json", headers={**auth, "content-type": "application/json"})
    assert r.status_code == 422 and refusal(r)["message"]
    assert api.get("/api/no-such-route", headers=auth).json()["message"] == "没有这个接口"
    sign_in(api, "c1")  # a session cookie is no API credential
    assert api.get("/api/inbox").status_code == 401
