"""tickets.channel: how a ticket was taken (kiosk, counter; phone and appointment numbers
come next), kept on the ticket rather than guessed from which device issued it, so reports,
the console and the displays can tell a remote number or an appointment from a walk-in;
and an index of a site's waiting tickets oldest first, so the monitor's list of them is a
bounded read however long the queue; and an index on the event log's cursor (txid, id),
without which every read of the log after a cursor (the event hub after each commit, a
display resuming) scanned the whole log: 13-17 ms at 200,000 events, growing with the log

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(12), nullable=False, server_default='kiosk'))
    op.execute("UPDATE tickets SET channel = 'counter' WHERE device_id IS NULL")
    op.create_index('ix_tickets_site_waiting', 'tickets', ['site_id', 'business_day', 'queued_at', 'id'],
                    sqlite_where=sa.text("state = 'waiting'"), postgresql_where=sa.text("state = 'waiting'"))
    if op.get_bind().dialect.name == 'postgresql':  # SQLite reads after a cursor by primary key
        op.create_index('ix_events_cursor', 'events', [sa.text('coalesce(txid, 0)'), 'id'])
        op.create_index('ix_events_site_cursor', 'events', ['site_id', sa.text('coalesce(txid, 0)'), 'id'])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_events_site_cursor', table_name='events')
        op.drop_index('ix_events_cursor', table_name='events')
    op.drop_index('ix_tickets_site_waiting', table_name='tickets')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('channel')
