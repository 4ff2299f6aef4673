"""stat_unlocks: a locked year opened again, with who, when, why and the published figures (issue 13)

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stat_unlocks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("locked_by", sa.String(length=40), nullable=False),
        sa.Column("locked_operator", sa.String(length=80), nullable=False, server_default=""),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unlocked_by", sa.String(length=40), nullable=False),
        sa.Column("operator", sa.String(length=80), nullable=False, server_default=""),
        sa.Column("unlocked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_stat_unlocks_agency_year", "stat_unlocks", ["agency_id", "year"])


def downgrade() -> None:
    op.drop_index("ix_stat_unlocks_agency_year", table_name="stat_unlocks")
    op.drop_table("stat_unlocks")
