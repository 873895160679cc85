"""appointments (đặt lịch hẹn): per-service slot settings, slots with a booked counter that a
conditional UPDATE raises (capacity never exceeded), the bookings, and on tickets the start of
the booked slot (`due_at`) with its own waiting line; the walk-in lines' index leaves
appointments out

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_WAITING = "state = 'waiting'"
_BOOKED = "state = 'waiting' AND due_at IS NOT NULL"


def upgrade() -> None:
    op.create_table('appointment_settings',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_appointment_settings_service_id_services')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_appointment_settings_site_id_sites')),
    sa.PrimaryKeyConstraint('service_id', name=op.f('pk_appointment_settings'))
    )
    op.create_table('appointment_slots',
    sa.Column('id', _BIG, nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_appointment_slots_service_id_services')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_appointment_slots_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_slots')),
    sa.UniqueConstraint('service_id', 'starts_at', name='uq_appointment_slots_service_start')
    )
    op.create_index('ix_appointment_slots_day', 'appointment_slots', ['service_id', 'day'], unique=False)
    op.create_table('appointments',
    sa.Column('id', _BIG, nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', _BIG, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('procedure_code', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ticket_id', _BIG, nullable=True),
    sa.Column('personal_erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_appointments_service_id_services')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_appointments_site_id_sites')),
    sa.ForeignKeyConstraint(['slot_id'], ['appointment_slots.id'], name=op.f('fk_appointments_slot_id_appointment_slots')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_appointments_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
    sa.UniqueConstraint('code', name=op.f('uq_appointments_code'))
    )
    op.create_index('ix_appointments_slot', 'appointments', ['slot_id', 'state'], unique=False)
    op.create_index('ix_appointments_due', 'appointments', ['state', 'starts_at'], unique=False)
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
    op.drop_index('ix_tickets_waiting', table_name='tickets', sqlite_where=sa.text(_WAITING),
                  postgresql_where=sa.text(_WAITING))
    op.create_index('ix_tickets_waiting', 'tickets',
                    ['service_id', 'business_day', 'priority', 'front', 'due_at', 'queued_at', 'id', 'state',
                     'number'],
                    unique=False, sqlite_where=sa.text(_WAITING), postgresql_where=sa.text(_WAITING))
    op.create_index('ix_tickets_appointments', 'tickets',
                    ['service_id', 'business_day', 'due_at', 'id', 'state', 'number', 'queued_at', 'priority',
                     'front'],
                    unique=False, sqlite_where=sa.text(_BOOKED), postgresql_where=sa.text(_BOOKED))


def downgrade() -> None:
    op.drop_index('ix_tickets_appointments', table_name='tickets', sqlite_where=sa.text(_BOOKED),
                  postgresql_where=sa.text(_BOOKED))
    op.drop_index('ix_tickets_waiting', table_name='tickets', sqlite_where=sa.text(_WAITING),
                  postgresql_where=sa.text(_WAITING))
    op.create_index('ix_tickets_waiting', 'tickets',
                    ['service_id', 'business_day', 'priority', 'front', 'queued_at', 'id', 'state', 'number'],
                    unique=False, sqlite_where=sa.text(_WAITING), postgresql_where=sa.text(_WAITING))
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('due_at')
    op.drop_index('ix_appointments_due', table_name='appointments')
    op.drop_index('ix_appointments_slot', table_name='appointments')
    op.drop_table('appointments')
    op.drop_index('ix_appointment_slots_day', table_name='appointment_slots')
    op.drop_table('appointment_slots')
    op.drop_table('appointment_settings')
