"""The workbench is safe by construction (docs/web.md): CSRF on every form, session cookie flags,
a Content-Security-Policy, the acting person from the session only, another agency's case a 404
that is logged, token-authenticated API, bad input refused with its field and rule."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from sqlalchemy import select

from foi_workflow.services import accounts
from foi_workflow.storage import db
from foi_workflow.storage.identity_tables import AccessLogRow
from foi_workflow.storage.models import CaseEventRow, CaseRow

from .. import factories as f
from .conftest import AGENCY, PW, TODAY, csrf_of, sign_in

# the intake form as the page names its fields (the application's, then a_ for the applicant's)
APPLICATION = {"channel": "in_person", "received": TODAY.isoformat(), "items": "某地块征收补偿方案",
               "form": "paper", "delivery": "post", "a_kind": "commercial", "a_name": "某公司",
               "a_id_type": "credit_code", "a_id_number": f.CREDIT_CODE, "a_contact_person": "王经理",
               "a_phone": "13912345678", "a_address": "山西省晋中市榆次区顺城街1号", "a_postcode": "030600"}


def count_cases(url: str) -> int:
    with db.session_scope(url) as s:
        return len(s.scalars(select(CaseRow.id)).all())


def register_form(client, **changes):
    page = client.get("/register")
    return client.post("/register", data={"csrf": csrf_of(page.text), **APPLICATION, **changes},
                       follow_redirects=False)


def test_a_form_without_or_with_a_forged_csrf_token_is_refused_with_403_and_nothing_written(client, office):
    assert sign_in(client, "c1").status_code == 303
    missing = client.post("/register", data=APPLICATION)
    forged = client.post("/register", data={**APPLICATION, "csrf": "forged-token"})
    assert missing.status_code == forged.status_code == 403
    assert "防伪标记" in forged.text and "Traceback" not in forged.text
    assert count_cases(office) == 0
    # the sign-in form is protected too
    assert client.post("/login", data={"code": "c1", "password": "x"}).status_code == 403


def test_the_session_cookie_is_httponly_samesite_lax_signed_and_secure_when_configured(office):
    from fastapi.testclient import TestClient

    from foi_workflow.web.app import create_app

    from .conftest import web_settings

    for secure in (False, True):
        app = create_app(web_settings(office).model_copy(update={"web_secure_cookies": secure}))
        with TestClient(app, base_url="https://testserver") as c:
            cookie = sign_in(c, "c1").headers["set-cookie"].lower()
            assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=1800" in cookie
            assert ("secure" in cookie.split(";")[-1] or "; secure" in cookie) is secure
            assert "c1" not in cookie.split(";")[0].split("=", 1)[1][:10]  # signed, not plain text


def test_every_page_sends_a_content_security_policy_without_inline_script(client):
    for path in ("/login", "/no-such-page"):
        csp = client.get(path).headers["content-security-policy"]
        assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "script-src" not in csp
    sign_in(client, "c1")
    for path in ("/", "/register", "/board", "/password", "/find?q="):
        r = client.get(path)
        assert r.headers["content-security-policy"].startswith("default-src 'none'")
        assert "<script" not in r.text and r.headers["x-content-type-options"] == "nosniff"


def test_the_acting_person_comes_from_the_session_never_from_a_form_field(client, office):
    sign_in(client, "c1")
    r = register_form(client, actor="h1", code="h1", handler="h1", principal="h1")
    assert r.status_code == 303, re.findall(r'class="error"[^>]*>([^<]*)', r.text)
    with db.session_scope(office) as s:
        case = s.scalars(select(CaseRow)).one()
        event = s.scalars(select(CaseEventRow)).one()
        assert (case.handler, event.actor, event.operator) == ("c1", "c1", "web")


def test_a_case_of_another_agency_is_a_404_and_the_attempt_is_in_the_access_log(client, office):
    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    sign_in(client, "o1")
    r = client.get(f"/cases/{case_no}")
    assert r.status_code == 404 and "某公司" not in r.text and "Traceback" not in r.text
    assert client.get("/cases/no-such-case").status_code == 404
    with db.session_scope(office) as s:
        rows = s.scalars(select(AccessLogRow).where(AccessLogRow.staff == "o1")).all()
        assert ("case.read", case_no, "refused", "web") in [(a.action, a.target, a.outcome, a.via) for a in rows]


def test_a_wrong_password_is_refused_beside_the_field_and_no_session_is_made(client):
    r = sign_in(client, "c1", "wrong-password-1")
    assert r.status_code == 401 and "账户代码或密码不正确" in r.text
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_signing_out_ends_the_session(client):
    sign_in(client, "c1")
    page = client.get("/")
    assert page.status_code == 200 and "我的待办" in page.text
    client.post("/logout", data={"csrf": csrf_of(page.text)})
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_password_change_ends_every_other_session(office):
    from fastapi.testclient import TestClient

    from foi_workflow.web.app import create_app

    from .conftest import PW, web_settings

    app = create_app(web_settings(office))
    with TestClient(app) as a, TestClient(app) as b:
        sign_in(a, "c1"), sign_in(b, "c1")
        page = a.get("/password")
        r = a.post("/password", data={"csrf": csrf_of(page.text), "current": PW, "new": "another-horse-7",
                                      "new2": "another-horse-7"})
        assert r.status_code == 200 and "密码已修改" in r.text
        assert a.get("/", follow_redirects=False).status_code == 200
        assert b.get("/", follow_redirects=False).status_code == 303


def test_bad_input_on_a_page_is_422_with_the_rule_beside_its_field(client, office):
    sign_in(client, "c1")
    r = register_form(client, items="  ")
    assert r.status_code == 422 and 'id="err-items"' in r.text and "第二十九条" in r.text
    assert 'value="某公司"' in r.text  # what was entered is kept
    assert count_cases(office) == 0


def test_a_move_refused_by_the_rules_shows_its_rule_beside_the_field(client, office):
    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    sign_in(client, "c1")
    page = client.get(f"/cases/{case_no}")
    r = client.post(f"/cases/{case_no}/moves/request_correction",
                    data={"csrf": csrf_of(page.text), "on": TODAY.isoformat(), "items": "",
                          "seen": "1"})
    assert r.status_code == 422 and 'id="err-items"' in r.text and "第三十条" in r.text


def test_a_form_made_before_another_person_s_step_is_told_to_reload_and_keeps_its_data(client, office):
    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    sign_in(client, "c1")
    page = client.get(f"/cases/{case_no}")
    f.step(office, case_no, "acknowledge", "c2", TODAY, today=TODAY)  # meanwhile, a colleague
    r = client.post(f"/cases/{case_no}/moves/request_correction",
                    data={"csrf": csrf_of(page.text), "on": TODAY.isoformat(), "items": "请写明地块编号",
                          "seen": "1"})
    assert r.status_code == 409 and "本案已被他人同时办理，请刷新后重试" in r.text
    assert "请写明地块编号" in r.text
    with db.session_scope(office) as s:
        assert s.scalar(select(CaseRow.event_count).where(CaseRow.case_no == case_no)) == 2


# ----- the API ------------------------------------------------------------------------------

def token_for(url: str, code: str) -> str:
    u = f.uow(url)
    with u:
        return accounts.create_token(accounts.CreateToken("测试"), u, f.principal(url, code))[1]


def test_the_api_needs_a_valid_bearer_token(client, office):
    assert client.get("/api/cases").status_code == 401
    bad = client.get("/api/cases", headers={"Authorization": "Bearer foi_not-a-token"})
    assert bad.status_code == 401 and set(bad.json()) == {"field", "rule", "message"}
    good = client.get("/api/cases", headers={"Authorization": f"Bearer {token_for(office, 'c1')}"})
    assert good.status_code == 200 and good.json()["cases"] == []
    # a session cookie is no API credential
    sign_in(client, "c1")
    assert client.get("/api/cases").status_code == 401


def test_the_api_registers_steps_and_shows_a_case_and_refuses_bad_input_with_field_and_rule(client, office):
    auth = {"Authorization": f"Bearer {token_for(office, 'c1')}"}
    body = {"channel": "online", "received": TODAY.isoformat(), "items": ["某文件"], "form": "electronic",
            "delivery": "email", "request_id": "api-1",
            "applicant": {"kind": "commercial", "name": "某公司", "id_type": "credit_code",
                          "id_number": f.CREDIT_CODE, "contact_person": "王经理", "email": "a@example.com"}}
    made = client.post("/api/cases", json=body, headers=auth)
    assert made.status_code == 201, made.text
    case_no = made.json()["case_no"]
    stepped = client.post(f"/api/cases/{case_no}/steps", json={"kind": "accept", "on": TODAY.isoformat()},
                          headers=auth)
    assert stepped.status_code == 200 and stepped.json()["state"] == "in_process"
    shown = client.get(f"/api/cases/{case_no}", headers=auth).json()
    assert [h["kind"] for h in shown["history"]] == ["register", "accept"]
    bad = client.post("/api/cases", json={**body, "channel": "pigeon", "request_id": "api-2"}, headers=auth)
    assert bad.status_code == 422 and bad.json()["field"] == "channel" and bad.json()["rule"]
    malformed = client.post("/api/cases", json={**body, "received": "yesterday"}, headers=auth)
    assert malformed.status_code == 422 and malformed.json()["field"] == "received"
    other = {"Authorization": f"Bearer {token_for(office, 'o1')}"}
    assert client.get(f"/api/cases/{case_no}", headers=other).status_code == 404


def test_the_openapi_document_lists_the_api():
    from foi_workflow.config import Settings
    from foi_workflow.web.app import create_app
    from fastapi.testclient import TestClient

    with TestClient(create_app(Settings.load(database_url="sqlite://"))) as c:
        paths = c.get("/api/openapi.json").json()["paths"]
    assert {"/cases", "/cases/{case_no}", "/cases/{case_no}/steps"} <= set(paths)


def test_the_web_app_never_imports_prefect():
    code = ("import sys; from foi_workflow.web.app import create_app; from foi_workflow.config import Settings;"
            "create_app(Settings.load(database_url='sqlite://'));"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'prefect')))")
    out = subprocess.run([sys.executable, "-c", "import json;" + code], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out) == []


def test_a_crash_shows_a_chinese_page_and_logs_neither_a_trace_nor_its_data(client, office, monkeypatch, caplog):
    from foi_workflow.services import views

    def broken(*a, **k):
        raise RuntimeError("applicant 110101199003077777")

    monkeypatch.setattr(views, "inbox", broken)
    monkeypatch.setattr(views, "case_list", broken)
    sign_in(client, "c1")
    r = client.get("/")
    assert r.status_code == 500 and "系统出现错误" in r.text and "110101" not in r.text
    assert "Traceback" not in r.text and r.headers["content-security-policy"]
    api = client.get("/api/cases", headers={"Authorization": f"Bearer {token_for(office, 'c1')}"})
    assert api.status_code == 500 and "110101" not in api.text
    assert "110101" not in caplog.text and "RuntimeError" in caplog.text
    assert client.get("/login").status_code == 200  # the server goes on serving


def test_a_notice_previews_in_a_sandbox_and_downloads_and_another_agency_gets_a_404(client, office):
    case_no = f.register(office, agency=AGENCY, actor="c1", received=TODAY, today=TODAY).case_no
    f.step(office, case_no, "accept", "c1", TODAY, today=TODAY)
    f.step(office, case_no, "sign_off", "r1", TODAY, today=TODAY, decision="disclose")
    f.step(office, case_no, "reply", "h1", TODAY, today=TODAY, outcome="disclosed")
    sign_in(client, "c1")
    keys = re.findall(r'href="/notices/([^/"]+)/preview"', client.get(f"/cases/{case_no}").text)
    assert keys
    preview = client.get(f"/notices/{keys[-1]}/preview")
    assert preview.status_code == 200 and "sandbox" in preview.headers["content-security-policy"]
    assert "<script" not in preview.text
    pdf = client.get(f"/notices/{keys[-1]}/pdf")
    assert pdf.content[:5] == b"%PDF-" and "attachment" in pdf.headers["content-disposition"]
    assert client.get(f"/notices/{keys[-1]}/exe").status_code == 404
    sign_in(client, "o1")
    assert client.get(f"/notices/{keys[-1]}/pdf").status_code == 404


def test_a_session_that_expired_in_the_middle_of_a_form_keeps_what_was_entered(client, office):
    sign_in(client, "c1")
    form = client.get("/register")
    client.cookies.clear()  # the session expired while the clerk was typing
    r = client.post("/register", data={"csrf": csrf_of(form.text), **APPLICATION, "items": "某年度预算说明"})
    assert r.status_code == 401 and "登录已过期" in r.text and 'value="某年度预算说明"' in r.text
    assert count_cases(office) == 0
    kept = dict(re.findall(r'name="(keep\.[^"]+|keep_token|resume)" value="([^"]*)"', r.text))
    again = client.post("/login", data={"csrf": csrf_of(r.text), "code": "c1", "password": PW, "next": "/", **kept})
    assert again.status_code == 200 and "填写的内容已保留" in again.text
    assert "某年度预算说明" in again.text and count_cases(office) == 0  # shown again, not submitted
    done = client.post("/register", data={"csrf": csrf_of(again.text), **APPLICATION}, follow_redirects=False)
    assert done.status_code == 303 and count_cases(office) == 1


def test_the_old_case_number_search_lands_on_the_full_search(client, office):
    sign_in(client, "c1")
    r = client.get("/search?q=yc-2026-00001", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == "/find?q=yc-2026-00001"
