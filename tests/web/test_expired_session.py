"""A session that expires in the middle of a form loses nothing that was entered (issue 13, bad
input): the sign-in page carries the fields (protected by its own CSRF token) when the form's
token shows it was one of our pages, and after signing in the same person is back on the form
with the data filled in — shown again, never submitted for them. A file cannot be kept: the
user is told so in Chinese. A forged form's data is never carried."""

from __future__ import annotations

import re

from sqlalchemy import select

from foi_workflow.storage import db
from foi_workflow.storage.models import CaseEventRow, CaseRow

from .. import factories as f
from .conftest import AGENCY, PW, TODAY, csrf_of, sign_in
from .test_casework import files_client, stored  # noqa: F401  (files_client: a fixture)
from .test_security import APPLICATION, count_cases

KEPT = re.compile(r'name="(keep\.[^"]+|keep_token|resume)" value="([^"]*)"')


def expire(client) -> None:
    client.cookies.clear()  # the session expired while the person was typing


def sign_in_again(client, expired_page, code: str = "c1"):
    """Sign in on the page the expired form led to, with what it carries."""
    kept = dict(KEPT.findall(expired_page.text))
    return client.post("/login", data={"csrf": csrf_of(expired_page.text), "code": code, "password": PW,
                                       "next": "/", **kept})


def events_of(url: str, case_no: str) -> int:
    with db.session_scope(url) as s:
        return s.scalar(select(CaseRow.event_count).where(CaseRow.case_no == case_no))


def test_an_expired_intake_check_is_run_again_after_signing_in_with_the_data_kept(client, office):
    sign_in(client, "c1")
    form = client.get("/register")
    expire(client)
    r = client.post("/register/check", data={"csrf": csrf_of(form.text), **APPLICATION,
                                             "items": "二〇二五年度部门预算说明"})
    assert r.status_code == 401 and "填写的内容已保留" in r.text
    again = sign_in_again(client, r)
    assert again.status_code == 200 and "尚未登记：以下为重新核对的结果" in again.text
    assert "二〇二五年度部门预算说明" in again.text and "核对提示" in again.text
    assert count_cases(office) == 0  # the check saves nothing, before or after


def test_an_expired_step_form_comes_back_open_with_what_was_entered_and_nothing_recorded(client, office):
    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    sign_in(client, "c1")
    page = client.get(f"/cases/{case_no}")
    expire(client)
    r = client.post(f"/cases/{case_no}/moves/request_correction",
                    data={"csrf": csrf_of(page.text), "on": TODAY.isoformat(), "items": "请写明地块编号",
                          "seen": "1"})
    assert r.status_code == 401 and events_of(office, case_no) == 1
    again = sign_in_again(client, r)
    assert again.status_code == 200 and "填写的内容已保留，尚未记录" in again.text
    assert re.search(r'<details class="move" open id="move-request_correction">', again.text)
    assert ">请写明地块编号</textarea>" in again.text and events_of(office, case_no) == 1
    done = client.post(f"/cases/{case_no}/moves/request_correction",
                       data={"csrf": csrf_of(again.text), "on": TODAY.isoformat(), "items": "请写明地块编号",
                             "seen": "1"}, follow_redirects=False)
    assert done.status_code == 303 and events_of(office, case_no) == 2


def test_an_expired_upload_keeps_its_description_and_says_in_chinese_the_file_must_be_chosen_again(
        files_client, office, tmp_path):
    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    sign_in(files_client, "c1")
    page = files_client.get(f"/cases/{case_no}")
    expire(files_client)
    r = files_client.post(f"/cases/{case_no}/attachments", data={"csrf": csrf_of(page.text), "description": "补正材料扫描件"},
                          files={"file": ("补正.pdf", b"%PDF-1.4 x", "application/pdf")})
    assert r.status_code == 401 and "所选文件无法保留" in r.text and stored(tmp_path) == []
    assert "%PDF" not in r.text  # the file's content is not carried in the page
    again = sign_in_again(files_client, r)
    assert again.status_code == 200 and 'value="补正材料扫描件"' in again.text
    assert re.search(r'id="err-file"[^>]*>登录已过期，所选文件无法保留[^<]*请重新选择文件后上传', again.text)
    assert stored(tmp_path) == []


def test_a_forged_form_without_our_token_keeps_nothing_on_the_sign_in_page(client, office):
    r = client.post("/register", data={"csrf": "forged", **APPLICATION, "items": "别人填的内容"})
    assert r.status_code == 401 and "本次提交未记录" in r.text
    assert "别人填的内容" not in r.text and not KEPT.findall(r.text)
    sign_in(client, "c1")
    form = client.get("/register")
    token = csrf_of(form.text)
    expire(client)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    r = client.post("/register", data={"csrf": tampered, **APPLICATION, "items": "别人填的内容"})
    assert "别人填的内容" not in r.text and count_cases(office) == 0


def test_another_person_signing_in_on_that_page_is_not_shown_the_kept_data(client, office):
    sign_in(client, "c1")
    form = client.get("/register")
    expire(client)
    r = client.post("/register", data={"csrf": csrf_of(form.text), **APPLICATION, "items": "张三填的内容"})
    again = sign_in_again(client, r, code="c2")
    assert again.status_code in (200, 303) and "张三填的内容" not in again.text and count_cases(office) == 0
