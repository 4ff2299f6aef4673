"""The applicant portal: public pages under /apply (docs/portal.md), no staff sign-in, no script.

    /apply                          the agencies taking applications online
    /apply/{agency}                 申请指南, from the agency's settings and the rule pack
    /apply/{agency}/form            the online application (Art 29); POST submits it
    /apply/query                    follow a case: case number + 查询码 (POST checks them)
    /apply/case                     the followed case (held in the signed session, never in the URL)
    /apply/case/notices/{key}.pdf   a notice of that case addressed to the applicant
    /apply/case/correction          POST: the corrected request (Art 30)
    /apply/leave                    POST: stop following

Every use case is services/portal.py's, acting as the agency's portal actor. URLs carry agency
codes and notice numbers only; what the applicant typed is re-shown when a submission is refused,
each error beside its field with its rule; everything shown is autoescaped (HTML and template
syntax come out literally).
"""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..domain.applicants import DELIVERY, FORMS, ID_TYPES, KINDS, Applicant, Item
from ..domain.errors import FoiError, InputError
from ..domain.policy import NotFound
from ..labels import fmt_date
from . import portal_challenge as challenge
from . import security

FOLLOW = "portal"          # the session key of the followed case: {case, cid, at}
FOLLOW_SECONDS = 30 * 60   # a look-up is good for this long (then the code is asked again)
MAX_ITEMS = 20
PERSON_ID_TYPES = tuple((k, v) for k, v in ID_TYPES.items() if k != "credit_code")
# the form's fields (a_*: the applicant), with their labels; errors of the services are shown
# beside these (services' field names mapped by field_name())
APPLICANT_FIELDS = {
    "a_name": "姓名或名称", "a_id_type": "身份证件类型", "a_id_number": "身份证件号码",
    "a_credit_code": "统一社会信用代码", "a_legal_representative": "法定代表人",
    "a_contact_person": "联系人", "a_phone": "联系电话", "a_email": "电子邮箱",
    "a_address": "通信地址", "a_postcode": "邮政编码",
}
ORG_ONLY = ("a_credit_code", "a_legal_representative", "a_contact_person")
PERSON_ONLY = ("a_id_type", "a_id_number")
_PROCESS_KEY = secrets.token_urlsafe(32)


def field_name(error_field: str) -> str:
    """Where a refusal is shown on the form ("applicant.credit_code" -> a_credit_code,
    "items[2].description" -> item2_description); "" for the top of the form."""
    if error_field.startswith("applicant."):
        name = "a_" + error_field.split(".", 1)[1]
        return name if name in APPLICANT_FIELDS or name == "a_kind" else ""
    if error_field.startswith("items["):
        n = error_field[6:].split("]")[0]
        return f"item{n}_" + ("document_no" if error_field.endswith("document_no") else "description")
    if error_field == "items":
        return "item1_description"
    return error_field if error_field in ("form", "delivery", "consent", "challenge") else ""


def applicant_of(form: dict[str, str]) -> Applicant:
    kind = form.get("a_kind", "")
    raw = {"kind": kind, "name": form.get("a_name", "").strip()}
    for key in ("a_phone", "a_email", "a_address", "a_postcode"):
        raw[key[2:]] = form.get(key, "").strip()
    if kind == "natural_person":
        raw["id_type"] = form.get("a_id_type", "")
        raw["id_number"] = form.get("a_id_number", "").strip()
    elif kind:
        for key in ORG_ONLY:
            raw[key[2:]] = form.get(key, "").strip()
        raw["credit_code"] = raw.get("credit_code") or ""
        if not raw["credit_code"]:
            raise InputError("applicant.credit_code", "第二十九条：申请人为法人或其他组织的，提供名称、统一社会信用代码",
                             "请填写统一社会信用代码")
    else:
        raise InputError("applicant.kind", "第二十九条：写明申请人是公民（自然人）还是法人或其他组织", "请选择申请人类别")
    return Applicant.of({k: v for k, v in raw.items() if v or k in ("kind", "name")})


def items_of(form: dict[str, str], n: int) -> tuple[Item, ...]:
    out = []
    for i in range(1, n + 1):
        desc, doc = form.get(f"item{i}_description", ""), form.get(f"item{i}_document_no", "")
        if desc.strip() or doc.strip():
            if not desc.strip():
                raise InputError(f"items[{i}].description", "第二十九条：申请公开的政府信息的名称、文号或者便于查询的其他特征性描述",
                                 f"第 {i} 项缺少内容描述")
            out.append(Item(desc.strip(), doc.strip()))
    return tuple(out)


def router(web) -> APIRouter:
    from ..services import portal

    r = APIRouter()
    settings = web.settings

    def secret(request: Request) -> str:
        return getattr(request.app.state, "session_key", "") or settings.web_secret or _PROCESS_KEY

    def client(request: Request) -> portal.Client:
        return portal.Client(request.client.host if request.client else "", settings.web_secret)

    def page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        html = web.env.get_template(f"portal/{name}").render(csrf=security.csrf_token(request),
                                                             request=request, fmt_date=_fmt, **ctx)
        return HTMLResponse(html, status_code=status,
                            headers={"Content-Security-Policy": security.CSP, **security.HEADERS})

    def error(request: Request, status: int, title: str, message: str, rule: str = "") -> HTMLResponse:
        return page(request, "error.html", status, title=title, message=message, rule=rule)

    async def form_of(request: Request) -> dict[str, str] | None:
        form = await request.form()
        try:
            security.check_csrf(request, form)
        except security.CsrfRefused:
            return None
        return {k: v for k, v in form.items() if isinstance(v, str)}

    def csrf_refused(request: Request) -> HTMLResponse:
        return error(request, 403, "请求被拒绝",
                     "页面已过期或来源不明（缺少有效的防伪标记），本次提交未记录。请返回、刷新页面后重试。")

    def followed(request: Request) -> portal.Follow | None:
        held = request.session.get(FOLLOW)
        if not isinstance(held, dict) or not isinstance(held.get("case"), str) or not isinstance(held.get("cid"), int):
            return None
        if time.time() - int(held.get("at") or 0) > FOLLOW_SECONDS:
            request.session.pop(FOLLOW, None)
            return None
        return portal.Follow(held["case"], held["cid"])

    def hold(request: Request, f: portal.Follow) -> None:
        request.session[FOLLOW] = {"case": f.case_no, "cid": f.code_id, "at": int(time.time())}

    # ----- the agencies and their guides ---------------------------------------------------------

    @r.get("/apply", response_class=HTMLResponse)
    def index(request: Request):
        return page(request, "index.html", agencies=portal.open_agencies(web.uow()))

    @r.get("/apply/query", response_class=HTMLResponse)
    def query_page(request: Request):
        return page(request, "query.html", values={}, errors={})

    @r.post("/apply/query", response_class=HTMLResponse)
    async def query(request: Request):
        form = await form_of(request)
        if form is None:
            return csrf_refused(request)
        case_no, code = form.get("case_no", "")[:60], form.get("code", "")[:60]
        try:
            f = portal.follow(case_no, code, web.uow(), client(request))
        except NotFound as err:
            return page(request, "query.html", 404, values={"case_no": case_no},
                        errors={"code": err.message, "rule": err.rule})
        hold(request, f)
        return RedirectResponse("/apply/case", status_code=303)

    @r.get("/apply/case", response_class=HTMLResponse)
    def case_page(request: Request):
        f = followed(request)
        if f is None:
            return RedirectResponse("/apply/query", status_code=303)
        try:
            data = portal.status(f, web.uow(), client(request))
        except NotFound:
            request.session.pop(FOLLOW, None)
            return RedirectResponse("/apply/query", status_code=303)
        flash = request.session.pop("portal_flash", "")
        return page(request, "case.html", case=data, values={}, errors={}, flash=flash,
                    request_id=secrets.token_hex(16))

    @r.get("/apply/case/notices/{key}.pdf")
    def notice(request: Request, key: str):
        f = followed(request)
        if f is None:
            return RedirectResponse("/apply/query", status_code=303)
        try:
            name, blob = portal.notice_pdf(f, key, web.uow(), client(request))
        except NotFound as err:
            return error(request, 404, "未找到", err.message, err.rule)
        return Response(blob, media_type="application/pdf",
                        headers={"Content-Disposition": f"attachment; filename=\"{quote(name)}\""})

    @r.post("/apply/case/correction", response_class=HTMLResponse)
    async def correction(request: Request):
        form = await form_of(request)
        if form is None:
            return csrf_refused(request)
        f = followed(request)
        if f is None:
            return RedirectResponse("/apply/query", status_code=303)
        text = form.get("corrected", "")
        try:
            portal.send_correction(f, text, form.get("request_id") or None, web.uow(), client(request))
        except NotFound:
            return RedirectResponse("/apply/query", status_code=303)
        except FoiError as err:
            data = portal.status(f, web.uow(), client(request))
            return page(request, "case.html", 422, case=data, values={"corrected": text},
                        errors={"corrected": err.message, "rule": err.rule}, flash="",
                        request_id=secrets.token_hex(16))
        request.session["portal_flash"] = "补正内容已提交，答复期限自今日起重新计算"
        return RedirectResponse("/apply/case", status_code=303)

    @r.post("/apply/leave")
    async def leave(request: Request):
        form = await form_of(request)
        if form is None:
            return csrf_refused(request)
        request.session.pop(FOLLOW, None)
        return RedirectResponse("/apply/query", status_code=303)

    @r.get("/apply/{agency}", response_class=HTMLResponse)
    def guide(request: Request, agency: str):
        try:
            data = portal.guide(agency, web.uow())
        except NotFound as err:
            return error(request, 404, "未找到", err.message, err.rule)
        return page(request, "guide.html", g=data)

    # ----- the application form ----------------------------------------------------------------

    def form_view(request: Request, agency: str, status: int = 200, *, values: dict[str, str] | None = None,
                  errors: dict[str, str] | None = None) -> HTMLResponse:
        try:
            data = portal.guide(agency, web.uow())
        except NotFound as err:
            return error(request, 404, "未找到", err.message, err.rule)
        values = dict(values or {})
        try:
            n = min(max(int(values.get("n_items") or 3), 1), MAX_ITEMS)
        except ValueError:
            n = 3
        ch = challenge.new(secret(request))
        return page(request, "form.html", status, g=data, values=values, errors=errors or {}, n_items=n,
                    challenge=ch, kinds=list(KINDS.items()), id_types=PERSON_ID_TYPES,
                    forms=list(FORMS.items()), deliveries=list(DELIVERY.items()), fields=APPLICANT_FIELDS,
                    max_items=MAX_ITEMS)

    @r.get("/apply/{agency}/form", response_class=HTMLResponse)
    def form_page(request: Request, agency: str):
        return form_view(request, agency)

    @r.post("/apply/{agency}/form", response_class=HTMLResponse)
    async def submit(request: Request, agency: str):
        form = await form_of(request)
        if form is None:
            return csrf_refused(request)
        values = {k: v[:5000] for k, v in form.items()
                  if k not in (security.CSRF_FIELD, "challenge_token", "challenge", "request_id")}
        try:
            n = min(max(int(form.get("n_items") or 3), 1), MAX_ITEMS)
        except ValueError:
            n = 3
        if form.get("more"):  # one more item: the same form again, longer, nothing checked or saved
            values["n_items"] = str(min(n + 1, MAX_ITEMS))
            return form_view(request, agency, values=values)
        key = secret(request)
        try:
            nonce = challenge.nonce_of(key, form.get("challenge_token", ""))
            if not challenge.answer_ok(key, form.get("challenge_token", ""), form.get("challenge", "")):
                portal.spend_challenge(nonce, web.uow())
                raise InputError("challenge", challenge.RULE, "验证题的答案不正确，请回答新的验证题")
            sub = portal.Submission(agency=agency, applicant=applicant_of(form), items=items_of(form, n),
                                    form=form.get("form", ""), delivery=form.get("delivery", ""),
                                    consent=form.get("consent") == "on", request_id=nonce)
            done = portal.submit(sub, web.uow(), client(request), challenge=nonce)
        except NotFound as err:
            return error(request, 404, "未找到", err.message, err.rule)
        except portal.Throttled as err:
            return form_view(request, agency, 429, values=values, errors={"": err.message, "rule": err.rule})
        except FoiError as err:
            return form_view(request, agency, 422, values=values,
                             errors={field_name(err.field): err.message, "rule": err.rule})
        receipt = None
        if done.follow is not None:
            hold(request, done.follow)
            notices = portal.status(done.follow, web.uow(), client(request))["notices"]
            receipt = next((x for x in notices if x["kind"] == "receipt"), None)
        return page(request, "done.html", done=done, code=portal.shown_code(done.code) if done.code else "",
                    receipt=receipt, agency=agency)

    return r


def _fmt(iso: str | None) -> str:
    import datetime as dt

    return fmt_date(dt.date.fromisoformat(iso)) if iso else "待定"
