"""The hall's own setup made in /admin: sites.working_hours, public_url, display_notice and
version (the optimistic check), and holiday_years (a year's holidays made in /admin, over
the shipped file of that year)

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('working_hours', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('public_url', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('display_notice', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    op.create_table(
        'holiday_years',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False, server_default='1'),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_holiday_years')),
    )


def downgrade() -> None:
    op.drop_table('holiday_years')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        for column in ('version', 'display_notice', 'public_url', 'working_hours'):
            batch_op.drop_column(column)
