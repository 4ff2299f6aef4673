"""The JSON API under /api/ for integrations: the same use cases, with personal API tokens.

    Authorization: Bearer foi_...        (services/auth.principal_from_token; channel "api")

Errors are JSON {field, rule, message}: 401 no or bad token, 403 refused, 404 unknown (or not
readable) case, 409 conflict (reload and retry), 422 bad input. The OpenAPI document is
/api/openapi.json.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Optional

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ..config import Settings
from ..domain.errors import FoiError, InputError
from ..domain.identity import Principal
from ..domain.policy import AuthenticationError, NotFound, PermissionDenied
from ..storage.uow import SqlUnitOfWork

log = logging.getLogger("foi_workflow.web")


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
    kind: str = Field(description="事项，如 accept、sign_off、reply")
    on: dt.date
    data: dict[str, Any] = Field(default_factory=dict)
    request_id: Optional[str] = Field(None, max_length=64)


def _error(status: int, err: FoiError) -> JSONResponse:
    return JSONResponse(err.as_dict(), status_code=status)


def create_api(settings: Settings) -> FastAPI:
    api = FastAPI(title="政府信息公开申请办理 API", version="1", openapi_url="/openapi.json",
                  docs_url=None, redoc_url=None)

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
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p != "body"]
        return JSONResponse({"field": ".".join(loc) or "body", "rule": "请求须符合 /api/openapi.json 的说明",
                             "message": str(first.get("msg", "无效的请求"))}, status_code=422)

    @api.middleware("http")
    async def _crash(request: Request, call_next):
        try:
            return await call_next(request)
        except Exception as exc:  # logged without its message (SQL parameters may hold personal data)
            log.error("api error %s on %s %s", type(exc).__name__, request.method, request.url.path)
            return JSONResponse({"field": "", "rule": "", "message": "系统错误，本次操作未完成"}, status_code=500)

    @api.get("/cases", summary="列出本机关（或指定机关）的案件")
    def list_cases(agency: Optional[str] = None, state: Optional[str] = None,
                   due_within: Optional[int] = None, with_subordinates: bool = False,
                   who: Principal = Depends(principal)) -> dict[str, Any]:
        from ..services import views

        return views.case_list(views.CaseQuery(agency, with_subordinates, state, due_within), uow(), who)

    @api.get("/cases/{case_no}", summary="案件：状态、期限及依据、办理记录（申请人信息遮蔽）")
    def show_case(case_no: str, who: Principal = Depends(principal)) -> dict[str, Any]:
        from ..services import views

        return views.case_page(case_no, uow(), who, explain=False).data

    @api.post("/cases", status_code=201, summary="登记申请")
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

    @api.post("/cases/{case_no}/steps", summary="办理一项事项")
    def step(case_no: str, body: StepIn, who: Principal = Depends(principal)) -> dict[str, Any]:
        from ..services import cases

        result = cases.step(cases.Step(case_no, body.kind, body.on, body.data, body.request_id), uow(), who)
        return result.to_dict()

    return api
