"""accounts: one per person with several roles, passwords, tokens, sign-in throttling, access log

Revision ID: 0008
Revises: 0007

staff.role becomes staff_roles (one row per role held); the system actors (system-<agency>)
become kind 'system' with the role 'system'. Case events record the operator and whether the
step was back-dated.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'staff_roles',
        sa.Column('staff_id', sa.Integer(), sa.ForeignKey('staff.id'), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint('staff_id', 'role'),
    )
    op.execute("INSERT INTO staff_roles (staff_id, role) SELECT id, "
               "CASE WHEN code LIKE 'system-%' THEN 'system' ELSE role END FROM staff")
    with op.batch_alter_table('staff') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=10), nullable=False, server_default='person'))
        batch.add_column(sa.Column('identifier', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('password_hash', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('password_set_at', TZ, nullable=True))
        batch.add_column(sa.Column('created_at', TZ, nullable=True))
        batch.add_column(sa.Column('deactivated_at', TZ, nullable=True))
        batch.create_unique_constraint('uq_staff_identifier', ['identifier'])
        batch.drop_column('role')
    op.execute("UPDATE staff SET kind = 'system' WHERE code LIKE 'system-%'")
    op.create_table(
        'staff_changes',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('staff_id', sa.Integer(), sa.ForeignKey('staff.id'), nullable=False),
        sa.Column('change', sa.String(length=30), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.Column('by', sa.String(length=40), nullable=False),
        sa.Column('operator', sa.String(length=80), nullable=False),
        sa.Column('at', TZ, nullable=False),
    )
    op.create_index('ix_staff_changes_staff_id', 'staff_changes', ['staff_id'])
    op.create_table(
        'api_tokens',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('staff_id', sa.Integer(), sa.ForeignKey('staff.id'), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False, unique=True),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('created_at', TZ, nullable=False),
        sa.Column('expires_at', TZ, nullable=False),
        sa.Column('revoked_at', TZ, nullable=True),
        sa.Column('last_used_at', TZ, nullable=True),
    )
    op.create_index('ix_api_tokens_staff_id', 'api_tokens', ['staff_id'])
    op.create_table(
        'signin_failures',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('account', sa.String(length=60), nullable=False),
        sa.Column('at', TZ, nullable=False),
    )
    op.create_index('ix_signin_failures_account_at', 'signin_failures', ['account', 'at'])
    op.create_table(
        'access_log',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('at', TZ, nullable=False),
        sa.Column('staff', sa.String(length=40), nullable=False),
        sa.Column('operator', sa.String(length=80), nullable=False),
        sa.Column('via', sa.String(length=10), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('applicant_id', sa.Integer(), nullable=True),
        sa.Column('target', sa.String(length=80), nullable=False),
        sa.Column('outcome', sa.String(length=10), nullable=False),
    )
    op.create_index('ix_access_log_case', 'access_log', ['case_id'])
    op.create_index('ix_access_log_at', 'access_log', ['at'])
    op.create_index('ix_access_log_staff_at', 'access_log', ['staff', 'at'])
    with op.batch_alter_table('case_events') as batch:
        batch.add_column(sa.Column('operator', sa.String(length=80), nullable=False, server_default=''))
        batch.add_column(sa.Column('backdated', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('case_events') as batch:
        batch.drop_column('backdated')
        batch.drop_column('operator')
    op.drop_table('access_log')
    op.drop_table('signin_failures')
    op.drop_table('api_tokens')
    op.drop_table('staff_changes')
    with op.batch_alter_table('staff') as batch:
        batch.add_column(sa.Column('role', sa.String(length=20), nullable=False, server_default='clerk'))
    # one role back per account (the first in the order of the old single-role column)
    op.execute("UPDATE staff SET role = COALESCE((SELECT MIN(CASE r.role WHEN 'system' THEN 'admin' "
               "ELSE r.role END) FROM staff_roles r WHERE r.staff_id = staff.id), 'clerk')")
    with op.batch_alter_table('staff') as batch:
        batch.drop_constraint('uq_staff_identifier', type_='unique')
        for col in ('deactivated_at', 'created_at', 'password_set_at', 'password_hash', 'identifier', 'kind'):
            batch.drop_column(col)
    op.drop_table('staff_roles')
