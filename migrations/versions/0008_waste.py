"""The CO2e figures of a part number, and what a line's disposition avoids

embodied_co2e_kg and material_recovery_share let the engine price the CO2e a
disposition avoids; both are optional (the category defaults in rules.toml apply).
return_lines.co2e_avoided_kg keeps what the decided disposition avoids.

Revision ID: 0008_waste
Revises: 0007_planning
Create Date: 2026-12-01 10:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008_waste'
down_revision = '0007_planning'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('part_numbers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('embodied_co2e_kg', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('material_recovery_share', sa.Double(), nullable=True))
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('co2e_avoided_kg', sa.Double(), nullable=True))


def downgrade():
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.drop_column('co2e_avoided_kg')
    with op.batch_alter_table('part_numbers', schema=None) as batch_op:
        batch_op.drop_column('material_recovery_share')
        batch_op.drop_column('embodied_co2e_kg')
