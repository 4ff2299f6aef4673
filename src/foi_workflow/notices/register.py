"""The notice register: issuing a notice inside a case step, corrected re-issues, look-ups, rendering.

Issuing (inside the step's own transaction, services.cases calls issue_for_event): the next
number of the agency's "notice" series for the issue year (storage.numbering.take_numbers: no
gaps, no repeats — a rolled-back step gives its number back), the template context, the HTML
rendered from the current templates and its hash, the template version (its sources stored once
per version). The PDF and DOCX are NOT made in the transaction (fpdf2 needs ~0.3 s a document and
the transaction holds the series lock): they are made afterwards from the stored record —
`render()` — and their hashes are recorded the first time and checked every time after, so a
notice is always the same bytes. A corrected notice (`reissue`) is a new number; the old stays.

Reading is permissioned and logged, since a notice names its applicant: `list_notices`, `show`
and `render` take (query, unit of work, principal), need Action.NOTICE_READ on the notice's
agency, and record every notice shown or rendered in the access log (services/access.py). A
notice the person may not read is answered exactly like an unknown one (NotFound) and the
attempt is logged as refused. `reissue(cmd, uow, principal)` needs Action.NOTICE_REISSUE (the
agency's own head). Folders (templates, fonts, output) come from the unit of work's Settings,
never from the environment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence, TypeVar

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .. import localtime
from ..domain.calendar import WorkingCalendar
from ..domain.case import Case, Event, replay
from ..domain.clock import Schedule
from ..domain.errors import FoiError, InputError
from ..domain.identity import Principal
from ..domain.policy import Action, NotFound, PermissionDenied, allowed, authorize
from ..domain.settings import AgencySettings
from ..storage.models import AgencyRow, ApplicantRow, CaseContactRow, CaseEventRow, CaseRow
from ..storage.notice_tables import NoticeRow, NoticeTemplateRow
from ..storage import chain
from ..storage.files import write_atomic
from ..storage.numbering import take_numbers
from . import catalog, templating
from .context import Facts, build

if TYPE_CHECKING:
    from ..config import Settings
    from ..storage.uow import UnitOfWork

T = TypeVar("T")

SERIES = "notice"
FORMATS = ("html", "pdf", "docx")
DEFAULT_REVIEW_BODY = "上一级人民政府"
_KEY = re.compile(r"^(?P<agency>.+)-(?P<year>\d{4})-N(?P<n>\d+)$")
KEY_RULE = "文书编号写作 <机关代码>-<年度>-N<序号>（如 yuci-bgs-2026-N00001）、发文字号或登记序号"
MAX_KEY = 200
MAX_REASON = 2000
# what the access log records (services/access.py)
READ, RENDER, REISSUE = "notice.read", "notice.render", "notice.reissue"


class NoticeMismatch(FoiError):
    """A notice rendered again did not give the bytes recorded for it."""


def doc_code(agency_name: str, settings: AgencySettings) -> str:
    """The 机关代字 of an agency's notices: its setting (AgencySettings.doc_code, e.g. 榆政信公),
    else its name with "依申请公开" (what every notice said before the setting existed)."""
    return settings.doc_code or f"{agency_name}依申请公开"


def doc_no(code: str, year: int, number: int) -> str:
    """发文字号 of a notice (GB/T 9704-2012 7.2.3): 机关代字〔年份〕序号号, the year in 六角括号, the
    number without leading zeros or "第" — e.g. 榆政信公〔2026〕3号. The number is the agency's
    "notice" series for the year (no gaps, no repeats), whatever the code."""
    return f"{code}〔{year}〕{number}号"


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
           reason: str = "", templates_dir: Path | None = None) -> NoticeRow:
    spec = catalog.NOTICE_KINDS[kind]
    templates = templating.current_set(templates_dir or _configured_templates(session))
    version = templates.version(spec.template)
    applicant = session.get(ApplicantRow, case_row.applicant_id)
    assert applicant is not None
    # the name as given in this case's application (the shared record holds the latest)
    given = session.get(CaseContactRow, case_row.id)
    year = issued_on.year
    number = take_numbers(session, agency_row.id, SERIES, year)
    no = doc_no(doc_code(agency_row.name, settings), year, number)
    facts = Facts(
        kind=kind, case_no=case_row.case_no, subject=case_row.subject, received=case_row.received,
        channel=case_row.channel, rules=case_row.rules, agency_code=agency_row.code,
        agency_name=agency_row.name, review_body=_review_body(session, agency_row),
        applicant_name=given.name if given is not None else applicant.name, applicant_kind=applicant.kind,
        applicant_id_type=applicant.id_type, applicant_id_number=applicant.id_number,
        event=event, case=case, schedule=schedule, calendar=calendar, settings=settings,
        doc_no=no, year=year, number=number, issued_on=issued_on,
        corrects=({"doc_no": supersedes.doc_no, "issued_on": supersedes.issued_on.isoformat()}
                  if supersedes is not None else None),
        reason=reason, attachments=_attachments(session, case_row.id),
        case_agency_name=_numbering_agency(session, case_row.case_no, agency_row))
    context = build(facts)
    html = templating.render(spec.template, version.sources, context, version.version)
    _check_printable(session, html, issued_on)
    _store_template(session, version)
    row = NoticeRow(agency_id=agency_row.id, year=year, number=number, doc_no=no,
                    case_id=case_row.id, event_seq=event.seq, kind=kind, template=spec.template,
                    template_version=version.version, context=context,
                    html_sha256=_sha(html.encode("utf-8")), issued_on=issued_on,
                    issued_by=issued_by, supersedes_id=supersedes.id if supersedes else None,
                    reason=reason, recorded_at=localtime.now())
    row.chain = chain.notice_link(previous_link(session, agency_row.id, year, number), case_row.case_no,
                                  agency_row.code, row)
    session.add(row)
    return row


def previous_link(session: Session, agency_id: int, year: int, number: int) -> str:
    """The chain link of the agency's notice numbered one lower in the year ("" for the first):
    numbers are taken under the numbering lock (storage/numbering.py), so it is committed."""
    if number <= 1:
        return ""
    return session.scalar(select(NoticeRow.chain).where(NoticeRow.agency_id == agency_id, NoticeRow.year == year,
                                                        NoticeRow.number == number - 1)) or ""


def _numbering_agency(session: Session, case_no: str, agency_row: AgencyRow) -> str:
    """The name of the agency whose code the case number carries ("" when it is the issuing
    agency): a transferred case keeps the number the first agency gave it."""
    m = templating.CASE_NO.match(case_no)
    if m is None or m.group("agency") == agency_row.code:
        return ""
    return session.scalar(select(AgencyRow.name).where(AgencyRow.code == m.group("agency"))) or ""


def _check_printable(session: Session, html: str, issued_on: dt.date) -> None:
    """Refuse the notice (and so the step, in its transaction) when its PDF face lacks one of
    its characters: an InputError naming the part and the character (documents/fonts.py)."""
    from ..documents import fonts
    from ..documents.pdf_writer import check_glyphs
    from .html_doc import to_document

    fonts.configure(session.info.get("settings"))
    check_glyphs(to_document(html, issued_on))


def _attachments(session: Session, case_id: int) -> tuple[dict[str, Any], ...]:
    """The case's attachments, for the 附件说明 of a notice that sends some (services/attachments.py)."""
    from ..storage.attachment_tables import AttachmentRow

    rows = session.execute(select(AttachmentRow.no, AttachmentRow.name, AttachmentRow.size, AttachmentRow.sha256)
                           .where(AttachmentRow.case_id == case_id).order_by(AttachmentRow.no)).all()
    return tuple({"no": no, "name": name, "size": size, "sha256": sha} for no, name, size, sha in rows)


def _configured_templates(session: Session) -> Path | None:
    """The templates folder of the Settings of the unit of work that opened `session`
    (storage/uow.py keeps them in session.info); None: the shipped templates."""
    return getattr(session.info.get("settings"), "templates_dir", None)


def issue_for_event(session: Session, *, case_row: CaseRow, agency_row: AgencyRow, event: Event,
                    case: Case, schedule: Schedule, calendar: WorkingCalendar,
                    settings: AgencySettings, templates_dir: Path | None = None) -> list[NoticeRow]:
    """Register the notices this event issues (catalog.ISSUED_BY), in the caller's transaction
    (the step's, which was authorised as a step). Templates: `templates_dir`, else the unit of
    work's Settings.templates_dir, else the shipped ones."""
    kinds = catalog.kinds_for(event.kind, event.data)
    if not kinds:
        return []
    rows = [_issue(session, kind, case_row=case_row, agency_row=agency_row, event=event, case=case,
                   schedule=schedule, calendar=calendar, settings=settings, issued_on=event.on,
                   issued_by=event.actor, templates_dir=templates_dir) for kind in kinds]
    session.flush()
    return rows


def _history(session: Session, case_id: int, upto: int) -> list[Event]:
    rows = session.scalars(select(CaseEventRow).where(CaseEventRow.case_id == case_id,
                                                      CaseEventRow.seq <= upto)
                           .order_by(CaseEventRow.seq)).all()
    return [Event(r.kind, r.on, r.actor, r.data, r.basis, r.seq) for r in rows]


@dataclass(frozen=True)
class Reissue:
    """A corrected notice for notice `key`, dated `on` (default: today), with its reason."""

    key: str
    reason: str
    on: dt.date | None = None


def reissue(cmd: Reissue, uow: UnitOfWork, principal: Principal, *,
            today: dt.date | None = None) -> NoticeRecord:
    """Issue a corrected notice: a new number, the context rebuilt from the case as it was at the
    notice's event (with the current templates, agency and applicant data), pointing at the old
    one, which stays in the register unchanged. Issued by the agency's own head
    (Action.NOTICE_REISSUE); a notice the person may not read answers like an unknown one."""
    from ..services import access, cases, directory

    today = today or uow.settings.legal_today()
    on = cmd.on or today
    if not isinstance(cmd.reason, str) or not cmd.reason.strip():
        raise InputError("reason", "更正文书须写明更正原因", "缺少更正原因")
    if len(cmd.reason) > MAX_REASON or "\x00" in cmd.reason:
        raise InputError("reason", f"更正原因不超过 {MAX_REASON} 字，不含空字符", "更正原因过长或含空字符")
    if on > today:
        raise InputError("on", "出具日期不得晚于今天", f"{on.isoformat()} 晚于今天")
    with uow:
        session = uow.session
        old = _lookup(session, cmd.key)
        if old is not None and _may_read(uow, principal, old):
            case_row = session.get(CaseRow, old.case_id)
            agency_row = session.get(AgencyRow, old.agency_id)
            assert case_row is not None and agency_row is not None
            authorize(principal, Action.NOTICE_REISSUE, uow.directory.agency_path(agency_row.id),
                      notice_key(agency_row.code, old.year, old.number))
            if on < old.issued_on:
                raise InputError("on", "更正文书的出具日期不得早于原文书", f"原文书出具于 {old.issued_on.isoformat()}")
            history = _history(session, case_row.id, old.event_seq)
            case = replay(history)
            calendar = cases.session_calendar(session)
            settings = directory.agency_settings(agency_row)
            schedule = case.schedule(calendar, settings)
            row = _issue(session, old.kind, case_row=case_row, agency_row=agency_row, event=history[-1],
                         case=case, schedule=schedule, calendar=calendar, settings=settings,
                         issued_on=on, issued_by=principal.code, supersedes=old, reason=cmd.reason,
                         templates_dir=uow.settings.templates_dir)
            session.flush()
            rec = record(session, row)
            access.record(uow, principal, REISSUE, **_ids(session, row), target=rec.key)
            return rec
        refused = _refusal(session, old, cmd.key)
    _log_refused(uow, principal, REISSUE, refused)
    raise _not_found(cmd.key)


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


def _shown(key: Any) -> str:
    return key if isinstance(key, str) and key.isprintable() else repr(key)


def _not_found(key: Any) -> NotFound:
    """The one answer for an unknown notice and for one the person may not read."""
    return NotFound("notice", KEY_RULE, f"未找到文书“{_shown(key).strip()[:60]}”")


def _lookup(session: Session, key: Any) -> NoticeRow | None:
    """A notice by its key (<agency>-<year>-N<n>), its document number, or its register id."""
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY:
        return None
    key = key.strip()
    m = _KEY.match(key)
    if m:
        agency = session.scalar(select(AgencyRow).where(AgencyRow.code == m.group("agency")))
        if agency is None:
            return None
        return session.scalar(select(NoticeRow).where(
            NoticeRow.agency_id == agency.id, NoticeRow.year == int(m.group("year")),
            NoticeRow.number == int(m.group("n"))))
    if key.isdigit():
        return session.get(NoticeRow, int(key)) if len(key) <= 12 else None
    return session.scalar(select(NoticeRow).where(NoticeRow.doc_no == key))


def find(session: Session, key: str) -> NoticeRow:
    """The stored notice (no permission check: for the library's own use), or NotFound."""
    row = _lookup(session, key)
    if row is None:
        raise _not_found(key)
    return row


def _ids(session: Session, row: NoticeRow) -> dict[str, Any]:
    """What the access log records of a notice: its agency, case and applicant (ids only)."""
    case_row = session.get(CaseRow, row.case_id)
    return {"agency_id": row.agency_id, "case_id": row.case_id,
            "applicant_id": case_row.applicant_id if case_row is not None else None}


def _may_read(uow: UnitOfWork, principal: Principal, row: NoticeRow) -> bool:
    return allowed(principal, Action.NOTICE_READ, uow.directory.agency_path(row.agency_id))


def _refusal(session: Session, row: NoticeRow | None, key: Any) -> dict[str, Any]:
    """The access-log entry of a refused read (a notice the person may not read) or of a
    notice that does not exist."""
    if row is None:
        return {"target": _shown(key)[:80], "outcome": "not_found"}
    agency = session.get(AgencyRow, row.agency_id)
    target = notice_key(agency.code, row.year, row.number) if agency is not None else str(row.id)
    return {**_ids(session, row), "target": target, "outcome": "refused"}


def _log_refused(uow: UnitOfWork, principal: Principal, action: str, entry: dict[str, Any]) -> None:
    from ..services import access

    access.record_refused(uow, principal, action, **entry)


def _read(uow: UnitOfWork, principal: Principal, key: str, action: str,
          work: Callable[[Session, NoticeRow], T]) -> T:
    """work(session, notice) in one transaction if the principal may read the notice (work logs
    the read); else the refusal logged in a transaction of its own, and NotFound."""
    with uow:
        session = uow.session
        row = _lookup(session, key)
        if row is not None and _may_read(uow, principal, row):
            return work(session, row)
        refused = _refusal(session, row, key)
    _log_refused(uow, principal, action, refused)
    raise _not_found(key)


def _agency_paths(session: Session) -> dict[int, tuple[int, ...]]:
    """Every agency's path (its id, its parent's, … up to the top), from one query."""
    parents: dict[int, int | None] = dict(session.execute(select(AgencyRow.id, AgencyRow.parent_id)).all())
    out = {}
    for agency_id in parents:
        path, seen, current = [], set(), agency_id
        while current is not None and current not in seen:
            seen.add(current)
            path.append(current)
            current = parents.get(current)
        out[agency_id] = tuple(path)
    return out


@dataclass(frozen=True)
class NoticeQuery:
    """Which notices to list (all filters optional): of a case, of an agency, of a year."""

    case_no: str | None = None
    agency: str | None = None
    year: int | None = None


def list_notices(q: NoticeQuery, uow: UnitOfWork, principal: Principal) -> list[NoticeRecord]:
    """The notices the person may read (Action.NOTICE_READ), in register order; each listed
    notice is one access-log entry. A case the person may not read answers like an unknown
    one; an agency they may not read is refused naming the rule."""
    from ..services import access

    refused: tuple[dict[str, Any], FoiError] | None = None
    with uow:
        session = uow.session
        paths = _agency_paths(session)
        readable = [i for i, p in paths.items() if allowed(principal, Action.NOTICE_READ, p)]
        stmt = select(NoticeRow).order_by(NoticeRow.agency_id, NoticeRow.year, NoticeRow.number)
        if q.case_no:
            case_row = session.scalar(select(CaseRow).where(CaseRow.case_no == q.case_no)) \
                if isinstance(q.case_no, str) and len(q.case_no) <= 60 else None
            unknown = NotFound("case_no", "须为已登记的案件编号（只能查阅有权查阅的机关的案件）",
                               f"未知的案件“{_shown(q.case_no)[:60]}”")
            if case_row is None:
                refused = ({"target": _shown(q.case_no)[:80], "outcome": "not_found"}, unknown)
            elif case_row.agency_id not in readable:
                refused = ({"agency_id": case_row.agency_id, "case_id": case_row.id,
                            "applicant_id": case_row.applicant_id, "target": case_row.case_no,
                            "outcome": "refused"}, unknown)
            else:
                stmt = stmt.where(NoticeRow.case_id == case_row.id)
        if refused is None and q.agency:
            agency = uow.directory.agency_by_code(q.agency) if isinstance(q.agency, str) else None
            if agency is None:
                raise InputError("agency", "须为已登记的机关代码", f"未知的机关“{_shown(q.agency)[:60]}”")
            try:
                authorize(principal, Action.NOTICE_READ, paths.get(agency.id, (agency.id,)), agency.code)
                stmt = stmt.where(NoticeRow.agency_id == agency.id)
            except PermissionDenied as err:
                refused = ({"agency_id": agency.id, "target": agency.code, "outcome": "refused"}, err)
        if refused is None:
            if q.year:
                stmt = stmt.where(NoticeRow.year == q.year)
            rows = session.scalars(stmt.where(NoticeRow.agency_id.in_(readable))).all() if readable else []
            out = [record(session, r) for r in rows]
            for row, rec in zip(rows, out):
                access.record(uow, principal, READ, **_ids(session, row), target=rec.key)
            return out
    entry, error = refused
    _log_refused(uow, principal, READ, entry)
    raise error


def show(key: str, uow: UnitOfWork, principal: Principal) -> NoticeRecord:
    """One register entry (Action.NOTICE_READ), logged; NotFound for a notice the person may
    not read, as for an unknown one."""
    from ..services import access

    def work(session: Session, row: NoticeRow) -> NoticeRecord:
        rec = record(session, row)
        access.record(uow, principal, READ, **_ids(session, row), target=rec.key)
        return rec

    return _read(uow, principal, key, READ, work)


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


@dataclass(frozen=True)
class RenderRequest:
    """Make notice `key`'s files again (written to out_dir if given) in these formats."""

    key: str
    out_dir: Path | str | None = None
    formats: tuple[str, ...] = FORMATS


def render(q: RenderRequest, uow: UnitOfWork, principal: Principal) -> Rendered:
    """Make a notice's files again from the register (and write them to q.out_dir if given).

    Action.NOTICE_READ on the notice's agency, logged as "notice.render". The HTML must hash to
    the value recorded at issue; the PDF and DOCX to the values recorded at their first
    rendering (recorded now if this is the first). Any difference is an error.
    """
    from ..services import access

    formats = _check_formats(q.formats)
    if "pdf" in formats:
        from ..documents import fonts

        fonts.configure(uow.settings)

    def work(session: Session, row: NoticeRow) -> tuple[str, str, str, dict[str, bytes],
                                                        dict[str, str], dict[str, str]]:
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
        if q.out_dir is not None:
            # the files first, each whole or not at all: a failed write raises here, so the
            # transaction records no hash for a file that was not written (issue 17)
            for fmt, blob in data.items():
                files[fmt] = write_atomic(Path(q.out_dir) / _file_name(name, row.kind, fmt), blob)
        if new:
            values: dict[str, Any] = {f"{f}_sha256": h for f, h in new.items()}
            if row.renderer is None:
                values["renderer"] = current
            elif row.renderer != current:
                raise NoticeMismatch("renderer", "同一文书的各格式须由同一生成程序生成",
                                     f"登记时：{row.renderer}；现在：{current}")
            session.execute(update(NoticeRow).where(NoticeRow.id == row.id)
                            .values(**values).execution_options(synchronize_session=False))
        access.record(uow, principal, RENDER, **_ids(session, row), target=name)
        return name, row.kind, row.doc_no, data, hashes, new

    files: dict[str, Path] = {}
    name, kind, doc, data, hashes, new = _read(uow, principal, q.key, RENDER, work)
    return Rendered(name, doc, kind, files, hashes, tuple(new))


def notices_dir(settings: Settings) -> Path:
    """Where flows write notice files: Settings.notices_dir (FOI_NOTICES_DIR); else notices/
    beside the SQLite database file (out/notices/ for `make demo`); else ./notices."""
    if settings.notices_dir:
        return Path(settings.notices_dir)
    url = settings.database_url
    if url.startswith("sqlite:///") and url[len("sqlite:///"):] not in ("", ":memory:"):
        return Path(url[len("sqlite:///"):]).parent / "notices"
    return Path("notices")


def render_step(case_no: str, seq: int, uow: UnitOfWork, principal: Principal,
                out_dir: Path | str | None = None, formats: Iterable[str] = FORMATS) -> list[Rendered]:
    """The files of the notices that one step (case, event number) issued, written to out_dir
    (default: notices_dir of the unit of work's Settings); each rendering as render() above."""
    formats = _check_formats(formats)
    with uow:
        ids = [r.id for r in for_event(uow.session, case_no, seq)]
    folder = out_dir if out_dir is not None else notices_dir(uow.settings)
    return [render(RenderRequest(str(i), folder, formats), uow, principal) for i in ids]
