"""sites.monitor (the supervisor monitor's alert thresholds) and devices.status (what a
device's last heartbeat said, e.g. a kiosk printer's "paper_low"), and an index of events
by site, kind and time (the monitor's recent print failures, lockouts, out-of-order calls)

Revision ID: 0006
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('monitor', sa.JSON(), nullable=True))
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=False, server_default=''))
    op.create_index('ix_events_site_kind_at', 'events', ['site_id', 'kind', 'at'])


def downgrade() -> None:
    op.drop_index('ix_events_site_kind_at', table_name='events')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_column('status')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('monitor')
