"""portal: query codes (hashed), one-time codes, submission fingerprints, rate-limit hits (issue 14)

Revision ID: 0014
Revises: 0013

The applicant portal (services/portal.py, docs/portal.md). Nothing personal is stored in clear:
codes, client addresses and identity keys only as SHA-256 digests.
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_portal_codes_case_id", "portal_codes", ["case_id"])
    op.create_table(
        "portal_one_time",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "portal_submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("agency_id", "fingerprint", name="uq_portal_submissions_fingerprint"),
    )
    op.create_index("ix_portal_submissions_case_id", "portal_submissions", ["case_id"])
    op.create_table(
        "portal_hits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("bucket", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_portal_hits_bucket_at", "portal_hits", ["bucket", "at"])


def downgrade() -> None:
    op.drop_index("ix_portal_hits_bucket_at", table_name="portal_hits")
    op.drop_table("portal_hits")
    op.drop_index("ix_portal_submissions_case_id", table_name="portal_submissions")
    op.drop_table("portal_submissions")
    op.drop_table("portal_one_time")
    op.drop_index("ix_portal_codes_case_id", table_name="portal_codes")
    op.drop_table("portal_codes")
