"""derived alerts: alert_raises and alert_marks replace stored alert rows; cases.alert_since

Revision ID: 0007
Revises: 0006

Alerts are read from the cases on the day (services/board.py); a sweep stores only which alerts
it raised (alert_raises) and where it left each agency (alert_marks). The first sweep after this
upgrade has no marks, so it raises every alert that holds once more (one complete digest).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OPEN = sa.text("cleared_at IS NULL")
ESCALATING = sa.text("cleared_at IS NULL AND level IN ('today', 'soon')")
DATE_INDEXES = (('ix_cases_consultation_due', 'consultation_due'),
                ('ix_cases_correction_window_end', 'correction_window_end'),
                ('ix_cases_fee_payment_due', 'fee_payment_due'))


def upgrade() -> None:
    op.drop_index('ix_alerts_sweep', table_name='alerts')
    op.drop_index('ix_alerts_escalating_due', table_name='alerts')
    op.drop_index('uq_alerts_open_agency_case_kind_level', table_name='alerts')
    op.drop_table('alerts')
    with op.batch_alter_table('alert_sweeps') as batch:
        batch.drop_column('event_xmin')
        batch.drop_column('cleared')
    op.create_table(
        'alert_raises',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sweep_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('case_ids', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id']),
        sa.ForeignKeyConstraint(['sweep_id'], ['alert_sweeps.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_alert_raises_sweep', 'alert_raises', ['sweep_id', 'agency_id'])
    op.create_table(
        'alert_marks',
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('sweep_id', sa.Integer(), nullable=False),
        sa.Column('today', sa.Date(), nullable=False),
        sa.Column('soon_days', sa.Integer(), nullable=False),
        sa.Column('soon_until', sa.Date(), nullable=False),
        sa.Column('event_mark', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id']),
        sa.ForeignKeyConstraint(['sweep_id'], ['alert_sweeps.id']),
        sa.PrimaryKeyConstraint('agency_id'),
    )
    op.add_column('cases', sa.Column('alert_since', sa.JSON(), nullable=True))
    op.add_column('cases', sa.Column('alert_event', sa.Integer(), nullable=False, server_default='0'))
    op.create_index('ix_cases_alert_event', 'cases', ['alert_event'])
    # the sweep's ranges read from the index alone: state, agency_id and id ride along
    op.drop_index('ix_cases_open_reply_due', table_name='cases')
    op.create_index('ix_cases_open_reply_due', 'cases', ['state', 'reply_due', 'agency_id'],
                    postgresql_include=['id'])
    op.drop_index('ix_cases_state_correction_notice_due', table_name='cases')
    op.create_index('ix_cases_state_correction_notice_due', 'cases',
                    ['state', 'correction_notice_due', 'agency_id'], postgresql_include=['id'])
    for name, column in DATE_INDEXES:
        where = sa.text(f"{column} IS NOT NULL")
        op.drop_index(name, table_name='cases')
        op.create_index(name, 'cases', [column, 'state', 'agency_id'], postgresql_include=['id'],
                        postgresql_where=where, sqlite_where=where)
    op.drop_index('ix_cases_provisional', table_name='cases')
    op.create_index('ix_cases_provisional', 'cases', ['state', 'agency_id'],
                    postgresql_include=['id'], postgresql_where=sa.text("provisional"),
                    sqlite_where=sa.text("provisional = 1"))


def downgrade() -> None:
    op.drop_index('ix_cases_provisional', table_name='cases')
    op.create_index('ix_cases_provisional', 'cases', ['state'],
                    postgresql_where=sa.text("provisional"), sqlite_where=sa.text("provisional"))
    for name, column in DATE_INDEXES:
        where = sa.text(f"{column} IS NOT NULL")
        op.drop_index(name, table_name='cases')
        op.create_index(name, 'cases', [column], postgresql_where=where, sqlite_where=where)
    op.drop_index('ix_cases_state_correction_notice_due', table_name='cases')
    op.create_index('ix_cases_state_correction_notice_due', 'cases', ['state', 'correction_notice_due'])
    op.drop_index('ix_cases_open_reply_due', table_name='cases')
    op.create_index('ix_cases_open_reply_due', 'cases', ['state', 'reply_due'])
    op.drop_index('ix_cases_alert_event', table_name='cases')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('alert_event')
        batch.drop_column('alert_since')
    op.drop_table('alert_marks')
    op.drop_index('ix_alert_raises_sweep', table_name='alert_raises')
    op.drop_table('alert_raises')
    with op.batch_alter_table('alert_sweeps') as batch:
        batch.add_column(sa.Column('cleared', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('event_xmin', sa.String(length=20), nullable=True))
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
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('uq_alerts_open_agency_case_kind_level', 'alerts',
                    ['agency_id', 'case_id', 'kind', 'level'],
                    unique=True, postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index('ix_alerts_escalating_due', 'alerts', ['due'],
                    postgresql_where=ESCALATING, sqlite_where=ESCALATING)
    op.create_index('ix_alerts_sweep', 'alerts', ['sweep_id'], postgresql_using='brin')
