"""one schema again after notices (0003), alerts (0004) and statistics (0005); events by kind

Revision ID: 0006
Revises: 0003, 0004, 0005
"""
from alembic import op

revision = '0006'
down_revision = ('0003', '0004', '0005')
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the statistics read the year's record_remedy and fee_paid events by kind and date
    op.create_index('ix_case_events_kind_on', 'case_events', ['kind', 'on'])


def downgrade() -> None:
    op.drop_index('ix_case_events_kind_on', table_name='case_events')
