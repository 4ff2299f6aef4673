"""stat_versions: every value written to a narrative section or a disclosure figure (issue 17)

The values stored today become each entry's first version.

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stat_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=False),
        sa.Column("operator", sa.String(length=80), nullable=False, server_default=""),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_stat_versions_entry", "stat_versions", ["agency_id", "year", "kind", "key"])
    op.execute("INSERT INTO stat_versions (agency_id, year, kind, key, value, recorded_by, operator, recorded_at) "
               "SELECT agency_id, year, 'narrative', section, text, recorded_by, operator, recorded_at "
               "FROM stat_narratives")
    op.execute("INSERT INTO stat_versions (agency_id, year, kind, key, value, recorded_by, operator, recorded_at) "
               "SELECT agency_id, year, 'disclosure', key, value, recorded_by, operator, recorded_at "
               "FROM stat_disclosure_cells")


def downgrade() -> None:
    op.drop_index("ix_stat_versions_entry", table_name="stat_versions")
    op.drop_table("stat_versions")
