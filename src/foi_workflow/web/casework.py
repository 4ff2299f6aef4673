"""Case work beyond single moves: the intake check (same-applicant and duplicate hints before
saving), attachments (upload within the configured limits, download by a reader of the case),
search by case number, applicant or subject, and the bulk actions offices need (assign a
handler, acknowledge receipts: each case its own transaction, the result per case shown).

    intake_check = install(app, settings=..., page=..., me=..., form_of=..., uow=..., case_view=...,
                           register_view=..., register_command=...)     # from web/app.create_app

The helpers are app.py's (session, CSRF, page rendering), so the rules of docs/web.md hold here
too: the Principal comes from the session only, every form's CSRF token is checked before it is
read, a FoiError is shown beside its field with its rule.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..config import Settings
from ..domain.errors import FoiError, InputError
from ..domain.policy import NotFound, PermissionDenied

MAX_BULK = 200
BULK_ACTIONS = {"assign": ("reassign", "指派承办人"), "acknowledge": ("acknowledge", "出具接收回执")}
BULK_RULE = "批量办理：选择1–200件案件；指派承办人须填写本机关承办人或负责人的账户代码"


def install(app: FastAPI, *, settings: Settings, page: Callable[..., HTMLResponse], me: Callable,
            form_of: Callable, uow: Callable, case_view: Callable[..., HTMLResponse],
            register_view: Callable[..., HTMLResponse], register_command: Callable) -> Callable[..., HTMLResponse]:

    # ----- intake: check (hints) before saving ---------------------------------------------------

    @app.post("/register/check", response_class=HTMLResponse)
    async def register_check(request: Request):
        form = await form_of(request)
        return intake_check(request, me(request), {k: v for k, v in form.items() if k != "csrf"})

    def intake_check(request: Request, who, values: dict[str, str], note: str = "") -> HTMLResponse:
        """The intake form re-shown with the hints (saves nothing); also after signing in again
        when the session had expired in the middle of a check (`note` says so)."""
        from ..services import views

        try:
            cmd = register_command(who, values)
            items = [i if isinstance(i, str) else getattr(i, "description", str(i)) for i in cmd.items] \
                if not isinstance(cmd.items, str) else [cmd.items]
            hints = views.intake_hints(cmd.applicant, uow(), who, items=items, on=cmd.received)
        except NotFound:
            raise
        except FoiError as err:
            from . import forms

            return register_view(request, 403 if isinstance(err, PermissionDenied) else 422, values=values,
                                 errors={forms.form_field_name(err.field): err.message, "rule": err.rule})
        return register_view(request, values=values, errors={"": note} if note else {}, hints=hints)

    # ----- attachments ----------------------------------------------------------------------------

    @app.post("/cases/{case_no}/attachments", response_class=HTMLResponse)
    async def upload(request: Request, case_no: str):
        form = await form_of(request)
        who = me(request)
        from ..services import attachments

        full = await request.form()
        upload = full.get("file")
        values = {"description": form.get("description", "")}
        try:
            if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
                raise InputError("file", "须选择要上传的附件文件", "未选择文件")
            limit = settings.attachment_max_bytes
            data = await upload.read(limit + 1)
            name = upload.filename or ""
            if len(data) > limit:  # not read any further, nothing stored
                try:
                    attachments.check_file(name, data, max_bytes=limit, types=tuple(settings.attachment_types))
                except InputError as err:
                    raise InputError(err.field, err.rule, f"“{name[:60]}”超过大小限制") from None
            att = attachments.attach(attachments.Attach(case_no, name, data, form.get("description", "")), uow(), who)
        except (NotFound, PermissionDenied):
            raise
        except FoiError as err:
            field = err.field if err.field in ("file", "description") else "file"
            return case_view(request, who, case_no, 422, open_move="attach", values=values,
                             errors={field: err.message, "rule": err.rule})
        request.session["flash"] = f"已上传附件 {att['no']}：{att['name']}"
        return RedirectResponse(f"/cases/{quote(case_no, safe='')}#h-attachments", status_code=303)

    @app.get("/cases/{case_no}/attachments/{no}")
    def attachment(request: Request, case_no: str, no: str):
        who = me(request)
        from ..services import attachments

        if not no.isdigit() or len(no) > 6:
            raise NotFound("no", "须为本案已登记的附件序号", "没有这个附件")
        att, data = attachments.read(case_no, int(no), uow(), who)
        return Response(data, media_type=att["media_type"] or "application/octet-stream",
                        headers={"Content-Disposition": "attachment; filename*=UTF-8''" + quote(att["name"], safe="")})

    # ----- search ---------------------------------------------------------------------------------

    @app.get("/find", response_class=HTMLResponse)
    def find(request: Request, q: str = ""):
        who = me(request)
        from ..services import views

        try:
            found = views.search(q, uow(), who)
        except FoiError as err:
            return page(request, "find.html", 422, q=q[:60], found=None, errors={"q": err.message, "rule": err.rule},
                        **_bulk_ctx())
        exact = [c for c in found["cases"] if c["case_no"] == found["q"]]
        if exact:
            return RedirectResponse(f"/cases/{quote(exact[0]['case_no'], safe='')}", status_code=303)
        return page(request, "find.html", q=found["q"], found=found, errors={}, **_bulk_ctx())

    # ----- bulk actions -----------------------------------------------------------------------------

    def _bulk_ctx() -> dict[str, Any]:
        return {"actions": [(k, label) for k, (_kind, label) in BULK_ACTIONS.items()],
                "today": settings.legal_today().isoformat(), "request_id": uuid.uuid4().hex}

    def bulk_page(request: Request, status: int = 200, *, errors: dict[str, str] | None = None,
                  results: list[dict[str, Any]] | None = None, values: dict[str, str] | None = None):
        who = me(request)
        from ..services import views

        box = views.inbox(5, uow(), who)
        rows = [c for g in box["groups"] for c in g["cases"]]
        return page(request, "bulk.html", status, rows=rows, errors=errors or {}, results=results,
                    values=values or {}, **_bulk_ctx())

    @app.get("/bulk", response_class=HTMLResponse)
    def bulk_form(request: Request):
        return bulk_page(request)

    @app.post("/bulk", response_class=HTMLResponse)
    async def bulk(request: Request):
        form = await form_of(request)
        who = me(request)
        from ..labels import move_label
        from ..services import cases
        from . import forms

        chosen = list(dict.fromkeys(v for v in (await request.form()).getlist("case") if isinstance(v, str) and v))
        values = {"action": form.get("action", ""), "to": form.get("to", "")[:40], "on": form.get("on", "")}
        try:
            if form.get("action") not in BULK_ACTIONS:
                raise InputError("action", BULK_RULE, "请选择批量办理的事项")
            if not 1 <= len(chosen) <= MAX_BULK:
                raise InputError("case", BULK_RULE, "未选择案件" if not chosen else f"选择了 {len(chosen)} 件")
            kind = BULK_ACTIONS[form["action"]][0]
            to = form.get("to", "").strip()
            if kind == "reassign" and not to:
                raise InputError("to", BULK_RULE, "未填写承办人")
            on = forms.parse_date_field(form.get("on", ""), "on")
        except FoiError as err:
            return bulk_page(request, 422, errors={err.field: err.message, "rule": err.rule}, values=values)
        rid = (form.get("request_id") or "")[:40]
        results = []
        for n, case_no in enumerate(chosen):
            data = {"to": to} if kind == "reassign" else {}
            try:  # one transaction per case: one refusal leaves the others done
                r = cases.step(cases.Step(case_no[:60], kind, on, data, f"{rid}-{n}" if rid else None), uow(), who)
                results.append({"case_no": case_no, "ok": True,
                                "message": f"已办理“{move_label(r.kind)}”（第 {r.seq} 项）"})
            except FoiError as err:
                results.append({"case_no": case_no[:60], "ok": False, "message": err.message, "rule": err.rule})
        return bulk_page(request, results=results, values=values)

    return intake_check
