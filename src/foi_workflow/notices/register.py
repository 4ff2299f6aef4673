"""The notice register: issuing a notice inside a case step, corrected re-issues, look-ups, rendering.

Issuing (inside the step's own transaction, services.cases calls issue_for_event): the next
number of the agency's "notice" series for the issue year (storage.numbering.take_numbers: no
gaps, no repeats — a rolled-back step gives its number back), the template context, the HTML
rendered from the current templates and its hash, the template version (its sources stored once
per version). The PDF and DOCX are NOT made in the transaction (fpdf2 needs ~0.3 s a document and
the transaction holds the series lock): they are made afterwards from the stored record —
`render()` — and their hashes are recorded the first time and checked every time after, so a
notice is always the same bytes. A corrected notice (`reissue`) is a new number; the old stays.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .. import localtime
from ..domain.calendar import WorkingCalendar
from ..domain.case import Case, Event, replay
from ..domain.clock import Schedule
from ..domain.errors import FoiError, InputError
from ..domain.settings import AgencySettings
from ..storage import db
from ..storage.models import AgencyRow, ApplicantRow, CaseEventRow, CaseRow
from ..storage.notice_tables import NoticeRow, NoticeTemplateRow
from ..storage.numbering import take_numbers
from . import catalog, templating
from .context import Facts, build

SERIES = "notice"
FORMATS = ("html", "pdf", "docx")
DEFAULT_REVIEW_BODY = "上一级人民政府"
_KEY = re.compile(r"^(?P<agency>.+)-(?P<year>\d{4})-N(?P<n>\d+)$")


class NoticeMismatch(FoiError):
    """A notice rendered again did not give the bytes recorded for it."""


def doc_no(agency_name: str, year: int, number: int) -> str:
    """发文字号 of a notice: <机关>依申请公开〔<年>〕<n>号."""
    return f"{agency_name}依申请公开〔{year}〕{number}号"


def notice_key(agency_code: str, year: int, number: int) -> str:
    """The short ASCII name of a notice, for commands and file names: <agency>-<year>-N<nnnnn>."""
    return f"{agency_code}-{year}-N{number:05d}"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ----- issuing --------------------------------------------------------------------------------

def _store_template(session: Session, version: templating.Version) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(NoticeTemplateRow)
                    .values(version=version.version, name=version.name, sources=dict(version.sources))
                    .on_conflict_do_nothing())


def _review_body(session: Session, agency_row: AgencyRow) -> str:
    if agency_row.parent_id is None:
        return DEFAULT_REVIEW_BODY
    parent = session.get(AgencyRow, agency_row.parent_id)
    return parent.name if parent is not None else DEFAULT_REVIEW_BODY


def _issue(session: Session, kind: str, *, case_row: CaseRow, agency_row: AgencyRow, event: Event,
           case: Case, schedule: Schedule, calendar: WorkingCalendar, settings: AgencySettings,
           issued_on: dt.date, issued_by: str, supersedes: NoticeRow | None = None,
           reason: str = "") -> NoticeRow:
    spec = catalog.NOTICE_KINDS[kind]
    templates = templating.current_set()
    version = templates.version(spec.template)
    applicant = session.get(ApplicantRow, case_row.applicant_id)
    assert applicant is not None
    year = issued_on.year
    number = take_numbers(session, agency_row.id, SERIES, year)
    no = doc_no(agency_row.name, year, number)
    facts = Facts(
        kind=kind, case_no=case_row.case_no, subject=case_row.subject, received=case_row.received,
        channel=case_row.channel, rules=case_row.rules, agency_code=agency_row.code,
        agency_name=agency_row.name, review_body=_review_body(session, agency_row),
        applicant_name=applicant.name, applicant_kind=applicant.kind,
        applicant_id_type=applicant.id_type, applicant_id_number=applicant.id_number,
        event=event, case=case, schedule=schedule, calendar=calendar, settings=settings,
        doc_no=no, year=year, number=number, issued_on=issued_on,
        corrects=({"doc_no": supersedes.doc_no, "issued_on": supersedes.issued_on.isoformat()}
                  if supersedes is not None else None),
        reason=reason)
    context = build(facts)
    html = templating.render(spec.template, version.sources, context, version.version)
    _store_template(session, version)
    row = NoticeRow(agency_id=agency_row.id, year=year, number=number, doc_no=no,
                    case_id=case_row.id, event_seq=event.seq, kind=kind, template=spec.template,
                    template_version=version.version, context=context,
                    html_sha256=_sha(html.encode("utf-8")), issued_on=issued_on,
                    issued_by=issued_by, supersedes_id=supersedes.id if supersedes else None,
                    reason=reason, recorded_at=localtime.now())
    session.add(row)
    return row


def issue_for_event(session: Session, *, case_row: CaseRow, agency_row: AgencyRow, event: Event,
                    case: Case, schedule: Schedule, calendar: WorkingCalendar,
                    settings: AgencySettings) -> list[NoticeRow]:
    """Register the notices this event issues (catalog.ISSUED_BY), in the caller's transaction."""
    kinds = catalog.kinds_for(event.kind, event.data)
    if not kinds:
        return []
    rows = [_issue(session, kind, case_row=case_row, agency_row=agency_row, event=event, case=case,
                   schedule=schedule, calendar=calendar, settings=settings, issued_on=event.on,
                   issued_by=event.actor) for kind in kinds]
    session.flush()
    return rows


def _history(session: Session, case_id: int, upto: int) -> list[Event]:
    rows = session.scalars(select(CaseEventRow).where(CaseEventRow.case_id == case_id,
                                                      CaseEventRow.seq <= upto)
                           .order_by(CaseEventRow.seq)).all()
    return [Event(r.kind, r.on, r.actor, r.data, r.basis, r.seq) for r in rows]


def reissue(key: str, *, actor: str, reason: str, on: dt.date | None = None,
            url: str | None = None) -> "NoticeRecord":
    """Issue a corrected notice: a new number, the context rebuilt from the case as it was at the
    notice's event (with the current templates, agency and applicant data), pointing at the old
    one, which stays in the register unchanged."""
    from ..services import cases, directory

    on = on or localtime.today()
    if not reason.strip():
        raise InputError("reason", "更正文书须写明更正原因", "缺少更正原因")
    if on > localtime.today():
        raise InputError("on", "出具日期不得晚于今天", f"{on.isoformat()} 晚于今天")
    with db.session_scope(url) as session:
        old = find(session, key)
        case_row = session.get(CaseRow, old.case_id)
        agency_row = session.get(AgencyRow, old.agency_id)
        assert case_row is not None and agency_row is not None
        who = directory.actor(session, actor)
        cases._check_actor_agency(session, who, agency_row.id)
        if on < old.issued_on:
            raise InputError("on", "更正文书的出具日期不得早于原文书", f"原文书出具于 {old.issued_on.isoformat()}")
        history = _history(session, case_row.id, old.event_seq)
        case = replay(history)
        calendar = cases.session_calendar(session)
        settings = directory.agency_settings(agency_row)
        schedule = case.schedule(calendar, settings)
        row = _issue(session, old.kind, case_row=case_row, agency_row=agency_row, event=history[-1],
                     case=case, schedule=schedule, calendar=calendar, settings=settings,
                     issued_on=on, issued_by=who.code, supersedes=old, reason=reason)
        session.flush()
        return record(session, row)


# ----- reading --------------------------------------------------------------------------------

@dataclass(frozen=True)
class NoticeRecord:
    """A register entry as shown to staff."""

    id: int
    key: str
    doc_no: str
    kind: str
    kind_label: str
    case_no: str
    event_seq: int
    event_kind: str
    agency: str
    year: int
    number: int
    issued_on: dt.date
    issued_by: str
    addressee: str
    template: str
    template_version: str
    html_sha256: str
    pdf_sha256: str | None
    docx_sha256: str | None
    renderer: str | None
    supersedes: str | None = None      # key of the notice this one corrects
    superseded_by: tuple[str, ...] = ()
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["issued_on"] = self.issued_on.isoformat()
        d["superseded_by"] = list(self.superseded_by)
        return d


def _addressee(kind: str, context: dict[str, Any]) -> str:
    if kind in ("third_party_consultation", "agency_consultation"):
        return context["consultation"]["party"]
    if kind == "public_interest":
        return "、".join(context["public_interest"]["parties"])
    return context["applicant"]["name"]


def record(session: Session, row: NoticeRow) -> NoticeRecord:
    agency = session.get(AgencyRow, row.agency_id)
    case_row = session.get(CaseRow, row.case_id)
    assert agency is not None and case_row is not None
    old = session.get(NoticeRow, row.supersedes_id) if row.supersedes_id else None
    newer = session.execute(select(NoticeRow.year, NoticeRow.number)
                            .where(NoticeRow.supersedes_id == row.id)
                            .order_by(NoticeRow.id)).all()
    return NoticeRecord(
        id=row.id, key=notice_key(agency.code, row.year, row.number), doc_no=row.doc_no,
        kind=row.kind, kind_label=catalog.NOTICE_KINDS[row.kind].label, case_no=case_row.case_no,
        event_seq=row.event_seq, event_kind=row.context["event"]["kind"], agency=agency.code,
        year=row.year, number=row.number, issued_on=row.issued_on, issued_by=row.issued_by,
        addressee=_addressee(row.kind, row.context), template=row.template,
        template_version=row.template_version, html_sha256=row.html_sha256,
        pdf_sha256=row.pdf_sha256, docx_sha256=row.docx_sha256, renderer=row.renderer,
        supersedes=notice_key(agency.code, old.year, old.number) if old else None,
        superseded_by=tuple(notice_key(agency.code, y, n) for y, n in newer), reason=row.reason)


def find(session: Session, key: str) -> NoticeRow:
    """A notice by its key (<agency>-<year>-N<n>), its document number, or its register id."""
    key = key.strip()
    row: NoticeRow | None = None
    m = _KEY.match(key)
    if m:
        agency = session.scalar(select(AgencyRow).where(AgencyRow.code == m.group("agency")))
        if agency is not None:
            row = session.scalar(select(NoticeRow).where(
                NoticeRow.agency_id == agency.id, NoticeRow.year == int(m.group("year")),
                NoticeRow.number == int(m.group("n"))))
    elif key.isdigit():
        row = session.get(NoticeRow, int(key))
    else:
        row = session.scalar(select(NoticeRow).where(NoticeRow.doc_no == key))
    if row is None:
        raise InputError("notice", "文书编号写作 <机关代码>-<年度>-N<序号>（如 yuci-bgs-2026-N00001）、"
                                   "发文字号或登记序号", f"未找到文书“{key}”")
    return row


def list_notices(session: Session, *, case_no: str | None = None, agency: str | None = None,
                 year: int | None = None) -> list[NoticeRecord]:
    q = select(NoticeRow).order_by(NoticeRow.agency_id, NoticeRow.year, NoticeRow.number)
    if case_no:
        case_id = session.scalar(select(CaseRow.id).where(CaseRow.case_no == case_no))
        if case_id is None:
            raise InputError("case_no", "须为已登记的案件编号", f"未知的案件“{case_no}”")
        q = q.where(NoticeRow.case_id == case_id)
    if agency:
        agency_id = session.scalar(select(AgencyRow.id).where(AgencyRow.code == agency))
        if agency_id is None:
            raise InputError("agency", "须为已登记的机关代码", f"未知的机关“{agency}”")
        q = q.where(NoticeRow.agency_id == agency_id)
    if year:
        q = q.where(NoticeRow.year == year)
    return [record(session, r) for r in session.scalars(q).all()]


def for_event(session: Session, case_no: str, seq: int) -> list[NoticeRow]:
    case_id = session.scalar(select(CaseRow.id).where(CaseRow.case_no == case_no))
    if case_id is None:
        return []
    return list(session.scalars(select(NoticeRow).where(NoticeRow.case_id == case_id,
                                                        NoticeRow.event_seq == seq,
                                                        NoticeRow.supersedes_id.is_(None))
                                .order_by(NoticeRow.id)).all())


# ----- rendering the files --------------------------------------------------------------------

@dataclass(frozen=True)
class Rendered:
    key: str
    doc_no: str
    kind: str
    files: dict[str, Path] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    recorded: tuple[str, ...] = ()  # formats whose hash was recorded now (first rendering)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "doc_no": self.doc_no, "kind": self.kind,
                "files": {k: str(v) for k, v in self.files.items()}, "sha256": dict(self.sha256),
                "recorded": list(self.recorded)}


def _check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(formats))
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise InputError("format", "文件格式：" + "、".join(FORMATS), "无效的格式：" + "、".join(bad or ["（空）"]))
    return out


def render_bytes(row: NoticeRow, sources: dict[str, str], formats: Sequence[str] = FORMATS) -> dict[str, bytes]:
    """The files of a stored notice, made from its stored context and template version."""
    from ..documents.docx_writer import write_docx
    from ..documents.pdf_writer import write_pdf
    from .html_doc import to_document

    html = templating.render(row.template, sources, row.context, row.template_version)
    out: dict[str, bytes] = {"html": html.encode("utf-8")}
    if _sha(out["html"]) != row.html_sha256:
        raise NoticeMismatch("html", "文书须能按登记的内容原样重新生成",
                             f"{row.doc_no} 的 HTML 与登记时不一致（模板版本 {row.template_version[:12]}）")
    if "pdf" in formats or "docx" in formats:
        doc = to_document(html, row.issued_on, subject=row.context["case"]["case_no"])
        if "pdf" in formats:
            out["pdf"] = write_pdf(doc)
        if "docx" in formats:
            out["docx"] = write_docx(doc)
    return {f: out[f] for f in formats}


def renderer_id() -> str:
    from ..documents.docx_writer import renderer_id as docx_id
    from ..documents.pdf_writer import renderer_id as pdf_id

    return f"{pdf_id()}; {docx_id()}"


def _file_name(key: str, kind: str, fmt: str) -> str:
    return f"{key}-{kind}.{fmt}"


def render(key: str, out_dir: Path | str | None = None, formats: Iterable[str] = FORMATS,
           *, url: str | None = None) -> Rendered:
    """Make a notice's files again from the register (and write them to out_dir if given).

    The HTML must hash to the value recorded at issue; the PDF and DOCX to the values recorded
    at their first rendering (recorded now if this is the first). Any difference is an error.
    """
    formats = _check_formats(formats)
    with db.session_scope(url) as session:
        row = find(session, key)
        sources = session.get(NoticeTemplateRow, row.template_version)
        agency = session.get(AgencyRow, row.agency_id)
        assert sources is not None and agency is not None
        name = notice_key(agency.code, row.year, row.number)
        data = render_bytes(row, dict(sources.sources), formats)
        hashes = {f: _sha(b) for f, b in data.items()}
        current = renderer_id() if ("pdf" in data or "docx" in data) else None
        stored = {"pdf": row.pdf_sha256, "docx": row.docx_sha256}
        new: dict[str, str] = {}
        for fmt in ("pdf", "docx"):
            if fmt not in hashes:
                continue
            if stored[fmt] is None:
                new[fmt] = hashes[fmt]
            elif stored[fmt] != hashes[fmt]:
                why = ("生成程序或字体已变化（登记时：" + (row.renderer or "未记录") + "；现在：" + str(current) + "）"
                       if row.renderer != current else "内容不一致")
                raise NoticeMismatch(fmt, "文书须能按登记的内容原样重新生成",
                                     f"{row.doc_no} 的 {fmt.upper()} 与首次生成时不一致：{why}")
        if new:
            values: dict[str, Any] = {f"{f}_sha256": h for f, h in new.items()}
            if row.renderer is None:
                values["renderer"] = current
            elif row.renderer != current:
                raise NoticeMismatch("renderer", "同一文书的各格式须由同一生成程序生成",
                                     f"登记时：{row.renderer}；现在：{current}")
            session.execute(update(NoticeRow).where(NoticeRow.id == row.id)
                            .values(**values).execution_options(synchronize_session=False))
        rendered_kind, doc = row.kind, row.doc_no
    files: dict[str, Path] = {}
    if out_dir is not None:
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for fmt, blob in data.items():
            path = folder / _file_name(name, rendered_kind, fmt)
            path.write_bytes(blob)
            files[fmt] = path
    return Rendered(name, doc, rendered_kind, files, hashes, tuple(new))


def notices_dir() -> Path:
    """Where flows write notice files: FOI_NOTICES_DIR; else notices/ beside the SQLite database
    file (out/notices/ for `make demo`); else ./notices."""
    env = os.environ.get("FOI_NOTICES_DIR")
    if env:
        return Path(env)
    url = db.database_url()
    if url.startswith("sqlite:///") and url[len("sqlite:///"):] not in ("", ":memory:"):
        return Path(url[len("sqlite:///"):]).parent / "notices"
    return Path("notices")


def render_step(case_no: str, seq: int, out_dir: Path | str, formats: Iterable[str] = FORMATS,
                *, url: str | None = None) -> list[Rendered]:
    """The files of the notices that one step (case, event number) issued, written to out_dir."""
    with db.session_scope(url) as session:
        ids = [r.id for r in for_event(session, case_no, seq)]
    return [render(str(i), out_dir, formats, url=url) for i in ids]
