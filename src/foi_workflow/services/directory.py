"""Agencies in their hierarchy, and staff with roles: creating and looking them up."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.case import ROLE_LABELS, Role
from ..domain.errors import InputError
from ..domain.settings import AgencySettings
from ..storage.models import AgencyRow, StaffRow

AGENCY_KINDS = {"government": "人民政府", "department": "政府部门", "town": "镇", "subdistrict": "街道办事处"}
MAX_NAME = 200


@dataclass(frozen=True)
class Actor:
    code: str
    name: str
    role: Role
    agency_id: int


def add_agency(session: Session, code: str, name: str, kind: str, parent: str | None = None,
               settings: AgencySettings | None = None) -> AgencyRow:
    if kind not in AGENCY_KINDS:
        raise InputError("kind", "机关类别：" + "、".join(f"{k}（{v}）" for k, v in AGENCY_KINDS.items()),
                         f"未知的类别“{kind}”")
    if not code or len(code) > 40 or not code.replace("-", "").replace("_", "").isalnum():
        raise InputError("code", "机关代码为1–40位字母、数字、-、_", f"无效的代码“{code}”")
    if not name.strip() or len(name) > MAX_NAME:
        raise InputError("name", f"机关名称为1–{MAX_NAME}字", "名称为空或过长")
    if session.scalar(select(AgencyRow.id).where(AgencyRow.code == code)) is not None:
        raise InputError("code", "机关代码不得重复", f"代码“{code}”已存在")
    parent_id = agency(session, parent).id if parent else None
    row = AgencyRow(code=code, name=name, kind=kind, parent_id=parent_id,
                    settings=asdict(settings or AgencySettings()))
    session.add(row)
    session.flush()
    return row


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


def add_staff(session: Session, code: str, name: str, role: str, agency_code: str) -> StaffRow:
    if role not in {r.value for r in Role}:
        raise InputError("role", "角色：" + "、".join(f"{r.value}（{ROLE_LABELS[r]}）" for r in Role),
                         f"未知的角色“{role}”")
    if not code or len(code) > 40:
        raise InputError("code", "工作人员代码为1–40位", f"无效的代码“{code}”")
    if not name.strip() or len(name) > 100:
        raise InputError("name", "姓名为1–100字", "姓名为空或过长")
    if session.scalar(select(StaffRow.id).where(StaffRow.code == code)) is not None:
        raise InputError("code", "工作人员代码不得重复", f"代码“{code}”已存在")
    row = StaffRow(code=code, name=name, role=role, agency_id=agency(session, agency_code).id, active=True)
    session.add(row)
    session.flush()
    return row


def actor(session: Session, code: str) -> Actor:
    row = session.scalar(select(StaffRow).where(StaffRow.code == code))
    if row is None or not row.active:
        raise InputError("actor", "须为已登记且在职的工作人员", f"未知的工作人员“{code}”")
    return Actor(row.code, row.name, Role(row.role), row.agency_id)
