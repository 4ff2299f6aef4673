"""history_chain: case events and notices chained by hash; case events append-only on PostgreSQL (issue 17)

Adds case_events.chain, cases.chain_head and notices.chain, computes them for the history
already stored (storage/chain.py), and on PostgreSQL forbids UPDATE and DELETE of case events
with a trigger: only a superuser can get past it (session_replication_role = replica), never
the application's role.

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

from foi_workflow.storage.chain import event_link, notice_link

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BATCH = 2000

_GUARD = """
CREATE OR REPLACE FUNCTION foi_case_events_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'case_events is append-only: a recorded step is never changed or removed'
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
  FOR EACH ROW EXECUTE FUNCTION foi_case_events_append_only();
"""


def _backfill_events(conn) -> None:
    events = sa.table("case_events", sa.column("id"), sa.column("case_id"), sa.column("seq"), sa.column("kind"),
                      sa.column("on", sa.Date), sa.column("actor"), sa.column("data", sa.JSON),
                      sa.column("basis"), sa.column("recorded_at", sa.DateTime(timezone=True)),
                      sa.column("operator"), sa.column("backdated"), sa.column("request_id"), sa.column("chain"))
    cases = sa.table("cases", sa.column("id"), sa.column("case_no"), sa.column("chain_head"))
    last_id = 0
    while True:
        batch = conn.execute(sa.select(cases.c.id, cases.c.case_no).where(cases.c.id > last_id)
                             .order_by(cases.c.id).limit(BATCH)).all()
        if not batch:
            return
        ids = [i for i, _ in batch]
        numbers = dict(batch)
        rows = conn.execute(sa.select(events).where(events.c.case_id.in_(ids))
                            .order_by(events.c.case_id, events.c.seq)).mappings().all()
        heads: dict[int, str] = {}
        updates = []
        for r in rows:
            link = event_link(heads.get(r["case_id"], ""), numbers[r["case_id"]], r)
            heads[r["case_id"]] = link
            updates.append({"b_id": r["id"], "b_chain": link})
        if updates:
            conn.execute(events.update().where(events.c.id == sa.bindparam("b_id"))
                         .values(chain=sa.bindparam("b_chain")), updates)
            conn.execute(cases.update().where(cases.c.id == sa.bindparam("b_id"))
                         .values(chain_head=sa.bindparam("b_head")),
                         [{"b_id": k, "b_head": v} for k, v in heads.items()])
        last_id = ids[-1]


def _backfill_notices(conn) -> None:
    notices = sa.table("notices", sa.column("id"), sa.column("agency_id"), sa.column("year"), sa.column("number"),
                       sa.column("doc_no"), sa.column("case_id"), sa.column("event_seq"), sa.column("kind"),
                       sa.column("template"), sa.column("template_version"), sa.column("context", sa.JSON),
                       sa.column("html_sha256"), sa.column("issued_on", sa.Date), sa.column("chain"))
    agencies = dict(conn.execute(sa.text("SELECT id, code FROM agencies")).all())
    numbers = dict(conn.execute(sa.text("SELECT id, case_no FROM cases")).all())
    prev: dict[tuple[int, int], tuple[int, str]] = {}
    updates = []
    for r in conn.execute(sa.select(notices).order_by(notices.c.agency_id, notices.c.year,
                                                      notices.c.number)).mappings():
        key = (r["agency_id"], r["year"])
        before = prev.get(key)
        link = notice_link(before[1] if before and before[0] == r["number"] - 1 else "",
                           numbers[r["case_id"]], agencies[r["agency_id"]], r)
        prev[key] = (r["number"], link)
        updates.append({"b_id": r["id"], "b_chain": link})
        if len(updates) >= BATCH:
            conn.execute(notices.update().where(notices.c.id == sa.bindparam("b_id"))
                         .values(chain=sa.bindparam("b_chain")), updates)
            updates = []
    if updates:
        conn.execute(notices.update().where(notices.c.id == sa.bindparam("b_id"))
                     .values(chain=sa.bindparam("b_chain")), updates)


def upgrade() -> None:
    with op.batch_alter_table("case_events") as b:
        b.add_column(sa.Column("chain", sa.String(length=64), nullable=True))
    with op.batch_alter_table("cases") as b:
        b.add_column(sa.Column("chain_head", sa.String(length=64), nullable=True))
    with op.batch_alter_table("notices") as b:
        b.add_column(sa.Column("chain", sa.String(length=64), nullable=True))
    conn = op.get_bind()
    _backfill_events(conn)
    _backfill_notices(conn)
    if conn.dialect.name == "postgresql":
        op.execute(_GUARD)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_events_append_only ON case_events")
        op.execute("DROP FUNCTION IF EXISTS foi_case_events_append_only()")
    with op.batch_alter_table("notices") as b:
        b.drop_column("chain")
    with op.batch_alter_table("cases") as b:
        b.drop_column("chain_head")
    with op.batch_alter_table("case_events") as b:
        b.drop_column("chain")
