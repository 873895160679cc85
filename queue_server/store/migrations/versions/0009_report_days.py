"""report_days and report_cells: each closed business day of a site summarised once, so a
queue report over a year reads a few thousand cells instead of every ticket and event

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'report_days',
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('span', sa.String(length=5), nullable=False),
        sa.Column('business_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('extras', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_report_days_site_id_sites')),
        sa.PrimaryKeyConstraint('site_id', 'span', 'business_day', name=op.f('pk_report_days')),
    )
    op.create_table(
        'report_cells',
        sa.Column('id', BigId, nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('span', sa.String(length=5), nullable=False),
        sa.Column('business_day', sa.Date(), nullable=False),
        sa.Column('dim', sa.String(length=10), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('wait_hist', sa.JSON(), nullable=False),
        sa.Column('wait_sum_s', sa.Double(), nullable=False),
        sa.Column('wait_within', sa.Integer(), nullable=False),
        sa.Column('service_hist', sa.JSON(), nullable=False),
        sa.Column('service_sum_s', sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_report_cells_site_id_sites')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_cells')),
    )
    op.create_index('ix_report_cells_day', 'report_cells', ['site_id', 'span', 'business_day'])


def downgrade() -> None:
    op.drop_index('ix_report_cells_day', table_name='report_cells')
    op.drop_table('report_cells')
    op.drop_table('report_days')
