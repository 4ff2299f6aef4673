"""deadline alerts: alerts, alert_sweeps, alert_recipients; sweep indexes on cases

Revision ID: 0004
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None

OPEN = sa.text("cleared_at IS NULL")
ESCALATING = sa.text("cleared_at IS NULL AND level IN ('today', 'soon')")


def upgrade() -> None:
    op.create_table(
        'alert_sweeps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('today', sa.Date(), nullable=False),
        sa.Column('mode', sa.String(length=20), nullable=False),
        sa.Column('scope', sa.JSON(), nullable=True),
        sa.Column('calendar_version', sa.String(length=40), nullable=False),
        sa.Column('thresholds', sa.JSON(), nullable=False),
        sa.Column('event_mark', sa.Integer(), nullable=False),
        sa.Column('event_xmin', sa.String(length=20), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('raised', sa.Integer(), nullable=False),
        sa.Column('cleared', sa.Integer(), nullable=False),
        sa.Column('auto_closed', sa.Integer(), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('due', sa.Date(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('sweep_id', sa.Integer(), nullable=False),
        sa.Column('raised_on', sa.Date(), nullable=False),
        sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('cleared_on', sa.Date(), nullable=True),
        sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('cleared_reason', sa.String(length=20), nullable=True),
        # no FOREIGN KEYs: derived rows written set-wise by the sweep (storage/alert_tables.py)
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('uq_alerts_open_agency_case_kind_level', 'alerts',
                    ['agency_id', 'case_id', 'kind', 'level'],
                    unique=True, postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index('ix_alerts_escalating_due', 'alerts', ['due'],
                    postgresql_where=ESCALATING, sqlite_where=ESCALATING)
    op.create_index('ix_alerts_sweep', 'alerts', ['sweep_id'], postgresql_using='brin')
    op.create_table(
        'alert_recipients',
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('staff_id'),
    )
    op.create_index('ix_cases_state_correction_notice_due', 'cases', ['state', 'correction_notice_due'])
    for name, column in (('ix_cases_consultation_due', 'consultation_due'),
                         ('ix_cases_correction_window_end', 'correction_window_end'),
                         ('ix_cases_fee_payment_due', 'fee_payment_due')):
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, 'cases', [column], postgresql_where=where, sqlite_where=where)
    op.create_index('ix_cases_provisional', 'cases', ['state'],
                    postgresql_where=sa.text("provisional"), sqlite_where=sa.text("provisional"))


def downgrade() -> None:
    for name in ('ix_cases_provisional', 'ix_cases_fee_payment_due', 'ix_cases_correction_window_end',
                 'ix_cases_consultation_due', 'ix_cases_state_correction_notice_due'):
        op.drop_index(name, table_name='cases')
    op.drop_table('alert_recipients')
    op.drop_index('ix_alerts_sweep', table_name='alerts')
    op.drop_index('ix_alerts_escalating_due', table_name='alerts')
    op.drop_index('uq_alerts_open_agency_case_kind_level', table_name='alerts')
    op.drop_table('alerts')
    op.drop_table('alert_sweeps')
