"""statistics registers, narratives and locked annual figures

Revision ID: 0005
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def _who() -> list[sa.Column]:
    return [sa.Column('recorded_by', sa.String(length=40), nullable=False),
            sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table('stat_disclosure_cells',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    *_who(),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agency_id', 'year', 'key', name='uq_stat_disclosure_cell')
    )
    op.create_table('stat_consultations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    *_who(),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_stat_consultations_agency_on', 'stat_consultations', ['agency_id', 'on'], unique=False)
    op.create_table('stat_fees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    *_who(),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_stat_fees_agency_on', 'stat_fees', ['agency_id', 'on'], unique=False)
    op.create_table('stat_narratives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    *_who(),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agency_id', 'year', 'section', name='uq_stat_narrative')
    )
    op.create_table('stat_locked_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('max_case_id', sa.Integer(), nullable=False),
    sa.Column('locked_by', sa.String(length=40), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agency_id', 'year', name='uq_stat_locked_report')
    )
    op.create_table('stat_locked_carry',
    sa.Column('lock_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('applicant_kind', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['lock_id'], ['stat_locked_reports.id'], ),
    sa.PrimaryKeyConstraint('lock_id', 'case_id')
    )
    op.create_index(op.f('ix_stat_locked_carry_case_id'), 'stat_locked_carry', ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_stat_locked_carry_case_id'), table_name='stat_locked_carry')
    op.drop_table('stat_locked_carry')
    op.drop_table('stat_locked_reports')
    op.drop_table('stat_narratives')
    op.drop_index('ix_stat_fees_agency_on', table_name='stat_fees')
    op.drop_table('stat_fees')
    op.drop_index('ix_stat_consultations_agency_on', table_name='stat_consultations')
    op.drop_table('stat_consultations')
    op.drop_table('stat_disclosure_cells')
