"""The JSON API under /api/ for integrations: the workbench's use cases, with personal API tokens.

    Authorization: Bearer foi_...        (services/auth.principal_from_token; channel "api")

Every route calls the service the matching page calls (services/views.py for reads, services/
cases.py for steps and registrations, services/attachments.py, notices/register.py): one
implementation per use case, the same policy checks and the same access-log entries. A case of
another agency answers 404 exactly like an unknown one, and the attempt is in the access log.

Errors are JSON {field, rule, message} in Chinese: 401 no or bad token, 403 refused, 404 unknown
(or not readable) case, notice or attachment, 409 conflict (reload and retry), 422 bad input.
The OpenAPI document is /api/openapi.json.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from typing import Any, Literal, Optional
from urllib.parse import quote

from fastapi import Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from ..config import Settings
from ..domain.errors import FoiError, InputError
from ..domain.identity import Principal
from ..domain.policy import AuthenticationError, NotFound, PermissionDenied
from ..storage.uow import SqlUnitOfWork

log = logging.getLogger("foi_workflow.web")

NOTICE_FORMATS = {"pdf": "application/pdf",
                  "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "html": "text/html; charset=utf-8"}
VALIDATION_RULE = "请求须符合 /api/openapi.json 的说明"
# pydantic's error types, as the Chinese message says them (the rest: "格式不符")
_PYDANTIC_MESSAGES = {
    "missing": "缺少必填字段", "date_parsing": "须为日期（YYYY-MM-DD）", "date_from_datetime_parsing": "须为日期（YYYY-MM-DD）",
    "date_type": "须为日期（YYYY-MM-DD）", "int_parsing": "须为整数", "int_type": "须为整数",
    "int_from_float": "须为整数", "bool_parsing": "须为 true 或 false", "bool_type": "须为 true 或 false",
    "string_type": "须为文字", "string_too_long": "过长", "string_too_short": "过短",
    "list_type": "须为列表", "dict_type": "须为对象", "too_long": "条目过多", "too_short": "条目过少",
    "literal_error": "不是允许的取值", "json_invalid": "不是有效的 JSON", "model_attributes_type": "须为对象",
    "greater_than_equal": "过小", "less_than_equal": "过大", "value_error": "取值无效",
}
_LOCATIONS = {"body", "query", "path", "header", "cookie", "form"}


class ErrorOut(BaseModel):
    """A refusal: the field it concerns, the rule (in Chinese) and what is wrong."""

    field: str = Field(description="所涉字段（请求体、查询参数或路径中的名称）")
    rule: str = Field(description="依据的规则")
    message: str = Field(description="出错之处")


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "缺少或无效的个人访问令牌"},
    403: {"model": ErrorOut, "description": "无权办理（依据见 rule）"},
    404: {"model": ErrorOut, "description": "未知的、或本人无权查阅的案件、文书或附件（查阅记入访问日志）"},
    409: {"model": ErrorOut, "description": "本案已被他人同时办理：重新读取后重试"},
    422: {"model": ErrorOut, "description": "输入有误：字段、规则和出错之处"},
}


class RegisterIn(BaseModel):
    """An application (Art 29): the fields of services.cases.Register besides these (items, form,
    delivery, ... as the case rules define them) are given at the top level too."""

    model_config = ConfigDict(extra="allow")

    agency: Optional[str] = Field(None, description="收到申请的机关代码（默认：令牌所属人员的机关）")
    channel: str = Field(description="收件渠道：in_person、post、letter、online、fax")
    received: dt.date
    applicant: dict[str, str] = Field(description="申请人：kind、name、id_type、id_number 等（domain/applicants.py）")
    request_id: Optional[str] = Field(None, max_length=64, description="请求编号：重复提交只登记一次")


class StepIn(BaseModel):
    kind: str = Field(description="事项，如 accept、sign_off、reply、record_delivery（送达记录）")
    on: dt.date
    data: dict[str, Any] = Field(default_factory=dict)
    request_id: Optional[str] = Field(None, max_length=64)


class BulkIn(BaseModel):
    """One move on many cases, as the 批量办理 page makes it: each case in its own transaction, so
    one refusal leaves the others done; the answer gives the result of each."""

    action: Literal["assign", "acknowledge"] = Field(
        description="assign：指派承办人（reassign，须给出 to）；acknowledge：出具接收回执")
    cases: list[str] = Field(description="案件编号（1–200件）")
    on: dt.date = Field(description="办理日期")
    to: Optional[str] = Field(None, max_length=40, description="指派的承办人账户代码（assign）")
    request_id: Optional[str] = Field(None, max_length=40, description="请求编号：重复提交每件只办理一次")


def _error(status: int, err: FoiError) -> JSONResponse:
    return JSONResponse(err.as_dict(), status_code=status)


def validation_error(exc: RequestValidationError) -> dict[str, str]:
    """The first problem pydantic found, as {field, rule, message} with a Chinese message."""
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(p) for p in first.get("loc", ())]
    if loc and loc[0] in _LOCATIONS:
        loc = loc[1:]
    field = ".".join(loc) or "body"
    what = _PYDANTIC_MESSAGES.get(str(first.get("type", "")), "格式不符")
    ctx = first.get("ctx") or {}
    if "max_length" in ctx:
        what += f"（不超过 {ctx['max_length']}）"
    elif "expected" in ctx:
        what += f"（{ctx['expected']}）"
    return {"field": field, "rule": VALIDATION_RULE, "message": f"“{field}”{what}"}


def create_api(settings: Settings) -> FastAPI:
    api = FastAPI(title="政府信息公开申请办理 API", version="1", openapi_url="/openapi.json",
                  docs_url=None, redoc_url=None, responses=ERRORS,
                  description="工作台各项办理的 JSON 接口（供省级平台推送网上申请、热线系统查询办理状态等）。"
                              "认证：Authorization: Bearer <个人访问令牌>。")

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(settings)

    def principal(request: Request) -> Principal:
        from ..services import auth

        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("token", "须以 Authorization: Bearer <个人访问令牌> 认证", "缺少令牌")
        u = uow()
        with u:
            return auth.principal_from_token(token.strip(), u, via="api")

    @api.exception_handler(AuthenticationError)
    async def _auth(request: Request, exc: AuthenticationError):
        return JSONResponse(exc.as_dict(), status_code=401, headers={"WWW-Authenticate": "Bearer"})

    @api.exception_handler(PermissionDenied)
    async def _denied(request: Request, exc: PermissionDenied):
        return _error(403, exc)

    @api.exception_handler(NotFound)
    async def _missing(request: Request, exc: NotFound):
        return _error(404, exc)

    @api.exception_handler(FoiError)
    async def _foi(request: Request, exc: FoiError):
        from ..services.cases import ConflictError

        return _error(409 if isinstance(exc, ConflictError) else 422, exc)

    @api.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return JSONResponse(validation_error(exc), status_code=422)

    @api.exception_handler(404)
    async def _no_route(request: Request, exc):
        return JSONResponse({"field": "path", "rule": VALIDATION_RULE, "message": "没有这个接口"}, status_code=404)

    @api.exception_handler(405)
    async def _no_method(request: Request, exc):
        return JSONResponse({"field": "method", "rule": VALIDATION_RULE,
                             "message": f"此接口不支持 {request.method}"}, status_code=405)

    @api.middleware("http")
    async def _crash(request: Request, call_next):
        try:
            return await call_next(request)
        except Exception as exc:  # logged without its message (SQL parameters may hold personal data)
            log.error("api error %s on %s %s", type(exc).__name__, request.method, request.url.path)
            return JSONResponse({"field": "", "rule": "", "message": "系统错误，本次操作未完成"}, status_code=500)

    # ----- cases: list, search, 我的待办, one case --------------------------------------------------

    @api.get("/cases", summary="列出本机关（或指定机关）的案件", tags=["案件"])
    def list_cases(agency: Optional[str] = None, state: Optional[str] = None,
                   due_within: Optional[int] = None, with_subordinates: bool = False,
                   who: Principal = Depends(principal)) -> dict[str, Any]:
        from ..services import views

        return views.case_list(views.CaseQuery(agency, with_subordinates, state, due_within), uow(), who)

    @api.get("/search", summary="查找案件：案件编号、申请人姓名或名称、申请内容（申请人姓名遮蔽）", tags=["案件"])
    def search(q: str = Query(description="查找内容（1–60字）"),
               who: Principal = Depends(principal)) -> dict[str, Any]:
        from ..services import views

        return views.search(q, uow(), who)

    @api.get("/inbox", summary="我的待办：本机关在办案件按紧急程度分组", tags=["案件"])
    def inbox(within: int = Query(5, description="“近期到期”的范围（1–60个工作日）"),
              who: Principal = Depends(principal)) -> dict[str, Any]:
        from ..services import views

        return views.inbox(within, uow(), who)

    @api.get("/cases/{case_no}", summary="案件：状态、期限及依据、办理记录（申请人信息遮蔽）", tags=["案件"])
    def show_case(case_no: str, explain: bool = Query(False, description="附上每个期限的计算说明"),
                  who: Principal = Depends(principal)) -> dict[str, Any]:
        from ..services import views

        return views.case_page(case_no, uow(), who, explain=explain).data

    @api.get("/cases/{case_no}/deliveries", summary="案件的送达记录（各文书的送达方式、日期）", tags=["案件"])
    def deliveries(case_no: str, who: Principal = Depends(principal)) -> dict[str, Any]:
        """What the case page shows of delivery; a delivery is recorded by the step
        record_delivery (POST /cases/{case_no}/steps)."""
        from ..services import views

        data = views.case_page(case_no, uow(), who).data
        return {"case_no": data["case_no"], "deliveries": data["deliveries"],
                "reply_delivered": data["reply_delivered"]}

    # ----- registering and steps -----------------------------------------------------------------

    @api.post("/cases", status_code=201, summary="登记申请", tags=["办理"])
    def register(body: RegisterIn, who: Principal = Depends(principal)) -> dict[str, Any]:
        from ..services import cases

        agency = body.agency
        if agency is None:
            with uow() as u:
                found = u.directory.agency_by_id(who.agency_id)
            agency = found.code if found else ""
        from dataclasses import fields

        from ..web.forms import SKIP_INTAKE, applicant_of

        extra = dict(body.model_extra or {})
        allowed = {f.name for f in fields(cases.Register)} - SKIP_INTAKE
        unknown = sorted(set(extra) - allowed)
        if unknown:
            raise InputError(unknown[0], "申请字段：" + "、".join(sorted(allowed | {"agency", "applicant", "request_id"})),
                             f"未知的字段“{unknown[0]}”")
        try:
            cmd = cases.Register(agency=agency, applicant=applicant_of(body.applicant), channel=body.channel,
                                 received=body.received, request_id=body.request_id, **extra)
        except TypeError:
            missing = sorted(allowed - set(extra) - {"channel", "received"})
            raise InputError(missing[0] if missing else "body", "申请须给出：" + "、".join(sorted(allowed)),
                             "缺少必填的申请字段") from None
        result = cases.register(cmd, uow(), who)
        return result.to_dict()

    @api.post("/cases/{case_no}/steps", summary="办理一项事项", tags=["办理"])
    def step(case_no: str, body: StepIn, who: Principal = Depends(principal)) -> dict[str, Any]:
        from ..services import cases

        result = cases.step(cases.Step(case_no, body.kind, body.on, body.data, body.request_id), uow(), who)
        return result.to_dict()

    @api.post("/bulk", summary="批量办理：指派承办人、出具接收回执（逐件办理，逐件给出结果）", tags=["办理"])
    def bulk(body: BulkIn, who: Principal = Depends(principal)) -> dict[str, Any]:
        from ..labels import move_label
        from ..services import cases
        from .casework import BULK_ACTIONS, BULK_RULE, MAX_BULK

        chosen = list(dict.fromkeys(c for c in body.cases if c))
        if not 1 <= len(chosen) <= MAX_BULK:
            raise InputError("cases", BULK_RULE, "未选择案件" if not chosen else f"选择了 {len(chosen)} 件")
        kind = BULK_ACTIONS[body.action][0]
        to = (body.to or "").strip()
        if kind == "reassign" and not to:
            raise InputError("to", BULK_RULE, "未填写承办人")
        results = []
        for n, case_no in enumerate(chosen):
            data = {"to": to} if kind == "reassign" else {}
            rid = f"{body.request_id}-{n}" if body.request_id else None
            try:  # one transaction per case: one refusal leaves the others done
                r = cases.step(cases.Step(case_no[:60], kind, body.on, data, rid), uow(), who)
                results.append({"case_no": r.case_no, "ok": True, "seq": r.seq, "state": r.state,
                                "message": f"已办理“{move_label(r.kind)}”（第 {r.seq} 项）"})
            except FoiError as err:
                results.append({"case_no": case_no[:60], "ok": False, **err.as_dict()})
        return {"action": body.action, "done": sum(r["ok"] for r in results), "results": results}

    # ----- attachments -----------------------------------------------------------------------------

    @api.get("/cases/{case_no}/attachments", summary="案件的附件", tags=["附件"])
    def list_attachments(case_no: str, who: Principal = Depends(principal)) -> dict[str, Any]:
        from ..services import views

        data = views.case_page(case_no, uow(), who).data
        return {"case_no": data["case_no"], "attachments": data["attachments"]}

    @api.post("/cases/{case_no}/attachments", status_code=201, tags=["附件"],
              summary="上传附件（类型和大小受 FOI_ATTACHMENT_TYPES、FOI_ATTACHMENT_MAX_BYTES 限制）")
    async def upload(case_no: str, file: UploadFile = File(description="附件文件"),
                     description: str = Form("", description="附件说明"),
                     who: Principal = Depends(principal)) -> dict[str, Any]:
        from starlette.concurrency import run_in_threadpool

        from ..services import attachments

        limit = settings.attachment_max_bytes
        data = await file.read(limit + 1)  # no further than one byte past the limit
        name = file.filename or ""
        if len(data) > limit:
            try:
                attachments.check_file(name, data, max_bytes=limit, types=tuple(settings.attachment_types))
            except InputError as err:
                raise InputError(err.field, err.rule, f"“{name[:60]}”超过大小限制") from None
        return await run_in_threadpool(
            attachments.attach, attachments.Attach(case_no, name, data, description), uow(), who)

    @api.get("/cases/{case_no}/attachments/{no}", summary="下载附件", tags=["附件"],
             response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}})
    def attachment(case_no: str, no: str, who: Principal = Depends(principal)):
        from ..services import attachments

        if not no.isdigit() or len(no) > 6:  # as the page: no such attachment
            raise NotFound("no", "须为本案已登记的附件序号", "没有这个附件")
        att, data = attachments.read(case_no, int(no), uow(), who)
        return Response(data, media_type=att["media_type"] or "application/octet-stream",
                        headers={"Content-Disposition": "attachment; filename*=UTF-8''" + quote(att["name"], safe="")})

    # ----- notices --------------------------------------------------------------------------------

    @api.get("/notices", summary="文书登记：本人有权查阅的文书（可按案件、机关、年度筛选）", tags=["文书"])
    def list_notices(case_no: Optional[str] = None, agency: Optional[str] = None, year: Optional[int] = None,
                     who: Principal = Depends(principal)) -> dict[str, Any]:
        from ..notices.register import NoticeQuery
        from ..services import views

        found = views.notices(NoticeQuery(case_no=case_no, agency=agency, year=year), uow(), who)
        return {"notices": [n.to_dict() for n in found]}

    @api.get("/cases/{case_no}/notices", summary="案件的文书", tags=["文书"])
    def case_notices(case_no: str, who: Principal = Depends(principal)) -> dict[str, Any]:
        from ..notices.register import NoticeQuery
        from ..services import views

        return {"case_no": case_no, "notices": [n.to_dict() for n in
                                                 views.notices(NoticeQuery(case_no=case_no), uow(), who)]}

    @api.get("/notices/{key}", summary="一件文书的登记信息", tags=["文书"])
    def show_notice(key: str, who: Principal = Depends(principal)) -> dict[str, Any]:
        from ..services import views

        return views.notice(key, uow(), who).to_dict()

    @api.get("/notices/{key}/{fmt}", summary="下载文书：pdf、docx 或 html（按登记的内容重新生成并核对）",
             tags=["文书"], response_class=Response,
             responses={200: {"content": {t.split(";")[0]: {} for t in NOTICE_FORMATS.values()}}})
    def notice_file(key: str, fmt: str, who: Principal = Depends(principal)):
        from ..notices import register as notices

        if fmt not in NOTICE_FORMATS:
            raise NotFound("fmt", "文件格式：" + "、".join(NOTICE_FORMATS), "没有这种格式")
        with tempfile.TemporaryDirectory(prefix="foi-api-") as folder:
            rendered = notices.render(notices.RenderRequest(key, folder, (fmt,)), uow(), who)
            name, blob = rendered.files[fmt].name, rendered.files[fmt].read_bytes()
        return Response(blob, media_type=NOTICE_FORMATS[fmt],
                        headers={"Content-Disposition": "attachment; filename*=UTF-8''" + quote(name, safe="")})

    # ----- 督办 ------------------------------------------------------------------------------------

    @api.get("/board", summary="督办：本机关（或指定机关及其下属机关）当前的提醒，可按事项种类、承办人筛选",
             tags=["督办"])
    def board(agency: Optional[str] = None, kind: Optional[str] = None, handler: Optional[str] = None,
              limit: Optional[int] = Query(None, description="最多条数"),
              who: Principal = Depends(principal)) -> dict[str, Any]:
        from ..services import views
        from ..services.board import BoardQuery

        b = views.board(BoardQuery(agency=(agency or "").strip() or None, limit=limit), uow(), who)
        out = b.to_dict()
        if kind or handler:
            for group in out["agencies"]:
                group["alerts"] = [a for a in group["alerts"]
                                   if (not kind or a["kind"] == kind) and (not handler or a["handler"] == handler)]
            out["agencies"] = [g for g in out["agencies"] if g["alerts"]]
        out["filters"] = {"kind": kind, "handler": handler}
        return out

    return api
