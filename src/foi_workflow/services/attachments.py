"""Attachments: a file attached to a case (the information provided with a reply), kept in the
file store by its SHA-256 and numbered per case (附件序号), then listed in the notice that names it.

    attach(Attach(case_no, name, data, description), uow, principal)   # Action.CASE_STEP

Refused before anything is written, naming the field and the rule: a file over the configured
size (Settings.attachment_max_bytes), of a type not allowed (Settings.attachment_types, by its
extension and its content), an empty one, or a bad name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import localtime
from ..domain.errors import InputError
from ..domain.identity import Principal
from ..domain.policy import Action, authorize
from ..storage.attachment_tables import AttachmentRow
from ..storage.files import FileStore, files_dir
from ..storage.uow import UnitOfWork
from . import cases

MAX_NAME = 200
MAX_DESCRIPTION = 2000
MEDIA_TYPES = {
    "pdf": "application/pdf", "ofd": "application/ofd",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "txt": "text/plain",
    "zip": "application/zip", "doc": "application/msword", "xls": "application/vnd.ms-excel",
}
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAGIC = {"pdf": (b"%PDF-",), "png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",),
         "jpeg": (b"\xff\xd8\xff",), "docx": (_ZIP,), "xlsx": (_ZIP,), "ofd": (_ZIP,), "zip": (_ZIP,),
         "doc": (_OLE,), "xls": (_OLE,)}


@dataclass(frozen=True)
class Attach:
    case_no: str
    name: str          # the file's name, with its extension (附件说明 shows it)
    data: bytes
    description: str = ""


def _size_text(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n} 字节"


def check_file(name: str, data: bytes, *, max_bytes: int, types: tuple[str, ...]) -> str:
    """The file's type (its extension, lower case), or InputError naming the field and rule."""
    allowed = "、".join(types)
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or not name.isprintable() \
            or any(c in name for c in '/\\:*?"<>|'):
        raise InputError("name", f"附件文件名为1–{MAX_NAME}个可打印字符，不含路径和 /\\:*?\"<>|", "文件名无效")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    type_rule = f"附件类型限于：{allowed}（FOI_ATTACHMENT_TYPES）"
    if ext not in types:
        raise InputError("file", type_rule, f"“{name[:60]}”的类型“{ext or '无扩展名'}”不允许")
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise InputError("file", "附件不得为空文件", f"“{name[:60]}”为空")
    if len(data) > max_bytes:
        raise InputError("file", f"附件不超过 {_size_text(max_bytes)}（FOI_ATTACHMENT_MAX_BYTES）",
                         f"“{name[:60]}”为 {_size_text(len(data))}")
    magic = MAGIC.get(ext)
    if magic and not any(bytes(data).startswith(m) for m in magic):
        raise InputError("file", type_rule + "；文件内容须与其类型相符", f"“{name[:60]}”的内容不是 {ext} 文件")
    if ext == "txt":
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("file", type_rule + "；文本文件须为 UTF-8 编码", f"“{name[:60]}”不是 UTF-8 文本") from None
        if "\x00" in text:
            raise InputError("file", type_rule + "；文本文件不含空字符", f"“{name[:60]}”含空字符")
    return ext


def attach(cmd: Attach, uow: UnitOfWork, principal: Principal) -> dict[str, Any]:
    """Attach a file to a case: checked, stored by its hash, numbered next in the case."""
    s = uow.settings
    ext = check_file(cmd.name, cmd.data, max_bytes=s.attachment_max_bytes, types=tuple(s.attachment_types))
    if not isinstance(cmd.description, str) or len(cmd.description) > MAX_DESCRIPTION or "\x00" in cmd.description:
        raise InputError("description", f"附件说明不超过 {MAX_DESCRIPTION} 字，不含空字符", "说明过长或含空字符")
    with uow:
        session = uow.session
        row, _events, _case = cases.load(session, cmd.case_no)
        authorize(principal, Action.CASE_STEP, uow.directory.agency_path(row.agency_id), row.case_no)
        sha = FileStore(files_dir(s)).put(bytes(cmd.data))
        no = (session.scalar(select(func.max(AttachmentRow.no)).where(AttachmentRow.case_id == row.id)) or 0) + 1
        att = AttachmentRow(case_id=row.id, no=no, name=cmd.name.strip(), media_type=MEDIA_TYPES.get(ext, ""),
                            size=len(cmd.data), sha256=sha, description=cmd.description.strip(),
                            attached_by=principal.code, operator=principal.operator[:80],
                            attached_at=localtime.now())
        session.add(att)
        session.flush()
        return _as_dict(att)


def _as_dict(a: AttachmentRow) -> dict[str, Any]:
    return {"no": a.no, "name": a.name, "media_type": a.media_type, "size": a.size, "sha256": a.sha256,
            "description": a.description, "attached_by": a.attached_by,
            "attached_at": localtime.as_local(a.attached_at).isoformat(timespec="seconds")
            if a.attached_at else None}


def for_case(session: Session, case_id: int) -> list[dict[str, Any]]:
    """A case's attachments in their order (the case page, the notices)."""
    rows = session.scalars(select(AttachmentRow).where(AttachmentRow.case_id == case_id)
                           .order_by(AttachmentRow.no)).all()
    return [_as_dict(a) for a in rows]


def read(case_no: str, no: int, uow: UnitOfWork, principal: Principal) -> tuple[dict[str, Any], bytes]:
    """One attachment of a case and its bytes, for a person who may read the case (Action.CASE_READ;
    logged). A case of another agency answers like an unknown one (and the attempt is logged)."""
    from ..domain.policy import NotFound, allowed
    from . import access

    refused: dict[str, Any] | None = None
    with uow:
        session = uow.session
        try:
            row, _events, _case = cases.load(session, case_no)
        except NotFound:
            row = None
            refused = {"target": str(case_no)[:80], "agency_id": principal.agency_id or None, "outcome": "missing"}
        if row is not None and not allowed(principal, Action.CASE_READ, uow.directory.agency_path(row.agency_id)):
            refused = {"target": row.case_no, "agency_id": row.agency_id, "case_id": row.id, "outcome": "refused"}
        if refused is None and row is not None:
            att = session.scalar(select(AttachmentRow).where(AttachmentRow.case_id == row.id, AttachmentRow.no == no))
            if att is None:
                raise NotFound("no", "须为本案已登记的附件序号", f"本案没有附件 {no}")
            data = FileStore(files_dir(uow.settings)).get(att.sha256)
            access.record(uow, principal, "attachment.read", agency_id=row.agency_id, case_id=row.id,
                          applicant_id=row.applicant_id, target=f"{row.case_no}#{no}")
            return _as_dict(att), data
    access.record_refused(uow, principal, "attachment.read", **refused)
    raise NotFound("case_no", "须为已登记、且本人有权查阅的案件编号", f"未知的案件“{str(case_no)[:60]}”")
