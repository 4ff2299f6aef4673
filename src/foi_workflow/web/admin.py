"""管理: accounts and roles, tokens, agencies and their settings, digest addresses, the working-day
calendar (with a preview of the open cases whose dates would move) and the access log.

Every page calls the services the CLI calls (services/accounts.py, services/notify.py,
services/access.py, calendar_data/service.py, services/recompute.py); each decides who may. A
refusal is shown beside its field with its rule and nothing is written (one transaction per form).
Account codes and agency codes in URLs are targets, never the acting person (the session's).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..domain.errors import FoiError, InputError
from ..localtime import SHANGHAI
from ..domain.identity import ACCOUNT_ROLES, ROLE_LABELS, Principal
from ..domain.policy import NotFound, PermissionDenied
from .context import Web, errors_of

MAX_FIELD = 200
ACCESS_LIMIT = 200


def _status(err: FoiError) -> int:
    return 403 if isinstance(err, PermissionDenied) else 422


def _text(form: dict[str, str], name: str, *, required: bool = False, label: str = "") -> str:
    value = (form.get(name) or "").strip()
    if len(value) > MAX_FIELD:
        raise InputError(name, f"“{label or name}”不超过 {MAX_FIELD} 个字符", f"共 {len(value)} 个字符")
    if required and not value:
        raise InputError(name, f"“{label or name}”为必填项", "未填写")
    return value


def _int(form: dict[str, str], name: str, label: str) -> int:
    raw = (form.get(name) or "").strip()
    try:
        return int(raw)
    except ValueError:
        raise InputError(name, f"“{label}”须为整数", f"无法识别“{raw[:20]}”") from None


def _roles(form: dict[str, str]) -> tuple[str, ...]:
    return tuple(r.value for r in ACCOUNT_ROLES if form.get(f"role_{r.value}") in ("on", "true", "1"))


# the labels of the agency settings the workbench's labels.py does not name (a setting added to
# domain/settings.AgencySettings still gets a field, labelled by its name)
_MORE_SETTING_LABELS = {"backdate_working_days": "登记晚于事项日期超过N个工作日的标为补录（0–20）",
                        "reasons_period_working_days": "第三十五条说明理由的期限（工作日）"}


def setting_fields() -> list[tuple[str, str, str, object]]:
    """(name, label, kind, default) of every agency setting: a new one appears on the form."""
    from dataclasses import fields

    from ..domain.settings import AgencySettings
    from ..labels import AGENCY_SETTING_LABELS

    out = []
    for fl in fields(AgencySettings):
        kind = "bool" if fl.type in ("bool", bool) else "int" if fl.type in ("int", int) else "text"
        label = AGENCY_SETTING_LABELS.get(fl.name) or _MORE_SETTING_LABELS.get(fl.name, fl.name)
        out.append((fl.name, label, kind, fl.default))
    return out


def settings_of(form: dict[str, str]):
    """The settings of a new agency from the form (every value checked by AgencySettings)."""
    from ..domain.settings import AgencySettings

    values: dict[str, object] = {}
    for name, label, kind, _default in setting_fields():
        if kind == "bool":
            values[name] = form.get(name) in ("on", "true", "1")
        elif kind == "int":
            values[name] = _int(form, name, label)
        else:
            values[name] = _text(form, name, label=label)
    return AgencySettings(**values)


def router(web: Web) -> APIRouter:
    r = APIRouter(prefix="/admin")
    roles = [(x.value, ROLE_LABELS[x]) for x in ACCOUNT_ROLES]

    def done(request: Request, message: str, to: str) -> RedirectResponse:
        request.session["flash"] = message
        return RedirectResponse(to, status_code=303)

    # ----- the overview: accounts of the agency and below, agencies, create an account ----------

    def overview(request: Request, who: Principal, status: int = 200, *, errors=None, values=None,
                 agency: str = ""):
        from ..services import accounts

        u = web.uow()
        with u:
            scope = accounts.accounts(agency or None, u, who)
            ids = u.directory.subtree_ids(who.agency_id)
            agencies = [a for a in (u.directory.agency_by_id(i) for i in ids) if a is not None]
        by_id = {a.id: a for a in agencies}
        rows = [dict(accounts.describe(a), agency=by_id[a.agency_id].code if a.agency_id in by_id else "")
                for a in scope if a.kind == "person"]
        from ..domain.policy import Action, allowed
        from ..services.directory import AGENCY_KINDS

        shown = values or {}
        if not (errors or {}).get("form") == "agency":  # the new-agency form starts from the defaults
            shown = {**{n: ("on" if d is True else "" if d is False else str(d)) for n, _l, _k, d in setting_fields()},
                     **shown}
        return web.page(request, "admin_index.html", status, accounts=rows, agencies=agencies,
                        roles=roles, errors=errors or {}, values=shown, agency=agency,
                        agency_kinds=list(AGENCY_KINDS.items()), setting_fields=setting_fields(),
                        may_add_top=allowed(who, Action.DIRECTORY_MANAGE, None))

    @r.get("", response_class=HTMLResponse)
    def index(request: Request, agency: str = ""):
        return overview(request, web.me(request), agency=agency.strip()[:60])

    @r.post("/accounts", response_class=HTMLResponse)
    async def create_account(request: Request):
        form = await web.form_of(request)
        who = web.me(request)
        from ..services import accounts

        values = {k: v for k, v in form.items() if k not in ("csrf", "password")}
        u = web.uow()
        try:
            password = form.get("password") or None
            if password is not None and password != form.get("password2", ""):
                raise InputError("password2", "两次输入的密码须一致", "两次输入不一致")
            with u:
                account = accounts.create_account(accounts.CreateAccount(
                    code=_text(form, "code", required=True, label="账户代码"),
                    name=_text(form, "name", required=True, label="姓名"),
                    agency=_text(form, "agency", required=True, label="所在机关"),
                    identifier=_text(form, "identifier", required=True, label="工号或手机号码"),
                    roles=_roles(form), password=password), u, who)
        except NotFound:
            raise
        except FoiError as err:
            return overview(request, who, _status(err), errors=errors_of(err, "create"), values=values)
        return done(request, f"已创建账户：{account.code}（{account.name}）",
                    f"/admin/accounts/{quote(account.code, safe='')}")

    @r.post("/agencies", response_class=HTMLResponse)
    async def add_agency(request: Request):
        """A new agency under one the admin manages (or a new top-level government, for an admin
        of a top-level one), with its settings; accounts.add_agency decides who may."""
        form = await web.form_of(request)
        who = web.me(request)
        from ..services import accounts

        values = {k: v[:MAX_FIELD + 1] for k, v in form.items() if k != "csrf"}
        u = web.uow()
        try:
            cmd = accounts.AddAgency(code=_text(form, "code", required=True, label="机关代码"),
                                     name=_text(form, "name", required=True, label="机关名称"),
                                     kind=_text(form, "kind", required=True, label="机关类别"),
                                     parent=_text(form, "parent", label="上级机关") or None,
                                     settings=settings_of(form))
            with u:
                made = accounts.add_agency(cmd, u, who)
        except FoiError as err:
            e = errors_of(err, "agency")
            if isinstance(err, NotFound) and err.field == "parent":
                e = {"parent": err.message, "rule": err.rule, "form": "agency"}
            elif isinstance(err, NotFound):
                raise
            return overview(request, who, _status(err), errors=e, values=values)
        return done(request, f"已新增机关：{made.name}（{made.code}）",
                    f"/admin/agencies/{quote(made.code, safe='')}")

    # ----- one account: roles, deactivate/reactivate, password, tokens, digest address ---------

    def account_view(request: Request, who: Principal, code: str, status: int = 200, *, errors=None):
        from ..services import accounts, notify

        u = web.uow()
        with u:
            found = u.directory.account_by_code(code)
            if found is None or found.kind != "person":
                raise NotFound("code", "须为已登记的工作人员账户", "没有这个账户")
            history = accounts.changes(code, u, who)  # the permission check (DIRECTORY_MANAGE)
            tokens = accounts.tokens(code, u, who)
            agency = u.directory.agency_by_id(found.agency_id)
            recipient = next((x for x in notify.list_recipients(agency.code if agency else None, u, who)
                              if x.staff == found.code), None)
        return web.page(request, "admin_account.html", status, account=accounts.describe(found),
                        agency=agency, history=history[-20:], tokens=tokens, recipient=recipient,
                        roles=roles, errors=errors or {}, secret=request.session.pop("secret", ""),
                        own=found.code == who.code)

    @r.get("/accounts/{code}", response_class=HTMLResponse)
    def account(request: Request, code: str):
        return account_view(request, web.me(request), code[:60])

    async def account_form(request: Request, code: str, name: str, work) -> HTMLResponse | RedirectResponse:
        form = await web.form_of(request)
        who = web.me(request)
        u = web.uow()
        try:
            with u:
                message = work(form, u, who)
        except NotFound:
            raise
        except FoiError as err:
            return account_view(request, who, code, _status(err), errors=errors_of(err, name))
        return done(request, message, f"/admin/accounts/{quote(code, safe='')}")

    @r.post("/accounts/{code}/roles", response_class=HTMLResponse)
    async def set_roles(request: Request, code: str):
        from ..services import accounts

        def work(form, u, who):
            a = accounts.set_roles(accounts.SetRoles(code, _roles(form)), u, who)
            return f"已修改 {a.code} 的角色：{accounts.describe(a)['roles_label']}"

        return await account_form(request, code, "roles", work)

    @r.post("/accounts/{code}/active", response_class=HTMLResponse)
    async def set_active(request: Request, code: str):
        from ..services import accounts

        def work(form, u, who):
            active = form.get("active") == "true"
            a = accounts.set_active(accounts.SetActive(code, active), u, who)
            return f"已{'启用' if a.active else '停用'}账户 {a.code}"

        return await account_form(request, code, "active", work)

    @r.post("/accounts/{code}/password", response_class=HTMLResponse)
    async def reset_password(request: Request, code: str):
        from ..services import accounts

        def work(form, u, who):
            if form.get("password", "") != form.get("password2", ""):
                raise InputError("password2", "两次输入的密码须一致", "两次输入不一致")
            accounts.reset_password(accounts.ResetPassword(code, form.get("password", "")), u, who)
            return f"已重设 {code} 的密码（请其登录后修改）"

        return await account_form(request, code, "password", work)

    @r.post("/accounts/{code}/recipient", response_class=HTMLResponse)
    async def set_recipient(request: Request, code: str):
        from ..services import notify

        def work(form, u, who):
            email = _text(form, "email", label="电子邮箱") or None
            rec = notify.set_recipient(notify.SetRecipient(code, email, form.get("enabled") == "on"), u, who)
            return f"已设置 {rec.staff} 的督办摘要邮箱：{rec.email}（{'接收' if rec.enabled else '暂停'}）"

        return await account_form(request, code, "recipient", work)

    @r.post("/accounts/{code}/tokens", response_class=HTMLResponse)
    async def create_token_for(request: Request, code: str):
        from ..services import accounts

        def work(form, u, who):
            token, secret = accounts.create_token(accounts.CreateToken(
                _text(form, "name", required=True, label="令牌名称"), _int(form, "days", "有效天数"), code), u, who)
            request.session["secret"] = secret  # shown once, on the next page, then gone
            return f"已创建令牌“{token.name}”（编号 {token.id}）：密钥只显示这一次，请立即复制保存"

        return await account_form(request, code, "token", work)

    @r.post("/accounts/{code}/tokens/{token_id}/revoke", response_class=HTMLResponse)
    async def revoke_token_of(request: Request, code: str, token_id: int):
        from ..services import accounts

        def work(form, u, who):
            t = accounts.revoke_token(accounts.RevokeToken(token_id), u, who)
            return f"已撤销令牌“{t.name}”（编号 {t.id}）"

        return await account_form(request, code, "revoke", work)

    # ----- the person's own tokens (anyone signed in) -------------------------------------------

    def tokens_view(request: Request, who: Principal, status: int = 200, *, errors=None):
        from ..services import accounts

        u = web.uow()
        with u:
            tokens = accounts.tokens(None, u, who)
        return web.page(request, "admin_tokens.html", status, tokens=tokens, errors=errors or {},
                        secret=request.session.pop("secret", ""), days=web.settings.token_days)

    @r.get("/tokens", response_class=HTMLResponse)
    def my_tokens(request: Request):
        return tokens_view(request, web.me(request))

    @r.post("/tokens", response_class=HTMLResponse)
    async def create_my_token(request: Request):
        form = await web.form_of(request)
        who = web.me(request)
        from ..services import accounts

        u = web.uow()
        try:
            with u:
                token, secret = accounts.create_token(accounts.CreateToken(
                    _text(form, "name", required=True, label="令牌名称"), _int(form, "days", "有效天数")), u, who)
        except FoiError as err:
            return tokens_view(request, who, _status(err), errors=errors_of(err, "token"))
        request.session["secret"] = secret
        return done(request, f"已创建令牌“{token.name}”（编号 {token.id}）：密钥只显示这一次，请立即复制保存",
                    "/admin/tokens")

    @r.post("/tokens/{token_id}/revoke", response_class=HTMLResponse)
    async def revoke_my_token(request: Request, token_id: int):
        form = await web.form_of(request)  # noqa: F841  (CSRF checked)
        who = web.me(request)
        from ..services import accounts

        u = web.uow()
        try:
            with u:
                mine = {t.id for t in accounts.tokens(None, u, who)}
                if token_id not in mine:
                    raise InputError("token_id", "须为本人的令牌", f"没有编号为 {token_id} 的本人令牌")
                t = accounts.revoke_token(accounts.RevokeToken(token_id), u, who)
        except FoiError as err:
            return tokens_view(request, who, _status(err), errors=errors_of(err, "revoke"))
        return done(request, f"已撤销令牌“{t.name}”（编号 {t.id}）", "/admin/tokens")

    # ----- agencies: contact block, payment details, alert days ---------------------------------

    def agency_view(request: Request, who: Principal, code: str, status: int = 200, *, errors=None,
                    values=None):
        from ..domain.policy import Action, authorize
        from ..domain.settings import CONTACT_FIELDS, NOTICE_FIELDS, PAYMENT_REQUIRED
        from ..labels import AGENCY_SETTING_LABELS
        from ..services import directory

        u = web.uow()
        with u:
            found = u.directory.agency_by_code(code)
            if found is None:
                raise NotFound("code", "须为已登记的机关代码", "没有这个机关")
            authorize(who, Action.DIRECTORY_MANAGE, u.directory.agency_path(found.id), found.code)
            from ..storage.models import AgencyRow

            settings = directory.agency_settings(u.session.get(AgencyRow, found.id))
        fields = [(k, AGENCY_SETTING_LABELS.get(k, k)) for k in (*CONTACT_FIELDS, *PAYMENT_REQUIRED, *NOTICE_FIELDS)]
        shown = {k: getattr(settings, k) for k, _ in fields}
        shown["alert_working_days"] = str(settings.alert_working_days)
        return web.page(request, "admin_agency.html", status, agency=found, fields=fields,
                        values={**shown, **(values or {})}, errors=errors or {})

    @r.get("/agencies/{code}", response_class=HTMLResponse)
    def agency(request: Request, code: str):
        return agency_view(request, web.me(request), code[:60])

    @r.post("/agencies/{code}/contact", response_class=HTMLResponse)
    async def agency_contact(request: Request, code: str):
        form = await web.form_of(request)
        who = web.me(request)
        from ..domain.settings import CONTACT_FIELDS, NOTICE_FIELDS, PAYMENT_REQUIRED
        from ..services import accounts

        values = {k: (form.get(k) or "") for k in (*CONTACT_FIELDS, *PAYMENT_REQUIRED, *NOTICE_FIELDS)}
        u = web.uow()
        try:
            for k in values:
                _text(form, k)
            with u:
                accounts.set_agency_contact(accounts.SetAgencyContact(code, values), u, who)
        except NotFound:
            raise
        except FoiError as err:
            return agency_view(request, who, code, _status(err), errors=errors_of(err, "contact"), values=values)
        return done(request, "已保存联系方式和缴费信息（此后出具的告知书载明）", f"/admin/agencies/{quote(code, safe='')}")

    @r.post("/agencies/{code}/alerts", response_class=HTMLResponse)
    async def agency_alerts(request: Request, code: str):
        form = await web.form_of(request)
        who = web.me(request)
        from ..services import accounts

        u = web.uow()
        try:
            days = _int(form, "alert_working_days", "提醒提前量（工作日）")
            with u:
                accounts.set_agency_alert_days(accounts.SetAgencyAlertDays(code, days), u, who)
        except NotFound:
            raise
        except FoiError as err:
            return agency_view(request, who, code, _status(err), errors=errors_of(err, "alerts"),
                               values={"alert_working_days": form.get("alert_working_days", "")[:20]})
        return done(request, f"已设置到期提醒提前量：{days} 个工作日", f"/admin/agencies/{quote(code, safe='')}")

    # ----- the working-day calendar: preview, then load and recompute ---------------------------

    def calendar_view(request: Request, who: Principal, status: int = 200, *, errors=None, text: str = "",
                      fmt: str = "toml", preview=None, result=None):
        from ..domain.policy import Action, authorize

        authorize(who, Action.CALENDAR_MANAGE, None, "工作日历")
        return web.page(request, "admin_calendar.html", status, errors=errors or {}, text=text, fmt=fmt,
                        preview=preview, result=result)

    @r.get("/calendar", response_class=HTMLResponse)
    def calendar(request: Request):
        return calendar_view(request, web.me(request))

    def _year_file(form: dict[str, str], folder: str) -> Path:
        text = form.get("text") or ""
        fmt = form.get("fmt") or "toml"
        if fmt not in ("toml", "json"):
            raise InputError("fmt", "年度安排文件格式：toml 或 json", "无效的格式")
        if not text.strip():
            raise InputError("text", "须粘贴国务院办公厅公布的年度安排文件内容（见 docs/calendar.md）", "未填写")
        if len(text) > 100_000:
            raise InputError("text", "年度安排文件不超过 100000 个字符", f"共 {len(text)} 个字符")
        path = Path(folder) / f"year.{fmt}"
        path.write_text(text, "utf-8")
        return path

    @r.post("/calendar", response_class=HTMLResponse)
    async def calendar_submit(request: Request):
        form = await web.form_of(request)
        who = web.me(request)
        from ..calendar_data import service
        from ..services import recompute

        text, fmt = (form.get("text") or "")[:100_000], form.get("fmt") or "toml"
        load = form.get("action") == "load"
        try:
            with tempfile.TemporaryDirectory(prefix="foi-cal-") as folder:
                path = _year_file(form, folder)
                if not load:
                    preview = service.preview_year(service.LoadYear(path), web.uow(), who)
                    return calendar_view(request, who, text=text, fmt=fmt, preview=preview)
                loaded = service.load_year(service.LoadYear(path), web.uow(), who)
            report = recompute.recompute_open_cases(web.uow(), who) if loaded.status != "unchanged" else None
        except FoiError as err:
            field = "text" if err.field in ("FILE",) or err.field not in ("fmt", "actor") else err.field
            e = errors_of(err, "calendar")
            if field == "text" and "" not in e:
                e = {"text": err.message, "rule": err.rule, "form": "calendar"}
            return calendar_view(request, who, _status(err), errors=e, text=text, fmt=fmt)
        return calendar_view(request, who, result=(loaded, report))

    # ----- the access log ----------------------------------------------------------------------

    @r.get("/access-log", response_class=HTMLResponse)
    def access_log(request: Request, agency: str = "", staff: str = "", case_no: str = "", since: str = ""):
        who = web.me(request)
        from ..services import access

        values = {"agency": agency.strip()[:60], "staff": staff.strip()[:60], "case_no": case_no.strip()[:60],
                  "since": since.strip()[:10]}
        u = web.uow()
        try:
            start = None
            if values["since"]:
                try:
                    start = dt.datetime.combine(dt.date.fromisoformat(values["since"]), dt.time(),
                                                tzinfo=SHANGHAI)
                except ValueError:
                    raise InputError("since", "日期格式为 YYYY-MM-DD", "无法识别的日期") from None
            with u:
                rows = access.entries(access.Query(agency=values["agency"] or None, staff=values["staff"] or None,
                                                   case_no=values["case_no"] or None, since=start,
                                                   limit=ACCESS_LIMIT), u, who)
                names = {a.id: a.code for a in (u.directory.agency_by_id(i) for i in
                                                {e.agency_id for e in rows if e.agency_id}) if a}
        except FoiError as err:
            return web.page(request, "admin_access.html", _status(err), rows=[], names={}, values=values,
                            errors=errors_of(err, "filter"), limit=ACCESS_LIMIT)
        return web.page(request, "admin_access.html", rows=rows, names=names, values=values, errors={},
                        limit=ACCESS_LIMIT)

    return r
