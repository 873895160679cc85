"""notifications (the outbox of messages for a hall's SMS or Zalo gateway), their delivery
attempts, and the contacts citizens leave on the phone page to be messaged

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('notification_contacts',
    sa.Column('id', BigId, nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.BigInteger(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('ahead', sa.Integer(), nullable=True),
    sa.Column('created_at', When, nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_notification_contacts_site_id_sites')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'],
                            name=op.f('fk_notification_contacts_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_contacts')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_notification_contacts_ticket_id'))
    )
    op.create_table('notifications',
    sa.Column('id', BigId, nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('recipient', sa.String(length=20), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', When, nullable=False),
    sa.Column('next_attempt_at', When, nullable=False),
    sa.Column('lease_until', When, nullable=True),
    sa.Column('delivered_at', When, nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_notifications_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('key', name=op.f('uq_notifications_key'))
    )
    op.create_index('ix_notifications_due', 'notifications', ['state', 'next_attempt_at'], unique=False)
    op.create_table('notification_attempts',
    sa.Column('id', BigId, nullable=False),
    sa.Column('notification_id', sa.BigInteger(), nullable=False),
    sa.Column('at', When, nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], ondelete='CASCADE',
                            name=op.f('fk_notification_attempts_notification_id_notifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_attempts'))
    )
    op.create_index('ix_notification_attempts_of', 'notification_attempts', ['notification_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_notification_attempts_of', table_name='notification_attempts')
    op.drop_table('notification_attempts')
    op.drop_index('ix_notifications_due', table_name='notifications')
    op.drop_table('notifications')
    op.drop_table('notification_contacts')
