"""Records from another system: which source owns a row, and its id there; contracts

customers, sites, part_numbers, serialised_items, jobs: `source` (the integration's
source name) and `external_id` (the record's id in that system), unique together
(rows Fieldloop made itself have neither). contracts and contract_sites: service
contracts of a customer and the sites they cover.

Revision ID: 0014_external_ids
Revises: 0013_integration
Create Date: 2026-12-01 15:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_external_ids'
down_revision = '0013_integration'
branch_labels = None
depends_on = None

SOURCED_TABLES = ('customers', 'sites', 'part_numbers', 'serialised_items', 'jobs')


def upgrade():
    for table in SOURCED_TABLES:
        # Plain ADD COLUMN and a unique index: SQLite need not rebuild tables that others refer to.
        op.add_column(table, sa.Column('source', sa.String(length=40), nullable=True))
        op.add_column(table, sa.Column('external_id', sa.String(length=80), nullable=True))
        op.create_index(f'ix_{table}_source_external_id', table, ['source', 'external_id'], unique=True)
    op.create_table(
        'contracts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.Column('external_id', sa.String(length=80), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=60), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('service_level', sa.String(length=60), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_contracts_customer_id_customers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_contracts_source_external_id', ['source', 'external_id'], unique=True)
    op.create_table(
        'contract_sites',
        sa.Column('contract_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_sites_contract_id_contracts')),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_contract_sites_site_id_sites')),
        sa.PrimaryKeyConstraint('contract_id', 'site_id', name=op.f('pk_contract_sites')),
    )


def downgrade():
    op.drop_table('contract_sites')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index('ix_contracts_source_external_id')
        batch_op.drop_index(batch_op.f('ix_contracts_customer_id'))
    op.drop_table('contracts')
    for table in reversed(SOURCED_TABLES):
        op.drop_index(f'ix_{table}_source_external_id', table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('external_id')
            batch_op.drop_column('source')
