"""Case work in the browser's pages (TestClient): upload limits and downloads, search by case
number, applicant and subject (masked), the intake check's hints, the bulk actions."""

from __future__ import annotations

import re

import pytest

from foi_workflow.config import Settings
from foi_workflow.domain.applicants import Applicant

from .. import factories as f
from .conftest import AGENCY, TODAY, csrf_of, sign_in


@pytest.fixture
def files_client(office, tmp_path):
    from fastapi.testclient import TestClient

    from foi_workflow.web.app import create_app

    settings = Settings.load(database_url=office, today=TODAY, web_secret="test-secret-for-signing-only",
                             files_dir=str(tmp_path / "files"), attachment_max_bytes=1000)
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def stored(tmp_path) -> list:
    root = tmp_path / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(client, case_no: str, name: str, data: bytes, **extra):
    token = csrf_of(client.get(f"/cases/{case_no}").text)
    return client.post(f"/cases/{case_no}/attachments", data={"csrf": token, **extra},
                       files={"file": (name, data, "application/octet-stream")}, follow_redirects=False)


def test_an_oversized_upload_is_refused_with_the_size_rule_beside_the_field_and_nothing_stored(
        files_client, office, tmp_path):
    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    sign_in(files_client, "c1")
    r = upload(files_client, case_no, "答复附件.pdf", b"%PDF-" + b"x" * 2000)
    assert r.status_code == 422
    assert re.search(r'id="err-file"[^>]*>[^<]*超过大小限制<span class="rule">依据：附件不超过 1000 字节', r.text)
    assert stored(tmp_path) == [] and "尚无附件" in r.text


def test_a_file_type_not_allowed_is_refused_with_the_type_rule_and_nothing_stored(files_client, office, tmp_path):
    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    sign_in(files_client, "c1")
    r = upload(files_client, case_no, "脚本.exe", b"MZ\x90\x00")
    assert r.status_code == 422 and "附件类型限于" in r.text and re.search(r'aria-describedby="[^"]*err-file"[^>]*aria-invalid="true"', r.text)
    r = upload(files_client, case_no, "伪装.pdf", b"not a pdf")  # the content must match the type
    assert r.status_code == 422 and "文件内容须与其类型相符" in r.text
    assert stored(tmp_path) == []


def test_an_attachment_uploaded_is_listed_and_downloads_for_a_reader_of_the_case_only(files_client, office):
    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    sign_in(files_client, "c1")
    blob = b"%PDF-1.4 test"
    r = upload(files_client, case_no, "答复附件.pdf", blob, description="征收补偿方案")
    assert r.status_code == 303
    page = files_client.get(f"/cases/{case_no}").text
    assert "下载 答复附件.pdf" in page and "征收补偿方案" in page
    got = files_client.get(f"/cases/{case_no}/attachments/1")
    assert got.status_code == 200 and got.content == blob and "attachment" in got.headers["content-disposition"]
    sign_in(files_client, "s1")  # the supervisor above may read the case
    assert files_client.get(f"/cases/{case_no}/attachments/1").content == blob
    sign_in(files_client, "o1")  # another government's clerk: as if there were no such case
    assert files_client.get(f"/cases/{case_no}/attachments/1").status_code == 404


def test_search_finds_by_case_number_applicant_and_subject_showing_masked_data_only(client, office):
    person = Applicant("natural_person", "刘晓明", "resident_id", "110101199003074514", phone="13812345678")
    a = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY, applicant=person,
                   subject="东湖片区控制性详细规划").case_no
    b = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY, subject="某路拓宽工程批复").case_no
    other = f.register(office, agency="tg", actor="o1", received=TODAY, today=TODAY, applicant=person).case_no
    sign_in(client, "c1")
    by_name = client.get("/find", params={"q": "刘晓明"})
    assert a in by_name.text and b not in by_name.text and other not in by_name.text
    assert "刘**" in by_name.text and "刘晓明</td>" not in by_name.text
    assert "110101199003074514" not in by_name.text and "13812345678" not in by_name.text
    by_subject = client.get("/find", params={"q": "拓宽"})
    assert b in by_subject.text and a not in by_subject.text
    exact = client.get("/find", params={"q": b}, follow_redirects=False)
    assert exact.status_code == 303 and exact.headers["location"].endswith(b)
    empty = client.get("/find", params={"q": ""})
    assert empty.status_code == 422 and "查找：案件编号、申请人姓名或名称、申请内容" in empty.text


def test_the_intake_check_shows_the_same_applicant_s_cases_before_saving_and_saves_nothing(client, office):
    earlier = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    sign_in(client, "c1")
    token = csrf_of(client.get("/register").text)
    form = {"csrf": token, "channel": "in_person", "received": TODAY.isoformat(),
            "items": "某地块征收补偿方案\n某路拓宽工程批复", "form": "paper", "delivery": "post",
            "a_kind": "commercial", "a_name": "某公司", "a_id_type": "credit_code", "a_id_number": f.CREDIT_CODE,
            "a_contact_person": "王经理", "a_phone": "13912345678", "a_address": "山西省晋中市榆次区顺城街1号",
            "a_postcode": "030600"}
    r = client.post("/register/check", data=form)
    assert r.status_code == 200 and "核对提示" in r.text and earlier in r.text and "本月收到 1 件" in r.text
    assert 'value="某公司"' in r.text  # the form re-shown with what was entered
    assert client.get("/find", params={"q": "拓宽"}).text.count(f"{AGENCY}-") == 0  # nothing saved
    saved = client.post("/register", data={**form, "csrf": csrf_of(r.text)}, follow_redirects=False)
    assert saved.status_code == 303, re.findall(r"class=\"error\"[^>]*>(.*?)</p>", saved.text)


def test_bulk_acknowledge_records_each_case_on_its_own_and_shows_the_result_per_case(client, office):
    one, two = (f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no for _ in range(2))
    f.step(office, two, "withdraw", "c1", TODAY, today=TODAY)  # closed: the receipt is refused for it alone
    sign_in(client, "c1")
    page = client.get("/bulk")
    assert one in page.text
    r = client.post("/bulk", data={"csrf": csrf_of(page.text), "action": "acknowledge", "case": [one, two],
                                   "on": TODAY.isoformat()})
    assert r.status_code == 200
    rows = dict(re.findall(r'<tr class="(ok|refused)"><td><a href="/cases/([^"]+)"', r.text)[i][::-1] for i in range(2))
    assert rows == {one: "ok", two: "refused"}
    assert "已办理“出具接收回执”" in client.get(f"/cases/{one}").text or "出具接收回执" in client.get(f"/cases/{one}").text


def test_bulk_assign_by_the_head_reassigns_every_chosen_case_and_a_bad_handler_is_named_per_case(client, office):
    cases = [f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no for _ in range(2)]
    sign_in(client, "h1")
    token = csrf_of(client.get("/bulk").text)
    r = client.post("/bulk", data={"csrf": token, "action": "assign", "to": "c2", "case": cases,
                                   "on": TODAY.isoformat()})
    assert r.text.count('<tr class="ok">') == 2
    assert all("赵六" in client.get(f"/cases/{c}").text for c in cases)
    r = client.post("/bulk", data={"csrf": csrf_of(r.text), "action": "assign", "to": "r1", "case": cases[:1],
                                   "on": TODAY.isoformat()})
    assert '<tr class="refused">' in r.text and "改派的承办人须为本机关在职" in r.text
    missing = client.post("/bulk", data={"csrf": csrf_of(r.text), "action": "assign", "to": "c2",
                                         "on": TODAY.isoformat()})
    assert missing.status_code == 422 and 'id="err-case"' in missing.text


def test_a_bulk_form_without_its_csrf_token_writes_nothing(client, office):
    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    sign_in(client, "c1")
    r = client.post("/bulk", data={"action": "acknowledge", "case": [case_no], "on": TODAY.isoformat()})
    assert r.status_code == 403
    assert "出具接收回执" not in re.sub(r'<details class="move".*?</details>', "", client.get(f"/cases/{case_no}").text, flags=re.S)


def move(client, case_no: str, kind: str, **data):
    page = client.get(f"/cases/{case_no}").text
    seen = re.search(r'name="seen" value="(\d+)"', page).group(1)
    return client.post(f"/cases/{case_no}/moves/{kind}", follow_redirects=False,
                       data={"csrf": csrf_of(page), "seen": seen, "on": TODAY.isoformat(), **data})


def test_a_split_from_the_form_takes_the_item_numbers_of_a_line_into_a_linked_case(client, office):
    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY,
                         items=("某地块征收补偿方案", "某路拓宽工程批复", "东湖片区规划")).case_no
    sign_in(client, "c1")
    assert move(client, case_no, "split", parts="2、3").status_code == 303
    page = client.get(f"/cases/{case_no}").text
    new = re.search(r'拆分出 <a href="/cases/([^"]+)"', page).group(1)
    assert "某路拓宽工程批复" in client.get(f"/cases/{new}").text
    refused = move(client, case_no, "split", parts="1")  # the original keeps at least one item
    assert refused.status_code == 422 and 'id="err-parts"' in refused.text and "原案件至少保留一项" in refused.text


def test_a_delivery_by_post_without_its_tracking_number_is_refused_beside_that_field(client, office):
    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    f.step(office, case_no, "request_correction", "c1", TODAY, today=TODAY, items="请写明文号")
    sign_in(client, "c1")
    r = move(client, case_no, "record_delivery", notice="correction", method="post")
    assert r.status_code == 422 and re.search(r'id="err-tracking"[^>]*>[^<]*<span class="rule">依据：邮寄送达须写明邮件号码', r.text)
    ok = move(client, case_no, "record_delivery", notice="correction", method="post", tracking="EA1",
              received=TODAY.isoformat())
    assert ok.status_code == 303 and "EA1" in client.get(f"/cases/{case_no}").text


def test_the_parts_of_a_split_are_item_numbers_or_a_description_per_line():
    from foi_workflow.web.forms import parse_parts

    assert parse_parts("2,3\n 4、5 \n\n东湖片区规划") == [[2, 3], [4, 5], "东湖片区规划"]


def test_the_upload_control_is_labelled_in_chinese_not_with_the_browser_s_own_button(client, office):
    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    sign_in(client, "c1")
    page = client.get(f"/cases/{case_no}").text
    control = re.search(r'<input id="attach-file"[^>]*>\s*<label for="attach-file" class="file-button">([^<]+)</label>', page)
    assert control and control.group(1) == "选择文件" and 'class="file-input"' in control.group(0)
    assert "未选择文件" in page and "已选择文件" in page and 'aria-describedby="attach-file-hint' in page
