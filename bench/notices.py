"""Benchmark: notices per second to PDF, DOCX and HTML, and what issuing adds to a case step.

Run from the project root (`make bench-notices`):

    .venv/bin/python -m bench.notices [--notices N] [--steps N] [--json]

In a fresh SQLite file in a temporary directory:

1. **Issuing inside the step**: N cases each go register → accept (issues nothing) → acknowledge
   (issues the receipt) → sign_off (nothing) → reply (issues the reply). Reported: the median ms
   of the steps that issue nothing and of the steps that issue a notice, and the difference (what
   registering a notice — number, context, HTML render and hash, register row — adds to the
   step's transaction). No target here: the step's own floor is in bench/steps.py.
2. **Rendering files**: the notices issued above (receipts and replies, a mix of outcomes) are
   rendered from the register, as `foi notice render` and the flows do it
   (`notices.register.render_bytes`: stored context → sandboxed template → HTML → document →
   file), one format at a time. Reported: notices per second to HTML, PDF and DOCX.
   **Baseline** in the same run, on the same texts: a bare fpdf2 document (the same two embedded
   font files, the text as multi_cell paragraphs, no layout rules) and a bare python-docx
   document (the text as paragraphs). Ratio = ours / baseline: the cost of the official layout
   (line breaking with the line-start rules, justification, head, rule, signature, tables).

Fonts are prepared before timing (their one-time instancing is not part of any figure).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import platform
import statistics
import sys
import tempfile
import time
from typing import Any

TODAY = dt.date(2026, 11, 29)
RECEIVED = dt.date(2026, 3, 2)
OUTCOMES = ("disclosed", "unavailable.not_held", "withheld.process_info", "partial",
            "not_processed.petition", "unavailable.not_this_agency")
TARGET_DOCX_RATIO = 0.8  # DOCX notices per second ≥ 0.8× bare python-docx on the same texts



# every notice states the agency's contact; the fee notice how to pay (domain/settings.py)
from foi_workflow.domain.settings import AgencySettings as _AgencySettings  # noqa: E402

BENCH_CONTACT = _AgencySettings(contact_office="基准测试办公室", contact_phone="0000-0000000",
                                contact_address="基准测试地址", payee="基准测试收款单位", bank="基准测试银行",
                                account="0000", payment_method="窗口缴纳")

def _unit_of_work(url: str):
    from foi_workflow.config import Settings
    from foi_workflow.storage.uow import SqlUnitOfWork

    return SqlUnitOfWork(Settings.load(database_url=url, today=TODAY))


def _setup(url: str) -> None:
    """A department with a clerk, a head and a reviewer, made by the first-run set-up."""
    from foi_workflow.services import accounts, auth
    from foi_workflow.storage import db

    db.upgrade(url)
    uow = _unit_of_work(url)
    with uow:
        setup = auth.bootstrap_principal(uow, operator="bench")
    with uow:
        accounts.add_agency(accounts.AddAgency("bench-gov", "基准测试区人民政府", "government"), uow, setup)
        accounts.add_agency(accounts.AddAgency("bench", "基准测试区自然资源局", "department", "bench-gov",
                                               BENCH_CONTACT), uow, setup)
        for n, (code, role) in enumerate((("bench-c", "clerk"), ("bench-h", "head"), ("bench-r", "reviewer"))):
            accounts.create_account(accounts.CreateAccount(code, code, "bench", f"BENCH-{n}", role), uow, setup)


def issue(url: str, cases_n: int) -> dict[str, Any]:
    from foi_workflow.domain.applicants import Applicant
    from foi_workflow.services import auth, cases

    uow = _unit_of_work(url)
    with uow:
        staff = {code: auth.principal_for(code, uow, operator="bench", via="cli")
                 for code in ("bench-c", "bench-h", "bench-r")}
    plain: list[float] = []
    issuing: list[float] = []

    def timed(into: list[float] | None, case_no: str, kind: str, *, on: dt.date, actor: str,
              data: dict[str, Any]) -> None:
        t0 = time.perf_counter()
        cases.step(cases.Step(case_no, kind, on, data), uow, staff[actor], today=TODAY)
        if into is not None:
            into.append((time.perf_counter() - t0) * 1000)

    for i in range(cases_n + 3):  # three warm-up cases
        warm = i < 3
        outcome = OUTCOMES[i % len(OUTCOMES)]
        no = cases.register(cases.Register("bench", Applicant("natural_person", f"申请人{i}", "passport",
                                                              f"E{i:08d}"),
                                           "online", RECEIVED, (f"基准测试申请第{i}件：某地块规划许可文件",),
                                           "electronic", "online"),
                            uow, staff["bench-c"], today=TODAY).case_no
        d = RECEIVED + dt.timedelta(days=1)
        timed(None if warm else plain, no, "accept", on=d, actor="bench-c", data={})
        timed(None if warm else issuing, no, "acknowledge", on=d, actor="bench-c", data={})
        decision = {"disclosed": ("disclose", ""), "withheld.process_info": ("withhold", "process_info"),
                    "partial": ("partial", "process_info")}.get(outcome)
        if decision:
            data = {"decision": decision[0], **({"ground": decision[1]} if decision[1] else {})}
            timed(None if warm else plain, no, "sign_off", on=d + dt.timedelta(days=2), actor="bench-r", data=data)
        # each decision with the elements a reply must state (domain/replies.ELEMENTS)
        provided = {"provided": "某地块规划许可文件全文", "form": "electronic", "delivery": "online"}
        reply = {"outcome": outcome, **{
            "disclosed": provided,
            "unavailable.not_held": {"search": "检索了本机关2020年以来的收文、发文登记，未找到该文件"},
            "withheld.process_info": {"reasons": "该文件为内部研究讨论过程中形成的过程性信息"},
            "partial": {**provided, "withheld": "内部讨论记录", "ground": "process_info",
                        "reasons": "该部分为过程性信息"},
            "not_processed.petition": {"reasons": "申请实为投诉举报", "channel": "区信访局来访接待窗口"},
            "unavailable.not_this_agency": {"reasons": "该许可由区住房和城乡建设局核发",
                                            "right_agency": "基准测试区住房和城乡建设局"},
        }[outcome]}
        timed(None if warm else issuing, no, "reply", on=d + dt.timedelta(days=3), actor="bench-h", data=reply)
    p, q = statistics.median(plain), statistics.median(issuing)
    return {"plain_steps": len(plain), "plain_median_ms": round(p, 2), "issuing_steps": len(issuing),
            "issuing_median_ms": round(q, 2), "added_ms": round(q - p, 2)}


def _rate(fn, items: list[Any], repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for it in items:
            fn(it)
        best = min(best, time.perf_counter() - t0)
    return len(items) / best


def render(url: str, n: int) -> dict[str, Any]:
    from fpdf import FPDF
    import docx

    from foi_workflow.documents import fonts
    from foi_workflow.notices import register
    from foi_workflow.notices.html_doc import to_document
    from foi_workflow.storage.notice_tables import NoticeRow, NoticeTemplateRow
    from sqlalchemy import select

    uow = _unit_of_work(url)
    with uow:  # the stored notices, read as the register keeps them (rendering is what is timed)
        s = uow.session
        rows = list(s.scalars(select(NoticeRow).order_by(NoticeRow.id).limit(n)))
        sources = {r.template_version: dict(s.get(NoticeTemplateRow, r.template_version).sources) for r in rows}
        s.expunge_all()
    items = [(r, sources[r.template_version]) for r in rows]
    # the same texts for the baselines
    docs = [to_document(register.render_bytes(r, src, ("html",))["html"].decode("utf-8"), r.issued_on)
            for r, src in items]
    texts = [[d.issuer, d.doc_no, d.title, d.addressee,
              *[getattr(b, "text", " ".join(" ".join(row) for row in getattr(b, "rows", ()))) for b in d.blocks],
              d.signature, d.date_text] for d in docs]
    regular, bold = str(fonts.cjk_font_path("regular")), str(fonts.cjk_font_path("bold"))

    def bare_pdf(paras: list[str]) -> bytes:
        pdf = FPDF(format="A4")
        pdf.add_font("cjk", "", regular)
        pdf.add_font("cjk", "B", bold)
        pdf.add_page()
        pdf.set_font("cjk", "B", 22)
        pdf.multi_cell(0, 10, paras[2], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", "", 16)
        for p in paras:
            pdf.multi_cell(0, 10, p, wrapmode="CHAR", new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())

    def bare_docx(paras: list[str]) -> bytes:
        d = docx.Document()
        for p in paras:
            d.add_paragraph(p)
        out = io.BytesIO()
        d.save(out)
        return out.getvalue()

    out: dict[str, Any] = {"notices": len(items)}
    for fmt in ("html", "pdf", "docx"):
        out[f"{fmt}_per_s"] = round(_rate(lambda it: register.render_bytes(it[0], it[1], (fmt,)), items), 2)
    out["baseline_pdf_per_s"] = round(_rate(bare_pdf, texts), 2)
    out["baseline_docx_per_s"] = round(_rate(bare_docx, texts), 2)
    out["pdf_ratio"] = round(out["pdf_per_s"] / out["baseline_pdf_per_s"], 2)
    out["docx_ratio"] = round(out["docx_per_s"] / out["baseline_docx_per_s"], 2)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.notices", description=__doc__.splitlines()[0])
    ap.add_argument("--notices", type=int, default=30, help="notices rendered per format (default 30)")
    ap.add_argument("--steps", type=int, default=40, help="cases for the step timing (default 40)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    from foi_workflow.config import Settings
    from foi_workflow.documents import fonts

    fonts.configure(Settings.load())  # FOI_FONT_CACHE and FOI_FONT_* files, read once here
    try:
        fonts.prepare()
    except fonts.FontMissing as err:  # one line: what is missing, never a traceback
        from .scratch import missing

        raise missing(f"字体 / fonts — {err.text()}") from None
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench-notices.sqlite3"
        _setup(url)
        steps = issue(url, max(args.steps, (args.notices + 1) // 2))
        files = render(url, args.notices)
    result = {"python": platform.python_version(), "machine": platform.machine(),
              "steps": steps, "render": files,
              # the floor: a bare python-docx document of the same texts (ours ≥ 0.8× its rate)
              "target_docx_ratio": TARGET_DOCX_RATIO,
              "docx_target_met": files["docx_ratio"] >= TARGET_DOCX_RATIO}
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        s, r = steps, files
        print(f"notices: issuing inside the step, and rendering files (Python {result['python']}, "
              f"{result['machine']}, SQLite)")
        print(f"  steps that issue nothing: median {s['plain_median_ms']} ms ({s['plain_steps']} steps); "
              f"steps that issue a notice: median {s['issuing_median_ms']} ms ({s['issuing_steps']} steps); "
              f"issuing adds {s['added_ms']} ms")
        print(f"  rendering {r['notices']} stored notices: HTML {r['html_per_s']}/s, "
              f"PDF {r['pdf_per_s']}/s (bare fpdf2 {r['baseline_pdf_per_s']}/s, ratio {r['pdf_ratio']}), "
              f"DOCX {r['docx_per_s']}/s (bare python-docx {r['baseline_docx_per_s']}/s, ratio {r['docx_ratio']})")
        print(f"  target: DOCX ≥ {TARGET_DOCX_RATIO}× bare python-docx — "
              + ("met" if result["docx_target_met"] else "NOT met"))
    return 0 if result["docx_target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
