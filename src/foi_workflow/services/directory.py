"""Agencies in their hierarchy: creating and looking them up (accounts: services/accounts.py)."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.errors import InputError
from ..domain.settings import AgencySettings
from ..storage.models import AgencyRow

AGENCY_KINDS = {"government": "人民政府", "department": "政府部门", "town": "镇", "subdistrict": "街道办事处"}
MAX_NAME = 200


def add_agency(session: Session, code: str, name: str, kind: str, parent: str | None = None,
               settings: AgencySettings | None = None) -> AgencyRow:
    check_agency(code, name, kind)
    if session.scalar(select(AgencyRow.id).where(AgencyRow.code == code)) is not None:
        raise InputError("code", "机关代码不得重复", f"代码“{code}”已存在")
    parent_id = agency(session, parent).id if parent else None
    row = AgencyRow(code=code, name=name, kind=kind, parent_id=parent_id,
                    settings=asdict(settings or AgencySettings()))
    session.add(row)
    session.flush()
    return row


def check_agency(code: str, name: str, kind: str) -> None:
    """An agency's kind, code and name as given (pure: services/accounts.add_agency uses it too)."""
    if kind not in AGENCY_KINDS:
        raise InputError("kind", "机关类别：" + "、".join(f"{k}（{v}）" for k, v in AGENCY_KINDS.items()),
                         f"未知的类别“{kind}”")
    if not code or len(code) > 40 or not code.replace("-", "").replace("_", "").isalnum():
        shown = code if isinstance(code, str) and code.isprintable() else repr(code)
        raise InputError("code", "机关代码为1–40位字母、数字、-、_", f"无效的代码“{shown[:60]}”")
    if not name.strip() or len(name) > MAX_NAME:
        raise InputError("name", f"机关名称为1–{MAX_NAME}字", "名称为空或过长")


def agency(session: Session, code: str) -> AgencyRow:
    row = session.scalar(select(AgencyRow).where(AgencyRow.code == code))
    if row is None:
        raise InputError("agency", "须为已登记的机关代码", f"未知的机关“{code}”")
    return row


def agency_settings(row: AgencyRow) -> AgencySettings:
    return AgencySettings(**(row.settings or {}))


def subtree_ids(session: Session, root: AgencyRow) -> list[int]:
    """The agency and every body under it, at any depth."""
    rows = session.execute(select(AgencyRow.id, AgencyRow.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for id_, parent in rows:
        children.setdefault(parent, []).append(id_)
    out, todo = [], [root.id]
    while todo:
        id_ = todo.pop()
        out.append(id_)
        todo.extend(children.get(id_, []))
    return out
