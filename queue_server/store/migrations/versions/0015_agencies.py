"""agencies (một cửa liên thông): the departments of a site that process dossiers, processor
accounts scoped to one (users.agency_id), procedures' processing routes, and the hand-offs
of a dossier between the desk and the agencies (the rows of the control slip, Mẫu 05), with
the inboxes' index; on dossiers the holding agency and the apology prompt's mark

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_vi', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('hours', sa.JSON(), nullable=True),
    sa.Column('days_off', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', When, nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_agencies_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
    sa.UniqueConstraint('site_id', 'code', name='uq_agencies_site_code')
    )
    op.create_table('procedure_routes',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('procedure_code', sa.String(length=40), nullable=False),
    sa.Column('route', sa.JSON(), nullable=False),
    sa.Column('updated_at', When, nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_procedure_routes_site_id_sites')),
    sa.PrimaryKeyConstraint('site_id', 'procedure_code', name=op.f('pk_procedure_routes'))
    )
    op.create_table('dossier_handoffs',
    sa.Column('id', BigId, nullable=False),
    sa.Column('dossier_id', BigId, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('from_agency_id', sa.Integer(), nullable=True),
    sa.Column('to_agency_id', sa.Integer(), nullable=True),
    sa.Column('to_site_id', sa.Integer(), nullable=False),
    sa.Column('route_index', sa.Integer(), nullable=True),
    sa.Column('handed_at', When, nullable=False),
    sa.Column('handed_by', sa.String(length=200), nullable=False),
    sa.Column('received_at', When, nullable=True),
    sa.Column('received_by', sa.String(length=200), nullable=False),
    sa.Column('step_due_at', When, nullable=True),
    sa.Column('done_at', When, nullable=True),
    sa.Column('timing', sa.String(length=12), nullable=False),
    sa.Column('off_route', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('late_flagged', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], ondelete='CASCADE',
                            name=op.f('fk_dossier_handoffs_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['from_agency_id'], ['agencies.id'],
                            name=op.f('fk_dossier_handoffs_from_agency_id_agencies')),
    sa.ForeignKeyConstraint(['to_agency_id'], ['agencies.id'], name=op.f('fk_dossier_handoffs_to_agency_id_agencies')),
    sa.ForeignKeyConstraint(['to_site_id'], ['sites.id'], name=op.f('fk_dossier_handoffs_to_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_handoffs')),
    sa.UniqueConstraint('dossier_id', 'seq', name='uq_dossier_handoffs_dossier_seq')
    )
    op.create_index('ix_dossier_handoffs_inbox', 'dossier_handoffs', ['to_agency_id', 'state', 'step_due_at'],
                    unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_agency_id_agencies'), 'agencies', ['agency_id'], ['id'])
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('current_agency_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('apology_prompted_at', When, nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_dossiers_current_agency_id_agencies'), 'agencies',
                                    ['current_agency_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dossiers_current_agency_id_agencies'), type_='foreignkey')
        batch_op.drop_column('apology_prompted_at')
        batch_op.drop_column('current_agency_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_agency_id_agencies'), type_='foreignkey')
        batch_op.drop_column('agency_id')
    op.drop_index('ix_dossier_handoffs_inbox', table_name='dossier_handoffs')
    op.drop_table('dossier_handoffs')
    op.drop_table('procedure_routes')
    op.drop_table('agencies')
