"""年度报告: a year's report for an agency (its own, or the roll-up with every body under it), the
checks with every broken cell named, the lock (head or admin of the agency), the downloads
(DOCX, PDF, XLSX, JSON, CSV: the writers of documents/annual_report.py, as `foi stats annual`), the
registers (proactive disclosure, consultations, fees) and the narrative sections.

Reads go through services/statistics.report_for (permission checked and logged there), writes
through services/stat_registers and statistics.lock_period; a refusal is shown beside its field
with its rule and nothing is written.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..domain.errors import FoiError, InputError
from ..domain.identity import Principal
from ..domain.policy import NotFound, PermissionDenied
from .context import Web, errors_of

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
}
FORMAT_RULE = "下载格式：" + "、".join(FORMATS)


def _status(err: FoiError) -> int:
    return 403 if isinstance(err, PermissionDenied) else 422


def _year(raw: Any, default: int) -> int:
    text = str(raw or "").strip()
    if not text:
        return default
    if not text.isdigit() or len(text) != 4:
        from ..services.statistics import YEAR_RULE

        raise InputError("year", YEAR_RULE, f"无法识别的年度“{text[:10]}”")
    return int(text)


def _where(year: int, agency: str, rollup: bool) -> str:
    return "/reports?" + urlencode({"year": year, "agency": agency, **({"rollup": "1"} if rollup else {})})


def router(web: Web) -> APIRouter:
    r = APIRouter(prefix="/reports")

    def default_year() -> int:
        return web.settings.legal_today().year - 1

    def own_code(who: Principal) -> str:
        with web.uow() as u:
            a = u.directory.agency_by_id(who.agency_id)
        return a.code if a else ""

    def report_view(request: Request, who: Principal, year: int, agency: str, rollup: bool,
                    status: int = 200, *, errors=None, values=None):
        from ..documents import annual_report as out
        from ..domain.policy import Action, allowed
        from ..domain.statistics.layout import (CONSULTATION_CHANNELS, FEE_KINDS, NARRATIVE_SECTIONS, SECTIONS,
                                                TABLE2_CELL_LABELS, TABLE2_KEYS)
        from ..services import statistics

        report, failures = statistics.report_for(statistics.ReadReport(year, agency or None, rollup), web.uow(), who)
        code = report.agency_code or agency
        locks = statistics.locked_years(code, web.uow(), who) if code else []
        unlocks = statistics.unlocks(code, web.uow(), who) if code else []
        with web.uow() as u:
            found = u.directory.agency_by_code(code)
            path = u.directory.agency_path(found.id) if found else None
        may_write = bool(path) and allowed(who, Action.STATS_WRITE, path) and not rollup
        may_lock = bool(path) and allowed(who, Action.STATS_LOCK, path)
        disclosure = {f"{b}.{c}": v for b, cells in report.table2.items() for c, v in cells.items()}
        return web.page(
            request, "report_index.html", status, report=report, failures=failures, year=year, agency=code,
            rollup=rollup, sections=out.sections(report), title=out.title(report), locks=locks, unlocks=unlocks,
            may_write=may_write, may_lock=may_lock, formats=list(FORMATS),
            query=urlencode({"agency": code, **({"rollup": "1"} if rollup else {})}),
            narrative_sections=[(k, SECTIONS[k]) for k in NARRATIVE_SECTIONS],
            table2_keys=[(k, TABLE2_CELL_LABELS.get(k.split(".", 1)[1], k), k.split(".", 1)[0]) for k in TABLE2_KEYS],
            disclosure=disclosure, channels=list(CONSULTATION_CHANNELS.items()), fee_kinds=list(FEE_KINDS.items()),
            errors=errors or {}, values=values or {}, today=web.settings.legal_today().isoformat())

    @r.get("", response_class=HTMLResponse)
    def index(request: Request, year: str = "", agency: str = "", rollup: str = ""):
        who = web.me(request)
        try:
            y = _year(year, default_year())
        except FoiError as err:
            y = default_year()
            return report_view(request, who, y, agency.strip()[:60], bool(rollup), 422,
                               errors=errors_of(err, "pick"))
        return report_view(request, who, y, agency.strip()[:60] or own_code(who), rollup == "1")

    @r.get("/{year}/download/{fmt}")
    def download(request: Request, year: str, fmt: str, agency: str = "", rollup: str = ""):
        who = web.me(request)
        from ..cli.stats_cmd import render
        from ..services import statistics

        if fmt not in FORMATS:
            raise NotFound("format", FORMAT_RULE, "没有这种格式")
        report, _ = statistics.report_for(statistics.ReadReport(_year(year, default_year()), agency.strip()[:60] or None, rollup == "1"),
                                          web.uow(), who)
        name = f"{report.agency_code or 'report'}-{report.year}{'-rollup' if report.rollup else ''}.{fmt}"
        return Response(render(report, fmt), media_type=FORMATS[fmt],
                        headers={"Content-Disposition": f"attachment; filename=\"{name}\""})

    async def write(request: Request, name: str, work) -> HTMLResponse | RedirectResponse:
        form = await web.form_of(request)
        who = web.me(request)
        agency = (form.get("agency") or "").strip()[:60] or own_code(who)
        name = name.format(section="".join(c for c in (form.get("section") or "")[:20] if c.isalnum() or c == "_"))
        values = {k: v[:20_000] for k, v in form.items() if k != "csrf"}
        try:
            year = _year(form.get("year"), default_year())
        except FoiError as err:
            return report_view(request, who, default_year(), agency, False, 422,
                               errors=errors_of(err, name), values=values)
        try:
            message = work(form, agency, year, who)
        except NotFound:
            raise
        except FoiError as err:
            return report_view(request, who, year, agency, False, _status(err), errors=errors_of(err, name),
                               values=values)
        request.session["flash"] = message
        return RedirectResponse(_where(year, agency, False), status_code=303)

    @r.post("/lock", response_class=HTMLResponse)
    async def lock(request: Request):
        from ..services import statistics

        def work(form, agency, year, who):
            done = statistics.lock_period(statistics.LockPeriod(year, agency), web.uow(), who)
            return f"已锁定{year}年度：" + ("、".join(done) if done else "（均已锁定）")

        return await write(request, "lock", work)

    @r.post("/unlock", response_class=HTMLResponse)
    async def unlock(request: Request):
        from ..services import statistics

        def work(form, agency, year, who):
            done = statistics.unlock_period(statistics.UnlockPeriod(year, agency, form.get("reason") or ""),
                                            web.uow(), who)
            return f"已解锁{year}年度：" + "、".join(done) + "（原公布的数字和解锁理由已留存）"

        return await write(request, "unlock", work)

    @r.post("/disclosure", response_class=HTMLResponse)
    async def disclosure(request: Request):
        from ..domain.statistics.layout import TABLE2_KEYS
        from ..services import stat_registers

        def work(form, agency, year, who):
            cells = {k: form[k].strip() for k in TABLE2_KEYS if (form.get(k) or "").strip()}
            n = stat_registers.set_disclosure(stat_registers.SetDisclosure(agency, year, cells), web.uow(), who)
            return f"已登记主动公开数字 {n} 项"

        return await write(request, "disclosure", work)

    @r.post("/consultations", response_class=HTMLResponse)
    async def consultation(request: Request):
        from ..services import stat_registers

        def work(form, agency, year, who):
            stat_registers.add_consultation(stat_registers.AddConsultation(
                agency, (form.get("on") or "").strip(), (form.get("channel") or "").strip(),
                (form.get("count") or "").strip(), (form.get("note") or "").strip()), web.uow(), who)
            return "已登记政府信息公开咨询"

        return await write(request, "consultation", work)

    @r.post("/fees", response_class=HTMLResponse)
    async def fee(request: Request):
        from ..services import stat_registers

        def work(form, agency, year, who):
            stat_registers.add_fee(stat_registers.AddFee(
                agency, (form.get("on") or "").strip(), (form.get("kind") or "").strip(),
                (form.get("amount_yuan") or "").strip(), (form.get("note") or "").strip()), web.uow(), who)
            return "已登记收费"

        return await write(request, "fee", work)

    @r.post("/narrative", response_class=HTMLResponse)
    async def narrative(request: Request):
        from ..services import stat_registers

        def work(form, agency, year, who):
            section = form.get("section") or ""
            stat_registers.set_narrative(stat_registers.SetNarrative(agency, year, section, form.get("text") or ""),
                                         web.uow(), who)
            return "已保存报告正文"

        return await write(request, "narrative-{section}", work)

    return r
