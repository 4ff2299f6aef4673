"""calendar years loaded by an administrator

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_years",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False, index=True),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("days_off", sa.JSON, nullable=False),
        sa.Column("make_up_workdays", sa.JSON, nullable=False),
        sa.Column("replaces_official", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("loaded_by", sa.String(100), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("calendar_version", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("calendar_years")
