"""delivery: cases.delivery_unrecorded, the window end that waits for a notice's recorded receipt

Revision ID: 0012
Revises: 0011

ogi-rules.md "Delivery": a case is closed as abandoned only on the notice's recorded receipt.
While the receipt of the correction or fee notice is not recorded, the window's end counted on
the sending date is stored in delivery_unrecorded (the sweep alerts on it: record the delivery)
instead of correction_window_end / fee_payment_due (which the automatic close acts on). Rows
written before this revision are moved over by the next step or calendar recompute of the case;
until then the domain refuses their automatic close (no recorded receipt) and the sweep reports it.
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

WHERE = sa.text("delivery_unrecorded IS NOT NULL")


def upgrade() -> None:
    op.add_column("cases", sa.Column("delivery_unrecorded", sa.Date(), nullable=True))
    op.create_index("ix_cases_delivery_unrecorded", "cases", ["delivery_unrecorded", "state", "agency_id"],
                    postgresql_include=["id"], postgresql_where=WHERE, sqlite_where=WHERE)


def downgrade() -> None:
    op.drop_index("ix_cases_delivery_unrecorded", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("delivery_unrecorded")
