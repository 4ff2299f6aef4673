"""The workbench's pages: FastAPI routes rendering Jinja2 templates of web/templates/.

    app = create_app(Settings.load())    # settings once; one SqlUnitOfWork per request

Every page calls the services the CLI calls (services/views.py for reads, services/cases.py for
steps and registrations, services/auth.py and services/accounts.py for accounts). The Principal
comes from the signed session only (web/security.py); no form field names who acts.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.middleware.sessions import SessionMiddleware

from ..config import Settings
from ..domain.errors import FoiError, InputError
from ..domain.identity import Principal
from ..domain.policy import NotFound, PermissionDenied
from ..storage.uow import SqlUnitOfWork
from . import forms, security

HERE = Path(__file__).parent
RESUMED = "登录已过期前填写的内容已保留，尚未记录：请核对后重新提交"
RESUMED_CHECK = "登录已过期前填写的内容已保留，尚未登记：以下为重新核对的结果，请确认后点击“登记”"
FILE_NOT_KEPT = "登录已过期，所选文件无法保留（浏览器不允许代为重新选择文件）：请重新选择文件后上传"
log = logging.getLogger("foi_workflow.web")
INBOX_DAYS = 5
FORMATS = {"pdf": "application/pdf",
           "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
_SAFE_NEXT = re.compile(r"/[A-Za-z0-9/_.\-]*")


class NotSignedIn(Exception):
    """No valid session; for a form, what was entered (shown again after signing in)."""

    def __init__(self, kept: dict[str, str] | None = None, token: str = "") -> None:
        super().__init__("not signed in")
        self.kept = kept or {}
        self.token = token  # the expired form's own CSRF token (signed: whose form it was)


KEEP = "keep."      # the sign-in form carries an expired form's fields under this prefix
KEEP_TOKEN = "keep_token"  # ... and the expired form's CSRF token, checked again at sign-in
# the forms whose data is kept across an expired session (re-shown, never re-submitted); an
# upload's file cannot be kept (a browser lets no page choose a file for the user): its
# description is, and the user is told to choose the file again
_RESUMABLE = re.compile(r"/register(/check)?|/cases/[^/]+/moves/[a-z_]+|/cases/[^/]+/attachments")
_UPLOAD = re.compile(r"/cases/[^/]+/attachments")


def _env() -> Environment:
    """The workbench's own templates (never the sandboxed notice templates)."""
    from ..labels import date_label, fmt_date, role_label

    env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    from ..domain.alerts import LEVEL_LABELS

    env.globals.update(date_label=date_label, role_label=role_label,
                       level_label=lambda level: next((v for k, v in LEVEL_LABELS.items() if k.value == level or k == level),
                                                      str(level)))
    env.filters["cn_date"] = lambda s: fmt_date(dt.date.fromisoformat(s)) if s else "—"
    env.filters["q"] = lambda s: quote(str(s), safe="")
    return env


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.load()
    env = _env()
    app = FastAPI(title="政府信息公开申请办理工作台", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.session_key = settings.web_secret or secrets.token_urlsafe(32)  # also signs CSRF tokens
    app.add_middleware(SessionMiddleware, secret_key=app.state.session_key,
                       session_cookie="foi_session", max_age=settings.web_session_minutes * 60,
                       same_site="lax", https_only=settings.web_secure_cookies)

    @app.middleware("http")
    async def headers(request: Request, call_next):
        try:
            response = await call_next(request)
        except Exception as exc:  # logged without its message (SQL parameters may hold personal data)
            log.error("web error %s on %s %s", type(exc).__name__, request.method, request.url.path)
            response = env_page(request, "error.html", 500, title="系统错误",
                                message="系统出现错误，本次操作未完成。请稍后重试，或联系管理员。")
        response.headers.setdefault("Content-Security-Policy", security.CSP)
        for k, v in security.HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    from .api import create_api

    app.mount("/api", create_api(settings))
    if settings.web_bench_probe:  # bench/web.py only (FOI_WEB_BENCH_PROBE=1): bare queries beside the pages
        from . import bench_probe

        bench_probe.install(app, lambda: SqlUnitOfWork(settings))

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(settings)

    def page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.setdefault("me", getattr(request.state, "me", None))
        ctx.setdefault("flash", request.session.pop("flash", "") if status < 400 else "")
        html = env.get_template(name).render(csrf=security.csrf_token(request), request=request, **ctx)
        return HTMLResponse(html, status_code=status,
                            headers={"Content-Security-Policy": security.CSP, **security.HEADERS})

    def env_page(request: Request, name: str, status: int, **ctx: Any) -> HTMLResponse:
        html = env.get_template(name).render(csrf="", request=request, me=None, flash="", **ctx)
        return HTMLResponse(html, status_code=status,
                            headers={"Content-Security-Policy": security.CSP, **security.HEADERS})

    def me(request: Request) -> Principal:
        if getattr(request.state, "me", None) is not None:
            return request.state.me
        who = security.session_principal(request, uow(), max_hours=settings.web_session_hours)
        if who is None:
            raise NotSignedIn()
        request.state.me = who
        return who

    async def form_of(request: Request, *, signed_in: bool = True) -> dict[str, str]:
        """The submitted form, after its CSRF token is checked. For a signed-in form, an expired
        session is NotSignedIn carrying the entered data — only when the form's own token shows
        it came from one of our pages, signed for an account (the session that held the token
        is gone); a forged or token-less form keeps nothing."""
        form = await request.form()
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        who = security.session_principal(request, uow(), max_hours=settings.web_session_hours) \
            if signed_in else None
        if signed_in and who is None:
            token = values.get(security.CSRF_FIELD)
            if security.form_account(request, token, max_hours=settings.web_session_hours) is None:
                raise NotSignedIn()
            kept = {k: v[:5000] for k, v in values.items()
                    if k not in (security.CSRF_FIELD, "password") and len(values) <= 60}
            raise NotSignedIn(kept, token or "")
        security.check_csrf(request, form)
        if who is not None:
            request.state.me = who
        return values

    # ----- errors: a Chinese page, never a stack trace ------------------------------------------

    @app.exception_handler(NotSignedIn)
    async def _signed_out(request: Request, exc: NotSignedIn):
        if request.method == "GET":
            nxt = request.url.path if _SAFE_NEXT.fullmatch(request.url.path) else "/"
            return RedirectResponse(f"/login?next={quote(nxt)}", status_code=303)
        resume = request.url.path if _RESUMABLE.fullmatch(request.url.path) and exc.token else ""
        kept_note = "；填写的内容已保留，登录后核对并重新提交"
        if resume and _UPLOAD.fullmatch(resume):
            kept_note += "；所选文件无法保留，登录后请重新选择文件"
        return page(request, "login.html", 401, next="/", code="", resume=resume,
                    kept=exc.kept if resume else {}, keep_token=exc.token if resume else "", errors={
                        "": "登录已过期，请重新登录（本次提交未记录" + (kept_note if resume else "") + "）"})

    @app.exception_handler(security.CsrfRefused)
    async def _csrf(request: Request, exc: security.CsrfRefused):
        return page(request, "error.html", 403, title="请求被拒绝",
                    message="表单已过期或来源不明（缺少有效的防伪标记），本次提交未记录。请返回、刷新页面后重试。")

    @app.exception_handler(NotFound)
    async def _missing(request: Request, exc: NotFound):
        return page(request, "error.html", 404, title="未找到", message=exc.message, rule=exc.rule)

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, exc: PermissionDenied):
        return page(request, "error.html", 403, title="无权办理", message=exc.message, rule=exc.rule)

    @app.exception_handler(FoiError)
    async def _foi(request: Request, exc: FoiError):
        return page(request, "error.html", 422, title="无法办理", message=exc.message, rule=exc.rule)

    @app.exception_handler(404)
    async def _no_route(request: Request, exc):
        return page(request, "error.html", 404, title="未找到", message="没有这个页面")

    # ----- signing in and out -----------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/"):
        nxt = next if _SAFE_NEXT.fullmatch(next or "") else "/"
        return page(request, "login.html", next=nxt, code="", errors={}, resume="", kept={}, keep_token="")

    @app.post("/login", response_class=HTMLResponse)
    async def login(request: Request):
        form = await form_of(request, signed_in=False)
        code, password = form.get("code", "").strip(), form.get("password", "")
        resume = form.get("resume", "")
        keep_token = form.get(KEEP_TOKEN, "")
        resume = resume if _RESUMABLE.fullmatch(resume) and keep_token else ""
        kept = {k[len(KEEP):]: v for k, v in form.items() if k.startswith(KEEP)} if resume else {}
        nxt = form.get("next", "/")
        nxt = nxt if _SAFE_NEXT.fullmatch(nxt) else "/"
        u = uow()
        try:
            who = auth_sign_in(code, password, u)
        except FoiError as err:
            return page(request, "login.html", 401, next=nxt, code=code[:60], resume=resume, kept=kept,
                        keep_token=keep_token if resume else "", errors={"password" if err.field != "account" else "code": err.message,
                                "rule": err.rule})
        with u:
            account = u.directory.account_by_code(who.code)
        security.start_session(request, who, account.password_hash if account else None)
        request.state.me = who
        if resume and security.form_account(request, keep_token, max_hours=settings.web_session_hours) != who.code:
            resume = ""  # another person's form (or a token altered): nothing of it is shown
        if resume == "/register":
            return register_view(request, values=kept, errors={"": RESUMED})
        if resume == "/register/check":  # the check saves nothing: run again, shown with its hints
            return intake_check(request, who, kept, note=RESUMED_CHECK)
        if resume:
            from urllib.parse import unquote

            parts = resume.split("/")
            case_no = unquote(parts[2])
            if parts[3] == "attachments":
                return case_view(request, who, case_no, open_move="attach",
                                 values={"description": kept.get("description", "")},
                                 errors={"file": FILE_NOT_KEPT})
            return case_view(request, who, case_no, open_move=parts[4], values=kept,
                             errors={"": RESUMED})
        return RedirectResponse(nxt, status_code=303)

    def auth_sign_in(code: str, password: str, u) -> Principal:
        from ..services import auth

        return auth.sign_in(code, password, u, via="web")

    @app.post("/logout")
    async def logout(request: Request):
        await form_of(request, signed_in=False)
        security.end_session(request)
        return RedirectResponse("/login", status_code=303)

    @app.get("/password", response_class=HTMLResponse)
    def password_page(request: Request):
        me(request)
        return page(request, "password.html", errors={}, done=False)

    @app.post("/password", response_class=HTMLResponse)
    async def password(request: Request):
        form = await form_of(request)
        who = me(request)
        from ..services import accounts

        u = uow()
        try:
            if form.get("new", "") != form.get("new2", ""):
                raise InputError("new2", "两次输入的新密码须一致", "两次输入不一致")
            with u:
                accounts.change_password(accounts.ChangePassword(form.get("current", ""), form.get("new", "")),
                                         u, who)
        except FoiError as err:
            # the password rules (domain/identity.check_password) name "password": the new one here
            field = "new" if err.field == "password" else err.field
            return page(request, "password.html", 422, errors={field: err.message, "rule": err.rule},
                        done=False)
        with u:
            account = u.directory.account_by_code(who.code)
        request.session["pw"] = security.fingerprint(account.password_hash if account else None)
        return page(request, "password.html", errors={}, done=True)

    # ----- 我的待办, search, the case page --------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def inbox(request: Request):
        who = me(request)
        from ..services import views

        return page(request, "inbox.html", inbox=views.inbox(INBOX_DAYS, uow(), who))

    @app.get("/search")
    def search(q: str = ""):
        """The first search page (case numbers only); /find searches numbers, applicants and
        subjects and goes straight to an exact case number, so old links land there."""
        return RedirectResponse(f"/find?q={quote(q[:200], safe='')}", status_code=301)

    def case_view(request: Request, who: Principal, case_no: str, status: int = 200, *,
                  open_move: str = "", errors: dict[str, str] | None = None,
                  values: dict[str, str] | None = None, notice: str = "") -> HTMLResponse:
        from ..notices.register import NoticeQuery
        from ..services import views

        data = views.case_page(case_no, uow(), who, explain=True).data
        notices = views.notices(NoticeQuery(case_no=case_no), uow(), who)
        moves = [dict(m, fields=forms.move_fields(m["kind"]), request_id=uuid.uuid4().hex)
                 for m in data["moves"]]
        return page(request, "case.html", status, case=data, moves=moves, notices=notices,
                    open_move=open_move, errors=errors or {}, values=values or {}, notice=notice,
                    extra_field=forms.EXTRA, today=settings.legal_today().isoformat())

    @app.get("/cases/{case_no}", response_class=HTMLResponse)
    def case(request: Request, case_no: str):
        return case_view(request, me(request), case_no)

    @app.post("/cases/{case_no}/moves/{kind}", response_class=HTMLResponse)
    async def move(request: Request, case_no: str, kind: str):
        form = await form_of(request)
        who = me(request)
        from ..services import cases

        values = {k: v for k, v in form.items() if k != security.CSRF_FIELD}
        seen = form.get("seen", "")
        try:
            on = forms.parse_date_field(form.get("on", ""), "on")
            data = forms.move_data(kind, form)
            # a step since the page was shown: the second of two people is told to reload
            result = cases.step(cases.Step(case_no, kind, on, data, form.get("request_id") or None,
                                           int(seen) if seen.isdigit() and len(seen) < 10 else None), uow(), who)
        except cases.ConflictError as err:
            return case_view(request, who, case_no, 409, open_move=kind, values=values,
                             errors={"": err.message, "rule": err.rule})
        except (NotFound, PermissionDenied):
            raise
        except FoiError as err:
            return case_view(request, who, case_no, 422, open_move=kind, values=values,
                             errors={forms.item_field_name(err.field): err.message, "rule": err.rule})
        from ..labels import move_label

        request.session["flash"] = f"已办理“{move_label(result.kind)}”（第 {result.seq} 项）"
        return RedirectResponse(f"/cases/{quote(case_no, safe='')}", status_code=303)

    # ----- registering an application (Art 29) --------------------------------------------------

    def register_view(request: Request, status: int = 200, *, values: dict[str, str] | None = None,
                      errors: dict[str, str] | None = None, hints: dict | None = None) -> HTMLResponse:
        case_fields, person_fields = forms.intake_fields()
        values = dict(values or {})
        values.setdefault("received", settings.legal_today().isoformat())
        return page(request, "register.html", status, values=values, errors=errors or {},
                    case_fields=case_fields, person_fields=person_fields,
                    known=[f.name for f in (*case_fields, *person_fields)],
                    request_id=uuid.uuid4().hex, hints=hints)

    @app.get("/register", response_class=HTMLResponse)
    def register_page(request: Request):
        me(request)
        return register_view(request)

    @app.post("/register", response_class=HTMLResponse)
    async def register(request: Request):
        form = await form_of(request)
        who = me(request)
        from ..services import cases

        values = {k: v for k, v in form.items() if k != security.CSRF_FIELD}
        try:
            cmd = register_command(who, form)
            result = cases.register(cmd, uow(), who)
        except NotFound:
            raise
        except FoiError as err:
            return register_view(request, 403 if isinstance(err, PermissionDenied) else 422, values=values,
                                 errors={forms.form_field_name(err.field): err.message, "rule": err.rule})
        request.session["flash"] = f"已登记：{result.case_no}"
        return RedirectResponse(f"/cases/{quote(result.case_no, safe='')}", status_code=303)

    def register_command(who: Principal, form: dict[str, str]):
        from ..services import cases

        values, person = forms.intake_values(form)
        applicant = forms.applicant_of(person)
        with uow() as u:
            agency = u.directory.agency_by_id(who.agency_id)
        if agency is None:
            raise InputError("agency", "须为已登记的机关", "本人所在机关不存在")
        return cases.Register(agency=agency.code, applicant=applicant,
                              request_id=form.get("request_id") or None, **values)

    # ----- 督办 ---------------------------------------------------------------------------------

    @app.get("/board", response_class=HTMLResponse)
    def board(request: Request, agency: str = "", kind: str = "", handler: str = ""):
        who = me(request)
        from ..services import views
        from ..services.board import BoardQuery

        b = views.board(BoardQuery(agency=agency.strip() or None), uow(), who)
        rows = [r for r in b.rows if (not kind or r.kind == kind) and (not handler or r.handler == handler)]
        groups: dict[tuple[str, str], list] = {}
        for r in rows:
            groups.setdefault((r.agency_code, r.agency_name), []).append(r)
        kinds = sorted({(r.kind, r.kind_label) for r in b.rows})
        handlers = sorted({(r.handler, r.handler_name) for r in b.rows})
        return page(request, "board.html", board=b, groups=groups, kinds=kinds, handlers=handlers,
                    kind=kind, handler=handler, agency=agency)

    @app.get("/board/timeliness", response_class=HTMLResponse)
    def timeliness_page(request: Request, year: str = "", agency: str = ""):
        """时效统计: the year's late replies and late correction notices (services/timeliness.py)."""
        who = me(request)
        from ..services import timeliness

        today = settings.legal_today()
        errors: dict[str, str] = {}
        chosen = today.year
        if year.strip():
            if year.strip().isdigit() and len(year.strip()) == 4:
                chosen = int(year.strip())
            else:
                errors["year"] = "年度为四位数字，如 2026"
        result = None
        if not errors:
            try:
                result = timeliness.read(timeliness.TimelinessQuery(chosen, agency.strip() or None, today), uow(), who)
            except InputError as err:
                errors[err.field] = f"{err.message}（{err.rule}）"
        return page(request, "timeliness.html", 400 if errors else 200, result=result, year=year or str(chosen),
                    agency=agency, errors=errors)

    # ----- notices ----------------------------------------------------------------------------

    def notice_bytes(who: Principal, key: str, fmt: str) -> tuple[str, bytes]:
        from ..notices import register as notices

        with tempfile.TemporaryDirectory(prefix="foi-web-") as folder:
            rendered = notices.render(notices.RenderRequest(key, folder, (fmt,)), uow(), who)
            return rendered.files[fmt].name, rendered.files[fmt].read_bytes()

    @app.get("/notices/{key}/preview")
    def preview(request: Request, key: str):
        _name, blob = notice_bytes(me(request), key, "html")
        return Response(blob, media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": security.PREVIEW_CSP})

    @app.get("/notices/{key}/{fmt}")
    def download(request: Request, key: str, fmt: str):
        who = me(request)
        if fmt not in FORMATS:
            raise NotFound("format", "文件格式：pdf、docx", "没有这种格式")
        name, blob = notice_bytes(who, key, fmt)
        return Response(blob, media_type=FORMATS[fmt],
                        headers={"Content-Disposition": f"attachment; filename=\"{name}\""})

    from . import casework  # intake check, attachments, search, bulk actions (web/casework.py)

    intake_check = casework.install(app, settings=settings, page=page, me=me, form_of=form_of, uow=uow,
                                    case_view=case_view, register_view=register_view,
                                    register_command=register_command)
    from . import admin, context, reports  # 管理 and 年度报告: their own routers (web/context.py)

    web = context.Web(settings, uow, page, me, form_of, env)
    context.install(env)
    app.include_router(admin.router(web))
    app.include_router(reports.router(web))
    from . import portal as portal_pages  # the applicant portal under /apply (docs/portal.md)

    app.include_router(portal_pages.router(web))
    return app
