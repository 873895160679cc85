"""Indexes that keep calling and the wait estimate bounded however long the queue is

ix_tickets_waiting: each line of waiting tickets (service, class, placement) in call order,
so a read takes a line's head and counts its length without reading the whole queue.
ix_tickets_counter_calls: a counter's calls of the day, latest first (ratio policy).

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_waiting',
                              ['service_id', 'business_day', 'priority', 'front', 'queued_at', 'id', 'state',
                               'number'],
                              unique=False, sqlite_where=sa.text("state = 'waiting'"),
                              postgresql_where=sa.text("state = 'waiting'"))
        batch_op.create_index('ix_tickets_counter_calls', ['counter_id', 'business_day', 'called_at', 'id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_counter_calls')
        batch_op.drop_index('ix_tickets_waiting', sqlite_where=sa.text("state = 'waiting'"),
                            postgresql_where=sa.text("state = 'waiting'"))
