"""tickets.channel: how a ticket was taken (kiosk, counter; phone and appointment numbers
come next), kept on the ticket rather than guessed from which device issued it, so reports,
the console and the displays can tell a remote number or an appointment from a walk-in

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


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('channel')
