"""calendar years record the operator beside the admin who loaded them

Revision ID: 0010
Revises: 0009

`loaded_by` is the admin's account code (the Principal), `operator` how the load reached the
system (the server's OS user, a token's owner: services/auth.py).
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_years") as batch:
        batch.add_column(sa.Column("operator", sa.String(length=80), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("calendar_years") as batch:
        batch.drop_column("operator")
