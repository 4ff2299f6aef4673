"""notice register: notices, notice_templates

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notice_templates',
        sa.Column('version', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('sources', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('version'),
    )
    op.create_table(
        'notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('doc_no', sa.String(length=260), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('event_seq', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('template', sa.String(length=100), nullable=False),
        sa.Column('template_version', sa.String(length=64), nullable=False),
        sa.Column('context', sa.JSON(), nullable=False),
        sa.Column('html_sha256', sa.String(length=64), nullable=False),
        sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
        sa.Column('docx_sha256', sa.String(length=64), nullable=True),
        sa.Column('renderer', sa.Text(), nullable=True),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('issued_by', sa.String(length=40), nullable=False),
        sa.Column('supersedes_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id']),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['supersedes_id'], ['notices.id']),
        sa.ForeignKeyConstraint(['template_version'], ['notice_templates.version']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('agency_id', 'year', 'number', name='uq_notices_agency_year_number'),
    )
    op.create_index('ix_notices_case_event', 'notices', ['case_id', 'event_seq'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_notices_case_event', table_name='notices')
    op.drop_table('notices')
    op.drop_table('notice_templates')
