"""intake of the Art 29 application: one applicant record shared by many cases, each case's
own contact details, the items sought

Revision ID: 0011
Revises: 0010

applicants gain match_key (the identity document or credit code, normalised; unique) and the
Art 29 contact fields. Existing applicants (one row per case until now) whose keys match become
one record: the lowest id is kept, with the details of the latest case; the cases (and the
access log's applicant_id) point at it. Each case keeps the details it was registered with in
case_contacts, and its subject becomes its one item in case_items and in its register event's
data ("items": [{"n": 1, "description": subject}]), as intake now records them.

Downgrade gives every case an applicant row of its own again (from case_contacts).
"""
from __future__ import annotations

import json
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 1000
CONTACT_FIELDS = ("legal_representative", "contact_person", "phone", "address", "postcode", "email")
_SEPARATORS = re.compile(r"[\s\-－—_·.]+")


def _key(id_type: str | None, id_number: str | None) -> str | None:
    """domain/applicants.match_key as of this revision (frozen here: a migration never changes)."""
    number = _SEPARATORS.sub("", unicodedata.normalize("NFKC", id_number or "")).upper()
    return f"{id_type or 'other'}:{number}" if number else None


def _contact_columns() -> list[sa.Column]:
    return [sa.Column("legal_representative", sa.String(100), nullable=False, server_default=""),
            sa.Column("contact_person", sa.String(100), nullable=False, server_default=""),
            sa.Column("phone", sa.String(40), nullable=False, server_default=""),
            sa.Column("address", sa.String(200), nullable=False, server_default=""),
            sa.Column("postcode", sa.String(6), nullable=False, server_default=""),
            sa.Column("email", sa.String(254), nullable=False, server_default="")]


applicants = sa.table("applicants", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                      sa.column("name", sa.String), sa.column("id_type", sa.String),
                      sa.column("id_number", sa.String), sa.column("contact", sa.String),
                      sa.column("match_key", sa.String),
                      *(sa.column(c, sa.String) for c in CONTACT_FIELDS))
cases = sa.table("cases", sa.column("id", sa.Integer), sa.column("applicant_id", sa.Integer),
                 sa.column("subject", sa.Text))
events = sa.table("case_events", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                  sa.column("kind", sa.String), sa.column("data", sa.JSON))
access_log = sa.table("access_log", sa.column("applicant_id", sa.Integer))


def upgrade() -> None:
    with op.batch_alter_table("applicants") as batch:
        batch.add_column(sa.Column("match_key", sa.String(128), nullable=True))
        for column in _contact_columns():
            batch.add_column(column)
    op.create_table(
        "case_contacts",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("contact", sa.String(200), nullable=False, server_default=""),
        *_contact_columns(),
    )
    op.create_table(
        "case_items",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("document_no", sa.String(100), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("case_id", "n"),
    )
    conn = op.get_bind()
    # each case's details as registered, and its subject as its one item
    op.execute("INSERT INTO case_contacts (case_id, name, contact) "
               "SELECT c.id, a.name, COALESCE(a.contact, '') FROM cases c JOIN applicants a ON a.id = c.applicant_id")
    op.execute("INSERT INTO case_items (case_id, n, description, document_no) "
               "SELECT id, 1, subject, '' FROM cases")
    # one record per key: the lowest id kept, with the latest row's details
    groups: dict[str, list[tuple]] = {}
    for row in conn.execute(sa.select(applicants.c.id, applicants.c.kind, applicants.c.name,
                                      applicants.c.id_type, applicants.c.id_number,
                                      applicants.c.contact).order_by(applicants.c.id)):
        key = _key(row.id_type, row.id_number)
        if key is not None:
            groups.setdefault(key, []).append(row)
    for key, rows in groups.items():
        keep, latest = rows[0], rows[-1]
        others = [r.id for r in rows[1:]]
        for start in range(0, len(others), BATCH):
            chunk = others[start:start + BATCH]
            conn.execute(cases.update().where(cases.c.applicant_id.in_(chunk)).values(applicant_id=keep.id))
            conn.execute(access_log.update().where(access_log.c.applicant_id.in_(chunk))
                         .values(applicant_id=keep.id))
            conn.execute(applicants.delete().where(applicants.c.id.in_(chunk)))
        conn.execute(applicants.update().where(applicants.c.id == keep.id).values(
            match_key=key, kind=latest.kind, name=latest.name, contact=latest.contact))
    with op.batch_alter_table("applicants") as batch:
        batch.create_unique_constraint("uq_applicants_match_key", ["match_key"])
    # the register events record the items, as intake now does
    subjects = dict(conn.execute(sa.select(cases.c.id, cases.c.subject)).all())
    last = 0
    while True:
        rows = conn.execute(sa.select(events.c.id, events.c.case_id, events.c.data)
                            .where(events.c.kind == "register", events.c.id > last)
                            .order_by(events.c.id).limit(BATCH)).all()
        if not rows:
            break
        for ev_id, case_id, data in rows:
            data = json.loads(data) if isinstance(data, str) else dict(data or {})
            if "items" not in data and subjects.get(case_id):
                data["items"] = [{"n": 1, "description": subjects[case_id]}]
                conn.execute(events.update().where(events.c.id == ev_id).values(data=data))
        last = rows[-1][0]


def downgrade() -> None:
    conn = op.get_bind()
    # every case but the first of each applicant gets a row of its own again
    seen: set[int] = set()
    rows = conn.execute(sa.text(
        "SELECT c.id, c.applicant_id, a.kind, a.id_type, a.id_number, cc.name, cc.contact "
        "FROM cases c JOIN applicants a ON a.id = c.applicant_id "
        "LEFT JOIN case_contacts cc ON cc.case_id = c.id ORDER BY c.id")).all()
    for case_id, applicant_id, kind, id_type, id_number, name, contact in rows:
        if applicant_id not in seen:
            seen.add(applicant_id)
            if name is not None:
                conn.execute(applicants.update().where(applicants.c.id == applicant_id)
                             .values(name=name, contact=contact or ""))
            continue
        new_id = conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) + 1 FROM applicants")).scalar()
        conn.execute(sa.text("INSERT INTO applicants (id, kind, name, id_type, id_number, contact) "
                             "VALUES (:id, :kind, :name, :id_type, :id_number, :contact)"),
                     {"id": new_id, "kind": kind, "name": name or "", "id_type": id_type or "",
                      "id_number": id_number or "", "contact": contact or ""})
        conn.execute(cases.update().where(cases.c.id == case_id).values(applicant_id=new_id))
    if conn.dialect.name == "postgresql":  # the ids given above: the sequence goes on after them
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('applicants', 'id'), "
                             "GREATEST((SELECT MAX(id) FROM applicants), 1))"))
    op.drop_table("case_items")
    op.drop_table("case_contacts")
    with op.batch_alter_table("applicants") as batch:
        batch.drop_constraint("uq_applicants_match_key", type_="unique")
        batch.drop_column("match_key")
        for name in CONTACT_FIELDS:
            batch.drop_column(name)
