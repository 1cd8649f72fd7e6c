"""Whom a delivery is for

deliveries.engineer_id: the engineer of the job when the delivery was planned,
so their phone shows what waits at their depot and what is coming to their sites.

Revision ID: 0012_deliveries
Revises: 0011_ledger
Create Date: 2026-12-01 12:20:06.107054

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_deliveries'
down_revision = '0011_ledger'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('engineer_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_deliveries_engineer_id'), ['engineer_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_deliveries_engineer_id_users'), 'users', ['engineer_id'], ['id'])


def downgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_deliveries_engineer_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_deliveries_engineer_id'))
        batch_op.drop_column('engineer_id')
