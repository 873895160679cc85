"""dossiers: received dossiers, their timeline steps, numbering counters, shared rate counters

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 07:11:19.248858
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_counters',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_counters'))
    )
    op.create_table('dossier_sequences',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=24), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_dossier_sequences_site_id_sites')),
    sa.PrimaryKeyConstraint('site_id', 'scope', name=op.f('pk_dossier_sequences'))
    )
    op.create_table('dossiers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('lookup_code', sa.String(length=12), nullable=False),
    sa.Column('received_day', sa.Date(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('logbook_book', sa.String(length=20), nullable=False),
    sa.Column('logbook_line', sa.Integer(), nullable=False),
    sa.Column('procedure_code', sa.String(length=40), nullable=False),
    sa.Column('procedure_name_vi', sa.Text(), nullable=False),
    sa.Column('procedure_name_en', sa.Text(), nullable=False),
    sa.Column('field_code', sa.String(length=40), nullable=False),
    sa.Column('lead_agency', sa.Text(), nullable=False),
    sa.Column('current_agency', sa.Text(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('processing_quantity', sa.Integer(), nullable=False),
    sa.Column('processing_unit', sa.String(length=20), nullable=False),
    sa.Column('applicant_name', sa.String(length=200), nullable=False),
    sa.Column('applicant_id_type', sa.String(length=12), nullable=False),
    sa.Column('applicant_id_number', sa.String(length=20), nullable=False),
    sa.Column('applicant_phone', sa.String(length=20), nullable=False),
    sa.Column('applicant_email', sa.String(length=254), nullable=False),
    sa.Column('applicant_address', sa.Text(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('sets', sa.Integer(), nullable=False),
    sa.Column('fee_vnd', sa.BigInteger(), nullable=False),
    sa.Column('result_delivery', sa.String(length=10), nullable=False),
    sa.Column('delivery_address', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('appointment_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('calendar_missing_years', sa.JSON(), nullable=False),
    sa.Column('calendar_unconfirmed_years', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('state_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('flag', sa.String(length=12), nullable=False),
    sa.Column('result_ready_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('received_by_name', sa.String(length=200), nullable=False),
    sa.Column('returned_ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['counters.id'], name=op.f('fk_dossiers_counter_id_counters')),
    sa.ForeignKeyConstraint(['received_by_id'], ['users.id'], name=op.f('fk_dossiers_received_by_id_users')),
    sa.ForeignKeyConstraint(['returned_ticket_id'], ['tickets.id'], name=op.f('fk_dossiers_returned_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_dossiers_site_id_sites')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_dossiers_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossiers')),
    sa.UniqueConstraint('code', name=op.f('uq_dossiers_code')),
    sa.UniqueConstraint('site_id', 'received_day', 'number', name='uq_dossiers_site_day_number')
    )
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index('ix_dossiers_open', ['site_id', 'state', 'due_at'], unique=False)
        batch_op.create_index('ix_dossiers_received', ['site_id', 'received_at'], unique=False)
        batch_op.create_index('ix_dossiers_ticket', ['ticket_id'], unique=False)

    op.create_table('dossier_steps',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('dossier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('from_agency', sa.Text(), nullable=False),
    sa.Column('to_agency', sa.Text(), nullable=False),
    sa.Column('handed_by', sa.String(length=200), nullable=False),
    sa.Column('received_by', sa.String(length=200), nullable=False),
    sa.Column('timing', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_dossier_steps_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_steps'))
    )
    with op.batch_alter_table('dossier_steps', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_steps_dossier', ['dossier_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('dossier_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_steps_dossier')

    op.drop_table('dossier_steps')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_ticket')
        batch_op.drop_index('ix_dossiers_received')
        batch_op.drop_index('ix_dossiers_open')

    op.drop_table('dossiers')
    op.drop_table('dossier_sequences')
    op.drop_table('rate_counters')
