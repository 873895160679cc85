"""services.version and counters.version: the optimistic version check of the administration
page (two admins editing one service or counter: the second save is refused, never a
silent overwrite)

Revision ID: 0008
Revises: 0007 (re-point to 0007, the petitions migration, when both are merged)
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('services', 'counters'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade() -> None:
    for table in ('counters', 'services'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
