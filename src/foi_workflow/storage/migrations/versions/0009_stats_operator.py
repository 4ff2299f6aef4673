"""statistics registers and locks record the operator beside the staff member

Revision ID: 0009
Revises: 0008

The registers (disclosure cells, consultations, fees, narratives) and the locked reports get an
`operator` column: who made the request reach the system (os:<user>, token:<code>,
prefect:<run>), beside `recorded_by` / `locked_by` (the staff member acted for). Rows written
before this revision have an empty operator.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TABLES = ('stat_disclosure_cells', 'stat_consultations', 'stat_fees', 'stat_narratives',
          'stat_locked_reports')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('operator', sa.String(length=80), nullable=False, server_default=''))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('operator')
