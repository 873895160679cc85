"""Numbers taken from a phone (lấy số từ xa): a site's rules, which services give them and
how many a day, each remote ticket's check-in code and window, and the limit keys (hashed
phone number, browser id) that hold one live ticket each. Tickets gain the state "absent"
(not checked in yet) and the channel "remote"; neither needs a schema change.

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'remote_settings',
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('sites.id', name='fk_remote_settings_site_id_sites'), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('hours_from', sa.String(5), nullable=False),
        sa.Column('hours_until', sa.String(5), nullable=False),
        sa.Column('checkin_minutes', sa.Integer(), nullable=False),
        sa.Column('expire_at', sa.String(5), nullable=False),
        sa.Column('placement', sa.String(10), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint('site_id', name='pk_remote_settings'),
    )
    op.create_table(
        'remote_services',
        sa.Column('service_id', sa.Integer(),
                  sa.ForeignKey('services.id', ondelete='CASCADE', name='fk_remote_services_service_id_services'), nullable=False),
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('sites.id', name='fk_remote_services_site_id_sites'),
                  nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('daily_quota', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('service_id', name='pk_remote_services'),
    )
    op.create_table(
        'remote_tickets',
        sa.Column('ticket_id', sa.BigInteger(), sa.ForeignKey('tickets.id', name='fk_remote_tickets_ticket_id_tickets'), nullable=False),
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('sites.id', name='fk_remote_tickets_site_id_sites'),
                  nullable=False),
        sa.Column('service_id', sa.Integer(),
                  sa.ForeignKey('services.id', name='fk_remote_tickets_service_id_services'), nullable=False),
        sa.Column('business_day', sa.Date(), nullable=False),
        sa.Column('checkin_code', sa.String(8), nullable=False),
        sa.Column('phone_key', sa.String(64), nullable=False),
        sa.Column('device_key', sa.String(64), nullable=False),
        sa.Column('taken_at', UTC_TIME, nullable=False),
        sa.Column('expires_at', UTC_TIME, nullable=False),
        sa.Column('checked_in_at', UTC_TIME, nullable=True),
        sa.Column('checked_in_by', sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint('ticket_id', name='pk_remote_tickets'),
        sa.UniqueConstraint('checkin_code', name='uq_remote_tickets_checkin_code'),
    )
    op.create_index('ix_remote_tickets_quota', 'remote_tickets', ['service_id', 'business_day'])
    op.create_index('ix_remote_tickets_open', 'remote_tickets', ['site_id', 'checked_in_at', 'expires_at'])
    op.create_table(
        'remote_holds',
        sa.Column('key', sa.String(120), nullable=False),
        sa.Column('ticket_id', sa.BigInteger(), nullable=True),
        sa.Column('updated_at', UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint('key', name='pk_remote_holds'),
    )


def downgrade() -> None:
    op.drop_table('remote_holds')
    op.drop_index('ix_remote_tickets_open', 'remote_tickets')
    op.drop_index('ix_remote_tickets_quota', 'remote_tickets')
    op.drop_table('remote_tickets')
    op.drop_table('remote_services')
    op.drop_table('remote_settings')
