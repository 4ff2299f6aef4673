"""管理 in the workbench (docs/web.md): accounts and roles, tokens, agency settings, digest
addresses, the calendar preview and the access log; every form CSRF-checked, refusals beside
their field with the rule, nothing written on refusal, admins only."""

from __future__ import annotations

from sqlalchemy import select

from foi_workflow.storage import db
from foi_workflow.storage.identity_tables import ApiTokenRow
from foi_workflow.storage.uow import SqlUnitOfWork

from .. import factories as f
from .conftest import PW, csrf_of, sign_in, web_settings


def admin(client, office, code: str = "a1", agency: str = "yc"):
    f.staff(office, code, "周九", "admin", agency, password=PW)
    assert sign_in(client, code).status_code == 303


def account(office, code: str):
    u = SqlUnitOfWork(web_settings(office))
    with u:
        return u.directory.account_by_code(code)


def post(client, path: str, data: dict, page: str | None = None):
    token = csrf_of(client.get(page or "/admin/tokens").text)
    return client.post(path, data={"csrf": token, **data}, follow_redirects=False)


NEW = {"code": "c9", "name": "吴十", "agency": "yc-zrzy", "identifier": "E1009", "role_clerk": "on",
       "password": "another-horse-9", "password2": "another-horse-9"}


def test_only_admins_see_the_admin_link_and_a_clerk_is_refused_with_the_rule(client, office):
    sign_in(client, "c1")
    assert 'href="/admin"' not in client.get("/").text
    r = client.get("/admin")
    assert r.status_code == 403 and "管理机关和账户" in r.text and "管理员" in r.text
    refused = post(client, "/admin/accounts", NEW)
    assert refused.status_code == 403 and "管理员" in refused.text
    assert account(office, "c9") is None


def test_an_admin_creates_an_account_and_changes_its_roles(client, office):
    admin(client, office)
    assert 'href="/admin"' in client.get("/").text
    r = post(client, "/admin/accounts", NEW, "/admin")
    assert r.status_code == 303 and r.headers["location"] == "/admin/accounts/c9"
    page = client.get("/admin/accounts/c9")
    assert "已创建账户：c9" in page.text and "承办人" in page.text
    assert {x.value for x in account(office, "c9").roles} == {"clerk"}
    r = post(client, "/admin/accounts/c9/roles", {"role_reviewer": "on", "role_head": "on"}, "/admin/accounts/c9")
    assert r.status_code == 303
    assert {x.value for x in account(office, "c9").roles} == {"reviewer", "head"}
    assert sign_in(client, "c9", "another-horse-9").status_code == 303  # the new account signs in


def test_an_account_refused_by_the_rules_shows_the_rule_beside_the_field_and_nothing_is_written(client, office):
    admin(client, office)
    dup = post(client, "/admin/accounts", {**NEW, "code": "c1"}, "/admin")
    assert dup.status_code == 422 and "账户代码不得重复" in dup.text and 'id="err-create-code"' in dup.text
    assert 'value="吴十"' in dup.text  # the entered data is kept
    no_role = post(client, "/admin/accounts", {k: v for k, v in NEW.items() if k != "role_clerk"}, "/admin")
    assert no_role.status_code == 422 and "至少须有一个角色" in no_role.text and 'id="err-create-role"' in no_role.text
    assert account(office, "c9") is None
    # no roles at all: the last admin keeps the role (the rule beside it), nothing changed
    last = post(client, "/admin/accounts/a1/roles", {"role_clerk": "on"}, "/admin/accounts/a1")
    assert last.status_code == 422 and "唯一在职的管理员" in last.text
    assert {x.value for x in account(office, "a1").roles} == {"admin"}


def test_a_form_without_its_csrf_token_writes_nothing(client, office):
    admin(client, office)
    r = client.post("/admin/accounts", data=NEW)
    assert r.status_code == 403 and "防伪标记" in r.text
    assert account(office, "c9") is None


def test_an_admin_deactivates_and_reactivates_and_resets_a_password(client, office):
    admin(client, office)
    assert post(client, "/admin/accounts/c2/active", {"active": "false"}, "/admin/accounts/c2").status_code == 303
    assert account(office, "c2").active is False
    assert post(client, "/admin/accounts/c2/active", {"active": "true"}, "/admin/accounts/c2").status_code == 303
    assert account(office, "c2").active is True
    short = post(client, "/admin/accounts/c2/password", {"password": "short", "password2": "short"},
                 "/admin/accounts/c2")
    assert short.status_code == 422 and 'id="err-password-password"' in short.text
    assert post(client, "/admin/accounts/c2/password", {"password": "brand-new-pass-7", "password2": "brand-new-pass-7"},
                "/admin/accounts/c2").status_code == 303
    assert sign_in(client, "c2", "brand-new-pass-7").status_code == 303


def test_a_token_is_created_its_secret_shown_once_and_then_revoked(client, office):
    sign_in(client, "c1")  # anyone manages their own tokens
    r = post(client, "/admin/tokens", {"name": "热线系统", "days": "30"})
    assert r.status_code == 303
    shown = client.get("/admin/tokens").text
    secret = shown.split("只显示这一次，请立即复制保存）：<code>")[1].split("</code>")[0]
    assert len(secret) > 20 and secret not in client.get("/admin/tokens").text  # once only
    assert client.get("/api/cases", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    with db.session_scope(office) as s:
        token_id = s.scalars(select(ApiTokenRow.id)).one()
    assert post(client, f"/admin/tokens/{token_id}/revoke", {}).status_code == 303
    with db.session_scope(office) as s:
        assert s.get(ApiTokenRow, token_id).revoked_at is not None
    assert "已撤销" in client.get("/admin/tokens").text
    bad = post(client, "/admin/tokens", {"name": "", "days": "999"})
    assert bad.status_code == 422 and "令牌名称" in bad.text


def test_an_admin_creates_a_token_for_another_person_but_a_clerk_cannot(client, office):
    admin(client, office)
    assert post(client, "/admin/accounts/c1/tokens", {"name": "省平台推送", "days": "10"},
                "/admin/accounts/c1").status_code == 303
    assert "新令牌的密钥" in client.get("/admin/accounts/c1").text
    sign_in(client, "c2")
    assert post(client, "/admin/accounts/c1/tokens", {"name": "x", "days": "10"}).status_code == 403
    with db.session_scope(office) as s:
        assert len(s.scalars(select(ApiTokenRow.id)).all()) == 1


def test_agency_settings_are_saved_and_an_out_of_range_alert_period_is_refused_beside_its_field(client, office):
    admin(client, office)
    page = "/admin/agencies/yc-zrzy"
    assert post(client, "/admin/agencies/yc-zrzy/contact", {"contact_phone": "0354-2000000"}, page).status_code == 303
    assert 'value="0354-2000000"' in client.get(page).text
    bad = post(client, "/admin/agencies/yc-zrzy/alerts", {"alert_working_days": "99"}, page)
    assert bad.status_code == 422 and "1–20个工作日" in bad.text and 'id="err-alerts-alert_working_days"' in bad.text
    assert post(client, "/admin/agencies/yc-zrzy/alerts", {"alert_working_days": "5"}, page).status_code == 303
    with db.session_scope(office) as s:
        from foi_workflow.storage.models import AgencyRow

        row = s.scalars(select(AgencyRow).where(AgencyRow.code == "yc-zrzy")).one()
        assert row.settings["alert_working_days"] == 5 and row.settings["contact_phone"] == "0354-2000000"


def test_a_digest_address_is_set_and_a_bad_one_refused(client, office):
    admin(client, office)
    page = "/admin/accounts/s1"
    bad = post(client, "/admin/accounts/s1/recipient", {"email": "not-an-address", "enabled": "on"}, page)
    assert bad.status_code == 422 and "name@example.gov.cn" in bad.text
    assert post(client, "/admin/accounts/s1/recipient", {"email": "s1@yc.gov.cn", "enabled": "on"}, page).status_code == 303
    assert 'value="s1@yc.gov.cn"' in client.get(page).text


def test_the_access_log_is_filtered_by_account(client, office):
    sign_in(client, "c1")
    client.get("/reports")            # a report read is logged
    sign_in(client, "h1")
    client.get("/reports")
    admin(client, office)
    every = client.get("/admin/access-log").text
    assert "<td>c1</td>" in every and "<td>h1</td>" in every
    only = client.get("/admin/access-log?staff=c1")
    assert only.status_code == 200 and "<td>c1</td>" in only.text and "<td>h1</td>" not in only.text
    bad = client.get("/admin/access-log?since=yesterday")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text
    sign_in(client, "c1")
    assert client.get("/admin/access-log").status_code == 403


# 2026 is official: a changed arrangement says so and why (docs/calendar.md)
CHANGED_2026 = """year = 2026
reference = "国办发明电〔2026〕9号"
days_off = ["2026-12-01..2026-12-04"]
make_up_workdays = []
replaces_official = true
reason = "测试：更正通知"
"""


def reply_due(office, case_no: str):
    from foi_workflow.storage.models import CaseRow

    with db.session_scope(office) as s:
        return s.scalars(select(CaseRow.reply_due).where(CaseRow.case_no == case_no)).one()


def test_the_calendar_preview_names_the_open_cases_whose_dates_would_move_and_writes_nothing(client, office):
    from .conftest import TODAY

    case_no = f.register(office, agency="yc-zrzy", actor="c1", received=TODAY, today=TODAY).case_no
    before = reply_due(office, case_no)
    admin(client, office)
    form = {"fmt": "toml", "text": CHANGED_2026}
    r = post(client, "/admin/calendar", {**form, "action": "preview"}, "/admin/calendar")
    assert r.status_code == 200, r.text
    assert case_no in r.text and "日期会改变的 1 件" in r.text and "载入并重算" in r.text
    assert reply_due(office, case_no) == before           # a preview writes nothing
    done = post(client, "/admin/calendar", {**form, "action": "load"}, "/admin/calendar")
    assert done.status_code == 200 and "已载入" in done.text
    assert reply_due(office, case_no) > before


def test_the_calendar_page_is_for_an_admin_of_a_top_level_government_only(client, office):
    admin(client, office, "a2", "yc-zrzy")   # an admin of a body: the calendar is national data
    r = client.get("/admin/calendar")
    assert r.status_code == 403 and "全国性数据" in r.text
    admin(client, office)
    bad = post(client, "/admin/calendar", {"fmt": "toml", "text": "", "action": "preview"}, "/admin/calendar")
    assert bad.status_code == 422 and 'id="err-calendar-text"' in bad.text
    unofficial = post(client, "/admin/calendar", {"fmt": "toml", "action": "preview",
                                                  "text": CHANGED_2026.replace("replaces_official = true", "")},
                      "/admin/calendar")
    assert unofficial.status_code == 422 and "replaces_official" in unofficial.text


AGENCY_NEW = {"code": "yc-jyj", "name": "榆次区教育局", "kind": "department", "parent": "yc",
              "correction_period_working_days": "10", "alert_working_days": "3", "backdate_working_days": "3",
              "reasons_period_working_days": "15", "exclude_fee_time": "on", "contact_phone": "0354-3000000"}


def agency_row(office, code):
    from foi_workflow.storage.models import AgencyRow

    with db.session_scope(office) as s:
        row = s.scalars(select(AgencyRow).where(AgencyRow.code == code)).one_or_none()
        return None if row is None else (row.name, row.parent_id is not None, dict(row.settings or {}))


def test_an_admin_adds_an_agency_under_their_government_with_its_settings(client, office):
    admin(client, office)
    form = client.get("/admin").text
    assert "新增机关" in form and 'name="correction_period_working_days"' in form and 'name="payee"' in form
    r = post(client, "/admin/agencies", AGENCY_NEW, "/admin")
    assert r.status_code == 303 and r.headers["location"] == "/admin/agencies/yc-jyj"
    name, has_parent, settings = agency_row(office, "yc-jyj")
    assert name == "榆次区教育局" and has_parent
    assert settings["correction_period_working_days"] == 10 and settings["exclude_fee_time"] is True
    assert settings["weekend_online_receipt_next_working_day"] is False and settings["contact_phone"] == "0354-3000000"
    assert "已新增机关：榆次区教育局（yc-jyj）" in client.get("/admin/agencies/yc-jyj").text


def test_a_new_agency_refused_by_a_rule_shows_it_beside_the_field_and_writes_nothing(client, office):
    admin(client, office)
    bad = post(client, "/admin/agencies", {**AGENCY_NEW, "correction_period_working_days": "99"}, "/admin")
    assert bad.status_code == 422 and 'id="err-agency-correction_period_working_days"' in bad.text
    assert "补正期限须为1至60个工作日" in bad.text and 'value="榆次区教育局"' in bad.text
    dup = post(client, "/admin/agencies", {**AGENCY_NEW, "code": "yc-zrzy"}, "/admin")
    assert dup.status_code == 422 and 'id="err-agency-code"' in dup.text and "机关代码不得重复" in dup.text
    assert agency_row(office, "yc-jyj") is None


def test_only_an_admin_of_a_top_level_government_adds_a_new_top_level_one_and_a_clerk_none(client, office):
    admin(client, office, "a2", "yc-zrzy")  # an admin of a department
    assert "新的最上级人民政府" not in client.get("/admin").text
    r = post(client, "/admin/agencies", {**AGENCY_NEW, "code": "sx", "name": "山西省人民政府", "kind": "government",
                                         "parent": ""}, "/admin")
    assert r.status_code == 403 and "管理机关和账户" in r.text and agency_row(office, "sx") is None
    sign_in(client, "c1")
    r = post(client, "/admin/agencies", AGENCY_NEW, "/admin/tokens")
    assert r.status_code == 403 and agency_row(office, "yc-jyj") is None
